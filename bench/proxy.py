#!/usr/bin/env python3
"""What a cache hit through a pull-through cache project costs.

An upstream Berth holds team/app:v1; a second Berth has the same image pushed
into its own project `team` and a proxy project `hub` bound to the upstream
(TTL 300 s, so no request in the run revalidates). Manifest GETs by tag and
by digest, on the ordinary project and through the cache, alternate in
rounds so that a noisy machine shows as spread rather than as a difference.
"""
import argparse, json, os, sqlite3, statistics, tempfile
import requests

from bench import berth_node, measured, wrk, emit
from signing import blob, manifest


def push_image(base, repo, layers):
    config = blob(base, repo, json.dumps({"architecture": "amd64", "os": "linux"}).encode())
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    return manifest(base, repo, "v1", config, [blob(base, repo, data) for data in layers])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-proxy-")

    def start(name):
        return berth_node(args.berth, work, name)

    layers = [os.urandom(4096) for _ in range(3)]
    upstream = start("upstream")
    upstream_digest = push_image(upstream.url, "team/app", layers)
    cache = start("cache")
    local_digest = push_image(cache.url, "team/app", layers)
    cache.stop()
    database = sqlite3.connect(f"{work}/cache/metadata.sqlite")
    with database:
        database.execute("INSERT INTO registries (name, url, insecure, created_at) VALUES ('up', ?, 1, 0)", (upstream.url,))
        database.execute("INSERT INTO project_settings (project, name, value, updated_at) VALUES ('hub', 'proxy', ?, 0)",
                         (json.dumps({"registry": "up", "ttl_seconds": 300}),))
    database.close()
    results = {}  # (through the cache, by tag) -> [(rate, p99, cpu µs per request)]
    for _ in range(args.rounds):
        cache = start("cache")
        for proxied in (False, True):
            repo, digest = ("hub/team/app", upstream_digest) if proxied else ("team/app", local_digest)
            for reference in ("v1", digest):
                url = f"{cache.url}/v2/{repo}/manifests/{reference}"
                answer = requests.get(url, headers={"Accept": "*/*"})
                assert answer.status_code == 200, (answer.status_code, answer.text)  # cached here
                (rate, p99, total), cpu = measured(cache, lambda: wrk(url, args.seconds))
                results.setdefault((proxied, reference == "v1"), []).append((rate, p99, cpu / total * 1e6))
        cache.stop()
    upstream.stop()
    lines = ["| manifest GET | project | requests/s | p99 ms | server CPU µs/request | rate vs ordinary |", "|---|---|---|---|---|---|"]
    for by_tag in (True, False):
        base_rate = statistics.mean(r[0] for r in results[(False, by_tag)])
        for proxied in (False, True):
            rows = results[(proxied, by_tag)]
            rate = statistics.mean(r[0] for r in rows)
            lines.append(f"| by {'tag' if by_tag else 'digest'} | {'proxy (cache hit)' if proxied else 'ordinary'} | "
                         f"{rate:,.0f} | {statistics.mean(r[1] for r in rows):.2f} | "
                         f"{statistics.mean(r[2] for r in rows):.0f} ({', '.join(f'{r[2]:.0f}' for r in rows)}) | {rate / base_rate:.2f}× |")
    emit(lines, args.out)


if __name__ == "__main__":
    main()
