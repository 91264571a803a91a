#!/usr/bin/env python3
"""Replication against `skopeo sync`, in the same run.

A source Berth holds N repositories of one image each (5 layers of random
bytes). Berth replicates them all to a second, empty Berth with one push
rule (`repositories: bench/**`); `skopeo sync` copies the same set to a
third, empty Berth. Both measured by wall time from start to the last
artifact; rounds alternate, each with fresh targets.
"""
import argparse, json, os, sqlite3, statistics, subprocess, tempfile, time

from bench import berth_node, emit
from proxy import push_image


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--layer-kib", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-replication-")

    def start(name):
        return berth_node(args.berth, work, name)

    source = start("source")
    for i in range(args.images):
        push_image(source.url, f"bench/app{i}", [os.urandom(args.layer_kib * 1024) for _ in range(5)])
    source.stop()
    total_mib = args.images * 5 * args.layer_kib / 1024
    results = {"berth": [], "skopeo": []}
    for round in range(args.rounds):
        # Berth: a rule and a queued execution written into the stopped source's database; the node claims it at start.
        target = start(f"berth-target-{round}")
        database = sqlite3.connect(f"{work}/source/metadata.sqlite")
        with database:
            database.execute("DELETE FROM registries")
            database.execute("DELETE FROM replication_rules")
            database.execute("INSERT INTO registries (name, url, insecure, created_at) VALUES ('dr', ?, 1, 0)", (target.url,))
            rule = {"name": "bench", "direction": "push", "registry": "dr", "repositories": "bench/**", "tags": "**", "trigger": "manual",
                    "replicateDeletions": False, "override": True, "enabled": True, "createdAt": 0}
            database.execute("INSERT INTO replication_rules (name, rule, created_at) VALUES ('bench', ?, 0)", (json.dumps(rule),))
            database.execute("INSERT INTO replication_executions (id, rule, trigger, status, created_at, artifacts) "
                             "VALUES (?, 'bench', 'manual', 'pending', 0, '[]')", (f"r{round}",))
        database.close()
        started = time.monotonic()
        source = start("source")
        status = None
        while time.monotonic() - started < 600:
            row = sqlite3.connect(f"{work}/source/metadata.sqlite").execute(
                "SELECT status, artifacts FROM replication_executions WHERE id = ?", (f"r{round}",)).fetchone()
            if row and row[0] in ("succeeded", "failed"):
                status = row
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        assert status and status[0] == "succeeded", status
        assert len(json.loads(status[1])) == args.images, len(json.loads(status[1]))
        results["berth"].append(elapsed)
        source.stop()
        target.stop()

        # skopeo sync of the same repositories, from a YAML list, to a fresh Berth.
        source = start("source")
        target = start(f"skopeo-target-{round}")
        host = source.url.removeprefix("http://")
        listing = f"{work}/sync.yaml"
        with open(listing, "w") as f:
            f.write(f"{host}:\n  tls-verify: false\n  images:\n")
            for i in range(args.images):
                f.write(f"    bench/app{i}: [v1]\n")
        started = time.monotonic()
        subprocess.run(["skopeo", "sync", "--src", "yaml", "--dest", "docker", "--dest-tls-verify=false", listing,
                        target.url.removeprefix("http://") + "/sync"], check=True, capture_output=True)
        results["skopeo"].append(time.monotonic() - started)
        source.stop()
        target.stop()
    berth, skopeo = statistics.mean(results["berth"]), statistics.mean(results["skopeo"])
    lines = [f"| {args.images} images × 5 layers of {args.layer_kib} KiB ({total_mib:.0f} MiB) | seconds | MiB/s | vs skopeo sync |",
             "|---|---|---|---|",
             f"| Berth replication (one push rule) | {berth:.2f} ({', '.join(f'{r:.2f}' for r in results['berth'])}) | {total_mib / berth:.1f} | {skopeo / berth:.2f}× faster |",
             f"| `skopeo sync` | {skopeo:.2f} ({', '.join(f'{r:.2f}' for r in results['skopeo'])}) | {total_mib / skopeo:.1f} | 1.00× |"]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
