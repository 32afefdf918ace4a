"""A custom CA bundle against a local TLS server whose certificate comes from a test CA
(what a company's TLS inspection looks like from the laptop)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from grokdesk.api.errors import NetworkSettingsError, TLSError
from grokdesk.config import (
    BUILTIN_PROFILES,
    NetworkPreferences,
    Settings,
    load_settings,
)
from grokdesk.secrets import KeyStore
from tests.providers.conftest import MakeService
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-tls-test-0123456789abcdef"


def _settings(fake: FakeAPI, ca_bundle: str = "") -> Settings:
    profile = replace(BUILTIN_PROFILES["xai"], base_url=fake.url)
    network = NetworkPreferences(connect_timeout=3.0, read_timeout=5.0, max_retries=0,
                                 ca_bundle=ca_bundle)
    return Settings(active_profile="xai", profiles={**BUILTIN_PROFILES, "xai": profile},
                    network=network)


def _keys() -> KeyStore:
    keys = KeyStore(MemoryKeyring())
    keys.store("xai", KEY)
    return keys


async def test_untrusted_certificate_says_what_failed_and_what_to_do(
        make_service: MakeService, tls_fake_api: FakeAPI) -> None:
    service = make_service(_settings(tls_fake_api), _keys())
    conversation = service.new_conversation()
    outcome = await service.send(conversation.id, "Hello")
    assert isinstance(outcome.error, TLSError)
    described = outcome.error.describe()
    assert f"Could not reach 127.0.0.1:{tls_fake_api.port}: certificate not trusted" in described
    assert "CA bundle" in described and "ca_bundle" in described
    assert KEY not in described
    assert not tls_fake_api.requests, "nothing was sent over the untrusted connection"
    messages = service.messages(conversation.id)
    assert [(m.role, m.status) for m in messages] == [("user", "complete"),
                                                      ("assistant", "error")]


async def test_the_ca_bundle_makes_it_trusted(make_service: MakeService,
                                              tls_fake_api: FakeAPI, ca_bundle: Path) -> None:
    service = make_service(_settings(tls_fake_api, str(ca_bundle)), _keys())
    outcome = await service.send(service.new_conversation().id, "Hello over TLS")
    assert outcome.ok, outcome.error
    assert "Hello over TLS" in outcome.message.content
    assert tls_fake_api.chat_requests[-1].headers["authorization"] == f"Bearer {KEY}"


async def test_a_ca_bundle_adds_to_the_usual_trust(make_service: MakeService,
                                                   ca_bundle: Path) -> None:
    """The bundle is added to the default stores, not put in their place."""
    from grokdesk.api.tls import trust_context

    default = trust_context().cert_store_stats()["x509_ca"]
    with_bundle = trust_context(ca_bundle).cert_store_stats()["x509_ca"]
    assert default > 50
    assert with_bundle == default + 1


async def test_missing_or_bad_ca_bundle_stops_before_anything_is_stored(
        make_service: MakeService, tls_fake_api: FakeAPI, tmp_path: Path) -> None:
    not_pem = tmp_path / "not-a-cert.pem"
    not_pem.write_text("hello\n", encoding="utf-8")
    for bundle, words in ((tmp_path / "missing.pem", "does not exist"),
                          (not_pem, "no usable certificate")):
        service = make_service(_settings(tls_fake_api, str(bundle)), _keys())
        conversation = service.new_conversation()
        try:
            service.begin_send(conversation.id, "Hello")
        except NetworkSettingsError as exc:
            assert words in exc.describe() and "[network]" in exc.describe()
        else:
            raise AssertionError("a bad CA bundle must stop the send")
        assert service.messages(conversation.id) == []


async def test_no_setting_turns_certificate_checks_off(make_service: MakeService,
                                                       tls_fake_api: FakeAPI,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[network]\nverify = false\nverify_ssl = false\ninsecure = true\n"
                    "ssl_verify = false\n", encoding="utf-8")
    settings = load_settings(path).settings
    assert settings.network == NetworkPreferences()
    profile = replace(BUILTIN_PROFILES["xai"], base_url=tls_fake_api.url)
    service = make_service(replace(settings, active_profile="xai",
                                   profiles={**BUILTIN_PROFILES, "xai": profile}), _keys())
    outcome = await service.send(service.new_conversation().id, "Hello")
    assert isinstance(outcome.error, TLSError)


async def test_a_ca_bundle_that_worked_is_read_once_not_at_every_send(
        make_service: MakeService, tls_fake_api: FakeAPI, ca_bundle: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from grokdesk.api import tls

    bundle = ca_bundle
    checked: list[str] = []
    check = tls.check_bundle

    def counted(ca_bundle: str | Path) -> None:
        checked.append(str(ca_bundle))
        check(ca_bundle)

    monkeypatch.setattr(tls, "check_bundle", counted)
    service = make_service(_settings(tls_fake_api, str(bundle)), _keys())
    conversation = service.new_conversation()
    for text in ("Hello", "Again"):
        assert (await service.send(conversation.id, text)).ok
    assert checked == [str(bundle)]
