#!/usr/bin/env python3
"""Record where YARA-X reports the error of each diagnostics test case.

Compiles every tests/data/diagnostics/*.yar with the PyPI package `yara-x`,
takes the line and column of its first error (`--> line:L:C`), runs
`spoor check` on the same file, and writes
tests/data/diagnostics/yarax_positions.json:

    {"case.yar": {"line": L, "column": C, "code": "E009",
                  "message": "...", "spoor": [L, C], "agrees": true}, ...}

Cases YARA-X accepts, and cases with includes (YARA-X needs a file
system include root), are left out. The test `positions_agree_with_yara_x`
then checks, without YARA-X installed, that spoor still reports the
`agrees: true` cases where YARA-X does.

Usage: scripts/yarax_positions.py [path/to/spoor]   (default: target/debug/spoor)
"""

import json
import pathlib
import re
import subprocess
import sys

import yara_x

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "diagnostics"
ARGS_PREFIX = "// args:"
POSITION = re.compile(r"--> line:(\d+):(\d+)")
CODE = re.compile(r"^error\[(\w+)\]: (.*)$", re.M)


def defines(text):
    """The --define NAME=VALUE pairs of a case's `// args:` line."""
    first = text.splitlines()[0] if text else ""
    if not first.startswith(ARGS_PREFIX):
        return []
    words = first[len(ARGS_PREFIX):].split()
    return [w.split("=", 1) for w in words if "=" in w]


def yarax_error(text):
    compiler = yara_x.Compiler()
    for name, value in defines(text):
        compiler.define_global(name, value)
    try:
        compiler.add_source(text)
        compiler.build()
    except Exception as error:  # yara_x raises CompileError
        message = str(error)
        position = POSITION.search(message)
        code = CODE.search(message)
        if position and code:
            return int(position[1]), int(position[2]), code[1], code[2]
    return None


def spoor_position(spoor, case, text):
    args = []
    first = text.splitlines()[0] if text else ""
    if first.startswith(ARGS_PREFIX):
        args = first[len(ARGS_PREFIX):].split()
    out = subprocess.run([spoor, "check", *args, case.name], cwd=CASES,
                         capture_output=True, text=True).stdout
    head = out.splitlines()[0] if out else ""
    parts = head.split(":")
    if len(parts) >= 3 and parts[1].isdigit() and parts[2].isdigit():
        return [int(parts[1]), int(parts[2])]
    return None


def main():
    spoor = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "debug" / "spoor")
    results = {}
    for case in sorted(CASES.glob("*.yar")):
        text = case.read_text()
        if "include" in text:
            continue
        error = yarax_error(text)
        if error is None:
            continue
        line, column, code, message = error
        ours = spoor_position(spoor, case, text)
        results[case.name] = {
            "line": line, "column": column, "code": code, "message": message,
            "spoor": ours, "agrees": ours == [line, column],
        }
    out = CASES / "yarax_positions.json"
    out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    agree = sum(r["agrees"] for r in results.values())
    print(f"{len(results)} cases with a YARA-X error, {agree} at the same line:column")
    for name, r in results.items():
        if not r["agrees"]:
            print(f"  differs: {name}: YARA-X {r['line']}:{r['column']} {r['code']} "
                  f"({r['message']}), spoor {r['spoor']}")


if __name__ == "__main__":
    main()
