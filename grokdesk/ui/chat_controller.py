"""The thin adapter between the chat core and the window.

The core decides and stores; this runs its turns as asyncio tasks on the qasync
loop, keeps the running task so Stop can cancel it, catches ``CancelledError``
itself (qasync's ``asyncSlot`` would treat it as a crash), and turns what the core
reports into Qt signals: ``changed`` carries each :class:`Changes` as it is, the
live signals follow the one streaming answer. Nothing here draws, and nothing here
reads the history. No exception leaves a task: the unexpected ones are logged and
shown as an error where the answer would be.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal

from grokdesk.api.errors import APIConnectionError, APIError
from grokdesk.api.types import ResponseInfo, StreamEvent
from grokdesk.chat.changes import Changes, Totals
from grokdesk.chat.records import Conversation, ConversationSettings, Message, SearchHit
from grokdesk.config import Profile, Settings
from grokdesk.errors import GrokdeskError
from grokdesk.secrets import MissingKeyError
from grokdesk.ui.provider_checks import ProviderChecks
from grokdesk.ui.task_set import TaskSet
from grokdesk.ui.titles import TitleSuggestions

if TYPE_CHECKING:
    import asyncio

    from grokdesk.chat.records import ActivePath, DeletedSubtree, MessageTree
    from grokdesk.chat.service import ChatService, PreparedTurn
    from grokdesk.chat.turn import LiveAnswer, TurnOutcome

log = logging.getLogger("grokdesk.ui")
T = TypeVar("T")


class ChatController(QObject):
    """Runs one turn at a time and reports what happens to it as signals."""

    changed = Signal(object)
    liveStarted = Signal(object)
    liveEvents = Signal(object)
    liveFinished = Signal(object)
    busyChanged = Signal(bool)
    onlineChanged = Signal(bool)
    keyMissing = Signal(str)
    notice = Signal(str)
    sendUndelivered = Signal(int, str)

    def __init__(self, service: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._turn: asyncio.Task[None] | None = None
        self._online: bool | None = None
        self._offline_host = ""
        self._tasks = TaskSet(self._task_failed)
        self._last_live: LiveAnswer | None = None
        self._unsent_events: list[StreamEvent] = []
        self.checks = ProviderChecks(self)
        self.titles = TitleSuggestions(self)
        service.subscribe(self.changed.emit)

    # ---------------------------------------------------------------- state

    @property
    def busy(self) -> bool:
        return self._turn is not None

    @property
    def live(self) -> LiveAnswer | None:
        """The answer streaming now (the core's), if any."""
        return self.service.live

    @property
    def online(self) -> bool | None:
        """True after the service answered, False after it could not be reached."""
        return self._online

    @property
    def offline_host(self) -> str:
        """The host that could not be reached last (for "Offline — <host> unreachable")."""
        return self._offline_host

    def set_online(self, online: bool, profile: Profile | None = None) -> None:
        if not online:
            base_url = (profile or self.service.profile_for(None)).base_url
            self._offline_host = urlsplit(base_url).hostname or base_url
        if online != self._online:
            self._online = online
            self.onlineChanged.emit(online)

    def insecure_transport_warning(self, conversation: Conversation | None) -> str | None:
        """The warning due before a key goes unencrypted to this conversation's service."""
        return self.service.insecure_transport_warning(conversation)

    def apply_settings(self, settings: Settings) -> None:
        """Use new settings from now on; clients built for the old network settings close.

        The service keys its clients by the network settings, so the next request gets
        a client with the new proxy, CA bundle and timeouts anyway; closing the old ones
        (once no answer is streaming through them) frees their connections.
        """
        old = self.service.settings
        self.service.settings = settings
        if old.network != settings.network:
            self.spawn(self._close_stale_clients())

    async def _close_stale_clients(self) -> None:
        await self.wait_idle()
        if not self.busy:
            await self.service.aclose()

    def external_change(self) -> Changes:
        """What another connection (a second window, the CLI) changed since the last
        look; the first call only takes the baseline."""
        return self.service.outside_change()

    # ---------------------------------------------------------------- reading

    def conversation(self, conversation_id: int) -> Conversation | None:
        return self.service.conversation(conversation_id)

    def conversations_by_id(self, conversation_ids: Sequence[int]) -> dict[int, Conversation]:
        return self.service.conversations_by_id(conversation_ids)

    def latest_conversation(self) -> Conversation | None:
        return self.service.latest_conversation()

    def messages(self, conversation_id: int) -> list[Message]:
        return self.service.messages(conversation_id)

    def active_path(self, conversation_id: int, last: int | None = None) -> ActivePath:
        return self.service.active_path(conversation_id, last)

    def tree(self, conversation_id: int) -> MessageTree:
        return self.service.tree(conversation_id)

    def conversations(self, limit: int | None = None, offset: int = 0) -> list[Conversation]:
        return self.service.conversations(limit, offset)

    def count_conversations(self) -> int:
        return self.service.count_conversations()

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        return self.service.search(query, limit)

    def totals(self, conversation_id: int) -> Totals:
        return self.service.totals(conversation_id)

    def profile_for(self, conversation: Conversation | None) -> Profile:
        return self.service.profile_for(conversation)

    def model_for(self, conversation: Conversation | None) -> str:
        return self.service.model_for(conversation)

    def needs_key(self, profile: Profile | None = None) -> bool:
        """Whether ``profile`` (the active one by default) needs a key and has none."""
        profile = profile or self.service.profile_for(None)
        return profile.key_required and self.service.keys.lookup(profile).key is None

    def warm_up(self) -> None:
        """Get the active provider's client ready (:meth:`ProviderChecks.warm_up`)."""
        self.checks.warm_up()

    # ---------------------------------------------------------------- changing

    def new_conversation(self, settings: ConversationSettings | None = None
                         ) -> Conversation | None:
        return self._store(lambda: self.service.new_conversation(settings))

    def update_settings(self, conversation_id: int,
                        settings: ConversationSettings) -> Conversation | None:
        return self._store(lambda: self.service.update_settings(conversation_id, settings))

    def rename(self, conversation_id: int, title: str) -> None:
        self._store(lambda: self.service.rename(conversation_id, title))

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        self._store(lambda: self.service.set_pinned(conversation_id, pinned))

    def delete_conversation(self, conversation_id: int) -> None:
        if self.live is not None and self.live.conversation_id == conversation_id:
            self.stop()
            self.spawn(self._delete_when_stopped(conversation_id))
            return
        self._store(lambda: self.service.delete_conversation(conversation_id))

    async def _delete_when_stopped(self, conversation_id: int) -> None:
        await self.wait_idle()
        self._store(lambda: self.service.delete_conversation(conversation_id))

    def delete_message(self, message_id: int) -> Changes | None:
        """Delete a message and its subtree; ``deleted`` is for :meth:`restore_messages`."""
        return self._store(lambda: self.service.delete_message(message_id))

    def restore_messages(self, deleted: DeletedSubtree) -> Changes | None:
        return self._store(lambda: self.service.restore_messages(deleted))

    def select_branch(self, message_id: int) -> Changes | None:
        """Make the path through ``message_id`` current (newest leaf below it)."""
        return self._store(lambda: self.service.select_branch(message_id))

    def fork(self, message_id: int) -> Changes | None:
        """Copy the path up to ``message_id`` into a new conversation (``created``)."""
        return self._store(lambda: self.service.fork(message_id))

    def path_above(self, conversation_id: int, message_id: int) -> Iterator[ActivePath]:
        """The path above ``message_id`` a piece at a time, for a pane that opened with its
        end; it stops, said as a notice, where the history cannot be read."""
        pieces = self.service.path_above(conversation_id, message_id)
        while (piece := self._store(lambda: next(pieces, None))) is not None:
            yield piece

    def _store(self, step: Callable[[], T]) -> T | None:
        """Run one step of the core; a refusal or failure becomes a notice, not an
        exception."""
        try:
            return step()
        except GrokdeskError as exc:
            self.notice.emit(exc.describe())
        return None

    # ---------------------------------------------------------------- turns

    def send(self, conversation_id: int | None, text: str) -> int | None:
        """Store the user's message and start the answer; returns the conversation id.

        ``None`` means nothing was stored (a turn is running, no key, no such
        conversation): the caller keeps the text. The core decides whether this is
        a retry and when a new chat (``conversation_id`` None) is created.
        """
        turn = self._begin(conversation_id,
                           lambda: self.service.begin_send(conversation_id, text))
        return turn.conversation.id if turn is not None else None

    def regenerate(self, conversation_id: int, *, model: str | None = None,
                   reasoning_effort: Literal["low", "high"] | None = None) -> bool:
        """A new version of the last answer; ``model``/``reasoning_effort``: for it only."""
        return self._begin(conversation_id, lambda: self.service.begin_regenerate(
            conversation_id, model=model, reasoning_effort=reasoning_effort)) is not None

    def edit(self, message_id: int, text: str, conversation_id: int | None = None) -> bool:
        """Add a new version of a user message and answer it; the old version stays."""
        return self._begin(conversation_id,
                           lambda: self.service.begin_edit(message_id, text)) is not None

    def _begin(self, conversation_id: int | None,
               step: Callable[[], PreparedTurn]) -> PreparedTurn | None:
        """Run the storing half of a turn, then start its answer; a refusal becomes a
        signal, not an exception.

        No key opens the welcome; anything else the user can meet is said as a notice.
        ``None`` means nothing was stored, so the caller keeps what the user typed.
        """
        try:
            turn = step()
        except MissingKeyError:
            self.keyMissing.emit(self._profile_name(conversation_id))
        except GrokdeskError as exc:
            self.notice.emit(exc.describe())
        else:
            self._start_turn(turn)
            return turn
        return None

    def stop(self) -> None:
        """Cancel the running turn; the partial answer is kept as interrupted."""
        if self._turn is not None:
            self._turn.cancel()

    async def wait_idle(self) -> None:
        """Until the running turn (if any) has ended."""
        import asyncio

        turn = self._turn
        if turn is not None:
            await asyncio.gather(turn, return_exceptions=True)

    def _profile_name(self, conversation_id: int | None) -> str:
        conversation = self.conversation(conversation_id) if conversation_id is not None else None
        return self.service.profile_for(conversation).name

    def _start_turn(self, turn: PreparedTurn) -> None:
        task = self.spawn(self._run_turn(turn))
        task.add_done_callback(lambda _task: self.service.release(turn))
        self._turn = task
        self.busyChanged.emit(True)

    async def _run_turn(self, turn: PreparedTurn) -> None:
        import asyncio

        conversation_id = turn.conversation.id
        try:
            outcome = await self._answer(turn)
        except asyncio.CancelledError:
            self._finish_stopped()
            raise
        except MissingKeyError:
            self._finish_broken(None)
            self.keyMissing.emit(self._profile_name(conversation_id))
        except Exception as exc:
            log.exception("A turn failed unexpectedly")
            self._finish_broken(exc)
        else:
            self._finish(outcome, turn)
        finally:
            self._turn = None
            self._last_live = None
            self.busyChanged.emit(False)

    async def _answer(self, turn: PreparedTurn) -> TurnOutcome:
        """The core's answer; the views get every event before they hear how it ended."""
        try:
            return await self.service.answer(turn, listener=self._on_event,
                                             on_start=self._on_start)
        finally:
            self._send_events()

    def _on_start(self, live: LiveAnswer) -> None:
        self._last_live = live
        self.liveStarted.emit(live)

    def _on_event(self, event: StreamEvent) -> None:
        """Events that arrive in one network read reach the views as one ``liveEvents``
        tuple, at the end of the loop's current step: one signal per read, not per
        token, which is most of the window's cost on a fast stream."""
        if isinstance(event, ResponseInfo):
            self.set_online(True)
        if not self._unsent_events:
            import asyncio

            asyncio.get_running_loop().call_soon(self._send_events)
        self._unsent_events.append(event)

    def _send_events(self) -> None:
        events, self._unsent_events = tuple(self._unsent_events), []
        if events:
            self.liveEvents.emit(events)

    def _finish(self, outcome: TurnOutcome, turn: PreparedTurn) -> None:
        conversation_id = outcome.message.conversation_id
        if isinstance(outcome.error, APIConnectionError):
            self.set_online(False, self.profile_for(turn.conversation))
        elif outcome.error is None or isinstance(outcome.error, APIError):
            self.set_online(True)
        self.liveFinished.emit(outcome.message)
        if outcome.warning:
            self.notice.emit(outcome.warning)
        if isinstance(outcome.error, APIConnectionError) and turn.sent_text is not None:
            self.sendUndelivered.emit(conversation_id, turn.sent_text)
        if outcome.title_due:
            self.titles.suggest(conversation_id, force=False)

    def _finish_stopped(self) -> None:
        """Stopped: the core stored the partial answer as interrupted and said so in a
        change; the live view ends with what it showed."""
        live = self._last_live
        if live is not None:
            self.liveFinished.emit(live.final or dataclasses.replace(
                live.message, status="interrupted", content=live.content_text,
                reasoning=live.reasoning_text))

    def _finish_broken(self, exc: BaseException | None) -> None:
        live = self._last_live
        if live is None:
            return
        text = (exc.describe() if isinstance(exc, GrokdeskError)
                else "Something went wrong inside grokdesk; the details are in the log")
        self.liveFinished.emit(dataclasses.replace(
            live.message, status="error", error=text,
            content=live.content_text, reasoning=live.reasoning_text))

    # ---------------------------------------------------------------- tasks

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return self._tasks.spawn(coroutine)

    def _task_failed(self, exc: BaseException) -> None:
        log.error("A background task failed", exc_info=exc)
        self.notice.emit("Something went wrong inside grokdesk; the details are in the log")

    async def shutdown(self) -> None:
        """Quit order, part one: cancel every task, wait for them, close the clients."""
        await self._tasks.cancel()
        await self.checks.warmed_up()
        await self.service.aclose()

