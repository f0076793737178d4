#!/usr/bin/env python3
"""Builds synthetic zip, DEX and CRX files and records what YARA-X's `zip`,
`dex` and `crx` modules report for each, so tests/it/modules_formats.rs can
compare spoor field by field.

Zips come from Python's zipfile (stored, deflated, bzip2, lzma, comments,
directories, the encrypted flag, zip64 records, data prepended) and from
byte edits of them (duplicate and non-UTF-8 names, unknown methods, a broken
record). DEX and CRX files are written here from their specifications (see
dex_samples and crx_samples). Nothing here is malware.

Usage:
  formats_reference.py                 record: tests/data/{zip,dex,crx}/
  formats_reference.py --live DIR [MODULE...]
                                       build into DIR/{zip,dex,crx}/ with
                                       the reference beside (what the test
                                       runs when yara_x is installed)
  formats_reference.py --dump MODULE FILE...
                                       YARA-X's output for each FILE as one
                                       JSON object keyed by path

Each directory gets NAME.bin files and reference.json:
  {NAME: {"md5": ..., "module": <yara-x module output, bytes as {"hex"}>}}
"""
import hashlib
import io
import json
import pathlib
import struct
import sys
import zipfile

import yara_x

REPO = pathlib.Path(__file__).resolve().parent.parent
MODULES = ("zip", "dex", "crx")
# Fixed times keep the recorded samples byte for byte reproducible.
DATE = (2024, 5, 17, 12, 30, 0)


def normalise(v):
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return {"hex": bytes(v).hex()}
    return v


def module_outputs(module, files):
    rules = yara_x.compile(f'import "{module}" rule always {{ condition: true }}')
    scanner = yara_x.Scanner(rules)
    return {str(f): normalise(scanner.scan(pathlib.Path(f).read_bytes())
                              .module_outputs.get(module, {})) for f in files}


# ---------------------------------------------------------------- zip


def build_zip(members, comment=b"", compression=zipfile.ZIP_STORED):
    """`members`: (name, data, method or None, extra ZipInfo settings)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data, method, settings in members:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = compression if method is None else method
            for key, value in settings.items():
                setattr(info, key, value)
            z.writestr(info, data)
        z.comment = comment
    return out.getvalue()


def member(name, data=b"", method=None, **settings):
    return (name, data, method, settings)


def filler(n, seed=7):
    return bytes((i * 131 + seed) & 0xFF for i in range(n))


def zip64_archive():
    """Saturated sizes and offsets with zip64 extra fields and end records:
    zipfile writes them when a size passes its limits, lowered here."""
    limits = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 16, 1
    try:
        return build_zip([member("big.bin", filler(100)),
                          member("small.txt", b"tiny", zipfile.ZIP_DEFLATED)])
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits


def replace_all(data, old, new):
    assert len(old) == len(new) and old in data
    return data.replace(old, new)


def central_records(data):
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        yield at
        at = data.find(b"PK\x01\x02", at + 4)


def with_method(data, index, method):
    """The archive with the `index`th central record's method replaced."""
    at = list(central_records(data))[index]
    return data[:at + 10] + struct.pack("<H", method) + data[at + 12:]


def with_flags(data, index, flags):
    at = list(central_records(data))[index]
    return data[:at + 8] + struct.pack("<H", flags) + data[at + 10:]


def zip_samples():
    s = {}
    text = b"hello spoor\n" * 40
    s["stored"] = build_zip([member("a.txt", text), member("dir/", b""),
                             member("dir/b.bin", filler(300))])
    s["deflated"] = build_zip([member("a.txt", text), member("docs/readme.md", b"# x\n" * 50)],
                              compression=zipfile.ZIP_DEFLATED)
    s["mixed_methods"] = build_zip([
        member("s.txt", text, zipfile.ZIP_STORED),
        member("d.txt", text, zipfile.ZIP_DEFLATED),
        member("b.txt", text, zipfile.ZIP_BZIP2),
        member("l.txt", text, zipfile.ZIP_LZMA),
    ])
    s["comment"] = build_zip([member("a.txt", b"x")], comment=b"archive comment PK\x05\x06 inside")
    s["encrypted_flag"] = build_zip([member("secret.txt", filler(64), flag_bits=0x1),
                                     member("plain.txt", b"plain")])
    s["unicode_names"] = build_zip([member("r\u00e9sum\u00e9.txt", b"x"),
                                    member("\u6587\u4ef6/\u540d.txt", b"y")])
    s["empty"] = build_zip([])
    s["zip64"] = zip64_archive()
    dup = build_zip([member("AndroidManifest.xml", b"one"), member("AndroidManifesu.xml", b"two")])
    s["duplicate_names"] = replace_all(dup, b"AndroidManifesu.xml", b"AndroidManifest.xml")
    bad = build_zip([member("name_XX.txt", b"x")])
    s["invalid_utf8_name"] = replace_all(bad, b"name_XX.txt", b"name_\xff\xfe.txt")
    base = build_zip([member(f"m{i}.bin", filler(20, i)) for i in range(6)])
    for i, method in enumerate([1, 6, 7, 9, 93, 99]):
        base = with_method(base, i, method)
    s["unusual_methods"] = base
    s["strong_encryption_stops"] = with_flags(build_zip([member("a", b"1"), member("b", b"2"),
                                                         member("c", b"3")]), 1, 0x41)
    s["prepended"] = filler(500) + build_zip([member("payload.txt", text)])
    s["trailing_data"] = build_zip([member("a.txt", b"x")]) + filler(100)
    three = build_zip([member("one", b"1"), member("two", b"2"), member("three", b"3")])
    second = list(central_records(three))[1]
    s["broken_second_record"] = three[:second] + b"XX" + three[second + 2:]
    s["truncated"] = three[:-10]
    s["eocd_only"] = b"PK\x05\x06" + bytes(18)
    s["not_zip"] = filler(200)
    return s


# ---------------------------------------------------------------- main


SAMPLES = {"zip": zip_samples}


def record(root, modules):
    for module in modules:
        out = root / module
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.bin"):
            old.unlink()
        paths = {}
        for name, data in SAMPLES[module]().items():
            paths[name] = out / f"{name}.bin"
            paths[name].write_bytes(data)
        outputs = module_outputs(module, paths.values())
        reference = {name: {"md5": hashlib.md5(p.read_bytes()).hexdigest(),
                            "module": outputs[str(p)]} for name, p in paths.items()}
        (out / "reference.json").write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")
        print(module, len(reference), "samples")


def main(argv):
    if argv[:1] == ["--dump"]:
        json.dump(module_outputs(argv[1], argv[2:]), sys.stdout)
    elif argv[:1] == ["--live"]:
        record(pathlib.Path(argv[1]), argv[2:] or [m for m in MODULES if m in SAMPLES])
    else:
        record(REPO / "tests/data", [m for m in MODULES if m in SAMPLES])


if __name__ == "__main__":
    main(sys.argv[1:])
