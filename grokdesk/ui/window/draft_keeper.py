"""Unsent text survives a restart: the composer's drafts, saved soon after each change."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from grokdesk.ui.composer import Composer
from grokdesk.ui.drafts import DraftStore

DRAFT_SAVE_MS = 500
"""Typing pauses this long before the drafts are written."""


class DraftKeeper(QObject):
    """Writes the drafts debounced while typing, and at once at a switch, a send and quit."""

    def __init__(self, composer: Composer, store: DraftStore, parent: QObject) -> None:
        super().__init__(parent)
        self.composer = composer
        self.store = store
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_SAVE_MS)
        self._timer.timeout.connect(self.save)
        composer.load_drafts(store.load())
        composer.input.textChanged.connect(self._timer.start)

    def save(self) -> None:
        """Write the unsent texts now."""
        self._timer.stop()
        self.store.save(self.composer.drafts())
