#!/usr/bin/env bash
# A whole Borg grid on this machine: one coordinator, several donors (each its own account and
# its own borg-client with a different --cpu cap, each lending 256 MiB of disk), the primes project
# counting pi(x), checked against the published value, a file stored on the donors' disks (encrypted,
# erasure-coded) and read back after one of them is killed, and every donor's contribution.
#
#   scripts/local-grid.sh [--upto N] [--units N] [--keep] [--listen HOST:PORT]
#
#   --upto N     count the primes below N (default 5000000000 = 5 x 10^9, a minute or two on a
#                2-core machine; powers of ten and 2, 4, 5 x 10^9 are checked against the published pi(x))
#   --units N    work units (default 50)
#   --keep       leave the grid running and print how to enroll another machine
#   --listen A   the coordinator's address (default 127.0.0.1:0, a free port; use
#                0.0.0.0:8080 with --keep to let other machines join)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

upto=5000000000
units=50
keep=0
listen=127.0.0.1:0
while [ $# -gt 0 ]; do
  case "$1" in
    --upto) upto=${2:?--upto needs a number}; shift 2 ;;
    --units) units=${2:?--units needs a number}; shift 2 ;;
    --keep) keep=1; shift ;;
    --listen) listen=${2:?--listen needs HOST:PORT}; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "local-grid.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

scripts/install-dependencies.sh
echo "== building (release)"
swift build -c release
bin=$(swift build -c release --show-bin-path)

grid=$(mktemp -d "${TMPDIR:-/tmp}/borg-grid.XXXXXX")
pids=()
stop_all() {  # one by one, in order: the clients report on their way out, then the coordinator
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  status=$?
  if [ "$keep" -eq 0 ] || [ "$status" -ne 0 ]; then
    stop_all
    [ "$status" -eq 0 ] && rm -rf "$grid" || echo "logs kept in $grid"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== coordinator"
"$bin/borg-server" serve --data-dir "$grid/coordinator" --listen "$listen" --port-file "$grid/port" \
  >"$grid/coordinator.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do [ -s "$grid/port" ] && break; sleep 0.1; done
[ -s "$grid/port" ] || { echo "borg-server did not start:"; cat "$grid/coordinator.log"; exit 1; }
host=${listen%:*}
[ "$host" = "0.0.0.0" ] && host=127.0.0.1
url="http://$host:$(cat "$grid/port")"
export BORG_COORDINATOR="$url" BORG_API_KEY_FILE="$grid/coordinator/admin.key"
echo "coordinator $url (pid $server_pid), data in $grid"
echo "dashboard $url/ (open it in a browser while the batch runs)"

echo "== project primes, signed"
"$bin/borg-submit" keys create --out "$grid/keys"
"$bin/borg-submit" project create --manifest Projects/primes/manifest.json --signing-key "$grid/keys/signing.key"

echo "== donors"
donors=(ada:40% bob:30% cy:20% dee:10%)
for entry in "${donors[@]}"; do
  name=${entry%%:*}
  cpu=${entry#*:}
  token=$("$bin/borg-submit" donor add "$name" --quiet)
  "$bin/borg-client" enroll "$url" --token "$token" --cpu "$cpu" --name "$name" --data-dir "$grid/donors/$name" \
    --storage 256MiB --storage-listen 127.0.0.1:0
  "$bin/borg-client" run --data-dir "$grid/donors/$name" >"$grid/donors/$name.log" 2>&1 &
  pids+=($!)
done
pids+=("$server_pid")

echo "== batch: primes below $upto in $units work units, quorum 2"
python3 Projects/primes/generate.py "$grid/units" --upto "$upto" --units "$units"
for unit in "$grid"/units/primes-*; do
  mkdir -p "$grid/inputs/$(basename "$unit")"
  cp "$unit" "$grid/inputs/$(basename "$unit")/range"
done
batch=$("$bin/borg-submit" batch submit primes --inputs "$grid/inputs" --quiet)
started=$(date +%s)
"$bin/borg-submit" batch status "$batch" --watch
echo "batch $batch took $(( $(date +%s) - started )) s"

echo "== results"
"$bin/borg-submit" batch results "$batch" --out "$grid/results"
python3 Projects/primes/assemble.py "$grid/units" "$grid/results"

echo "== storage: a file on the donors' disks"
head -c $((32 << 20)) /dev/urandom >"$grid/precious.bin"
"$bin/borg-client" files put "$grid/precious.bin" --name precious.bin --data-dir "$grid/donors/ada"
"$bin/borg-client" space --data-dir "$grid/donors/ada"
echo "-- dee's machine stops (SIGKILL); the file is read back from the other three"
kill -9 "${pids[3]}"
"$bin/borg-client" files get precious.bin --out "$grid/precious.back" --data-dir "$grid/donors/ada"
cmp "$grid/precious.bin" "$grid/precious.back" && echo "read back identical: $(stat -c %s "$grid/precious.back") bytes"

echo "== contributions"
for entry in "${donors[@]}"; do
  name=${entry%%:*}
  echo "-- $name (--cpu ${entry#*:})"
  "$bin/borg-client" stats --data-dir "$grid/donors/$name"
done

if [ "$keep" -eq 1 ]; then
  cat <<MSG

The grid keeps running (coordinator pid $server_pid; clients ${pids[*]}); its dashboard is at $url/
Enroll another machine (start the coordinator with --listen 0.0.0.0:8080 so that it can reach it):
  $bin/borg-submit donor add NAME --coordinator $url --api-key-file $grid/coordinator/admin.key --quiet
  borg-client enroll http://THIS-MACHINE:$(cat "$grid/port") --token TOKEN --cpu 50% && borg-client run
Stop it with: kill ${pids[*]}; rm -rf $grid
MSG
fi
