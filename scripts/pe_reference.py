#!/usr/bin/env python3
"""Computes reference values of the pe, elf and dotnet modules with the
PyPI `yara-x` package and stores them as JSON, one file per input, under
tests/data/pe/reference/<md5>.json. The Rust tests compare spoor's
modules against them field by field, so the default test run does not need
yara-x installed.

Each JSON holds:
  "source":   where the tests find the input: {"built": NAME} for the
              samples tests/data/pe/build.sh makes, {"path": PATH} for files
              of this machine (Python launchers, ELF binaries);
  "md5":      the input's MD5, checked before comparing;
  "modules":  {"pe": ..., "elf": ..., "dotnet": ...}: yara-x's module
              outputs, normalised (datetimes to epoch seconds, byte strings
              to {"hex": ...}; enum names stay strings);
  "entrypoint": the deprecated `entrypoint` keyword's value from the PyPI
              `yara-python` package (YARA-X does not support it), or null;
  "calls":    module function calls with their results, evaluated through
              `console.log` (a missing result means undefined):
              {"module", "path", "args", "value"}; args are {"int": n},
              {"str": s} or {"regex": pattern, "nocase": bool}.

Usage: python3 scripts/pe_reference.py [--built DIR] [FILE...]
  --built DIR: also every file in DIR, as built samples.
       python3 scripts/pe_reference.py --outputs FILE...
  --outputs: only the normalised module outputs of each FILE, one JSON
  line each ({"file", "modules"}), written to standard output; used live
  by tests/it/modules_mutants_reference.rs (needs yara-x only).
"""
import datetime
import hashlib
import json
import pathlib
import sys

import yara_x

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/data/pe/reference"
MODULES = ("pe", "elf", "dotnet")


def normalise(v):
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if isinstance(v, datetime.datetime):
        return int(v.timestamp())
    if isinstance(v, (bytes, bytearray)):
        return {"hex": bytes(v).hex()}
    return v


def literal(arg):
    if "int" in arg:
        return str(arg["int"])
    if "str" in arg:
        s = arg["str"].replace("\\", "\\\\").replace('"', '\\"')
        return f'"{s}"'
    return f"/{arg['regex']}/" + ("i" if arg["nocase"] else "")


def S(s):
    return {"str": s}


def I(n):
    return {"int": n}


def R(pattern, nocase=False):
    return {"regex": pattern, "nocase": nocase}


def printable(s):
    return s is not None and all(0x20 <= ord(c) < 0x7F for c in s)


def pe_calls(pe):
    calls = [("imphash", []), ("is_dll", []), ("is_32bit", []), ("is_64bit", []),
             ("calculate_checksum", [])]
    if "entry_point_raw" in pe:
        calls.append(("rva_to_offset", [I(pe["entry_point_raw"])]))
    if "entry_point" in pe:
        calls.append(("offset_to_rva", [I(pe["entry_point"])]))
    for s in pe.get("sections", [])[:4]:
        name = bytes.fromhex(s["name"]["hex"]).decode("latin-1")
        if printable(name):
            calls.append(("section_index", [S(name)]))
        calls.append(("section_index", [I(s["raw_data_offset"] + 1)]))
    calls.append(("section_index", [S(".nosuchsection")]))
    for imp in pe.get("import_details", [])[:6]:
        dll = imp["library_name"]
        if not printable(dll):
            continue
        calls += [("imports", [S(dll)]), ("imports", [S(dll.upper())]),
                  ("imports", [I(3), S(dll)]), ("imports", [I(2), S(dll)])]
        for f in imp.get("functions", [])[:3]:
            if "ordinal" in f:
                calls += [("imports", [S(dll), I(f["ordinal"])]),
                          ("imports", [I(1), S(dll), I(f["ordinal"])])]
            if printable(f.get("name")):
                calls += [("imports", [S(dll), S(f["name"])]),
                          ("imports", [I(3), S(dll), S(f["name"].lower())]),
                          ("import_rva", [S(dll), S(f["name"])])]
    calls += [("imports", [R("(?i)kernel32"), R("^Get")]),
              ("imports", [R("KERNEL32", True), R("a")]),
              ("imports", [I(3), R("."), R("W$")]),
              ("imports", [S("kernel32.dll"), S("NoSuchFunction")])]
    for e in pe.get("export_details", [])[:5]:
        calls += [("exports", [I(e["ordinal"])]), ("exports_index", [I(e["ordinal"])])]
        if printable(e.get("name")):
            calls += [("exports", [S(e["name"])]), ("exports", [S(e["name"].upper())]),
                      ("exports_index", [S(e["name"])])]
    calls += [("exports", [S("NoSuchExport")]), ("exports", [R("^Dll")]),
              ("exports_index", [R("e")])]
    for t in pe.get("rich_signature", {}).get("tools", [])[:3]:
        v, tid = t["version"], t["toolid"]
        calls += [("rich_signature.version", [I(v)]),
                  ("rich_signature.version", [I(v), I(tid)]),
                  ("rich_signature.toolid", [I(tid)]),
                  ("rich_signature.toolid", [I(tid), I(v)])]
    calls.append(("rich_signature.toolid", [I(0x10001)]))
    for r in pe.get("resources", [])[:2]:
        if "language" in r:
            calls += [("locale", [I(r["language"])]), ("language", [I(r["language"] & 0xFF)])]
    calls += [("locale", [I(0x7FFF)]), ("language", [I(-1)])]
    return calls


def not_pe_calls():
    return [("imports", [S("kernel32.dll")]), ("exports", [S("x")]),
            ("rich_signature.version", [I(1)]), ("is_dll", []), ("imphash", [])]


def evaluate(data, module, calls):
    """Evaluates each call in its own rule; returns the logged values."""
    if not calls:
        return []
    rules = [f'import "{module}"', 'import "console"']
    for i, (path, args) in enumerate(calls):
        expr = f"{module}.{path}({', '.join(literal(a) for a in args)})"
        rules.append(f'rule r{i} {{ condition: console.log("{i}=", {expr}) }}')
    scanner = yara_x.Scanner(yara_x.compile("\n".join(rules)))
    logged = {}

    def log(message):
        key, _, value = message.partition("=")
        logged[int(key)] = value

    scanner.console_log(log)
    scanner.scan(data)
    results = []
    for i, (path, args) in enumerate(calls):
        value = logged.get(i)
        if value in ("true", "false"):
            value = int(value == "true")
        elif value is not None and value.lstrip("-").isdigit():
            value = int(value)
        results.append({"module": module, "path": path, "args": args, "value": value})
    return results


def entrypoint(data):
    """The `entrypoint` keyword's value for `data`, per legacy YARA."""
    import yara  # yara-python: only needed to write reference files.

    rules = yara.compile(source='import "console" rule ep { condition: console.log("", entrypoint) }')
    logged = []
    rules.match(data=data, console_callback=logged.append)
    return int(logged[0]) if logged else None


def module_outputs(scanner, data):
    """YARA-X's outputs of MODULES for `data`, normalised."""
    outputs = scanner.scan(data).module_outputs
    return {m: normalise(outputs.get(m, {})) for m in MODULES}


def module_scanner():
    rules = "\n".join(f'import "{m}"' for m in MODULES) + "\nrule always { condition: true }"
    return yara_x.Scanner(yara_x.compile(rules))


def reference(path, source):
    data = pathlib.Path(path).read_bytes()
    modules = module_outputs(module_scanner(), data)
    pe = modules["pe"]
    calls = evaluate(data, "pe", pe_calls(pe) if pe.get("is_pe") else not_pe_calls())
    calls += evaluate(data, "elf", [("import_md5", [])])
    digest = hashlib.md5(data).hexdigest()
    return digest, {
        "source": source,
        "md5": digest,
        "modules": modules,
        "entrypoint": entrypoint(data),
        "calls": calls,
    }


def main(args):
    if args[:1] == ["--outputs"]:
        scanner = module_scanner()
        for path in args[1:]:
            modules = module_outputs(scanner, pathlib.Path(path).read_bytes())
            print(json.dumps({"file": path, "modules": modules}, separators=(",", ":")))
        return
    inputs = []
    if args[:1] == ["--built"]:
        built = pathlib.Path(args[1])
        inputs += [(p, {"built": p.name}) for p in sorted(built.iterdir())]
        args = args[2:]
    inputs += [(pathlib.Path(a), {"path": str(pathlib.Path(a).resolve())}) for a in args]
    OUT.mkdir(parents=True, exist_ok=True)
    for path, source in inputs:
        digest, ref = reference(path, source)
        (OUT / f"{digest}.json").write_text(json.dumps(ref, sort_keys=True, separators=(",", ":")) + "\n")
        print(digest, path)


if __name__ == "__main__":
    main(sys.argv[1:])
