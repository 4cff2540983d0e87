#!/usr/bin/env bash
# Installs the Borg donor client on this machine as a systemd service run by a dedicated
# user `borg`, with its data in /var/lib/borg.
#
#   sudo Client/systemd/install.sh URL --token TOKEN [--cpu 50%] [--disk 10GiB] [--memory 2GiB] [--name NAME]
#
# Builds borg-client and borg-sandbox (release) unless BORG_BIN names a directory holding them,
# copies them to /usr/local/bin, enrolls the machine and starts the service. Native apps run in
# bubblewrap, which scripts/install-dependencies.sh installs; pass --no-native to run WebAssembly only.
# Leave again with: sudo Client/systemd/unenroll.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
[ $# -ge 1 ] || { sed -n '2,10p' "$0"; exit 64; }

if [ -z "${BORG_BIN:-}" ]; then
  scripts/install-dependencies.sh
  swift build -c release --product borg-client
  swift build -c release --product borg-sandbox
  BORG_BIN=$(swift build -c release --show-bin-path)
fi
for tool in borg-client borg-sandbox; do
  [ -x "$BORG_BIN/$tool" ] || { echo "install.sh: $BORG_BIN/$tool is missing; build it first" >&2; exit 1; }
  install -m 0755 "$BORG_BIN/$tool" /usr/local/bin/$tool
done

command -v bwrap >/dev/null ||
  echo "install.sh: bubblewrap is not installed, so this host runs WebAssembly apps only until it is (apt-get install bubblewrap)" >&2
id borg >/dev/null 2>&1 || useradd --system --home-dir /var/lib/borg --shell /usr/sbin/nologin borg
install -d -o borg -g borg -m 0700 /var/lib/borg
# Enroll as the service user, so that every file in /var/lib/borg is the service's.
runuser -u borg -- /usr/local/bin/borg-client enroll "$@" --data-dir /var/lib/borg
install -m 0644 Client/systemd/borg-client.service /etc/systemd/system/borg-client.service
systemctl daemon-reload
systemctl enable --now borg-client.service
systemctl --no-pager status borg-client.service | head -5
echo "Installed. Status: sudo -u borg borg-client status --data-dir /var/lib/borg"
echo "Leave the grid with: sudo Client/systemd/unenroll.sh"
