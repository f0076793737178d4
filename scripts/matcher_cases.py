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
import base64
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


STANDARD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ROTATED = STANDARD[1:] + STANDARD[:1]


def wide(data):
    return b"".join(bytes([byte, 0]) for byte in data)


def base64_case(rng):
    """A base64 pattern and data holding the text encoded at some alignment."""
    text = "".join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(3, 6)))
    custom = rng.random() < 0.3
    kind = rng.choice(["base64", "base64wide", "base64 wide", "base64 ascii wide",
                       "base64 base64wide"])
    if custom:
        kind = kind.replace("base64wide", 'base64wide("%s")' % ROTATED.decode())
        kind = kind.replace("base64 ", 'base64("%s") ' % ROTATED.decode(), 1)
        if kind == "base64":
            kind = 'base64("%s")' % ROTATED.decode()
    source = text.encode()
    if " wide" in kind and rng.random() < 0.5:
        source = wide(source)
    plain = bytes(rng.choice(DATA_BYTES) for _ in range(rng.randint(0, 3))) + source
    encoded = base64.b64encode(plain + b"x")
    if custom:
        encoded = encoded.translate(bytes.maketrans(STANDARD, ROTATED))
    if "base64wide" in kind and rng.random() < 0.5:
        encoded = wide(encoded)
    return '"%s" %s' % (text, kind), b"==" + encoded + b"=="


def xor_case(rng):
    """An xor pattern and data holding the text under some key."""
    text = "".join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(1, 4))).encode()
    low = rng.randint(0, 200)
    high = low + rng.randint(0, 55)
    modifiers = rng.choice(["", "wide", "ascii wide", "fullword", "wide fullword"])
    key = rng.randint(max(0, low - 2), high + 2) & 0xFF
    form = wide(text) if "wide" in modifiers and rng.random() < 0.6 else text
    data = data_for(rng) + bytes(byte ^ key for byte in form) + data_for(rng)
    return '"%s" xor(%d-%d) %s' % (text.decode(), low, high, modifiers), data


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
    for make in [base64_case, xor_case] * 60:
        declaration, data = make(rng)
        cases.append(expectation(declaration.strip(), data))
    print(json.dumps(cases, indent=0))


if __name__ == "__main__":
    main()
