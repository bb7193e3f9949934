#!/usr/bin/env python3
"""Counts packages and edges of lockfiles, independently of the Go parser.

The expected counts in lockfile_test.go were computed with this script (and
count-yarn1.js for yarn.lock v1); it is kept so that anyone can recompute
them. It shares no code with the Go package and uses other parsers: Python's
json, tomllib (3.11+) and PyYAML.

    python3 count.py FORMAT FILE     # prints "packages edges"

A package is a distinct name@version (Python names normalised per PEP 503);
an edge a distinct (package, package) pair with the two different.
"""
import json
import re
import sys
import tomllib


def npm(path):
    d = json.load(open(path))
    if d.get("packages"):
        return npm_packages(d)
    return npm_v1(d)


def npm_packages(d):
    p = d["packages"]

    def name_of(loc, v):
        if v.get("name"):
            return v["name"]
        if loc == "":
            return d.get("name") or "."
        i = loc.rfind("node_modules/")
        return loc[i + len("node_modules/"):] if i >= 0 else loc.split("/")[-1]

    def ident(loc):
        if p[loc].get("link"):
            loc = p[loc]["resolved"]
        return name_of(loc, p[loc]) + "@" + p[loc].get("version", "")

    def local(loc):
        return not (loc.startswith("node_modules/") or "/node_modules/" in loc)

    def resolve(loc, dep):
        # Node's walk: try loc/node_modules/dep, then each folder above that
        # is not itself a node_modules folder.
        parts = loc.split("/") if loc else []
        while True:
            if not parts or parts[-1] != "node_modules":
                c = "/".join(parts + ["node_modules", dep])
                if c in p:
                    return c
            if not parts:
                return None
            parts = parts[:-1]

    pk, edges = set(), set()
    for loc, v in p.items():
        if v.get("link"):
            continue
        pk.add(ident(loc))
        for field in ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies"):
            if field == "devDependencies" and not local(loc):
                continue
            for dep in v.get(field, {}):
                r = resolve(loc, dep)
                if r is not None and ident(loc) != ident(r):
                    edges.add((ident(loc), ident(r)))
    return pk, edges


def npm_v1(d):
    pk, edges = set(), set()
    root = (d.get("name") or ".") + "@" + d.get("version", "")

    def ident(key, v):
        ver = v["version"]
        if ver.startswith("npm:"):
            alias = ver[4:]
            i = alias.rindex("@")
            return alias[:i] + "@" + alias[i + 1:]
        return key + "@" + ver

    def walk(deps, chain):
        for key, v in deps.items():
            pk.add(ident(key, v))
            here = chain + [v.get("dependencies", {})]
            for req in v.get("requires", {}):
                for level in reversed(here):
                    if req in level:
                        a, b = ident(key, v), ident(req, level[req])
                        if a != b:
                            edges.add((a, b))
                        break
            walk(v.get("dependencies", {}), here)

    top = d.get("dependencies", {})
    walk(top, [top])
    pk.add(root)
    required = {b for _, b in edges}
    for key, v in top.items():
        i = ident(key, v)
        if not v["version"].startswith("file:") and i not in required:
            edges.add((root, i))
    return pk, edges


def pnpm(path):
    import yaml
    d = yaml.safe_load(open(path))
    major = int(str(d["lockfileVersion"]).split(".")[0])

    def norm(key):
        key = key.lstrip("/")
        return key.split("(")[0]

    def split(key):
        i = key.index("@", 1)
        return key[:i], key[i + 1:]

    importers = d.get("importers") or {".": d}
    pk, edges = set(), set()
    idx = {}
    for dir_ in importers:
        idx["importer:" + dir_] = dir_
        pk.add(dir_)
    deps = d.get("snapshots" if major >= 9 else "packages") or {}
    for key in deps:
        name, ver = split(norm(key))
        meta = (d.get("packages") or {}).get(key) or (d.get("packages") or {}).get(norm(key)) or {}
        if meta.get("name"):
            name, ver = meta["name"], meta["version"]
        idx[norm(key)] = name + "@" + ver
        pk.add(name + "@" + ver)

    import posixpath

    def target(dir_, name, ref):
        if ref.startswith("link:"):
            return idx.get("importer:" + posixpath.normpath(posixpath.join(dir_, ref[5:])))
        return idx.get(norm(name + "@" + ref)) or idx.get(norm(ref))

    for dir_, imp in importers.items():
        for field in ("dependencies", "devDependencies", "optionalDependencies"):
            for name, dep in (imp.get(field) or {}).items():
                t = target(dir_, name, dep["version"])
                if t and t != dir_:
                    edges.add((dir_, t))
    for key, v in deps.items():
        for field in ("dependencies", "optionalDependencies"):
            for name, ref in ((v or {}).get(field) or {}).items():
                t = target("", name, ref)
                if t and t != idx[norm(key)]:
                    edges.add((idx[norm(key)], t))
    return pk, edges


def berry(path):
    import yaml
    d = yaml.safe_load(open(path))
    d.pop("__metadata", None)
    by, pk, edges = {}, set(), set()
    for key, v in d.items():
        res = v["resolution"]
        name = res[: res.index("@", 1)]
        ident = name + "@" + str(v["version"])
        pk.add(ident)
        for desc in key.split(","):
            by[desc.strip()] = ident
    for key, v in d.items():
        a = by[key.split(",")[0].strip()]
        for name, rng in (v.get("dependencies") or {}).items():
            b = by.get(name + "@" + rng) or by.get(name + "@npm:" + rng)
            if b and a != b:
                edges.add((a, b))
    return pk, edges


def cargo(path):
    d = tomllib.load(open(path, "rb"))
    P = d.get("package", [])
    byname = {}
    for x in P:
        byname.setdefault(x["name"], set()).add(x["version"])
    pk = {(x["name"], x["version"]) for x in P}
    edges = set()
    for x in P:
        for dep in x.get("dependencies", []):
            parts = dep.split(" ")
            v = parts[1] if len(parts) > 1 else next(iter(byname[parts[0]]))
            edges.add(((x["name"], x["version"]), (parts[0], v)))
    return pk, edges


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def poetry(path):
    d = tomllib.load(open(path, "rb"))
    P = d["package"]
    byname = {}
    for x in P:
        byname.setdefault(pep503(x["name"]), []).append(x["version"])
    pk = {(pep503(x["name"]), x["version"]) for x in P}
    edges = set()
    for x in P:
        for dep in x.get("dependencies", {}):
            for v in byname.get(pep503(dep), []):
                a, b = (pep503(x["name"]), x["version"]), (pep503(dep), v)
                if a != b:
                    edges.add((a, b))
    return pk, edges


def uv(path):
    d = tomllib.load(open(path, "rb"))
    P = d["package"]
    byname = {}
    for x in P:
        byname.setdefault(pep503(x["name"]), []).append(x.get("version", ""))
    pk = {(pep503(x["name"]), x.get("version", "")) for x in P}
    edges = set()
    for x in P:
        lists = [x.get("dependencies", [])]
        lists += list(x.get("optional-dependencies", {}).values())
        lists += list(x.get("dev-dependencies", {}).values())
        for deps in lists:
            for dep in deps:
                n = pep503(dep["name"])
                versions = [dep["version"]] if "version" in dep else byname.get(n, [])
                for v in versions:
                    if (n, v) in pk and (n, v) != (pep503(x["name"]), x.get("version", "")):
                        edges.add(((pep503(x["name"]), x.get("version", "")), (n, v)))
    return pk, edges


if __name__ == "__main__":
    pk, edges = globals()[sys.argv[1]](sys.argv[2])
    print(len(pk), len(edges))
