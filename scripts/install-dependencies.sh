#!/usr/bin/env bash
# Installs the Debian packages Borg builds against (C libraries behind systemLibrary targets: SQLite, dqlite,
# ISA-L for erasure coding, zlib for the gzip files of the statistics export), bubblewrap, the sandbox native apps run in on donors, and iproute2 and
# nftables, with which the network fault tests build their lab of network namespaces. With --tests, also
# Chromium, in which the dashboard's browser test loads every page, and schemathesis (PyPI, in a virtual
# environment under .build/schemathesis), which checks the coordinator's API against its OpenAPI document.
set -euo pipefail
packages=(libsqlite3-dev libdqlite-dev libisal-dev zlib1g-dev pkg-config python3 bubblewrap iproute2 nftables)
if [ "${1:-}" = "--tests" ]; then packages+=(chromium python3-venv); fi
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
command -v swift >/dev/null || { echo "Swift 6.1 or newer is needed on PATH (https://swift.org/install)"; exit 1; }
if [ "${1:-}" = "--tests" ]; then
  schemathesis_version=4.32.5
  venv="$(cd "$(dirname "$0")/.." && pwd)/.build/schemathesis"
  if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
    echo "Installing schemathesis $schemathesis_version into $venv ..."
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
  fi
fi
