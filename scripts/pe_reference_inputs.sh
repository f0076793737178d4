#!/bin/sh
# Regenerates tests/data/pe/reference: the mingw-built PE samples, the
# Python launcher .exe files of this machine and a set of its ELF files.
# Usage: scripts/pe_reference_inputs.sh   (needs gcc-mingw-w64 and yara-x)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
built=$(mktemp -d)
trap 'rm -rf "$built"' EXIT
"$root/tests/data/pe/build.sh" "$built"
launchers=$(find /root/.pyenv -name '*.exe' 2>/dev/null | sort | xargs -r md5sum | sort -u -k1,1 | awk '{print $2}')
elfs=""
for f in /usr/bin/ls /usr/bin/bash /usr/bin/gzip /usr/bin/find /usr/bin/make /usr/bin/tar \
    /usr/bin/ssh /usr/bin/curl /usr/bin/strip /usr/lib/x86_64-linux-gnu/libz.so.1 \
    /usr/lib/x86_64-linux-gnu/crt1.o; do
    [ -f "$f" ] && elfs="$elfs $(readlink -f "$f")"
done
rm -f "$root"/tests/data/pe/reference/*.json
# shellcheck disable=SC2086
python3 "$root/scripts/pe_reference.py" --built "$built" $launchers $elfs
