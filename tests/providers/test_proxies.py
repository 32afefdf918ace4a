"""Chats through real proxies on loopback: proxy.py (HTTP) and pproxy (SOCKS5).

Each test proves the route from the proxy's own log: the fake server's port shows up
there only if the proxy carried the request.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import time
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from grokdesk.api.errors import APITimeoutError, ProxyAuthError, ProxyError
from grokdesk.chat.service import ChatService
from grokdesk.config import (
    BUILTIN_PROFILES,
    NetworkPreferences,
    Settings,
    load_settings,
    save_settings,
)
from grokdesk.secrets import SERVICE, KeyStore
from tests.providers.conftest import PROXY_USER, MakeService
from tests.providers.proxy_servers import ProxyProcess, free_port
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-proxy-test-0123456789abcdef"


def _settings(fake: FakeAPI, **network: object) -> Settings:
    """The default profile pointed at ``fake``, with the given network settings."""
    profile = replace(BUILTIN_PROFILES["aimlapi"], base_url=fake.url)
    options: dict[str, object] = {"connect_timeout": 3.0, "read_timeout": 5.0,
                                  "max_retries": 0, **network}
    net = NetworkPreferences(**options)  # type: ignore[arg-type]
    return Settings(profiles={**BUILTIN_PROFILES, "aimlapi": profile}, network=net)


async def _collect_failed_handshake_sockets(service: ChatService) -> None:
    """httpcore 1.0.9 leaves the socket of a failed SOCKS handshake to the garbage
    collector (an upstream bug: the stream is not closed on that path). Collect it here,
    where its ResourceWarning is expected, rather than in whichever test runs next."""
    await service.aclose()
    await asyncio.sleep(0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def _keys() -> KeyStore:
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", KEY)
    return keys


async def test_chat_through_an_http_proxy(make_service: MakeService, fake_api: FakeAPI,
                                          http_proxy: ProxyProcess) -> None:
    service = make_service(_settings(fake_api, proxy=http_proxy.url, no_proxy=""), _keys())
    outcome = await service.send(service.new_conversation().id, "Hello via proxy")
    assert outcome.ok, outcome.error
    assert "Hello via proxy" in outcome.message.content
    assert fake_api.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert http_proxy.wait_for_log(f"127.0.0.1:{fake_api.port}/v1/chat/completions")


async def test_https_through_an_http_proxy_tunnel(make_service: MakeService,
                                                  tls_fake_api: FakeAPI, ca_bundle: Path,
                                                  http_proxy: ProxyProcess) -> None:
    service = make_service(_settings(tls_fake_api, proxy=http_proxy.url, no_proxy="",
                                     ca_bundle=str(ca_bundle)), _keys())
    outcome = await service.send(service.new_conversation().id, "Hello over TLS")
    assert outcome.ok, outcome.error
    assert tls_fake_api.chat_requests, "the TLS server got the chat request"
    assert http_proxy.wait_for_log(f"CONNECT 127.0.0.1:{tls_fake_api.port}")


async def test_http_proxy_credentials_come_from_the_keyring(
        make_service: MakeService, fake_api: FakeAPI, http_proxy_auth: ProxyProcess,
        tmp_path: Path) -> None:
    keyring = MemoryKeyring()
    keys = KeyStore(keyring)
    keys.store("aimlapi", KEY)
    settings = _settings(fake_api, proxy=http_proxy_auth.url, no_proxy="")
    service = make_service(settings, keys)
    conversation = service.new_conversation()

    refused = await service.send(conversation.id, "no credentials yet")
    assert isinstance(refused.error, ProxyAuthError)
    assert "user name and password" in refused.error.describe()
    assert not fake_api.chat_requests

    service.proxy_credentials.store(http_proxy_auth.url, *PROXY_USER)
    assert keyring.passwords[(SERVICE, "proxy:127.0.0.1")] == ":".join(PROXY_USER)
    retried = await service.regenerate(conversation.id)
    assert retried.ok, retried.error
    assert len(fake_api.chat_requests) == 1
    assert http_proxy_auth.wait_for_log(f"127.0.0.1:{fake_api.port}/v1/chat/completions - 200")

    path = tmp_path / "config.toml"
    save_settings(settings, path)
    written = path.read_text(encoding="utf-8")
    assert http_proxy_auth.url in written
    assert PROXY_USER[1] not in written and PROXY_USER[0] not in written


async def test_chat_through_a_socks5_proxy(make_service: MakeService, fake_api: FakeAPI,
                                           socks_proxy: ProxyProcess) -> None:
    for scheme in ("socks5", "socks5h"):
        url = socks_proxy.url.replace("socks5", scheme, 1)
        service = make_service(_settings(fake_api, proxy=url, no_proxy=""), _keys())
        outcome = await service.send(service.new_conversation().id, f"Hello via {scheme}")
        assert outcome.ok, outcome.error
    assert len(fake_api.chat_requests) == 2
    assert socks_proxy.log().count(f"-> 127.0.0.1:{fake_api.port}") == 2


async def test_socks5_proxy_credentials_come_from_the_keyring(
        make_service: MakeService, fake_api: FakeAPI, socks_proxy_auth: ProxyProcess) -> None:
    service = make_service(_settings(fake_api, proxy=socks_proxy_auth.url, no_proxy=""),
                           _keys())
    conversation = service.new_conversation()
    service.warm_up()  # httpx and the client: not what the timed send measures
    started = time.monotonic()
    refused = await service.send(conversation.id, "no credentials yet")
    assert time.monotonic() - started < 2
    assert isinstance(refused.error, ProxyError)
    assert f"The proxy 127.0.0.1:{socks_proxy_auth.port} refused" in refused.error.message
    assert "user name and password" in refused.error.describe()
    del refused
    await _collect_failed_handshake_sockets(service)

    service.proxy_credentials.store(socks_proxy_auth.url, *PROXY_USER)
    retried = await service.regenerate(conversation.id)
    assert retried.ok, retried.error
    assert socks_proxy_auth.wait_for_log(f"-> 127.0.0.1:{fake_api.port}")


async def test_wrong_proxy_password_is_a_proxy_error(
        make_service: MakeService, fake_api: FakeAPI, socks_proxy_auth: ProxyProcess) -> None:
    service = make_service(_settings(fake_api, proxy=socks_proxy_auth.url, no_proxy=""),
                           _keys())
    service.proxy_credentials.remember_for_session(socks_proxy_auth.url, PROXY_USER[0], "wrong")
    outcome = await service.send(service.new_conversation().id, "Hello")
    assert isinstance(outcome.error, ProxyError)
    assert "wrong" not in outcome.error.describe()
    del outcome
    await _collect_failed_handshake_sockets(service)


async def test_a_silent_socks_proxy_cannot_hang_a_send(make_service: MakeService,
                                                      fake_api: FakeAPI) -> None:
    """A proxy that accepts the connection and never answers the handshake."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"socks5://127.0.0.1:{silent.getsockname()[1]}"
        service = make_service(_settings(fake_api, proxy=url, no_proxy="",
                                         connect_timeout=0.3, read_timeout=0.5), _keys())
        service.warm_up()  # httpx and the client: not what the timed send measures
        started = time.monotonic()
        # In a task of its own, as in the window: the task keeps the cancelled handshake
        # (and its socket) alive until it ends, which the cleanup below relies on.
        outcome = await asyncio.create_task(
            service.send(service.new_conversation().id, "Hello"))
        assert time.monotonic() - started < 2
    assert isinstance(outcome.error, APITimeoutError)
    assert "through the proxy 127.0.0.1:" in outcome.error.message
    del outcome
    await _collect_failed_handshake_sockets(service)


async def test_system_proxy_settings_are_honoured(make_service: MakeService, fake_api: FakeAPI,
                                                  http_proxy: ProxyProcess,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """With no proxy in the settings, HTTP_PROXY and NO_PROXY decide (httpx's trust_env)."""
    marker = f"127.0.0.1:{fake_api.port}/v1/chat/completions"
    monkeypatch.setenv("HTTP_PROXY", http_proxy.url)
    service = make_service(_settings(fake_api), _keys())
    assert (await service.send(service.new_conversation().id, "via HTTP_PROXY")).ok
    assert http_proxy.wait_for_log(marker)
    seen = http_proxy.log().count(marker)

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = make_service(_settings(fake_api), _keys())
    assert (await direct.send(direct.new_conversation().id, "around the proxy")).ok
    time.sleep(0.3)
    assert http_proxy.log().count(marker) == seen
    assert len(fake_api.chat_requests) == 2


async def test_explicit_proxy_replaces_the_system_one(make_service: MakeService,
                                                      fake_api: FakeAPI,
                                                      http_proxy: ProxyProcess,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    service = make_service(_settings(fake_api, proxy=http_proxy.url, no_proxy=""), _keys())
    assert (await service.send(service.new_conversation().id, "Hello")).ok
    assert http_proxy.wait_for_log(f"127.0.0.1:{fake_api.port}/v1/chat/completions")


async def test_loopback_goes_around_an_explicit_proxy_by_default(
        make_service: MakeService, fake_api: FakeAPI) -> None:
    """A local model server is on this machine; the company proxy cannot reach it."""
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    service = make_service(_settings(fake_api, proxy=dead_proxy), _keys())
    outcome = await service.send(service.new_conversation().id, "Hello")
    assert outcome.ok, outcome.error


async def test_unreachable_proxy_fails_fast_and_names_the_proxy(
        make_service: MakeService, fake_api: FakeAPI) -> None:
    port = free_port()
    service = make_service(_settings(fake_api, proxy=f"http://127.0.0.1:{port}",
                                     no_proxy=""), _keys())
    service.warm_up()  # httpx and the client: not what the timed send measures
    started = time.monotonic()
    outcome = await service.send(service.new_conversation().id, "Hello")
    assert time.monotonic() - started < 2
    assert isinstance(outcome.error, ProxyError)
    assert outcome.error.message == f"Could not reach the proxy 127.0.0.1:{port}: " \
                                    "connection refused"
    assert not fake_api.chat_requests


def test_proxy_settings_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[network]\nproxy = "socks5h://someone:hunter2@Proxy.Corp.example:1080"\n'
                    'no_proxy = "localhost, .corp.example"\nca_bundle = "~/corp.pem"\n',
                    encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.settings.network.proxy == "socks5h://proxy.corp.example:1080"
    assert loaded.settings.network.no_proxy == "localhost, .corp.example"
    assert loaded.settings.network.ca_bundle == "~/corp.pem"
    assert any("must not contain a user name or password" in w for w in loaded.warnings)
    save_settings(loaded.settings, path)
    assert "hunter2" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["ftp://proxy:21", "proxy.corp:3128", "http://proxy.corp",
                                   "http://:3128", "http://proxy:3128/path"])
def test_unusable_proxy_urls_fall_back_to_the_system_settings(tmp_path: Path,
                                                              value: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[network]\nproxy = "{value}"\n', encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.settings.network.proxy == ""
    assert len(loaded.warnings) == 1 and "[network] proxy" in loaded.warnings[0]
