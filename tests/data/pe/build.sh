#!/bin/sh
# Builds the PE samples of the pe module tests into OUTDIR with mingw-w64.
# Timestamps are left out so that the same toolchain gives the same bytes
# (the stored reference values are keyed by the files' MD5).
# Usage: tests/data/pe/build.sh OUTDIR
set -eu
out=$1
src=$(cd "$(dirname "$0")/src" && pwd)
mkdir -p "$out"
# Relative output names: ld derives the DLL timestamp from a hash that
# includes the output path.
cd "$out"
for arch in i686 x86_64; do
    cc=$arch-w64-mingw32-gcc
    rc=$arch-w64-mingw32-windres
    bits=$([ "$arch" = i686 ] && echo 32 || echo 64)
    $rc "$src/sample.rc" -O coff -o "sample$bits.res"
    $cc -O1 -shared -s -Wl,--no-insert-timestamp -o "sample$bits.dll" \
        "$src/sample_dll.c" "$src/sample_dll.def" "sample$bits.res" -luser32 -lws2_32
    $cc -O1 -s -Wl,--no-insert-timestamp -o "sample$bits.exe" \
        "$src/sample_exe.c" "sample$bits.res" -luser32 -ladvapi32
    # Unstripped, with debug sections whose long names live in the COFF
    # string table (`/4`-style section names).
    $cc -O0 -g -Wl,--no-insert-timestamp -o "sample${bits}_debug.exe" "$src/sample_exe.c" \
        -luser32 -ladvapi32
    rm "sample$bits.res"
done
