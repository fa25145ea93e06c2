#!/usr/bin/env bash
# Installs what the browser test needs, once; safe to run again: Chromium from Debian (driven
# headless; Node.js and npm come with the machine) and the node packages of tests/Browser (playwright-core drives it, speedscope is the
# viewer the trace is opened in). Without a registry it fails here with one line, never later.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium)
missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup-browser: missing Debian packages: ${missing[*]}; run as root (sudo $0) to install them" >&2
        exit 1
    fi
    echo "setup-browser: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Another apt-get (a parallel setup) holds the lock for a while: wait for it rather than fail.
    if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
        echo "setup-browser: could not install ${missing[*]} from Debian's archive" >&2
        exit 1
    fi
fi

browser=tests/Browser
# package.json pins exact versions; an install is redone only when it changed.
if [[ ! -f $browser/node_modules/.installed || $browser/package.json -nt $browser/node_modules/.installed ]]; then
    echo "setup-browser: installing the node packages of $browser"
    command -v npm >/dev/null || { echo "setup-browser: npm is not on PATH" >&2; exit 1; }
    if ! npm install --prefix "$browser" --no-audit --no-fund --loglevel=error >/dev/null; then
        echo "setup-browser: npm could not install $browser/package.json (playwright-core, speedscope): is the npm registry reachable?" >&2
        exit 1
    fi
    touch "$browser/node_modules/.installed"
fi
command -v node >/dev/null || { echo "setup-browser: node is not on PATH (the browser test runs with Node.js 18 or later)" >&2; exit 1; }
command -v chromium >/dev/null || { echo "setup-browser: chromium is not on PATH after the install" >&2; exit 1; }
