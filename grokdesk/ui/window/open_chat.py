"""The conversation on screen, and every change routed to the parts that show it.

The chat core reports each write as a :class:`Changes`; this applies it to the sidebar,
the transcript, the status bar and the window title, and follows the one live answer.
Nothing here reads the history again for what a change already carries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from grokdesk.chat.changes import Changes, Totals
from grokdesk.chat.records import ActivePath, Conversation, Message
from grokdesk.ui.actions import WindowActions
from grokdesk.ui.chat_controller import ChatController
from grokdesk.ui.composer import Composer
from grokdesk.ui.sidebar.model import ConversationListModel
from grokdesk.ui.sidebar.sidebar import ConversationSidebar
from grokdesk.ui.statusbar.bar import WindowStatusBar
from grokdesk.ui.transcript.transcript import Transcript
from grokdesk.ui.window.draft_keeper import DraftKeeper
from grokdesk.ui.window.opening import OPENING_MESSAGES, Opening, versions_of

if TYPE_CHECKING:
    from grokdesk.api.types import StreamEvent
    from grokdesk.chat.turn import LiveAnswer
    from grokdesk.ui.transcript.path_above import PathLoader, PathPiece


class OpenChat(QObject):
    """Which conversation is shown (None: the new-chat draft) and keeping it current.

    A new chat is a draft with no history row until its first message is stored; the
    core's change that creates it makes it the open conversation.
    """

    def __init__(self, *, controller: ChatController, conversations: ConversationListModel,
                 sidebar: ConversationSidebar, transcript: Transcript, composer: Composer,
                 status: WindowStatusBar, actions: WindowActions, drafts: DraftKeeper,
                 set_title: Callable[[Conversation | None], None], parent: QObject) -> None:
        super().__init__(parent)
        self.controller = controller
        self.conversations = conversations
        self.sidebar = sidebar
        self.transcript = transcript
        self.composer = composer
        self.status = status
        self.actions = actions
        self.drafts = drafts
        self._set_title = set_title
        self.current: Conversation | None = None
        controller.changed.connect(self.apply)
        controller.liveStarted.connect(self._live_started)
        controller.liveEvents.connect(self._live_events)
        controller.liveFinished.connect(self._live_finished)
        controller.busyChanged.connect(self._busy_changed)
        self._busy_changed(False)

    @property
    def current_id(self) -> int | None:
        return self.current.id if self.current is not None else None

    def adopt(self, opening: Opening | None) -> None:
        """Make the conversation the window opened with (None: the new-chat draft) the
        current one. It is on screen already: only the path above its end, if any, is
        left to read."""
        conversation = opening.conversation if opening is not None else None
        self._switch_to(conversation)
        if opening is not None and not opening.path.complete:
            self.transcript.continue_above(self._path_reader(opening.conversation.id))
        self._show_chrome(conversation)

    def open(self, conversation_id: int | None) -> None:
        """Show a stored conversation, or the new-chat draft for ``None``."""
        conversation = (self.controller.conversation(conversation_id)
                        if conversation_id is not None else None)
        self._switch_to(conversation)
        if conversation is None:
            self.transcript.clear()
        else:
            self._show_messages(conversation.id)
        self._show_chrome(conversation)

    def _switch_to(self, conversation: Conversation | None) -> None:
        self.current = conversation
        self.composer.switch_draft(conversation.id if conversation else None)
        self.drafts.save()

    def _show_chrome(self, conversation: Conversation | None) -> None:
        self.sidebar.set_current(conversation.id if conversation else None)
        self.update_chrome()
        self.status.usage.show_totals(
            self.controller.totals(conversation.id) if conversation else Totals())

    def _show_messages(self, conversation_id: int) -> None:
        """The path's end first, which fills the pane at once; the pane reads the rest
        when it needs it (after its first paint)."""
        path = self.controller.active_path(conversation_id, last=OPENING_MESSAGES)
        rest = None if path.complete else self._path_reader(conversation_id)
        live = self.controller.live
        if live is None or live.conversation_id != conversation_id:
            self.transcript.set_messages(path.messages, versions_of(path), rest=rest)
            return
        self.transcript.set_messages([m for m in path.messages if m.id != live.message.id],
                                     versions_of(path), rest=rest)
        self.transcript.begin_live(live)

    def _path_reader(self, conversation_id: int) -> PathLoader:
        def read(first_shown: int) -> Iterator[PathPiece]:
            for piece in self.controller.path_above(conversation_id, first_shown):
                yield piece.messages, versions_of(piece)
        return read

    def show_path(self, path: ActivePath) -> None:
        """Show a conversation's active path, each message with its versions."""
        self.transcript.set_messages(path.messages, versions_of(path))

    def apply(self, changes: Changes) -> None:
        """Route what the core changed to the parts that show it."""
        self.conversations.apply(changes)
        if changes.reloaded:
            self.sidebar.set_current(self.current_id)
        if self.current is None and changes.created:
            self.current = next(c for c in changes.conversations if c.id in changes.created)
            self.composer.rekey_draft(self.current.id)
            self.sidebar.set_current(self.current.id)
            self.update_chrome()
            self.status.usage.show_totals(Totals())
        elif (updated := changes.conversation(self.current_id)) is not None:
            self.current = updated
            self.update_chrome()
        current = self.current_id
        if current is None:
            return
        for message_id, versions in changes.siblings.items():
            self.transcript.set_versions(message_id, versions)
        path = changes.paths.get(current)
        if path is not None and not self.is_live_in(current):
            self.show_path(path)
        else:
            self._patch(changes, current)
        if current in changes.totals:
            self.status.usage.show_totals(changes.totals[current])

    def _patch(self, changes: Changes, current: int) -> None:
        """Apply a change that extends or trims the path on screen, row by row."""
        for message_id in changes.removed:
            self.transcript.remove_message(message_id)
        for message in changes.added:
            if message.conversation_id == current and message.status != "streaming":
                self.transcript.append_message(message)

    def show_outside_changes(self) -> None:
        """Show what another window or the command line wrote to the history."""
        if self.sidebar.view.state() != self.sidebar.view.State.EditingState:
            self.conversations.reload()
            self.sidebar.set_current(self.current_id)
        current = self.current_id
        if current is None or self.is_live_in(current):
            return
        conversation = self.controller.conversation(current)
        if conversation is None:
            self.open_first()
            return
        self.current = conversation
        path = self.controller.active_path(current)
        if [(m.id, m.status, m.content) for m in path.messages] != [
                (m.id, m.status, m.content) for m in self.transcript.messages]:
            self.show_path(path)
        self.update_chrome()
        self.status.usage.show_totals(self.controller.totals(current))

    def deleted(self, conversation_id: int) -> None:
        """The sidebar took a conversation away (Undo is offered there)."""
        if self.is_live_in(conversation_id):
            self.controller.stop()
        self.composer.forget_draft(conversation_id)
        if conversation_id == self.current_id:
            self.open_first()

    def open_first(self) -> None:
        first = self.conversations.conversation_at(0)
        self.open(first.id if first is not None else None)

    def is_live_in(self, conversation_id: int | None) -> bool:
        live = self.controller.live
        return live is not None and live.conversation_id == conversation_id

    def _live_started(self, answer: LiveAnswer) -> None:
        if answer.conversation_id == self.current_id:
            self.transcript.begin_live(answer)

    def _live_events(self, events: Sequence[StreamEvent]) -> None:
        if self.is_live_in(self.current_id):
            self.transcript.live_events(events)

    def _live_finished(self, message: Message) -> None:
        if message.conversation_id == self.current_id:
            self.transcript.finish_live(message)

    def _busy_changed(self, busy: bool) -> None:
        self.composer.set_busy(busy)
        self.actions.stop.setEnabled(busy)
        for action in (self.actions.regenerate, self.actions.edit_last):
            action.setEnabled(not busy)

    def update_chrome(self) -> None:
        """The title, the conversation actions and the provider field for ``current``."""
        self._set_title(self.current)
        for action in (self.actions.rename, self.actions.pin, self.actions.delete):
            action.setEnabled(self.current is not None)
        self.actions.pin.setChecked(bool(self.current and self.current.pinned))
        self.status.provider.show_provider(self.controller.profile_for(self.current),
                                           self.controller.model_for(self.current))

