#!/usr/bin/env bash
# Installs what the build needs, then builds (debug) and runs every test.
# Tests that measure CPU caps run last, alone, so that other tests' load does not starve them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
swift build --build-tests
cpu_cap_tests='CPUThrottleTests|cpuCap'
status=0
swift test --skip-build --skip "$cpu_cap_tests" "$@" || status=$?
swift test --skip-build --filter "$cpu_cap_tests" "$@" || status=$?
exit $status
