#!/usr/bin/env python3
"""Finds `use crate::...` import cycles between the files of src/.

Each file of src/ is a node; a file imports another when one of its `use
crate::a::b::...` paths (or a `crate::a::b` path anywhere in its code)
names an item of that file's module. Paths are resolved to the longest
module prefix that is a file (`crate::matcher::regex::translate` ->
src/matcher/regex.rs, `crate::matcher::Match` -> src/matcher/mod.rs).
`super::` and `self::` paths are resolved from the file's own module.
A child module's declaration (`mod x;`) is not an import, and test code
(`#[cfg(test)] mod tests`, files named tests.rs) is left out: tests may
reach anywhere.

Prints every strongly connected component of more than one file and exits
1 when there is one (under --ignore PREFIX, files starting with PREFIX are
left out, e.g. --ignore src/modules). Usage:

    scripts/import_cycles.py [--ignore src/modules] [SRC_DIR]
"""

import argparse
import os
import re
import sys

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\};", re.S)


def module_of(src, path):
    """The module path of a file: src/a/b.rs and src/a/b/mod.rs -> [a, b]."""
    rel = os.path.relpath(path, src)[: -len(".rs")].split(os.sep)
    if rel[-1] == "mod" or rel == ["lib"] or rel == ["main"]:
        rel = rel[:-1]
    return rel


def strip_tests(text):
    """The text without comments, string literals and `#[cfg(test)]` items."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    out, i = [], 0
    marker = "#[cfg(test)]"
    while True:
        j = text.find(marker, i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        k = j + len(marker)
        # Skip the item: up to its `;` or its balanced `{...}`.
        depth, started = 0, False
        while k < len(text):
            c = text[k]
            if c == ";" and not started:
                k += 1
                break
            if c == "{":
                depth, started = depth + 1, True
            elif c == "}":
                depth -= 1
                if started and depth == 0:
                    k += 1
                    break
            k += 1
        i = k


def paths_in(text):
    """Every crate/super/self path of the text, groups expanded."""
    found = []
    for m in USE_GROUP.finditer(text):
        base = m.group(2)
        for part in re.split(r",", re.sub(r"\{[^{}]*\}", "", m.group(3))):
            part = part.strip().split(" as ")[0].strip()
            if part and part != "self":
                found.append((m.group(1), base + "::" + part.replace(" ", "")))
            elif part == "self":
                found.append((m.group(1), base))
        # Nested groups one level deep: `a::{b::{c, d}}`.
        for inner in re.finditer(r"([A-Za-z_][A-Za-z0-9_:]*)::\{([^{}]*)\}", m.group(3)):
            for part in inner.group(2).split(","):
                part = part.strip().split(" as ")[0].strip()
                if part:
                    found.append((m.group(1), base + "::" + inner.group(1) + "::" + part))
    for m in PATH.finditer(USE_GROUP.sub("", text)):
        found.append((m.group(1), m.group(2)))
    return found


def resolve(modules, own, kind, rest):
    """The file a path lands in: the longest module prefix that is a file."""
    segments = [s for s in rest.split("::") if s]
    if kind == "crate":
        base = []
    elif kind == "self":
        base = list(own)
    else:
        base = list(own[:-1])
        while segments and segments[0] == "super":
            base, segments = base[:-1], segments[1:]
    full = base + segments
    for end in range(len(full), -1, -1):
        key = tuple(full[:end])
        if key in modules:
            return modules[key]
    return None


def cycles(src, ignore):
    files = []
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs") and name != "tests.rs" and "tests" not in os.path.relpath(root, src).split(os.sep):
                files.append(os.path.join(root, name))
    modules = {tuple(module_of(src, f)): f for f in files}
    graph = {f: set() for f in files}
    for f in files:
        own = module_of(src, f)
        # A mod.rs is its module; a leaf file's `super` is its parent.
        own_for_super = own if not f.endswith("mod.rs") and not f.endswith("lib.rs") else own + ["_"]
        with open(f, encoding="utf-8") as handle:
            text = strip_tests(handle.read())
        for kind, rest in paths_in(text):
            target = resolve(modules, own if kind != "super" else own_for_super, kind, rest)
            if target and target != f:
                graph[f].add(target)
    # A parent module naturally sees its children (re-exports); a child
    # importing its parent's items is not a cycle by itself, but the
    # parent importing the child and the child the parent is.
    keep = lambda f: not any(os.path.relpath(f).startswith(p) or f.startswith(p) for p in ignore)
    return [c for c in scc(graph) if len(c) > 1 and any(keep(f) for f in c)], graph


def scc(graph):
    """Tarjan's strongly connected components."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "src"))
    parser.add_argument("--ignore", action="append", default=[], help="leave out files under this prefix")
    args = parser.parse_args()
    src = os.path.normpath(args.src)
    ignore = [os.path.normpath(p) for p in args.ignore]
    found, graph = cycles(src, ignore)
    for component in found:
        rel = [os.path.relpath(f, os.path.dirname(src)) for f in component]
        print("cycle:", " <-> ".join(rel))
        for f in component:
            inside = sorted(os.path.relpath(t, os.path.dirname(src)) for t in graph[f] if t in component)
            print("   ", os.path.relpath(f, os.path.dirname(src)), "->", ", ".join(inside))
    print(f"{len(found)} import cycle(s) among {len(graph)} files")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
