#!/usr/bin/env python3
"""Builds synthetic Windows shortcuts and records what YARA-X's `lnk` module
reports for each, so tests/it/modules_lnk.rs can compare spoor field by
field without yara-x or pylnk3 installed.

The shortcuts come from PyPI `pylnk3` (the shapes real tools write) and
from a small writer below for what pylnk3 does not make: link info with a
volume ID, ANSI strings, tracker data blocks, and the oversized-carrier
shape (a payload appended after the terminal block, as ScarCruft's RokRAT
LNKs carry it). Truncated and damaged copies check the not-a-LNK path.
Nothing here is malware: the "payloads" are filler bytes.

Writes tests/data/lnk/NAME.lnk and tests/data/lnk/reference.json:
  {NAME: {"md5": ..., "lnk": <yara-x module output, bytes as {"hex"}>}}

Usage: python3 scripts/lnk_reference.py
"""
import hashlib
import json
import pathlib
import struct
import tempfile

import pylnk3
import yara_x

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests/data/lnk"
CLSID = bytes.fromhex("0114020000000000c000000000000046")
FILETIME = (11644473600 + 1_700_000_000) * 10_000_000


def normalise(v):
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return {"hex": bytes(v).hex()}
    return v


def pylnk(target, **kwargs):
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "x.lnk"
        pylnk3.for_file(target, str(path), **kwargs)
        return path.read_bytes()


def header(flags, attributes=0x20, show=1, icon=0, size=4096, times=(FILETIME, 0, FILETIME)):
    h = struct.pack("<I", 0x4C) + CLSID + struct.pack("<II", flags, attributes)
    h += struct.pack("<QQQ", *times)
    return h + struct.pack("<IIIHHII", size, icon, show, 0, 0, 0, 0)


def item(indicator, body):
    data = bytes([indicator]) + body
    return struct.pack("<H", len(data) + 2) + data


def id_list(*items):
    body = b"".join(items) + b"\0\0"
    return struct.pack("<H", len(body)) + body


def link_info(label=b"DATA", base=b"C:\\Users\\Public\\run.exe", unicode_header=False, suffix=b""):
    volume = struct.pack("<IIII", 16 + len(label) + 1, 3, 0xDEADBEEF, 16) + label + b"\0"
    header_size = 0x24 if unicode_header else 0x1C
    fixed = 28 + (8 if unicode_header else 0)
    vol_off = fixed
    base_off = vol_off + len(volume)
    suffix_off = base_off + len(base) + 1
    tail = volume + base + b"\0" + suffix + b"\0"
    extra = b""
    if unicode_header:
        ubase = (base.decode() + "\0").encode("utf-16-le")
        extra = ubase
        tail += extra
        uoffs = struct.pack("<II", fixed + len(tail) - len(extra), 0)
    else:
        uoffs = b""
    size = fixed + len(tail)
    flags = 1 | (2 if suffix else 0)
    return struct.pack("<IIIIIII", size, header_size, flags, vol_off, base_off, 0, suffix_off) + uoffs + tail


def strings(unicode, *values):
    out = b""
    for v in values:
        if unicode:
            units = v.encode("utf-16-le")
            out += struct.pack("<H", len(units) // 2) + units
        else:
            out += struct.pack("<H", len(v)) + v
    return out


def tracker():
    body = struct.pack("<II", 0x58, 0) + b"desktop-7q1\0".ljust(16, b"\0")
    body += bytes(range(16)) + bytes(range(16, 32)) + bytes(range(32, 48)) + bytes(range(48, 64))
    return struct.pack("<II", 0x60, 0xA0000003) + body


def filler(n):
    return bytes((i * 131 + 7) & 0xFF for i in range(n))


def samples():
    s = {}
    s["pylnk_cmd"] = pylnk(r"C:\Windows\System32\cmd.exe", arguments="/c echo hi",
                           description="Invoice", icon_file=r"C:\Windows\System32\shell32.dll",
                           icon_index=3, work_dir=r"C:\Users\Public", window_mode="Minimized")
    s["pylnk_carrier"] = s["pylnk_cmd"] + b"\x00" * 16 + filler(8192)
    s["pylnk_maximized"] = pylnk(r"D:\Tools\viewer.exe", window_mode="Maximized")
    root = item(0x1F, b"\x50" + bytes.fromhex("e04fd020ea3a6910a2d808002b30309d"))
    volume = item(0x2F, b"C:\\".ljust(22, b"\0"))
    entry = item(0x32, b"\0" + struct.pack("<IIH", 1234, 0, 0x20) + b"run.exe\0\0")
    net = item(0x41, b"\0\x80" + b"\\\\srv\\share\0")
    flags = 0x01 | 0x02 | 0x04 | 0x20 | 0x40
    s["ansi_linkinfo_tracker"] = (header(flags, show=7, icon=2) + id_list(root, volume, entry, net)
                                  + link_info(suffix=b"tail") + strings(False, b"Report", b"-enc AAAA",
                                                                        b"%SystemRoot%\\x.ico")
                                  + tracker() + b"\0\0\0\0")
    s["unicode_linkinfo"] = (header(0x02 | 0x10 | 0x80, attributes=0x2021)
                             + link_info(unicode_header=True, label=b"") + strings(True, "C:\\Temp")
                             + b"\0\0\0\0" + filler(300))
    s["ansi_invalid_utf8"] = header(0x04) + strings(False, b"caf\xe9 \xff") + b"\0\0\0\0"
    s["no_terminal_block"] = header(0)
    s["truncated"] = s["pylnk_cmd"][: len(s["pylnk_cmd"]) // 2]
    s["truncated_strings"] = s["pylnk_cmd"][:-30]
    s["truncated_tracker"] = s["ansi_linkinfo_tracker"][:-40]
    s["truncated_linkinfo"] = (header(0x02) + link_info())[:-5]
    s["bad_clsid"] = s["pylnk_cmd"][:4] + b"\0" * 16 + s["pylnk_cmd"][20:]
    s["old_times"] = header(0, times=(0, 1, 2**64 - 1)) + b"\0\0\0\0"
    s["empty_item"] = header(0x01) + id_list(struct.pack("<H", 2)[:0] + b"\x02\x00") + b"\0\0\0\0"
    s["not_lnk"] = filler(200)
    return s


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rules = yara_x.compile('import "lnk" rule always { condition: true }')
    reference = {}
    for name, data in samples().items():
        (OUT / f"{name}.lnk").write_bytes(data)
        output = yara_x.Scanner(rules).scan(data).module_outputs.get("lnk", {})
        reference[name] = {"md5": hashlib.md5(data).hexdigest(), "lnk": normalise(output)}
        print(name, len(data), "is_lnk" in output and output["is_lnk"])
    (OUT / "reference.json").write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
