#!/usr/bin/env bash
# Installs what the build needs, then builds (debug) and runs every test, in three phases so that
# tests which measure time or CPU are not starved by the heavy ones: everything else in parallel,
# then the replicated-coordinator scenarios (three coordinators and four donors at once), then the
# CPU-cap tests alone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
swift build --build-tests
heavy='ClusterScenarioTests'
cpu_cap_tests='CPUThrottleTests|cpuCap'
status=0
swift test --skip-build --skip "$heavy|$cpu_cap_tests" "$@" || status=$?
swift test --skip-build --filter "$heavy" "$@" || status=$?
swift test --skip-build --filter "$cpu_cap_tests" "$@" || status=$?
exit $status
