#!/usr/bin/env bash
# Installs what the build needs, then builds (debug) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
swift build --build-tests
swift test --skip-build "$@"
