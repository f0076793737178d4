#!/usr/bin/env python3
"""Builds compound files and VBA projects and records what olefile and
oletools read from each, for the `olecf` and `vba` differential tests
(tests/it/modules_ole.rs). YARA-X 1.23 on PyPI has neither module, so the
references are olefile's directory and olevba's project parse.

    ole_reference.py DIR          samples into DIR, and DIR/reference.json
    ole_reference.py --seeds DIR  the few small seeds of tests/data/olecf

Samples: Word and Excel documents written by LibreOffice headless (skipped
with a note when soffice is missing), HWP-shaped compound files, and VBA
projects written here from [MS-OVBA]: a `dir` stream of project records,
module streams of compressed source after a performance cache, in Word,
Excel and bare `vbaProject.bin` layouts, in version 3 and 4 compound files
and inside `.docm` packages. reference.json maps each sample's file name to
{"olecf": ..., "vba": ..., "written": ...}: `written` holds what the
generator put in that olevba does not report (version, references).
Nothing here is malware: the macros are inert text.
"""

import json
import pathlib
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

from cfb import compound_file

CHUNK = 4096


# ---------------------------------------------------------------- [MS-OVBA]
def _split(done):
    """Offset bits, length mask and longest copy at `done` bytes into a chunk."""
    bits = max((done - 1).bit_length(), 4)
    return bits, 0xFFFF >> bits, (0xFFFF >> bits) + 3


def _compress_chunk(chunk):
    out, pos, seen = bytearray(), 0, {}

    def remember(i):
        if i + 3 <= len(chunk):
            seen.setdefault(chunk[i:i + 3], []).append(i)

    while pos < len(chunk):
        flag_at, flags = len(out), 0
        out.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            best_len, best_from = 0, 0
            if pos > 0:
                bits, mask, longest = _split(pos)
                for start in reversed(seen.get(chunk[pos:pos + 3], [])[-64:]):
                    length = 0
                    while (length < longest and pos + length < len(chunk)
                           and chunk[start + length] == chunk[pos + length]):
                        length += 1
                    if length > best_len:
                        best_len, best_from = length, start
            if best_len >= 3:
                token = ((pos - best_from - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                for i in range(pos, pos + best_len):
                    remember(i)
                pos += best_len
            else:
                out.append(chunk[pos])
                remember(pos)
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def compress(data):
    """A compressed container ([MS-OVBA] 2.4.1.3.1)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > CHUNK:
            out += struct.pack("<H", 0x3000 | 0x0FFF) + chunk.ljust(CHUNK, b"\0")
        else:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


def record(rid, data):
    return struct.pack("<HI", rid, len(data)) + data


def dir_stream(project):
    cp = project["codepage"]
    enc = project["codec"]
    r = record(0x0001, struct.pack("<I", 1))
    r += record(0x004A, struct.pack("<I", 0x6B))
    r += record(0x0002, struct.pack("<I", 0x409)) + record(0x0014, struct.pack("<I", 0x409))
    r += record(0x0003, struct.pack("<H", cp))
    r += record(0x0004, project["name"].encode(enc))
    r += record(0x0005, b"doc") + record(0x0040, "doc".encode("utf-16-le"))
    r += record(0x0006, b"") + record(0x003D, b"")
    r += record(0x0007, struct.pack("<I", 0)) + record(0x0008, struct.pack("<I", 0))
    major, minor = project["version"]
    r += struct.pack("<HIIH", 0x0009, 4, major, minor)
    r += record(0x000C, b"") + record(0x003C, b"")
    for name, kind in project["references"]:
        r += record(0x0016, name.encode(enc)) + record(0x003E, name.encode("utf-16-le"))
        libid = f"*\\G{{00020430-0000-0000-C000-000000000046}}#2.0#0#C:\\{name}.tlb#{name}".encode()
        if kind == "registered":
            r += record(0x000D, struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0))
        else:  # an original reference, then its control, whose own name is no reference
            r += record(0x0033, libid)
            r += record(0x002F, struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0))
            r += record(0x0016, b"MSForms") + record(0x003E, "MSForms".encode("utf-16-le"))
            r += record(0x0030, struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0)
                        + bytes(16) + struct.pack("<I", 0))
    modules = project["modules"]
    r += record(0x000F, struct.pack("<H", len(modules))) + record(0x0013, struct.pack("<H", 0xFFFF))
    for m in modules:
        r += record(0x0019, m["name"].encode(enc)) + record(0x0047, m["name"].encode("utf-16-le"))
        r += record(0x001A, m["stream"].encode(enc)) + record(0x0032, m["stream"].encode("utf-16-le"))
        r += record(0x001C, b"") + record(0x0048, b"")
        r += record(0x0031, struct.pack("<I", len(m["cache"])))
        r += record(0x001E, struct.pack("<I", 0)) + record(0x002C, struct.pack("<H", 0xFFFF))
        r += record(0x0021 if m["kind"] == "standard" else 0x0022, b"")
        if m.get("private"):
            r += record(0x0028, b"")
        r += record(0x002B, b"")
    r += record(0x0010, b"")
    return r


def project_streams(project, root):
    """The streams of `project` under storage path `root` ("" or "Macros/")."""
    enc = project["codec"]
    lines = ['ID="{00000000-0000-0000-0000-000000000000}"']
    for m in project["modules"]:
        lines.append(f"{'Module' if m['kind'] == 'standard' else 'Document'}={m['name']}"
                     + ("" if m["kind"] == "standard" else "/&H00000000"))
    lines += [f'Name="{project["name"]}"', "HelpContextID=\"0\"", "VersionCompatible32=\"393222000\""]
    streams = {
        root + "PROJECT": ("\r\n".join(lines) + "\r\n").encode(enc, "replace"),
        root + "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0, 0),
        root + "VBA/dir": compress(dir_stream(project)),
    }
    for m in project["modules"]:
        if not m.get("missing"):
            streams[root + "VBA/" + m.get("entry", m["stream"])] = m["cache"] + compress(
                m["source"].encode(enc))
    return streams


def source(rng, name, kind, lines, extra=""):
    head = f'Attribute VB_Name = "{name}"\r\n'
    if kind != "standard":
        head += 'Attribute VB_Base = "1Normal.ThisDocument"\r\nAttribute VB_Creatable = False\r\n'
    words = ["Dim", "x", "As", "String", "MsgBox", "Call", "Next", "For", "i", "=", "1", "To", "10"]
    body = "".join(
        f"    {' '.join(rng.choice(words) for _ in range(rng.randint(2, 9)))}\r\n"
        for _ in range(lines))
    return f"{head}Sub Demo{rng.randint(0, 999)}()\r\n{extra}{body}End Sub\r\n"


def vba_projects():
    """name -> (project description, layout)."""
    rng = random.Random(13)
    out = {}

    def module(name, kind, lines, extra="", **more):
        return dict(name=name, stream=name, kind=kind, source=source(rng, name, kind, lines, extra),
                    cache=bytes(rng.randrange(256) for _ in range(rng.choice([0, 17, 300, 1500]))),
                    **more)

    base = dict(codepage=1252, codec="cp1252", version=(1433157262, 2))
    out["word_macros"] = (dict(base, name="Project", references=[("stdole", "registered"), ("Normal", "registered")],
                               modules=[module("ThisDocument", "class", 3, '    MsgBox "Hello, world!"\r\n'),
                                        module("Module1", "standard", 12)]), "word")
    out["excel_macros"] = (dict(base, name="VBAProject", references=[("stdole", "registered"), ("Office", "registered"),
                                                                      ("MSForms", "control")],
                                modules=[module("DieseArbeitsmappe", "class", 4, "    ' Code f\u00fcr Sprachwahl\r\n"),
                                         module("Tabelle1", "class", 2),
                                         module("mdlSheetProps", "standard", 400)]), "excel")
    out["bare_project"] = (dict(base, name="Bare", references=[],
                                modules=[module("Module%d" % i, "standard", rng.randint(1, 60)) for i in range(6)]),
                           "bare")
    out["cyrillic_project"] = (dict(codepage=1251, codec="cp1251", version=(7, 1), name="\u041f\u0440\u043e\u0435\u043a\u0442",
                                    references=[("stdole", "registered")],
                                    modules=[module("Module1", "standard", 5,
                                                    '    MsgBox "\u041f\u0440\u0438\u0432\u0435\u0442"\r\n')]), "word")
    out["missing_module_stream"] = (dict(base, name="Gaps", references=[("stdole", "registered")],
                                         modules=[module("Present", "standard", 3),
                                                  module("Absent", "standard", 3, missing=True),
                                                  module("CaseDiffers", "class", 3, entry="CASEDIFFERS")]), "bare")
    out["version4_project"] = (dict(base, name="Four", references=[("stdole", "registered")],
                                    modules=[module("Big", "standard", 900), module("Small", "class", 2)]), "bare4")
    out["docm_package"] = (dict(base, name="Packaged", references=[("stdole", "registered")],
                                modules=[module("ThisDocument", "class", 2, "    Call AutoOpen\r\n"),
                                         module("NewMacros", "standard", 30, private=True)]), "docm")
    for n in range(5):
        count = rng.randint(1, 8)
        out[f"random_{n}"] = (dict(base, name=f"Random{n}", version=(rng.randrange(1 << 32), rng.randrange(1 << 16)),
                                   references=[("stdole", "registered")] * rng.randint(0, 3),
                                   modules=[module(f"M{n}_{i}", rng.choice(["standard", "class"]),
                                                   rng.choice([1, 20, 200, 700])) for i in range(count)]),
                              rng.choice(["word", "excel", "bare"]))
    return out


def vba_file(project, layout):
    if layout == "word":
        streams = {"WordDocument": bytes(600), "1Table": bytes(5000)}
        streams.update(project_streams(project, "Macros/"))
        return compound_file(streams)
    if layout == "excel":
        streams = {"Workbook": bytes(range(256)) * 20}
        streams.update(project_streams(project, "_VBA_PROJECT_CUR/"))
        return compound_file(streams)
    if layout in ("bare", "bare4"):
        return compound_file(project_streams(project, ""), version=4 if layout == "bare4" else 3)
    # A .docm package: the project is word/vbaProject.bin.
    buffer = tempfile.SpooledTemporaryFile()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
        z.writestr("word/vbaProject.bin", compound_file(project_streams(project, "")))
    buffer.seek(0)
    return buffer.read()


def hwp_files():
    rng = random.Random(5)
    out = {}
    for n in range(4):
        header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000300, 1)
        streams = {"FileHeader": header.ljust(256, b"\0"),
                   "\x05HwpSummaryInformation": b"\xfe\xff" + bytes(46),
                   "DocInfo": bytes(rng.randrange(256) for _ in range(rng.choice([100, 5000]))),
                   "BodyText/Section0": ("\ubcf8\ubb38 " * (50 + 400 * n)).encode("utf-16-le"),
                   "PrvText": ("\ubbf8\ub9ac\ubcf4\uae30 " * 20).encode("utf-16-le")}
        for k in range(n):
            streams[f"BinData/BIN{k + 1:04X}.jpg"] = b"\xff\xd8\xff\xe0" + bytes(rng.randrange(256) for _ in range(700 * k))
        out[f"hwp_{n}.hwp"] = compound_file(streams, version=3 if n % 2 == 0 else 4)
    out["empty_streams.bin"] = compound_file({"Empty": b"", "A/B/C/Deep": b"x", "\x01CompObj": b"y" * 70})
    return out


def office_files(out):
    """Word and Excel documents from LibreOffice headless; [] without it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("note: soffice is not installed; no LibreOffice documents", file=sys.stderr)
        return []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        texts, tables = [], []
        for n in range(3):
            t = tmp / f"letter{n}.txt"
            t.write_text(f"Letter {n}\n" + "Lorem ipsum dolor sit amet. " * (20 + 300 * n))
            texts.append(str(t))
            c = tmp / f"sheet{n}.csv"
            c.write_text("\n".join(",".join(str(r * c + n) for c in range(8)) for r in range(10 + 200 * n)))
            tables.append(str(c))
        made = []
        for target, inputs in (("doc", texts), ("xls", tables)):
            done = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                                   "--convert-to", target, "--outdir", str(out)] + inputs,
                                  capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                sys.exit(f"soffice failed: {done.stderr}")
            made += [out / (pathlib.Path(i).stem + "." + target) for i in inputs]
        return [p.name for p in made if p.exists()]


# ---------------------------------------------------------------- references
def shown(name):
    return "".join(c for c in name if ord(c) >= 0x20 and c != "\x7f")


def olecf_reference(path):
    import olefile
    if not olefile.isOleFile(str(path)):
        return {"is_olecf": False}
    ole = olefile.OleFileIO(str(path))
    streams = [{"name": shown(e.name), "type": e.entry_type, "size": e.size}
               for e in ole.direntries if e is not None and e.entry_type in (1, 2, 5)]
    return {"is_olecf": True, "streams": streams}


def vba_reference(path):
    from oletools.olevba import VBA_Parser, VBA_Project
    parser = VBA_Parser(str(path))
    for sub in [parser] if parser.ole_file else parser.ole_subfiles:
        for root, project_path, dir_path in sub.find_vba_projects() or []:
            project = VBA_Project(sub.ole_file, root, project_path, dir_path, relaxed=True)
            project.parse_project_stream()
            list(project.parse_modules())
            modules = [{"name": m.name, "type": 1 if m.type == 0x21 else 2, "code": m.code}
                       for m in project.modules if m.code is not None]
            return {"has_macros": True, "name": project.projectname,
                    "module_count": project.modules_count, "modules": modules}
    return {"has_macros": False}


def build(out, projects, extra):
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (project, layout) in projects.items():
        file = name + (".docm" if layout == "docm" else ".bin")
        (out / file).write_bytes(vba_file(project, layout))
        written[file] = {"version": "%d.%d" % project["version"],
                         "references": [r for r, _ in project["references"]]}
    for file, data in extra.items():
        (out / file).write_bytes(data)
    return written


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--seeds":
        projects = vba_projects()
        seeds = {k: projects[k] for k in ("word_macros", "excel_macros", "version4_project")}
        hwp = hwp_files()
        extra = {k.split(".")[0] + ".bin": hwp[k] for k in ("hwp_1.hwp", "empty_streams.bin")}
        build(pathlib.Path(args[1]), seeds, extra)
        return
    if len(args) != 1:
        sys.exit(__doc__)
    out = pathlib.Path(args[0])
    written = build(out, vba_projects(), hwp_files())
    office_files(out)
    reference = {}
    for path in sorted(p for p in out.iterdir() if p.is_file() and p.name != "reference.json"):
        reference[path.name] = {"olecf": olecf_reference(path), "vba": vba_reference(path),
                                "written": written.get(path.name)}
    (out / "reference.json").write_text(json.dumps(reference, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
