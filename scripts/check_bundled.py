#!/usr/bin/env python3
"""Checks the bundled ruleset with the PyPI `yara-x` package (issue 5, acceptance 1).

For every rule test of rules/*/*.test.toml (the `spoor test` format) it
builds the positive and the near-miss sample of each rule (the same way
src/testing/sample.rs does), scans both with all bundled rules, and checks that the rule matches
the positive only. It also checks that every bundled rule has a recipe, that
each rule file compiles without warnings (in yara-x, and in yara-python when
installed, unless it imports a module only YARA-X has), and that every rule carries the
meta convention of profiles.md §3 (actor = its directory, family of that
profile, confidence, reference URL, description).

Usage: scripts/check_bundled.py [--write DIR]   (DIR: keep the samples there)
Exit status 0 when everything holds, 1 otherwise.
"""

import pathlib
import struct
import sys
import tomllib

import yara_x

try:  # yara-python is optional: when present, rules must compile there too
    import yara
except ImportError:
    yara = None

# Modules of YARA-X that libyara does not have: files importing one are
# compiled by yara-x only.
YARA_X_ONLY_MODULES = ("lnk",)

ROOT = pathlib.Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


def pe(sections=(".text",)):
    """A minimal PE header: MZ, DOS stub text at 0x4E, PE\\0\\0 at 0x80, sections."""
    head = bytearray(0x400)
    head[0:2] = b"MZ"
    struct.pack_into("<I", head, 0x3C, 0x80)
    stub = b"This program cannot be run in DOS mode"
    head[0x4E:0x4E + len(stub)] = stub
    head[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<HH", head, 0x84, 0x14C, len(sections))
    struct.pack_into("<H", head, 0x94, 0xE0)
    struct.pack_into("<H", head, 0x98, 0x10B)
    for i, name in enumerate(sections):
        at = 0x80 + 24 + 0xE0 + i * 40
        head[at:at + 8] = name.encode().ljust(8, b"\0")[:8]
    return bytes(head)


def container(kind, sections):
    if kind == "pe":
        return pe(sections)
    if kind == "raw":
        return b""
    if kind == "lnk":
        return bytes.fromhex("4C000000 01140200 00000000 C0000000 00000046".replace(" ", "")).ljust(0x4C, b"\0")
    if kind == "ole":
        return (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + bytes.fromhex("3E000300FEFF")).ljust(512, b"\0")
    if kind == "jpeg":
        return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00".ljust(2048, b"\0")
    if kind == "macho":
        return b"\xcf\xfa\xed\xfe".ljust(64, b"\0")
    if kind == "elf":
        return b"\x7fELF\x02\x01\x01".ljust(64, b"\0")
    raise ValueError(f"unknown container {kind}")


def part(text):
    kind, _, value = text.partition(":")
    if kind == "ascii":
        return value.encode()
    if kind == "wide":
        return value.encode("utf-16-le")
    if kind == "hex":
        return bytes.fromhex(value)
    if kind == "embed" and value == "pe":
        return pe()
    raise ValueError(f"unknown part {text}")


def build(kind, sections, size, parts):
    data = bytearray(container(kind, sections))
    for p in parts:
        data += b"\0" * 16 + part(p)
    data += b"\0" * 16
    if size and len(data) < size:
        data += b"\0" * (size - len(data))
    return bytes(data)


def build_case(case):
    spec = case["build"]
    return build(spec["container"], spec.get("sections", [".text"]), spec.get("size"), spec.get("parts", []))


def load_recipes():
    """(rule, positive, near miss) per rule test pair, in `spoor test` order:
    test files sorted by path, cases in file order; the k-th case a rule must
    match pairs with the k-th case it must not match."""
    recipes = []
    for path in sorted(RULES.glob("*/*.test.toml")):
        positives, negatives = {}, {}
        order = []
        for case in tomllib.loads(path.read_text()).get("case", []):
            for rule in case.get("matches", []):
                positives.setdefault(rule, []).append(build_case(case))
                order.append(rule)
            for rule in case.get("not_matches", []):
                negatives.setdefault(rule, []).append(build_case(case))
        seen = {}
        for rule in order:
            k = seen.get(rule, 0)
            seen[rule] = k + 1
            negative = negatives.get(rule, [])
            recipes.append((rule, positives[rule][k], negative[k] if k < len(negative) else None))
    return recipes


def main():
    keep = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == "--write" else None
    profiles = {p.stem: tomllib.loads(p.read_text()) for p in (RULES / "actors").glob("*.toml")}
    failures = []
    compiler = yara_x.Compiler()
    declared = {}
    for path in sorted(RULES.glob("*/*.yar")):
        actor = path.parent.name
        single = yara_x.Compiler()
        single.add_source(path.read_text(), origin=str(path))
        if single.warnings():
            failures.append(f"{path}: warnings {single.warnings()}")
        yara_x_only = any(f'import "{m}"' in path.read_text() for m in YARA_X_ONLY_MODULES)
        if yara is not None and not yara_x_only:
            try:
                yara.compile(filepath=str(path), error_on_warning=True)
            except yara.Error as error:
                failures.append(f"{path}: yara-python: {error}")
        compiler.new_namespace(actor)
        compiler.add_source(path.read_text(), origin=str(path))
        for rule in single.build():
            meta = dict(rule.metadata)
            declared[rule.identifier] = meta
            families = {f["id"] for f in profiles.get(actor, {}).get("families", [])}
            if meta.get("actor") != actor:
                failures.append(f"{rule.identifier}: actor {meta.get('actor')!r} is not {actor!r}")
            if meta.get("family") not in families:
                failures.append(f"{rule.identifier}: family {meta.get('family')!r} not in {actor}")
            if meta.get("confidence") not in ("high", "medium", "low"):
                failures.append(f"{rule.identifier}: confidence {meta.get('confidence')!r}")
            if not str(meta.get("reference", "")).startswith("http"):
                failures.append(f"{rule.identifier}: reference {meta.get('reference')!r}")
            if not meta.get("description"):
                failures.append(f"{rule.identifier}: no description")
    rules = compiler.build()
    recipes = load_recipes()
    for name in sorted(set(declared) - {rule for rule, _, _ in recipes}):
        failures.append(f"{name}: no rule test")
    for n, (name, positive, negative) in enumerate(recipes):
        if name not in declared:
            failures.append(f"recipe {n}: unknown rule {name}")
            continue
        if negative is None:
            failures.append(f"recipe {n}: {name} has no near miss")
            continue
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{n:02}-{name}.pos").write_bytes(positive)
            (keep / f"{n:02}-{name}.neg").write_bytes(negative)
        hit = [r.identifier for r in rules.scan(positive).matching_rules]
        miss = [r.identifier for r in rules.scan(negative).matching_rules]
        if name not in hit:
            failures.append(f"recipe {n}: {name} does not match its positive sample (got {hit})")
        if name in miss:
            failures.append(f"recipe {n}: {name} matches its near-miss negative")
        others = [r for r in hit if declared[r]["family"] != declared[name]["family"]]
        if others:
            failures.append(f"recipe {n}: positive of {name} also matches {others}")
    print(f"{len(declared)} rules, {len(recipes)} recipes, {len(failures)} failures")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
