#!/usr/bin/env python3
"""Confirms every case of tests/data/eval/cases.txt against YARA-X.

Usage: python3 tests/eval_confirm_yara_x.py  (needs `pip install yara-x`).
Prints each case whose expectation differs from what YARA-X reports and
exits 1 if there is any; the Rust test (tests/eval_conditions.rs) reads the
same file, so the stored expectations need no reference at test time.
"""
import pathlib
import sys

import yara_x

CASES = pathlib.Path(__file__).parent / "data" / "eval" / "cases.txt"


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] == "\\" and text[i + 1] == "x":
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        elif text[i] == "\\":
            out.extend({"n": b"\n", "\\": b"\\"}[text[i + 1]])
            i += 2
        else:
            out.extend(text[i].encode())
            i += 1
    return bytes(out)


def main():
    failures = 0
    total = 0
    for number, line in enumerate(CASES.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        expected, data, source = (field.strip() for field in line.split("|", 2))
        expected = [] if expected == "-" else expected.split(",")
        total += 1
        rules = yara_x.compile(source)
        found = [r.identifier for r in yara_x.Scanner(rules).scan(unescape(data)).matching_rules]
        if found != expected:
            failures += 1
            print(f"line {number}: expected {expected}, YARA-X {found}: {source}")
    print(f"{total} cases, {failures} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
