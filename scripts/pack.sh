#!/usr/bin/env bash
# Packs every NuGet package of the product (Release, version 0.1.0) into one folder, by default
# artifacts/packages/:
#   Probes.Sdk      the library (net8.0) with runtimes/linux-x64/native/libprobes.so, and the
#                   PROBES001 analyzer with its buildTransitive/Probes.Sdk.targets
#   Probes.Hosting  DI and generic-host integration
#   Probes.Fody     the Fody add-in (weaver/Probes.Fody.dll, build/Probes.Fody.props)
#   Probes.Tool     the `probes` CLI as a .NET tool
# and the shipped form of the CLI, artifacts/probes-linux-x64/probes: a Native AOT executable
# that needs only glibc (scripts/publish-native.sh).
#
#   scripts/pack.sh [OUTPUT_DIR]                   packages and the native executable
#   scripts/pack.sh --packages-only [OUTPUT_DIR]   packages only
set -euo pipefail
cd "$(dirname "$0")/.."

native=true
if [[ ${1:-} == --packages-only ]]; then
    native=false
    shift
fi
output=${1:-artifacts/packages}
mkdir -p "$output"
output=$(cd "$output" && pwd)

projects=(src/Probes.Sdk src/Probes.Hosting src/Probes.Weaver src/Probes.Consumer)
ids=(Probes.Sdk Probes.Hosting Probes.Fody Probes.Tool)

for id in "${ids[@]}"; do
    rm -f "$output/$id".*.nupkg
done
for project in "${projects[@]}"; do
    dotnet pack "$project" -c Release -o "$output" -nologo -clp:ErrorsOnly
done
for id in "${ids[@]}"; do
    ls "$output/$id".*.nupkg >/dev/null || { echo "pack: $id was not packed" >&2; exit 1; }
done
echo "pack: $(ls "$output"/*.nupkg | wc -l) package(s) in $output"

if $native; then
    echo "pack: native probes in $(bash scripts/publish-native.sh artifacts/probes-linux-x64)"
fi
