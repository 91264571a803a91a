# Starts the servers the shared-backend tests use, on loopback only.
# Sourced by .ci/run; usable by hand: `. .ci/services.sh; start_postgres; start_s3`.

BERTH_TEST_DATABASE="postgres://berth:berth@127.0.0.1:55432"
BERTH_TEST_S3_ENDPOINT="http://127.0.0.1:9199 http://127.0.0.1:9198"

# A private cluster in a fresh folder on a port of its own, not the
# machine's cluster: a cluster left over from an earlier run (or stopped
# without a checkpoint) can take longer to recover than pg_ctlcluster
# waits, and its old databases slow it down.
BERTH_CI_POSTGRES="${BERTH_CI_POSTGRES:-/tmp/berth-ci-postgres}"

start_postgres() {
  local version bin folder="$BERTH_CI_POSTGRES"
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  bin="/usr/lib/postgresql/$version/bin"
  stop_postgres
  rm -rf "$folder"
  mkdir -p "$folder"
  echo berth >"$folder/password"
  chown -R postgres "$folder"
  # initdb refuses to run as root.
  runuser -u postgres -- "$bin/initdb" -D "$folder/data" -U berth --pwfile "$folder/password" \
    --auth-local trust --auth-host scram-sha-256 -E UTF8 --no-sync >"$folder/initdb.log" \
    || { cat "$folder/initdb.log" >&2; return 1; }
  # Each test registry keeps a few connections (the pool, the health check,
  # the pull cache's notifications) and the suite runs many at
  # once; durability is not what the tests measure.
  cat >>"$folder/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = 55432
unix_socket_directories = '$folder'
max_connections = 1000
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  runuser -u postgres -- "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 120 start >/dev/null \
    || { cat "$folder/server.log" >&2; return 1; }
}

stop_postgres() {
  local version
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if [ -f "$BERTH_CI_POSTGRES/data/postmaster.pid" ]; then
    runuser -u postgres -- "/usr/lib/postgresql/$version/bin/pg_ctl" -D "$BERTH_CI_POSTGRES/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}

# Two moto servers: each is one Python process, and the suite's S3 load is
# more than one of them keeps up with on a shared machine. Each test
# folder keeps to one of them (Tests/…/TestBackends.swift).
start_s3() {
  local endpoint port
  for endpoint in $BERTH_TEST_S3_ENDPOINT; do
    port="${endpoint##*:}"
    if ! curl -s -o /dev/null "$endpoint"; then
      nohup python3 -m moto.server -H 127.0.0.1 -p "$port" >"/tmp/moto-server-$port.log" 2>&1 &
    fi
  done
  for endpoint in $BERTH_TEST_S3_ENDPOINT; do
    for _ in $(seq 1 60); do
      curl -s -o /dev/null "$endpoint" && break
      sleep 0.5
    done
    curl -s -o /dev/null "$endpoint" || { echo "the S3 server $endpoint did not start" >&2; cat "/tmp/moto-server-${endpoint##*:}.log" >&2; return 1; }
  done
}
