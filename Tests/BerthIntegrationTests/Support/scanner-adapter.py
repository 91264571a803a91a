#!/usr/bin/env python3
"""A scanner adapter speaking the Harbor Pluggable Scanner API v1.1, for
the external-scanner test: it wants `Authorization: Bearer adapter-secret`,
fetches the artifact's manifest from the registry the scan request names
with the authorization it carries (so the registry's token is used for
real), answers the first poll of each report with 302 Refresh-After, then
reports one critical vulnerability per manifest fetched, or a 500 naming
what the registry answered. Loopback only; it serves at most 10 minutes.

usage: scanner-adapter.py PORT READY_FILE
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, READY = int(sys.argv[1]), sys.argv[2]
REPORT_TYPE = "application/vnd.security.vulnerability.report; version=1.1"
scans, polls, lock = {}, {}, threading.Lock()


def fetch(request):
    registry, artifact = request["registry"], request["artifact"]
    url = f'{registry["url"]}/v2/{artifact["repository"]}/manifests/{artifact["digest"]}'
    headers = {"Accept": artifact["mime_type"]}
    if registry.get("authorization"):
        headers["Authorization"] = registry["authorization"]
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as answer:
            answer.read()
            return None
    except urllib.error.HTTPError as error:
        return f"the registry answered {error.code}: {error.read()[:200].decode(errors='replace')}"


class Adapter(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=None, content_type="application/json", headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        if self.headers.get("Authorization") == "Bearer adapter-secret":
            return True
        self.answer(401, {"error": {"message": "no adapter credentials"}})
        return False

    def do_GET(self):
        if not self.authorized():
            return
        if self.path == "/api/v1/metadata":
            return self.answer(200, {
                "scanner": {"name": "TestScanner", "vendor": "Berth tests", "version": "1.0"},
                "capabilities": [{"consumes_mime_types": ["application/vnd.oci.image.manifest.v1+json"],
                                  "produces_mime_types": [REPORT_TYPE]}],
            })
        parts = self.path.split("/")
        if len(parts) == 6 and parts[1:4] == ["api", "v1", "scan"] and parts[5] == "report":
            with lock:
                request = scans.get(parts[4])
                polls[parts[4]] = polls.get(parts[4], 0) + 1
                first = polls[parts[4]] == 1
            if request is None:
                return self.answer(404, {"error": {"message": "unknown scan"}})
            if first:
                return self.answer(302, headers=[("Refresh-After", "1")])
            problem = fetch(request)
            if problem:
                return self.answer(500, {"error": {"message": problem}})
            artifact = request["artifact"]
            return self.answer(200, {
                "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "artifact": artifact, "severity": "Critical",
                "scanner": {"name": "TestScanner", "vendor": "Berth tests", "version": "1.0"},
                "vulnerabilities": [{
                    "id": "CVE-2099-0001", "package": "adapter-found", "version": "1.0", "fix_version": "1.1",
                    "severity": "Critical", "description": "found by the test adapter", "links": [],
                }],
            }, content_type=REPORT_TYPE)
        self.answer(404, {"error": {"message": "no such path"}})

    def do_POST(self):
        if not self.authorized():
            return
        if self.path != "/api/v1/scan":
            return self.answer(404, {"error": {"message": "no such path"}})
        length = int(self.headers.get("Content-Length", "0"))
        if not 0 < length <= 1 << 20:
            return self.answer(400, {"error": {"message": "bad length"}})
        request = json.loads(self.rfile.read(length))
        with lock:
            scan_id = f"scan-{len(scans) + 1}"
            scans[scan_id] = request
        self.answer(202, {"id": scan_id})


server = ThreadingHTTPServer(("127.0.0.1", PORT), Adapter)
threading.Timer(600, server.shutdown).start()
open(READY, "w").close()
server.serve_forever()
