#!/bin/sh
# Runs fuzz targets one after another, each until 10^6 executions or
# SECONDS seconds, whichever comes first, with libFuzzer's RSS and
# per-input time limits. The corpus and crash artifacts stay outside git.
# The differential target against YARA-X is a script of its own:
# scripts/differential_conditions.py --seconds SECONDS.
#
# Usage: fuzz/run.sh SECONDS [TARGET...]      (default: every target)
# Environment: FUZZ_CORPUS (default /tmp/spoor-fuzz/corpus), FUZZ_LOGS
# (default /tmp/spoor-fuzz/logs), FUZZ_TARGET_DIR (cargo's target dir,
# default /tmp/spoor-fuzz/target).
set -eu
seconds=${1:?usage: run.sh SECONDS [TARGET...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
corpus=${FUZZ_CORPUS:-/tmp/spoor-fuzz/corpus}
logs=${FUZZ_LOGS:-/tmp/spoor-fuzz/logs}
target_dir=${FUZZ_TARGET_DIR:-/tmp/spoor-fuzz/target}
mkdir -p "$corpus" "$logs"
python3 "$here/seed.py" "$corpus"
cd "$here"
targets=${*:-$(RUSTC_BOOTSTRAP=1 cargo fuzz list)}
for target in $targets; do
    mkdir -p "$corpus/$target" "$logs/$target-artifacts"
    # Stable Rust: RUSTC_BOOTSTRAP lets cargo-fuzz pass its nightly flags.
    # No sanitizer: spoor has no unsafe code outside its SIGBUS guard, and
    # panics, timeouts and OOMs are caught by libFuzzer itself.
    status=0
    start=$(date +%s)
    RUSTC_BOOTSTRAP=1 cargo fuzz run -s none --target-dir "$target_dir" "$target" \
        "$corpus/$target" -- -runs=1000000 -max_total_time="$seconds" \
        -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$logs/$target-artifacts/" \
        -print_final_stats=1 >"$logs/$target.log" 2>&1 || status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$target.log" | grep -o '[0-9]*$' || true)
    echo "$target: exit $status, ${execs:-?} executions, $(($(date +%s) - start)) s," \
        "$(ls "$logs/$target-artifacts" | wc -l) artifacts"
done
