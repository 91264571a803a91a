/*
 * headload: a keep-alive HEAD load generator, because wrk waits for a body
 * after HEAD and ab -i -k / h2load hang the same way.
 *
 *   headload HOST PORT PATH CONNECTIONS SECONDS
 *
 * Every connection sends one HEAD at a time and reads the response headers
 * (a HEAD response has no body). Prints: requests, req/s, p50 and p99 in ms,
 * and non-2xx answers. One thread, epoll; bounded by SECONDS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 1024
#define MAX_SAMPLES 20000000

typedef struct { int fd; double sent; char buf[4096]; int len; } conn_t;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: headload HOST PORT PATH CONNECTIONS SECONDS\n"); return 2; }
    const char *host = argv[1], *path = argv[3];
    int port = atoi(argv[2]), n = atoi(argv[4]);
    double seconds = atof(argv[5]);
    if (n < 1 || n > MAX_CONN) { fprintf(stderr, "connections: 1..%d\n", MAX_CONN); return 2; }
    char request[2048];
    int request_len = snprintf(request, sizeof request, "HEAD %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host);
    double *samples = malloc(sizeof(double) * MAX_SAMPLES);
    conn_t *conns = calloc(n, sizeof(conn_t));
    long count = 0, bad = 0;
    int ep = epoll_create1(0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, host, &addr.sin_addr);
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { perror("connect"); return 1; }
        conns[i].fd = fd;
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        conns[i].sent = now();
        if (write(fd, request, request_len) != request_len) { perror("write"); return 1; }
    }
    double start = now(), end = start + seconds;
    struct epoll_event events[MAX_CONN];
    while (now() < end) {
        int ready = epoll_wait(ep, events, MAX_CONN, 100);
        for (int e = 0; e < ready; e++) {
            conn_t *c = &conns[events[e].data.u32];
            ssize_t got = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
            if (got <= 0) { fprintf(stderr, "connection closed by server\n"); return 1; }
            c->len += got;
            c->buf[c->len] = 0;
            char *eoh;
            while ((eoh = strstr(c->buf, "\r\n\r\n")) != NULL) {
                double t = now();
                if (count < MAX_SAMPLES) samples[count] = (t - c->sent) * 1000;
                count++;
                if (strncmp(c->buf + 9, "2", 1) != 0) bad++;
                int used = (int)(eoh + 4 - c->buf);
                memmove(c->buf, eoh + 4, c->len - used + 1);
                c->len -= used;
                c->sent = t;
                if (write(c->fd, request, request_len) != request_len) { perror("write"); return 1; }
            }
        }
    }
    double elapsed = now() - start;
    long kept = count < MAX_SAMPLES ? count : MAX_SAMPLES;
    qsort(samples, kept, sizeof(double), cmp);
    printf("requests %ld rate %.1f p50 %.3f p99 %.3f non2xx %ld\n", count, count / elapsed,
           kept ? samples[kept / 2] : 0, kept ? samples[(long)(kept * 0.99)] : 0, bad);
    return 0;
}
