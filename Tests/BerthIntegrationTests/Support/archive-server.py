#!/usr/bin/env python3
"""Serves one file for the vulnerability database download test, as a
server whose first answer breaks off: the first whole-file GET sends its
headers and half the bytes, then closes the connection. It honours
`Range: bytes=N-` with `If-Range` and `If-None-Match` on its ETag, and logs
each request as one JSON line. Loopback only; it serves at most 10 minutes.

usage: archive-server.py PORT FILE LOG READY_FILE
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, FILE, LOG, READY = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
BODY = open(FILE, "rb").read()
ETAG = '"archive-1"'
state = {"cut": False}
lock = threading.Lock()


class Archive(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def log(self, status):
        with lock, open(LOG, "a") as log:
            log.write(json.dumps({"status": status, "range": self.headers.get("Range"),
                                  "if_range": self.headers.get("If-Range"),
                                  "if_none_match": self.headers.get("If-None-Match")}) + "\n")

    def do_GET(self):
        if self.headers.get("If-None-Match") == ETAG:
            self.log(304)
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
            return
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes=") and wanted.endswith("-") and self.headers.get("If-Range") == ETAG:
            start = int(wanted[6:-1])
            self.log(206)
            self.send_response(206)
            self.send_header("ETag", ETAG)
            self.send_header("Content-Range", f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")
            self.send_header("Content-Length", str(len(BODY) - start))
            self.end_headers()
            self.wfile.write(BODY[start:])
            return
        with lock:
            cut, state["cut"] = not state["cut"], True
        self.log(200)
        self.send_response(200)
        self.send_header("ETag", ETAG)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if cut:
            self.wfile.write(BODY[: len(BODY) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(BODY)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Archive)
threading.Timer(600, server.shutdown).start()
open(READY, "w").close()
server.serve_forever()
