#!/usr/bin/env bash
# Installs what the browser test needs, once; safe to run again: Chromium from Debian (driven
# headless; Node.js and npm come with the machine) and the node packages of tests/Browser (playwright-core drives it, speedscope is the
# viewer the trace is opened in). Without a registry it fails here with one line, never later.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/debian-packages.sh
install_missing_debian_packages setup-browser chromium

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
