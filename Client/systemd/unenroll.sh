#!/usr/bin/env bash
# Takes a machine installed with Client/systemd/install.sh off the grid:
#
#   sudo Client/systemd/unenroll.sh [--force]
#
# Stops and disables the borg-client service (its tasks end at their last checkpoint), runs
# 'borg-client unenroll' as the service's user (finished tasks are reported, unfinished ones given
# back, and everything the client wrote in /var/lib/borg is deleted), then removes the emptied
# /var/lib/borg and the unit file. --force is passed on: delete even if no coordinator answers.
# The programs in /usr/local/bin and the user 'borg' stay; remove them with
#   rm /usr/local/bin/borg-client /usr/local/bin/borg-sandbox && userdel borg
#
# Without a running systemd (a container, a chroot, a machine booted with another init) nothing can be
# stopped or disabled through systemctl: the script says so, 'borg-client unenroll' stops a running
# client through its pid file instead, and the unit file is still removed so that no later boot with
# systemd starts the client again.
#
# BORG_DATA_DIR, BORG_USER, BORG_CLIENT and BORG_UNIT_DIR override /var/lib/borg, borg,
# /usr/local/bin/borg-client and /etc/systemd/system (for tests).
set -euo pipefail
service=borg-client.service
data=${BORG_DATA_DIR:-/var/lib/borg}
user=${BORG_USER:-borg}
client=${BORG_CLIENT:-/usr/local/bin/borg-client}
unit=${BORG_UNIT_DIR:-/etc/systemd/system}/$service

[ "$(id -u)" -eq 0 ] || { echo "unenroll.sh: run as root (sudo)" >&2; exit 1; }
force=()
case "${1:-}" in
  "") ;;
  --force) force=(--force) ;;
  *) sed -n '2,10p' "$0" >&2; exit 64 ;;
esac

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemd=yes
  if systemctl cat "$service" >/dev/null 2>&1; then
    echo "stopping and disabling $service"
    systemctl disable --now "$service"
  else
    echo "$service is not installed; nothing to stop or disable"
  fi
else
  systemd=no
  echo "systemd is not running on this machine: $service cannot be stopped or disabled with systemctl." \
    "'borg-client unenroll' stops a running client itself, and the unit file is removed so no later boot starts it."
fi

if [ -f "$data/config.json" ]; then
  status=0
  runuser -u "$user" -- "$client" unenroll --data-dir "$data" "${force[@]}" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "unenroll.sh: 'borg-client unenroll' failed (exit $status): the client is stopped but the host is" \
      "still enrolled in $data. Fix the cause and run this again, or pass --force." >&2
    exit "$status"
  fi
else
  echo "no host is enrolled in $data; nothing to unenroll"
fi

if [ -e "$unit" ]; then
  rm -f "$unit"
  echo "removed $unit"
  if [ "$systemd" = yes ]; then systemctl daemon-reload; fi
fi
if [ -d "$data" ]; then
  if rmdir "$data" 2>/dev/null; then
    echo "removed $data"
  else
    echo "unenroll.sh: $data is not empty, so it stays; what is left there was not written by the client" >&2
  fi
fi
echo "This machine has left the grid."
