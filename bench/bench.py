#!/usr/bin/env python3
"""Berth vs the reference registry (CNCF Distribution) vs nginx, one run.

Starts the three servers on loopback, measures each scenario against each,
and prints a Markdown table with ratios. The machine is shared and noisy:
compare the ratios of one run, not absolute numbers across runs.
"""
import argparse, asyncio, concurrent.futures, hashlib, json, os, re, shutil, signal, socket
import subprocess, sys, tempfile, threading, time
import requests

GIB = 1 << 30
MIB = 1 << 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


class Server:
    def __init__(self, name, argv, url, work, env=None):
        self.name, self.url = name, url
        self.log = open(os.path.join(work, f"{name}.log"), "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=self.log, env=env, start_new_session=True)
        wait_for(url + ("/v2/" if name != "nginx" else "/small"))

    def pids(self):
        out = subprocess.run(["pgrep", "-s", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()] or [self.proc.pid]

    def cpu_seconds(self):
        total = 0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in self.pids():
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except FileNotFoundError:
                pass
        return total

    def memory(self, field):
        total = 0
        for pid in self.pids():
            try:
                for line in open(f"/proc/{pid}/status"):
                    if line.startswith(field + ":"):
                        total += int(line.split()[1]) * 1024
            except FileNotFoundError:
                pass
        return total

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def berth_node(berth, work, name):
    """A Berth with `--auth none` and quiet logs, its data in `work/name`, on a free loopback port."""
    port = free_port()
    return Server(name, [berth, "serve", "--listen", f"127.0.0.1:{port}", "--data", f"{work}/{name}", "--auth", "none",
                         "--log-level", "error"], f"http://127.0.0.1:{port}", work)


def measured(server, work):
    """Runs work() and returns (its result, server CPU seconds used)."""
    before = server.cpu_seconds()
    result = work()
    return result, server.cpu_seconds() - before


def digest_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 * MIB):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def start_upload(session, base, repo):
    r = session.post(f"{base}/v2/{repo}/blobs/uploads/")
    assert r.status_code == 202, (r.status_code, r.text)
    loc = r.headers["Location"]
    return loc if loc.startswith("http") else base + loc


def with_query(loc, q):
    return loc + ("&" if "?" in loc else "?") + q


def curl(args):
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-H", "Expect:", "-w", "%{http_code} %{time_total}"] + args,
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1])


def push_monolithic(base, path, digest):
    loc = start_upload(requests, base, "bench/big")
    code, seconds = curl(["-X", "PUT", "-H", "Content-Type: application/octet-stream", "-T", path,
                          with_query(loc, f"digest={digest}")])
    assert code == 201, code
    return seconds


def push_chunked(base, path, digest, chunk):
    session = requests.Session()
    started = time.time()
    loc = start_upload(session, base, "bench/chunked")
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        offset = 0
        while offset < size:
            data = f.read(chunk)
            r = session.patch(loc, data=data, headers={"Content-Type": "application/octet-stream",
                                                        "Content-Range": f"{offset}-{offset + len(data) - 1}"})
            assert r.status_code == 202, (r.status_code, r.text)
            loc = r.headers["Location"] if r.headers["Location"].startswith("http") else base + r.headers["Location"]
            offset += len(data)
    r = session.put(with_query(loc, f"digest={digest}"))
    assert r.status_code == 201, (r.status_code, r.text)
    return time.time() - started


def pull(url):
    code, seconds = curl([url])
    assert code == 200, code
    return seconds


def wrk(url, seconds, connections=64):
    # Distribution withholds OCI manifests from clients that do not list the type.
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "-H", "Accept: application/vnd.oci.image.manifest.v1+json", url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not non2xx, f"{url}: {non2xx.group(0)}"
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return rate, float(p99.group(1)) * scale, total


def head_load(headload, url, seconds, connections=64):
    """HEAD requests/s and p99 (ms) from bench/headload.c."""
    host_port, path = url[len("http://"):].split("/", 1)
    host, port = host_port.split(":")
    out = subprocess.run([headload, host, port, "/" + path, str(connections), str(seconds)],
                         capture_output=True, text=True, check=True).stdout.split()
    values = dict(zip(out[0::2], out[1::2]))
    assert values["non2xx"] == "0", out
    return float(values["rate"]), float(values["p99"]), int(values["requests"])


async def http(reader, writer, method, path, body=b"", headers=()):
    """One request on a keep-alive connection; a lean client so that the
    load generator, not the server, is not what limits small requests."""
    lines = [f"{method} {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(body)}"] + list(headers)
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
    payload = await reader.readexactly(int(fields.get("content-length", "0")))
    return int(head[0].split()[1]), fields, payload


def run_clients(base, clients, items, work):
    """Runs work(reader, writer, item) for every item over `clients` connections."""
    host, port = base[len("http://"):].split(":")

    async def main():
        queue = list(items)

        async def client():
            reader, writer = await asyncio.open_connection(host, int(port))
            while queue:
                await work(reader, writer, queue.pop())
            writer.close()

        await asyncio.gather(*(client() for _ in range(clients)))

    started = time.time()
    asyncio.run(main())
    return time.time() - started


def push_small_blobs(base, count, clients):
    async def push(reader, writer, data):
        status, fields, _ = await http(reader, writer, "POST", "/v2/bench/small/blobs/uploads/")
        assert status == 202, status
        location = fields["location"].replace(base, "")
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        status, _, body = await http(reader, writer, "PUT", with_query(location, f"digest={digest}"), data,
                                     ["Content-Type: application/octet-stream"])
        assert status == 201, (status, body)

    return run_clients(base, clients, [os.urandom(4096) for _ in range(count)], push)


def push_image(base, repo):
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    layer = os.urandom(1024)
    for data in (config, layer):
        loc = start_upload(requests, base, repo)
        r = requests.put(with_query(loc, "digest=sha256:" + hashlib.sha256(data).hexdigest()), data=data)
        assert r.status_code == 201, r.text
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + hashlib.sha256(layer).hexdigest(), "size": len(layer)}],
    }).encode()
    r = requests.put(f"{base}/v2/{repo}/manifests/latest", data=manifest,
                     headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert r.status_code == 201, r.text
    return manifest, "sha256:" + hashlib.sha256(manifest).hexdigest(), "sha256:" + hashlib.sha256(layer).hexdigest()


def create_tags(base, manifest, count, clients):
    async def put(reader, writer, i):
        status, _, body = await http(reader, writer, "PUT", f"/v2/bench/tags/manifests/t{i:05d}", manifest,
                                     ["Content-Type: application/vnd.oci.image.manifest.v1+json"])
        assert status == 201, (status, body)

    return run_clients(base, clients, range(count), put)


def list_tags(base, page=None):
    session = requests.Session()
    started = time.time()
    url, seen, requests_made = f"{base}/v2/bench/tags/tags/list" + (f"?n={page}" if page else ""), 0, 0
    while url:
        r = session.get(url)
        requests_made += 1
        assert r.status_code == 200, r.text
        seen += len(r.json()["tags"])
        link = r.headers.get("Link")
        url = base + link[1:link.index(">")] if link else None
    return time.time() - started, seen, requests_made


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--headload", required=True, help="the compiled bench/headload.c")
    parser.add_argument("--big", type=int, default=GIB, help="size of the large blob in bytes")
    parser.add_argument("--seconds", type=int, default=8, help="duration of each request-rate run")
    parser.add_argument("--small-blobs", type=int, default=2000)
    parser.add_argument("--tags", type=int, default=10000)
    parser.add_argument("--out", default=None)
    parser.add_argument("--settings", choices=["quiet", "default"], default="quiet",
                        help="quiet: every server logs errors only; default: each logs as installed (Berth's access log "
                             "and pull audit on, the reference registry's and nginx's access logs on)")
    args = parser.parse_args()
    quiet = args.settings == "quiet"

    work = tempfile.mkdtemp(prefix="berth-bench-")
    os.chmod(work, 0o755)  # nginx workers run as an unprivileged user
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        for _ in range(args.big // (64 * MIB) or 1):
            f.write(os.urandom(min(64 * MIB, args.big)))
    big_digest = digest_file(big)
    size_mb = os.path.getsize(big) / 1e6

    servers = {}
    port = free_port()
    # Both registries run without authentication: the same work per request.
    servers["berth"] = Server("berth", [args.berth, "serve", "--listen", f"127.0.0.1:{port}", "--data", f"{work}/berth",
                                        "--auth", "none"] + (["--log-level", "error"] if quiet else []),
                              f"http://127.0.0.1:{port}", work)
    port = free_port()
    with open(f"{work}/registry.yml", "w") as f:
        f.write(f"version: 0.1\nlog:\n  level: {'error' if quiet else 'info'}\n  accesslog:\n    disabled: {'true' if quiet else 'false'}\n"
                f"storage:\n  filesystem:\n"
                f"    rootdirectory: {work}/registry\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n")
    servers["registry"] = Server("registry", ["docker-registry", "serve", f"{work}/registry.yml"], f"http://127.0.0.1:{port}", work)
    port = free_port()
    os.makedirs(f"{work}/nginx/www")
    shutil.copy(big, f"{work}/nginx/www/big")
    with open(f"{work}/nginx.conf", "w") as f:
        f.write(f"worker_processes auto; pid {work}/nginx/nginx.pid; error_log {work}/nginx/error.log;\n"
                f"events {{ worker_connections 1024; }}\nhttp {{ access_log {'off' if quiet else work + '/nginx/access.log'}; sendfile on; keepalive_requests 1000000;\n"
                f"  client_body_temp_path {work}/nginx; proxy_temp_path {work}/nginx; fastcgi_temp_path {work}/nginx;\n"
                f"  uwsgi_temp_path {work}/nginx; scgi_temp_path {work}/nginx;\n"
                f"  server {{ listen 127.0.0.1:{port}; root {work}/nginx/www; }} }}\n")
    time.sleep(0.5)
    servers["nginx"] = None  # started after the small file exists
    rows = {}  # scenario -> {server: (value, unit, cpu per op)}
    idle = {}

    for name in ("berth", "registry"):
        server, base = servers[name], servers[name].url
        time.sleep(1)
        idle[name] = server.memory("VmRSS")
        results = rows.setdefault
        manifest, manifest_digest, layer_digest = push_image(base, "bench/app")
        with open(f"{work}/nginx/www/small", "wb") as f:
            f.write(manifest)
        os.sync()  # no writeback of earlier files competes with the pushes
        t, cpu = measured(server, lambda: push_monolithic(base, big, big_digest))
        results("1 GiB push, monolithic (MB/s)", {})[name] = (size_mb / t, cpu)
        os.sync()
        t, cpu = measured(server, lambda: push_chunked(base, big, big_digest, 16 * MIB))
        results("1 GiB push, 16 MiB chunks (MB/s)", {})[name] = (size_mb / t, cpu)
        repo = "bench/big"
        t, cpu = measured(server, lambda: pull(f"{base}/v2/{repo}/blobs/{big_digest}"))
        results("1 GiB pull (MB/s)", {})[name] = (size_mb / t, cpu)
        for label, url in (("manifest GET by tag", f"{base}/v2/bench/app/manifests/latest"),
                           ("manifest GET by digest", f"{base}/v2/bench/app/manifests/{manifest_digest}")):
            (rate, p99, total), cpu = measured(server, lambda: wrk(url, args.seconds))
            results(f"{label} (req/s; p99 ms)", {})[name] = (rate, cpu / total, p99)
        (rate, p99, total), cpu = measured(server, lambda: head_load(args.headload, f"{base}/v2/bench/app/blobs/{layer_digest}", args.seconds))
        results("blob HEAD (req/s; p99 ms)", {})[name] = (rate, cpu / total, p99)
        t, cpu = measured(server, lambda: push_small_blobs(base, args.small_blobs, 16))
        results(f"{args.small_blobs} × 4 KiB blobs, 16 clients (blobs/s)", {})[name] = (args.small_blobs / t, cpu / args.small_blobs)
        tagged, _, _ = push_image(base, "bench/tags")
        t, cpu = measured(server, lambda: create_tags(base, tagged, args.tags, 16))
        results(f"{args.tags} tags created, 16 clients (tags/s)", {})[name] = (args.tags / t, cpu / args.tags)
        (t, seen, _), cpu = measured(server, lambda: list_tags(base))
        assert seen == args.tags + 1, seen  # and "latest"
        results(f"list {args.tags} tags at once (ms)", {})[name] = (t * 1000, cpu)
        (t, seen, pages), cpu = measured(server, lambda: list_tags(base, 100))
        assert seen == args.tags + 1, seen
        # Distribution 2.8 ignores n on tags/list and answers everything at once.
        results(f"list {args.tags} tags in pages of 100 (ms; pages)", {})[name] = (t * 1000, cpu, pages)
        rows.setdefault("resident memory idle / peak (MiB)", {})[name] = (idle[name] / MIB, server.memory("VmHWM") / MIB)
        server.stop()

    nginx = Server("nginx", ["nginx", "-c", f"{work}/nginx.conf", "-p", f"{work}/nginx", "-g", "daemon off;"],
                   f"http://127.0.0.1:{port}", work)
    t, cpu = measured(nginx, lambda: pull(f"{nginx.url}/big"))
    rows["1 GiB pull (MB/s)"]["nginx"] = (size_mb / t, cpu)
    (rate, p99, total), cpu = measured(nginx, lambda: wrk(f"{nginx.url}/small", args.seconds))
    for label in ("manifest GET by tag (req/s; p99 ms)", "manifest GET by digest (req/s; p99 ms)"):
        rows[label]["nginx"] = (rate, cpu / total, p99)
    (rate, p99, total), cpu = measured(nginx, lambda: head_load(args.headload, f"{nginx.url}/small", args.seconds))
    rows["blob HEAD (req/s; p99 ms)"]["nginx"] = (rate, cpu / total, p99)
    nginx.stop()
    sha = subprocess.run(["openssl", "speed", "-evp", "sha256", "-seconds", "2", "-bytes", "1048576"],
                         capture_output=True, text=True).stdout
    sha_mb = float(sha.strip().splitlines()[-1].split()[-1].rstrip("k")) * 1000 / 1e6

    lines = ["| scenario | Berth | reference registry | nginx | Berth ÷ reference | Berth ÷ nginx | Berth CPU/op | reference CPU/op |",
             "|---|---|---|---|---|---|---|---|"]
    for label, by in rows.items():
        b, r, n = by.get("berth"), by.get("registry"), by.get("nginx")
        def fmt(v):
            if v is None:
                return "–"
            if len(v) > 2:
                return f"{v[0]:,.1f} " + (f"({v[2]} pages)" if "pages" in label else f"(p99 {v[2]:.1f})")
            return f"{v[0]:,.1f}"
        if label.startswith("resident"):
            lines.append(f"| {label} | {b[0]:.1f} / {b[1]:.1f} | {r[0]:.1f} / {r[1]:.1f} | – | – | – | – | – |")
            continue
        lower_is_better = "(ms" in label
        ratio = (r[0] / b[0] if lower_is_better else b[0] / r[0]) if b and r else None
        ratio_n = (b[0] / n[0]) if b and n else None
        cpu = lambda v: "–" if v is None else (f"{v[1] * 1e6:,.0f} µs" if v[1] < 0.01 else f"{v[1]:.2f} s")
        lines.append(f"| {label} | {fmt(b)} | {fmt(r)} | {fmt(n)} | {'%.2f×' % ratio if ratio else '–'} | "
                     f"{'%.0f %%' % (ratio_n * 100) if ratio_n else '–'} | {cpu(b)} | {cpu(r)} |")
    lines.append("")
    lines.append(f"`openssl speed -evp sha256` (1 MiB blocks, one core): {sha_mb:,.0f} MB/s; Berth's monolithic push is "
                 f"{rows['1 GiB push, monolithic (MB/s)']['berth'][0] / sha_mb * 100:.0f} % of it, chunked is "
                 f"{rows['1 GiB push, 16 MiB chunks (MB/s)']['berth'][0] / rows['1 GiB push, monolithic (MB/s)']['berth'][0] * 100:.0f} % of monolithic.")
    emit(lines, args.out)
    shutil.rmtree(work, ignore_errors=True)


def emit(lines, out):
    """Prints the result table, and writes it to `out` when given."""
    table = "\n".join(lines)
    print(table)
    if out:
        with open(out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
