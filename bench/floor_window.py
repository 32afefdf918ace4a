"""The floor for start-up time and memory: a bare PySide6 QMainWindow, started like the app.

Run as ``python -m bench.floor_window``, exactly as the app runs as ``python -m
grokdesk``: same interpreter, same Qt platform, same window size, same names (so
the window manager sees the same kind of window). It imports nothing of grokdesk.
"""

from __future__ import annotations

import sys

WIDTH, HEIGHT = 1200, 780
"""The app's first-run size on a 1280x800 screen (``MainWindow._restore_state``)."""


def main() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(["grokdesk-floor", *sys.argv[1:]])
    app.setApplicationName("grokdesk-floor")
    app.setDesktopFileName("grokdesk-floor")
    window = QMainWindow()
    window.setWindowTitle("floor")
    window.resize(WIDTH, HEIGHT)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
