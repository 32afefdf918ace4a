"""The thin adapter between the chat core and the window.

Turns run as asyncio tasks on the qasync loop; the controller keeps the running
task so Stop can cancel it, catches ``CancelledError`` itself (qasync's
``asyncSlot`` would treat it as a crash), and turns the core's listener events
into Qt signals. Nothing here draws: the window connects the signals to the
transcript, the composer and the status bar. No exception leaves a task: the
unexpected ones are logged and shown as an error where the answer would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal

from grokdesk.api.errors import APIConnectionError, APIError, GrokdeskError, MissingKeyError
from grokdesk.api.types import ContentDelta, ReasoningDelta, ResponseInfo, StreamEvent
from grokdesk.config import Profile, Settings
from grokdesk.storage.db import DatabaseError
from grokdesk.storage.models import Conversation, ConversationSettings, Message

if TYPE_CHECKING:
    from grokdesk.chat.service import ChatService
    from grokdesk.chat.turn import TurnOutcome

log = logging.getLogger("grokdesk.ui")
T = TypeVar("T")

TEST_TIMEOUT = 10.0


@dataclass
class LiveTurn:
    """The answer being streamed, kept so the view can be rebuilt after a switch."""

    conversation_id: int
    message: Message | None = None
    reasoning: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Totals:
    """A conversation's token use and cost, summed over its answers."""

    tokens: int = 0
    cost_usd: float | None = None


class ChatController(QObject):
    """Runs one turn at a time and reports what happens to it as signals."""

    messageAdded = Signal(object)
    messageRemoved = Signal(int)
    messagesRemovedFrom = Signal(int)
    liveStarted = Signal(object)
    liveEvent = Signal(object)
    liveFinished = Signal(object)
    busyChanged = Signal(bool)
    onlineChanged = Signal(bool)
    keyMissing = Signal(str)
    conversationCreated = Signal(int)
    conversationChanged = Signal(int)
    notice = Signal(str)
    connectionTested = Signal(str, bool, str)
    modelsFetched = Signal(str, list, str, bool)
    sendUndelivered = Signal(int, str)
    titleSuggested = Signal(int, str)

    def __init__(self, service: ChatService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._turn: asyncio.Task[None] | None = None
        self._live: LiveTurn | None = None
        self._online: bool | None = None
        self._offline_host = ""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._data_version: int | None = None

    # ---------------------------------------------------------------- state

    @property
    def busy(self) -> bool:
        return self._turn is not None

    @property
    def live(self) -> LiveTurn | None:
        return self._live

    @property
    def online(self) -> bool | None:
        """True after the service answered, False after it could not be reached."""
        return self._online

    @property
    def offline_host(self) -> str:
        """The host that could not be reached last (for "Offline — <host> unreachable")."""
        return self._offline_host

    def _set_online(self, online: bool, profile: Profile | None = None) -> None:
        if not online:
            base_url = (profile or self.service.profile_for(None)).base_url
            self._offline_host = urlsplit(base_url).hostname or base_url
        if online != self._online:
            self._online = online
            self.onlineChanged.emit(online)

    def insecure_transport_warning(self, conversation_id: int | None) -> str | None:
        """The warning due before a key goes unencrypted to this conversation's service."""
        conversation = self.conversation(conversation_id) if conversation_id is not None \
            else None
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
            self._spawn(self._close_stale_clients())

    async def _close_stale_clients(self) -> None:
        await self.wait_idle()
        if not self.busy:
            await self.service.aclose()

    def external_change(self) -> bool:
        """Whether another connection (a second window, the CLI) wrote to the history
        since the last call; the first call only takes the baseline."""
        try:
            version = self.service.history.db.data_version()
        except DatabaseError:
            return False
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        return changed

    # ---------------------------------------------------------------- reading

    def conversation(self, conversation_id: int) -> Conversation | None:
        return self.service.history.get_conversation(conversation_id)

    def latest_conversation(self) -> Conversation | None:
        return self.service.history.latest_conversation()

    def messages(self, conversation_id: int) -> list[Message]:
        return self.service.history.messages(conversation_id)

    def totals(self, conversation_id: int) -> Totals:
        tokens, cost = self.service.history.usage_totals(conversation_id)
        return Totals(tokens, cost)

    def profile_for(self, conversation: Conversation | None) -> Profile:
        return self.service.profile_for(conversation)

    def model_for(self, conversation: Conversation | None) -> str:
        return self.service.model_for(conversation)

    def needs_key(self, profile: Profile | None = None) -> bool:
        """Whether ``profile`` (the active one by default) needs a key and has none."""
        profile = profile or self.service.profile_for(None)
        return profile.key_required and self.service.keys.lookup(profile).key is None

    def warm_up(self) -> None:
        """Build the active provider's client now, while nobody is typing.

        Importing httpx and loading the TLS roots take a fifth of a second; done
        lazily, that pause would land on the first Send.
        """
        with contextlib.suppress(GrokdeskError):
            self.service.client_for(self.service.profile_for(None))

    # ---------------------------------------------------------------- changing

    def new_conversation(self, settings: ConversationSettings | None = None) -> Conversation:
        conversation = self.service.new_conversation(settings)
        self.conversationCreated.emit(conversation.id)
        return conversation

    def update_settings(self, conversation_id: int,
                        settings: ConversationSettings) -> Conversation | None:
        self.service.history.update_settings(conversation_id, settings)
        self.conversationChanged.emit(conversation_id)
        return self.conversation(conversation_id)

    def delete_message(self, message_id: int) -> None:
        """Delete one stored message (not the one being streamed)."""
        if self._live is not None and self._live.message is not None \
                and self._live.message.id == message_id:
            self.notice.emit("Stop the answer before deleting it")
            return
        message = self.service.history.get_message(message_id)
        if message is None:
            return
        try:
            self.service.history.delete_message(message_id)
        except DatabaseError as exc:
            self.notice.emit(_describe(exc))
            return
        self.messageRemoved.emit(message_id)
        self.conversationChanged.emit(message.conversation_id)

    # ---------------------------------------------------------------- turns

    def send(self, conversation_id: int | None, text: str) -> int | None:
        """Store the user's message and start the answer; returns the conversation id.

        ``None`` means nothing was stored (a turn is running, no key, no such
        conversation): the caller keeps the text. A new chat (``conversation_id``
        None) is created only once the key is known to be there.
        """
        if self._refuse_while_busy():
            return None
        if conversation_id is not None and self._is_failed_resend(conversation_id, text):
            return conversation_id if self.regenerate(conversation_id, resent=text) else None
        created = conversation_id is None

        def prepare() -> tuple[int, Message]:
            target = conversation_id
            if target is None:
                self.service.client_for(self.service.profile_for(None))
                target = self.service.new_conversation().id
            return target, self.service.prepare_send(target, text)

        prepared = self._prepare(conversation_id, prepare)
        if prepared is None:
            return None
        conversation_id, message = prepared
        if created:
            self.conversationCreated.emit(conversation_id)
        self.messageAdded.emit(message)
        self.conversationChanged.emit(conversation_id)
        self._start_turn(conversation_id, sent_text=text)
        return conversation_id

    def _prepare(self, conversation_id: int | None, step: Callable[[], T]) -> T | None:
        """Run the storing half of an action; a refusal becomes a signal, not an exception.

        No key opens the welcome; anything else the user can meet is said as a notice.
        ``None`` means nothing was stored, so the caller keeps what the user typed.
        """
        try:
            return step()
        except MissingKeyError:
            self.keyMissing.emit(self._profile_name(conversation_id))
        except (GrokdeskError, DatabaseError, LookupError) as exc:
            self.notice.emit(_describe(exc))
        return None

    def _is_failed_resend(self, conversation_id: int, text: str) -> bool:
        """Whether ``text`` is the last message again after its answer failed: the
        composer gave it back after an offline send, so sending it means "retry"."""
        messages = self.service.history.last_messages(conversation_id, 2)
        return (len(messages) >= 2 and messages[-1].role == "assistant"
                and messages[-1].status == "error" and messages[-2].role == "user"
                and messages[-2].content == text)

    def regenerate(self, conversation_id: int, *, resent: str | None = None) -> bool:
        """Replace the last answer (or retry a failed one).

        ``resent`` is the composer's text when the retry came from sending it again,
        so that it can be given back if the service is still unreachable.
        """
        if self._refuse_while_busy():
            return False
        prepared = self._prepare(
            conversation_id, lambda: (self.service.prepare_regenerate(conversation_id),))
        if prepared is None:
            return False
        (removed,) = prepared
        if removed is not None:
            self.messageRemoved.emit(removed)
        self._start_turn(conversation_id, sent_text=resent)
        return True

    def edit(self, message_id: int, text: str) -> bool:
        """Replace a user message, drop what followed it, and answer it again."""
        if self._refuse_while_busy():
            return False
        message = self.service.history.get_message(message_id)
        conversation_id = message.conversation_id if message is not None else None
        new_message = self._prepare(conversation_id,
                                    lambda: self.service.prepare_edit(message_id, text))
        if new_message is None:
            return False
        self.messagesRemovedFrom.emit(message_id)
        self.messageAdded.emit(new_message)
        self._start_turn(new_message.conversation_id)
        return True

    def stop(self) -> None:
        """Cancel the running turn; the partial answer is kept as interrupted."""
        if self._turn is not None:
            self._turn.cancel()

    async def wait_idle(self) -> None:
        """Until the running turn (if any) has ended."""
        turn = self._turn
        if turn is not None:
            await asyncio.gather(turn, return_exceptions=True)

    def _refuse_while_busy(self) -> bool:
        if self.busy:
            self.notice.emit("An answer is still coming: wait for it or stop it (Esc)")
        return self.busy

    def _profile_name(self, conversation_id: int | None) -> str:
        conversation = self.conversation(conversation_id) if conversation_id is not None else None
        return self.service.profile_for(conversation).name

    def _start_turn(self, conversation_id: int, sent_text: str | None = None) -> None:
        self._live = LiveTurn(conversation_id)
        self._turn = self._spawn(self._run_turn(conversation_id, sent_text))
        self.busyChanged.emit(True)

    async def _run_turn(self, conversation_id: int, sent_text: str | None = None) -> None:
        live = self._live
        assert live is not None
        try:
            outcome = await self.service.answer(conversation_id, listener=self._on_event,
                                                on_start=self._on_start)
        except asyncio.CancelledError:
            self._finish_stopped(live)
            raise
        except MissingKeyError:
            self._finish_broken(live, None)
            self.keyMissing.emit(self._profile_name(conversation_id))
        except Exception as exc:
            log.exception("A turn failed unexpectedly")
            self._finish_broken(live, exc)
        else:
            self._finish(outcome, sent_text)
        finally:
            self._turn = None
            self._live = None
            self.busyChanged.emit(False)
            self.conversationChanged.emit(conversation_id)

    def _on_start(self, message: Message) -> None:
        if self._live is not None:
            self._live.message = message
        self.liveStarted.emit(message)

    def _on_event(self, event: StreamEvent) -> None:
        live = self._live
        if live is not None:
            if isinstance(event, ReasoningDelta):
                live.reasoning.append(event.text)
            elif isinstance(event, ContentDelta):
                live.content.append(event.text)
        if isinstance(event, ResponseInfo):
            self._set_online(True)
        self.liveEvent.emit(event)

    def _finish(self, outcome: TurnOutcome, sent_text: str | None) -> None:
        conversation_id = outcome.message.conversation_id
        if isinstance(outcome.error, APIConnectionError):
            self._set_online(False, self.profile_for(self.conversation(conversation_id)))
        elif outcome.error is None or isinstance(outcome.error, APIError):
            self._set_online(True)
        self.liveFinished.emit(outcome.message)
        if outcome.warning:
            self.notice.emit(outcome.warning)
        if isinstance(outcome.error, APIConnectionError) and sent_text is not None:
            self.sendUndelivered.emit(conversation_id, sent_text)
        if outcome.error is None and self._is_first_answer(conversation_id):
            self._spawn(self._suggest_title(conversation_id, force=False))

    def _is_first_answer(self, conversation_id: int) -> bool:
        return self.service.history.answer_count(conversation_id) == 1

    # ---------------------------------------------------------------- titles

    def suggest_title(self, conversation_id: int) -> None:
        """Ask the model for a title now (Conversation ▸ Suggest title), in the background."""
        self._spawn(self._suggest_title(conversation_id, force=True))

    async def _suggest_title(self, conversation_id: int, *, force: bool) -> None:
        """Never blocks a turn and never fails loudly: the local title simply stays."""
        try:
            title = await self.service.suggest_title(conversation_id, force=force)
        except (GrokdeskError, DatabaseError, LookupError) as exc:
            log.debug("no title suggestion: %s", exc)
            return
        if title is not None:
            self.titleSuggested.emit(conversation_id, title)
            self.conversationChanged.emit(conversation_id)

    def _finish_stopped(self, live: LiveTurn) -> None:
        if live.message is None:
            return
        stored = self.service.history.get_message(live.message.id)
        self.liveFinished.emit(stored or dataclasses.replace(live.message, status="interrupted"))

    def _finish_broken(self, live: LiveTurn, exc: BaseException | None) -> None:
        if live.message is None:
            return
        text = (_describe(exc) if isinstance(exc, GrokdeskError)
                else "Something went wrong inside grokdesk; the details are in the log")
        self.liveFinished.emit(dataclasses.replace(
            live.message, status="error", error=text,
            content="".join(live.content), reasoning="".join(live.reasoning)))

    # ---------------------------------------------------------------- provider checks

    def test_connection(self, profile: Profile, key: str | None) -> None:
        """Ask ``profile``'s service for its model list; report the result.

        ``key`` is the one typed in Preferences, if any, else the stored one.
        """
        key = key or self.service.keys.lookup(profile).key
        self._spawn(self._test_connection(profile, key))

    async def _test_connection(self, profile: Profile, key: str | None) -> None:
        try:
            client = self.service.new_client(profile, key or None, connect_timeout=5.0,
                                             read_timeout=TEST_TIMEOUT, max_retries=0)
        except GrokdeskError as exc:
            self.connectionTested.emit(profile.name, False, exc.describe())
            return
        try:
            models = await client.list_models()
        except APIError as exc:
            if isinstance(exc, APIConnectionError):
                self._set_online(False, profile)
            self.connectionTested.emit(profile.name, False, exc.describe())
        else:
            self._set_online(True)
            count = len(models)
            self.connectionTested.emit(
                profile.name, True,
                f"Connected: {count} model{'s' if count != 1 else ''} available")
        finally:
            await client.aclose()

    def profile_named(self, name: str) -> Profile:
        """A profile by name, with the overrides a conversation using it would get."""
        probe = Conversation(0, "", "", 0.0, 0.0, settings=ConversationSettings(provider=name))
        return self.service.profile_for(probe)

    def fetch_models(self, profile_name: str, refresh: bool = False) -> None:
        """Fetch a provider's model list (for the conversation settings dialog).

        The list comes from the on-disk cache when it is recent (or when the service
        cannot be reached), so the picker works offline.
        """
        self._spawn(self._fetch_models(self.profile_named(profile_name), refresh))

    async def _fetch_models(self, profile: Profile, refresh: bool = False) -> None:
        try:
            listed = await self.service.models(profile, refresh=refresh)
        except GrokdeskError as exc:
            if isinstance(exc, APIConnectionError):
                self._set_online(False, profile)
            self.modelsFetched.emit(profile.name, [], _describe(exc), False)
            return
        if isinstance(listed.error, APIConnectionError):
            self._set_online(False, profile)
        elif not listed.from_cache:
            self._set_online(True)
        error = _describe(listed.error) if listed.error is not None else ""
        self.modelsFetched.emit(profile.name, list(listed.models), error, listed.from_cache)

    # ---------------------------------------------------------------- tasks

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("A background task failed", exc_info=exc)
            self.notice.emit("Something went wrong inside grokdesk; the details are in the log")

    async def shutdown(self) -> None:
        """Quit order, part one: cancel every task, wait for them, close the clients."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.service.aclose()


def _describe(exc: BaseException) -> str:
    """One line for the user: the error's own wording (a history error's text is its message)."""
    return exc.describe() if isinstance(exc, GrokdeskError) else str(exc)
