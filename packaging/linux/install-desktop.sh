#!/usr/bin/env bash
# Puts grokdesk in the current user's application launcher: the desktop entry and the icons go
# into the XDG data folder, with Exec pointing at an installed grokdesk command.
#
#   packaging/linux/install-desktop.sh [COMMAND]
#
# COMMAND defaults to the checkout's .venv/bin/grokdesk, else the grokdesk on PATH. Nothing
# outside ${XDG_DATA_HOME:-~/.local/share} is touched; no root needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}

command_path=${1:-}
if [[ -z $command_path ]]; then
  if [[ -x $root/.venv/bin/grokdesk ]]; then
    command_path=$root/.venv/bin/grokdesk
  else
    command_path=$(command -v grokdesk || true)
  fi
fi
if [[ -z $command_path || ! -x $command_path ]]; then
  echo "install-desktop: no grokdesk command found: run 'make install' first or pass its path" >&2
  exit 1
fi
# A launcher runs Exec without the user's shell or PATH, so it must be absolute.
command_path=$(cd "$(dirname "$command_path")" && pwd)/$(basename "$command_path")
if [[ $command_path =~ [[:space:]\"\`\$\\] ]]; then
  echo "install-desktop: $command_path has characters a desktop entry cannot quote simply" >&2
  exit 1
fi

icons=$root/build/icons
if [[ ! -f $icons/hicolor/scalable/apps/grokdesk.svg ]]; then
  python=$root/.venv/bin/python
  [[ -x $python ]] || python=python3
  "$python" "$here/../build_icons.py" --out "$icons"
fi

install -d "$data/applications" "$data/icons"
sed "s|^Exec=.*|Exec=$command_path|" "$here/grokdesk.desktop" >"$data/applications/grokdesk.desktop"
chmod 644 "$data/applications/grokdesk.desktop"
cp -r "$icons/hicolor" "$data/icons/"

# Launchers notice new files on their own; a cache that already exists would hide them, so
# refresh the ones that are there (-t: a user's hicolor folder has no index.theme).
if command -v update-desktop-database >/dev/null; then
  update-desktop-database -q "$data/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null && [[ -f $data/icons/hicolor/icon-theme.cache ]]; then
  gtk-update-icon-cache -q -f -t "$data/icons/hicolor" || true
fi
echo "install-desktop: $data/applications/grokdesk.desktop runs $command_path"
