#!/usr/bin/env bash
# Installs every Debian 12 package tsuchi needs (libraries, fonts, test tools) and builds it.
# Usage: ./setup.sh [build-dir]   (run as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")"
BUILD_DIR=${1:-build}

PACKAGES=(
  build-essential cmake pkg-config ninja-build
  libcairo2-dev libharfbuzz-dev libfreetype-dev libicu-dev libpoppler-cpp-dev
  libzint-dev libzxing-dev libzip-dev libsodium-dev libsqlite3-dev libboost-filesystem-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev doctest-dev libpoppler-private-dev zlib1g-dev
  fonts-ipaexfont fonts-ipamj-mincho
  poppler-utils zbar-tools 7zip p7zip-full sqlite3 python3 openssl
  help2man groff-base   # the man page is generated at build (help2man); tests/e2e/test_install.py renders it
  jq xxd python3-cryptography   # tests/seal: the README's contractor recipe and a second Ed25519 implementation
  clang libclang-rt-14-dev   # fuzz/run.sh: libFuzzer, ASan and UBSan runtimes for clang 14
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" --parallel "$(nproc)"

# The sanitizer build (ASan + UBSan, Debug): the main build's `sanitizer_suite` test runs its
# whole suite. TSUCHI_NO_ASAN=1 skips it (that test then reports itself skipped).
if [ "${TSUCHI_NO_ASAN:-0}" != 1 ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTSUCHI_SANITIZE=ON
  cmake --build build-asan --parallel "$(nproc)"
fi
