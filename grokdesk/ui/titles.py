"""Title suggestions for the window: the model names a chat, in the background.

A title is asked for after a chat's first answer (when ``[defaults] model_titles`` is
on) or on request (Conversation ▸ Suggest title). It never blocks a turn and never
fails loudly: when no title comes, the local one simply stays.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from grokdesk.errors import GrokdeskError

if TYPE_CHECKING:
    from grokdesk.ui.chat_controller import ChatController

log = logging.getLogger("grokdesk.ui")


class TitleSuggestions(QObject):
    """``titleSuggested(conversation id, title)`` follows each suggestion the core stored."""

    titleSuggested = Signal(int, str)

    def __init__(self, controller: ChatController) -> None:
        super().__init__(controller)
        self.controller = controller

    def suggest(self, conversation_id: int, *, force: bool) -> None:
        """Ask for a title in the background (``force``: even with model titles off)."""
        self.controller.spawn(self._suggest(conversation_id, force=force))

    async def _suggest(self, conversation_id: int, *, force: bool) -> None:
        try:
            title = await self.controller.service.suggest_title(conversation_id, force=force)
        except GrokdeskError as exc:
            log.debug("no title suggestion: %s", exc)
            return
        if title is not None:
            self.titleSuggested.emit(conversation_id, title)
