#!/usr/bin/env bash
# Builds the node agent's container image without a registry: the Native AOT `probes`
# (scripts/publish-native.sh), the native OCI hook `probes-hook` (static; a DaemonSet's init step
# copies it to the node for the runtime's hooks.d), and the three glibc files the executable
# needs (ldd), imported into podman from a tarball. No shell, no package manager.
#   scripts/build-agent-image.sh [IMAGE] [PROBES]   default localhost/probes-agent:latest, and a
#   fresh publish; prints the image and its size
set -euo pipefail
cd "$(dirname "$0")/.."

image=${1:-localhost/probes-agent:latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
probes=${2:-$(scripts/publish-native.sh "$work/publish")}
make -s -C native hook >&2
rootfs=$work/rootfs
mkdir -p "$rootfs/usr/local/bin" "$rootfs/tmp" "$rootfs/run/probes"
chmod 1777 "$rootfs/tmp"
cp "$probes" native/build/probes-hook "$rootfs/usr/local/bin/"
ldd "$probes" | grep -o '/[^ ]*\.so[^ ]*' | sort -u | while read -r library; do
    mkdir -p "$rootfs$(dirname "$library")"
    cp -L "$library" "$rootfs$library"
done
# Debian's merged /usr: the loader is looked up through /lib64.
[[ -e $rootfs/lib64 ]] || ln -s usr/lib64 "$rootfs/lib64" 2>/dev/null || true

tar -C "$rootfs" -cf "$work/rootfs.tar" .
podman image rm -f "$image" >/dev/null 2>&1 || true
podman import --quiet --change 'ENTRYPOINT=["/usr/local/bin/probes"]' --change 'CMD=["agent"]' \
    "$work/rootfs.tar" "$image" >/dev/null
echo "$image $(podman image inspect --format '{{.Size}}' "$image") bytes"
