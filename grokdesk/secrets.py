"""API keys: in the OS keyring, or the environment, or memory for this run — never a file.

One keyring service, ``grokdesk``, with one entry per provider profile. The
``GROKDESK_API_KEY`` variable overrides the keyring (scripts, CI). When no keyring
backend works, say so with how to fix it; a plaintext-file backend is refused.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Literal

from grokdesk.api.errors import GrokdeskError, register_secret

SERVICE = "grokdesk"
API_KEY_ENV = "GROKDESK_API_KEY"

KeySource = Literal["environment", "keyring", "session", "none"]

log = logging.getLogger(__name__)


class KeyringUnavailableError(GrokdeskError):
    """No usable keyring backend on this machine."""

    hint = (
        "install and unlock a Secret Service (GNOME Keyring or KWallet), or set "
        "GROKDESK_API_KEY for this shell"
    )

    def __init__(self, detail: str) -> None:
        super().__init__(f"No system keyring is available ({detail})")


@dataclass(frozen=True, slots=True)
class KeyLookup:
    """A key and where it came from; ``repr`` never shows the key."""

    key: str | None
    source: KeySource

    def __repr__(self) -> str:
        return f"KeyLookup(key={'set' if self.key else None}, source={self.source!r})"


def _is_plaintext_backend(backend: object) -> bool:
    module = type(backend).__module__
    return module.startswith("keyrings.alt") or "plaintext" in type(backend).__name__.lower()


class KeyStore:
    """Reads and writes keys for provider profiles.

    ``session`` keys live in this process only: the fallback when the keyring is
    missing and the user still wants to chat.
    """

    def __init__(self, backend: object | None = None) -> None:
        self._backend = backend
        self._session: dict[str, str] = {}

    def _keyring(self) -> object:
        import keyring
        from keyring.backends import fail

        backend = self._backend if self._backend is not None else keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            raise KeyringUnavailableError("no backend found")
        chained = getattr(backend, "backends", None)
        if chained is not None and not chained:
            raise KeyringUnavailableError("no backend found")
        if _is_plaintext_backend(backend):
            raise KeyringUnavailableError(f"{type(backend).__name__} stores keys in a plain file")
        return backend

    def backend_name(self) -> str:
        """A readable name of the keyring in use, or why there is none."""
        try:
            backend = self._keyring()
        except KeyringUnavailableError as exc:
            return exc.message
        chained = getattr(backend, "backends", None)
        if chained:
            backend = chained[0]
        return f"{type(backend).__module__.rsplit('.', 1)[-1]}.{type(backend).__name__}"

    def available(self) -> bool:
        try:
            self._keyring()
        except KeyringUnavailableError:
            return False
        return True

    def lookup(self, profile: str) -> KeyLookup:
        """The key to use for ``profile``: environment, then keyring, then this session."""
        env_key = os.environ.get(API_KEY_ENV, "").strip()
        if env_key:
            register_secret(env_key)
            return KeyLookup(env_key, "environment")
        try:
            stored = self._call("get_password", profile)
        except KeyringUnavailableError:
            stored = None
        if stored:
            register_secret(stored)
            return KeyLookup(stored, "keyring")
        if profile in self._session:
            return KeyLookup(self._session[profile], "session")
        return KeyLookup(None, "none")

    def store(self, profile: str, key: str) -> None:
        """Save a key in the keyring (raises KeyringUnavailableError when there is none)."""
        key = key.strip()
        if not key:
            raise ValueError("The key is empty")
        register_secret(key)
        self._call("set_password", profile, key)

    def remember_for_session(self, profile: str, key: str) -> None:
        """Keep a key in memory only, when the keyring cannot hold it."""
        key = key.strip()
        register_secret(key)
        self._session[profile] = key

    def delete(self, profile: str) -> bool:
        """Remove the stored key; returns whether there was one."""
        import keyring.errors

        self._session.pop(profile, None)
        try:
            self._call("delete_password", profile)
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    def _call(self, method: str, profile: str, *args: str) -> str | None:
        import keyring.errors

        backend = self._keyring()
        try:
            result = getattr(backend, method)(SERVICE, profile, *args)
        except keyring.errors.PasswordDeleteError:
            raise
        except keyring.errors.KeyringLocked as exc:
            raise KeyringUnavailableError("the keyring is locked") from exc
        except Exception as exc:
            log.warning("keyring %s failed: %s", method, type(exc).__name__)
            raise KeyringUnavailableError(type(exc).__name__) from None
        return result if isinstance(result, str) else None
