#!/usr/bin/env python3
"""Load benchmark of compiled rulesets: spoor against YARA-X and YARA.

Compiles the signature-base ruleset (externals defined as empty strings) once
per tool (`spoor compile`, `yr compile`, `yarac`), then times scanning one
empty file with the compiled ruleset (`spoor scan -C`, `yr scan -C`,
`yara -C`): what that measures is loading the ruleset. Where `yr` is not
installed, the PyPI `yara-x` package (the same library) stands in for it: it
compiles and serializes the rules, and `python3 -c` deserializes them and scans
the empty file; a row for `python3 -c "import yara_x"` alone gives the
interpreter's and the import's share of that. The tools run in turn,
round after round, so that a machine whose load changes meanwhile affects each
alike; the table shows median wall time, median CPU time (user + system) and
the largest peak resident memory, as /usr/bin/time reports them. A tool that is
not installed is skipped with a note.

    scripts/bench_load.py                  # 10 rounds
    scripts/bench_load.py --runs 20 --json /tmp/load.json
    scripts/bench_load.py --spoor target/release/spoor --yr /opt/yr/bin/yr
"""

import argparse
import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

import bench
import sigbase


def tools(args, scratch):
    """{tool: (compile argv, scan argv)}, for the tools that are installed."""
    empty = scratch / "empty"
    empty.write_bytes(b"")
    rule_files = [str(p) for p in sigbase.rule_files(args.rules)]
    spoorc, yarx, yarc = scratch / "rules.spoorc", scratch / "rules.yarx", scratch / "rules.yarc"
    found = {}
    wanted = {
        "spoor": ([args.spoor, "compile", *bench.defines("--define"), str(args.rules), "-o", str(spoorc)],
                  [args.spoor, "scan", "-C", str(spoorc), str(empty)]),
        "yr": ([args.yr, "compile", *bench.defines("--define", '""'), "--disable-warnings",
                "-o", str(yarx), str(args.rules)],
               [args.yr, "scan", "--disable-console-logs", "-C", str(yarx), str(empty)]),
        "yara": ([args.yarac, *bench.defines("-d"), "-w", *rule_files, str(yarc)],
                 [args.yara, "-C", str(yarc), str(empty)]),
    }
    if not bench.available(args.yr) and python_has_yara_x():
        pyx = scratch / "rules.pyx"
        wanted["yara-x (python)"] = (
            [sys.executable, str(pathlib.Path(__file__).resolve()), "--compile-yara-x", str(args.rules), str(pyx)],
            [sys.executable, "-c", LOAD_YARA_X, str(pyx), str(empty)])
        wanted["python import yara_x"] = ([sys.executable, "-c", "pass"], [sys.executable, "-c", "import yara_x"])
    for tool, (compile_argv, scan_argv) in wanted.items():
        if not (bench.available(compile_argv[0]) and bench.available(scan_argv[0])):
            print(f"{tool}: skipped, {compile_argv[0]} or {scan_argv[0]} is not installed")
            continue
        done = subprocess.run(compile_argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode != 0:
            print(f"{tool}: skipped, compiling failed: {done.stderr.decode(errors='replace')[:300]}")
            continue
        found[tool] = scan_argv
    return found


LOAD_YARA_X = """
import sys, yara_x
with open(sys.argv[1], "rb") as f:
    rules = yara_x.Rules.deserialize_from(f)
with open(sys.argv[2], "rb") as f:
    yara_x.Scanner(rules).scan(f.read())
"""


def python_has_yara_x():
    return subprocess.run([sys.executable, "-c", "import yara_x"], capture_output=True).returncode == 0


def compile_yara_x(rules_dir, out):
    """Compiles the ruleset with the PyPI yara-x package, externals empty, into `out`."""
    import yara_x

    compiler = yara_x.Compiler()
    for name in sigbase.EXTERNALS:
        compiler.define_global(name, "")
    for path in sigbase.rule_files(rules_dir):
        compiler.add_source(sigbase.read_rule_text(path), origin=str(path))
    with open(out, "wb") as f:
        compiler.build().serialize_into(f)


def timed(argv):
    """(wall s, CPU s, peak RSS KiB, exit status) of one run."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", report.name, *argv],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        fields = report.read().split()
    wall, user, system, rss = fields[-4:]
    return float(wall), float(user) + float(system), int(rss), proc.returncode, proc.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", type=pathlib.Path, default=sigbase.DEFAULT_RULES)
    ap.add_argument("--spoor", default=str(sigbase.REPO / "target" / "release" / "spoor"))
    ap.add_argument("--yr", default="/opt/yr/bin/yr" if pathlib.Path("/opt/yr/bin/yr").exists() else "yr")
    ap.add_argument("--yara", default="yara")
    ap.add_argument("--yarac", default="yarac")
    ap.add_argument("--runs", type=int, default=10, help="rounds (each runs every tool once)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the figures here")
    ap.add_argument("--compile-yara-x", nargs=2, metavar=("RULES", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.compile_yara_x:
        compile_yara_x(*args.compile_yara_x)
        return
    if not args.rules.is_dir():
        sys.exit(f"no ruleset at {args.rules}")

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="spoor-bench-load-"))
    try:
        commands = tools(args, scratch)
        runs = {tool: [] for tool in commands}
        for _ in range(args.runs):
            for tool, argv in commands.items():
                wall, cpu, rss, status, stderr = timed(argv)
                if status not in (0, 1):
                    print(f"{tool}: exit status {status}: {stderr.decode(errors='replace').strip()[:300]}")
                runs[tool].append((wall, cpu, rss))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    results = {}
    for tool, measured in runs.items():
        results[tool] = {
            "argv": commands[tool],
            "wall_median_s": statistics.median(r[0] for r in measured),
            "cpu_median_s": statistics.median(r[1] for r in measured),
            "peak_rss_mib": max(r[2] for r in measured) / 1024,
            "runs": measured,
        }
    print(f"\nloading compiled signature-base and scanning an empty file, {args.runs} alternating rounds")
    print(f"{'tool':22} {'wall median (s)':>16} {'CPU median (s)':>15} {'peak RSS (MiB)':>15}")
    for tool, r in results.items():
        print(f"{tool:22} {r['wall_median_s']:16.3f} {r['cpu_median_s']:15.3f} {r['peak_rss_mib']:15.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
