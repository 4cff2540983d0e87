#!/usr/bin/env bash
# Installs the Debian packages Borg builds against (C libraries behind systemLibrary targets: SQLite, dqlite,
# ISA-L for erasure coding, zlib for the gzip files of the statistics export), bubblewrap, the sandbox native apps run in on donors, and iproute2 and
# nftables, with which the network fault tests build their lab of network namespaces. With --tests, also
# Chromium, in which the dashboard's browser test loads every page.
set -euo pipefail
packages=(libsqlite3-dev libdqlite-dev libisal-dev zlib1g-dev pkg-config python3 bubblewrap iproute2 nftables)
if [ "${1:-}" = "--tests" ]; then packages+=(chromium); fi
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
