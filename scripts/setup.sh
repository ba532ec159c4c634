#!/usr/bin/env bash
# setup.sh: install everything wmesh needs on a fresh Debian machine (apt and
# npm packages), safely re-runnable. Used by demo.sh, test.sh and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Emscripten (3.1.6) for the wasm build, a native toolchain
# with sanitizers and libFuzzer for the portable core, wasi-libc for the
# wasm32-wasi build of the core, and Chromium for the browser tests (driven
# by playwright-core, which cannot download a browser here), and the stb
# headers (libstb-dev) that the image demo is built on, and nats-server, the
# broker that hosts of one mesh meet through (tests start their own).
APT_PACKAGES=(
  emscripten cmake make gcc clang lld libclang-rt-14-dev
  wasi-libc libclang-rt-14-dev-wasm32 chromium libstb-dev clang-format
  nats-server
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v node >/dev/null || { echo "setup: Node.js 20 or later is required" >&2; exit 1; }

# npm packages, exactly as the lock file pins them.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
