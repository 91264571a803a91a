# Installs and starts the real registry clients the client tests use, on loopback only.
# Usable by hand: `. .ci/clients.sh; install_clients; start_containerd` ... `stop_containerd`.
#
# - containerd and ctr (Debian's containerd) run as a PRIVATE daemon: its own config, root,
#   state and sockets under $BERTH_CONTAINERD_DIR, so it never meets a system containerd.
#   Talk to it with `ctr --address "$BERTH_TEST_CONTAINERD_ADDRESS" -n SOME_NAMESPACE ...`.
# - PyPI's `oras` is oras-py, a library with NO `oras` command: .ci/oras-cli.py is a small
#   oras-like command on it (push, pull, copy, manifest fetch, repo tags, with the oras CLI's
#   flags). $BERTH_TEST_ORAS names it, or a real `oras` when one is on PATH.

BERTH_CONTAINERD_DIR="${BERTH_CONTAINERD_DIR:-/tmp/berth-containerd}"
BERTH_TEST_CONTAINERD_ADDRESS="$BERTH_CONTAINERD_DIR/containerd.sock"
# ctr's default snapshotter is overlayfs whatever the daemon's config says; native works anywhere.
export CONTAINERD_SNAPSHOTTER=native

install_clients() {
  if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends containerd; } \
      >/tmp/apt-containerd.log 2>&1 \
      || { echo "installing containerd failed" >&2; tail -20 /tmp/apt-containerd.log >&2; return 1; }
  fi
  if ! python3 -c 'import oras.provider' 2>/dev/null; then
    python3 -m pip install -q --break-system-packages oras >/tmp/pip-oras.log 2>&1 \
      || { echo "installing oras (oras-py) failed" >&2; tail -20 /tmp/pip-oras.log >&2; return 1; }
  fi
  if command -v oras >/dev/null; then
    BERTH_TEST_ORAS="$(command -v oras)"
  else
    BERTH_TEST_ORAS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/oras-cli.py"
  fi
  export BERTH_TEST_ORAS
  echo "ctr $(ctr --version | awk '{print $3}') at $(command -v ctr); oras: $BERTH_TEST_ORAS ($("$BERTH_TEST_ORAS" version | head -1))"
}

# ctr waits 10 s for a socket that is not there: look for it first, and dial briefly.
containerd_ready() {
  [ -S "$BERTH_TEST_CONTAINERD_ADDRESS" ] \
    && ctr --address "$BERTH_TEST_CONTAINERD_ADDRESS" --connect-timeout 2s --timeout 5s version >/dev/null 2>&1
}

start_containerd() {
  local dir="$BERTH_CONTAINERD_DIR"
  if containerd_ready; then
    export BERTH_TEST_CONTAINERD_ADDRESS
    return 0
  fi
  mkdir -p "$dir/root" "$dir/state" "$dir/opt"
  cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  address = "$dir/debug.sock"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"

# A pull must really download: no blob is taken from another namespace, or from one
# removed but not yet collected, and a removal is collected at once.
[plugins."io.containerd.metadata.v1.bolt"]
  content_sharing_policy = "isolated"

[plugins."io.containerd.gc.v1.scheduler"]
  deletion_threshold = 1
TOML
  nohup containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
  echo $! >"$dir/containerd.pid"
  for _ in $(seq 1 60); do
    containerd_ready && break
    sleep 0.5
  done
  containerd_ready \
    || { echo "containerd did not start" >&2; tail -20 "$dir/containerd.log" >&2; return 1; }
  export BERTH_TEST_CONTAINERD_ADDRESS
}

stop_containerd() {
  local dir="$BERTH_CONTAINERD_DIR" pid
  pid=$(cat "$dir/containerd.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/containerd.pid"
}

# oci_image_tar OUT.tar [TAG]: writes a one-layer linux/amd64 OCI image archive, made by hand,
# and prints its manifest digest. Into containerd:
#   ctr -a "$BERTH_TEST_CONTAINERD_ADDRESS" -n NS images import --no-unpack --base-name HOST:PORT/REPO OUT.tar
# (the image is then HOST:PORT/REPO:TAG, ready for `ctr images push`).
oci_image_tar() {
  local out tag=${2:-1.0} w ldig lsize cdig csize mdig msize diffid
  out=$(realpath "$1") || return 1
  w=$(mktemp -d) || return 1
  mkdir -p "$w/rootfs" "$w/l/blobs/sha256"
  echo "hello from berth $tag" >"$w/rootfs/hello.txt"
  tar -C "$w/rootfs" --owner=0 --group=0 --mtime=@0 -cf "$w/layer.tar" hello.txt
  gzip -n -c "$w/layer.tar" >"$w/layer.tgz"
  diffid=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  ldig=$(sha256sum "$w/layer.tgz" | cut -d' ' -f1); lsize=$(stat -c %s "$w/layer.tgz")
  cp "$w/layer.tgz" "$w/l/blobs/sha256/$ldig"
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diffid" >"$w/config.json"
  cdig=$(sha256sum "$w/config.json" | cut -d' ' -f1); csize=$(stat -c %s "$w/config.json")
  cp "$w/config.json" "$w/l/blobs/sha256/$cdig"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$cdig" "$csize" "$ldig" "$lsize" >"$w/manifest.json"
  mdig=$(sha256sum "$w/manifest.json" | cut -d' ' -f1); msize=$(stat -c %s "$w/manifest.json")
  cp "$w/manifest.json" "$w/l/blobs/sha256/$mdig"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$mdig" "$msize" "$tag" >"$w/l/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$w/l/oci-layout"
  tar -C "$w/l" --owner=0 --group=0 -cf "$out" oci-layout index.json blobs
  rm -rf "$w"
  echo "sha256:$mdig"
}
