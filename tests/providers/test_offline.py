"""Life on a laptop without a network: a send fails at once and says why, the typed text
is stored (nothing is lost), and the connect and read timeouts are the settings'."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from grokdesk.api.errors import APIConnectionError, APITimeoutError
from grokdesk.chat.service import ChatService
from grokdesk.config import BUILTIN_PROFILES, NetworkPreferences, Settings
from grokdesk.secrets import KeyStore
from tests.providers.conftest import MakeService
from tests.providers.proxy_servers import free_port
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-offline-test-0123456789abcdef"


def _service(make_service: MakeService, base_url: str,
             network: NetworkPreferences | None = None) -> tuple[ChatService, int]:
    profile = replace(BUILTIN_PROFILES["aimlapi"], base_url=base_url)
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", KEY)
    service = make_service(Settings(profiles={**BUILTIN_PROFILES, "aimlapi": profile},
                                    network=network or NetworkPreferences()), keys)
    service.warm_up()  # httpx and the client: not what the timed sends below measure
    return service, service.new_conversation().id


@pytest.mark.parametrize("stream", [True, False])
async def test_connection_refused_fails_at_once_with_default_settings(
        make_service: MakeService, stream: bool) -> None:
    """Default timeouts (10 s connect, 3 retries): refused is neither waited nor retried."""
    service, conversation = _service(make_service, f"http://127.0.0.1:{free_port()}/v1")
    started = time.monotonic()
    outcome = await service.send(conversation, "Are you there?", stream=stream)
    assert time.monotonic() - started < 2
    assert type(outcome.error) is APIConnectionError
    assert "connection refused" in outcome.error.describe()
    assert "network connection" in outcome.error.describe()
    messages = service.messages(conversation)
    assert (messages[0].role, messages[0].content) == ("user", "Are you there?")


async def test_unresolvable_name_fails_at_once(make_service: MakeService,
                                               fake_dns: dict[str, str | None]) -> None:
    fake_dns["api.offline.test"] = None
    service, conversation = _service(make_service, "https://api.offline.test/v1")
    started = time.monotonic()
    outcome = await service.send(conversation, "Hello")
    assert time.monotonic() - started < 2
    assert isinstance(outcome.error, APIConnectionError)
    assert outcome.error.message == "Could not reach api.offline.test: name not resolved"


async def test_read_timeout_setting_is_honoured(make_service: MakeService,
                                                fake_api: FakeAPI) -> None:
    network = NetworkPreferences(connect_timeout=2.0, read_timeout=0.5, max_retries=3)
    service, conversation = _service(make_service, fake_api.url, network)
    fake_api.queue(fake.hang(5))
    started = time.monotonic()
    outcome = await service.send(conversation, "Hello")
    assert time.monotonic() - started < 1.5
    assert isinstance(outcome.error, APITimeoutError)
    assert outcome.error.message == f"127.0.0.1:{fake_api.port} did not answer within 0.5 s"
    assert "raise the timeouts" in outcome.error.describe()
    assert len(fake_api.chat_requests) == 1, "a timeout is not retried"


@pytest.fixture
def full_listener() -> Iterator[int]:
    """A port whose accept queue is full, so a new connection is never completed."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = int(server.getsockname()[1])
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    yield port
    for filler in fillers:
        filler.close()
    server.close()


async def test_connect_timeout_setting_is_honoured(make_service: MakeService,
                                                   full_listener: int) -> None:
    network = NetworkPreferences(connect_timeout=0.3, read_timeout=0.6, max_retries=3)
    service, conversation = _service(make_service, f"http://127.0.0.1:{full_listener}/v1",
                                     network)
    started = time.monotonic()
    outcome = await service.send(conversation, "Hello")
    assert time.monotonic() - started < 1.5
    assert isinstance(outcome.error, APITimeoutError)
    assert outcome.error.message in (
        f"Could not reach 127.0.0.1:{full_listener}: no answer within 0.3 s",
        # a kernel that completes the handshake anyway leaves only the read timeout
        f"127.0.0.1:{full_listener} did not answer within 0.6 s",
    )
