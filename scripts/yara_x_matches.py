#!/usr/bin/env python3
"""Print the matches YARA-X reports for one pattern over some data.

Used to confirm the expectations of the matcher's unit tests (src/matcher/).

    scripts/yara_x_matches.py '<pattern declaration>' '<data as a Python bytes expression>'

e.g. scripts/yara_x_matches.py '"ab" wide fullword' "b'a\\x00b\\x00 '"
prints one line per match: offset length [xor_key], or the compile error.
"""

import sys

import yara_x


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    pattern, data = sys.argv[1], eval(sys.argv[2], {"__builtins__": {}})
    source = "rule r { strings: $a = %s condition: $a }" % pattern
    try:
        rules = yara_x.compile(source)
    except yara_x.CompileError as error:
        print("compile error:", str(error).splitlines()[0])
        return 1
    for rule in rules.scan(data).matching_rules:
        for pat in rule.patterns:
            for m in pat.matches:
                key = "" if m.xor_key is None else " key=%d" % m.xor_key
                print("%d %d%s" % (m.offset, m.length, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
