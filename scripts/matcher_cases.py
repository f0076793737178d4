#!/usr/bin/env python3
"""Write the YARA-X expectations of the matcher's differential test.

    scripts/matcher_cases.py > src/matcher/testdata/yara_x_cases.json

Each case is one pattern declaration (as written after `$a =` in a rule) and
some data; YARA-X gives the expected matches, or an error when it refuses the
pattern. Hand-written cases cover the corners; generated ones (fixed seed, so
the file is reproducible) cover text/hex/regex patterns over a small alphabet
that makes overlaps, word boundaries and case variants likely. The Rust test
(`src/matcher/tests.rs`, `yara_x_differential`) reads the file, so the default
test run does not need yara_x installed.
"""
import json
import random

import yara_x

HAND_WRITTEN = [
    ('"aa"', b"aaaa"),
    ('"ab" fullword', b"ab xab ab1 ab"),
    ('"ab" wide fullword', b"a\x00b\x00 x\x00a\x00b\x00 \x00a\x00b\x00"),
    ('"ab" xor(1-2) wide', b"\x60\x01\x63\x01"),
    ('"ab" xor fullword', b"a\x60\x63 \x63\x60"),
    ('"This program" base64', b"VGhpcyBwcm9ncmFt VGhpcyBwcm9ncmFtIGNhbm5vdA=="),
    ('"abcd" base64 wide', b"YQBiAGMAZAA="),
    ('"abc" base64 ascii wide', b"Y\x00W\x00J\x00j\x00 YWJj"),
    ('"abc" base64wide', b"Y\x00W\x00J\x00j\x00"),
    ('{ 61 [1-3] 62 }', b"axbxb"),
    ('{ 61 ( 62 | 62 63 ) }', b"abc"),
    ('/b+/', b"bbb"),
    ('/a.*?b/', b"aabab"),
    ('/a(b|bc)/', b"abc"),
    ('/\\bab\\b/', b"ab xab ab"),
    ('/ab\\b/ wide', b"a\x00b\x00 \x00"),
    ('/ab\\b/ wide', b"a\x00b\x00c\x00"),
    ('/\\bab/ wide', b"c\x00a\x00b\x00 \x00a\x00b\x00"),
    ('/a\\Bb/ wide', b"a\x00b\x00"),
    ('/ab/ wide nocase', b"A\x00b\x00"),
]

TEXT_CHARS = "abAB_ 1"
DATA_BYTES = b"aAbB_ 1\x00\n"
TEXT_MODIFIERS = ["nocase", "wide", "ascii", "fullword", "xor(0-2)", "private"]
REGEX_MODIFIERS = ["nocase", "wide", "ascii", "fullword"]
HEX_BYTES = ["61", "62", "41", "00", "20", "??", "6?", "?1", "~61", "~6?"]
REGEX_ATOMS = ["a", "b", "A", "_", " ", ".", "[ab]", "[^a]", "\\w", "\\W", "\\d",
               "\\s", "\\x00", "(a|b)", "(ab|a)", "(a|ab)"]
REGEX_QUANTIFIERS = ["", "", "", "*", "+", "?", "{1,2}", "{,2}", "{2}", "*?", "+?", "??",
                     "{1,3}?"]


def text_case(rng):
    text = "".join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(1, 4)))
    modifiers = rng.sample(TEXT_MODIFIERS, rng.randint(0, 3))
    return '"%s" %s' % (text, " ".join(modifiers))


def hex_tokens(rng, depth):
    tokens = [rng.choice(HEX_BYTES[:5])]
    for _ in range(rng.randint(0, 4)):
        roll = rng.random()
        if roll < 0.15:
            low = rng.randint(0, 2)
            tokens.append(rng.choice(["[%d]" % low, "[%d-%d]" % (low, low + rng.randint(0, 2)),
                                      "[%d-]" % low]))
            tokens.append(rng.choice(HEX_BYTES[:5]))
        elif roll < 0.3 and depth < 2:
            alternatives = [" ".join(hex_tokens(rng, depth + 1)) for _ in range(2)]
            tokens.append("( %s )" % " | ".join(alternatives))
        else:
            tokens.append(rng.choice(HEX_BYTES))
    return tokens


def hex_case(rng):
    return "{ %s }" % " ".join(hex_tokens(rng, 0))


def regex_case(rng):
    pieces = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.1:
            pieces.append(rng.choice(["\\b", "\\B", "^", "$"]))
        else:
            pieces.append(rng.choice(REGEX_ATOMS) + rng.choice(REGEX_QUANTIFIERS))
    flags = rng.choice(["", "", "i", "s"])
    modifiers = rng.sample(REGEX_MODIFIERS, rng.randint(0, 2))
    return "/%s/%s %s" % ("".join(pieces), flags, " ".join(modifiers))


def data_for(rng):
    return bytes(rng.choice(DATA_BYTES) for _ in range(rng.randint(0, 40)))


def expectation(declaration, data):
    # `private` hides a pattern's matches from the results; it does not change
    # them, so YARA-X is asked without it.
    visible = " ".join(word for word in declaration.split(" ") if word != "private")
    source = "rule r { strings: $a = %s condition: $a }" % visible
    case = {"pattern": declaration, "data": data.hex()}
    try:
        rules = yara_x.compile(source)
    except yara_x.CompileError:
        case["error"] = True
        return case
    case["matches"] = [
        [m.offset, m.length, m.xor_key]
        for rule in rules.scan(data).matching_rules
        for pattern in rule.patterns
        for m in pattern.matches
    ]
    return case


def main():
    rng = random.Random(20261125)
    cases = [expectation(declaration, data) for declaration, data in HAND_WRITTEN]
    for make in [text_case, hex_case, regex_case] * 200:
        cases.append(expectation(make(rng).strip(), data_for(rng)))
    print(json.dumps(cases, indent=0))


if __name__ == "__main__":
    main()
