#!/usr/bin/env python3
"""Confirms the conformance cases against the reference implementations.

Runs every case of tests/data/conformance/*.toml through YARA-X (the PyPI
package `yara-x`) and writes what it reports into the case as
`expected_rules` and `expected_strings`. Where libyara (the PyPI package
`yara-python`) reports something else, the case also records libyara's answer
under `libyara`. The expectation follows YARA-X, as the project's rules say,
except in a case marked `follows = "libyara"` (with a `reason`): there YARA-X
has a bug spoor does not share, the expectation is libyara's answer and
YARA-X's goes under `yara_x` (see docs/differences.md). The versions used go
to tests/data/conformance/reference.toml.

    scripts/confirm_conformance.py            # (re)write expectations
    scripts/confirm_conformance.py --check    # only compare, exit 1 on a difference
    scripts/confirm_conformance.py --filter xor --verbose

The test suite (tests/conformance.rs) reads the stored expectations and never
needs the references installed.
"""

import argparse
import importlib.metadata
import sys

import conformance_cases as cc

try:
    import yara_x
except ImportError:
    sys.exit("yara-x is not installed: pip install yara-x")

try:
    import yara as libyara
except ImportError:
    libyara = None


class Answer:
    """What one implementation reported for one case."""

    def __init__(self, rules=None, strings=None, error=None):
        self.rules = sorted(rules or [])
        self.strings = sorted(strings or [], key=lambda s: (s["rule"], s["id"], s["offset"], s["length"]))
        self.error = error

    def __eq__(self, other):
        if not isinstance(other, Answer):
            return NotImplemented
        return (self.rules, self.strings, self.error) == (other.rules, other.strings, other.error)

    def describe(self, with_strings):
        if self.error:
            return {"error": self.error}
        out = {"rules": self.rules}
        if with_strings:
            out["strings"] = self.strings
        return out


def _string(rule, ident, offset, length):
    return {"rule": rule, "id": ident, "offset": offset, "length": length}


def run_yara_x(case, data):
    try:
        compiler = yara_x.Compiler()
        for name, value in case.get("externals", {}).items():
            compiler.define_global(name, value)
        compiler.add_source(case["rules"])
        rules = compiler.build()
    except Exception as e:  # the reference's own error type varies by version
        return Answer(error=f"compile: {e}")
    scanner = yara_x.Scanner(rules)
    try:
        results = scanner.scan(data)
    except Exception as e:
        return Answer(error=f"scan: {e}")
    names, strings = [], []
    for rule in results.matching_rules:
        names.append(rule.identifier)
        for pattern in rule.patterns:
            for m in pattern.matches:
                strings.append(_string(rule.identifier, pattern.identifier, m.offset, m.length))
    return Answer(names, strings)


def run_libyara(case, data):
    try:
        rules = libyara.compile(source=case["rules"], externals=case.get("externals", {}))
        matches = rules.match(data=data)
    except Exception as e:
        return Answer(error=f"{type(e).__name__}: {e}")
    names, strings = [], []
    for m in matches:
        names.append(m.rule)
        for s in m.strings:
            for i in s.instances:
                strings.append(_string(m.rule, s.identifier, i.offset, i.matched_length))
    return Answer(names, strings)


def looks_typed(value):
    """A string external that `--define k=v` would read as another type."""
    if value in ("true", "false"):
        return True
    for parse in (int, float):
        try:
            parse(value)
            return True
        except ValueError:
            pass
    return False


# The reference an expectation may follow, and the key that records the other
# reference's answer when it differs.
OTHER_KEY = {"yara-x": "libyara", "libyara": "yara_x"}


def stored_answer(case):
    if "expected_rules" not in case:
        return None
    return Answer(case["expected_rules"], case.get("expected_strings", []))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare only; write nothing")
    ap.add_argument("--filter", default="", help="only cases whose file or name contains this")
    ap.add_argument("--no-libyara", action="store_true", help="skip the libyara comparison")
    ap.add_argument("--verbose", action="store_true", help="print every disagreement in full")
    args = ap.parse_args()

    use_libyara = libyara is not None and not args.no_libyara
    total = changed = errors = 0
    disagreements = []
    names_seen = set()
    for path in cc.case_files():
        data = cc.load(path)
        dirty = False
        for case in data.get("case", []):
            qualified = f"{path.stem}::{case['name']}"
            if qualified in names_seen:
                print(f"DUPLICATE NAME {qualified}")
                errors += 1
            names_seen.add(qualified)
            if args.filter and args.filter not in qualified:
                continue
            total += 1
            for k, v in case.get("externals", {}).items():
                if isinstance(v, str) and looks_typed(v):
                    print(f"WARNING {qualified}: string external {k}={v!r} reads as another type on a command line")
            follows = case.get("follows", "yara-x")
            if follows not in OTHER_KEY or (follows == "libyara" and not case.get("reason")):
                print(f"ERROR {qualified}: follows = {follows!r} needs to be yara-x, or libyara with a reason")
                errors += 1
                continue
            if follows == "libyara" and not use_libyara:
                print(f"SKIPPED {qualified}: follows libyara, which is not compared")
                continue
            with_strings = case.get("print_strings", True)
            blob = cc.input_bytes(case)
            answers = {"yara-x": run_yara_x(case, blob)}
            if use_libyara:
                answers["libyara"] = run_libyara(case, blob)
            reference = answers[follows]
            if reference.error:
                print(f"ERROR {qualified}: {follows}: {reference.error}")
                errors += 1
                continue
            for answer in answers.values():
                if not with_strings:
                    answer.strings = []
            stored = stored_answer(case)
            if stored != reference:
                changed += 1
                if args.check or args.verbose:
                    print(f"CHANGED {qualified}: stored {stored and stored.describe(True)} {follows} {reference.describe(True)}")
                if not args.check:
                    case["expected_rules"] = reference.rules
                    case["expected_strings"] = reference.strings
                    dirty = True
            if not use_libyara:
                continue
            other_name = "libyara" if follows == "yara-x" else "yara-x"
            other_key, other = OTHER_KEY[follows], answers[other_name]
            # The key that would hold the followed reference's own answer is stale.
            if OTHER_KEY[other_name] in case and not args.check:
                del case[OTHER_KEY[other_name]]
                dirty = True
            if other != reference:
                record = other.describe(with_strings)
                disagreements.append((qualified, follows, reference.describe(with_strings), record))
                if case.get(other_key) != record and not args.check:
                    case[other_key] = record
                    dirty = True
            else:
                if follows == "libyara":
                    print(f"NOTE {qualified}: yara-x now agrees with libyara; `follows` can go")
                if other_key in case and not args.check:
                    del case[other_key]
                    dirty = True
        if dirty:
            cc.save(path, data)

    if not args.check and not args.filter:
        cc.REFERENCE_FILE.write_text(
            "# The reference implementations the stored expectations were confirmed with.\n"
            f'yara_x = "{importlib.metadata.version("yara-x")}"\n'
            f'libyara = "{libyara.YARA_VERSION if use_libyara else "not compared"}"\n'
            'expectations_follow = "yara-x"  # except cases marked follows = "libyara"\n',
            encoding="utf-8",
        )

    print(f"\n{total} cases, {changed} {'differ from' if args.check else 'updated in'} the stored expectations, {errors} errors")
    if use_libyara:
        print(f"{len(disagreements)} cases where libyara {libyara.YARA_VERSION} and yara-x disagree:")
        for name, follows, ours, theirs in disagreements:
            print(f"  {name} (expectation follows {follows})")
            if args.verbose:
                print(f"      {follows}: {ours}\n      other: {theirs}")
    return 1 if errors or (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
