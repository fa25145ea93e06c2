#!/usr/bin/env bash
# How long Probes.Fody takes to weave an assembly with N [ProbePhase] methods (default 1000:
# half synchronous, half async Task<int>), as Fody itself reports it in a real build.
# Usage: bench/Probes.Weaver.Benchmarks/weaving-time.sh [N] [Debug|Release]
set -euo pipefail
count=${1:-1000}
configuration=${2:-Release}
root=$(cd "$(dirname "$0")/../.." && pwd)
project="$root/artifacts/weaving-time"   # artifacts/ is ignored by git
rm -rf "$project" && mkdir -p "$project"

cat > "$project/WeavingTime.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <NoWarn>\$(NoWarn);CA1822;CA1515</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$root/src/Probes.Sdk/Probes.Sdk.csproj" />
  </ItemGroup>
  <Import Project="$root/src/Probes.Weaver/build/Probes.InSolutionWeaving.targets" />
</Project>
XML
printf '<Weavers>\n  <Probes />\n</Weavers>\n' > "$project/FodyWeavers.xml"
{
  echo "using Probes;"
  echo "namespace WeavingTime;"
  echo "public sealed class Phases"
  echo "{"
  for ((i = 0; i < count; i++)); do
    if ((i % 2 == 0)); then
      echo "    [ProbePhase] public int Sync$i(int x) { if (x < 0) { return -x; } return x + $i; }"
    else
      echo "    [ProbePhase] public async Task<int> Async$i(int x) { await Task.Yield(); return x + $i; }"
    fi
  done
  echo "}"
} > "$project/Phases.cs"

cd "$project"
dotnet build -c "$configuration" -v:d > build.log 2>&1 || { tail -30 build.log; exit 1; }
woven=$(grep -c '"kind":' < <(strings "bin/$configuration/net10.0/WeavingTime.dll" | grep -o '"kind":"[a-z]*"') || true)
echo "methods: $count ($configuration), phases in manifest: $woven"
grep -E "Fody/Probes: Finished 'Probes' in|Fody: Finished writing assembly" build.log | head -2 | sed 's/^ *//'
