#!/usr/bin/env bash
# Runs the tests marked xvfb against a real X server: a private Xvfb on a free display.
# Usage: tests/xvfb/run.sh [PYTEST_BIN]   (the Makefile passes .venv/bin/pytest)
set -euo pipefail
cd "$(dirname "$0")/../.."
pytest_bin=${1:-.venv/bin/pytest}
for tool in Xvfb xdotool; do
  if ! command -v "$tool" >/dev/null; then
    echo "xvfb tests need $tool: apt-get install xvfb xdotool (as .ci/run does)" >&2
    exit 1
  fi
done

# -displayfd makes Xvfb pick a free display number itself and write it once it is ready.
# -noreset: by default the server resets whenever its last client leaves, and a client
# connecting meanwhile is refused ("could not connect to display").
display_file=$(mktemp)
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$display_file" >/dev/null 2>&1 &
xvfb_pid=$!
cleanup() {
  kill "$xvfb_pid" 2>/dev/null || true
  wait "$xvfb_pid" 2>/dev/null || true
  rm -f "$display_file"
}
trap cleanup EXIT

for _ in $(seq 100); do
  [ -s "$display_file" ] && break
  if ! kill -0 "$xvfb_pid" 2>/dev/null; then
    echo "Xvfb did not start" >&2
    exit 1
  fi
  sleep 0.1
done
if [ ! -s "$display_file" ]; then
  echo "Xvfb did not report a display within 10 s" >&2
  exit 1
fi
export DISPLAY=":$(head -n1 "$display_file")"
unset QT_QPA_PLATFORM WAYLAND_DISPLAY

status=0
"$pytest_bin" -m xvfb tests/xvfb || status=$?
exit "$status"
