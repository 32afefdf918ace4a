"""The errors of the provider and the way to it, built so they never carry a key.

Every error carries the server's own message (when there was one), the request id
(when given) and a plain-language ``hint`` saying what the user can do; the faces word
them through ``describe()`` (:class:`grokdesk.errors.GrokdeskError`). Messages are
redacted on the way in, and server text is shortened only by :func:`excerpt`, which
redacts before it cuts.
"""

from __future__ import annotations

import re

from grokdesk.errors import GrokdeskError, redact

MAX_MESSAGE_CHARS = 300
"""What is kept of a server's message: enough to explain, too little to flood a window."""

_SPACE_RE = re.compile(r"\s+")
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


def excerpt(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` redacted, then made one line of at most ``limit`` characters.

    The one way server text is shortened. Redacting comes first because a key the cut
    splits is no longer recognisable: its first characters would be kept.
    """
    text = _SPACE_RE.sub(" ", redact(text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class APIError(GrokdeskError):
    """The provider or the way to it failed."""

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

    def __init__(self, message: str = "The answer was cut off: the connection ended early",
                 *, request_id: str | None = None):
        super().__init__(message, request_id=request_id)


class InvalidResponseError(APIError):
    """The server sent something that is not a chat completion."""

    hint = "check that the base URL points to an OpenAI-compatible API"


class NetworkSettingsError(GrokdeskError):
    """A network setting (proxy, CA bundle) cannot be used as written."""

    hint = "fix it in Preferences or in the [network] section of config.toml"


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
