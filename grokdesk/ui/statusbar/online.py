"""Whether the service answered the last request: a coloured dot and a word."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from grokdesk.ui.colors import is_dark, mix, source_palette

# The dot's hues; each is mixed with the palette's text colour so that it keeps its
# contrast on a light and on a dark window.
_HUES = {"unknown": QColor(138, 141, 147), "online": QColor(46, 157, 80),
         "offline": QColor(217, 48, 37)}


class OnlineIndicator(QLabel):
    """"● Online", "● Offline — host unreachable" or "● Not connected yet"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("onlineIndicator")
        self._online: bool | None = None
        self._host = ""
        self.show_online(None)

    def show_online(self, online: bool | None, host: str = "") -> None:
        self._online, self._host = online, host
        if online is None:
            state, text, tip = "unknown", "Not connected yet", "No request has been made yet"
        elif online:
            state, text, tip = "online", "Online", "The last request reached the service"
        else:
            state = "offline"
            text = f"Offline — {host} unreachable" if host else "Offline"
            tip = "The service could not be reached"
        self.setText(f'<span style="color:{self._dot(state).name()}">●</span> {text}')
        self.setToolTip(tip)

    def _dot(self, state: str) -> QColor:
        palette = source_palette(self)
        text = palette.color(palette.ColorRole.WindowText)
        return mix(_HUES[state], text, 0.25 if is_dark(palette) else 0.1)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.show_online(self._online, self._host)
