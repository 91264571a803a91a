#!/usr/bin/env python3
"""Berth on S3 + PostgreSQL next to Berth on its embedded backends, and one
node vs two nodes sharing the same database and bucket, in one run.

The S3 server is moto's (Python, single process): what it costs shows in the
S3 figures; on a real object store they would differ. PostgreSQL must be
running (`. .ci/services.sh; start_postgres`). All on loopback.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, threading, time, uuid
sys.path.insert(0, os.path.dirname(__file__))
from bench import emit, MIB, Server, digest_file, free_port, pull, push_monolithic, push_image, wait_for, wrk


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--size", type=int, default=256 * MIB, help="bytes of the pushed and pulled blob")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--database", default="postgres://berth:berth@127.0.0.1:5432")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-cluster-bench-")
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(args.size))
    digest = digest_file(big)
    size_mb = args.size / 1e6

    s3_port = free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for(f"http://127.0.0.1:{s3_port}")
    name = "bench_" + uuid.uuid4().hex[:8]
    subprocess.run(["psql", args.database + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    with open(f"{work}/shared.yaml", "w") as f:
        f.write(f"database: {args.database}/{name}\nstorage: s3\ns3_endpoint: http://127.0.0.1:{s3_port}\n"
                f"s3_bucket: bench\ns3_path_style: true\ns3_access_key: bench\ns3_secret_key: bench\n")

    def start(label, extra):
        port = free_port()
        return Server(label, [args.berth, "serve", "--listen", f"127.0.0.1:{port}", "--data", f"{work}/{label}",
                              "--log-level", "error", "--auth", "none"] + extra, f"http://127.0.0.1:{port}", work)

    rows = {}
    nodes = {"embedded": start("embedded", []), "s3-postgres": start("node1", ["--config", f"{work}/shared.yaml"])}
    for label, server in nodes.items():
        base = server.url
        push_image(base, "bench/app")
        t = push_monolithic(base, big, digest)
        rows.setdefault(f"{args.size // MIB} MiB push, monolithic (MB/s)", {})[label] = size_mb / t
        t = pull(f"{base}/v2/bench/big/blobs/{digest}")
        rows.setdefault(f"{args.size // MIB} MiB pull (MB/s)", {})[label] = size_mb / t
        rate, p99, _ = wrk(f"{base}/v2/bench/app/manifests/latest", args.seconds)
        rows.setdefault("manifest GET by tag, one node (req/s)", {})[label] = rate
        rows.setdefault("manifest GET by tag, one node p99 (ms)", {})[label] = p99

    # Two nodes on the same database and bucket, loaded at once.
    second = start("node2", ["--config", f"{work}/shared.yaml"])
    results = {}

    def load(key, url):
        results[key] = wrk(url, args.seconds, connections=32)

    threads = [threading.Thread(target=load, args=(k, f"{s.url}/v2/bench/app/manifests/latest"))
               for k, s in (("node1", nodes["s3-postgres"]), ("node2", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    two = sum(r[0] for r in results.values())
    rows["manifest GET by tag, two nodes together (req/s)"] = {"s3-postgres": two}

    lines = ["| scenario | embedded (files + SQLite) | S3 (moto) + PostgreSQL | S3+PG ÷ embedded |", "|---|---|---|---|"]
    for label, by in rows.items():
        e, s = by.get("embedded"), by.get("s3-postgres")
        ratio = f"{s / e:.2f}×" if e and s else "–"
        lines.append(f"| {label} | {f'{e:,.1f}' if e else '–'} | {f'{s:,.1f}' if s else '–'} | {ratio} |")
    one = rows["manifest GET by tag, one node (req/s)"]["s3-postgres"]
    lines.append("")
    lines.append(f"Two nodes ÷ one node (manifest GETs, S3 + PostgreSQL): {two / one:.2f}× on this {os.cpu_count()}-core machine, "
                 "where both nodes, the load generators, PostgreSQL and the S3 server share the same cores.")
    emit(lines, args.out)
    for server in list(nodes.values()) + [second]:
        server.stop()
    os.killpg(moto.pid, 15)
    subprocess.run(["psql", args.database + "/postgres", "-qc", f"DROP DATABASE {name}"])
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
