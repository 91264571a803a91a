#!/usr/bin/env python3
"""What the "trusted signatures only" pull policy costs once its decision is cached.

Serves one signed image from one Berth data folder, alternately without and
with a signing policy that requires a trusted signature (cosign's tag
scheme, a P-256 key), and measures manifest GETs by tag and by digest:
requests/s and server CPU per request. Runs alternate (off, on, off, on) so
that a noisy machine shows as spread rather than as a difference.
"""
import argparse, base64, hashlib, json, os, sqlite3, statistics, tempfile
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bench import Server, free_port, measured, wrk, emit


def blob(base, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r = requests.post(f"{base}/v2/{repo}/blobs/uploads/?digest={digest}", data=data)
    assert r.status_code == 201, (r.status_code, r.text)
    return {"mediaType": "application/octet-stream", "digest": digest, "size": len(data)}


def manifest(base, repo, reference, config, layers):
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": config, "layers": layers}, separators=(",", ":")).encode()
    r = requests.put(f"{base}/v2/{repo}/manifests/{reference}", data=body,
                     headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert r.status_code == 201, (r.status_code, r.text)
    return "sha256:" + hashlib.sha256(body).hexdigest()


def push_signed_image(base, key):
    repo = "team/app"
    config = blob(base, repo, json.dumps({"architecture": "amd64", "os": "linux"}).encode())
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    layers = [blob(base, repo, os.urandom(4096)) for _ in range(3)]
    digest = manifest(base, repo, "v1", config, layers)
    payload = json.dumps({"critical": {"identity": {"docker-reference": repo}, "image": {"docker-manifest-digest": digest},
                                       "type": "cosign container image signature"}, "optional": None}).encode()
    signature = base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode()
    layer = blob(base, repo, payload)
    layer["mediaType"] = "application/vnd.dev.cosign.simplesigning.v1+json"
    layer["annotations"] = {"dev.cosignproject.cosign/signature": signature}
    manifest(base, repo, "sha256-" + digest.split(":")[1] + ".sig", config, [layer])
    return repo, digest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--berth", required=True)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="berth-signing-")
    data = f"{work}/berth"
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    policy = json.dumps({"keys": [{"name": "ci", "public_key": pem}], "require_trusted": True})

    def start():
        port = free_port()
        return Server("berth", [args.berth, "serve", "--listen", f"127.0.0.1:{port}", "--data", data, "--auth", "none",
                                "--log-level", "error"], f"http://127.0.0.1:{port}", work)

    server = start()
    repo, digest = push_signed_image(server.url, key)
    server.stop()
    results = {}  # (policy, reference) -> [(rate, p99, cpu µs per request)]
    for _ in range(args.rounds):
        for on in (False, True):
            database = sqlite3.connect(f"{data}/metadata.sqlite")
            with database:
                database.execute("DELETE FROM project_settings")
                if on:
                    database.execute("INSERT INTO project_settings (project, name, value, updated_at) VALUES ('team', 'signing', ?, 0)",
                                     (policy,))
            database.close()
            server = start()
            for reference in ("v1", digest):
                url = f"{server.url}/v2/{repo}/manifests/{reference}"
                assert requests.get(url, headers={"Accept": "*/*"}).status_code == 200  # decided (and remembered) here
                signature = requests.get(f"{server.url}/v2/{repo}/manifests/sha256-{digest.split(':')[1]}.sig").status_code
                assert signature == 200  # signatures stay readable
                (rate, p99, total), cpu = measured(server, lambda: wrk(url, args.seconds))
                results.setdefault((on, reference == "v1"), []).append((rate, p99, cpu / total * 1e6))
            server.stop()
    lines = ["| manifest GET | policy | requests/s | p99 ms | server CPU µs/request | CPU vs no policy |", "|---|---|---|---|---|---|"]
    for by_tag in (True, False):
        base_cpu = statistics.mean(r[2] for r in results[(False, by_tag)])
        for on in (False, True):
            rows = results[(on, by_tag)]
            cpu = statistics.mean(r[2] for r in rows)
            lines.append(f"| by {'tag' if by_tag else 'digest'} | {'trusted signatures only' if on else 'none'} | "
                         f"{statistics.mean(r[0] for r in rows):,.0f} | {statistics.mean(r[1] for r in rows):.2f} | "
                         f"{cpu:.0f} ({', '.join(f'{r[2]:.0f}' for r in rows)}) | {cpu / base_cpu:.2f}× |")
    emit(lines, args.out)


if __name__ == "__main__":
    main()
