#!/usr/bin/env bash
# Runs the keyring tests against a real Secret Service: gnome-keyring in a private D-Bus session.
set -euo pipefail
pytest_bin=${1:-.venv/bin/pytest}
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null; then
    echo "keyring tests need $tool: apt-get install gnome-keyring dbus-x11 (as .ci/run does)" >&2
    exit 1
  fi
done
exec dbus-run-session -- bash -c '
  set -e
  export XDG_RUNTIME_DIR=$(mktemp -d) HOME=$(mktemp -d)
  echo -n grokdesk-test | gnome-keyring-daemon --login >/dev/null 2>&1
  eval "$(gnome-keyring-daemon --start --components=secrets)"
  export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
  QT_QPA_PLATFORM=offscreen "$0" -m keyring_integration tests/keyring_integration' "$pytest_bin"
