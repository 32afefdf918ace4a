"""The window's status bar: the provider, the chat's usage, the connection, and notices."""

from __future__ import annotations

from PySide6.QtWidgets import QStatusBar, QWidget

from grokdesk.ui.statusbar.online import OnlineIndicator
from grokdesk.ui.statusbar.provider import ProviderLabel
from grokdesk.ui.statusbar.usage import UsageLabel

NOTICE_MS = 8000
"""How long a notice stays before the bar is clear again."""


class WindowStatusBar(QStatusBar):
    """Notices on the left for a few seconds; three permanent fields on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider = ProviderLabel(self)
        self.usage = UsageLabel(self)
        self.online = OnlineIndicator(self)
        for field in (self.provider, self.usage, self.online):
            field.setContentsMargins(8, 0, 8, 0)
            self.addPermanentWidget(field)

    def notify(self, text: str) -> None:
        self.showMessage(text, NOTICE_MS)
