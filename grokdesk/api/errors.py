"""One error hierarchy for everything the service or the network can do to a turn.

Every error carries the server's own message (when there was one), the request id
(when given) and a plain-language ``hint`` saying what the user can do. The GUI and
the command line word errors through ``describe()`` alone, so the text lives here.
No error ever holds the API key: messages are built from the server's reply and
passed through :func:`redact` on the way in, and server text is shortened only by
:func:`excerpt`, which redacts before it cuts.
"""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 300
"""What is kept of a server's message: enough to explain, too little to flood a window."""

_KEY_PATTERNS = [
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{4,}", re.IGNORECASE),
    re.compile(r"\b(sk|xai|key)-[A-Za-z0-9._-]{8,}\b", re.IGNORECASE),
]

_SPACE_RE = re.compile(r"\s+")
_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-"

_secrets_to_hide: set[str] = set()


def register_secret(secret: str) -> None:
    """Remember a key so that any text passing through :func:`redact` hides it."""
    if len(secret) >= 4:
        _secrets_to_hide.add(secret)


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def clean_request_id(value: object) -> str | None:
    """A request id fit to show and store: the documented alphabet only, never a key.

    Request ids come from the server (headers, error bodies); a hostile or broken one
    could carry anything, including the key it was sent.
    """
    if not isinstance(value, str):
        return None
    value = redact(value.strip())
    return value if _REQUEST_ID.fullmatch(value) else None


def redact(text: str) -> str:
    """Remove known keys and anything shaped like a bearer token from ``text``."""
    for secret in _secrets_to_hide:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "[redacted]", text)
    return text


def excerpt(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` redacted, then made one line of at most ``limit`` characters.

    The one way server text is shortened. Redacting comes first because a key the cut
    splits is no longer recognisable: its first characters would be kept.
    """
    text = _SPACE_RE.sub(" ", redact(text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def without_cut_secret(text: str) -> str:
    """``text`` that was cut short blindly (a byte cap), minus an end that may be the start
    of a key: of one grokdesk knows, or any final run of token characters."""
    for secret in _secrets_to_hide:
        for size in range(min(len(secret), len(text)), 0, -1):
            if text.endswith(secret[:size]):
                text = text[:-size]
                break
    return text.rstrip(_TOKEN_CHARS)


class GrokdeskError(Exception):
    """Base of every error grokdesk expects and explains to the user."""

    hint: str = ""

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)

    def summary(self) -> str:
        """The cause, in one short sentence."""
        return self.message

    def describe(self) -> str:
        """Cause and remedy on one line, for the command line and the chat pane."""
        return f"{self.summary()} — {self.hint}" if self.hint else self.summary()


class APIError(GrokdeskError):
    """The provider or the way to it failed."""

    retryable = False

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = clean_request_id(request_id)

    def describe(self) -> str:
        text = super().describe()
        return f"{text} (request id {self.request_id})" if self.request_id else text


class StatusError(APIError):
    """The server answered with an HTTP error status."""

    title = "The request failed"

    def __init__(
        self,
        status_code: int,
        server_message: str,
        *,
        request_id: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.server_message = redact(server_message.strip())
        detail = f": {self.server_message}" if self.server_message else ""
        super().__init__(f"{self.title} (HTTP {status_code}){detail}", request_id=request_id)


class BadRequestError(StatusError):
    title = "The request was rejected"
    hint = "check the model and the settings of this conversation"


class AuthError(StatusError):
    title = "API key rejected"
    hint = "set a valid key with `grokdesk key set` or in Preferences"


class PaymentError(StatusError):
    title = "Payment required or access forbidden"
    hint = "check the credits and permissions of your account with the provider"


class NotFoundError(StatusError):
    title = "Not found"
    hint = "check the provider's base URL and the model name"


class RateLimitError(StatusError):
    title = "Rate limited"
    hint = "wait a moment and try again"
    retryable = True

    def __init__(
        self,
        status_code: int,
        server_message: str,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status_code, server_message, request_id=request_id)
        self.retry_after = retry_after


class ServerError(StatusError):
    title = "The service is having trouble"
    hint = "try again in a little while"
    retryable = True


class ProxyAuthError(StatusError):
    title = "The proxy needs a user name and password"
    hint = "set them in Preferences; they are kept in the system keyring"


class StreamError(APIError):
    """The server reported an error inside an answer that had already started."""

    hint = "the partial answer was kept; retry to get a complete one"

    def __init__(self, message: str, *, code: str | None = None, request_id: str | None = None):
        self.code = code
        super().__init__(f"The service stopped the answer with an error: {message}",
                         request_id=request_id)


class APIConnectionError(APIError):
    """The service could not be reached at all."""

    hint = "check your network connection and the provider's base URL"
    retryable = True

    def __init__(self, message: str = "Could not reach the service", **kwargs: str | None):
        super().__init__(message, request_id=kwargs.get("request_id"))


class APITimeoutError(APIConnectionError):
    """The service did not answer in time."""

    hint = "the network or the service is slow; try again, or raise the timeouts in the settings"

    def __init__(self, message: str = "The service did not answer in time", **kwargs: str | None):
        super().__init__(message, **kwargs)


class TLSError(APIConnectionError):
    """The secure connection failed, most often on a certificate this machine does not trust.

    Checks are never turned off; the way out for TLS inspection is to trust its CA.
    """

    hint = (
        "if your network inspects secure connections (a company proxy), choose its CA "
        "certificate as the CA bundle in Preferences (ca_bundle in the [network] section of "
        "config.toml); otherwise check the provider's base URL"
    )


class ProxyError(APIConnectionError):
    """The proxy could not be reached or refused to connect us."""

    hint = "check the proxy address, user name and password in Preferences (the [network] proxy)"


class StreamInterrupted(APIError):
    """The connection ended before the answer was complete."""

    hint = "the partial answer was kept; retry to get a complete one"
    retryable = True

    def __init__(self, message: str = "The answer was cut off: the connection ended early",
                 *, request_id: str | None = None):
        super().__init__(message, request_id=request_id)


class InvalidResponseError(APIError):
    """The server sent something that is not a chat completion."""

    hint = "check that the base URL points to an OpenAI-compatible API"


class NetworkSettingsError(GrokdeskError):
    """A network setting (proxy, CA bundle) cannot be used as written."""

    hint = "fix it in Preferences or in the [network] section of config.toml"


class MissingKeyError(GrokdeskError):
    """No key is configured for a profile that needs one."""

    hint = "set one with `grokdesk key set` or in Preferences, or set GROKDESK_API_KEY"

    def __init__(self, profile: str) -> None:
        super().__init__(f"No API key for provider {profile!r}")


def error_for_status(
    status_code: int,
    server_message: str,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> StatusError:
    """Map an HTTP status to its error class (the table in the API notes)."""
    if status_code == 429:
        return RateLimitError(status_code, server_message, request_id=request_id,
                              retry_after=retry_after)
    cls: type[StatusError]
    if status_code == 401:
        cls = AuthError
    elif status_code in (402, 403):
        cls = PaymentError
    elif status_code == 404:
        cls = NotFoundError
    elif status_code == 407:
        cls = ProxyAuthError
    elif status_code >= 500:
        cls = ServerError
    else:
        cls = BadRequestError
    return cls(status_code, server_message, request_id=request_id)
