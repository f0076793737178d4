#!/usr/bin/env python3
"""Computes reference results of the small modules' functions with YARA-X.

For every input and every call below, the script asks the PyPI `yara-x`
package for the result: each call is wrapped in `console.log("<id>:", call)`,
so the logged text is the value (YARA-X prints integers in decimal, floats
as Rust's shortest round-trip form, booleans as true/false), and no log line
means the call was undefined. `console` calls are scanned one at a time and
their own output is the result.

When `yara-python` is installed, each YARA-X result is also checked against
YARA (`call == value`, or `not defined call`), and the agreement is stored,
so the differences between the two references are on record.

Output: tests/data/modules_reference.json, read by tests/modules_reference.rs;
the default test run does not need either package.

Run from the repository root:  python3 scripts/modules_reference.py
"""

import base64
import json
import random
from decimal import Decimal
from pathlib import Path

import yara_x

try:
    import yara
except ImportError:  # the YARA cross-check is optional
    yara = None

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "modules_reference.json"
MODULES = ("math", "hash", "time", "console", "string")
IMPORTS = " ".join(f'import "{m}"' for m in MODULES)


def inputs():
    rng = random.Random(4)
    yield "empty", b""
    yield "one_byte", b"A"
    yield "hello", b"hello"
    yield "six_bytes", bytes([0, 0, 0, 255, 255, 255])
    yield "all_bytes", bytes(range(256))
    yield "zeros", bytes(100)
    yield "text", b"The quick brown fox jumps over the lazy dog.\n" * 20
    yield "random_4k", bytes(rng.randrange(256) for _ in range(4096))
    yield "skewed", bytes(rng.choice(b"\x00\x00\x00\x01\x02\xff") for _ in range(1000))


# Arguments are tagged with their YARA type: ("int", 3), ("float", 1.5),
# ("string", b"..."), ("bool", True).
def I(v):
    return ("int", v)


def F(v):
    return ("float", v)


def S(v):
    return ("string", v)


def B(v):
    return ("bool", v)


STRINGS = [b"", b"a", b"hello", b"abcabcabc", bytes(range(256)), b"\x00\x00\x00\xff\xff\xff" * 3]


def ranges(size):
    """(offset, length) pairs covering YARA's edge rules."""
    return [
        (0, size), (0, 0), (0, 1), (1, 3), (2, size), (size, 0), (size, 1),
        (size + 1, 1), (-1, 2), (0, -1), (3, 1_000_000), (size - 1, 1), (0, size + 10),
    ]


def calls(size):
    for offset, length in ranges(size):
        r = [I(offset), I(length)]
        for f in ("entropy", "mean", "serial_correlation", "monte_carlo_pi", "mode"):
            yield f"math.{f}", r
        for mean in (0.0, 127.5, 3.25):
            yield "math.deviation", r + [F(mean)]
        for byte in (0, 65, 255, 256, -1):
            yield "math.count", [I(byte)] + r
            yield "math.percentage", [I(byte)] + r
        for f in ("md5", "sha1", "sha256", "crc32", "checksum32"):
            yield f"hash.{f}", r
    for byte in (0, 65, 255, 256, -1):
        yield "math.count", [I(byte)]
        yield "math.percentage", [I(byte)]
    yield "math.mode", []


def constant_calls():
    """Calls that do not depend on the input."""
    for s in STRINGS:
        for f in ("entropy", "mean", "serial_correlation", "monte_carlo_pi"):
            yield f"math.{f}", [S(s)]
        yield "math.deviation", [S(s), F(127.5)]
        yield "math.deviation", [S(s), F(0.0)]
        for f in ("md5", "sha1", "sha256", "crc32", "checksum32"):
            yield f"hash.{f}", [S(s)]
        yield "string.length", [S(s)]
    for x, lo, hi in [(1.0, 0.0, 2.0), (0.0, 0.0, 0.0), (2.5, 3.0, 4.0), (-1.5, -2.0, -1.0)]:
        yield "math.in_range", [F(x), F(lo), F(hi)]
    for x, lo, hi in [(1, 0, 2), (5, 0, 4), (-3, -3, -3)]:
        yield "math.in_range", [I(x), I(lo), I(hi)]
    for a, b in [(1, 2), (-1, 1), (5, 5), (-7, -9)]:
        yield "math.min", [I(a), I(b)]
        yield "math.max", [I(a), I(b)]
    for x in (0, 5, -5, 9223372036854775807):
        yield "math.abs", [I(x)]
    for b in (True, False):
        yield "math.to_number", [B(b)]
    for n in (0, 255, -255, 9223372036854775807):
        yield "math.to_string", [I(n)]
        for base in (2, 8, 10, 16, 3, 0, 36):
            yield "math.to_string", [I(n), I(base)]
    for text in [b"0", b"12", b"-12", b"+7", b"  42", b"0x1F", b"-0x10", b"010", b"0b1", b"12abc",
                 b"", b" ", b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808",
                 b"0x", b"z", b"1 ", b"\t-3"]:
        yield "string.to_int", [S(text)]
        for base in (0, 2, 8, 10, 16, 36, 1, 37, -1):
            yield "string.to_int", [S(text), I(base)]


CONSOLE_CALLS = [
    ("console.log", [S(b"plain")]),
    ("console.log", [S(b"caf\xc3\xa9")]),
    ("console.log", [S(b"bad\xff\x00end")]),
    ("console.log", [S(b"a="), S(b"b")]),
    ("console.log", [S(b"n="), I(-5)]),
    ("console.log", [S(b"f="), F(1.0)]),
    ("console.log", [S(b"f="), F(0.1)]),
    ("console.log", [S(b"f="), F(-2.5)]),
    ("console.log", [S(b"b="), B(False)]),
    ("console.log", [I(3)]),
    ("console.log", [I(-9223372036854775807)]),
    ("console.log", [F(2.5)]),
    ("console.log", [F(100000000000000000000.0)]),
    ("console.log", [B(True)]),
    ("console.hex", [I(255)]),
    ("console.hex", [I(-1)]),
    ("console.hex", [S(b"h="), I(16)]),
]


def literal(arg):
    kind, v = arg
    if kind == "int":
        return str(v)
    if kind == "float":
        # The exact decimal expansion of the double, so YARA parses it back
        # to the same value; YARA float literals need a decimal point.
        text = format(Decimal(v), "f")
        return text if "." in text else text + ".0"
    if kind == "bool":
        return "true" if v else "false"
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}" for b in v) + '"'


def call_text(function, args):
    return f"{function}({', '.join(literal(a) for a in args)})"


def json_arg(arg):
    kind, v = arg
    if kind == "string":
        return {"string": base64.b64encode(v).decode()}
    return {kind: v}


def scan_logs(source, data):
    logs = []
    scanner = yara_x.Scanner(yara_x.compile(source))
    scanner.console_log(logs.append)
    scanner.scan(data)
    return logs


def reference_values(cases, data):
    """YARA-X's logged text per case, None when undefined."""
    rules = "\n".join(
        f'rule r{i} {{ condition: console.log("{i}:", {call_text(f, a)}) }}'
        for i, (f, a) in enumerate(cases))
    values = [None] * len(cases)
    for line in scan_logs(f"{IMPORTS}\n{rules}", data):
        index, _, value = line.partition(":")
        values[int(index)] = value
    return values


def result_type(function, args):
    return RESULT_TYPES[(function, tuple(k for k, _ in args))]


def yara_literal(value, rtype):
    if rtype == "float":
        return literal(("float", float(value)))
    if rtype == "string":
        return literal(("string", value.encode()))
    return value


def yara_agrees(function, args, value, rtype, data):
    """Whether YARA gives the same result, None if it cannot say."""
    if yara is None:
        return None
    call = call_text(function, args)
    if value is None:
        condition = f"not defined {call}"
    elif rtype == "float" and value in ("NaN", "inf", "-inf"):
        return None
    elif rtype == "bool":
        condition = call if value == "true" else f"not {call}"
    else:
        condition = f"{call} == {yara_literal(value, rtype)}"
    try:
        rules = yara.compile(source=f"{IMPORTS} rule r {{ condition: {condition} }}")
    except yara.SyntaxError:
        return "rejected"
    return bool(rules.match(data=data))


# Result types by (function, argument kinds), as the modules declare them:
# they tell how to write a logged value back as a YARA literal.
RESULT_TYPES = {}
for f in ("entropy", "mean", "serial_correlation", "monte_carlo_pi"):
    RESULT_TYPES[(f"math.{f}", ("int", "int"))] = "float"
    RESULT_TYPES[(f"math.{f}", ("string",))] = "float"
RESULT_TYPES.update({
    ("math.deviation", ("int", "int", "float")): "float",
    ("math.deviation", ("string", "float")): "float",
    ("math.count", ("int", "int", "int")): "int",
    ("math.count", ("int",)): "int",
    ("math.percentage", ("int", "int", "int")): "float",
    ("math.percentage", ("int",)): "float",
    ("math.mode", ("int", "int")): "int",
    ("math.mode", ()): "int",
    ("math.in_range", ("float", "float", "float")): "bool",
    ("math.in_range", ("int", "int", "int")): "bool",
    ("math.min", ("int", "int")): "int",
    ("math.max", ("int", "int")): "int",
    ("math.abs", ("int",)): "int",
    ("math.to_number", ("bool",)): "int",
    ("math.to_string", ("int",)): "string",
    ("math.to_string", ("int", "int")): "string",
    ("string.to_int", ("string",)): "int",
    ("string.to_int", ("string", "int")): "int",
    ("string.length", ("string",)): "int",
})
for f in ("md5", "sha1", "sha256"):
    RESULT_TYPES[(f"hash.{f}", ("int", "int"))] = "string"
    RESULT_TYPES[(f"hash.{f}", ("string",))] = "string"
for f in ("crc32", "checksum32"):
    RESULT_TYPES[(f"hash.{f}", ("int", "int"))] = "int"
    RESULT_TYPES[(f"hash.{f}", ("string",))] = "int"


def case_records(cases, data):
    records = []
    for (function, args), value in zip(cases, reference_values(cases, data)):
        rtype = result_type(function, args)
        records.append({
            "function": function,
            "args": [json_arg(a) for a in args],
            "type": rtype,
            "yara_x": value,
            "yara_agrees": yara_agrees(function, args, value, rtype, data),
        })
    return records


def console_records():
    records = []
    for function, args in CONSOLE_CALLS:
        logs = scan_logs(f"{IMPORTS} rule r {{ condition: {call_text(function, args)} }}", b"")
        records.append({
            "function": function,
            "args": [json_arg(a) for a in args],
            "messages": logs,
        })
    return records


def compact_json(value, indent=""):
    """JSON with one case per line: small, and a changed result shows as a
    one-line diff. Only the document, its lists of cases and inputs, and
    the inputs themselves are spread over lines."""
    inner = indent + " "
    if isinstance(value, dict) and ("cases" in value or "inputs" in value):
        items = [f"{inner}{json.dumps(k)}: {compact_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        items = [inner + compact_json(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value, separators=(",", ":"))


def main():
    document = {
        "generator": "scripts/modules_reference.py",
        "reference": "yara-x (PyPI)",
        "constant_cases": case_records(list(constant_calls()), b""),
        "inputs": [],
        "console": console_records(),
    }
    for name, data in inputs():
        document["inputs"].append({
            "name": name,
            "data": base64.b64encode(data).decode(),
            "cases": case_records(list(calls(len(data))), data),
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(compact_json(document) + "\n")
    total = len(document["constant_cases"]) + sum(len(i["cases"]) for i in document["inputs"])
    disagreements = sum(
        1 for c in document["constant_cases"] + [c for i in document["inputs"] for c in i["cases"]]
        if c["yara_agrees"] not in (True, None))
    print(f"{total} cases, {len(document['console'])} console calls, "
          f"{disagreements} where YARA differs from YARA-X -> {OUT}")


if __name__ == "__main__":
    main()
