#!/usr/bin/env python3
"""Indicator-set benchmark: 100,000 `hash.sha256(0, filesize) == "..."` rules
over 50,000 small files, spoor next to YARA-X's `yr` (and a spoor scan with no
hash rules as the floor).

    scripts/bench_hashes.py                      # 3 alternating runs per command
    scripts/bench_hashes.py --runs 1 --rules 20000 --files 10000
    scripts/bench_hashes.py --spoor target/release/spoor --yr /opt/yr/bin/yr

The workload is deterministic (seeded): files of 200 to 4,000 random bytes, and
a rule file whose digests are those of every 50th corpus file plus random ones,
so a known number of files match. The hash rules are also compiled once with
`spoor compile`, outside the timing. Commands run alternately (spoor from
source, spoor with the compiled rules, spoor with no hash rules, yr), each with
2 threads and text output to /dev/null; the table gives the median and fastest
wall time. Every command must report the same (rule, file) pairs, or the script
fails.
"""

import argparse
import hashlib
import os
import pathlib
import random
import shutil
import statistics
import subprocess
import sys
import time

WORK = pathlib.Path("/tmp/spoor-hash-bench")
# Every MATCH_EVERY-th corpus file has its digest listed in the rules.
MATCH_EVERY = 50


def build_corpus(root, files, rng):
    """`files` small files of random bytes, 1,000 per directory."""
    digests = []
    for i in range(files):
        directory = root / f"d{i // 1000:03d}"
        directory.mkdir(parents=True, exist_ok=True)
        data = rng.randbytes(rng.randint(200, 4000))
        (directory / f"f{i:05d}.bin").write_bytes(data)
        digests.append(hashlib.sha256(data).hexdigest())
    return digests


def write_rules(path, corpus_digests, count, rng):
    """`count` sha256 rules: the listed corpus digests first, then random ones."""
    listed = corpus_digests[::MATCH_EVERY][:count]
    with path.open("w") as out:
        out.write('import "hash"\n')
        for i in range(count):
            digest = listed[i] if i < len(listed) else rng.randbytes(32).hex()
            out.write(f'rule ioc_{i} {{ condition: hash.sha256(0, filesize) == "{digest}" }}\n')
    return len(listed)


def pairs(stdout):
    """(rule, file) pairs of `RULE PATH` text output."""
    found = set()
    for line in stdout.splitlines():
        rule, _, path = line.partition(" ")
        if rule.startswith("ioc_"):
            found.add((rule, path))
    return found


def run(argv, timeout=None):
    """(seconds, stdout) of `argv`, or (None, "") when it ran past `timeout`."""
    started = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, ""
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spoor", default="target/release/spoor")
    parser.add_argument("--yr", default=shutil.which("yr") or "/opt/yr/bin/yr")
    parser.add_argument("--rules", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--yr-timeout", type=float, default=600,
                        help="seconds after which a yr run is stopped and counted as not finished")
    args = parser.parse_args()

    rng = random.Random(14)
    corpus = WORK / f"corpus-{args.files}"
    rules = WORK / f"hashes-{args.rules}-{args.files}.yar"
    empty = WORK / "no-hash-rules.yar"
    WORK.mkdir(parents=True, exist_ok=True)
    if corpus.exists():
        shutil.rmtree(corpus)
    digests = build_corpus(corpus, args.files, rng)
    listed = write_rules(rules, digests, args.rules, rng)
    empty.write_text('rule no_hash_rules { strings: $a = "no such text in the corpus" condition: $a }\n')
    print(f"{args.files} files, {args.rules} sha256 rules, {listed} listing corpus files")

    compiled = WORK / f"hashes-{args.rules}-{args.files}.yarc"
    subprocess.run([args.spoor, "compile", str(rules), "-o", str(compiled)], check=True)

    threads = str(args.threads)
    commands = {
        "spoor (hash rules)": [args.spoor, "scan", "--no-progress", "--threads", threads,
                               "--rules", str(rules), str(corpus)],
        "spoor -C (hash rules)": [args.spoor, "scan", "--no-progress", "--threads", threads,
                                  "--compiled-rules", str(compiled), str(corpus)],
        "spoor (no hash rules)": [args.spoor, "scan", "--no-progress", "--threads", threads,
                                  "--rules", str(empty), str(corpus)],
    }
    if args.yr and os.access(args.yr, os.X_OK):
        commands["yr (hash rules)"] = [args.yr, "scan", "--threads", threads, "--recursive",
                                       "--disable-console-logs", str(rules), str(corpus)]
    else:
        print("note: yr not found, its column is skipped")

    times = {name: [] for name in commands}
    outputs = {}
    unfinished = set()
    for _ in range(args.runs):
        for name, argv in commands.items():
            if name in unfinished:
                continue
            seconds, stdout = run(argv, args.yr_timeout if name.startswith("yr") else None)
            if seconds is None:
                unfinished.add(name)
                continue
            times[name].append(seconds)
            outputs[name] = stdout

    spoor_pairs = pairs(outputs["spoor (hash rules)"])
    if len(spoor_pairs) != listed:
        sys.exit(f"spoor found {len(spoor_pairs)} matches, {listed} expected")
    for name in ("spoor -C (hash rules)", "yr (hash rules)"):
        if name in outputs and pairs(outputs[name]) != spoor_pairs:
            sys.exit(f"{name} and spoor from source disagree on the matches")
    print(f"{'command':<24} {'median s':>9} {'fastest s':>9}")
    for name, samples in times.items():
        if name in unfinished:
            print(f"{name:<24} not finished in {args.yr_timeout:.0f} s")
            continue
        print(f"{name:<24} {statistics.median(samples):>9.2f} {min(samples):>9.2f}")
    base = statistics.median(times["spoor (hash rules)"])
    floor = statistics.median(times["spoor (no hash rules)"])
    for name in ("spoor (hash rules)", "spoor -C (hash rules)"):
        cost = statistics.median(times[name]) / floor - 1
        print(f"{name}: {100 * cost:+.0f}% over a scan with no hash rules")
    if "yr (hash rules)" in outputs and "yr (hash rules)" not in unfinished:
        print(f"yr / spoor: {statistics.median(times['yr (hash rules)']) / base:.1f}x")


if __name__ == "__main__":
    main()
