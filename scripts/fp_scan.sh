#!/usr/bin/env bash
# False-positive scan of the bundled ruleset (issue 5, acceptance 2).
#
# Scans benign files of this machine (/usr, /opt, the Python packages, the
# Rust toolchain and the crates cargo downloaded by default, or the
# directories given as arguments) with every
# rule under rules/ (for spoor: the ruleset embedded in the binary, which
# tests/bundled_files.rs keeps equal to rules/), prints the bytes and files
# covered, the wall time and the per-file errors, and lists any match.
# Exits 1 when a rule matched, 2 when less than MIN_BYTES (default 5 GB) was
# scanned, 0 otherwise.
#
# Scanner: $SCANNER if set (`spoor`, `yara` or `yara_x`), else `spoor` when
# target/release/spoor exists, else the `yara` command, else the PyPI
# `yara-x` package. Symbolic links are not followed, so nothing is scanned
# twice.
set -euo pipefail
cd "$(dirname "$0")/.."

MIN_BYTES=${MIN_BYTES:-5000000000}
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=(/usr "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')")
    for dir in /opt "${RUSTUP_HOME:-$HOME/.rustup}" "${CARGO_HOME:-$HOME/.cargo}/registry"; do
        [ -d "$dir" ] && targets+=("$dir")
    done
fi

scanner=${SCANNER:-}
if [ -z "$scanner" ]; then
    if [ -x target/release/spoor ]; then scanner=spoor
    elif command -v yara >/dev/null; then scanner=yara
    else scanner=yara_x; fi
fi

mapfile -t rule_files < <(find rules -name '*.yar' | sort)
matches=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$matches" "$errors"' EXIT
started=$(date +%s.%N)

bytes=0
files=0
for target in "${targets[@]}"; do
    read -r n b < <(find "$target" -type f -printf '%s\n' 2>/dev/null | awk '{n++; b+=$1} END {printf "%d %.0f\n", n, b}')
    files=$((files + n))
    bytes=$((bytes + b))
    case "$scanner" in
        spoor) status=0
            target/release/spoor scan --no-progress --format text "$target" >>"$matches" 2>>"$errors" || status=$?
            [ "$status" -le 2 ] || { echo "spoor exited with $status on $target" >&2; exit 2; } ;;
        yara) yara --no-follow-symlinks -r -p 2 "${rule_files[@]}" "$target" >>"$matches" 2>/dev/null || true ;;
        yara_x) python3 - "$target" "${rule_files[@]}" >>"$matches" <<'PY'
import os, sys, yara_x
target, rule_files = sys.argv[1], sys.argv[2:]
compiler = yara_x.Compiler()
for path in rule_files:
    compiler.add_source(open(path).read(), origin=path)
rules = compiler.build()
for root, _dirs, names in os.walk(target):
    for name in names:
        path = os.path.join(root, name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        try:
            for rule in rules.scan_file(path).matching_rules:
                print(rule.identifier, path)
        except Exception:
            pass
PY
        ;;
        *) echo "unknown scanner $scanner" >&2; exit 2 ;;
    esac
done

echo "scanner: $scanner"
echo "rules: ${#rule_files[@]} files, $(grep -ch '^rule ' "${rule_files[@]}" | paste -sd+ | bc) rules"
echo "scanned: $files files, $bytes bytes ($(awk "BEGIN {printf \"%.2f\", $bytes / 1e9}") GB) in ${targets[*]}"
echo "time: $(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $started}") s wall, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "per-file errors (reported by the scanner, scan went on): $(wc -l <"$errors")"
head -5 "$errors"
echo "matches: $(wc -l <"$matches")"
cat "$matches"
if [ -s "$matches" ]; then exit 1; fi
if [ "$bytes" -lt "$MIN_BYTES" ]; then echo "less than $MIN_BYTES bytes scanned" >&2; exit 2; fi
