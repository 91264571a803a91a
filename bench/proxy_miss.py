#!/usr/bin/env python3
"""A cache miss of a large blob, against copying it straight from the upstream.

An upstream Berth holds team/big:v1, one layer of --mib MiB. `skopeo copy`
fetches it into a `dir:` folder twice per round: straight from the
upstream, and through a pull-through cache project of a second Berth whose
cache is empty (a fresh data folder each round), so every byte is a miss
streamed from the upstream while it is stored. The ratio is the miss rate
over the direct rate; the cache's peak memory shows the blob is streamed.
"""
import argparse, json, os, shutil, sqlite3, statistics, subprocess, tempfile, time

from bench import MIB, berth_node, emit
from signing import blob, manifest


def push_big_image(base, repo, path, size):
    """Uploads `size` random bytes from a file in one PUT, then a manifest over them."""
    import hashlib, requests
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 8 * MIB))
            digest.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    layer_digest = "sha256:" + digest.hexdigest()
    started = requests.post(f"{base}/v2/{repo}/blobs/uploads/")
    location = started.headers["Location"]
    location = location if location.startswith("http") else base + location
    with open(path, "rb") as f:
        put = requests.put(location + ("&" if "?" in location else "?") + f"digest={layer_digest}", data=f)
    assert put.status_code == 201, (put.status_code, put.text)
    config = blob(base, repo, json.dumps({"architecture": "amd64", "os": "linux"}).encode())
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": size}
    return manifest(base, repo, "v1", config, [layer])


def skopeo_copy(source, folder):
    shutil.rmtree(folder, ignore_errors=True)
    started = time.monotonic()
    subprocess.run(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{source}", f"dir:{folder}"], check=True)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-proxy-miss-")
    size = args.mib * MIB
    upstream = berth_node(args.berth, work, "upstream")
    push_big_image(upstream.url, "team/big", f"{work}/layer", size)
    os.remove(f"{work}/layer")
    upstream_host = upstream.url.removeprefix("http://")
    direct, missed, peaks = [], [], []
    for round in range(args.rounds):
        direct.append(skopeo_copy(f"{upstream_host}/team/big:v1", f"{work}/direct"))
        # A cold cache: a fresh node, bound to the upstream before it starts.
        name = f"cache{round}"
        cache = berth_node(args.berth, work, name)
        cache.stop()
        database = sqlite3.connect(f"{work}/{name}/metadata.sqlite")
        with database:
            database.execute("INSERT INTO registries (name, url, insecure, created_at) VALUES ('up', ?, 1, 0)", (upstream.url,))
            database.execute("INSERT INTO project_settings (project, name, value, updated_at) VALUES ('hub', 'proxy', ?, 0)",
                             (json.dumps({"registry": "up", "ttl_seconds": 300}),))
        database.close()
        cache = berth_node(args.berth, work, name)
        missed.append(skopeo_copy(f"{cache.url.removeprefix('http://')}/hub/team/big:v1", f"{work}/missed"))
        peaks.append(cache.memory("VmHWM") / MIB)
        cache.stop()
        shutil.rmtree(f"{work}/{name}", ignore_errors=True)
    upstream_peak = upstream.memory("VmHWM") / MIB
    upstream.stop()
    shutil.rmtree(work, ignore_errors=True)
    direct_rate = args.mib / statistics.median(direct)
    miss_rate = args.mib / statistics.median(missed)
    lines = [
        f"| {args.mib} MiB blob, skopeo copy | MiB/s (median of {args.rounds}) | seconds each | cache peak memory MiB |",
        "|---|---|---|---|",
        f"| straight from the upstream | {direct_rate:,.0f} | {', '.join(f'{t:.1f}' for t in direct)} | (upstream: {upstream_peak:.0f}) |",
        f"| through the cache, a miss | {miss_rate:,.0f} | {', '.join(f'{t:.1f}' for t in missed)} | {', '.join(f'{p:.0f}' for p in peaks)} |",
        f"| miss vs direct | {miss_rate / direct_rate:.2f}× | | |",
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
