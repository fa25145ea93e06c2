#!/usr/bin/env bash
# Installs what building and testing Probes needs on Debian 12, once; safe to run again.
set -euo pipefail

# g++ and libc6-dev build the C/C++ fixtures (static ones too), python3.11 is the bpftrace peer's
# third-party target, time measures peak memory in a test, util-linux gives setpriv and unshare,
# prometheus (server and promtool) scrapes and checks `probes agent` in its tests (its service is not started).
APT_PACKAGES=(gcc g++ libc6-dev make binutils systemtap-sdt-dev bpftrace podman runc python3.11 time util-linux tar prometheus)

source "$(dirname "$0")/lib/debian-packages.sh"
install_missing_debian_packages setup "${APT_PACKAGES[@]}"

if ! command -v dotnet >/dev/null; then
    echo "setup: the .NET 10 SDK is not installed (dotnet not on PATH); install it, then run this again" >&2
    exit 1
fi
