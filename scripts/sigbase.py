"""Shared helpers for the scripts that work on the signature-base ruleset.

Knows where the ruleset lives, which externals it needs, and how to pull rule
names, imports and plain text strings out of its files with a line-level
reader (enough for corpus building and grouping; the engines parse the rules
properly).
"""

import os
import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_RULES = REPO.parent / "shared" / "corpora" / "signature-base" / "yara"
DEFAULT_CORPUS = pathlib.Path("/tmp/spoor-diff-corpus")

# signature-base rules read these externals (THOR defines them); the issue fixes
# them to empty strings.
EXTERNALS = ("filename", "filepath", "extension", "filetype", "owner")

_RULE = re.compile(r"^\s*(?:(?:private|global)\s+)*rule\s+([A-Za-z_]\w*)")
_IMPORT = re.compile(r'^\s*import\s+"(\w+)"')
_TEXT_STRING = re.compile(r'^\s*\$\w*\s*=\s*"((?:[^"\\]|\\.)*)"\s*(.*)$')
_ESCAPE = re.compile(rb"\\(x[0-9A-Fa-f]{2}|.)")


def rule_files(rules_dir=DEFAULT_RULES):
    """The rule files of the set, sorted: `*.yar` and `*.yara`, recursively."""
    root = pathlib.Path(rules_dir)
    return sorted(p for p in root.rglob("*") if p.suffix in (".yar", ".yara") and p.is_file())


def read_rule_text(path):
    return pathlib.Path(path).read_text(encoding="utf-8", errors="surrogateescape")


def _unescape(text):
    raw = text.encode("utf-8", errors="surrogateescape")

    def one(m):
        e = m.group(1)
        if e[:1] == b"x":
            return bytes([int(e[1:], 16)])
        return {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"\\": b"\\", b'"': b'"'}.get(e, e)

    return _ESCAPE.sub(one, raw)


class RuleInfo:
    """A rule's name, its file, the file's imports and its plain text strings."""

    def __init__(self, name, path, imports):
        self.name = name
        self.path = path
        self.imports = imports
        # (bytes, modifiers) for each `$x = "..."` string
        self.text_strings = []


def parse_rules(rules_dir=DEFAULT_RULES):
    """Every rule of the set, in file order."""
    rules = []
    for path in rule_files(rules_dir):
        text = read_rule_text(path)
        imports = {m.group(1) for m in map(_IMPORT.match, text.splitlines()) if m}
        current = None
        for line in text.splitlines():
            m = _RULE.match(line)
            if m:
                current = RuleInfo(m.group(1), path, imports)
                rules.append(current)
                continue
            m = _TEXT_STRING.match(line)
            if m and current is not None:
                current.text_strings.append((_unescape(m.group(1)), m.group(2)))
    return rules


def relative(path, root):
    return os.path.relpath(path, root)
