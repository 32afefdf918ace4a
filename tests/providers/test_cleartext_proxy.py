"""Plain http:// to this machine is trusted only when it really goes straight there.

A proxy from the environment (HTTP_PROXY, http_proxy, ALL_PROXY, …) or from the
settings carries requests for a loopback base URL too, unless NO_PROXY (or the settings'
``no_proxy``) names the host; the bearer key then crosses the proxy unencrypted. The
warning must follow the route the client really takes: each case sends a real request
with a real proxy (proxy.py, pproxy) on loopback, and the proxy's own log says whether
it carried the request.
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest

from grokdesk.api.errors import NetworkSettingsError
from grokdesk.chat.service import ChatService
from grokdesk.cli import main
from grokdesk.config import BUILTIN_PROFILES, NetworkPreferences, Settings
from grokdesk.secrets import KeyStore
from tests.providers.conftest import MakeService
from tests.providers.proxy_servers import ProxyProcess
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-cleartext-proxy-0123456789abcdef"


def _service(make_service: MakeService, fake: FakeAPI, profile: str = "aimlapi",
             **network: object) -> ChatService:
    base = replace(BUILTIN_PROFILES[profile], base_url=fake.url)
    options: dict[str, object] = {"connect_timeout": 3.0, "read_timeout": 5.0,
                                  "max_retries": 0, **network}
    settings = Settings(active_profile=profile, profiles={**BUILTIN_PROFILES, profile: base},
                        network=NetworkPreferences(**options))  # type: ignore[arg-type]
    keys = KeyStore(MemoryKeyring())
    keys.store(profile, KEY)
    return make_service(settings, keys)


async def _carried(service: ChatService, fake: FakeAPI, proxy: ProxyProcess) -> bool:
    """Send one question; whether ``proxy`` carried it (the key reached the server)."""
    outcome = await service.send(service.new_conversation().id, "Is this private?")
    assert outcome.ok, outcome.error
    assert fake.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"
    await service.aclose()
    marker = (f"-> 127.0.0.1:{fake.port}" if proxy.scheme.startswith("socks")
              else f"127.0.0.1:{fake.port}/v1/chat/completions")
    return proxy.wait_for_log(marker, timeout=1.0)


def _check(warning: str | None, proxied: bool, proxy: ProxyProcess) -> None:
    assert (warning is not None) == proxied, warning
    if warning is not None:
        assert f"127.0.0.1:{proxy.port}" in warning and "API key" in warning
        assert "unencrypted" in warning and "127.0.0.1" in warning


PROXY_NAMES = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
NO_PROXY_CASES = [
    # (NO_PROXY value, whether httpx goes around the proxy for 127.0.0.1)
    (None, False),
    ("", False),
    ("127.0.0.1", True),
    ("example.com, 127.0.0.1", True),
    ("*", True),
    ("localhost", False),
    ("example.com", False),
    ("127.0.0.2", False),
    ("127.0.0.0/8", False),  # httpx takes no CIDR ranges: the proxy still carries it
    (".0.0.1", True),        # httpx's suffix match
]


ENVIRONMENTS = [
    *[(variable, "NO_PROXY", no_proxy, bypassed)
      for variable in PROXY_NAMES for no_proxy, bypassed in NO_PROXY_CASES],
    *[(variable, "no_proxy", no_proxy, bypassed)
      for variable in ("http_proxy", "ALL_PROXY")
      for no_proxy, bypassed in (("127.0.0.1", True), ("localhost", False), ("*", True))],
]


@pytest.mark.parametrize(("variable", "no_proxy_variable", "no_proxy", "bypassed"),
                         ENVIRONMENTS)
async def test_warning_follows_the_environment_proxy(
        variable: str, no_proxy: str | None, bypassed: bool, no_proxy_variable: str,
        make_service: MakeService, fake_api: FakeAPI, http_proxy: ProxyProcess,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, http_proxy.url)
    if no_proxy is not None:
        monkeypatch.setenv(no_proxy_variable, no_proxy)
    service = _service(make_service, fake_api)
    warning = service.insecure_transport_warning()
    proxied = await _carried(service, fake_api, http_proxy)
    assert proxied == (not bypassed)
    _check(warning, proxied, http_proxy)
    if warning is not None:
        assert "NO_PROXY" in warning


async def test_an_https_proxy_variable_does_not_carry_plain_http(
        make_service: MakeService, fake_api: FakeAPI, http_proxy: ProxyProcess,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", http_proxy.url)
    service = _service(make_service, fake_api)
    warning = service.insecure_transport_warning()
    assert not await _carried(service, fake_api, http_proxy)
    _check(warning, False, http_proxy)


async def test_a_socks_proxy_from_the_environment_counts_too(
        make_service: MakeService, fake_api: FakeAPI, socks_proxy: ProxyProcess,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", socks_proxy.url)
    service = _service(make_service, fake_api)
    warning = service.insecure_transport_warning()
    assert await _carried(service, fake_api, socks_proxy)
    _check(warning, True, socks_proxy)


@pytest.mark.parametrize(("no_proxy", "bypassed"), [
    ("", False), ("localhost, 127.0.0.1, ::1", True), ("127.0.0.0/8", True),
    ("example.com", False), ("*", True),
])
async def test_warning_follows_the_proxy_in_the_settings(
        no_proxy: str, bypassed: bool, make_service: MakeService, fake_api: FakeAPI,
        http_proxy: ProxyProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings' proxy replaces the environment's, NO_PROXY included."""
    monkeypatch.setenv("NO_PROXY", "*")
    service = _service(make_service, fake_api, proxy=http_proxy.url, no_proxy=no_proxy)
    warning = service.insecure_transport_warning()
    proxied = await _carried(service, fake_api, http_proxy)
    assert proxied == (not bypassed)
    _check(warning, proxied, http_proxy)
    if warning is not None:
        assert "No proxy for" in warning


async def test_credentials_in_the_proxy_variable_never_show(
        make_service: MakeService, fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://alice:s3cret-pass@127.0.0.1:3128")
    warning = _service(make_service, fake_api).insecure_transport_warning()
    assert warning is not None and "127.0.0.1:3128" in warning
    assert "alice" not in warning and "s3cret" not in warning


async def test_a_keyless_local_profile_through_a_proxy_says_the_conversation_goes(
        make_service: MakeService, fake_api: FakeAPI, http_proxy: ProxyProcess,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No key goes to a keyless profile, so the warning does not claim one would."""
    monkeypatch.setenv("HTTP_PROXY", http_proxy.url)
    monkeypatch.setenv("GROKDESK_API_KEY", KEY)
    base = replace(BUILTIN_PROFILES["ollama"], base_url=fake_api.url)
    service = make_service(Settings(active_profile="ollama",
                                    profiles={**BUILTIN_PROFILES, "ollama": base}))
    warning = service.insecure_transport_warning()
    assert warning is not None and "API key" not in warning and "conversation" in warning


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("variable", "no_proxy", "warned"), [
    ("HTTP_PROXY", None, True), ("http_proxy", "localhost", True),
    ("ALL_PROXY", "127.0.0.1", False), ("HTTP_PROXY", "*", False),
])
def test_cli_warns_like_the_window_before_a_proxy_sees_the_key(
        variable: str, no_proxy: str | None, warned: bool, fake_api: FakeAPI,
        http_proxy: ProxyProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    """As for plain http:// to another machine: one warning line, then the answer."""
    monkeypatch.setenv("GROKDESK_API_KEY", KEY)
    monkeypatch.setenv(variable, http_proxy.url)
    if no_proxy is not None:
        monkeypatch.setenv("NO_PROXY", no_proxy)
    config = Path(os.environ["GROKDESK_DATA_DIR"]) / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[network]\nconnect_timeout = 3.0\nread_timeout = 5.0\nmax_retries = 0\n",
                      encoding="utf-8")
    code, out, err = _cli("ask", "Hello", "--base-url", fake_api.url)
    assert code == 0, err
    assert "Hello" in out
    assert err.count("warning:") == (1 if warned else 0), err
    if warned:
        assert f"through the proxy http://127.0.0.1:{http_proxy.port}" in err
        assert http_proxy.wait_for_log(f"127.0.0.1:{fake_api.port}/v1/chat/completions")
    assert KEY not in out + err


@pytest.mark.parametrize(("variable", "value"), [
    ("NO_PROXY", "[::1]"), ("no_proxy", "http://[x]"), ("HTTP_PROXY", "ftp://127.0.0.1:21"),
    ("ALL_PROXY", "http://[::1"),
])
async def test_proxy_variables_httpx_cannot_use_stop_the_send_clearly(
        variable: str, value: str, make_service: MakeService, fake_api: FakeAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, value)
    service = _service(make_service, fake_api)
    assert service.insecure_transport_warning() is None  # nothing can be sent
    conversation = service.new_conversation()
    with pytest.raises(NetworkSettingsError, match="proxy environment variables"):
        await service.send(conversation.id, "Hello")
    assert service.messages(conversation.id) == []
    assert not fake_api.requests

    monkeypatch.setenv("GROKDESK_API_KEY", KEY)
    code, out, err = _cli("ask", "Hello", "--base-url", fake_api.url)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "unexpected" not in err, err
    assert "proxy environment variables" in err and KEY not in err
