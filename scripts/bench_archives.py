#!/usr/bin/env python3
"""Scanning real package artifacts: files, members and MB/s of expanded data.

Fetches Python wheels (`pip download`), Debian packages (`apt-get download`)
and npm tarballs (`npm pack`) into a directory (default
/tmp/spoor-bench-artifacts, reused when present), then times
`spoor scan --format json` over them with the generic rules of
tests/it/archives.rs plus the bundled rules, and reads the files, members and
bytes scanned from the JSON summary. The expanded data is the bytes of the
members (every level), i.e. the bytes scanned minus the artifacts' own bytes.
A tool that is missing or fails is skipped with a note.

    scripts/bench_archives.py                  # the small test set and a larger one
    scripts/bench_archives.py --set test --runs 5
    scripts/bench_archives.py --spoor target/release/spoor --threads 2

The table shows the median wall time of the runs (page cache warm after the
first) and the throughput over it.
"""

import argparse
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
import json

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_DIR = pathlib.Path("/tmp/spoor-bench-artifacts")

# The pinned artifacts of the test (tests/it/util/artifacts.rs), and larger
# ones for a throughput that start-up time does not dominate.
SETS = {
    "test": {
        "pip": ["six==1.17.0", "markupsafe==3.0.2"],
        "npm": ["left-pad@1.3.0", "semver@7.6.3"],
        "apt": ["hostname"],
    },
    "large": {
        "pip": ["numpy==2.2.6", "setuptools==80.9.0"],
        "npm": ["typescript@5.8.3"],
        "apt": ["coreutils", "python3.11-minimal"],
    },
}


def generic_rules():
    """The GENERIC_RULES of tests/it/archives.rs, read from the test source."""
    text = (REPO / "tests/it/archives.rs").read_text()
    found = re.search(r'const GENERIC_RULES: &str = r#"(.*?)"#;', text, re.S)
    if not found:
        sys.exit("GENERIC_RULES not found in tests/it/archives.rs")
    return found.group(1)


def run_tool(argv, cwd):
    """Runs a package tool; False (with a note) when missing or failing."""
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        print(f"note: {argv[0]} is not installed, skipped", file=sys.stderr)
        return False
    if done.returncode != 0:
        print(f"note: {' '.join(argv)} failed: {done.stderr.strip()[:300]}", file=sys.stderr)
        return False
    return True


def fetch(sets, out):
    """Downloads every artifact of `sets` into `out` (kept when present)."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("*.whl")) or any(out.glob("*.tgz")) or any(out.glob("*.deb")):
        print(f"reusing the artifacts of {out}", file=sys.stderr)
        return
    for name in sets:
        chosen = SETS[name]
        run_tool(["pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                  "--disable-pip-version-check", "--dest", ".", *chosen["pip"]], out)
        run_tool(["npm", "pack", "--silent", *chosen["npm"]], out)
        for package in chosen["apt"]:
            run_tool(["apt-get", "download", package], out)


def scan(spoor, rules, target, threads):
    """One timed scan: (wall seconds, summary)."""
    argv = [spoor, "scan", "--format", "json", "-p", str(threads), "--rules", str(rules),
            "--rules", str(REPO / "rules"), str(target)]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        sys.exit(f"spoor failed ({done.returncode}): {done.stderr.decode()[:500]}")
    report = json.loads(done.stdout)
    if report["errors"]:
        print(f"note: {len(report['errors'])} member errors", file=sys.stderr)
    return wall, report["summary"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spoor", default=str(REPO / "target/release/spoor"))
    parser.add_argument("--dir", type=pathlib.Path, default=DEFAULT_DIR)
    parser.add_argument("--set", choices=["test", "large", "all"], default="all")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    sets = ["test", "large"] if args.set == "all" else [args.set]
    fetch(sets, args.dir)
    artifacts = sorted(p for p in args.dir.iterdir() if p.suffix in (".whl", ".tgz", ".deb"))
    if not artifacts:
        sys.exit("no artifact could be fetched")
    packed = sum(p.stat().st_size for p in artifacts)
    with tempfile.NamedTemporaryFile("w", suffix=".yar", delete=False) as rules:
        rules.write(generic_rules())
    runs = [scan(args.spoor, rules.name, args.dir, args.threads) for _ in range(args.runs + 1)]
    walls = [wall for wall, _ in runs[1:]]  # the first run warms the page cache
    summary = runs[-1][1]
    expanded = summary["bytes"] - packed
    median = statistics.median(walls)
    print(f"artifacts: {len(artifacts)} ({', '.join(p.name for p in artifacts)})")
    print(f"packed: {packed / 1e6:.1f} MB; files: {summary['files_scanned']}, "
          f"members: {summary['members_scanned']}, expanded: {expanded / 1e6:.1f} MB, "
          f"hits: {summary['matches']}")
    print(f"wall (median of {len(walls)}, {args.threads} threads): {median:.3f} s; "
          f"scan time reported: {summary['seconds']:.3f} s")
    print(f"throughput: {expanded / 1e6 / median:.1f} MB/s of expanded data "
          f"({summary['bytes'] / 1e6 / median:.1f} MB/s of all bytes scanned)")


if __name__ == "__main__":
    main()
