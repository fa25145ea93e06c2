#!/usr/bin/env bash
# bench/elf/run.sh: ELFSharp 2.17.3 against the consumer's own Elf/ reader, in one process
# (DESIGN.md, "ELF reader"; results in bench/README.md). No root needed.
#
#   bench/elf/run.sh [--rounds 5] [--mutants 2000] [FILE...]    (about 5-8 minutes; Markdown on stdout)
#
# FILE defaults to python3.11, libstdc++ and a JDK's libjvm.so where present; the shim
# (native/build/libprobes.so, built here) is always first and seeds the crafted files.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v readelf > /dev/null || { echo "bench/elf/run.sh: 'readelf' not found (binutils)" >&2; exit 1; }
make -s -C native
dotnet build bench/elf/ElfReaderComparison -c Release -nologo -clp:ErrorsOnly > /dev/null
exec dotnet bench/elf/ElfReaderComparison/bin/Release/net10.0/ElfReaderComparison.dll --shim native/build/libprobes.so "$@"
