#!/usr/bin/env python3
"""A small `oras`-like command for the client tests, on PyPI's `oras` (oras-py, a library
with no command of its own). Flags follow the oras CLI where it has them:

  oras-cli.py push  [--plain-http] [-u U -p P | --password-stdin] REF FILE[:TYPE]... [-a K=V] [--config F[:TYPE]]
  oras-cli.py pull  [--plain-http] [-u U -p P] [-o DIR] REF             (REF may be repo@sha256:...)
  oras-cli.py copy|cp [--from-plain-http --to-plain-http | --plain-http]
                      [--from-username U --from-password P --to-username U --to-password P | -u U -p P]
                      [--no-mount] SRC DST     (a blob the target lacks is mounted when both are on one registry)
  oras-cli.py manifest fetch [--plain-http] [-u U -p P] [--descriptor] REF
  oras-cli.py repo tags [--plain-http] [-u U -p P] REPO
  oras-cli.py version

push, pull and copy print `Digest: sha256:...` (computed here from the bytes sent or received).
Credentials come from the flags, else from --registry-config FILE (a Docker config.json, read only);
nothing is ever written to ~/.docker. It fixes two oras-py limits for a test client: no retry with
sleeps (it waited up to 2 minutes on a failure) and a token that lacked the scope asked for is
fetched anew rather than resent; and it answers a `Basic` challenge with Basic.
Exit status: 0 on success, 1 on a registry error (message on stderr), 2 on bad usage.
"""
import argparse, hashlib, json, os, sys, tempfile

import oras.auth.token, oras.container, oras.defaults, oras.provider, oras.utils, oras.version

oras.provider.Registry.do_request = oras.provider.Registry.do_request.__wrapped__  # no retry loop

ALL_MANIFESTS = oras.defaults.default_manifest_accepted_media_types + ["application/vnd.oci.artifact.manifest.v1+json"]


class Auth(oras.auth.token.TokenAuth):
    def authenticate_request(self, original, headers, refresh=False):
        challenge = original.headers.get("Www-Authenticate", "")
        if challenge.lower().startswith("basic"):
            if not getattr(self, "_basic_auth", None):
                return headers, False
            headers = dict(headers or {})
            headers["Authorization"] = "Basic %s" % self._basic_auth
            return headers, True
        # A 401 while holding a token: that token lacks the scope now asked for; get a new one.
        return super().authenticate_request(original, headers, refresh=refresh or bool(self.token))


class Failure(Exception):
    pass


def client(registry, plain_http, username, password, config):
    c = oras.provider.Registry(hostname=registry, insecure=plain_http)
    c.auth = Auth()
    c.auth.session, c.auth.prefix, c.auth._tls_verify = c.session, c.prefix, True
    c.auth._auth_config = read_config(config)
    if username is not None:
        c.auth.set_basic_auth(username, password or "")
    else:
        for host in oras.utils.iter_localhosts(registry):
            if c.auth._load_auth(host):
                break
    return c


def read_config(path):
    cfg = {"auths": {}, "credsStore": None, "credHelpers": {}}  # non-empty: oras-py then skips ~/.docker
    if path:
        with open(path) as f:
            data = json.load(f)
        cfg["auths"].update(data.get("auths", {}))
    return cfg


def check(r, what):
    if r.status_code not in (200, 201, 202):
        try:
            detail = "; ".join(e.get("code", "") + ": " + e.get("message", "") for e in r.json().get("errors", []))
        except Exception:
            detail = r.text[:300]
        raise Failure(f"{what}: {r.status_code} {r.reason} {detail}".strip())
    return r


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def get_manifest(c, ref):
    r = check(c.do_request(f"{c.prefix}://{ref.manifest_url()}", "GET", headers={"Accept": ", ".join(ALL_MANIFESTS)}),
              f"GET manifest {ref}")
    return r.content, r.headers.get("Content-Type", "").split(";")[0]


def cmd_push(a, c):
    ref = oras.container.Container(a.ref)
    annotations = dict(kv.split("=", 1) for kv in a.annotation)
    r = c.push(a.ref, files=a.files, manifest_config=a.config, manifest_annotations=annotations or None,
               disable_path_validation=a.disable_path_validation, quiet=True)
    check(r, f"push {a.ref}")
    digest = sha(r.request.body if isinstance(r.request.body, bytes) else r.request.body.encode())
    said = r.headers.get("Docker-Content-Digest")
    if said and said != digest:
        print(f"warning: the registry answered Docker-Content-Digest {said}, the manifest sent is {digest}", file=sys.stderr)
    print(f"Pushed [registry] {ref}")
    print(f"Digest: {digest}")


def cmd_pull(a, c):
    ref = oras.container.Container(a.ref)
    raw, _ = get_manifest(c, ref)
    digest = sha(raw)
    if ref.digest and ref.digest != digest:
        raise Failure(f"the manifest received has digest {digest}, not {ref.digest}")
    os.makedirs(a.output, exist_ok=True)
    files = c.pull(a.ref, outdir=a.output)
    for layer in json.loads(raw).get("layers", []):
        title = (layer.get("annotations") or {}).get(oras.defaults.annotation_title)
        path = os.path.join(a.output, title or layer["digest"])
        if layer["mediaType"] != oras.defaults.default_blob_dir_media_type and os.path.isfile(path):
            with open(path, "rb") as f:
                if sha(f.read()) != layer["digest"]:
                    raise Failure(f"{path} does not match its digest {layer['digest']}")
    for f in files:
        print(f"Downloaded {f}")
    print(f"Pulled [registry] {ref}")
    print(f"Digest: {digest}")


def copy_blob(src, dst, s, d, desc, mount):
    url = f"{dst.prefix}://{d.get_blob_url(desc['digest'])}"
    if dst.do_request(url, "HEAD").status_code == 200:
        print(f"Exists  {desc['digest']}")
        return
    start = f"{dst.prefix}://{d.upload_blob_url()}"
    if mount:
        r = dst.do_request(oras.utils.append_url_params(start, {"mount": desc["digest"], "from": s.api_prefix}), "POST")
        if r.status_code == 201:
            print(f"Mounted {desc['digest']}")
            return
        check(r, f"POST mount {desc['digest']}")  # 202: the registry opened an upload instead
    else:
        r = check(dst.do_request(start, "POST"), f"POST upload {d}")
    location = dst._get_location(r, d)
    with tempfile.NamedTemporaryFile() as tmp:
        src.download_blob(s, desc["digest"], tmp.name)
        with open(tmp.name, "rb") as f:
            body = f.read()
    if sha(body) != desc["digest"]:
        raise Failure(f"blob {desc['digest']} from {s} does not match its digest")
    check(dst.do_request(oras.utils.append_url_params(location, {"digest": desc["digest"]}), "PUT", data=body,
                         headers={"Content-Type": "application/octet-stream"}), f"PUT blob {desc['digest']}")
    print(f"Copied  {desc['digest']}")


def copy_manifest(src, dst, s, d, mount, tag=None):
    raw, media_type = get_manifest(src, s)
    m = json.loads(raw)
    for child in m.get("manifests", []):  # an index: its manifests first, by digest
        copy_manifest(src, dst, oras.container.Container(f"{s.registry}/{s.api_prefix}@{child['digest']}"),
                      oras.container.Container(f"{d.registry}/{d.api_prefix}@{child['digest']}"), mount)
    for desc in ([m["config"]] if "config" in m else []) + m.get("layers", []) + m.get("blobs", []):
        copy_blob(src, dst, s, d, desc, mount)
    digest = sha(raw)
    check(dst.do_request(f"{dst.prefix}://{d.manifest_url(tag or digest)}", "PUT", data=raw,
                         headers={"Content-Type": media_type or m.get("mediaType", oras.defaults.default_manifest_media_type)}),
          f"PUT manifest {d}")
    return digest


def cmd_copy(a):
    s, d = oras.container.Container(a.src), oras.container.Container(a.dst)
    src = client(s.registry, a.from_plain_http or a.plain_http, a.from_username or a.username,
                 a.from_password or a.password, a.from_registry_config or a.registry_config)
    dst = client(d.registry, a.to_plain_http or a.plain_http, a.to_username or a.username,
                 a.to_password or a.password, a.to_registry_config or a.registry_config)
    # DST's own tag or digest, else SRC's tag, else by digest only.
    if "@" in a.dst or ":" in a.dst.rsplit("/", 1)[-1]:
        dst_tag = d.digest or d.tag
    else:
        dst_tag = None if s.digest else s.tag
    digest = copy_manifest(src, dst, s, d, mount=(s.registry == d.registry and not a.no_mount), tag=dst_tag)
    print(f"Copied [registry] {a.src} => [registry] {a.dst}")
    print(f"Digest: {digest}")


def cmd_manifest_fetch(a, c):
    ref = oras.container.Container(a.ref)
    raw, media_type = get_manifest(c, ref)
    if a.descriptor:
        print(json.dumps({"mediaType": media_type, "digest": sha(raw), "size": len(raw)}))
    else:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()


def cmd_repo_tags(a, c):
    for t in c.get_tags(a.ref):
        print(t)


def main():
    p = argparse.ArgumentParser(prog="oras-cli.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(q):
        q.add_argument("--plain-http", action="store_true")
        q.add_argument("-u", "--username")
        q.add_argument("-p", "--password")
        q.add_argument("--password-stdin", action="store_true")
        q.add_argument("--registry-config")
        return q

    q = common(sub.add_parser("push"))
    q.add_argument("ref"); q.add_argument("files", nargs="*")
    q.add_argument("-a", "--annotation", action="append", default=[])
    q.add_argument("--config")
    q.add_argument("--disable-path-validation", action="store_true")
    q = common(sub.add_parser("pull"))
    q.add_argument("ref"); q.add_argument("-o", "--output", default=".")
    for name in ("copy", "cp"):
        q = common(sub.add_parser(name))
        q.add_argument("src"); q.add_argument("dst")
        for side in ("from", "to"):
            q.add_argument(f"--{side}-plain-http", action="store_true")
            q.add_argument(f"--{side}-username"); q.add_argument(f"--{side}-password")
            q.add_argument(f"--{side}-registry-config")
        q.add_argument("--no-mount", action="store_true")
    q = sub.add_parser("manifest")
    msub = q.add_subparsers(dest="sub", required=True)
    q = common(msub.add_parser("fetch"))
    q.add_argument("ref"); q.add_argument("--descriptor", action="store_true")
    q = sub.add_parser("repo")
    rsub = q.add_subparsers(dest="sub", required=True)
    q = common(rsub.add_parser("tags"))
    q.add_argument("ref")
    sub.add_parser("version")
    a = p.parse_args()

    if a.cmd == "version":
        print(f"oras-cli.py on oras-py {oras.version.__version__}")
        return 0
    if a.password_stdin:
        a.password = sys.stdin.readline().rstrip("\n")
    try:
        if a.cmd in ("copy", "cp"):
            cmd_copy(a)
        else:
            ref = oras.container.Container(a.ref)
            c = client(ref.registry, a.plain_http, a.username, a.password, a.registry_config)
            {"push": cmd_push, "pull": cmd_pull, "manifest": cmd_manifest_fetch, "repo": cmd_repo_tags}[a.cmd](a, c)
    except Failure as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # oras-py raises ValueError and requests errors
        print(f"Error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
