"""Another window or the command line wrote to the history: notice it and show it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from grokdesk.ui.chat_controller import ChatController

SYNC_MS = 3000
"""How often the window looks, besides each time it gains focus."""


class OutsideChanges(QObject):
    """Looks (through the core's ``PRAGMA data_version``) on a slow timer and at each
    activation, and hands what another connection changed to ``show``."""

    def __init__(self, controller: ChatController, show: Callable[[], None],
                 parent: QObject) -> None:
        super().__init__(parent)
        self.controller = controller
        self._show = show
        self._timer = QTimer(self)
        self._timer.setInterval(SYNC_MS)
        self._timer.timeout.connect(self.check)
        self.check()  # what was written since the window first read the history
        self._timer.start()

    def check(self) -> None:
        if self.controller.external_change():
            self._show()

    def stop(self) -> None:
        self._timer.stop()
