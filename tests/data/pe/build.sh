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
    # The build directory is mapped away from the debug information.
    $cc -O0 -g -fdebug-prefix-map="$PWD"=. -Wl,--no-insert-timestamp \
        -o "sample${bits}_debug.exe" "$src/sample_exe.c" \
        -luser32 -ladvapi32
    rm "sample$bits.res"
    # Imports by ordinal only, through an import library made from a .def.
    $arch-w64-mingw32-dlltool -d "$src/ordinal_imports.def" -l libordinals.a
    $cc -O1 -s -Wl,--no-insert-timestamp -o "ordinals$bits.exe" "$src/ordinal_imports.c" \
        libordinals.a
    rm libordinals.a
done

# A 32-bit ELF executable, when the host binutils can make one.
if as --32 -o elf32.o "$src/elf32_start.s" 2>/dev/null; then
    ld -m elf_i386 -o elf32_start elf32.o
    rm elf32.o
fi

# A .NET assembly, when Mono's C# compiler is installed (Debian mono-mcs).
if command -v mcs >/dev/null 2>&1; then
    printf 'resource payload for spoor\n' > payload.txt
    mkdir -p dotnet_a dotnet_b
    for d in dotnet_a dotnet_b; do
        (cd "$d" && mcs -nologo -out:sample_dotnet.exe -resource:../payload.txt,payload.txt \
            "$src/sample_dotnet.cs")
    done
    # mcs writes a random module version id (MVID): zero the bytes that
    # differ between the two builds so that the sample is reproducible.
    cmp -l dotnet_a/sample_dotnet.exe dotnet_b/sample_dotnet.exe | while read -r pos _ _; do
        printf '\0' | dd of=dotnet_a/sample_dotnet.exe bs=1 seek=$((pos - 1)) conv=notrunc 2>/dev/null
    done
    mv dotnet_a/sample_dotnet.exe .
    rm -rf dotnet_a dotnet_b payload.txt
fi

# Authenticode-signed copies, when osslsigncode is installed, with the test
# key and certificate in signing/ (RSA signatures and a fixed signing time
# keep them reproducible).
if command -v osslsigncode >/dev/null 2>&1; then
    keys=$(cd "$src/../signing" && pwd)
    for f in sample32.exe sample64.dll; do
        osslsigncode sign -certs "$keys/test-cert.pem" -key "$keys/test-key.pem" \
            -n "spoor sample" -i https://example.invalid/spoor -h sha256 -time 1700000000 \
            -in "$f" -out "signed_$f" >/dev/null
    done
    osslsigncode sign -certs "$keys/test-cert.pem" -key "$keys/test-key.pem" -h sha1 \
        -time 1700000000 -in sample64.exe -out signed_sha1_sample64.exe >/dev/null
    # A signed file changed after signing: the signature no longer verifies.
    cp signed_sample32.exe tampered_signed_sample32.exe
    printf 'X' | dd of=tampered_signed_sample32.exe bs=1 seek=1100 conv=notrunc 2>/dev/null
fi
