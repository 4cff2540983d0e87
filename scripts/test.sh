#!/usr/bin/env bash
# Installs what the build needs, then builds (debug) and runs every test, in five phases so that
# tests which measure time or CPU are not starved by the heavy ones: everything else in parallel,
# then the whole-grid scenarios (replicated coordinators, real donors), then the dashboard in a
# browser, then the network fault scenarios (namespaces, as root), then the CPU-cap tests alone, one at a time (each measures the share of the whole machine its apps get). Each phase has a time limit; a phase that hangs is stopped and fails.
# Each phase prints "phase NAME: started" before and "phase NAME: exit N" after, which .ci/run counts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh --tests
swift build --build-tests
# The whole-grid scenarios run apart from the sandbox's hostile-app tests: apps of every test run as the same
# unprivileged user, whose process count a fork bomb fills (see docs/SECURITY.md, Known limits).
heavy='ClusterScenarioTests|DonorScenarioTests|StorageScenarioTests'
# The dashboard in headless Chromium, apart: a donor scenario timed out once while the browser tests ran beside it.
browser='DashboardBrowserTests'
# The network fault scenarios (root only) build whole grids in network namespaces: alone, after the others.
network='NetworkFaultTests'
cpu_cap_tests='CPUThrottleTests|cpuCap'
status=0

# phase NAME SECONDS ARGS...: runs `swift test --skip-build ARGS` in a session of its own (a script's
# background job leads no process group, so setsid runs swift test itself and its PID is the session's
# ID). Past SECONDS, every process of that session — swift test, the test runner (swift test starts it in
# a process group of its own) and the servers and clients the tests started — gets SIGTERM, and SIGKILL
# if it is still there 30 s later.
phase() {
    local name=$1 limit=$2 rc=0
    shift 2
    echo "phase $name: started (time limit $limit s)"
    setsid swift test --skip-build "$@" &
    session=$!
    local started=$SECONDS
    while kill -0 "$session" 2>/dev/null; do
        if (( SECONDS - started >= limit )); then
            echo "phase $name: exceeded its time limit of $limit s and was stopped"
            stop_session "$session"
            break
        fi
        sleep 1
    done
    wait "$session" || rc=$?
    session=""
    echo "phase $name: exit $rc"
    if [ "$rc" -ne 0 ]; then status=$rc; fi
}

# stop_session SID: SIGTERM to every process of session SID, SIGKILL to those left after 30 s.
stop_session() {
    pkill -TERM -s "$1" || true
    for _ in $(seq 30); do
        pgrep -s "$1" >/dev/null || return 0
        sleep 1
    done
    pkill -KILL -s "$1" || true
}

# The running phase's session; interrupting this script stops it too (it is not in the terminal's session).
session=""
trap '[ -z "$session" ] || stop_session "$session"; exit 130' INT TERM

phase main 1200 --skip "$heavy|$browser|$network|$cpu_cap_tests" "$@"   # 20 minutes
phase cluster 900 --filter "$heavy" --skip "$cpu_cap_tests" "$@"   # 15 minutes
phase browser 600 --filter "$browser" "$@"   # 10 minutes
phase network 900 --filter "$network" "$@"   # 15 minutes
phase cpu 600 --filter "$cpu_cap_tests" --no-parallel "$@"   # 10 minutes
exit $status
