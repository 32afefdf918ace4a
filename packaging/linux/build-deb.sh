#!/usr/bin/env bash
# Wraps the PyInstaller bundle in a .deb: the app under /opt/grokdesk, the grokdesk command in
# /usr/bin, the desktop entry, icons and AppStream metadata under /usr/share.
#
#   packaging/linux/build-deb.sh [BUNDLE_DIR] [OUT_DIR]     (defaults: dist/grokdesk, dist)
#   DEB_COMPRESS=xz packaging/linux/build-deb.sh            (smaller, much slower; default zstd)
#
# Prints the path of the .deb it wrote. Needs dpkg-deb (Debian and Ubuntu have it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bundle=$(cd "${1:-$root/dist/grokdesk}" && pwd)
out=$(mkdir -p "${2:-$root/dist}" && cd "${2:-$root/dist}" && pwd)

# Asking the bundle for its version also proves it starts at all.
version=$("$bundle/grokdesk" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
stage=$root/build/deb/grokdesk_${version}_$arch
rm -rf "$stage"

icons=$root/build/icons
if [[ ! -f $icons/hicolor/scalable/apps/grokdesk.svg ]]; then
  python=$root/.venv/bin/python
  [[ -x $python ]] || python=python3
  "$python" "$here/../build_icons.py" --out "$icons" >/dev/null
fi

install -d "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/metainfo" "$stage/usr/share/icons" "$stage/usr/share/doc/grokdesk" \
  "$stage/DEBIAN"
cp -a "$bundle" "$stage/opt/grokdesk"
ln -s /opt/grokdesk/grokdesk "$stage/usr/bin/grokdesk"
# Exec=grokdesk as written: /usr/bin is on every launcher's PATH.
install -m644 "$here/grokdesk.desktop" "$stage/usr/share/applications/"
install -m644 "$here/io.github.grokdesk.metainfo.xml" "$stage/usr/share/metainfo/"
cp -r "$icons/hicolor" "$stage/usr/share/icons/"
cat >"$stage/usr/share/doc/grokdesk/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: grokdesk
Source: https://github.com/grokdesk/grokdesk

Files: *
Copyright: The grokdesk developers
License: MIT
Comment: /opt/grokdesk bundles Python, Qt (LGPL-3.0) through PySide6 and other libraries,
 each under its own license.
EOF

# The bundle carries its own copies of most libraries; these are the ones PyInstaller leaves to
# the system on purpose (C library, GL/EGL, xcb, Wayland) plus what Qt loads at run time.
depends="libc6 (>= 2.36), libegl1, libgl1, libxcb1, libxkbcommon-x11-0, libxcb-cursor0,
 libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-randr0, libxcb-render-util0,
 libxcb-xinerama0, libxcb-xkb1, libwayland-client0, libwayland-cursor0, libwayland-egl1,
 libfontconfig1, libdbus-1-3"
cat >"$stage/DEBIAN/control" <<EOF
Package: grokdesk
Version: $version
Architecture: $arch
Maintainer: The grokdesk developers <grokdesk@users.noreply.github.com>
Installed-Size: $(du -sk "$stage" | cut -f1)
Depends: ${depends//$'\n'/}
Recommends: gnome-keyring | libkf5wallet-bin, fonts-dejavu-core
Section: net
Priority: optional
Homepage: https://github.com/grokdesk/grokdesk
Description: desktop chat app for Grok 3 Mini and other reasoning models
 grokdesk streams answers and the model's reasoning from xAI's Grok 3 Mini and other
 OpenAI-compatible APIs, keeps every conversation locally with full-text search, and stores
 API keys in the system keyring. The grokdesk command also works from a terminal.
EOF

# Debian's desktop-file-utils and hicolor-icon-theme refresh these caches through dpkg
# triggers; the scripts cover systems where those triggers are missing.
for script in postinst postrm; do
  cat >"$stage/DEBIAN/$script" <<'EOF'
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/index.theme ]; then
  gtk-update-icon-cache -q -f /usr/share/icons/hicolor || true
fi
EOF
  chmod 755 "$stage/DEBIAN/$script"
done

deb=$out/grokdesk_${version}_$arch.deb
# zstd by default: 2 s here against 40 s for xz, for a file a third larger (52 vs 39 MB).
# DEB_COMPRESS=xz for a release upload; dpkg reads zstd since 1.21.18 (Debian 12, Ubuntu 21.10).
dpkg-deb --root-owner-group "-Z${DEB_COMPRESS:-zstd}" --build "$stage" "$deb" >/dev/null
echo "$deb"
