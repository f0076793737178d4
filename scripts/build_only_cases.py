#!/usr/bin/env python3
"""Records, or re-confirms, YARA-X's verdict on the build-only cases.

tests/data/build_only/cases.json lists rules that parse and type-check
but that only a full build (patterns compiled) can judge: regexes that can
match the empty string, texts too short for base64, oversized regexes,
bad base64 alphabets, and valid neighbours of each. For every case it
holds YARA-X's verdict ("accepts" or "rejects") as the PyPI package
yara_x gives it; tests/it/build_check.rs asserts spoor's `check` and
`scan` against it (cases where spoor deviates are marked "deviation" and
explained in docs/differences.md).

    scripts/build_only_cases.py           # compare, exit 1 on a change
    scripts/build_only_cases.py --write   # store YARA-X's verdicts
"""

import json
import os
import sys

import yara_x

CASES = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "build_only", "cases.json")


def verdict(rule):
    try:
        yara_x.compile(rule)
        return "accepts"
    except Exception:  # yara_x.CompileError
        return "rejects"


def main():
    write = "--write" in sys.argv[1:]
    with open(CASES, encoding="utf-8") as handle:
        data = json.load(handle)
    changed = 0
    for case in data["cases"]:
        found = verdict(case["rule"])
        if case.get("yara_x") != found:
            changed += 1
            print(f"{case['name']}: stored {case.get('yara_x')}, YARA-X {found}")
            case["yara_x"] = found
    data["yara_x_version"] = yara_x.__version__ if hasattr(yara_x, "__version__") else "unknown"
    if write:
        with open(CASES, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
    print(f"{len(data['cases'])} cases, {changed} differ from the stored verdicts")
    return 1 if changed and not write else 0


if __name__ == "__main__":
    sys.exit(main())
