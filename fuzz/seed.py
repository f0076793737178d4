#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into CORPUS/<target>/.

Seeds are synthesized here (archives of every format, small rule, test,
config and indicator documents) or copied from the repository's test data
and from files of this machine (PE launchers of setuptools, small ELF
programs). Nothing is committed: the corpus lives outside git.

Usage: seed.py CORPUS_DIR
"""

import bz2
import glob
import gzip
import io
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = [("a.txt", b"hello spoor\n"), ("dir/b.bin", b"MZ\x90\x00" + bytes(60))]
MAX_COPIED = 256 * 1024


def put(corpus, target, name, data):
    path = os.path.join(corpus, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


def copy(corpus, target, paths):
    for p in paths:
        if os.path.isfile(p) and os.path.getsize(p) <= MAX_COPIED:
            with open(p, "rb") as f:
                put(corpus, target, os.path.basename(p), f.read())


def zip_of(method):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in FILES:
            z.writestr(name, data)
    return out.getvalue()


def tar_of():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in FILES:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def ar_of():
    out = b"!<arch>\n"
    for name, data in FILES:
        name = os.path.basename(name) + "/"
        out += b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name.encode(), 0, 0, 0, b"100644", len(data))
        out += data + (b"\n" if len(data) % 2 else b"")
    return out


def cpio_of():
    out = b""
    for i, (name, data) in enumerate(FILES + [("TRAILER!!!", b"")]):
        mode = 0o100644 if data or name != "TRAILER!!!" else 0
        fields = [i + 1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
        head = b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
        out += head + bytes(-len(head) % 4) + data + bytes(-len(data) % 4)
    return out


def rpm_of():
    lead = b"\xED\xAB\xEE\xDB" + bytes(92)
    header = b"\x8E\xAD\xE8\x01" + bytes(4) + struct.pack(">II", 0, 0)
    return lead + header + header + gzip.compress(cpio_of())


def iso_of():
    """One file in the root directory: the least an ISO reader must walk."""
    sector = 2048
    data = FILES[0][1]

    def record(lba, size, directory, name):
        r = bytearray(33)
        r[2:10] = struct.pack("<I", lba) + struct.pack(">I", lba)
        r[10:18] = struct.pack("<I", size) + struct.pack(">I", size)
        r[25] = 2 if directory else 0
        r[28] = 1
        r[32] = len(name)
        r += name + (b"\0" if len(name) % 2 == 0 else b"")
        r[0] = len(r)
        return bytes(r)

    root = record(18, sector, True, b"\0") + record(18, sector, True, b"\1") + record(19, len(data), False, b"A.TXT;1")
    pvd = bytearray(sector)
    pvd[0:6] = b"\x01CD001"
    pvd[6] = 1
    pvd[128:132] = struct.pack("<HH", sector, 0)
    pvd[156:156 + 34] = record(18, sector, True, b"\0")
    term = bytearray(sector)
    term[0:7] = b"\xffCD001\x01"
    image = bytes(16 * sector) + bytes(pvd) + bytes(term) + root.ljust(sector, b"\0") + data.ljust(sector, b"\0")
    return image


def msi_packages(corpus):
    """Builds tests/data/msi/*.wxs with wixl (msitools), when it is installed."""
    if not shutil.which("wixl"):
        return
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("readme.txt", "helper.bin", "tool.exe", "lib.dll", "one.txt", "two.txt",
                     "three.txt", "core.dat"):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(b"payload\n")
        for source in glob.glob(os.path.join(REPO, "tests/data/msi/*.wxs")):
            out = os.path.join(tmp, os.path.basename(source)[:-4] + ".msi")
            subprocess.run(["wixl", "-o", out, source], cwd=tmp, capture_output=True, check=True)
            copy(corpus, "module_msi", [out])


def elf_min():
    """A 64-bit ELF header with one PT_LOAD segment and no sections."""
    ehdr = b"\x7fELF\x02\x01\x01" + bytes(9)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x400078, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 0x80, 0x80, 0x1000)
    return ehdr + phdr + b"\xc3" * 8


def main(corpus):
    put(corpus, "compile", "minimal.yar", b'rule a { strings: $a = "abc" condition: $a }')
    put(corpus, "compile", "modules.yar",
        b'import "pe"\nimport "math"\nrule b : t { meta: x = 1 strings: $h = { 4D 5A [0-4] 90 ?? }'
        b' $r = /ab+c/i wide condition: pe.is_pe or (#h > 1 and math.entropy(0, filesize) > 2) }')
    copy(corpus, "compile", sorted(glob.glob(os.path.join(REPO, "rules/*/*.yar")))[:8])
    copy(corpus, "module_lnk", glob.glob(os.path.join(REPO, "tests/data/lnk/*.lnk")))
    for module in ("zip", "dex", "crx"):
        copy(corpus, f"module_{module}", glob.glob(os.path.join(REPO, f"tests/data/{module}/*.bin")))
    copy(corpus, "module_macho", glob.glob(os.path.join(REPO, "tests/data/macho/*.macho")))
    for module in ("olecf", "vba"):
        copy(corpus, f"module_{module}", glob.glob(os.path.join(REPO, "tests/data/olecf/*.bin")))
    msi_packages(corpus)
    pes = glob.glob(os.path.expanduser("~/.pyenv/versions/*/lib/python*/site-packages/setuptools/*.exe"))
    pes += glob.glob("/usr/lib/python3/dist-packages/setuptools/*.exe")
    copy(corpus, "module_pe", pes[:6])
    copy(corpus, "module_dotnet", pes[:2])
    put(corpus, "module_elf", "min.elf", elf_min())
    copy(corpus, "module_elf", ["/bin/true", "/usr/bin/env"])
    put(corpus, "container_zip", "stored.zip", zip_of(zipfile.ZIP_STORED))
    put(corpus, "container_zip", "deflated.zip", zip_of(zipfile.ZIP_DEFLATED))
    put(corpus, "container_zip", "bzip2.zip", zip_of(zipfile.ZIP_BZIP2))
    put(corpus, "container_tar", "gnu.tar", tar_of())
    tar = tar_of()
    put(corpus, "container_compressed", "a.tar.gz", gzip.compress(tar))
    put(corpus, "container_compressed", "a.gz", gzip.compress(FILES[0][1]))
    put(corpus, "container_compressed", "a.tar.bz2", bz2.compress(tar))
    put(corpus, "container_compressed", "a.tar.xz", lzma.compress(tar))
    if shutil.which("zstd"):
        zst = subprocess.run(["zstd", "-c", "-q"], input=tar, capture_output=True, check=True).stdout
        put(corpus, "container_compressed", "a.tar.zst", zst)
    put(corpus, "container_ar", "a.ar", ar_of())
    put(corpus, "container_cpio", "a.cpio", cpio_of())
    put(corpus, "container_rpm", "a.rpm", rpm_of())
    put(corpus, "container_iso9660", "a.iso", iso_of())
    # No 7z writer in Python's standard library: the signature header of an
    # empty archive, from which libFuzzer grows the rest.
    put(corpus, "container_sevenz", "empty.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24))
    put(corpus, "ioc_import", "list.csv", b"type,value,actor\nsha256," + b"a" * 64 + b",Lazarus\nmutex,Global\\x,APT37\n")
    put(corpus, "ioc_import", "stix.json",
        b'{"type":"bundle","objects":[{"type":"indicator","id":"indicator--1","pattern":'
        b'"[file:hashes.MD5 = \'' + b"b" * 32 + b'\'] OR [mutex:name = \'m\']"},'
        b'{"type":"malware","id":"malware--1","name":"FALLCHILL"},'
        b'{"type":"relationship","relationship_type":"indicates","source_ref":"indicator--1","target_ref":"malware--1"}]}')
    put(corpus, "ioc_import", "misp.json",
        b'{"Event":{"Attribute":[{"type":"md5","value":"' + b"c" * 32 + b'"},{"type":"pdb","value":"C:\\\\x.pdb"}],'
        b'"Galaxy":[{"type":"threat-actor","GalaxyCluster":[{"value":"APT37","meta":{"synonyms":["Reaper"]}}]}]}}')
    copy(corpus, "rule_test", glob.glob(os.path.join(REPO, "rules/*/*.test.toml"))[:4])
    put(corpus, "rule_test", "inline.test.toml",
        b'[[case]]\nhex = "4D 5A"\nmatches = ["a"]\n[[case]]\nbuild = { container = "pe", parts = ["ascii:x", "wide:y", "hex:00 01", "embed:pe"], size = 2048 }\n')
    spoor = os.path.join(REPO, "target", "release", "spoor")
    if os.path.exists(spoor):
        # Payloads of real compiled rulesets (the target writes the header).
        for rules in sorted(glob.glob(os.path.join(REPO, "rules/*/*.yar")))[:4]:
            out = os.path.join(corpus, "compiled_rules.tmp")
            done = subprocess.run([spoor, "compile", rules, "-o", out], capture_output=True)
            if done.returncode == 0:
                with open(out, "rb") as f:
                    put(corpus, "compiled_rules", os.path.basename(rules) + ".payload", f.read()[56:])
                os.remove(out)
    put(corpus, "config", "spoor.toml",
        b'[fmt]\nindent = 4\nwidth = 80\nalign = false\n[check]\nrule_name = "^[a-z]+$"\ntags = ["t"]\n'
        b'[check.meta]\nauthor = "string"\nhash = "sha256"\n[warnings]\ndisabled = ["W005"]\nas_errors = true\n')


if __name__ == "__main__":
    main(sys.argv[1])
