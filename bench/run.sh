#!/usr/bin/env bash
# Benchmarks Berth against the reference registry (Debian's docker-registry,
# CNCF Distribution 2.8) and nginx, on loopback, in one run.
# Usage: bench/run.sh [--big BYTES] [--seconds N] [--tags N] [--small-blobs N]
set -euo pipefail
cd "$(dirname "$0")/.."
need=(docker-registry nginx-light wrk curl openssl gcc)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
python3 -c 'import requests' 2>/dev/null || pip install -q requests
# The Debian package may start its own registry on :5000; the benchmark runs its own.
swift build -c release --product berth --scratch-path .build-release
mkdir -p bench/out
gcc -O2 -o bench/out/headload bench/headload.c
# Every server logging errors only, then each at the settings it is installed with (access logs, pull audit).
python3 bench/bench.py --berth .build-release/release/berth --headload bench/out/headload --out bench/out/results.md "$@"
python3 bench/bench.py --berth .build-release/release/berth --headload bench/out/headload --settings default \
  --out bench/out/results-default.md "$@"
# What the trusted-signatures pull policy and pull rate limits add to a manifest GET (alternating runs).
python3 -c 'import cryptography' 2>/dev/null || pip install -q cryptography
(cd bench && python3 signing.py --berth ../.build-release/release/berth --out out/signing.md)
(cd bench && python3 ratelimit.py --berth ../.build-release/release/berth --out out/ratelimit.md)
# Pull-through cache hits against ordinary GETs; replication against skopeo sync.
(cd bench && python3 proxy.py --berth ../.build-release/release/berth --out out/proxy.md)
(cd bench && python3 proxy_miss.py --berth ../.build-release/release/berth --out out/proxy-miss.md)
(cd bench && python3 replication.py --berth ../.build-release/release/berth --out out/replication.md)
# Scanning: SBOM rate of a 1 GiB image, matching against 100,000 records, a rematch of 10,000 artifacts.
(cd bench && python3 scanning.py --berth ../.build-release/release/berth --out out/scanning.md)
# Garbage collection of 10,000 manifests and 50,000 blobs, against the reference.
python3 bench/gc.py --berth .build-release/release/berth --out bench/out/gc.md
# S3 (moto's server) + PostgreSQL next to the embedded backends; one node vs two.
. .ci/services.sh
start_postgres
python3 bench/cluster.py --berth .build-release/release/berth --database "$BERTH_TEST_DATABASE" --out bench/out/cluster.md
# The metadata backends side by side (a PostgreSQL cluster of its own, fsync on), statements per operation.
python3 bench/postgres.py --berth .build-release/release/berth --headload bench/out/headload --out bench/out/postgres.md
