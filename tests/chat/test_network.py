"""The clients the app builds: what they say about themselves to the provider."""

from __future__ import annotations

from grokdesk import __version__
from grokdesk.chat.network import build_client
from grokdesk.config import NetworkPreferences
from tests.api.helpers import REQUEST, collect
from tests.support.fake_api import FakeAPI


async def test_the_app_s_clients_send_grokdesk_and_its_version(fake_api: FakeAPI) -> None:
    async with build_client(fake_api.url, "sk-user-agent-0123456789",
                            NetworkPreferences()) as client:
        await collect(client.stream(REQUEST))
    assert fake_api.chat_requests[-1].headers["user-agent"] == f"grokdesk/{__version__}"
