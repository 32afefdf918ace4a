#!/usr/bin/env bash
# CI's last step: build the frozen app and the .deb, then test them as a user would get them
# (clean environment, real X server, dpkg install and removal).
#
#   packaging/ci-bundle.sh [VENV_BIN]      (default: .venv/bin)
#
# The tests start their own Xvfb; installing the .deb needs root, as CI is.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.venv/bin}

started=$SECONDS
"$bin/pyinstaller" packaging/grokdesk.spec --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller
echo "ci-bundle: dist/grokdesk built in $((SECONDS - started)) s," \
  "$(du -sh dist/grokdesk | cut -f1) unpacked"

started=$SECONDS
deb=$(packaging/linux/build-deb.sh dist/grokdesk dist)
echo "ci-bundle: $deb built in $((SECONDS - started)) s, $(du -h "$deb" | cut -f1)"

GROKDESK_BUNDLE=$PWD/dist/grokdesk GROKDESK_DEB=$deb \
  "$bin/pytest" -m packaging tests/packaging
