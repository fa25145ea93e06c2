#!/usr/bin/env bash
# Builds the sample service into a container image without a registry: a self-contained,
# ReadyToRun publish (as a startup-sensitive service ships) plus exactly the shared libraries
# it needs, imported into podman from a tarball.
# Usage: scripts/build-sample-image.sh [IMAGE]   (default localhost/probes-sample:latest)
set -euo pipefail
cd "$(dirname "$0")/.."

image=${1:-localhost/probes-sample:latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

dotnet publish samples/Probes.Sample -c Release -r linux-x64 --self-contained \
    -p:InvariantGlobalization=true -p:PublishReadyToRun=true -nologo -v quiet -o "$rootfs/app" >/dev/null

# Every shared library the app host, the runtime and our shim load, with the dynamic loader,
# at the same paths as on this host.
find "$rootfs/app" -type f \( -name '*.so' -o -name Probes.Sample \) -print0 |
    xargs -0 ldd 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u |
    while read -r library; do
        [[ -e $library ]] || continue
        mkdir -p "$rootfs$(dirname "$library")"
        cp -L "$library" "$rootfs$library"
    done
mkdir -p "$rootfs/tmp" && chmod 1777 "$rootfs/tmp"
# Debian's merged /usr: the loader is looked up through /lib64.
[[ -e $rootfs/lib64 ]] || ln -s usr/lib64 "$rootfs/lib64" 2>/dev/null || true

tar -C "$rootfs" -cf "$work/rootfs.tar" .
podman image rm -f "$image" >/dev/null 2>&1 || true
podman import --change 'WORKDIR=/app' --change 'ENTRYPOINT=["/app/Probes.Sample"]' \
    "$work/rootfs.tar" "$image" >/dev/null
echo "$image"
