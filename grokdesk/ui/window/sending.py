"""Sending from the window: the composer's text to the core, and back when it cannot go."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from PySide6.QtCore import QObject

from grokdesk.ui.banner import Banner
from grokdesk.ui.chat_controller import ChatController
from grokdesk.ui.composer import Composer
from grokdesk.ui.window.draft_keeper import DraftKeeper
from grokdesk.ui.window.open_chat import OpenChat
from grokdesk.ui.window.plain_http import PlainHttpConsent


class Sending(QObject):
    """Send, regenerate and "suggest a title" for the open chat.

    The composer's text is cleared only once the core has stored it; when the service
    turns out to be unreachable it comes back into the box. The first send of the
    session to a service reached over plain http (not this machine) waits for the
    user to accept the warning: the key is not sent before that.
    """

    def __init__(self, *, controller: ChatController, chat: OpenChat, composer: Composer,
                 drafts: DraftKeeper, insecure_banner: Banner, notify: Callable[[str], None],
                 parent: QObject) -> None:
        super().__init__(parent)
        self.controller = controller
        self.chat = chat
        self.composer = composer
        self.drafts = drafts
        self._notify = notify
        self.plain_http = PlainHttpConsent(insecure_banner, resend=composer.submit,
                                           declined=self._declined, parent=self)
        composer.sendRequested.connect(self.send)
        controller.sendUndelivered.connect(self._undelivered)
        controller.titles.titleSuggested.connect(self._title_suggested)

    def send(self, text: str) -> None:
        warning = self.controller.insecure_transport_warning(self.chat.current)
        if not self.plain_http.allows(warning):
            return
        if self.controller.send(self.chat.current_id, text) is not None:
            self.composer.accept_sent()
            self.drafts.save()

    def _declined(self) -> None:
        self._notify("Not sent: the text stays in the box")
        self.composer.input.setFocus()

    def _undelivered(self, conversation_id: int, text: str) -> None:
        self.composer.give_back(conversation_id, text)
        self.drafts.save()
        self._notify(f"Offline — {self.controller.offline_host} unreachable; "
                     "your message is back in the box")

    def regenerate(self, *, model: str | None = None,
                   reasoning_effort: Literal["low", "high"] | None = None) -> None:
        """A new version of the last answer; ``model``/``reasoning_effort`` for it only
        (Regenerate with…)."""
        if self.chat.current is not None:
            self.controller.regenerate(self.chat.current.id, model=model,
                                       reasoning_effort=reasoning_effort)

    def suggest_title(self) -> None:
        if self.chat.current is not None:
            self._notify("Asking the model for a title…")
            self.controller.titles.suggest(self.chat.current.id, force=True)

    def _title_suggested(self, conversation_id: int, title: str) -> None:
        if conversation_id == self.chat.current_id:
            self._notify(f"New title: {title}")
