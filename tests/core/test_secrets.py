"""Keys: environment first, then the keyring, then this session; never a file or a repr."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from grokdesk.config import BUILTIN_PROFILES, Profile
from grokdesk.errors import redact
from grokdesk.secrets import SERVICE, KeyLookup, KeyringUnavailableError, KeyStore
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
    found = keys.lookup(BUILTIN_PROFILES["aimlapi"])
    assert (found.key, found.source) == (KEY, "keyring")
    assert keys.lookup(BUILTIN_PROFILES["xai"]).source == "none"
    assert KEY not in repr(found)
    assert keys.delete("aimlapi") is True
    assert keys.delete("aimlapi") is False
    assert keys.lookup(BUILTIN_PROFILES["aimlapi"]).key is None


def test_environment_overrides_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = KeyStore(MemoryKeyring())
    keys.store("aimlapi", KEY)
    monkeypatch.setenv("GROKDESK_API_KEY", "sk-from-environment-42")
    found = keys.lookup(BUILTIN_PROFILES["aimlapi"])
    assert (found.key, found.source) == ("sk-from-environment-42", "environment")


def test_no_backend_is_said_plainly_and_session_key_works() -> None:
    keys = KeyStore(fail.Keyring())
    assert not keys.available()
    assert "No system keyring" in keys.backend_name()
    with pytest.raises(KeyringUnavailableError) as info:
        keys.store("aimlapi", KEY)
    assert "GROKDESK_API_KEY" in info.value.describe()
    assert KEY not in info.value.describe()
    assert keys.lookup(BUILTIN_PROFILES["aimlapi"]).source == "none"
    keys.remember_for_session("aimlapi", KEY)
    found = keys.lookup(BUILTIN_PROFILES["aimlapi"])
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
    assert keys.lookup(BUILTIN_PROFILES["aimlapi"]).source == "none"


def test_known_keys_are_redacted_from_any_text() -> None:
    KeyStore(MemoryKeyring()).store("aimlapi", KEY)
    assert KEY not in redact(f"failed with key {KEY} and Bearer {KEY}")
    assert "Bearer [redacted]" in redact("Authorization: Bearer abcdefgh")


@pytest.mark.parametrize("profile", [p for p in BUILTIN_PROFILES.values() if not p.key_required],
                         ids=lambda p: p.name)
def test_the_environment_key_is_only_for_profiles_that_need_one(
        profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_API_KEY", "sk-from-environment-42")
    keys = KeyStore(MemoryKeyring())
    assert keys.lookup(profile) == KeyLookup(None, "none")
    keys.store(profile.name, KEY)
    assert keys.lookup(profile) == KeyLookup(KEY, "keyring")
    needy = replace(profile, key_required=True)
    assert keys.lookup(needy) == KeyLookup("sk-from-environment-42", "environment")


# ------------------------------------------------------------- backends that keep nothing


class DropsWrites(MemoryKeyring):
    """Says yes to every write and keeps none of them (a broken or locked-down service)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


class KeepsTheOldKey(MemoryKeyring):
    """Answers with what it held before: the new key was silently refused."""

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords.setdefault((service, username), "sk-old-key-from-last-year")


def _chain(*backends: object) -> ChainerBackend:
    """A real ChainerBackend over ``backends`` in this order (its priority order)."""
    chain_class = type("Chain", (ChainerBackend,), {"backends": list(backends)})
    chain: ChainerBackend = chain_class()
    return chain


UNUSABLE: list[tuple[str, Callable[[], object]]] = [
    ("null", null.Keyring),
    ("fail", fail.Keyring),
    ("empty chain", lambda: _chain()),
    ("chain of null", lambda: _chain(null.Keyring())),
    ("chain of fail", lambda: _chain(fail.Keyring())),
    ("chain of null and fail", lambda: _chain(null.Keyring(), fail.Keyring())),
    ("chain picking null first", lambda: _chain(null.Keyring(), MemoryKeyring())),
    ("chain picking fail first", lambda: _chain(fail.Keyring(), MemoryKeyring())),
    ("chain of chains of null", lambda: _chain(_chain(null.Keyring()), MemoryKeyring())),
]


@pytest.mark.parametrize("make", [m for _, m in UNUSABLE], ids=[n for n, _ in UNUSABLE])
def test_backends_that_keep_nothing_are_refused(make: Callable[[], object]) -> None:
    keys = KeyStore(make())
    assert not keys.available()
    assert "No system keyring" in keys.backend_name()
    with pytest.raises(KeyringUnavailableError) as info:
        keys.store("aimlapi", KEY)
    described = info.value.describe()
    assert "GROKDESK_API_KEY" in described and "Secret Service" in described
    assert KEY not in described and "\n" not in described
    assert keys.lookup(BUILTIN_PROFILES["aimlapi"]).source == "none"


@pytest.mark.parametrize("name", ["null.Keyring", "fail.Keyring"])
def test_the_default_keyring_is_checked_too(name: str) -> None:
    module, cls = name.split(".")
    previous = keyring.get_keyring()
    keyring.set_keyring(getattr(importlib.import_module(f"keyring.backends.{module}"), cls)())
    try:
        keys = KeyStore()
        assert not keys.available()
        with pytest.raises(KeyringUnavailableError):
            keys.store("aimlapi", KEY)
    finally:
        keyring.set_keyring(previous)


def test_a_chain_whose_first_backend_keeps_keys_is_used() -> None:
    memory = MemoryKeyring()
    keys = KeyStore(_chain(memory, null.Keyring(), fail.Keyring()))
    assert keys.available()
    keys.store("aimlapi", KEY)
    assert memory.passwords == {(SERVICE, "aimlapi"): KEY}
    assert keys.lookup(BUILTIN_PROFILES["aimlapi"]) == KeyLookup(KEY, "keyring")


@pytest.mark.parametrize("backend", [DropsWrites, KeepsTheOldKey])
@pytest.mark.parametrize("chained", [False, True])
def test_a_backend_that_does_not_keep_the_key_is_refused(backend: type[MemoryKeyring],
                                                         chained: bool) -> None:
    keys = KeyStore(_chain(backend()) if chained else backend())
    assert keys.available()  # nothing tells this one apart until it is tried
    with pytest.raises(KeyringUnavailableError) as info:
        keys.store("aimlapi", KEY)
    described = info.value.describe()
    assert "did not keep it" in described and "GROKDESK_API_KEY" in described
    assert KEY not in described
    keys.remember_for_session("aimlapi", KEY)
    assert keys.lookup(BUILTIN_PROFILES["aimlapi"]).key in (KEY, "sk-old-key-from-last-year")


@pytest.mark.parametrize("backend", ["keyring.backends.null.Keyring",
                                     "keyring.backends.fail.Keyring"])
def test_cli_key_set_refuses_a_backend_that_keeps_nothing(backend: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROKDESK_", "PYTHON_KEYRING"))}
    env.update(GROKDESK_DATA_DIR=str(tmp_path), PYTHON_KEYRING_BACKEND=backend)
    done = subprocess.run([sys.executable, "-m", "grokdesk", "key", "set"], input=KEY + "\n",
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert "stored" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "No system keyring" in lines[0] and "GROKDESK_API_KEY" in lines[0]
    assert KEY not in done.stdout + done.stderr


@pytest.mark.parametrize("make", [m for _, m in UNUSABLE], ids=[n for n, _ in UNUSABLE])
def test_forgetting_a_session_key_works_without_a_keyring(make: Callable[[], object]) -> None:
    keys = KeyStore(make())
    keys.remember_for_session("aimlapi", KEY)
    assert keys.delete("aimlapi") is True
    assert keys.lookup(BUILTIN_PROFILES["aimlapi"]).source == "none"
    assert keys.delete("aimlapi") is False
