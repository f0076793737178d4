#!/usr/bin/env python3
"""Benign files in the formats the bundled rules look into, for the
false-positive scan (`scripts/fp_scan.sh DIR ...`).

    scripts/fp_corpus.py DIR

Fills DIR with:
  wheels-macos/  macOS wheels (arm64, x86_64, universal2: Mach-O and fat binaries)
  wheels-win/    Windows wheels (PE DLLs and .pyd files)
  npm/           npm packages that ship platform binaries (Mach-O, PE, ELF)
  office/        Word and Excel documents in the OLE formats (.doc, .xls) and their
                 OpenDocument twins, written by LibreOffice headless when it is installed
  msi/           Windows Installer packages (OLE compound files) built by msitools' wixl
  hwp/           compound files laid out as HWP 5 documents (FileHeader, DocInfo,
                 BodyText, BinData with pictures), written here from the compound file
                 specification ([MS-CFB]) with benign content

Everything is downloaded from the package registries or made here; a fetch
that fails is reported and skipped. Scanned archives are opened by spoor's
archive reader, so the binaries inside wheels and npm tarballs are scanned too.
"""

import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

from cfb import compound_file

PYPI_PACKAGES = [
    "numpy", "pandas", "scipy", "pillow", "cryptography", "lxml", "pyyaml", "markupsafe",
    "psutil", "orjson", "pydantic-core", "grpcio", "matplotlib", "regex", "ujson", "zstandard",
    "msgpack", "cffi", "charset-normalizer", "kiwisolver", "aiohttp", "frozenlist", "multidict",
    "yarl", "rpds-py", "tokenizers", "safetensors", "pyarrow", "scikit-learn", "shapely",
    "h5py", "greenlet", "pycryptodome", "bcrypt", "brotli", "lz4", "xxhash", "rapidfuzz",
    "pymupdf", "opencv-python-headless",
]
PLATFORMS = {
    "wheels-macos": ["macosx_11_0_arm64", "macosx_10_9_x86_64", "macosx_10_9_universal2"],
    "wheels-win": ["win_amd64", "win32"],
}
NPM_PACKAGES = [
    "@esbuild/darwin-arm64", "@esbuild/darwin-x64", "@esbuild/win32-x64", "@esbuild/linux-x64",
    "@swc/core-darwin-arm64", "@swc/core-win32-x64-msvc", "@rollup/rollup-darwin-arm64",
    "@rollup/rollup-darwin-x64", "@rollup/rollup-win32-x64-msvc", "@biomejs/cli-darwin-arm64",
    "@biomejs/cli-win32-x64", "@img/sharp-libvips-darwin-arm64", "@img/sharp-darwin-arm64",
    "@img/sharp-win32-x64", "lightningcss-darwin-arm64", "lightningcss-win32-x64-msvc",
    "@tailwindcss/oxide-darwin-arm64", "@tailwindcss/oxide-win32-x64-msvc",
    "@parcel/watcher-darwin-arm64", "@parcel/watcher-win32-x64", "typescript", "electron-to-chromium",
]


def run(argv, **kwargs):
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        print(f"skipped: {' '.join(argv[:6])}...: {done.stderr.strip()[-200:]}", file=sys.stderr)
    return done.returncode == 0


def wheels(root):
    for folder, platforms in PLATFORMS.items():
        out = root / folder
        out.mkdir(parents=True, exist_ok=True)
        for platform in platforms:
            for package in PYPI_PACKAGES:
                run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                     "--only-binary=:all:", "--platform", platform, "--python-version", "3.11",
                     "--implementation", "cp", "--dest", str(out), package])


def npm(root):
    out = root / "npm"
    out.mkdir(parents=True, exist_ok=True)
    for package in NPM_PACKAGES:
        run(["npm", "pack", "--silent", "--pack-destination", str(out), package], cwd=out)


def office(root):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("skipped: office documents (LibreOffice is not installed)", file=sys.stderr)
        return
    out = root / "office"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        sources = []
        for n in range(12):
            text = tmp / f"letter{n:02}.txt"
            text.write_text(f"Quarterly report {n}\n" + "보고서 내용입니다. Revenue grew.\n" * (50 * (n + 1)))
            sheet = tmp / f"table{n:02}.csv"
            sheet.write_text("\n".join(f"{i},{i * n},item {i}" for i in range(200 * (n + 1))))
            sources.append((text, ["doc", "odt"]))
            sources.append((sheet, ["xls"]))
        for source, formats in sources:
            for target in formats:
                run([soffice, "--headless", "--convert-to", target, "--outdir", str(out), str(source)])


WXS = """<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Benign Sample {n}" Language="1033" Version="1.0.{n}"
           Manufacturer="spoor tests" UpgradeCode="{upgrade}">
    <Package InstallerVersion="200" Compressed="yes" Comments="false-positive corpus"/>
    <Media Id="1" Cabinet="files.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="BenignSample{n}">
          <Component Id="Main" Guid="{component}">
            <File Id="Readme" Source="{readme}"/>
            <File Id="Data" Source="{data}"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="All" Level="1"><ComponentRef Id="Main"/></Feature>
  </Product>
</Wix>
"""


def msi(root):
    if shutil.which("wixl") is None:
        print("skipped: MSI packages (msitools' wixl is not installed)", file=sys.stderr)
        return
    out = root / "msi"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for n in range(8):
            readme = tmp / f"readme{n}.txt"
            readme.write_text("Read me.\n" * (100 * (n + 1)))
            data = tmp / f"data{n}.bin"
            data.write_bytes(bytes(range(256)) * (64 * (n + 1)))
            wxs = tmp / f"sample{n}.wxs"
            wxs.write_text(WXS.format(n=n, readme=readme.name, data=data.name,
                                      upgrade=f"12345678-1234-1234-1234-{n:012d}",
                                      component=f"87654321-4321-4321-4321-{n:012d}"))
            run(["wixl", "-o", str(out.resolve() / f"sample{n}.msi"), wxs.name], cwd=tmp)


def hwp(root):
    out = root / "hwp"
    out.mkdir(parents=True, exist_ok=True)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8 + b"\xff\xd9"
    for n in range(40):
        header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000300, 1)
        streams = {
            "FileHeader": header.ljust(256, b"\0"),
            "\x05HwpSummaryInformation": b"\xfe\xff" + bytes(46) + f"summary {n}".encode(),
            "DocInfo": bytes(range(n, n + 200)),
            "BodyText/Section0": ("본문 " * (100 + n)).encode("utf-16-le"),
            "PrvText": ("미리보기 " * 20).encode("utf-16-le"),
        }
        for k in range(n % 4):
            streams[f"BinData/BIN{k + 1:04X}.jpg"] = jpeg
        # Padded to the mini stream cutoff: every stream in regular sectors.
        padded = {path: data.ljust(4096, b"\0") for path, data in streams.items()}
        (out / f"document{n:02}.hwp").write_bytes(compound_file(padded))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1])
    root.mkdir(parents=True, exist_ok=True)
    for step in (hwp, msi, office, npm, wheels):
        step(root)
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = [p for p in folder.rglob("*") if p.is_file()]
        print(f"{folder.name}: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
