"""The root of every error grokdesk explains to users, its exit codes, and key hygiene.

Every expected failure — the network, the provider, the history file, the keyring, an
import — is a :class:`GrokdeskError`, so each face (the window, the command line) has one
``except`` and words every error through ``describe()`` alone. No error ever holds a
key: messages pass through :func:`redact` on the way in. This module imports nothing of
grokdesk, so every layer, the API layer included, may build on it.
"""

from __future__ import annotations

import re
from enum import IntEnum

_KEY_PATTERNS = [
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{4,}", re.IGNORECASE),
    re.compile(r"\b(sk|xai|key)-[A-Za-z0-9._-]{8,}\b", re.IGNORECASE),
]
_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-"
# Greedy up to the last "@" before the path: a password may hold a bare "@".
_USERINFO_RE = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#]*@")

_secrets_to_hide: set[str] = set()


class ExitCode(IntEnum):
    """What the ``grokdesk`` process returns; scripts rely on these numbers."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    INTERRUPTED = 130


class GrokdeskError(Exception):
    """Base of every error grokdesk expects and explains to the user.

    ``message`` is the cause and ``hint`` (a class attribute) what the user can do.
    """

    hint: str = ""

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)

    def summary(self) -> str:
        """The cause, in one short sentence."""
        return self.message

    def describe(self) -> str:
        """Cause and remedy on one line, for the command line and the window."""
        return f"{self.summary()} — {self.hint}" if self.hint else self.summary()


def register_secret(secret: str) -> None:
    """Remember a key so that any text passing through :func:`redact` hides it."""
    if len(secret) >= 4:
        _secrets_to_hide.add(secret)


def redact(text: str) -> str:
    """Remove known keys and anything shaped like a bearer token from ``text``."""
    for secret in _secrets_to_hide:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "[redacted]", text)
    return text


def without_cut_secret(text: str) -> str:
    """``text`` that was cut short blindly (a byte cap), minus an end that may be the start
    of a key: of one grokdesk knows, or any final run of token characters."""
    for secret in _secrets_to_hide:
        for size in range(min(len(secret), len(text)), 0, -1):
            if text.endswith(secret[:size]):
                text = text[:-size]
                break
    return text.rstrip(_TOKEN_CHARS)


def without_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` part of every URL in it removed."""
    return _USERINFO_RE.sub(r"\1", text)


def url_for_log(url: object) -> str:
    """A URL (a string or an ``httpx.URL``) fit for a log line: no user name or password."""
    return without_userinfo(str(url))
