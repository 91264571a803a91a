#!/usr/bin/env python3
"""Berth on PostgreSQL next to Berth on its embedded SQLite store, one run.

Both use filesystem blob storage, so the rows compare the metadata backends.
The script starts a PostgreSQL cluster of its own in a temporary folder, at
the distribution's default settings (fsync and synchronous_commit on, as in
production) plus pg_stat_statements, and after the load scenarios it
reports how many statements and round trips one push, one pull and one tag
move cost on PostgreSQL. Run as root (initdb runs as the postgres user).

    python3 bench/postgres.py --berth .build-release/release/berth --headload /tmp/headload
"""
import argparse, asyncio, hashlib, json, os, shutil, subprocess, sys, tempfile, time, uuid
sys.path.insert(0, os.path.dirname(__file__))
from bench import emit, Server, free_port, head_load, http, push_image, push_small_blobs, run_clients, measured, wrk

MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class Postgres:
    """A private cluster: initdb, start, psql, stop."""

    def __init__(self, work):
        version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
        self.bin = f"/usr/lib/postgresql/{version}/bin"
        self.folder = os.path.join(work, "pg")
        self.port = free_port()
        os.makedirs(self.folder)
        with open(os.path.join(self.folder, "password"), "w") as f:
            f.write("berth\n")
        shutil.chown(self.folder, "postgres")
        shutil.chown(os.path.join(self.folder, "password"), "postgres")
        os.chmod(work, 0o755)
        self.as_postgres(f"{self.bin}/initdb", "-D", f"{self.folder}/data", "-U", "berth", "--pwfile", f"{self.folder}/password",
                         "--auth-local", "trust", "--auth-host", "scram-sha-256", "-E", "UTF8")
        with open(f"{self.folder}/data/postgresql.conf", "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.folder}'\n"
                    "max_connections = 200\nshared_preload_libraries = 'pg_stat_statements'\n"
                    "pg_stat_statements.track = all\n")
        self.as_postgres(f"{self.bin}/pg_ctl", "-D", f"{self.folder}/data", "-l", f"{self.folder}/server.log", "-w", "start")
        self.url = f"postgres://berth:berth@127.0.0.1:{self.port}"

    def as_postgres(self, *argv):
        subprocess.run(["runuser", "-u", "postgres", "--"] + list(argv), check=True, stdout=subprocess.DEVNULL)

    def psql(self, database, sql):
        return subprocess.run(["psql", f"{self.url}/{database}", "-qAtc", sql], check=True, capture_output=True,
                              text=True, env=dict(os.environ, PGPASSWORD="berth")).stdout

    def cpu_seconds(self):
        """User + system CPU of the postmaster and every process it started (backends, WAL writer, …)."""
        with open(f"{self.folder}/data/postmaster.pid") as f:
            root = int(f.readline())
        tick, total = os.sysconf("SC_CLK_TCK"), 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == root or int(fields[1]) == root:
                # utime, stime, and the children's (backends that exited)
                total += sum(int(v) for v in fields[11:15]) / tick
        return total

    def rollbacks(self, database):
        return int(self.psql(database, f"SELECT xact_rollback FROM pg_stat_database WHERE datname = '{database}'").strip())

    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", f"{self.folder}/data", "-m", "fast",
                        "-w", "stop"], stdout=subprocess.DEVNULL)


def image_manifest(config, layer, note):
    """An image manifest of the pushed config and layer; `note` makes its digest unique."""
    return json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config[0], "size": config[1]},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer[0], "size": layer[1]}],
        "annotations": {"bench.note": note},
    }).encode()


def references(manifest):
    document = json.loads(manifest)
    return (document["config"]["digest"], document["config"]["size"]), \
        (document["layers"][0]["digest"], document["layers"][0]["size"])


def put_manifests(base, repo, bodies_and_tags, clients):
    """PUTs every (body, reference) over `clients` keep-alive connections; returns (seconds, statuses)."""
    statuses = []

    async def put(reader, writer, item):
        body, reference = item
        status, _, _ = await http(reader, writer, "PUT", f"/v2/{repo}/manifests/{reference}", body, [f"Content-Type: {MANIFEST}"])
        statuses.append(status)

    seconds = run_clients(base, clients, bodies_and_tags, put)
    return seconds, statuses


def settled(pg, database, timeout=60):
    """Waits until every outbox consumer (audit log, webhooks) has read every event."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        behind = pg.psql(database, "SELECT (SELECT COALESCE(MAX(seq), 0) FROM event_outbox) - "
                                   "(SELECT COALESCE(MIN(position), 0) FROM event_cursors)").strip()
        if behind and int(behind) <= 0:
            return
        time.sleep(0.2)


def statements(pg, database, work):
    """The statements that work() costs the database, from pg_stat_statements, with the
    background work it causes (its audit entries, the outbox cursors) once that is done.
    Every statement is one round trip for Berth (BEGIN and COMMIT included)."""
    time.sleep(1)  # pull times and events of earlier work are flushed every 200 ms
    settled(pg, database)
    pg.psql(database, "SELECT pg_stat_statements_reset()")
    work()
    time.sleep(1)
    settled(pg, database)
    rows = pg.psql(database, f"""SELECT query, calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                                  WHERE d.datname = '{database}' AND query NOT LIKE '%pg_stat_statements%'
                                  AND query NOT LIKE '%MIN(position)%'
                                  ORDER BY calls DESC""")
    return [(line.rsplit("|", 1)[0], int(line.rsplit("|", 1)[1])) for line in rows.splitlines() if "|" in line]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--headload", required=True, help="bench/headload.c, compiled")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--count", type=int, default=2000, help="manifests, tags and small blobs pushed per scenario")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--config", default="", help="a YAML line added to both servers' configuration (tuning)")
    parser.add_argument("--out", default=None)
    parser.add_argument("--show-statements", action="store_true", help="print the statements of each counted operation")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-pg-bench-")
    pg = Postgres(work)
    database = "bench_" + uuid.uuid4().hex[:8]
    pg.psql("postgres", f"CREATE DATABASE {database}")
    pg.psql(database, "CREATE EXTENSION pg_stat_statements")

    def start(label, database_url):
        port = free_port()
        lines = ([f"database: {database_url}"] if database_url else []) + ([args.config] if args.config else [])
        config = []
        if lines:
            config = ["--config", os.path.join(work, f"{label}.yaml")]
            with open(config[1], "w") as f:
                f.write("\n".join(lines) + "\n")
        return Server(label, [args.berth, "serve", "--listen", f"127.0.0.1:{port}", "--data", f"{work}/{label}",
                              "--log-level", "error", "--auth", "none"] + config, f"http://127.0.0.1:{port}", work)

    rows, counts, database_rows = {}, {}, []

    def measured_both(server, label, work):
        """work()'s result and Berth's CPU; on PostgreSQL also records the database's CPU and rollbacks."""
        if label != "PostgreSQL":
            return measured(server, work)
        cpu, rolled = pg.cpu_seconds(), pg.rollbacks(database)
        result, berth_cpu = measured(server, work)
        time.sleep(1.2)  # backends publish their statistics at most once a second
        database_costs.append((pg.cpu_seconds() - cpu, pg.rollbacks(database) - rolled))
        return result, berth_cpu

    database_costs = []
    servers = {"SQLite": start("sqlite", None), "PostgreSQL": start("postgres", f"{pg.url}/{database}")}
    for label, server in servers.items():
        base = server.url

        def row(name, value):
            rows.setdefault(name, {})[label] = value

        manifest, digest, layer = push_image(base, "bench/app")
        # Each repository gets the blobs of its own image first (a manifest's blobs must be in its repository).
        images = {repo: push_image(base, repo)[0] for repo in ("bench/manifests", "bench/tags", "bench/same")}
        config, layer_ref = references(images["bench/manifests"])
        unique = [(image_manifest(config, layer_ref, f"{i}"), f"m{i}") for i in range(args.count)]
        (seconds, statuses), cpu = measured_both(server, label, lambda: put_manifests(base, "bench/manifests", unique, args.clients))
        assert all(s == 201 for s in statuses), sorted(set(statuses))
        row("manifests created, 16 clients (/s)", args.count / seconds)
        row("manifests created: server CPU per manifest (µs)", cpu / args.count * 1e6)
        if label == "PostgreSQL":
            pg_cpu, rolled = database_costs[-1]
            database_rows.append(f"| manifests created | {pg_cpu / args.count * 1e6:,.0f} µs | {rolled} |")
        tagged = [(images["bench/tags"], f"t{i}") for i in range(args.count)]
        (seconds, statuses), cpu = measured_both(server, label, lambda: put_manifests(base, "bench/tags", tagged, args.clients))
        assert all(s == 201 for s in statuses), sorted(set(statuses))
        row("tags created, 16 clients (/s)", args.count / seconds)
        if label == "PostgreSQL":
            pg_cpu, rolled = database_costs[-1]
            database_rows.append(f"| tags created | {pg_cpu / args.count * 1e6:,.0f} µs | {rolled} |")
        row("tags created: server CPU per tag (µs)", cpu / args.count * 1e6)
        config, layer_ref = references(images["bench/same"])
        same = [(image_manifest(config, layer_ref, f"same-{i}"), "latest") for i in range(args.count)]
        (seconds, statuses), _ = measured_both(server, label, lambda: put_manifests(base, "bench/same", same, args.clients))
        if label == "PostgreSQL":
            pg_cpu, rolled = database_costs[-1]
            database_rows.append(f"| one tag moved by 16 clients | {pg_cpu / args.count * 1e6:,.0f} µs | {rolled} |")
        errors = sum(1 for s in statuses if s != 201)
        row("one tag moved by 16 clients at once (/s)", args.count / seconds)
        row("one tag moved by 16 clients at once: errors", errors)
        seconds, cpu = measured_both(server, label, lambda: push_small_blobs(base, args.count, args.clients))
        if label == "PostgreSQL":
            pg_cpu, rolled = database_costs[-1]
            database_rows.append(f"| 4 KiB blobs pushed | {pg_cpu / args.count * 1e6:,.0f} µs | {rolled} |")
        row("4 KiB blobs pushed, 16 clients (/s)", args.count / seconds)
        row("4 KiB blobs pushed: server CPU per blob (µs)", cpu / args.count * 1e6)
        (rate, p99, total), cpu = measured(server, lambda: wrk(f"{base}/v2/bench/app/manifests/{digest}", args.seconds))
        row("manifest GET by digest (/s)", rate)
        row("manifest GET by digest p99 (ms)", p99)
        row("manifest GET by digest: server CPU (µs)", cpu / total * 1e6)
        (rate, p99, total), cpu = measured(server, lambda: head_load(args.headload, f"{base}/v2/bench/app/blobs/{layer}", args.seconds))
        row("blob HEAD (/s)", rate)
        row("blob HEAD p99 (ms)", p99)
        row("blob HEAD: server CPU (µs)", cpu / total * 1e6)

    # Statements per operation, on PostgreSQL: each operation repeated, the counts divided.
    base = servers["PostgreSQL"].url
    manifest, digest, _ = push_image(base, "bench/counted")
    config, layer_ref = references(manifest)
    repeat = 20
    operations = {
        "manifest push (new manifest, new tag)": lambda: put_manifests(
            base, "bench/counted", [(image_manifest(config, layer_ref, f"c{i}"), f"c{i}") for i in range(repeat)], 1),
        "tag move (existing manifest, existing tag)": lambda: put_manifests(
            base, "bench/counted", [(manifest if i % 2 else image_manifest(config, layer_ref, "c0"), "latest") for i in range(repeat)], 1),
        "manifest pull by tag": lambda: [subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", f"Accept: {MANIFEST}",
                                                         f"{base}/v2/bench/counted/manifests/latest"], check=True) for _ in range(repeat)],
        "blob push (POST + PUT, 4 KiB)": lambda: push_small_blobs(base, repeat, 1),
    }
    lines_statements = []
    for name, operation in operations.items():
        found = statements(pg, database, operation)
        total = sum(calls for _, calls in found)
        counts[name] = total / repeat
        if args.show_statements:
            lines_statements.append(f"\n{name}:")
            lines_statements += [f"    {calls / repeat:5.1f}  {query[:150]}" for query, calls in found]

    lines = [f"Berth's metadata backends, filesystem blobs, {args.clients} writer clients / 64 reader connections, "
             f"PostgreSQL {sorted(os.listdir('/usr/lib/postgresql'), key=int)[-1]} at default settings (fsync on), "
             f"{time.strftime('%Y-%m-%d')}:", "",
             "| scenario | SQLite | PostgreSQL | PostgreSQL ÷ SQLite |", "|---|---|---|---|"]
    for name, by in rows.items():
        s, p = by.get("SQLite"), by.get("PostgreSQL")
        ratio = f"{p / s:.2f}×" if s and p and "errors" not in name else "–"
        lines.append(f"| {name} | {s:,.1f} | {p:,.1f} | {ratio} |")
    lines += ["", "| on PostgreSQL | the database's CPU per operation | transactions rolled back (conflicts, deadlocks, errors) |",
              "|---|---|---|"] + database_rows
    lines += ["", "| PostgreSQL statements (= round trips) per operation | count |", "|---|---|"]
    lines += [f"| {name} | {count:.1f} |" for name, count in counts.items()]
    emit(lines + lines_statements, args.out)
    for server in servers.values():
        server.stop()
    pg.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
