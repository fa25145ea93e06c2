#!/usr/bin/env bash
# Runs the whole test suite: unit, Kernel (BPF, uprobes, bpftrace) and Container (podman)
# tests. As root, a Kernel or Container test that cannot run fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# Chromium and the node packages of the browser test (category Browser: speedscope renders a timeline).
bash scripts/setup-browser.sh

configuration=${CONFIGURATION:-Release}
results=artifacts/test-results
rm -rf "$results"

if [[ $(id -u) -eq 0 ]]; then
    export PROBES_REQUIRE_KERNEL=1
else
    echo "test: not root: Kernel and Container tests will be skipped (each prints why)" >&2
fi

dotnet build Probes.sln -c "$configuration" -nologo -clp:ErrorsOnly
status=0
# One test assembly at a time: the Kernel and Container tests compare durations and counts
# with what the traced processes measured themselves, which other suites running on the
# same two cores would blur.
dotnet test Probes.sln -c "$configuration" --no-build -nologo -m:1 --filter "TestCategory!=Native" \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
    --blame-hang-timeout 10m || status=$?

# The shipped form: the tests that run the probes binary (category Cli), again against the Native
# AOT executable, and the Native ones that check what that executable needs on a host.
native_started=$SECONDS
native=$(bash scripts/publish-native.sh) || status=$?
if [[ -n ${native:-} ]]; then
    PROBES_CLI=$PWD/$native dotnet test tests/Probes.Consumer.Tests -c "$configuration" --no-build -nologo \
        --filter "TestCategory=Cli|TestCategory=Native" \
        --logger "trx;LogFileName=native-cli.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
        --blame-hang-timeout 10m || status=$?
fi
echo "test: the native pass (compile and Cli tests) took $(( SECONDS - native_started )) s"

# One closing line over every test assembly, from the TRX counters.
sum() { cat "$results"/*.trx 2>/dev/null | grep -o "<Counters [^>]*" | grep -o " $1=\"[0-9]*\"" | tr -dc '0-9\n' | awk '{ s += $1 } END { print s + 0 }'; }
passed=$(sum passed); failed=$(( $(sum failed) + $(sum error) + $(sum timeout) + $(sum aborted) ))
# vstest's TRX counts a skipped (Assert.Inconclusive) test in total but in none of notExecuted or
# inconclusive: it is the part of total that was not executed.
skipped=$(( $(sum total) - $(sum executed) ))
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"

if [[ $(id -u) -eq 0 && $skipped -ne 0 ]]; then
    echo "test: $skipped test(s) skipped while running as root; every Kernel and Container test must run here" >&2
    status=1
fi
if [[ $passed -eq 0 ]]; then
    echo "test: no test ran" >&2
    status=1
fi
exit $status
