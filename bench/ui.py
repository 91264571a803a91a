#!/usr/bin/env python3
"""Web UI: the server time of each page with many artifacts.

One Berth (token auth, so the UI signs in) holding --artifacts artifacts:
half in one repository (`team/big`, the page that lists newest first and
pages by cursor), the rest spread over --repositories repositories of the
same project, every artifact tagged. The artifacts are distinct manifests
over one small config and layer (the pages read manifests and tags, not
layers). Then a signed-in session fetches each page --rounds times, one at
a time; a page's time is the server's CPU time for those requests (from
/proc, so the client's own work does not count) divided by the count, and
its latency is the client's median and worst on loopback. Pages are
measured once the server is idle (the pushes' events relayed).
"""
import argparse, hashlib, json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench import Server, emit, free_port

ADMIN = ("admin", "bench-admin-password")


def berth(binary, work):
    port = free_port()
    env = dict(os.environ, BERTH_ADMIN_PASSWORD=ADMIN[1], BERTH_PASSWORD_COST="4")
    return Server("berth", [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data", f"{work}/berth", "--auth", "token",
                            "--log-level", "error"], f"http://127.0.0.1:{port}", work, env=env)


def put_blob(session, base, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    start = session.post(f"{base}/v2/{repo}/blobs/uploads/?digest={digest}", data=data, auth=ADMIN,
                         headers={"Content-Type": "application/octet-stream"})
    if start.status_code != 201:
        raise RuntimeError(f"blob push answered {start.status_code}: {start.text}")
    return digest, len(data)


def fill(base, artifacts, repositories, clients):
    session = requests.Session()
    session.post(f"{base}/api/v1/projects", json={"name": "team", "public": False}, auth=ADMIN).raise_for_status()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin"]}}).encode()
    layer = os.urandom(4096)
    names = ["team/big"] + [f"team/app{n:03d}" for n in range(repositories)]
    plan = []
    for n in range(artifacts):
        repo = "team/big" if n % 2 == 0 else names[1 + (n // 2) % repositories]
        plan.append((repo, n))
    blobs = {}
    for repo in names:
        blobs[repo] = (put_blob(session, base, repo, config), put_blob(session, base, repo, layer))

    def push(item):
        repo, n = item
        (cd, cs), (ld, ls) = blobs[repo]
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": ls}],
            "annotations": {"n": str(n)}}).encode()
        local = getattr(worker, "session", None) or requests.Session()
        worker.session = local
        answer = local.put(f"{base}/v2/{repo}/manifests/v{n}", data=manifest, auth=ADMIN,
                           headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        if answer.status_code != 201:
            raise RuntimeError(f"manifest push answered {answer.status_code}: {answer.text}")

    worker = threading.local()
    started = time.time()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(push, plan, chunksize=64))
    return time.time() - started


def settle(server, limit=300):
    """Waits until the server is idle (under 2 % of a core over a second): the events of the pushes are relayed
    (audit, webhooks) in the background, and that work is not a page's."""
    deadline = time.time() + limit
    while time.time() < deadline:
        before = server.cpu_seconds()
        time.sleep(1)
        if server.cpu_seconds() - before < 0.02:
            return
    raise RuntimeError(f"the server did not settle within {limit} s")


def signed_in(base):
    browser = requests.Session()
    form = browser.get(f"{base}/login").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)
    answer = browser.post(f"{base}/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf": csrf, "next": "/projects"},
                          allow_redirects=False)
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in answered {answer.status_code}")
    return browser


def measure(server, browser, path, rounds):
    latencies = []
    before = server.cpu_seconds()
    for _ in range(rounds):
        started = time.perf_counter()
        answer = browser.get(server.url + path, allow_redirects=False)
        latencies.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
    cpu = (server.cpu_seconds() - before) / rounds
    latencies.sort()
    return cpu, statistics.median(latencies), latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], len(answer.content)


CHROMIUM_TIMES = r"""
import json, sys
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
base, cookie, paths = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.get(base + "/login")
driver.add_cookie({"name": "berth_session", "value": cookie, "path": "/"})
times = {}
for path in paths:
    best = []
    for _ in range(5):
        driver.get(base + path)
        best.append(driver.execute_script(
            "const t = performance.getEntriesByType('navigation')[0]; return t.loadEventEnd - t.startTime;"))
    times[path] = sorted(best)[len(best) // 2]
driver.quit()
print(json.dumps(times))
"""


def chromium_times(base, browser, paths):
    """Each page loaded whole (HTML, stylesheet, script, icon) in headless Chromium: the median of 5 loads, in ms;
    empty when Chromium, chromedriver or Selenium (for the system Python) is missing."""
    if not (shutil.which("chromium") and shutil.which("chromedriver") and os.path.exists("/usr/bin/python3")):
        return {}
    run = subprocess.run(["/usr/bin/python3", "-c", CHROMIUM_TIMES, base, browser.cookies["berth_session"], json.dumps(paths)],
                         capture_output=True, text=True, timeout=600)
    return json.loads(run.stdout) if run.returncode == 0 else {}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--berth", required=True)
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--repositories", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out")
    parser.add_argument("--keep", help="a folder to keep the server's data in (for EXPLAIN), instead of a temporary one")
    args = parser.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="berth-ui-bench-")
    os.makedirs(work, exist_ok=True)
    server = berth(args.berth, work)
    try:
        took = fill(server.url, args.artifacts, args.repositories, args.clients)
        print(f"pushed {args.artifacts} manifests in {took:.0f} s", flush=True)
        settle(server)
        browser = signed_in(server.url)
        first = browser.get(server.url + "/repositories/team/big").text
        digest = re.search(r'/artifacts/(sha256:[0-9a-f]{64})"', first).group(1)
        # Twenty pages down (2,000 artifacts deep), by the pages' own links: keyset paging costs the same at any depth.
        cursor = re.search(r'\?after=([0-9]+:sha256:[0-9a-f]{64})"', first).group(1)
        for _ in range(19):
            page = browser.get(f"{server.url}/repositories/team/big?after={cursor}").text
            cursor = re.search(r'\?after=([0-9]+:sha256:[0-9a-f]{64})"', page).group(1)
        half = args.artifacts // 2
        pages = [
            ("projects", "/projects"),
            ("project (repositories)", "/projects/team"),
            ("project, a deep page", f"/projects/team?after=team/app{args.repositories * 9 // 10:03d}"),
            (f"repository of {half:,} artifacts", "/repositories/team/big"),
            ("repository, 20 pages down", f"/repositories/team/big?after={cursor}"),
            ("artifact", f"/repositories/team/big/artifacts/{digest}"),
            ("search (tag substring)", f"/search?q=v{half - 1}"),
            ("search suggestions", "/search/suggestions?q=v123"),
            ("members", "/projects/team/members"),
            ("audit log", "/projects/team/audit"),
            ("administration: users", "/admin/users"),
        ]
        lines = [f"# Web UI pages, {args.artifacts:,} artifacts in {args.repositories + 1} repositories "
                 f"({time.strftime('%Y-%m-%d')}, {args.rounds} requests each)", "",
                 "| page | server CPU per request | latency p50 | latency p99 | whole page in Chromium | HTML |",
                 "|---|---|---|---|---|---|"]
        loads = chromium_times(server.url, browser, [path for _, path in pages])
        for name, path in pages:
            measure(server, browser, path, 2)  # warm: the first read of a page fills the caches
            cpu, median, p99, size = measure(server, browser, path, args.rounds)
            load = f"{loads[path]:.0f} ms" if path in loads else "–"
            lines.append(f"| {name} | {cpu * 1000:.1f} ms | {median * 1000:.1f} ms | {p99 * 1000:.1f} ms | {load} | {size / 1024:.0f} KiB |")
            print(lines[-1], flush=True)
        emit(lines, args.out)
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
