#!/usr/bin/env python3
"""Scanning: SBOM throughput, matching against a large database, rematching every stored artifact.

One Berth (`--auth none`, scan on push as installed) and an OSV database of
--records generated records (Debian, PyPI and npm, written by this script:
no advisory data is shipped), imported with `berth vulndb import` while the
server runs. Then:

- SBOM: an image of --layers gzip layers, --mib MiB compressed in all,
  whose first layer holds a dpkg status file of --packages packages and
  whose others hold incompressible files. The scan's duration is the
  server's own (its `artifact scanned` log line); the rate is compressed
  MiB per second; the peak memory is the server's VmHWM.
- Scan on push: each small image's whole scan (its `artifact scanned`
  line): the layer read, the SBOMs stored, every package matched.
- Matching: the `matching` time of those lines, the database read and
  every range evaluated for every package.
- Rematch: after a database update (the `artifact matched again` line):
  the packages whose advisories changed matched again, no layer read; only
  the artifacts holding such a package are queued (here: all of them).
- Many: --artifacts images (distinct configs, the same small layer of
  --packages packages) scanned on push, then one database update queues them
  all; the time until every report is matched again, with the pull rate of
  a manifest GET measured before and during.
"""
import argparse, hashlib, io, json, os, random, re, shutil, statistics, subprocess, tarfile, tempfile, threading, time, zipfile

import requests

from bench import MIB, Server, emit, free_port


def berth(binary, work, name):
    port = free_port()
    return Server(name, [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data", f"{work}/{name}", "--auth", "none",
                         "--log-level", "info"], f"http://127.0.0.1:{port}", work)


def osv_archive(path, count, packages, modified="2024-05-01T00:00:00Z"):
    """`count` records: a third Debian:12 (source packages src0…), a third PyPI, a third npm.
    The Debian ones name the image's source packages (every tenth one affects the installed version)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for n in range(count):
            kind = n % 3
            if kind == 0:
                ecosystem, name = "Debian:12", f"src{(n // 3) % (packages * 4)}"
                fixed = "1.0-2" if n % 10 == 0 else "0.9-1"
            elif kind == 1:
                ecosystem, name, fixed = "PyPI", f"py-package-{n}", "2.0.0"
            else:
                ecosystem, name, fixed = "npm", f"npm-package-{n}", "4.0.0"
            record = {
                "schema_version": "1.6.0", "id": f"BENCH-{n}", "modified": modified, "aliases": [f"CVE-2099-{n}"],
                "affected": [{"package": {"ecosystem": ecosystem, "name": name},
                              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}],
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            }
            archive.writestr(f"BENCH-{n}.json", json.dumps(record))


def dpkg_status(packages):
    entries = [f"Package: pkg{i}\nStatus: install ok installed\nSource: src{i}\nVersion: 1.0-1\nArchitecture: amd64\n"
               for i in range(packages)]
    return "\n".join(entries).encode()


def gzip_tar(path, files, text=False):
    """files: (name, bytes or size of random bytes; with `text`, random hexadecimal text, which gzip halves)."""
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for name, content in files:
            data = content if isinstance(content, bytes) else os.urandom(content // 2).hex().encode() if text else os.urandom(content)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def push_file(base, repo, path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(8 * MIB), b""):
            digest.update(chunk)
    name = "sha256:" + digest.hexdigest()
    location = requests.post(f"{base}/v2/{repo}/blobs/uploads/").headers["Location"]
    location = location if location.startswith("http") else base + location
    with open(path, "rb") as f:
        put = requests.put(location + ("&" if "?" in location else "?") + f"digest={name}", data=f)
    assert put.status_code == 201, (put.status_code, put.text)
    return {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": name, "size": os.path.getsize(path)}


def push_image(base, repo, tag, layers, config_note=""):
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
                         "config": {"Labels": {"n": config_note}}}).encode()
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    r = requests.post(f"{base}/v2/{repo}/blobs/uploads/?digest={digest}", data=config)
    assert r.status_code == 201, r.text
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest, "size": len(config)},
                       "layers": layers}).encode()
    r = requests.put(f"{base}/v2/{repo}/manifests/{tag}", data=body, headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert r.status_code == 201, r.text
    return "sha256:" + hashlib.sha256(body).hexdigest()


def durations(server, message, field="duration"):
    """Seconds of each `message` log line (its `field`), in order."""
    text = open(server.log.name).read()
    found = []
    for line in text.splitlines():
        if message in line:
            m = re.search(field + r"=([0-9.e-]+) seconds", line)
            if m:
                found.append(float(m.group(1)))
    return found


def wait_lines(server, message, count, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(durations(server, message)) >= count:
            return True
        time.sleep(0.2)
    return False


def pull_rate(base, repo, tag, stop):
    """Manifest GETs per second until `stop` is set."""
    session = requests.Session()
    headers = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
    done, started = 0, time.monotonic()
    while not stop.is_set():
        assert session.get(f"{base}/v2/{repo}/manifests/{tag}", headers=headers).status_code == 200
        done += 1
    return done / (time.monotonic() - started)


def push_rate(base, repo, layer, stop):
    """Images pushed per second until `stop` is set: a config of its own over a layer already stored, and a manifest (each scanned on push)."""
    session = requests.Session()
    done, started = 0, time.monotonic()
    while not stop.is_set():
        config = json.dumps({"architecture": "amd64", "os": "linux", "n": done, "t": time.time()}).encode()
        digest = "sha256:" + hashlib.sha256(config).hexdigest()
        assert session.post(f"{base}/v2/{repo}/blobs/uploads/?digest={digest}", data=config).status_code == 201
        assert session.head(f"{base}/v2/{repo}/blobs/{layer['digest']}").status_code == 200
        body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest, "size": len(config)},
                           "layers": [layer]})
        r = session.put(f"{base}/v2/{repo}/manifests/p{done}", data=body, headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        assert r.status_code == 201, r.text
        done += 1
    return done / (time.monotonic() - started)


class Rates:
    """Pulls and pushes per second, one client each at the same time, from start to stop."""

    def __init__(self, base, layer):
        self.found, self.stopping = {}, threading.Event()
        self.threads = [threading.Thread(target=lambda: self.found.setdefault("pull", pull_rate(base, "bench/many", "t0", self.stopping))),
                        threading.Thread(target=lambda: self.found.setdefault("push", push_rate(base, "bench/pushed", layer, self.stopping)))]
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        return self.found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--packages", type=int, default=1_000)
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=10)
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--compressible", action="store_true", help="the big image's layers hold hexadecimal text, not random bytes")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-scan-bench-")
    server = berth(args.berth, work, "berth")
    base = server.url

    # The database, imported beside the running server.
    osv_archive(f"{work}/all.zip", args.records, args.packages)
    started = time.monotonic()
    subprocess.run([args.berth, "vulndb", "import", f"{work}/all.zip", "--data", f"{work}/berth"], check=True, capture_output=True)
    imported = time.monotonic() - started
    # A rematch re-evaluates the packages an import changed from a minute before the
    # previous match (ReportRematcher.changeMargin): the scans come later than
    # that after the import, as they do with a daily update.
    time.sleep(61)

    # SBOM throughput over a large image.
    status = dpkg_status(args.packages)
    layers = []
    gzip_tar(f"{work}/layer0.tgz", [("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"), ("var/lib/dpkg/status", status)])
    layers.append(push_file(base, "bench/big", f"{work}/layer0.tgz"))
    per_layer = max(1, args.mib * MIB // max(1, args.layers - 1))
    for n in range(1, args.layers):
        # Compressible layers inflate at zlib's speed; incompressible ones (stored by gzip) at copy speed.
        gzip_tar(f"{work}/layer.tgz", [(f"data/file{n}-{i}", per_layer // 4 * (2 if args.compressible else 1)) for i in range(4)],
                 text=args.compressible)
        layers.append(push_file(base, "bench/big", f"{work}/layer.tgz"))
    os.remove(f"{work}/layer.tgz")
    compressed = sum(layer["size"] for layer in layers)
    idle = server.memory("VmRSS")
    push_image(base, "bench/big", "v1", layers)
    assert wait_lines(server, "artifact scanned", 1, 600), "the big image was not scanned"
    sbom_seconds = durations(server, "artifact scanned")[0]
    peak = server.memory("VmHWM")

    # Many artifacts over the small layer, each scanned on push.
    small_layer = push_file(base, "bench/many", f"{work}/layer0.tgz")
    for n in range(args.artifacts):
        push_image(base, "bench/many", f"t{n}", [small_layer], config_note=str(n))
    assert wait_lines(server, "artifact scanned", 1 + args.artifacts, 3600), "not every artifact was scanned"
    cold_match = durations(server, "artifact scanned", "matching")[0]
    scans = durations(server, "artifact scanned")[1:]
    matching = durations(server, "artifact scanned", "matching")[1:]
    # The images pushed while rates are measured hold one small layer without packages: their scans on push are short.
    gzip_tar(f"{work}/plain.tgz", [("etc/motd", b"hello\n")])
    plain_layer = push_file(base, "bench/pushed", f"{work}/plain.tgz")
    measuring = Rates(base, plain_layer)
    time.sleep(5)
    quiet = measuring.stop()
    time.sleep(2)

    # One record changed: everything is matched again; pulls and pushes go on meanwhile.
    osv_archive(f"{work}/update.zip", 1, args.packages, modified="2025-01-01T00:00:00Z")
    started = time.monotonic()
    result = subprocess.run([args.berth, "vulndb", "import", f"{work}/update.zip", "--data", f"{work}/berth"], check=True,
                            capture_output=True, text=True)
    profile = None
    if os.environ.get("BENCH_PERF"):  # where to record a profile of the server during the rematch (perf record -g)
        profile = subprocess.Popen(["perf", "record", "-g", "-o", os.environ["BENCH_PERF"], "-p", str(server.proc.pid)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    measuring = Rates(base, plain_layer)
    total = 1 + args.artifacts
    assert wait_lines(server, "artifact matched again", total, 3600), "not every artifact was matched again"
    rematch_seconds = time.monotonic() - started
    busy = measuring.stop()
    if profile:
        profile.send_signal(2)
        profile.wait(timeout=60)
    matches = durations(server, "artifact matched again")
    server.stop()
    shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"| scanning | result |",
        "|---|---|",
        f"| import {args.records:,} OSV records (`berth vulndb import`, server running) | {imported:.1f} s ({args.records / imported:,.0f} records/s) |",
        f"| SBOM + match of a {compressed / MIB:,.0f} MiB image ({args.layers} gzip layers of {'text' if args.compressible else 'random bytes'}, "
        f"{args.packages:,} packages) | "
        f"{sbom_seconds:.1f} s, {compressed / MIB / sbom_seconds:,.0f} MiB/s compressed |",
        f"| server memory: idle → peak during that scan | {idle / MIB:.0f} → {peak / MIB:.0f} MiB |",
        f"| scan on push of a small image: layer read, two SBOMs, {args.packages:,} packages matched against {args.records:,} records "
        f"(median of {len(scans):,}) | {statistics.median(scans) * 1000:.1f} ms (p90 {sorted(scans)[int(len(scans) * 0.9)] * 1000:.1f} ms) |",
        f"| match of {args.packages:,} packages, the first after the import (nothing kept yet) | {cold_match * 1000:.1f} ms |",
        f"| the match of {args.packages:,} packages in those scans (advisories kept decoded between matches), median | "
        f"{statistics.median(matching) * 1000:.1f} ms (p90 {sorted(matching)[int(len(matching) * 0.9)] * 1000:.1f} ms) |",
        f"| rematch of one artifact after an update of one record (a batch's time per artifact, median of {len(matches):,}) | "
        f"{statistics.median(matches) * 1000:.1f} ms (p90 {sorted(matches)[int(len(matches) * 0.9)] * 1000:.1f} ms) |",
        f"| rematch of {total:,} stored artifacts after a database update | {rematch_seconds:.1f} s |",
        f"| manifest GETs/s (one client, beside the pusher): quiet (5 s) → during the rematch | {quiet['pull']:,.0f} → {busy['pull']:,.0f} |",
        f"| images pushed/s (one client, beside the puller): quiet (5 s) → during the rematch | {quiet['push']:,.1f} → {busy['push']:,.1f} |",
    ]
    emit(lines, args.out)


if __name__ == "__main__":
    main()
