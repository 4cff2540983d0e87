#!/usr/bin/env bash
# Installs what the build needs, then builds (debug) and runs every test, in three phases so that
# tests which measure time or CPU are not starved by the heavy ones: everything else in parallel,
# then the replicated-coordinator scenarios (three coordinators and four donors at once), then the
# CPU-cap tests alone. Each phase has a time limit; a phase that hangs is stopped and fails.
# Each phase prints "phase NAME: started" before and "phase NAME: exit N" after, which .ci/run counts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
swift build --build-tests
heavy='ClusterScenarioTests'
cpu_cap_tests='CPUThrottleTests|cpuCap'
status=0

# phase NAME LIMIT ARGS...: runs `swift test --skip-build ARGS` for at most LIMIT (timeout's duration, e.g.
# 20m), then SIGTERM to it and everything it started (SIGKILL a minute later).
phase() {
    local name=$1 limit=$2 rc=0
    shift 2
    echo "phase $name: started (time limit $limit)"
    timeout --kill-after=60 "$limit" swift test --skip-build "$@" || rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "phase $name: exceeded its time limit of $limit and was stopped"
    fi
    echo "phase $name: exit $rc"
    if [ "$rc" -ne 0 ]; then status=$rc; fi
}

phase main 20m --skip "$heavy|$cpu_cap_tests" "$@"
phase cluster 15m --filter "$heavy" "$@"
phase cpu 10m --filter "$cpu_cap_tests" "$@"
exit $status
