"""Clients pointed at the fake server, closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from grokdesk.api.client import ChatClient
from tests.api.helpers import KEY
from tests.support.fake_api import FakeAPI

MakeClient = Callable[..., ChatClient]


@pytest.fixture
async def make_client(fake_api: FakeAPI) -> AsyncIterator[MakeClient]:
    """Build clients with test-sized timeouts and backoff; all are closed at the end."""
    clients: list[ChatClient] = []

    def make(base_url: str | None = None, api_key: str | None = KEY, **options: Any
             ) -> ChatClient:
        options.setdefault("backoff_base", 0.01)
        options.setdefault("connect_timeout", 2.0)
        options.setdefault("read_timeout", 5.0)
        client = ChatClient(base_url or fake_api.url, api_key, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> ChatClient:
    return make_client()
