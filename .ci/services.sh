# Starts the servers the shared-backend tests use, on loopback only.
# Sourced by .ci/run; usable by hand: `. .ci/services.sh; start_postgres; start_s3`.

BERTH_TEST_DATABASE="postgres://berth:berth@127.0.0.1:5432"
BERTH_TEST_S3_ENDPOINT="http://127.0.0.1:9199"

start_postgres() {
  local version
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h | grep -q "^$version main"; then
    pg_createcluster "$version" main >/dev/null
  fi
  # Each test registry keeps a few connections; the suite runs many at once.
  pg_conftool "$version" main set max_connections 500 >/dev/null
  pg_ctlcluster "$version" main restart || pg_ctlcluster "$version" main start
  for _ in $(seq 1 60); do
    pg_isready -h 127.0.0.1 -q && break
    sleep 0.5
  done
  su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname = 'berth'\" | grep -q 1 \
    || psql -q -c \"CREATE ROLE berth LOGIN SUPERUSER PASSWORD 'berth'\""
}

start_s3() {
  if ! curl -s -o /dev/null "$BERTH_TEST_S3_ENDPOINT"; then
    nohup python3 -m moto.server -H 127.0.0.1 -p 9199 >/tmp/moto-server.log 2>&1 &
    for _ in $(seq 1 60); do
      curl -s -o /dev/null "$BERTH_TEST_S3_ENDPOINT" && break
      sleep 0.5
    done
  fi
  curl -s -o /dev/null "$BERTH_TEST_S3_ENDPOINT" || { echo "the S3 server did not start" >&2; cat /tmp/moto-server.log >&2; return 1; }
}
