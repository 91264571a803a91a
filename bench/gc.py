#!/usr/bin/env python3
"""Garbage collection: Berth's online `berth gc` vs the reference registry's
offline `garbage-collect`, on the same store shape, in one run.

Each registry gets 10,000 manifests over 50,000 distinct blobs (100
repositories × 100 images of a config and four layers); half the images
are tagged, half pushed by digest only. Both collectors then remove the
untagged half: 5,000 manifests and 25,000 blobs. Reported: wall time and
peak memory of the collector process.
"""
import argparse, hashlib, json, os, re, shutil, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(__file__))
from bench import emit, Server, free_port, http, run_clients, with_query

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def image(repo, i):
    config = json.dumps({"architecture": "amd64", "os": "linux", "repo": repo, "i": i}).encode()
    layers = [os.urandom(200) for _ in range(4)]
    desc = lambda t, b: {"mediaType": t, "digest": "sha256:" + hashlib.sha256(b).hexdigest(), "size": len(b)}
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": desc("application/vnd.oci.image.config.v1+json", config),
                           "layers": [desc("application/vnd.oci.image.layer.v1.tar+gzip", l) for l in layers]}).encode()
    return repo, i, [config] + layers, manifest


def populate(base, repos, per_repo, clients=16):
    async def push(reader, writer, item):
        repo, i, blobs, manifest = item
        for data in blobs:
            status, fields, _ = await http(reader, writer, "POST", f"/v2/{repo}/blobs/uploads/")
            assert status == 202, status
            location = fields["location"].replace(base, "")
            status, _, body = await http(reader, writer, "PUT", with_query(location, "digest=sha256:" + hashlib.sha256(data).hexdigest()),
                                         data, ["Content-Type: application/octet-stream"])
            assert status == 201, (status, body)
        reference = f"t{i}" if i % 2 == 0 else "sha256:" + hashlib.sha256(manifest).hexdigest()
        status, _, body = await http(reader, writer, "PUT", f"/v2/{repo}/manifests/{reference}", manifest, [f"Content-Type: {OCI_MANIFEST}"])
        assert status == 201, (status, body)

    items = [image(f"gc/r{r:03d}", i) for r in range(repos) for i in range(per_repo)]
    return run_clients(base, clients, items, push)


def timed(argv):
    """Runs argv under /usr/bin/time; returns (seconds, peak RSS MiB, stdout)."""
    started = time.time()
    done = subprocess.run(["/usr/bin/time", "-v"] + argv, capture_output=True, text=True)
    elapsed = time.time() - started
    assert done.returncode == 0, done.stderr[-2000:]
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1)) / 1024
    return elapsed, rss, done.stdout


def count_files(folder):
    return sum(len(files) for _, _, files in os.walk(folder))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--repos", type=int, default=100)
    parser.add_argument("--per-repo", type=int, default=100)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    manifests = args.repos * args.per_repo
    work = tempfile.mkdtemp(prefix="berth-gc-bench-")
    rows = []

    port = free_port()
    berth = Server("berth", [args.berth, "serve", "--listen", f"127.0.0.1:{port}", "--data", f"{work}/berth",
                             "--log-level", "error", "--auth", "none"], f"http://127.0.0.1:{port}", work)
    fill = populate(berth.url, args.repos, args.per_repo)
    # Online: the server keeps running while `berth gc` works on its data folder.
    dry, dry_rss, dry_out = timed([args.berth, "gc", "--data", f"{work}/berth", "--dry-run", "--delete-untagged", "--grace", "0s"])
    t, rss, out = timed([args.berth, "gc", "--data", f"{work}/berth", "--delete-untagged", "--grace", "0s"])
    report = json.loads(out)
    assert report["manifests_deleted"] == manifests // 2 and report["blobs_deleted"] == manifests // 2 * 5, report
    berth.stop()
    rows.append(("Berth (online)", fill, dry, dry_rss, t, rss, report["manifests_deleted"], report["blobs_deleted"]))

    port = free_port()
    config = f"{work}/registry.yml"
    with open(config, "w") as f:
        f.write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n"
                f"    rootdirectory: {work}/registry\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n")
    registry = Server("registry", ["docker-registry", "serve", config], f"http://127.0.0.1:{port}", work)
    fill_r = populate(registry.url, args.repos, args.per_repo)
    registry.stop()  # its collector needs the registry stopped (or read-only)
    blobs_before = count_files(f"{work}/registry/docker/registry/v2/blobs")
    dry_r, dry_rss_r, _ = timed(["docker-registry", "garbage-collect", "--dry-run", "--delete-untagged", config])
    t_r, rss_r, _ = timed(["docker-registry", "garbage-collect", "--delete-untagged", config])
    blobs_after = count_files(f"{work}/registry/docker/registry/v2/blobs")
    # Its manifests are blobs too: 50,000 + 10,000 files before, half after.
    rows.append(("reference (offline)", fill_r, dry_r, dry_rss_r, t_r, rss_r, "–", blobs_before - blobs_after))

    lines = [f"{manifests:,} manifests, {manifests * 5:,} blobs; half untagged, collected with delete-untagged.", "",
             "| collector | fill (s) | dry run (s) | dry run peak RSS (MiB) | collection (s) | peak RSS (MiB) | manifests removed | blob files removed |",
             "|---|---|---|---|---|---|---|---|"]
    for name, fill, dry, dry_rss, t, rss, m, b in rows:
        lines.append(f"| {name} | {fill:.1f} | {dry:.2f} | {dry_rss:.0f} | {t:.2f} | {rss:.0f} | {m} | {b} |")
    lines.append("")
    lines.append(f"Berth ÷ reference, collection time: {rows[1][4] / rows[0][4]:.2f}× faster; peak memory {rows[0][5] / rows[1][5]:.2f}× of the reference's.")
    emit(lines, args.out)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
