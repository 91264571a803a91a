#!/usr/bin/env python3
"""What pull rate limits cost a manifest GET.

Serves one image from one Berth data folder, alternately without and with
`rate_limit_anonymous` (a limit too high to reach, so every GET is counted
and admitted), and measures manifest GETs by tag: requests/s and server CPU
per request. Runs alternate (off, on, off, on) so that a noisy machine shows
as spread rather than as a difference.
"""
import argparse, os, statistics, tempfile

from bench import Server, free_port, measured, wrk, emit
from signing import blob, manifest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-ratelimit-")
    data = f"{work}/berth"

    def start(limited):
        port = free_port()
        env = dict(os.environ, BERTH_RATE_LIMIT_ANONYMOUS="1000000000/1d" if limited else "off")
        return Server("berth", [args.berth, "serve", "--listen", f"127.0.0.1:{port}", "--data", data, "--auth", "none",
                                "--log-level", "error"], f"http://127.0.0.1:{port}", work, env=env)

    server = start(False)
    repo = "team/app"
    config = blob(server.url, repo, b'{"architecture":"amd64","os":"linux"}')
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest(server.url, repo, "v1", config, [blob(server.url, repo, os.urandom(4096))])
    server.stop()
    results = {False: [], True: []}
    for _ in range(args.rounds):
        for limited in (False, True):
            server = start(limited)
            (rate, p99, total), cpu = measured(server, lambda: wrk(f"{server.url}/v2/{repo}/manifests/v1", args.seconds))
            results[limited].append((rate, p99, cpu / total * 1e6))
            server.stop()
    base = statistics.mean(r[2] for r in results[False])
    lines = ["| manifest GET by tag | requests/s | p99 ms | server CPU µs/request | CPU vs no limit |", "|---|---|---|---|---|"]
    for limited in (False, True):
        rows = results[limited]
        cpu = statistics.mean(r[2] for r in rows)
        lines.append(f"| {'rate_limit_anonymous on' if limited else 'no limit'} | {statistics.mean(r[0] for r in rows):,.0f} | "
                     f"{statistics.mean(r[1] for r in rows):.2f} | {cpu:.0f} ({', '.join(f'{r[2]:.0f}' for r in rows)}) | {cpu / base:.2f}× |")
    emit(lines, args.out)


if __name__ == "__main__":
    main()
