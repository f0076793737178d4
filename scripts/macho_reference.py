#!/usr/bin/env python3
"""Records what YARA-X's `macho` module reports, so that
tests/it/modules_macho.rs can compare spoor field by field and call by
call without yara-x installed.

Two kinds of inputs:
- real Mach-O files from pinned macOS packages (wheels with native
  extensions for arm64, x86_64 and universal2, and esbuild's darwin-arm64
  npm package): the test fetches the same artifacts at test time and checks
  each member's MD5 before comparing, so no binary is committed;
- small synthetic files built below for what the packages lack: 32-bit and
  big-endian files, LC_UNIXTHREAD for each CPU type YARA-X decodes, rpaths,
  linker options, dylinker, entitlements and certificates (made with
  openssl) in a code signature, an export trie with re-exports and stubs, universal binaries with FAT_MAGIC_64, one
  or no slice parsing, and truncated copies. They are written to
  tests/data/macho/NAME.macho (a few hundred bytes each).

Writes tests/data/macho/reference.json:
  {"artifacts": [{"fetch": ..., "members": {PATH: {"md5", "macho", "calls"}}}],
   "samples": {NAME: {"md5", "macho", "calls"}},
   "constants": {NAME: value}}
"macho" is YARA-X's module output (bytes as {"hex"}, datetimes as epoch
seconds, enum values as names); "calls" as in scripts/pe_reference.py.
"constants" holds the value YARA-X gives each constant spoor declares.

Usage: python3 scripts/macho_reference.py
       python3 scripts/macho_reference.py --outputs FILE...
  --outputs: only YARA-X's normalised module output for each FILE, one
  JSON line each ({"file", "macho"}), written to standard output; used live
  by the mutants test of tests/it/modules_macho.rs (needs yara-x only).
"""
import hashlib
import io
import json
import pathlib
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import yara_x

from pe_reference import I, S, evaluate, normalise

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/data/macho"

# (kind, requirement, platform): what tests/it/modules_macho.rs fetches.
ARTIFACTS = [
    ("wheel", "markupsafe==3.0.3", "macosx_11_0_arm64"),
    ("wheel", "markupsafe==3.0.3", "macosx_10_9_x86_64"),
    ("wheel", "markupsafe==3.0.2", "macosx_10_9_universal2"),
    ("wheel", "psutil==7.2.2", "macosx_11_0_arm64"),
    ("npm", "@esbuild/darwin-arm64@0.25.0", None),
]


def fetch(kind, requirement, platform, tmp):
    """The Mach-O members of an artifact: {path: bytes}."""
    if kind == "wheel":
        subprocess.run(["pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.11", "--platform", platform, "--dest", tmp,
                        requirement], check=True)
        (wheel,) = pathlib.Path(tmp).glob("*.whl")
        with zipfile.ZipFile(wheel) as z:
            return {n: z.read(n) for n in z.namelist() if n.endswith(".so")}
    subprocess.run(["npm", "pack", "--silent", requirement], check=True, cwd=tmp,
                   stdout=subprocess.DEVNULL)
    (tgz,) = pathlib.Path(tmp).glob("*.tgz")
    with tarfile.open(tgz) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.name.endswith("bin/esbuild")}


def calls_for(output):
    """Function calls worth checking on a file with this module output."""
    files = output.get("file") or [output]
    calls = [(h, []) for h in ("dylib_hash", "entitlement_hash", "export_hash", "import_hash")]
    for name in ("has_dylib", "has_rpath", "has_entitlement", "has_import", "has_export"):
        calls.append((name, [S("no such thing")]))
    for f in files:
        for d in f.get("dylibs", [])[:3]:
            name = d["name"].decode("latin-1")
            calls += [("has_dylib", [S(name)]), ("has_dylib", [S(name.upper())])]
        for r in f.get("rpaths", [])[:2]:
            calls.append(("has_rpath", [S(r.decode("latin-1").upper())]))
        for e in f.get("entitlements", [])[:3]:
            calls.append(("has_entitlement", [S(e.upper())]))
        for e in f.get("imports", [])[:3] + f.get("imports", [])[-2:]:
            calls.append(("has_import", [S(e)]))
        for e in f.get("exports", [])[:3] + f.get("exports", [])[-2:]:
            calls += [("has_export", [S(e)]), ("has_export", [S(e.lower())])]
    for a in output.get("fat_arch", []) + [{"cputype": 7, "cpusubtype": 3}]:
        for name in ("file_index_for_arch", "entry_point_for_arch"):
            calls += [(name, [I(a["cputype"])]), (name, [I(a["cputype"]), I(a["cpusubtype"])]),
                      (name, [I(a["cputype"]), I(a["cpusubtype"] + 1)])]
    return calls


RULES = None


def output_of(data):
    global RULES
    RULES = RULES or yara_x.compile('import "macho" rule always { condition: true }')
    return yara_x.Scanner(RULES).scan(data).module_outputs.get("macho", {})


def record(data):
    output = output_of(data)
    return {"md5": hashlib.md5(data).hexdigest(), "macho": normalise(output),
            "calls": evaluate(data, "macho", calls_for(output))}


# --- synthetic files -------------------------------------------------------

CPU = {"x86": 7, "x86_64": 0x01000007, "arm": 12, "arm64": 0x0100000C, "ppc": 18,
       "ppc64": 0x01000012, "sparc": 14, "m68k": 6, "m88k": 13, "mips": 8}
# Thread state size and program counter offset by CPU type.
THREAD = {"x86": (64, 40, 4), "x86_64": (168, 128, 8), "arm": (68, 60, 4), "arm64": (268, 256, 8),
          "ppc": (160, 0, 4), "ppc64": (308, 0, 8), "sparc": (72, 4, 4), "m68k": (72, 68, 4),
          "m88k": (136, 124, 4)}


class Builder:
    """A Mach-O file: header, load commands, then a data area that the
    commands point into (offsets are known once the commands are sized)."""

    def __init__(self, cpu, big=False, bits=64, filetype=2, flags=0x00200085):
        self.e = ">" if big else "<"
        self.bits, self.cpu, self.filetype, self.flags = bits, cpu, filetype, flags
        self.commands = []  # functions of the data base offset -> bytes
        self.data = b""

    def p(self, fmt, *v):
        return struct.pack(self.e + fmt, *v)

    def word(self, v):
        return self.p("Q" if self.bits == 64 else "I", v)

    def add(self, cmd, body):
        self.commands.append(lambda base, cmd=cmd, body=body:
                             self.p("II", cmd, 8 + len(body(base) if callable(body) else body))
                             + (body(base) if callable(body) else body))

    def blob(self, data):
        """Places data in the data area; returns its offset in it."""
        at = len(self.data)
        self.data += data
        self.data += b"\0" * (-len(self.data) % 8)
        return at

    def header_size(self):
        return 32 if self.bits == 64 else 28

    def build(self):
        sizes = sum(len(c(0)) for c in self.commands)
        base = self.header_size() + sizes
        cmds = b"".join(c(base) for c in self.commands)
        magic = 0xFEEDFACF if self.bits == 64 else 0xFEEDFACE
        head = self.p("IIIIIII", magic, CPU[self.cpu], 3, self.filetype, len(self.commands), len(cmds), self.flags)
        if self.bits == 64:
            head += self.p("I", 0)
        return head + cmds + self.data

    # Load commands.
    def segment(self, name, vmaddr, vmsize, fileoff, filesize, sections=()):
        sect = b""
        for sname, addr, size, offset, flags in sections:
            sect += sname.ljust(16, b"\0") + name.ljust(16, b"\0") + self.word(addr) + self.word(size)
            sect += self.p("IIIIIII", offset, 4, 0, 0, flags, 1, 2) + (self.p("I", 3) if self.bits == 64 else b"")
        body = (name.ljust(16, b"\0") + self.word(vmaddr) + self.word(vmsize) + self.word(fileoff)
                + self.word(filesize) + self.p("IIII", 7, 5, len(sections), 0x4) + sect)
        self.add(0x19 if self.bits == 64 else 0x01, body)

    def thread(self, pc):
        size, at, width = THREAD.get(self.cpu, (16, 0, 4))
        state = bytearray(size)
        state[at:at + width] = self.p("Q" if width == 8 else "I", pc)
        self.add(0x05, self.p("II", 1, size // 4) + bytes(state))

    def string_command(self, cmd, s):
        self.add(cmd, self.p("I", 12) + s + b"\0" * (4 - len(s) % 4))

    def dylib(self, cmd, name, ts, cur, compat):
        self.add(cmd, self.p("IIII", 24, ts, cur, compat) + name + b"\0" * (8 - len(name) % 8))


def trie():
    """An export trie: root -> "_" -> {"f" (regular, with child "oo"), "r"
    (re-export), "s" (stub and resolver), "w" (weak)}."""
    def uleb(n):
        out = b""
        while True:
            b, n = n & 0x7F, n >> 7
            out += bytes([b | (0x80 if n else 0)])
            if not n:
                return out
    nodes = {}
    nodes["f"] = lambda o: uleb(2) + b"\x00\x10" + b"\x01" + b"oo\0" + uleb(o["foo"])
    nodes["foo"] = lambda o: uleb(3) + b"\x00\x90\x01" + b"\x00"
    nodes["r"] = lambda o: uleb(5) + b"\x08\x01_x\0" + b"\x00"
    nodes["s"] = lambda o: uleb(3) + b"\x10\x01\x02" + b"\x00"
    nodes["w"] = lambda o: uleb(2) + b"\x04\x20" + b"\x00"
    nodes["_"] = lambda o: uleb(0) + b"\x04" + b"".join(k.encode() + b"\0" + uleb(o[k]) for k in "frsw")
    root = lambda o: uleb(0) + b"\x01" + b"_\0" + uleb(o["_"])
    order = ["_", "f", "foo", "r", "s", "w"]
    offsets = {k: 0 for k in order}
    for _ in range(3):  # offsets settle once sizes do
        at = len(root(offsets))
        for k in order:
            offsets[k] = at
            at += len(nodes[k](offsets))
    return root(offsets) + b"".join(nodes[k](offsets) for k in order)


def bind_opcodes(names):
    out = b"\x11\x72\x10"
    for n in names:
        out += b"\x40" + n + b"\0" + b"\x90"
    return out + b"\x60\x7f\xa0\x08\xc0\x01\x02\x00"


ENTITLEMENTS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>com.apple.security.app-sandbox</key>
\t<true/>
\t<key>com.apple.security.application-groups</key>
\t<array>
\t\t<string>group.one</string>
\t\t<string>group.two</string>
\t\t<string>group.one</string>
\t</array>
\t<key>keychain-access-groups</key>
\t<array><string>not.listed</string></array>
</dict>
</plist>
"""


def code_signature(entitlements, cms=None):
    """A super blob indexing a code directory stub, the entitlements, an
    entry past the end and, when given, a CMS blob."""
    ent = struct.pack(">II", 0xFADE7171, 8 + len(entitlements)) + entitlements
    cd = struct.pack(">II", 0xFADE0C02, 16) + b"\0" * 8
    wrapper = struct.pack(">II", 0xFADE0B01, 8 + len(cms)) + cms if cms else b""
    count = 4 if cms else 3
    head = 12 + count * 8
    index = struct.pack(">II", 0, head) + struct.pack(">II", 5, head + len(cd)) + struct.pack(">II", 7, 0xFFFF)
    if cms:
        index += struct.pack(">II", 0x10000, head + len(cd) + len(ent))
    body = cd + ent + wrapper
    return struct.pack(">III", 0xFADE0CC0, head + len(body), count) + index + body


def cms_signature(indefinite):
    """A detached CMS signature by a certificate of a throwaway CA, made
    with openssl (BER with indefinite lengths when `indefinite`, as Apple's
    signatures are, else DER)."""
    with tempfile.TemporaryDirectory() as tmp:
        def run(*args):
            subprocess.run(["openssl", *args], cwd=tmp, check=True, capture_output=True)
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "3650", "-subj", "/C=US/O=Example Root Org/OU=Testing Unit/CN=Example Root CA")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "dev.key", "-out", "dev.csr", "-subj",
            "/UID=ABCDE12345/CN=Developer ID Application: Spoor Tests (ABCDE12345)"
            "/OU=ABCDE12345/O=Spoor Tests, Inc./C=US/emailAddress=dev@example.com")
        run("x509", "-req", "-in", "dev.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "dev.pem", "-days", "365")
        pathlib.Path(tmp, "cd").write_bytes(b"code directory")
        run("cms", "-sign", "-binary", "-noattr", "-outform", "DER", "-signer", "dev.pem", "-inkey",
            "dev.key", "-certfile", "ca.pem", "-in", "cd", "-out", "sig", *(["-stream"] if indefinite else []))
        return pathlib.Path(tmp, "sig").read_bytes()


def chained_fixups(names):
    """A `dyld_chained_fixups_header` with one import (format 1) per name."""
    pool = b"\0"
    entries = b""
    for i, name in enumerate(names):
        entries += struct.pack("<I", 1 + i % 2 | (len(pool) << 9))
        pool += name + b"\0"
    head = struct.pack("<IIIIIII", 0, 28, 32, 32 + len(entries), len(names), 1, 0) + b"\0" * 4
    return head + entries + pool


def full(cpu, big, bits, linkedit="dyld_info", cms=None):
    """A file with one of each command the module reads; `linkedit` says
    where exports and imports are: "dyld_info", "modern" (an exports trie
    and chained fixups) or "symtab" (neither command)."""
    b = Builder(cpu, big=big, bits=bits, filetype=6)
    text = [(b"__text", 0x1000, 0x100, 0x1000, 0x80000400), (b"__cstring", 0x1100, 0x20, 0x1100, 0x2)]
    b.segment(b"__PAGEZERO", 0, 0x1000, 0, 0)
    b.segment(b"__TEXT", 0x1000, 0x1000, 0, 0x2000, text)
    b.dylib(0x0D, b"@rpath/libsynthetic.dylib", 1, 0x00010203, 0x00010000)
    b.dylib(0x0C, b"/usr/lib/libSystem.B.dylib", 2, 0x05210000, 0x00010000)
    b.dylib(0x80000018, b"/System/Library/Frameworks/Security.framework/Security", 0, 0x3F0000, 0x10000)
    b.string_command(0x8000001C, b"@loader_path/../lib")
    b.string_command(0x8000001C, b"/opt/Lib")
    b.string_command(0x0E, b"/usr/lib/dyld")
    b.add(0x2D, b.p("I", 3) + b"-lz\0-framework\0Cocoa\0\0\0\0")
    b.add(0x1B, bytes(range(0x10, 0x20)))
    b.add(0x2A, b.p("Q", (1205 << 40) | (3 << 30) | (70 << 20) | (5 << 10) | 9))
    b.add(0x25, b.p("II", 0x000E0200, 0x00100000))
    b.add(0x32, b.p("IIII", 1, 0x000B0000, 0x000E0100, 2) + b.p("IIII", 3, 0x03E80100, 4, 0x00070200))
    b.add(0x80000028, b.p("QQ", 0x1040, 0x80000))
    b.thread(0x1010)
    names = [b"_printf", b"_malloc", b"_printf"]
    bind = b.blob(bind_opcodes(names))
    weak = b.blob(bind_opcodes([b"__ZdlPv"]))
    lazy = b.blob(bind_opcodes([b"_free", b"\xffbad"]))
    exports = b.blob(trie())
    strtab = b"\0_main\0_helper\0 \0_printf\0"
    nsyms = [(1, 0x0F, 1, 0, 0x1000), (7, 0x0F, 1, 8, 0x1040), (15, 0x24, 0, 0, 0), (17, 0x01, 0, 0x100, 0), (0, 0x64, 0, 0, 0)]
    symtab = b.blob(b"".join(b.p("IBBH", s, t, sec, d) + b.word(v) for s, t, sec, d, v in nsyms))
    strings = b.blob(strtab)
    signature = b.blob(code_signature(ENTITLEMENTS, cms))
    if linkedit == "dyld_info":
        b.add(0x80000022, lambda base: b.p("IIIIIIIIII", 0, 0, base + bind, len(bind_opcodes(names)),
                                           base + weak, 16, base + lazy, 24, base + exports, len(trie())))
    elif linkedit == "modern":
        fixups = chained_fixups([b"_objc_msgSend", b"_exit", b"_objc_msgSend", b"\xff"])
        at = b.blob(fixups)
        b.add(0x80000033, lambda base: b.p("II", base + exports, len(trie())))
        b.add(0x80000034, lambda base: b.p("II", base + at, len(fixups)))
    b.add(0x02, lambda base: b.p("IIII", base + symtab, len(nsyms), base + strings, len(strtab)))
    b.add(0x0B, b.p("I" * 18, *range(1, 19)))
    b.add(0x1D, lambda base: b.p("II", base + signature, len(code_signature(ENTITLEMENTS, cms))))
    return b.build()


def thread_only(cpu, big=False, bits=32):
    b = Builder(cpu, big=big, bits=bits, filetype=2, flags=1)
    b.segment(b"__TEXT", 0x4000, 0x1000, 0x0, 0x1000)
    b.thread(0x4123)
    return b.build()


def fat(slices, magic=0xCAFEBABE, archs=None):
    """A universal binary; `archs` overrides the table entries."""
    wide = magic == 0xCAFEBABF
    entries, body, at = [], b"", 0x1000
    for cpu, sub, data in slices:
        entries.append((cpu, sub, at, len(data), 12))
        body += data.ljust(-(-len(data) // 0x1000) * 0x1000, b"\0")
        at += -(-len(data) // 0x1000) * 0x1000
    head = struct.pack(">II", magic, len(archs or entries))
    for cpu, sub, off, size, align in archs or entries:
        head += struct.pack(">IIQQII" if wide else ">IIIII", cpu, sub, off, size, align, *([0] if wide else []))
    return head.ljust(0x1000, b"\0") + body


def samples():
    s = {}
    s["full_le64_arm64"] = full("arm64", False, 64)
    s["full_be32_ppc"] = full("ppc", True, 32)
    s["full_le32_x86"] = full("x86", False, 32)
    s["full_be64_ppc64"] = full("ppc64", True, 64)
    s["modern_le64_arm64"] = full("arm64", False, 64, linkedit="modern")
    s["symtab_le64_x86_64"] = full("x86_64", False, 64, linkedit="symtab")
    s["signed_der_arm64"] = full("arm64", False, 64, cms=cms_signature(indefinite=False))
    s["signed_ber_x86_64"] = full("x86_64", False, 64, linkedit="modern", cms=cms_signature(indefinite=True))
    for cpu in THREAD:
        s[f"thread_{cpu}"] = thread_only(cpu, big=cpu in ("ppc", "sparc", "m68k", "m88k"),
                                         bits=64 if cpu in ("x86_64", "arm64", "ppc64") else 32)
    s["thread_mips"] = thread_only("mips")
    x86_64, arm64 = full("x86_64", False, 64), s["full_le64_arm64"]
    s["fat_two"] = fat([(CPU["x86_64"], 3, x86_64), (CPU["arm64"], 0, arm64)])
    s["fat64_two"] = fat([(CPU["x86_64"], 3, x86_64), (CPU["arm64"], 0, arm64)], magic=0xCAFEBABF)
    s["fat_one_parses"] = fat([(CPU["x86_64"], 3, b"\0" * 64), (CPU["arm64"], 0, arm64)])
    s["fat_none_fit"] = fat([], archs=[(7, 3, 0x100000, 0x1000, 12), (12, 0, 0x40, 0x10, 2)])
    s["fat_table_cut"] = struct.pack(">II", 0xCAFEBABE, 40) + b"\0" * 50
    s["cut_in_commands"] = arm64[:600]
    s["cut_in_linkedit"] = arm64[: len(arm64) - 300]
    s["header_only"] = arm64[:32]
    s["header_cut"] = arm64[:20]
    bad = bytearray(arm64)
    bad[16:20] = struct.pack("<I", 0xFFFFFFFF)  # ncmds
    s["many_ncmds"] = bytes(bad)
    s["not_macho"] = b"\x7fELF" + bytes(range(200))
    return s


def constants():
    """YARA-X's value of every constant spoor's declaration names."""
    text = (ROOT / "src/modules/macho/declaration.rs").read_text()
    names = re.findall(r'\("([A-Z][A-Za-z0-9_]*)", (?:0x[0-9a-f_]+|\d+)\)', text)
    rules = ['import "macho"', 'import "console"']
    rules += [f'rule c{i} {{ condition: console.log("{n}=", macho.{n}) }}' for i, n in enumerate(names)]
    scanner = yara_x.Scanner(yara_x.compile("\n".join(rules)))
    found = {}
    scanner.console_log(lambda m: found.__setitem__(m.partition("=")[0], int(m.partition("=")[2])))
    scanner.scan(b"")
    return found


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    reference = {"artifacts": [], "samples": {}, "constants": constants()}
    for kind, requirement, platform in ARTIFACTS:
        with tempfile.TemporaryDirectory() as tmp:
            members = fetch(kind, requirement, platform, tmp)
        entry = {"kind": kind, "requirement": requirement, "platform": platform, "members": {}}
        for path, data in sorted(members.items()):
            entry["members"][path] = record(data)
            print(requirement, platform, path, len(data))
        reference["artifacts"].append(entry)
    for name, data in samples().items():
        (OUT / f"{name}.macho").write_bytes(data)
        reference["samples"][name] = record(data)
        print(name, len(data), sorted(reference["samples"][name]["macho"])[:4])
    (OUT / "reference.json").write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--outputs"]:
        for path in sys.argv[2:]:
            data = pathlib.Path(path).read_bytes()
            print(json.dumps({"file": path, "macho": normalise(output_of(data))}))
    else:
        main()
