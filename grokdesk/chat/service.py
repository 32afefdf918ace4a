"""The chat service: conversations, keys and clients put together for a turn.

Both faces call these methods and nothing below them, so "send", "regenerate",
"edit and resend" and "retry" mean the same in the window and on the command line.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from grokdesk.api.types import ChatMessage, ChatRequest
from grokdesk.chat import titles
from grokdesk.chat.context import fit_to_context
from grokdesk.chat.models import ModelList, load_models
from grokdesk.chat.network import ProxyCredentials, build_client, insecure_transport_warning
from grokdesk.chat.think import ThinkTagClient
from grokdesk.chat.titles import DEFAULT_TITLE, title_from_text
from grokdesk.chat.turn import StreamingClient, TurnListener, TurnOutcome, run_turn
from grokdesk.config import Profile, Settings, with_env_overrides
from grokdesk.errors import GrokdeskError
from grokdesk.secrets import MissingKeyError
from grokdesk.storage.models import Conversation, ConversationSettings, Message

if TYPE_CHECKING:
    from grokdesk.api.client import ChatClient
    from grokdesk.secrets import KeyStore
    from grokdesk.storage.repository import History

log = logging.getLogger(__name__)


class ChatService:
    """Runs turns against the right provider with the right key and history."""

    def __init__(self, history: History, settings: Settings, keys: KeyStore, *,
                 base_url_override: str | None = None) -> None:
        self.history = history
        self.settings = settings
        self.keys = keys
        self.base_url_override = base_url_override
        self.proxy_credentials = ProxyCredentials(keys)
        self._clients: dict[tuple[object, ...], ChatClient] = {}

    def profile_for(self, conversation: Conversation | None = None) -> Profile:
        """The profile a conversation talks to, with environment overrides applied."""
        name = conversation.settings.provider if conversation else None
        if name is not None and name not in self.settings.profiles:
            name = None
        profile = with_env_overrides(self.settings.profile(name))
        if self.base_url_override:
            profile = dataclasses.replace(profile, base_url=self.base_url_override)
        return profile

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
        key = self.keys.lookup(profile).key
        if key is None and profile.key_required:
            raise MissingKeyError(profile.label)
        network = self.settings.network
        proxy_auth = self.proxy_credentials.lookup(network.proxy) if network.proxy else None
        cache_key = (profile.name, profile.base_url, key, network, proxy_auth)
        client = self._clients.get(cache_key)
        if client is None:
            client = build_client(profile.base_url, key, network, proxy_auth=proxy_auth)
            self._clients[cache_key] = client
        return client

    def new_client(self, profile: Profile, key: str | None, **overrides: Any) -> ChatClient:
        """A separate client for ``profile`` with ``key`` (say, one typed in Preferences and
        not saved yet), with the current network settings; the caller closes it."""
        network = self.settings.network
        proxy_auth = self.proxy_credentials.lookup(network.proxy) if network.proxy else None
        return build_client(profile.base_url, key, network, proxy_auth=proxy_auth, **overrides)

    def insecure_transport_warning(self, conversation: Conversation | None = None
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

    def new_conversation(self, settings: ConversationSettings | None = None) -> Conversation:
        """Start an empty conversation with the app's defaults for new chats."""
        defaults = self.settings.defaults
        settings = settings or ConversationSettings(
            provider=self.settings.active_profile,
            system_prompt=defaults.system_prompt or None,
            reasoning_effort=defaults.reasoning_effort,
            temperature=defaults.temperature,
        )
        return self.history.create_conversation(DEFAULT_TITLE, settings)

    def build_request(self, conversation: Conversation, messages: list[Message]) -> ChatRequest:
        """The request for the next answer: system prompt, then the visible exchange."""
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
            model=self.model_for(conversation),
            messages=fitted.messages,
            reasoning_effort=chat.reasoning_effort,
            effort_style=profile.effort_style,
            temperature=chat.temperature,
            top_p=defaults.top_p,
            max_completion_tokens=defaults.max_completion_tokens,
        )

    def _conversation(self, conversation_id: int) -> Conversation:
        conversation = self.history.get_conversation(conversation_id)
        if conversation is None:
            raise LookupError(f"There is no conversation {conversation_id}")
        return conversation

    def ensure_ready(self, conversation_id: int) -> Conversation:
        """Raise before anything is stored if the conversation cannot be sent (no key)."""
        conversation = self._conversation(conversation_id)
        self.client_for(self.profile_for(conversation))
        return conversation

    def prepare_send(self, conversation_id: int, text: str) -> Message:
        """Store the user's message (titling a new chat from it) and return it.

        The key is checked first, so a send that cannot start stores nothing and the
        caller still holds the typed text.
        """
        conversation = self.ensure_ready(conversation_id)
        message = self.history.add_message(conversation_id, "user", text)
        if conversation.title == DEFAULT_TITLE and conversation.message_count == 0:
            self.history.rename_conversation(conversation_id, title_from_text(text))
        return message

    def prepare_regenerate(self, conversation_id: int) -> int | None:
        """Drop the last answer (or failed attempt) so a new one can replace it.

        Returns the id of the removed answer, if there was one.
        """
        self.ensure_ready(conversation_id)
        messages = self.history.messages(conversation_id)
        if not messages:
            raise LookupError("This conversation has no message to answer")
        last = messages[-1]
        if last.role != "assistant":
            return None
        self.history.delete_message(last.id)
        return last.id

    def prepare_edit(self, message_id: int, text: str) -> Message:
        """Replace a user message and drop everything after it; returns the new message."""
        message = self.history.get_message(message_id)
        if message is None or message.role != "user":
            raise LookupError("Only a stored user message can be edited")
        self.ensure_ready(message.conversation_id)
        self.history.delete_messages_from(message.conversation_id, message.id)
        return self.history.add_message(message.conversation_id, "user", text)

    async def answer(self, conversation_id: int, *, listener: TurnListener | None = None,
                     on_start: Callable[[Message], None] | None = None,
                     stream: bool = True) -> TurnOutcome:
        """Ask for the next answer to the conversation as it stands and store it."""
        conversation = self._conversation(conversation_id)
        profile = self.profile_for(conversation)
        client: StreamingClient = self.client_for(profile)
        if profile.think_tags:
            client = ThinkTagClient(client)
        request = self.build_request(conversation, self.history.messages(conversation.id))
        return await run_turn(self.history, client, conversation.id, request,
                              listener=listener, on_start=on_start, stream=stream)

    async def suggest_title(self, conversation_id: int, *, force: bool = False) -> str | None:
        """Ask the model for a better title after the first answer, in the background.

        Does nothing unless ``[defaults] model_titles`` is on or ``force`` (a user's
        explicit request). Renames the conversation only if it still has its local
        title (unless ``force``), and returns the new title; None when nothing changed.
        Never raises for a failure: the local title simply stays.
        """
        if not (force or self.settings.defaults.model_titles):
            return None
        try:
            conversation = self._conversation(conversation_id)
            messages = self.history.messages(conversation_id)
            user = next(m for m in messages if m.role == "user")
            answer = next(m for m in messages if m.role == "assistant" and m.content)
            profile = self.profile_for(conversation)
            client = self.client_for(profile)
        except (StopIteration, LookupError, GrokdeskError) as exc:
            log.debug("no title suggestion for %s: %s", conversation_id, exc)
            return None
        local = title_from_text(user.content)
        title = await titles.suggest_title(
            ThinkTagClient(client) if profile.think_tags else client,
            model=self.model_for(conversation), user_text=user.content,
            answer_text=answer.content, effort_style=profile.effort_style)
        current = self.history.get_conversation(conversation_id)
        if title is None or current is None or current.title == title:
            return None
        if not force and current.title not in (local, DEFAULT_TITLE):
            return None
        self.history.rename_conversation(conversation_id, title)
        return title

    async def send(self, conversation_id: int, text: str, *,
                   listener: TurnListener | None = None, stream: bool = True) -> TurnOutcome:
        """Store the user's message, then ask for and store the answer."""
        self.prepare_send(conversation_id, text)
        return await self.answer(conversation_id, listener=listener, stream=stream)

    async def regenerate(self, conversation_id: int, *,
                         listener: TurnListener | None = None,
                         stream: bool = True) -> TurnOutcome:
        """Replace the last answer (or the failed attempt) with a new one."""
        self.prepare_regenerate(conversation_id)
        return await self.answer(conversation_id, listener=listener, stream=stream)

    async def edit_and_resend(self, message_id: int, text: str, *,
                              listener: TurnListener | None = None,
                              stream: bool = True) -> TurnOutcome:
        """Change a user message and answer it again; the answers after it go."""
        message = self.prepare_edit(message_id, text)
        return await self.answer(message.conversation_id, listener=listener, stream=stream)

    def update_settings(self, conversation_id: int, **changes: object) -> Conversation:
        conversation = self._conversation(conversation_id)
        self.history.update_settings(
            conversation_id, dataclasses.replace(conversation.settings, **changes))  # type: ignore[arg-type]
        return self._conversation(conversation_id)

    async def aclose(self) -> None:
        """Close every client's connections (the window's quit order needs this)."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
