"""The chat core: the only way to the history, and where every chat rule lives.

Both faces (the window and the command line) call these methods and nothing below
them, so "send", "retry", "regenerate", "edit and resend", rename, pin and delete
mean the same in both. Every write returns and publishes a :class:`Changes`, so a
view updates from what changed instead of reading the history again.

A turn has two halves: ``begin_*`` checks and stores synchronously (nothing is
stored when it raises, so the caller keeps what the user typed), and
:meth:`ChatService.answer` streams the answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from grokdesk.api.types import ChatMessage, ChatRequest
from grokdesk.chat import titles
from grokdesk.chat.changes import NOTHING, Changes, Totals
from grokdesk.chat.context import fit_to_context
from grokdesk.chat.models import ModelList, load_models
from grokdesk.chat.network import (
    ProxyCredentials,
    build_client,
    check_settings,
    insecure_transport_warning,
)
from grokdesk.chat.titles import DEFAULT_TITLE, title_from_text
from grokdesk.config import NetworkPreferences, Profile, Settings, with_env_overrides
from grokdesk.errors import GrokdeskError
from grokdesk.secrets import MissingKeyError
from grokdesk.storage.db import DatabaseError
from grokdesk.storage.models import (
    ActivePath,
    Conversation,
    ConversationSettings,
    DeletedSubtree,
    Message,
    MessageTree,
    SearchHit,
    new_uuid,
)
from grokdesk.storage.repository import RecordGoneError

if TYPE_CHECKING:
    from grokdesk.api.client import ChatClient
    from grokdesk.chat.turn import LiveAnswer, StreamingClient, TurnListener, TurnOutcome
    from grokdesk.export import ExportOptions, ExportResult, ImportReport, PrintPage, Progress
    from grokdesk.secrets import KeyStore
    from grokdesk.storage.repository import History

log = logging.getLogger(__name__)

PATH_PIECE = 200
"""Messages of a path read in one turn of the event loop (about 5 ms): for a turn's request,
and the rest of a path shown from its end."""


class ChatService:
    """The chat core: turns against the right provider with the right key, and every
    read and write of the history."""

    def __init__(self, history: History, settings: Settings, keys: KeyStore, *,
                 base_url_override: str | None = None, read_as_of: int | None = None) -> None:
        """``read_as_of``: the history's ``data_version`` when what is on screen was read
        from it before this core existed (the window's first frame), so that what another
        connection wrote since counts as an outside change (:meth:`outside_change`)."""
        self._history = history
        self.settings = settings
        self.keys = keys
        self.base_url_override = base_url_override
        self.proxy_credentials = ProxyCredentials(keys)
        self._clients: dict[tuple[object, ...], ChatClient] = {}
        self._clients_lock = threading.Lock()
        #: Network settings a Send found usable (``check_settings``); the answer's client
        #: is built with them.
        self._usable_networks: set[NetworkPreferences] = set()
        self._subscribers: list[Callable[[Changes], None]] = []
        self._open_turn_: PreparedTurn | None = None
        self._data_version = read_as_of
        self.live: LiveAnswer | None = None
        """The answer streaming now, if any: what every view reads while it streams."""

    def profile_for(self, conversation: Conversation | ConversationSettings | None = None
                    ) -> Profile:
        """The profile a conversation (or a new one's settings) talks to, with
        environment overrides applied."""
        settings = conversation.settings if isinstance(conversation, Conversation) \
            else conversation
        name = settings.provider if settings is not None else None
        if name is not None and name not in self.settings.profiles:
            name = None
        profile = with_env_overrides(self.settings.profile(name))
        if self.base_url_override:
            profile = dataclasses.replace(profile, base_url=self.base_url_override)
        return profile

    def profile_named(self, name: str) -> Profile:
        """A profile by name, with the overrides a conversation using it would get."""
        return self.profile_for(ConversationSettings(provider=name))

    def model_for(self, conversation: Conversation | None = None) -> str:
        if conversation is not None and conversation.settings.model:
            return conversation.settings.model
        return self.profile_for(conversation).model

    def client_for(self, profile: Profile) -> ChatClient:
        """A client for ``profile``, reused while its URL, key and network settings stay.

        Each profile's key goes only to that profile's base URL: the client is built for
        one URL and one key. Raises MissingKeyError, or NetworkSettingsError for a
        proxy or CA bundle that cannot be used.
        """
        with self._clients_lock:
            key = self.keys.lookup(profile).key
            if key is None and profile.key_required:
                raise MissingKeyError(profile.label)
            network = self.settings.network
            proxy_auth = (self.proxy_credentials.lookup(network.proxy) if network.proxy
                          else None)
            cache_key = (profile.name, profile.base_url, key, network, proxy_auth)
            client = self._clients.get(cache_key)
            if client is None:
                client = build_client(profile.base_url, key, network, proxy_auth=proxy_auth)
                self._clients[cache_key] = client
            return client

    def _check_sendable(self, profile: Profile) -> None:
        """Raise now what building the answer's client would (MissingKeyError,
        NetworkSettingsError), before anything is stored; the client itself is built when
        the answer starts, on a worker thread (:meth:`answer`)."""
        if profile.key_required and self.keys.lookup(profile).key is None:
            raise MissingKeyError(profile.label)
        network = self.settings.network
        if network not in self._usable_networks:  # a CA bundle is read once, not per Send
            check_settings(network)
            self._usable_networks.add(network)

    def warm_up(self) -> None:
        """Build the active provider's client ahead of the first send.

        Importing httpx and loading the TLS roots take a fifth of a second, and the
        transport's async backend another 80 ms: meant for a worker thread (on the
        loop's, the backend waits for the first request). :meth:`client_for` builds each
        client once, under a lock, so a send that comes meanwhile waits for this client
        instead of building another. Raises what :meth:`client_for` raises.
        """
        from grokdesk.api.client import load_async_backend

        self.client_for(self.profile_for(None))
        load_async_backend()

    def new_client(self, profile: Profile, key: str | None, **overrides: Any) -> ChatClient:
        """A separate client for ``profile`` with ``key`` (say, one typed in Preferences and
        not saved yet), with the current network settings; the caller closes it."""
        network = self.settings.network
        proxy_auth = self.proxy_credentials.lookup(network.proxy) if network.proxy else None
        return build_client(profile.base_url, key, network, proxy_auth=proxy_auth, **overrides)

    def insecure_transport_warning(
            self, conversation: Conversation | ConversationSettings | None = None
    ) -> str | None:
        """The warning to show before a key goes out unencrypted: plain http:// to another
        machine, or through a proxy (the route the client will really take)."""
        profile = self.profile_for(conversation)
        sends_key = profile.key_required or self.keys.lookup(profile).key is not None
        return insecure_transport_warning(profile, self.settings.network, sends_key=sends_key)

    async def models(self, profile: Profile, *, refresh: bool = False) -> ModelList:
        """The model picker's list for ``profile`` (as :meth:`profile_for` gives it):
        fetched, or cached when offline.

        Listing models needs no key on most services, so a profile whose key is not set
        yet still gets its list. Raises the API error only when the service cannot be
        reached and nothing is cached.
        """
        try:
            client = self.client_for(profile)
        except MissingKeyError:
            async with self.new_client(profile, None) as keyless:
                return await load_models(profile, keyless, refresh=refresh)
        return await load_models(profile, client, refresh=refresh)

    # ------------------------------------------------------------------ changes

    def subscribe(self, listener: Callable[[Changes], None]) -> None:
        """Call ``listener`` with every change a write makes (the window routes them)."""
        self._subscribers.append(listener)

    def _publish(self, changes: Changes) -> Changes:
        if changes:
            for listener in list(self._subscribers):
                listener(changes)
        return changes

    def outside_change(self) -> Changes:
        """What to re-read because another connection (a second window, the command
        line) wrote to the history since the last call (or since ``read_as_of``); without
        either, the first call only takes the baseline. Nothing is published: only the
        caller asked."""
        try:
            version = self._history.db.data_version()
        except DatabaseError:
            return NOTHING
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        return Changes(reloaded=True) if changed else NOTHING

    # ------------------------------------------------------------------ reading

    def conversation(self, conversation_id: int) -> Conversation | None:
        return self._history.get_conversation(conversation_id)

    def conversations_by_id(self, conversation_ids: Sequence[int]) -> dict[int, Conversation]:
        return self._history.conversations_by_id(conversation_ids)

    def latest_conversation(self) -> Conversation | None:
        return self._history.latest_conversation()

    def conversations(self, limit: int | None = None, offset: int = 0) -> list[Conversation]:
        """A page of conversations in the sidebar's order (:func:`sidebar_order`)."""
        return self._history.list_conversations(limit=limit, offset=offset)

    def count_conversations(self) -> int:
        return self._history.count_conversations()

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        return self._history.search(query, limit=limit)

    def messages(self, conversation_id: int) -> list[Message]:
        """The active path: root to current leaf, what is shown and sent."""
        return self._history.messages(conversation_id)

    def active_path(self, conversation_id: int, last: int | None = None) -> ActivePath:
        """The active path with each message's versions (sibling ids, oldest first);
        with ``last``, its last ``last`` messages only."""
        return self._history.active_path(conversation_id, last)

    def path_above(self, conversation_id: int, message_id: int) -> Iterator[ActivePath]:
        """The path above ``message_id``, :data:`PATH_PIECE` messages a piece with their
        versions, from there up: the rest of a path shown from its end, a piece a turn."""
        return self._history.path_above(conversation_id, message_id, PATH_PIECE)

    def tree(self, conversation_id: int) -> MessageTree:
        """Every message of every branch with its parent, and the current leaf."""
        return self._history.tree(conversation_id)

    def message(self, message_id: int) -> Message | None:
        return self._history.get_message(message_id)

    def totals(self, conversation_id: int) -> Totals:
        tokens, cost = self._history.usage_totals(conversation_id)
        return Totals(tokens, cost)

    # ------------------------------------------------------------------ conversations

    def _conversation(self, conversation_id: int) -> Conversation:
        conversation = self._history.get_conversation(conversation_id)
        if conversation is None:
            raise RecordGoneError(f"There is no conversation {conversation_id}")
        return conversation

    def settings_for_new_chat(self) -> ConversationSettings:
        """The app's defaults for a new chat."""
        defaults = self.settings.defaults
        return ConversationSettings(
            provider=self.settings.active_profile,
            system_prompt=defaults.system_prompt or None,
            reasoning_effort=defaults.reasoning_effort,
            temperature=defaults.temperature,
        )

    def new_conversation(self, settings: ConversationSettings | None = None, *,
                         title: str = DEFAULT_TITLE) -> Conversation:
        """Start an empty conversation (with the app's defaults unless ``settings``)."""
        conversation = self._history.create_conversation(
            title, settings or self.settings_for_new_chat())
        self._publish(Changes(conversations=(conversation,),
                              created=frozenset({conversation.id})))
        return conversation

    def rename(self, conversation_id: int, title: str) -> Changes:
        """Give a conversation the title the user chose (:func:`titles.chosen_title`:
        one plain line; BlankTitleError when nothing is left). The same title is no
        change; a conversation that is gone raises RecordGoneError."""
        chosen = titles.chosen_title(title)
        if self._conversation(conversation_id).title == chosen:
            return NOTHING
        self._history.rename_conversation(conversation_id, chosen)
        return self._publish(self._conversation_changes(conversation_id))

    def set_pinned(self, conversation_id: int, pinned: bool) -> Changes:
        self._history.set_pinned(conversation_id, pinned)
        return self._publish(self._conversation_changes(conversation_id))

    def update_settings(self, conversation_id: int,
                        settings: ConversationSettings | None = None,
                        **fields: object) -> Conversation:
        """Store a conversation's settings (whole, or the named ``fields`` changed)."""
        if settings is None:
            current = self._conversation(conversation_id).settings
            settings = dataclasses.replace(current, **fields)  # type: ignore[arg-type]
        self._history.update_settings(conversation_id, settings)
        changes = self._publish(self._conversation_changes(conversation_id))
        conversation = changes.conversation(conversation_id)
        if conversation is None:
            raise RecordGoneError(f"There is no conversation {conversation_id}")
        return conversation

    def delete_conversation(self, conversation_id: int) -> Changes:
        """Delete a conversation and its messages (deleting twice is fine)."""
        if self.live is not None and self.live.conversation_id == conversation_id:
            raise TurnInProgressError("Stop the answer before deleting its conversation")
        self._history.delete_conversation(conversation_id)
        return self._publish(Changes(removed_conversations=(conversation_id,)))

    def delete_message(self, message_id: int) -> Changes:
        """Delete a message and every message below it (never while one of them streams).

        ``Changes.deleted`` holds what went, for :meth:`restore_messages` (Undo);
        ``removed`` its ids; ``paths`` the conversation's new active path.
        """
        live = self.live
        if live is not None and live.message.id in self._history.subtree_ids(message_id):
            raise TurnInProgressError("Stop the answer before deleting it")
        deleted = self._history.delete_message(message_id)
        if deleted is None:
            return NOTHING
        conversation_id = deleted.conversation_id
        base = self._conversation_changes(conversation_id, removed=deleted.ids,
                                          with_totals=True)
        return self._publish(dataclasses.replace(
            base, deleted=deleted, paths={conversation_id: self.active_path(conversation_id)}))

    def restore_messages(self, deleted: DeletedSubtree) -> Changes:
        """Put back what :meth:`delete_message` took (Undo); the restored messages come in
        ``added`` (their ids are kept where still free) and the path in ``paths``.

        Raises ``RecordGoneError`` when the conversation or the parent went meanwhile.
        """
        ids = self._history.restore(deleted)
        conversation_id = deleted.conversation_id
        wanted = set(ids.values())
        restored = tuple(m for m in self._history.tree(conversation_id).messages
                         if m.id in wanted)
        base = self._conversation_changes(conversation_id, with_totals=True)
        return self._publish(dataclasses.replace(
            base, added=restored, paths={conversation_id: self.active_path(conversation_id)}))

    def select_branch(self, message_id: int) -> Changes:
        """Make the path through ``message_id`` current, ending at the newest leaf below it:
        switching to a sibling version, or opening a search hit on another branch."""
        if self.live is not None and self.live.conversation_id == self._conversation_of(
                message_id):
            raise TurnInProgressError("Wait for the answer (or stop it) before switching")
        conversation_id = self._history.select_branch(message_id)
        return self._publish(dataclasses.replace(
            self._conversation_changes(conversation_id),
            paths={conversation_id: self.active_path(conversation_id)}))

    def fork(self, message_id: int) -> Changes:
        """Copy the path up to ``message_id`` into a new conversation (same title and
        settings); ``Changes.created`` names it."""
        message = self._history.get_message(message_id)
        if message is None:
            raise RecordGoneError(f"There is no message {message_id}")
        source = self._conversation(message.conversation_id)
        # A copy is a new record (new uuids); nothing streams into it.
        kept = [dataclasses.replace(m, uuid=new_uuid(), status="interrupted"
                                    if m.status == "streaming" else m.status)
                for m in self._history.path_to(message_id)]
        with self._history.batch():
            copy = self._history.create_conversation(source.title, source.settings)
            self._history.insert_tree(copy.id, kept, current_leaf_id=kept[-1].id)
        conversation = self._conversation(copy.id)
        return self._publish(Changes(
            conversations=(conversation,), created=frozenset({copy.id}),
            paths={copy.id: self.active_path(copy.id)},
            totals={copy.id: self.totals(copy.id)}))

    def _conversation_of(self, message_id: int) -> int:
        message = self._history.get_message(message_id)
        if message is None:
            raise RecordGoneError(f"There is no message {message_id}")
        return message.conversation_id

    def _conversation_changes(self, conversation_id: int, *, with_totals: bool = False,
                              updated: tuple[Message, ...] = (),
                              removed: tuple[int, ...] = ()) -> Changes:
        """The conversation's new state read back (a rename by another process shows)."""
        conversation = self._history.get_conversation(conversation_id)
        if conversation is None:
            return Changes(removed_conversations=(conversation_id,), updated=updated,
                           removed=removed)
        totals = ({conversation_id: self.totals(conversation_id)} if with_totals
                  else {})
        return Changes(conversations=(conversation,), totals=totals, updated=updated,
                       removed=removed)

    # ------------------------------------------------------------------ turns

    def build_request(self, conversation: Conversation, messages: list[Message], *,
                      model: str | None = None,
                      reasoning_effort: Literal["low", "high"] | None = None) -> ChatRequest:
        """The request for the next answer: system prompt, then the visible exchange (the
        active path); ``model``/``reasoning_effort`` override the conversation's for it."""
        profile = self.profile_for(conversation)
        chat = conversation.settings
        defaults = self.settings.defaults
        sent: list[ChatMessage] = []
        system_prompt = chat.system_prompt if chat.system_prompt is not None else (
            defaults.system_prompt)
        if system_prompt:
            sent.append(ChatMessage("system", system_prompt))
        for message in messages:
            if message.role == "assistant" and (message.status == "error"
                                                or not message.content):
                continue
            if message.role in ("user", "assistant"):
                sent.append(ChatMessage(message.role, message.content))
        fitted = fit_to_context(sent, profile.context_tokens, defaults.max_completion_tokens)
        if fitted.left_out:
            log.info("%d older messages left out of the request to fit the context window",
                     fitted.left_out)
        return ChatRequest(
            model=model or self.model_for(conversation),
            messages=fitted.messages,
            reasoning_effort=reasoning_effort or chat.reasoning_effort,
            effort_style=profile.effort_style,
            temperature=chat.temperature,
            top_p=defaults.top_p,
            max_completion_tokens=defaults.max_completion_tokens,
        )


    def _open_turn(self) -> None:
        """One answer at a time: a second one would interleave with the first."""
        if self._open_turn_ is not None and self._open_turn_.open:
            raise TurnInProgressError("An answer is still coming: wait for it or stop it")

    def _opened(self, turn: PreparedTurn) -> PreparedTurn:
        self._open_turn_ = turn
        return turn

    def release(self, turn: PreparedTurn) -> None:
        """The turn is over (answered, failed, or cancelled before it began)."""
        turn.open = False
        if self._open_turn_ is turn:
            self._open_turn_ = None

    def begin_send(self, conversation_id: int | None, text: str, *,
                   new_settings: ConversationSettings | None = None) -> PreparedTurn:
        """Store the user's message (in a new chat when ``conversation_id`` is None).

        The rules, once for both faces: the key is checked before anything is stored
        (so a new chat is created only when it can be answered); a new chat is titled
        from the text; sending again the text whose answer failed retries that answer
        instead of storing the question twice.
        """
        self._open_turn()
        if conversation_id is None:
            settings = new_settings or self.settings_for_new_chat()
            self._check_sendable(self.profile_for(settings))
            conversation = self._history.create_conversation(title_from_text(text), settings)
            message = self._history.add_message(conversation.id, "user", text)
            after = _touched(conversation, message)
            self._publish(Changes(conversations=(after,), created=frozenset({after.id}),
                                  added=(message,)))
            return self._opened(PreparedTurn(after, [message], sent_text=text))
        conversation = self._conversation(conversation_id)
        self._check_sendable(self.profile_for(conversation))
        latest = self._history.path_end(conversation_id, 2)
        if _is_failed_resend(latest, text):
            return self._begin_retry(conversation, self._history.messages(conversation_id),
                                     sent_text=text)
        message = self._history.add_message(conversation_id, "user", text)
        after = _touched(conversation, message)
        if conversation.title == DEFAULT_TITLE and not latest:
            after = dataclasses.replace(after, title=title_from_text(text))
            self._history.rename_conversation(conversation_id, after.title)
        self._publish(Changes(conversations=(after,), added=(message,)))
        return self._opened(PreparedTurn(after, None if latest else [message], sent_text=text))

    def begin_regenerate(self, conversation_id: int, *, model: str | None = None,
                         reasoning_effort: Literal["low", "high"] | None = None
                         ) -> PreparedTurn:
        """Prepare a new version of the last answer on the active path (the earlier ones
        stay as its siblings); ``model`` and ``reasoning_effort`` apply to this answer
        only ("Regenerate with…"). A path ending in a question gets its first answer."""
        self._open_turn()
        conversation = self._conversation(conversation_id)
        self._check_sendable(self.profile_for(conversation))
        messages = self._history.messages(conversation_id)
        if not messages:
            raise RecordGoneError("This conversation has no message to answer")
        return self._begin_retry(conversation, messages, model=model,
                                 reasoning_effort=reasoning_effort)

    def _begin_retry(self, conversation: Conversation, messages: list[Message], *,
                     sent_text: str | None = None, model: str | None = None,
                     reasoning_effort: Literal["low", "high"] | None = None) -> PreparedTurn:
        versions = bool(messages[-1].role == "assistant")
        if versions:
            messages = messages[:-1]
        turn = PreparedTurn(conversation, messages, sent_text=sent_text, model=model,
                            reasoning_effort=reasoning_effort, new_version=versions)
        self._publish(Changes(paths={conversation.id: self._path_prefix(conversation.id,
                                                                          len(messages))}))
        return self._opened(turn)

    def _path_prefix(self, conversation_id: int, length: int) -> ActivePath:
        path = self._history.active_path(conversation_id)
        return ActivePath(conversation_id, path.messages[:length], path.sibling_ids[:length])

    def begin_edit(self, message_id: int, text: str) -> PreparedTurn:
        """Add a new version of a user message (a sibling: the old one and the answers
        below it stay) and prepare its answer."""
        self._open_turn()
        message = self._history.get_message(message_id)
        if message is None or message.role != "user":
            raise RecordGoneError("Only a stored user message can be edited")
        conversation = self._conversation(message.conversation_id)
        self._check_sendable(self.profile_for(conversation))
        kept = self._history.path_to(message_id)[:-1]
        new = self._history.add_message(conversation.id, "user", text,
                                        parent_id=message.parent_id)
        after = _touched(conversation, new)
        self._publish(Changes(conversations=(after,), added=(new,),
                              paths={conversation.id: self.active_path(conversation.id)}))
        return self._opened(PreparedTurn(after, [*kept, new]))

    async def _read_path(self, conversation_id: int) -> list[Message]:
        """The active path, read a piece per turn of the event loop."""
        import asyncio  # here: the window opens its first conversation before asyncio loads

        reader = self._history.path_pieces(conversation_id, PATH_PIECE)
        pieces: list[list[Message]] = []
        while True:
            await asyncio.sleep(0)
            if (piece := next(reader, None)) is None:
                return [message for piece in reversed(pieces) for message in piece]
            pieces.append(piece)

    async def answer(self, turn: PreparedTurn, *, listener: TurnListener | None = None,
                     on_start: Callable[[LiveAnswer], None] | None = None,
                     stream: bool = True) -> TurnOutcome:
        """Ask for the answer a ``begin_*`` prepared and store it as it streams.

        While it streams, :attr:`live` is the answer so far. Cancelling the task
        keeps the partial answer as interrupted and re-raises ``CancelledError``.
        """
        import asyncio  # these here: the window opens its newest conversation without them

        from grokdesk.chat.think import ThinkTagClient
        from grokdesk.chat.turn import run_turn

        conversation = turn.conversation
        try:
            if turn.messages is None:
                # Read here, not when the question was stored, and a piece per turn of
                # the loop: a long conversation's path is more than a frame's work.
                turn.messages = await self._read_path(conversation.id)
            profile = self.profile_for(conversation)
            # On a worker thread: the first client imports httpx and loads the trust
            # store, a fifth of a second (the warm-up may be building it just then).
            client: StreamingClient = await asyncio.to_thread(self.client_for, profile)
            if profile.think_tags:
                client = ThinkTagClient(client)
            request = self.build_request(conversation, turn.messages, model=turn.model,
                                         reasoning_effort=turn.reasoning_effort)
            await asyncio.sleep(0)  # and the request goes out from a frame of its own

            def started(live: LiveAnswer) -> None:
                self.live = live
                siblings = ({live.message.id: self._history.sibling_ids(live.message.id)}
                            if turn.new_version else {})
                self._publish(Changes(added=(live.message,), siblings=siblings))
                if on_start is not None:
                    on_start(live)

            outcome = await run_turn(self._history, client, conversation.id, request,
                                     listener=listener, on_start=started, stream=stream,
                                     parent_id=turn.messages[-1].id)
        finally:
            live, self.live = self.live, None
            self.release(turn)
            if live is not None:
                self._publish_end(live)
        first = not any(m.role == "assistant" and m.status != "error" for m in turn.messages)
        title_due = (outcome.ok and first and self.settings.defaults.model_titles
                     and conversation.title == title_from_text(turn.messages[0].content))
        return dataclasses.replace(outcome, title_due=title_due)

    def _publish_end(self, live: LiveAnswer) -> None:
        """The answer's final state (however the turn ended) and the conversation's."""
        try:
            final = live.final
            changes = self._conversation_changes(live.conversation_id, with_totals=True,
                                                 updated=(final,) if final else ())
        except DatabaseError as exc:
            log.warning("Could not read back the finished answer: %s", exc)
            return
        self._publish(changes)

    async def suggest_title(self, conversation_id: int, *, force: bool = False) -> str | None:
        """Ask the model for a better title (after the first answer, or on request).

        Does nothing unless ``[defaults] model_titles`` is on or ``force`` (a user's
        explicit request). Renames the conversation only if it still has its local
        title (unless ``force``), and returns the new title; None when nothing changed.
        Never raises for a failure: the local title simply stays.
        """
        if not (force or self.settings.defaults.model_titles):
            return None
        from grokdesk.chat.think import ThinkTagClient

        try:
            conversation = self._conversation(conversation_id)
            messages = self._history.messages(conversation_id)
            user = next(m for m in messages if m.role == "user")
            answer = next(m for m in messages if m.role == "assistant" and m.content)
            profile = self.profile_for(conversation)
            client = self.client_for(profile)
        except (StopIteration, GrokdeskError) as exc:
            log.debug("no title suggestion for %s: %s", conversation_id, exc)
            return None
        local = title_from_text(user.content)
        title = await titles.suggest_title(
            ThinkTagClient(client) if profile.think_tags else client,
            model=self.model_for(conversation), user_text=user.content,
            answer_text=answer.content, effort_style=profile.effort_style)
        current = self._history.get_conversation(conversation_id)
        if title is None or current is None or current.title == title:
            return None
        if not force and current.title not in (local, DEFAULT_TITLE):
            return None
        self.rename(conversation_id, title)
        return title

    async def send(self, conversation_id: int | None, text: str, *,
                   listener: TurnListener | None = None, stream: bool = True) -> TurnOutcome:
        """Store the user's message, then ask for and store the answer."""
        return await self.answer(self.begin_send(conversation_id, text),
                                 listener=listener, stream=stream)

    async def regenerate(self, conversation_id: int, *,
                         listener: TurnListener | None = None, stream: bool = True,
                         model: str | None = None,
                         reasoning_effort: Literal["low", "high"] | None = None
                         ) -> TurnOutcome:
        """Add a new version of the last answer (the earlier ones stay)."""
        return await self.answer(
            self.begin_regenerate(conversation_id, model=model,
                                  reasoning_effort=reasoning_effort),
            listener=listener, stream=stream)

    async def edit_and_resend(self, message_id: int, text: str, *,
                              listener: TurnListener | None = None,
                              stream: bool = True) -> TurnOutcome:
        """Add a new version of a user message and answer it; the old versions stay."""
        return await self.answer(self.begin_edit(message_id, text),
                                 listener=listener, stream=stream)

    # ------------------------------------------------------------------ transfers

    def export_ids(self, conversation_ids: Sequence[int] | None) -> list[int]:
        """What an export of ``conversation_ids`` writes (None: every conversation, in
        sidebar order); an id the history does not have raises
        :class:`~grokdesk.export.store.UnknownConversationError`."""
        from grokdesk.export import store

        return store.resolve_ids(self._history, conversation_ids)

    def export_text(self, conversation_ids: Sequence[int], options: ExportOptions) -> str:
        """Conversations as text (for stdout): JSON of them all, or the one conversation
        in Markdown or HTML."""
        from grokdesk.export import jsonio, render_conversation, store

        if options.format == "json":
            return jsonio.to_json(store.iter_records(self._history, conversation_ids))
        if len(conversation_ids) != 1:
            raise ValueError(f"one conversation as {options.format} text, not "
                             f"{len(conversation_ids)}")
        return render_conversation(self._history, conversation_ids[0], options)

    def export(self, conversation_ids: Sequence[int] | None, target: Path,
               options: ExportOptions, *, progress: Progress | None = None) -> ExportResult:
        """Write conversations (None: all) to ``target``.

        Safe to call from a worker thread: it reads through a connection of its own.
        """
        from grokdesk.export import export_conversations

        with self._own_history() as history:
            return export_conversations(history, conversation_ids, target, options,
                                        progress=progress)

    def print_page(self, conversation_id: int, *, include_reasoning: bool = False
                   ) -> PrintPage:
        """One conversation as the page the window prints (read as exports read it)."""
        from grokdesk.export import print_page

        with self._own_history() as history:
            return print_page(history, conversation_id, include_reasoning=include_reasoning)

    def import_files(self, paths: Sequence[Path], *,
                     progress: Progress | None = None) -> ImportReport:
        """Import grokdesk JSON/Markdown or ChatGPT exports (files, folders, zips).

        Safe to call from a worker thread (a connection of its own). The caller
        publishes :meth:`imported` on its own thread once this returns.
        """
        from grokdesk.export import import_files

        with self._own_history() as history:
            return import_files(history, list(paths), progress=progress)

    def imported(self) -> Changes:
        """Tell the views that an import added conversations: they read them again."""
        return self._publish(Changes(reloaded=True))

    @contextlib.contextmanager
    def _own_history(self) -> Iterator[History]:
        from grokdesk.storage.db import open_database
        from grokdesk.storage.repository import History

        history = History(open_database(self._history.db.path))
        try:
            yield history
        finally:
            history.db.close()

    def recover_interrupted(self) -> int:
        """At start: answers left streaming by a process that died become interrupted."""
        return self._history.recover_interrupted()

    async def aclose(self) -> None:
        """Close every client's connections (the window's quit order needs this)."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class TurnInProgressError(GrokdeskError):
    """A second answer was asked for while one is still coming."""


@dataclass
class PreparedTurn:
    """What ``begin_*`` stored and :meth:`ChatService.answer` answers: the
    conversation and the messages the request is built from.

    ``messages`` None: the active path as stored, read when the answer is asked for.
    ``sent_text`` is the text the user sent, when the turn came from sending it, so
    that a face can give it back if the service turns out to be unreachable. The answer
    follows ``messages[-1]``; ``model``/``reasoning_effort`` override the conversation's
    for it alone, and ``new_version`` says it becomes another version of an answer.
    """

    conversation: Conversation
    messages: list[Message] | None
    sent_text: str | None = None
    model: str | None = None
    reasoning_effort: Literal["low", "high"] | None = None
    new_version: bool = False
    open: bool = field(default=True, repr=False)


def _touched(conversation: Conversation, message: Message) -> Conversation:
    """The conversation right after ``message`` was added to it."""
    return dataclasses.replace(conversation, updated_at=message.created_at,
                               message_count=conversation.message_count + 1)


def _is_failed_resend(messages: Sequence[Message], text: str) -> bool:
    """Whether ``text`` is the last question again after its answer failed (the
    window gives the text back when the service was unreachable): a retry."""
    return (len(messages) >= 2 and messages[-1].role == "assistant"
            and messages[-1].status == "error" and messages[-2].role == "user"
            and messages[-2].content == text)
