"""Keys: environment first, then the keyring, then this session; never a file or a repr."""

from __future__ import annotations

import pytest
from keyring.backends import fail

from grokdesk.api.errors import redact
from grokdesk.secrets import SERVICE, KeyringUnavailableError, KeyStore
from tests.support.memory_keyring import MemoryKeyring

KEY = "sk-test-0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROKDESK_API_KEY", raising=False)


def test_store_and_lookup_per_profile() -> None:
    backend = MemoryKeyring()
    keys = KeyStore(backend)
    keys.store("aimlapi", f"  {KEY}\n")
    assert backend.passwords == {(SERVICE, "aimlapi"): KEY}
    found = keys.lookup("aimlapi")
    assert (found.key, found.source) == (KEY, "keyring")
    assert keys.lookup("xai").source == "none"
    assert KEY not in repr(found)
    assert keys.delete("aimlapi") is True
    assert keys.delete("aimlapi") is False
    assert keys.lookup("aimlapi").key is None


def test_environment_overrides_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", KEY)
    monkeypatch.setenv("GROKDESK_API_KEY", "sk-from-environment-42")
    found = keys.lookup("aimlapi")
    assert (found.key, found.source) == ("sk-from-environment-42", "environment")


def test_no_backend_is_said_plainly_and_session_key_works() -> None:
    keys = KeyStore(fail.Keyring())
    assert not keys.available()
    assert "No system keyring" in keys.backend_name()
    with pytest.raises(KeyringUnavailableError) as info:
        keys.store("aimlapi", KEY)
    assert "GROKDESK_API_KEY" in info.value.describe()
    assert KEY not in info.value.describe()
    assert keys.lookup("aimlapi").source == "none"
    keys.remember_for_session("aimlapi", KEY)
    found = keys.lookup("aimlapi")
    assert (found.key, found.source) == (KEY, "session")


def test_plaintext_backends_are_refused() -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    keys = KeyStore(PlaintextKeyring())
    assert not keys.available()
    with pytest.raises(KeyringUnavailableError, match="plain file"):
        keys.store("aimlapi", KEY)


def test_a_failing_backend_becomes_a_clear_error() -> None:
    class Broken(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError(f"dbus exploded while reading {KEY}")

    keys = KeyStore(Broken())
    assert keys.lookup("aimlapi").source == "none"


def test_known_keys_are_redacted_from_any_text() -> None:
    KeyStore(MemoryKeyring()).store("aimlapi", KEY)
    assert KEY not in redact(f"failed with key {KEY} and Bearer {KEY}")
    assert "Bearer [redacted]" in redact("Authorization: Bearer abcdefgh")
