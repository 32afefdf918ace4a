"""Render the app icon's one SVG source into every file the installers need.

    python packaging/build_icons.py [--svg SOURCE] [--out build/icons]

writes, under the output folder (generated, never committed):

    hicolor/<N>x<N>/apps/grokdesk.png   the freedesktop sizes, for the .deb and install-desktop
    hicolor/scalable/apps/grokdesk.svg  the source itself
    grokdesk.ico                        Windows (PyInstaller's EXE icon)
    grokdesk.icns                       macOS (the .app bundle's icon)

Rendering uses QtSvg, which the app already depends on, so no image library is added. Both
container formats hold PNG images, which Windows (Vista and later) and macOS (10.7 and later)
read, so they are written here directly instead of through a converter.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The app's own icon, package data so the running app finds it too (see resources/README.md).
SOURCE_SVG = ROOT / "grokdesk" / "resources" / "grokdesk.svg"
NAME = "grokdesk"

PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Each ICNS slot has a fixed type code and pixel size; the @2x slots are the Retina variants.
ICNS_SLOTS = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)


class Renderer:
    """Renders one SVG at any square size to PNG bytes, caching each size."""

    def __init__(self, svg: Path) -> None:
        # QImage and QPainter need a QGuiApplication; offscreen needs no display.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtSvg import QSvgRenderer

        self._app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
        self._svg = QSvgRenderer(str(svg))
        if not self._svg.isValid():
            raise ValueError(f"{svg} is not a valid SVG")
        self._cache: dict[int, bytes] = {}

    def png(self, size: int) -> bytes:
        if size not in self._cache:
            self._cache[size] = self._render(size)
        return self._cache[size]

    def _render(self, size: int) -> bytes:
        from PySide6.QtCore import QBuffer, QIODevice, Qt
        from PySide6.QtGui import QImage, QImageWriter, QPainter

        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self._svg.render(painter)
        painter.end()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QImageWriter(buffer, b"png")
        if not writer.write(image):
            raise RuntimeError(f"could not encode the {size}px PNG: {writer.errorString()}")
        return bytes(buffer.data().data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An ICO file with one PNG entry per size (a width or height of 0 means 256)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, payload = b"", b""
    for size, data in sorted(images.items()):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + entries + payload


def icns_bytes(slots: list[tuple[bytes, bytes]]) -> bytes:
    """An ICNS file: a big-endian length-prefixed list of (type code, PNG) chunks."""
    body = b"".join(code + struct.pack(">I", 8 + len(data)) + data for code, data in slots)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def build(svg: Path, out: Path) -> list[Path]:
    """Write every icon file under ``out``; returns the paths written."""
    renderer = Renderer(svg)
    written: list[Path] = []

    def write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    for size in PNG_SIZES:
        write(out / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png", renderer.png(size))
    scalable = out / "hicolor" / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    written.append(scalable)
    write(out / f"{NAME}.ico", ico_bytes({size: renderer.png(size) for size in ICO_SIZES}))
    write(out / f"{NAME}.icns", icns_bytes([(code, renderer.png(size))
                                            for code, size in ICNS_SLOTS]))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=SOURCE_SVG, help="the icon source")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "icons")
    args = parser.parse_args(argv)
    try:
        written = build(args.svg, args.out)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"build_icons: {exc}", file=sys.stderr)
        return 1
    print(f"build_icons: {len(written)} files from {args.svg} in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
