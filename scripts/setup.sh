#!/usr/bin/env bash
# Installs what building and testing Probes needs on Debian 12, once; safe to run again.
set -euo pipefail

# g++ and libc6-dev build the C/C++ fixtures (static ones too), python3.11 is the bpftrace peer's
# third-party target, time measures peak memory in a test, util-linux gives setpriv and unshare,
# prometheus (server and promtool) scrapes and checks `probes agent` in its tests (its service is not started).
APT_PACKAGES=(gcc g++ libc6-dev make binutils systemtap-sdt-dev bpftrace podman runc python3.11 time util-linux tar prometheus)

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: missing Debian packages: ${missing[*]}; run as root (sudo $0) to install them" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
    echo "setup: the .NET 10 SDK is not installed (dotnet not on PATH); install it, then run this again" >&2
    exit 1
fi
