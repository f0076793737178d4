#!/usr/bin/env python3
"""Differential fuzzing of conditions: spoor against YARA-X on generated rules.

Generates rules whose conditions mix integer, float and string arithmetic and
comparisons, bitwise operators and shifts (with overflow, division by zero and
undefined values), `for` loops, `of` over pattern and boolean sets, counts,
offsets and lengths of small patterns, the int8..uint32be readers, filesize and
ranges; generates a small input over a few byte values so the patterns match
often; and asks both engines which rules match. YARA-X answers in-process
(PyPI `yara-x`); spoor through `examples/verdicts.rs`, one long-lived process.

Rules are generated in batches that share one input; when a batch does not
compile in one engine, each of its rules is tried alone, so a rule one engine
rejects and the other accepts is found too. Every difference (a different set
of matching rules, or a rule only one engine compiles) is appended to --out as
one JSON line with the rule and the input, for reduction by hand.

    cargo build --release --example verdicts
    scripts/differential_conditions.py --seconds 600 [--seed N] [--verdicts BIN]

Exit status 1 when a difference was found.
"""

import argparse
import json
import os
import pathlib
import random
import subprocess
import sys
import time

import yara_x

REPO = pathlib.Path(__file__).resolve().parent.parent
BATCH = 16
ALPHABET = b"ab\x00\x01\xff\x80c"

PATTERNS = {
    "$a": '"ab"',
    "$b": "{ 61 ?? 62 }",
    "$c": "/b+c?/",
    "$d": '"a" nocase',
    "$e": "{ 00 [0-2] 01 }",
}
EDGE_INTS = [
    "0", "1", "-1", "2", "7", "8", "31", "32", "63", "64", "65", "255", "256",
    "0x7fffffffffffffff", "(-0x7fffffffffffffff - 1)", "0x80000000", "0xffffffff",
    "-128", "1KB", "1MB", "0o17",
]
READERS = [
    "int8", "int16", "int32", "uint8", "uint16", "uint32",
    "int8be", "int16be", "int32be", "uint8be", "uint16be", "uint32be",
]
STRINGS = ['""', '"a"', '"ab"', '"AB"', '"abc"', '"b"', '"a\\x00b"', '"\\xff"', '"aB"']
REGEXES = ["/a/", "/^ab/", "/b$/", "/a.c/i", "/(a|b)+/", "/^$/", "/\\x00/"]


class Gen:
    """Random well-typed expressions; `loop_vars` are the for-loop variables in scope."""

    def __init__(self, rng):
        self.r = rng
        self.loop_vars = []

    def pick(self, *options):
        return self.r.choice(options)

    def pattern(self):
        return self.r.choice(list(PATTERNS))

    def small(self):
        return str(self.r.randint(0, 12))

    def int_(self, d):
        r = self.r
        if d <= 0 or r.random() < 0.3:
            choices = [
                lambda: r.choice(EDGE_INTS),
                lambda: str(r.randint(-5, 40)),
                lambda: "filesize",
                lambda: "#" + self.pattern()[1:],
                lambda: f"#{self.pattern()[1:]} in ({self.small()}..{self.small()})",
                lambda: f"@{self.pattern()[1:]}[{r.randint(0, 4)}]",
                lambda: f"!{self.pattern()[1:]}[{r.randint(0, 4)}]",
                lambda: "@" + self.pattern()[1:],
                lambda: "!" + self.pattern()[1:],
                lambda: f"{r.choice(READERS)}({self.small()})",
            ]
            if self.loop_vars:
                choices.append(lambda: r.choice(self.loop_vars))
            return r.choice(choices)()
        ops = ["+", "-", "*", "\\", "%", "&", "|", "^", "<<", ">>"]
        binary = lambda: f"({self.int_(d - 1)} {r.choice(ops)} {self.int_(d - 1)})"
        unary = lambda: f"{r.choice(['-', '~'])}{self.int_(d - 1)}"
        read = lambda: f"{r.choice(READERS)}({r.choice([self.int_(d - 1), self.small()])})"
        # Arithmetic first: half of the compound integers are binary.
        return r.choice([binary, binary, unary, read])()

    def float_(self, d):
        r = self.r
        if d <= 0 or r.random() < 0.4:
            return r.choice(["0.5", "1.0", "2.5", "-0.25", "1e3", "0.0", "3.0"])
        op = r.choice(["+", "-", "*", "\\"])
        left, right = self.num(d - 1), self.num(d - 1)
        if "." not in left + right and "e" not in left + right:
            left = "0.5"
        return f"({left} {op} {right})"

    def num(self, d):
        return self.float_(d) if self.r.random() < 0.3 else self.int_(d)

    def str_(self):
        return self.r.choice(STRINGS)

    def bool_(self, d):
        r = self.r
        if d <= 0 or r.random() < 0.15:
            return r.choice([
                lambda: r.choice(["true", "false"]),
                lambda: self.pattern(),
                lambda: f"{self.pattern()} at {self.int_(1)}",
                lambda: f"{self.pattern()} in ({self.int_(1)}..{self.int_(1)})",
                lambda: f"defined {self.int_(1)}",
                lambda: f"{self.int_(1)} {r.choice(['==', '!=', '<', '>', '<=', '>='])} {self.int_(1)}",
            ])()
        choices = [
            lambda: f"({self.bool_(d - 1)} {r.choice(['and', 'or'])} {self.bool_(d - 1)})",
            lambda: f"not {self.bool_(d - 1)}",
            lambda: f"defined ({self.bool_(d - 1)})",
            lambda: f"{self.num(d)} {r.choice(['==', '!=', '<', '>', '<=', '>='])} {self.num(d)}",
            lambda: f"{self.str_()} {r.choice(['==', '!=', '<', '>', 'contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'iequals'])} {self.str_()}",
            lambda: f"{self.str_()} matches {r.choice(REGEXES)}",
            lambda: self.of(d),
            lambda: self.for_int(d),
            lambda: self.for_of(d),
            lambda: f"{self.pattern()} at {self.int_(d - 1)}",
            lambda: f"{self.pattern()} in ({self.int_(d - 1)}..{self.int_(d - 1)})",
        ]
        return r.choice(choices)()

    def pattern_set(self):
        r = self.r
        return r.choice([
            "them",
            "($*)",
            "($a, $b)",
            "($a*, $c)",
            f"({', '.join(r.sample(list(PATTERNS), r.randint(1, 4)))})",
        ])

    def quantifier(self, d):
        r = self.r
        return r.choice(["any", "all", "none", "1", "2", "0", f"{r.randint(0, 100)}%",
                         f"{self.int_(1)}"])

    def weighted(self, *options):
        """Calls one of the (weight, make) options, chosen by weight."""
        weights, makers = zip(*options)
        return self.r.choices(makers, weights)[0]()

    def of(self, d):
        r = self.r
        # `(... or false)`: a bare `$a` would make the tuple a pattern set.
        bools = lambda: ", ".join(f"({self.bool_(d - 1)} or false)" for _ in range(r.randint(1, 3)))
        return self.weighted(
            (20, lambda: f"{self.quantifier(d)} of ({bools()})"),
            (15, lambda: f"{self.quantifier(d)} of {self.pattern_set()} in ({self.int_(1)}..{self.int_(1)})"),
            (10, lambda: f"{self.quantifier(d)} of {self.pattern_set()} at {self.int_(1)}"),
            # Not a count that may be 0: YARA-X's `0 of` an unanchored
            # pattern set depends on its pattern ids (docs/differences.md).
            (55, lambda: f"{r.choice(['any', 'all', 'none', '1', '2', '50%'])} of {self.pattern_set()}"),
        )

    def for_int(self, d):
        r = self.r
        var = f"i{len(self.loop_vars)}"
        if r.random() < 0.6:
            source = f"({self.int_(1)}..{self.int_(1)})"
        else:
            source = "(" + ", ".join(self.int_(1) for _ in range(r.randint(1, 4))) + ")"
        self.loop_vars.append(var)
        body = self.bool_(d - 1)
        self.loop_vars.pop()
        return f"for {self.quantifier(d)} {var} in {source} : ({body})"

    def for_of(self, d):
        r = self.r
        body = r.choice([
            "$",
            f"$ at {self.int_(1)}",
            f"# > {self.small()}",
            f"@ {r.choice(['<', '>', '=='])} {self.small()}",
            f"! == {r.randint(1, 3)}",
            f"$ in (0..{self.small()})",
        ])
        return f"for {self.quantifier(d)} of {self.pattern_set()} : ({body})"


def rule_text(name, condition):
    strings = "\n    ".join(f"{k} = {v}" for k, v in PATTERNS.items())
    # `any of them or true` references every pattern (YARA-X rejects unused
    # ones) without changing the verdict.
    return (f"rule {name} {{\n  strings:\n    {strings}\n  condition:\n"
            f"    ({condition}) and (any of them or true)\n}}\n")


class Spoor:
    """The long-lived `verdicts` example."""

    def __init__(self, binary):
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def ask(self, rules, data):
        self.proc.stdin.write(json.dumps({"rules": rules, "data": data.hex()}) + "\n")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("verdicts exited (a panic?): " + rules)
        answer = json.loads(line)
        return ("error", answer["error"]) if "error" in answer else ("ok", sorted(answer["matched"]))


def yara_x_ask(rules, data):
    try:
        compiled = yara_x.compile(rules)
    except Exception as e:  # YARA-X raises CompileError (and others) on bad rules
        return ("error", str(e).splitlines()[0])
    scanner = yara_x.Scanner(compiled)
    scanner.set_timeout(5)
    try:
        results = scanner.scan(data)
    except Exception as e:
        return ("error", str(e).splitlines()[0])
    return ("ok", sorted(r.identifier for r in results.matching_rules))


def libyara_ask(rules, data):
    """libyara's answer (PyPI `yara-python`), or None when it is not installed."""
    try:
        import yara
    except ImportError:
        return None
    try:
        return ("ok", sorted(m.rule for m in yara.compile(source=rules).match(data=data, timeout=5)))
    except Exception as e:  # yara.SyntaxError, yara.TimeoutError...
        return ("error", str(e).splitlines()[0])


def compare(spoor, rules, data):
    """Both engines' answers when they differ in kind or in matching rules, else None."""
    ours, theirs = spoor.ask(rules, data), yara_x_ask(rules, data)
    if ours[0] == "ok" and theirs[0] == "error" and "timeout" in theirs[1]:
        return None  # YARA-X too slow: no verdict to compare with
    if ours[0] != theirs[0] or (ours[0] == "ok" and ours[1] != theirs[1]):
        return ours, theirs
    return None


def run_batch(spoor, gen, data, out, stats):
    conditions = [gen.bool_(gen.r.randint(1, 4)) for _ in range(BATCH)]
    rules = "".join(rule_text(f"r{i}", c) for i, c in enumerate(conditions))
    ours, theirs = spoor.ask(rules, data), yara_x_ask(rules, data)
    stats["rules"] += BATCH
    if ours[0] == theirs[0] == "ok":
        wrong = set(ours[1]) ^ set(theirs[1])
        for name in sorted(wrong):
            report(out, stats, rule_text("r", conditions[int(name[1:])]), data,
                   verdict(name in ours[1]), verdict(name in theirs[1]))
        return
    # One rule (or more) does not compile somewhere: try each alone.
    for condition in conditions:
        text = rule_text("r", condition)
        found = compare(spoor, text, data)
        if found:
            report(out, stats, text, data, found[0], found[1])
        elif spoor.ask(text, data)[0] == "error":
            stats["rejected_by_both"] += 1


def report(out, stats, rules, data, spoor_says, yara_x_says):
    """Records a difference; one where libyara answers as spoor does is
    counted apart: a candidate YARA-X bug (conformance `follows = "libyara"`)."""
    libyara = libyara_ask(rules, data)
    alone = libyara is not None and libyara == spoor_says
    stats["yara_x_alone" if alone else "differences"] += 1
    line = {"rules": rules, "input_hex": data.hex(), "spoor": spoor_says, "yara_x": yara_x_says,
            "libyara": libyara, "yara_x_alone": alone}
    out.write(json.dumps(line) + "\n")
    out.flush()


def verdict(matched):
    """The answer of an engine that did (or did not) match the one rule `r`."""
    return ("ok", ["r"] if matched else [])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--verdicts", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", REPO / "target"), "release", "examples", "verdicts"))
    ap.add_argument("--out", default="/tmp/spoor-differential-conditions.jsonl")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    spoor = Spoor(args.verdicts)
    stats = {"rules": 0, "differences": 0, "yara_x_alone": 0, "rejected_by_both": 0}
    deadline = time.monotonic() + args.seconds
    with open(args.out, "a") as out:
        while time.monotonic() < deadline:
            data = bytes(rng.choice(ALPHABET) for _ in range(rng.randint(0, 24)))
            run_batch(spoor, Gen(rng), data, out, stats)
    print(f"seed {seed}: {stats['rules']} rules, {stats['differences']} differences, "
          f"{stats['yara_x_alone']} more where libyara agrees with spoor "
          f"({stats['rejected_by_both']} rejected by both) -> {args.out}")
    return 1 if stats["differences"] else 0


if __name__ == "__main__":
    sys.exit(main())
