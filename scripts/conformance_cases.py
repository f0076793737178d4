"""Reading and writing the conformance case files (tests/data/conformance/*.toml).

One file per feature area. Each file holds a top-level `area` (a one-line
description) and an array of `[[case]]` tables:

    name             unique within the file
    note             optional: what the case is about, when the name is not enough
    follows          optional, default "yara-x": the reference the expectation
                     follows; "libyara" where YARA-X has a bug spoor does not share
    reason           required with follows = "libyara": why (docs/differences.md)
    module           optional: the module the case exercises (module cases only)
    externals        optional: {name = value}; passed as `--define name=value`
    rules            the rule text
    input            the scanned bytes as text (UTF-8), or
    input_hex        the scanned bytes as hex (spaces allowed)
    input_repeat     optional: the input is repeated this many times
    print_strings    optional, default true: compare the reported string matches
    expected_rules   sorted names of the matching rules        } written by
    expected_strings [{rule, id, offset, length}] sorted       } confirm_conformance.py
    libyara          optional: what libyara reported when it disagrees with YARA-X
    yara_x           with follows = "libyara": what YARA-X reported instead

The writer emits one canonical layout, so a file read and written back is
unchanged; keep notes in `note`, not in comments (comments are not kept).
"""

import json
import pathlib
import tomllib

CASE_DIR = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "conformance"
REFERENCE_FILE = CASE_DIR / "reference.toml"

# Keys in the order the writer emits them.
CASE_KEYS = (
    "name",
    "note",
    "follows",
    "reason",
    "known_deviation",
    "module",
    "externals",
    "rules",
    "input",
    "input_hex",
    "input_repeat",
    "print_strings",
    "expected_rules",
    "expected_strings",
    "libyara",
    "yara_x",
)


def case_files():
    """Every case file, in name order (reference.toml is not one)."""
    return sorted(p for p in CASE_DIR.glob("*.toml") if p != REFERENCE_FILE)


def load(path):
    """The parsed file: {"area": str, "case": [dict, ...]}."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    unknown = set(data) - {"area", "case"}
    if unknown:
        raise ValueError(f"{path}: unknown top-level keys {sorted(unknown)}")
    for case in data.get("case", []):
        extra = set(case) - set(CASE_KEYS)
        if extra:
            raise ValueError(f"{path}: case {case.get('name')}: unknown keys {sorted(extra)}")
    return data


def input_bytes(case):
    """The bytes a case scans."""
    if "input_hex" in case:
        data = bytes.fromhex(case["input_hex"])
    else:
        data = case.get("input", "").encode("utf-8")
    return data * case.get("input_repeat", 1)


def _basic_string(text):
    """A TOML basic string; JSON escapes are valid TOML escapes for this alphabet."""
    return json.dumps(text, ensure_ascii=False)


def _rules_string(text):
    """Rule text as a multi-line literal string when it can be one."""
    if "'''" in text or "\r" in text or any(ord(c) < 0x20 and c not in "\n\t" for c in text):
        return _basic_string(text)
    if not text.endswith("\n"):
        return _basic_string(text)
    return "'''\n" + text + "'''"


def _value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _basic_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _key(key):
    if key and all(c.isalnum() or c in "_-" for c in key):
        return key
    return _basic_string(key)


def dump(data):
    """The canonical text of a case file."""
    out = [f"area = {_basic_string(data['area'])}\n"]
    for case in data.get("case", []):
        out.append("\n[[case]]\n")
        for key in CASE_KEYS:
            if key not in case:
                continue
            value = case[key]
            if key == "rules":
                out.append(f"rules = {_rules_string(value)}\n")
            elif key in ("expected_strings",) and value:
                out.append("expected_strings = [\n")
                out.extend(f"  {_value(v)},\n" for v in value)
                out.append("]\n")
            else:
                out.append(f"{key} = {_value(value)}\n")
    return "".join(out)


def save(path, data):
    """Writes `data` canonically; rule text is given a final newline."""
    for case in data.get("case", []):
        if not case["rules"].endswith("\n"):
            case["rules"] += "\n"
    text = dump(data)
    if tomllib.loads(text) != data:
        raise AssertionError(f"{path}: the writer does not round-trip")
    path.write_text(text, encoding="utf-8")
