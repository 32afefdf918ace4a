"""API keys: in the OS keyring, or the environment, or memory for this run — never a file.

One keyring service, ``grokdesk``, with one entry per provider profile. The
``GROKDESK_API_KEY`` variable overrides the keyring (scripts, CI) for the profiles that
need a key; a keyless profile (a local model server) gets only a key stored for it, so
a paid key never goes to a server that did not ask for one. When no keyring backend
works, say so with how to fix it: a backend that keeps nothing (``null``, ``fail``, a
chain that writes to one of them, or one that drops what it is given) or a
plaintext-file backend is refused.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from grokdesk.errors import GrokdeskError, register_secret

if TYPE_CHECKING:
    from grokdesk.config import Profile

SERVICE = "grokdesk"
API_KEY_ENV = "GROKDESK_API_KEY"

KeySource = Literal["environment", "keyring", "session", "none"]

log = logging.getLogger(__name__)


class KeyringUnavailableError(GrokdeskError):
    """No usable keyring backend on this machine."""

    hint = (
        "install and unlock a Secret Service (GNOME Keyring or KWallet), or set "
        "GROKDESK_API_KEY for this shell (the window can also keep a key for this "
        "session only)"
    )

    def __init__(self, detail: str) -> None:
        super().__init__(f"No system keyring is available ({detail})")


class MissingKeyError(GrokdeskError):
    """No key is configured for a profile that needs one."""

    hint = "set one with `grokdesk key set` or in Preferences, or set GROKDESK_API_KEY"

    def __init__(self, profile: str) -> None:
        super().__init__(f"No API key for provider {profile!r}")


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


def _unusable(backend: object) -> str | None:
    """Why ``backend`` cannot keep a key, or None when it can.

    A chain writes to its first backend (in priority order), so the chain is as good
    as that one.
    """
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring):
        return "no backend found"
    if isinstance(backend, null.Keyring):
        return "the null backend keeps nothing"
    chained = getattr(backend, "backends", None)
    if chained is not None:
        chained = list(chained)
        return _unusable(chained[0]) if chained else "no backend found"
    if _is_plaintext_backend(backend):
        return f"{type(backend).__name__} stores keys in a plain file"
    return None


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

        backend = self._backend if self._backend is not None else keyring.get_keyring()
        problem = _unusable(backend)
        if problem is not None:
            raise KeyringUnavailableError(problem)
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

    def lookup(self, profile: Profile) -> KeyLookup:
        """The key to use for ``profile``: environment, then keyring, then this session.

        The environment's key is for the profiles that need one: a keyless profile gets
        a key only when one was stored (or kept for this session) for it by name.
        """
        env_key = os.environ.get(API_KEY_ENV, "").strip()
        if env_key and profile.key_required:
            register_secret(env_key)
            return KeyLookup(env_key, "environment")
        try:
            stored = self._call("get_password", profile.name)
        except KeyringUnavailableError:
            stored = None
        if stored:
            register_secret(stored)
            return KeyLookup(stored, "keyring")
        if profile.name in self._session:
            return KeyLookup(self._session[profile.name], "session")
        return KeyLookup(None, "none")

    def store(self, profile: str, key: str) -> None:
        """Save a key in the keyring and read it back.

        Raises KeyringUnavailableError when there is no keyring, or when the keyring
        accepted the key without keeping it: "stored" must mean the next start finds it.
        """
        key = key.strip()
        if not key:
            raise ValueError("The key is empty")
        register_secret(key)
        self._call("set_password", profile, key)
        if self._call("get_password", profile) != key:
            raise KeyringUnavailableError(
                f"the keyring {self.backend_name()} accepted the key but did not keep it")

    def remember_for_session(self, profile: str, key: str) -> None:
        """Keep a key in memory only, when the keyring cannot hold it."""
        key = key.strip()
        register_secret(key)
        self._session[profile] = key

    def delete(self, profile: str) -> bool:
        """Remove the stored key; returns whether there was one.

        Without a usable keyring only this session's key can exist, so forgetting it is
        all there is to do; a keyring that exists but fails (locked, say) still raises.
        """
        import keyring.errors

        had_session_key = self._session.pop(profile, None) is not None
        if not self.available():
            return had_session_key
        try:
            self._call("delete_password", profile)
        except keyring.errors.PasswordDeleteError:
            return had_session_key
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
