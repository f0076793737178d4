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
  {NAME: {"md5": ..., "module": <yara-x module output, bytes as {"hex"}>,
          "calls": <function calls and results, as pe_reference.py has them>}}
"""
import hashlib
import io
import json
import pathlib
import struct
import sys
import zipfile
import zlib

import yara_x

from pe_reference import evaluate, normalise

REPO = pathlib.Path(__file__).resolve().parent.parent
MODULES = ("zip", "dex", "crx")
# Fixed times keep the recorded samples byte for byte reproducible.
DATE = (2024, 5, 17, 12, 30, 0)


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


# ---------------------------------------------------------------- dex
# Layout from the Dalvik executable format specification: a 0x70-byte
# header, the id tables (string, type, proto, field, method, class def),
# then the data section (type lists, string data, the map list).


def uleb128(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def mutf8(text):
    """Modified UTF-8: NUL as C0 80, characters past U+FFFF as surrogate
    pairs each encoded on three bytes."""
    out = b""
    for ch in text:
        c = ord(ch)
        if c == 0:
            out += b"\xc0\x80"
        elif c > 0xFFFF:
            c -= 0x10000
            for unit in (0xD800 | (c >> 10), 0xDC00 | (c & 0x3FF)):
                out += chr(unit).encode("utf-8", "surrogatepass")
        else:
            out += ch.encode("utf-8")
    return out


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


class Dex:
    """A DEX file from names: `types` are descriptors, `protos` are
    (shorty, return type, [parameter types]), `fields` (class, type, name),
    `methods` (class, proto index, name), `classes` (class, access flags,
    superclass or None, source file or None). Strings are collected from
    all of them, sorted as the format requires unless `sort` is false."""

    def __init__(self, types, protos=(), fields=(), methods=(), classes=(), extra_strings=(),
                 version=b"035", sort=True):
        self.version = version
        names = set(extra_strings) | set(types)
        for shorty, ret, params in protos:
            names |= {shorty, ret, *params}
        for cls, ty, name in fields:
            names |= {cls, ty, name}
        for cls, _, name in methods:
            names |= {cls, name}
        for cls, _, sup, src in classes:
            names |= {n for n in (cls, sup, src) if n is not None}
        key = (lambda s: s.encode("utf-16-be", "surrogatepass")) if sort else None
        self.strings = sorted(names, key=key) if sort else list(names)
        self.types = sorted(set(types) | {t for p in protos for t in (p[1], *p[2])}
                            | {f[0] for f in fields} | {f[1] for f in fields}
                            | {m[0] for m in methods} | {c[0] for c in classes}
                            | {c[2] for c in classes if c[2] is not None},
                            key=self.strings.index)
        self.protos = list(protos)
        self.fields = list(fields)
        self.methods = list(methods)
        self.classes = list(classes)

    def s(self, name):
        return self.strings.index(name)

    def t(self, name):
        return self.types.index(name)

    def build(self, patch=None):
        header_len = 0x78 if self.version >= b"041" else 0x70
        counts = [len(self.strings), len(self.types), len(self.protos), len(self.fields),
                  len(self.methods), len(self.classes)]
        sizes = [4, 4, 12, 8, 8, 32]
        offsets, at = [], header_len
        for n, size in zip(counts, sizes):
            offsets.append(at if n else 0)
            at += n * size
        data_off = at
        data = b""
        param_lists = []
        for _, _, params in self.protos:
            if not params:
                param_lists.append(0)
                continue
            data += b"\0" * (-len(data) % 4)
            param_lists.append(data_off + len(data))
            data += struct.pack("<I", len(params)) + b"".join(struct.pack("<H", self.t(p)) for p in params)
        string_offsets = []
        for text in self.strings:
            string_offsets.append(data_off + len(data))
            data += uleb128(utf16_len(text)) + mutf8(text) + b"\0"
        data += b"\0" * (-len(data) % 4)
        map_off = data_off + len(data)
        kinds = [(0x0000, 1, 0)] + [(code, n, off) for code, n, off in zip(range(1, 7), counts, offsets) if n]
        kinds += [(0x2002, len(self.strings), string_offsets[0] if self.strings else 0), (0x1000, 1, map_off)]
        data += struct.pack("<I", len(kinds)) + b"".join(struct.pack("<HHII", k, 0, n, o) for k, n, o in kinds)
        tables = b"".join(struct.pack("<I", o) for o in string_offsets)
        tables += b"".join(struct.pack("<I", self.s(t)) for t in self.types)
        for (shorty, ret, _), params in zip(self.protos, param_lists):
            tables += struct.pack("<III", self.s(shorty), self.t(ret), params)
        for cls, ty, name in self.fields:
            tables += struct.pack("<HHI", self.t(cls), self.t(ty), self.s(name))
        for cls, proto, name in self.methods:
            tables += struct.pack("<HHI", self.t(cls), proto, self.s(name))
        for cls, flags, sup, src in self.classes:
            tables += struct.pack("<IIIIIIII", self.t(cls), flags,
                                  0xFFFFFFFF if sup is None else self.t(sup), 0,
                                  0xFFFFFFFF if src is None else self.s(src), 0, 0, 0)
        size = header_len + len(tables) + len(data)
        fields = {"file_size": size, "header_size": 0x70, "endian_tag": 0x12345678, "link_size": 0,
                  "link_off": 0, "map_off": map_off, "data_size": len(data), "data_off": data_off}
        fields.update(patch or {})
        header = bytearray(b"dex\n" + self.version + b"\0" + bytes(24))
        header += struct.pack("<IIIIII", fields["file_size"], fields["header_size"], fields["endian_tag"],
                              fields["link_size"], fields["link_off"], fields["map_off"])
        for n, off in zip(counts, offsets):
            header += struct.pack("<II", n, off)
        header += struct.pack("<II", fields["data_size"], fields["data_off"])
        if header_len == 0x78:
            header += struct.pack("<II", size, 0)
        for name, (at, fmt) in DEX_HEADER_PATCHES.items():
            if name in (patch or {}):
                struct.pack_into(fmt, header, at, patch[name])
        return sign_dex(bytes(header) + tables + data)


# Header fields a sample may overwrite after layout, by offset.
DEX_HEADER_PATCHES = {"string_ids_size": (56, "<I"), "type_ids_off": (68, "<I"),
                      "proto_ids_size": (72, "<I"), "method_ids_size": (88, "<I")}


def sign_dex(data):
    """The file with its SHA-1 signature and Adler-32 checksum filled in."""
    data = bytearray(data)
    data[12:32] = hashlib.sha1(data[32:]).digest()
    data[8:12] = struct.pack("<I", zlib.adler32(bytes(data[12:])))
    return bytes(data)


def app_dex(**kwargs):
    obj, string, ctx = "Ljava/lang/Object;", "Ljava/lang/String;", "Landroid/content/Context;"
    main, helper = "Lcom/example/Main;", "Lcom/example/Helper;"
    return Dex(
        types=[obj, string, ctx, main, helper, "V", "I", "Z"],
        protos=[("V", "V", []), ("VL", "V", [string]), ("ZLI", "Z", [ctx, "I"])],
        fields=[(main, string, "TAG"), (main, "I", "count"), (helper, ctx, "context")],
        methods=[(helper, 0, "<init>"), (main, 0, "<init>"), (main, 1, "log"), (main, 2, "check")],
        classes=[(main, 0x1, obj, "Main.java"), (helper, 0x11, obj, None)],
        extra_strings=["https://example.com/ping"], **kwargs)


def dex_samples():
    s = {}
    s["app"] = app_dex().build()
    s["app_v039"] = app_dex(version=b"039").build()
    s["app_v041"] = app_dex(version=b"041").build()
    s["non_ascii_strings"] = Dex(types=["LA;"], extra_strings=[
        "caf\u00e9", "\u6587\u4ef6", "emoji \U0001F600", "nul\0inside", "plain"]).build()
    s["unsorted_strings"] = app_dex(sort=False).build()
    s["unsorted_classes"] = Dex(types=[f"L{c};" for c in "cbaed"], classes=[
        (f"L{c};", 1, None, None) for c in "aebdc"]).build()
    s["no_superclass"] = Dex(types=["LRoot;"], classes=[("LRoot;", 0x601, None, None)]).build()
    bad = bytearray(s["app"])
    bad[-1] ^= 0xFF
    s["stale_checksum"] = bytes(bad)
    s["string_count_too_large"] = app_dex().build({"string_ids_size": 0x7FFFFFFF})
    s["method_count_too_large"] = app_dex().build({"method_ids_size": 0xFFFF})
    s["types_off_zero"] = app_dex().build({"type_ids_off": 0})
    s["map_off_zero"] = app_dex().build({"map_off": 0})
    s["reverse_endian_tag"] = app_dex().build({"endian_tag": 0x78563412})
    s["bad_endian_tag"] = app_dex().build({"endian_tag": 0x11111111})
    s["header_size_0x78"] = app_dex().build({"header_size": 0x78})
    s["file_size_too_large"] = app_dex().build({"file_size": 1 << 20})
    s["proto_count_too_large"] = app_dex().build({"proto_ids_size": 0x10000})
    s["version_034"] = app_dex(version=b"034").build()
    s["truncated_tables"] = s["app"][:0x70 + 40]
    s["header_only"] = s["app"][:0x70]
    s["not_dex"] = filler(300)
    return s


DEX_CALLS = [("checksum", []), ("signature", [])] + [
    (f, [{"str": a}]) for f, a in [
        ("contains_string", "TAG"), ("contains_string", "Ljava/lang/Object;"),
        ("contains_string", "https://example.com/ping"), ("contains_string", "missing"),
        ("contains_string", "caf\u00e9"), ("contains_method", "<init>"), ("contains_method", "log"),
        ("contains_method", "check"), ("contains_method", "missing"),
        ("contains_class", "Lcom/example/Main;"), ("contains_class", "Lcom/example/Helper;"),
        ("contains_class", "LRoot;"), ("contains_class", "Lmissing;")]] + [
    ("contains_class", [{"str": f"L{c};"}]) for c in "abcde"]


# ---------------------------------------------------------------- crx
# CRX3 from Chromium's crx_file.proto description: "Cr24", version 3, the
# length of a CrxFileHeader protocol buffer, the buffer, the zip. Proofs are
# signed over "CRX3 SignedData\0", the signed data's length (32 bits, little
# endian), the signed data and the zip. CRX2: "Cr24", 2, key and signature
# lengths, key, signature (RSA with SHA-1 over the zip), zip.


def pb_varint(n):
    return uleb128(n)


def pb_bytes(field, data):
    return pb_varint(field << 3 | 2) + pb_varint(len(data)) + data


def crx_keys():
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    return rsa.generate_private_key(65537, 2048), ec.generate_private_key(ec.SECP256R1())


def spki(key):
    from cryptography.hazmat.primitives import serialization
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def sign(key, message, sha1=False):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    algorithm = hashes.SHA1() if sha1 else hashes.SHA256()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), algorithm)
    return key.sign(message, ec.ECDSA(algorithm))


def extension_zip(manifest, extra=(), method=zipfile.ZIP_DEFLATED):
    body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    files = [member("manifest.json", body, method)] if manifest is not None else []
    files += [member(n, d, method) for n, d in extra]
    files.append(member("background.js", b"chrome.runtime.onInstalled.addListener(() => {});\n", method))
    return build_zip(files)


def crx3(archive, rsa_keys=(), ecdsa_keys=(), crx_id=None, tamper=False, signed_data=None,
         extra_header=b""):
    first = (rsa_keys or ecdsa_keys)[0]
    if crx_id is None:
        crx_id = hashlib.sha256(spki(first)).digest()[:16]
    if signed_data is None:
        signed_data = pb_bytes(1, crx_id)
    message = b"CRX3 SignedData\0" + struct.pack("<I", len(signed_data)) + signed_data + archive
    header = b""
    for field, keys in ((2, rsa_keys), (3, ecdsa_keys)):
        for key in keys:
            signature = sign(key, message)
            if tamper:
                signature = signature[:-1] + bytes([signature[-1] ^ 1])
            header += pb_bytes(field, pb_bytes(1, spki(key)) + pb_bytes(2, signature))
    header += extra_header + pb_bytes(10000, signed_data)
    return b"Cr24" + struct.pack("<II", 3, len(header)) + header + archive


def crx2(archive, key):
    public = spki(key)
    signature = sign(key, archive, sha1=True)
    return b"Cr24" + struct.pack("<III", 2, len(public), len(signature)) + public + signature + archive


MANIFEST = {
    "manifest_version": 3, "name": "Spoor Test Extension", "version": "1.2.3",
    "description": "A synthetic extension for tests", "minimum_chrome_version": "110",
    "homepage_url": "https://example.com/ext",
    "permissions": ["storage", "tabs", "scripting"], "host_permissions": ["https://*/*"],
    "optional_permissions": ["downloads"], "optional_host_permissions": ["http://localhost/*"],
    "background": {"service_worker": "background.js"},
}


def crx_samples():
    rsa_key, ec_key = crx_keys()
    other_rsa, _ = crx_keys()
    s = {}
    archive = extension_zip(MANIFEST)
    s["crx3_rsa"] = crx3(archive, [rsa_key])
    s["crx3_rsa_and_ecdsa"] = crx3(archive, [rsa_key, other_rsa], [ec_key])
    s["crx3_ecdsa_only"] = crx3(archive, ecdsa_keys=[ec_key])
    s["crx3_bad_signatures"] = crx3(archive, [rsa_key], [ec_key], tamper=True)
    localized = dict(MANIFEST, name="__MSG_appName__", description="__MSG_appDesc__",
                     default_locale="fr")
    messages = json.dumps({"appName": {"message": "Extension de test"},
                           "appDesc": {"message": "Pour les tests", "description": "x"}}).encode()
    s["crx3_locale_fr"] = crx3(extension_zip(localized, [("_locales/fr/messages.json", messages)]),
                               [rsa_key])
    no_default = dict(localized)
    del no_default["default_locale"]
    s["crx3_locale_en_default"] = crx3(extension_zip(no_default, [
        ("_locales/en/messages.json", messages)]), [rsa_key])
    s["crx3_locale_missing_key"] = crx3(extension_zip(dict(localized, name="__MSG_other__"), [
        ("_locales/fr/messages.json", messages)]), [rsa_key])
    s["crx3_locale_bad_entry"] = crx3(extension_zip(localized, [
        ("_locales/fr/messages.json", b'{"appName": {"text": "x"}}')]), [rsa_key])
    s["crx3_object_permission"] = crx3(extension_zip(dict(MANIFEST, permissions=[
        "storage", {"fileSystem": ["write"]}])), [rsa_key])
    s["crx3_numeric_version"] = crx3(extension_zip(dict(MANIFEST, version=3)), [rsa_key])
    s["crx3_no_permissions"] = crx3(extension_zip({"name": "Bare", "version": "0.1"}), [rsa_key])
    s["crx3_stored_manifest"] = crx3(extension_zip(MANIFEST, method=zipfile.ZIP_STORED), [rsa_key])
    s["crx3_no_manifest"] = crx3(extension_zip(None), [rsa_key])
    s["crx3_bad_json"] = crx3(extension_zip(b'{"name": "broken",'), [rsa_key])
    s["crx3_bom_manifest"] = crx3(extension_zip(b"\xef\xbb\xbf" + json.dumps(MANIFEST).encode()), [rsa_key])
    s["crx3_unknown_fields"] = crx3(archive, [rsa_key], extra_header=(
        pb_varint(5 << 3) + pb_varint(300) + pb_bytes(7, b"future") + b"\x4b\x25abcd\x4c"))
    s["crx3_custom_id"] = crx3(archive, [rsa_key], crx_id=bytes(range(16)))
    s["crx3_proof_without_signature"] = proof_without_signature(rsa_key, archive)
    s["crx3_no_signed_data"] = (lambda h: b"Cr24" + struct.pack("<II", 3, len(h)) + h + archive)(
        pb_bytes(2, pb_bytes(1, spki(rsa_key))))
    s["crx3_truncated_header"] = s["crx3_rsa"][:200]
    s["crx3_not_zip"] = crx3(filler(400), [rsa_key])
    s["crx2_rsa"] = crx2(archive, rsa_key)
    bad2 = bytearray(crx2(archive, rsa_key))
    bad2[-30] ^= 0xFF
    s["crx2_modified_archive"] = bytes(bad2)
    s["crx4"] = b"Cr24" + struct.pack("<II", 4, 0) + archive
    s["not_crx"] = archive
    return s


def proof_without_signature(key, archive):
    """A CRX3 whose only proof has a key and no signature (left out)."""
    signed_data = pb_bytes(1, bytes(16))
    header = pb_bytes(2, pb_bytes(1, spki(key))) + pb_bytes(10000, signed_data)
    return b"Cr24" + struct.pack("<II", 3, len(header)) + header + archive


CRX_CALLS = [("permhash", [])]


# ---------------------------------------------------------------- main


SAMPLES = {"zip": zip_samples, "dex": dex_samples, "crx": crx_samples}
CALLS = {"dex": DEX_CALLS, "crx": CRX_CALLS}


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
                            "module": outputs[str(p)],
                            "calls": evaluate(p.read_bytes(), module, CALLS.get(module, []))}
                     for name, p in paths.items()}
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
