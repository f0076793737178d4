#!/usr/bin/env python3
"""Builds the target directory for the differential test and the benchmark.

The corpus has two parts:

  real/   a deterministic sample of this machine's files: ELF binaries and
          libraries (/usr/bin, /usr/lib), Python installations with the PE
          launchers (.exe/.dll) that pip and setuptools ship (all of them are
          taken, duplicates by content dropped), and text files (/usr/share/doc,
          /etc). Files are picked in the order of a hash of their path, so the
          same machine gives the same sample, up to --real-mb megabytes.
  synth/  files synthesized from the signature-base rules: for every rule with
          plain text strings ("..."), one file with a few of its strings and,
          when it has more, one with all of them; strings are separated by
          padding of varying length and kind, every third rule also gets a
          UTF-16LE ("wide") file, and every other file starts with "MZ" so that
          rules gated on a PE header have a chance; rules of files importing
          "pe" also get a file made of a real PE (the smallest sampled .exe)
          with their strings appended.

    scripts/build_diff_corpus.py                       # /tmp/spoor-diff-corpus, 100 MB of real files
    scripts/build_diff_corpus.py --out /tmp/bench --real-mb 220
    scripts/build_diff_corpus.py --out /tmp/synth --no-real     # machine-independent (tests/differential.rs)

A manifest (manifest.json: files, sizes, parameters) is written at the top.
Rebuilding into an existing directory replaces it.
"""

import argparse
import hashlib
import json
import os
import pathlib
import random
import shutil
import stat
import sys

import sigbase

# Where real files come from, with each root's share of the size budget.
REAL_ROOTS = (
    ("/usr/bin", 0.30),
    ("/usr/lib", 0.35),
    ("/root/.pyenv/versions", 0.25),
    ("/usr/share/doc", 0.05),
    ("/etc", 0.05),
)
PE_SUFFIXES = (".exe", ".dll")
# Python installations; every PE file under it is taken (issue 4 tests the pe
# module on them), on top of the size budget.
PYTHON_ROOT = "/root/.pyenv/versions"
# Real files above this size are skipped: the corpus favours many files.
MAX_REAL_FILE = 16 * 1024 * 1024
# Strings per "few" file.
FEW_STRINGS = 3
# At most this many strings go into an "all" file.
MAX_ALL_STRINGS = 64


def path_key(path):
    return hashlib.sha1(path.encode("utf-8", errors="surrogateescape")).hexdigest()


def is_python_launcher(path):
    """A PE file shipped by a Python installation (pip, setuptools, distutils)."""
    return path.startswith(PYTHON_ROOT) and path.lower().endswith(PE_SUFFIXES)


def walk_regular_files(root):
    """Regular files under root, not following symlinks; unreadable parts skipped."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_size > 0:
                yield full, st.st_size


def copy_real_files(out, budget, log):
    """Copies the sample into out/real; returns [(relative path, size)]."""
    chosen, seen = [], set()

    def take(source):
        try:
            data = pathlib.Path(source).read_bytes()
        except OSError:
            return 0
        digest = hashlib.sha1(data).digest()
        if digest in seen:
            return 0
        seen.add(digest)
        target = out / "real" / source.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        chosen.append((str(target.relative_to(out)), len(data)))
        return len(data)

    for root, share in REAL_ROOTS:
        if not os.path.isdir(root):
            log(f"real: {root} missing, skipped")
            continue
        candidates = list(walk_regular_files(root))
        for source, _ in sorted(c for c in candidates if is_python_launcher(c[0])):
            take(source)
        root_budget, total = budget * share, 0
        for source, size in sorted(candidates, key=lambda c: path_key(c[0])):
            if size <= MAX_REAL_FILE and total + size <= root_budget and not is_python_launcher(source):
                total += take(source)
    total = sum(size for _, size in chosen)
    pe_count = sum(1 for c in chosen if c[0].lower().endswith(PE_SUFFIXES))
    log(f"real: {len(chosen)} files, {total / 1e6:.1f} MB, {pe_count} of them .exe/.dll")
    return chosen


def padding(rng):
    """Filler between strings: nothing, spaces, text, zeros or random bytes."""
    kind = rng.randrange(5)
    n = rng.choice((0, 1, 7, 64, 300))
    if kind == 0:
        return b" " * n
    if kind == 1:
        return (b"lorem ipsum dolor sit amet " * (n // 27 + 1))[:n]
    if kind == 2:
        return b"\x00" * n
    if kind == 3:
        return bytes(rng.randrange(256) for _ in range(n))
    return b"\n"


def to_wide(data):
    return b"".join(bytes((b, 0)) for b in data)


def smallest_pe(out, real_files):
    """The smallest sampled .exe that starts with "MZ": the host for PE variants."""
    for rel, _ in sorted(real_files, key=lambda f: (f[1], f[0])):
        if rel.lower().endswith(".exe"):
            data = (out / rel).read_bytes()
            if data[:2] == b"MZ":
                return data
    return None


def synth_files(out, rules, pe_host, log):
    """Writes out/synth/<rule file>/<rule>.<kind>.bin; returns [(relative path, size)].

    With a `pe_host`, rules of files that import "pe" also get a `pe` variant:
    the host PE with a few of the rule's strings appended as overlay, so that
    conditions on PE structure can hold.
    """
    written = []
    index = 0
    for rule in rules:
        strings = [s for s, _ in rule.text_strings if s]
        if not strings:
            continue
        rng = random.Random(f"{rule.path.name}:{rule.name}")
        variants = [("few", strings[:FEW_STRINGS])]
        if len(strings) > FEW_STRINGS:
            variants.append(("all", strings[:MAX_ALL_STRINGS]))
        if pe_host and "pe" in rule.imports:
            variants.append(("pe", strings[:FEW_STRINGS]))
        directory = out / "synth" / rule.path.stem
        directory.mkdir(parents=True, exist_ok=True)
        for kind, chosen in variants:
            body = padding(rng).join(chosen)
            blobs = [(kind, body)]
            if index % 3 == 0 and kind != "pe":
                blobs.append((kind + "-wide", to_wide(body)))
            for label, blob in blobs:
                if kind == "pe":
                    head = pe_host
                else:
                    head = b"MZ" if index % 2 == 0 else b""
                data = head + padding(rng) + blob + padding(rng)
                target = directory / f"{rule.name}.{label}.bin"
                target.write_bytes(data)
                written.append((str(target.relative_to(out)), len(data)))
                index += 1
    log(f"synth: {len(written)} files, {sum(s for _, s in written) / 1e6:.1f} MB from {len(rules)} rules")
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=pathlib.Path, default=sigbase.DEFAULT_CORPUS)
    ap.add_argument("--rules", type=pathlib.Path, default=sigbase.DEFAULT_RULES)
    ap.add_argument("--real-mb", type=float, default=100.0, help="megabytes of real files (PE launchers come on top)")
    ap.add_argument("--no-synth", action="store_true", help="real files only")
    ap.add_argument("--no-real", action="store_true",
                    help="synthesized files only (no PE variants): the same on every machine")
    args = ap.parse_args()

    if not args.rules.is_dir() and not args.no_synth:
        sys.exit(f"no ruleset at {args.rules}")
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    files = [] if args.no_real else copy_real_files(args.out, int(args.real_mb * 1e6), print)
    if not args.no_synth:
        files += synth_files(args.out, sigbase.parse_rules(args.rules), smallest_pe(args.out, files), print)
    manifest = {
        "real_mb": 0 if args.no_real else args.real_mb,
        "rules": str(args.rules),
        "files": len(files),
        "bytes": sum(size for _, size in files),
        "sha1_of_listing": hashlib.sha1("\n".join(f"{p}\t{s}" for p, s in sorted(files)).encode()).hexdigest(),
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{args.out}: {manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
