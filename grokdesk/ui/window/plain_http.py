"""Consent before a key crosses the network unencrypted, asked once per warning."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from grokdesk.ui.banner import Banner


class PlainHttpConsent(QObject):
    """The banner that holds a send until the user accepts the plain-http warning.

    Accepting trusts that warning for the session and sends again; cancelling keeps
    the text in the composer.
    """

    def __init__(self, banner: Banner, *, resend: Callable[[], None],
                 declined: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self.banner = banner
        self._resend = resend
        self._declined = declined
        self._trusted: set[str] = set()
        self._pending: str | None = None
        banner.accepted.connect(self._accepted)
        banner.rejected.connect(self._rejected)

    def allows(self, warning: str | None) -> bool:
        """Whether a send may go now; if not, the banner asks."""
        if warning is None or warning in self._trusted:
            return True
        self._pending = warning
        self.banner.show_message(warning, accept="Send anyway", reject="Cancel")
        return False

    def _accepted(self) -> None:
        if self._pending is not None:
            self._trusted.add(self._pending)
            self._pending = None
            self._resend()

    def _rejected(self) -> None:
        self._pending = None
        self._declined()
