#!/usr/bin/env bash
# Compiles the shipped form of `probes`: one Native AOT executable for linux-x64 that needs only
# glibc (libc.so.6, libm.so.6, ld-linux-x86-64.so.2; DESIGN.md "Native AOT").
#
#   scripts/publish-native.sh [OUTPUT_DIR]     default artifacts/probes-linux-x64; prints the path
set -euo pipefail
cd "$(dirname "$0")/.."

output=${1:-artifacts/probes-linux-x64}
# PublishAot comes from the project whenever a RuntimeIdentifier is given; the .NET tool package
# (dotnet pack, no RuntimeIdentifier) stays framework-dependent IL.
dotnet publish src/Probes.Consumer -c Release -r linux-x64 -o "$output" -nologo -clp:ErrorsOnly >&2
rm -f "$output/probes.dbg"   # StripSymbols keeps the symbols apart; the shipped folder is the executable alone
[[ -x $output/probes && ! -e $output/probes.dll ]] || { echo "publish-native: $output/probes is not a native executable" >&2; exit 1; }
echo "$output/probes"
