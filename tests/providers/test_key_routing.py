"""Where a key may go: only to its own profile's base URL, and never unencrypted over a
network without a warning first."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest

from grokdesk.chat.network import insecure_transport_warning
from grokdesk.cli import main
from grokdesk.config import BUILTIN_PROFILES, NetworkPreferences, Profile, Settings
from grokdesk.secrets import KeyStore
from grokdesk.storage.models import ConversationSettings
from tests.providers.conftest import MakeService
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

KEY_A = "sk-profile-A-0123456789abcdef"
KEY_B = "xai-profile-B-fedcba9876543210"


def _everything_sent(server: FakeAPI) -> str:
    return "\n".join(f"{r.path} {r.headers} {r.raw_body!r}" for r in server.requests)


async def test_each_key_goes_only_to_its_own_profile(make_service: MakeService,
                                                     fake_api: FakeAPI) -> None:
    with FakeAPI() as other:
        profiles = {**BUILTIN_PROFILES,
                    "aimlapi": replace(BUILTIN_PROFILES["aimlapi"], base_url=fake_api.url),
                    "xai": replace(BUILTIN_PROFILES["xai"], base_url=other.url)}
        keys = KeyStore(MemoryKeyring())
        keys.store("aimlapi", KEY_A)
        keys.store("xai", KEY_B)
        service = make_service(Settings(profiles=profiles,
                                        network=NetworkPreferences(max_retries=0)), keys)
        on_a = service.new_conversation(ConversationSettings(provider="aimlapi"))
        on_b = service.new_conversation(ConversationSettings(provider="xai"))
        for _ in range(2):
            assert (await service.send(on_a.id, "for A")).ok
            assert (await service.send(on_b.id, "for B")).ok
        service.update_settings(on_a.id, provider="xai", model=None)
        assert (await service.send(on_a.id, "A's conversation, now on B")).ok
        await service.models(profiles["aimlapi"])
        await service.models(profiles["xai"])

        sent_to_a, sent_to_b = _everything_sent(fake_api), _everything_sent(other)
        assert len(fake_api.chat_requests) == 2 and len(other.chat_requests) == 3
    assert KEY_A in sent_to_a and KEY_B not in sent_to_a
    assert KEY_B in sent_to_b and KEY_A not in sent_to_b


async def test_base_url_override_is_the_users_explicit_choice(
        make_service: MakeService, fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """GROKDESK_BASE_URL (and --base-url) point the profile elsewhere for this run, and its
    key goes with it: documented in docs/configuration.md."""
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", KEY_A)
    service = make_service(Settings(network=NetworkPreferences(max_retries=0)), keys)
    assert (await service.send(service.new_conversation().id, "Hi")).ok
    assert fake_api.chat_requests[-1].headers["authorization"] == f"Bearer {KEY_A}"


def _profile(url: str) -> Profile:
    return replace(BUILTIN_PROFILES["aimlapi"], base_url=url)


@pytest.mark.parametrize("url", [
    "https://api.aimlapi.com/v1", "HTTPS://example.com/v1", "http://127.0.0.1:8080/v1",
    "http://127.5.6.7/v1", "http://[::1]:11434/v1", "http://localhost:1234/v1",
    "http://LOCALHOST./v1", "http://ollama.localhost/v1", "http://[::ffff:127.0.0.1]/v1",
])
def test_no_warning_for_https_or_this_machine(url: str) -> None:
    assert insecure_transport_warning(_profile(url)) is None


@pytest.mark.parametrize("url", [
    "http://api.example.com/v1", "HTTP://192.168.1.20:11434/v1", "http://10.0.0.5/v1",
    "http://[fe80::1]/v1", "http://localhost.example.com/v1", "http://0.0.0.0:8080/v1",
])
def test_warning_for_plain_http_over_a_network(url: str) -> None:
    warning = insecure_transport_warning(_profile(url))
    assert warning is not None
    assert "http://" in warning and "unencrypted" in warning and "API key" in warning


def test_the_warning_applies_to_the_overridden_url(make_service: MakeService,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_service()
    assert service.insecure_transport_warning() is None
    monkeypatch.setenv("GROKDESK_BASE_URL", "http://gpu-box.lan:8000/v1")
    assert "gpu-box.lan" in (service.insecure_transport_warning() or "")


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli_env(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    monkeypatch.setenv("GROKDESK_API_KEY", KEY_A)
    config = Path(os.environ["GROKDESK_DATA_DIR"]) / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[network]\nconnect_timeout = 2.0\nread_timeout = 3.0\nmax_retries = 0\n",
                      encoding="utf-8")
    return fake_api


def test_cli_warns_once_before_sending_over_plain_http(cli_env: FakeAPI,
                                                       fake_dns: dict[str, str | None]) -> None:
    """A made-up LAN name resolved to 127.0.0.1 in-process: the request really goes out,
    to the fake server, after the warning."""
    fake_dns["gpu-box.lan"] = "127.0.0.1"
    code, out, err = _cli("ask", "Hello", "--base-url", f"http://gpu-box.lan:{cli_env.port}/v1")
    assert code == 0, err
    assert err.count("warning:") == 1 and "plain http:// to gpu-box.lan" in err
    assert "Hello" in out
    assert cli_env.chat_requests[-1].headers["authorization"] == f"Bearer {KEY_A}"
    assert cli_env.chat_requests[-1].headers["host"] == f"gpu-box.lan:{cli_env.port}"


def test_cli_says_nothing_for_loopback(cli_env: FakeAPI) -> None:
    code, _, err = _cli("ask", "Hello", "--base-url", cli_env.url)
    assert code == 0 and err == ""


@pytest.mark.parametrize(("name", "url"), [("ollama", "http://localhost:11434/v1"),
                                           ("llamacpp", "http://127.0.0.1:8080/v1"),
                                           ("lmstudio", "http://127.0.0.1:1234/v1")])
def test_local_server_profiles_need_no_key_and_get_no_warning(name: str, url: str) -> None:
    profile = BUILTIN_PROFILES[name]
    assert profile.base_url == url
    assert not profile.key_required and profile.effort_style == "none"
    assert insecure_transport_warning(profile) is None


# --------------------------------------------------------------------------- keyless profiles

ENV_KEY = "xai-from-the-environment-5a5a5a5a5a5a"
STORED_KEY = "sk-stored-for-this-local-server-7b7b7b"
KEYLESS = [name for name, profile in BUILTIN_PROFILES.items() if not profile.key_required]
CUSTOM_KEYLESS = Profile("my-vllm", "My vLLM box", "http://127.0.0.1:9/v1", "qwen",
                         effort_style="none", key_required=False)


def _keyless_settings(name: str, url: str) -> Settings:
    profiles = {**BUILTIN_PROFILES, CUSTOM_KEYLESS.name: CUSTOM_KEYLESS}
    profiles[name] = replace(profiles[name], base_url=url)
    return Settings(active_profile=name, profiles=profiles,
                    network=NetworkPreferences(max_retries=0))


def _authorizations(server: FakeAPI) -> list[str | None]:
    return [r.headers.get("authorization") for r in server.requests]


def test_every_builtin_local_server_profile_is_keyless() -> None:
    assert set(KEYLESS) >= {"ollama", "llamacpp", "lmstudio"}


@pytest.mark.parametrize("name", [*KEYLESS, CUSTOM_KEYLESS.name])
async def test_the_environment_key_never_reaches_a_keyless_profile(
        name: str, make_service: MakeService, fake_api: FakeAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_API_KEY", ENV_KEY)
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", KEY_A)  # another profile's stored key must not go either
    service = make_service(_keyless_settings(name, fake_api.url), keys)
    conversation = service.new_conversation()
    assert (await service.send(conversation.id, "Hi")).ok
    await service.suggest_title(conversation.id, force=True)
    await service.models(service.profile_for(None), refresh=True)
    assert len(fake_api.chat_requests) == 2, "the requests reached the fake server"
    assert _authorizations(fake_api) == [None] * len(fake_api.requests)
    assert ENV_KEY not in _everything_sent(fake_api) and KEY_A not in _everything_sent(fake_api)
    assert keys.lookup(service.profile_for(None)).source == "none"


@pytest.mark.parametrize("name", [*KEYLESS, CUSTOM_KEYLESS.name])
@pytest.mark.parametrize("how", ["keyring", "session"])
async def test_a_key_stored_for_a_keyless_profile_is_still_sent(
        name: str, how: str, make_service: MakeService, fake_api: FakeAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_API_KEY", ENV_KEY)
    keys = KeyStore(MemoryKeyring())
    if how == "keyring":
        keys.store(name, STORED_KEY)
    else:
        keys.remember_for_session(name, STORED_KEY)
    service = make_service(_keyless_settings(name, fake_api.url), keys)
    assert (await service.send(service.new_conversation().id, "Hi")).ok
    assert _authorizations(fake_api) == [f"Bearer {STORED_KEY}"] * len(fake_api.requests)
    assert ENV_KEY not in _everything_sent(fake_api)


@pytest.mark.parametrize("name", [n for n, p in BUILTIN_PROFILES.items() if p.key_required])
async def test_profiles_that_need_a_key_still_take_the_environment_key(
        name: str, make_service: MakeService, fake_api: FakeAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_API_KEY", ENV_KEY)
    keys = KeyStore(MemoryKeyring())
    keys.store(name, KEY_A)
    service = make_service(_keyless_settings(name, fake_api.url), keys)
    assert (await service.send(service.new_conversation().id, "Hi")).ok
    assert _authorizations(fake_api) == [f"Bearer {ENV_KEY}"] * len(fake_api.requests)


@pytest.mark.parametrize("name", KEYLESS)
def test_cli_sends_no_environment_key_to_a_keyless_profile(name: str, cli_env: FakeAPI) -> None:
    code, out, err = _cli("ask", "Hello", "--provider", name, "--base-url", cli_env.url)
    assert code == 0, err
    assert "Hello" in out
    assert _authorizations(cli_env) == [None] * len(cli_env.requests)
    code, out, _ = _cli("key", "status", "--provider", name)
    assert code == 0 and "environment" not in out and "needs none" in out
