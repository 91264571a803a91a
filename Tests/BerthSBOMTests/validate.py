#!/usr/bin/env python3
"""Validate SBOM documents against the official JSON schemas, offline.

usage: validate.py cyclonedx|spdx FILE...
exit 0 = valid, 1 = invalid, 77 = cannot validate (dependency/schema missing).

CycloneDX 1.5: bom-1.5.SNAPSHOT.schema.json (+ spdx.SNAPSHOT.schema.json,
jsf-0.82.SNAPSHOT.schema.json) shipped by the PyPI package cyclonedx-python-lib,
with every $ref resolved from that local directory (no network).
SPDX 2.3: schemas/spdx-schema.json (v2.3, from spdx/spdx-spec branch support/2.3)
vendored next to this script; additionally spdx-tools' semantic validator runs
when that package is installed.
"""
import json
import os
import sys

SKIP = 77
# spdx-2.3.schema.json: schemas/spdx-schema.json at tag v2.3 of spdx/spdx-spec
# (the published 2.3 schema, draft-07; it has no SPDXID/date patterns, which
# spdx-tools' validator checks instead).
SPDX_SCHEMAS = ["spdx-2.3.schema.json"]
HERE = os.path.dirname(os.path.abspath(__file__))


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


try:
    import jsonschema
    from jsonschema import Draft7Validator, FormatChecker
except Exception as e:  # pragma: no cover
    skip("python jsonschema not importable: %s" % e)


def local_registry(directory):
    """Map every schema's $id (and its file name) to the local file content."""
    store = {}
    for fn in os.listdir(directory):
        if fn.endswith(".schema.json"):
            with open(os.path.join(directory, fn), encoding="utf-8") as f:
                s = json.load(f)
            store[fn] = s
            if "$id" in s:
                store[s["$id"]] = s
                store[s["$id"].rstrip("#")] = s
    return store


def make_validator(schema, store, cls):
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7

        def retrieve(uri):
            key = uri.rstrip("#")
            if key in store:
                return Resource.from_contents(store[key], default_specification=DRAFT7)
            base = key.rsplit("/", 1)[-1]
            if base in store:
                return Resource.from_contents(store[base], default_specification=DRAFT7)
            raise LookupError("refusing to fetch non-local schema " + uri)

        registry = Registry(retrieve=retrieve)
        return cls(schema, registry=registry, format_checker=FormatChecker())
    except ImportError:
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return cls(schema, resolver=resolver, format_checker=FormatChecker())


def cyclonedx_schema():
    try:
        import cyclonedx.schema._res as res
    except Exception as e:
        skip("cyclonedx-python-lib not installed: %s" % e)
    d = os.path.dirname(res.__file__)
    path = os.path.join(d, "bom-1.5.SNAPSHOT.schema.json")
    if not os.path.exists(path):
        skip("bom-1.5.SNAPSHOT.schema.json not found in " + d)
    store = local_registry(d)
    return store["bom-1.5.SNAPSHOT.schema.json"], store


def validate(kind, files):
    if kind == "cyclonedx":
        schema, store = cyclonedx_schema()
        validators = [("bom-1.5.SNAPSHOT.schema.json", make_validator(schema, store, Draft7Validator))]
    elif kind == "spdx":
        validators = []
        for name in SPDX_SCHEMAS:
            with open(os.path.join(HERE, "schemas", name), encoding="utf-8") as f:
                schema = json.load(f)
            validators.append((name, make_validator(schema, {}, jsonschema.validators.validator_for(schema))))
    else:
        print("unknown kind " + kind)
        return 2
    failed = False
    for fn in files:
        with open(fn, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
        for name, validator in validators:
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))
            for e in errors[:20]:
                print("%s [%s]: %s at %s" % (fn, name, e.message[:300], "/".join(map(str, e.path))))
            failed |= bool(errors)
        if kind == "spdx":
            failed |= spdx_tools_check(fn)
    if not failed:
        print("OK %s %d file(s)" % (kind, len(files)))
    return 1 if failed else 0


def spdx_tools_check(fn):
    try:
        from spdx_tools.spdx.parser.parse_anything import parse_file
        from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
    except Exception:
        print("note: spdx-tools not installed, semantic SPDX check skipped")
        return False
    # spdx-tools infers the format from the file extension.
    doc = parse_file(fn)
    messages = validate_full_spdx_document(doc, "SPDX-2.3")
    for m in messages[:20]:
        print("%s: spdx-tools: %s" % (fn, m.validation_message[:300]))
    return bool(messages)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(validate(sys.argv[1], sys.argv[2:]))
