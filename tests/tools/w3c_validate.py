#!/usr/bin/env python3
"""Validate Web Annotation JSON files against the W3C test suite's "must" schemas.

usage: w3c_validate.py [--each] W3C_DIR FILE...   (W3C_DIR: the test suite, with definitions/,
annotations/, collections/). An AnnotationCollection is checked against the collection
schemas and each annotation of its pages against the annotation schemas. Prints one line
per failure (file, which annotation, schema, message) and exits 1 if there was any; 2 on
an unreadable file. With --each, also one line per file: "RESULT valid|invalid FILE", and
unreadable files count as invalid. Uses python3-jsonschema (Debian), draft-04 like the suite.
"""
import glob
import json
import os
import re
import sys
import warnings

warnings.simplefilter("ignore")
import jsonschema  # noqa: E402

BASE = "https://stance.invalid/w3c/"

# The formats the suite relies on, checked here without extra packages.
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("uri")
def is_uri(value):
    return not isinstance(value, str) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$", value) is not None


@FORMATS.checks("date-time")
def is_date_time(value):
    return not isinstance(value, str) or re.match(
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value) is not None


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def musts(root, folders):
    out = []
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(root, folder, "*.json"))):
            s = load(path)
            if s.get("assertionType") == "must" and s.get("expectedResult", "valid") == "valid":
                out.append((os.path.relpath(path, root), s))
    return out


def main(argv):
    each = len(argv) > 1 and argv[1] == "--each"
    if each:
        argv = argv[:1] + argv[2:]
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = argv[1]
    store = {}
    for path in glob.glob(os.path.join(root, "**", "*.json"), recursive=True):
        if "samples" in path.split(os.sep):
            continue
        try:
            s = load(path)
        except ValueError:
            continue
        if isinstance(s, dict) and "$schema" in s:
            store[BASE + s.get("id", os.path.basename(path))] = s
    ann = musts(root, ["annotations", "annotations/bodiesTargets", "annotations/specificResource"])
    col = musts(root, ["collections"])
    failures = 0

    def check(instance, schemas, where):
        nonlocal failures
        for name, schema in schemas:
            resolver = jsonschema.RefResolver(BASE + os.path.basename(name), schema, store=store)
            v = jsonschema.Draft4Validator(schema, resolver=resolver, format_checker=FORMATS)
            errors = list(v.iter_errors(instance))
            if errors:
                failures += 1
                msg = schema.get("errorMessage") or errors[0].message
                print("%s: %s: %s" % (where, name, msg[:200]))

    for path in argv[2:]:
        try:
            if path.endswith(".jsonl"):
                with open(path, encoding="utf-8") as f:
                    doc = [json.loads(line) for line in f if line.strip()]
            else:
                doc = load(path)
        except (OSError, ValueError) as e:
            print("%s: cannot read: %s" % (path, e))
            if not each:
                return 2
            failures += 1
            print("RESULT invalid %s" % path)
            continue
        before = failures
        items = doc if isinstance(doc, list) else [doc]
        for i, it in enumerate(items):
            where = path if len(items) == 1 else "%s[%d]" % (path, i)
            kind = it.get("type") if isinstance(it, dict) else None
            if kind in ("AnnotationCollection", "AnnotationPage"):
                if kind == "AnnotationCollection":
                    check(it, col, where)
                    page = it.get("first") or {}
                else:
                    page = it
                for j, a in enumerate(page.get("items", []) if isinstance(page, dict) else []):
                    if isinstance(a, dict) and "@context" not in a and "@context" in it:
                        a = dict(a, **{"@context": it["@context"]})  # items share their page's context
                    check(a, ann, "%s item %d" % (where, j))
            else:
                check(it, ann, where)
        if each:
            print("RESULT %s %s" % ("valid" if failures == before else "invalid", path))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
