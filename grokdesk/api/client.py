"""One provider connection: requests, retries, error mapping and key hygiene.

Every failure leaves this module as a :mod:`grokdesk.api.errors` exception whose text
was built here (never an httpx exception's text verbatim), so the key cannot leak
through an error message, a ``repr`` or a log line.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import uuid
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Literal, Self

import httpx

from grokdesk.api.answer import AnswerSoFar
from grokdesk.api.bodies import (
    error_from_json,
    load_json,
    parse_completion,
    parse_error_body,
    parse_models,
    to_text,
)
from grokdesk.api.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    InvalidResponseError,
    NetworkSettingsError,
    ProxyError,
    RateLimitError,
    StatusError,
    TLSError,
    clean_request_id,
    error_for_status,
    excerpt,
)
from grokdesk.api.proxies import ProxySettings
from grokdesk.api.retry import RetryPolicy, parse_retry_after
from grokdesk.api.stream import iter_events
from grokdesk.api.tls import trust_context
from grokdesk.api.types import (
    ChatRequest,
    Completion,
    ModelInfo,
    ResponseInfo,
    StreamEvent,
)
from grokdesk.errors import redact, register_secret, url_for_log, without_cut_secret

log = logging.getLogger("grokdesk.api")

MAX_ERROR_BODY = 64 * 1024
MAX_DETAIL_CHARS = 200
REQUEST_ID_HEADERS = ("x-inference-id", "x-request-id", "request-id")
_HIDDEN_HEADERS = {"authorization", "proxy-authorization", "cookie"}


class ChatClient:
    """An OpenAI-compatible chat completions client for one base URL and key.

    Holds one ``httpx.AsyncClient``; close it with :meth:`aclose` or ``async with``.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        max_backoff: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        proxy: str | ProxySettings | None = None,
        verify: ssl.SSLContext | None = None,
        user_agent: str = "grokdesk",
    ) -> None:
        """``proxy`` None means the system's proxy settings (``HTTPS_PROXY``, ``HTTP_PROXY``,
        ``NO_PROXY``); an explicit proxy replaces them. ``verify`` None trusts the default
        stores (see :mod:`grokdesk.api.tls`); certificates are always checked.
        ``user_agent`` is passed in (the app adds its version) so this layer needs
        nothing of grokdesk but the error root.
        """
        self.base_url = base_url.strip().rstrip("/")
        self.retry = RetryPolicy(max_retries, backoff_base, max_backoff)
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        headers = {"User-Agent": user_agent}
        self._has_key = bool(api_key)
        if api_key:
            register_secret(api_key)
            headers["Authorization"] = f"Bearer {api_key}"
        context = verify if verify is not None else trust_context()
        explicit = ProxySettings(proxy) if isinstance(proxy, str) else proxy
        self.proxy_host: str | None = None  # the explicit proxy in use, for messages
        chosen: httpx.Proxy | None = None
        # httpcore runs the SOCKS handshake without any timeout: a proxy that accepts and
        # then says nothing would hang a send forever, so the wait for the response
        # headers gets an overall bound there.
        self._handshake_limit: float | None = None
        if explicit is not None and explicit.used_for(self._host_name()):
            chosen = _httpx_proxy(explicit, context)
            self.proxy_host = _host_of(chosen.url)
            if chosen.url.scheme.startswith("socks"):
                self._handshake_limit = connect_timeout + read_timeout
            if explicit.auth:
                register_secret(explicit.auth[1])
        self._http = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            transport=transport,
            proxy=chosen,
            verify=context,
            # An explicit proxy setting (even one this host bypasses) replaces the
            # system's; with none, HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply.
            trust_env=explicit is None,
        )

    def __repr__(self) -> str:
        key = "set" if self._has_key else "none"
        return f"ChatClient(base_url={redact(url_for_log(self.base_url))!r}, api_key={key})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool; the client cannot be used afterwards."""
        await self._http.aclose()

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Stream one answer: ResponseInfo first, then reasoning, content, usage, finish.

        Retries (429/5xx) happen only before the first event. Stop early with
        ``contextlib.aclosing`` or by cancelling the task: the connection is closed.
        """
        response = await self._send(
            "POST", "/chat/completions", request.to_json(stream=True), stream=True
        )
        try:
            request_id = _request_id(response)
            info = ResponseInfo(request_id, response.headers.get("openai-model") or request.model)
            if _is_event_stream(response):
                yield info
                async for event in iter_events(response, request_id=request_id):
                    yield event
            else:
                completion = await self._read_completion(response, request_id)
                yield info
                for event in completion.events()[1:]:
                    yield event
        except httpx.HTTPError as exc:
            raise self._wrap(exc) from None
        finally:
            await response.aclose()

    async def complete(self, request: ChatRequest) -> Completion:
        """One whole answer, without streaming."""
        response = await self._send("POST", "/chat/completions", request.to_json(stream=False))
        try:
            return await self._read_completion(response, _request_id(response))
        except httpx.HTTPError as exc:
            raise self._wrap(exc) from None
        finally:
            await response.aclose()

    async def list_models(self) -> list[ModelInfo]:
        """The provider's chat models (``GET /models``)."""
        response = await self._send("GET", "/models", None)
        try:
            await response.aread()
        except httpx.HTTPError as exc:
            raise self._wrap(exc) from None
        finally:
            await response.aclose()
        data = load_json(to_text(response.content))
        if data is None:
            raise InvalidResponseError(
                f"The service's model list is not JSON: {_snippet(response)}",
                request_id=_request_id(response),
            )
        return parse_models(data)

    async def _send(
        self, method: str, path: str, body: dict[str, object] | None, *, stream: bool = False
    ) -> httpx.Response:
        """A 2xx response with its body unread, after any retries; the caller closes it."""
        attempt = 0
        while True:
            response = await self._send_once(method, path, body, stream=stream)
            if response.is_success:
                return response
            error = await self._status_error(response)
            retry_after = error.retry_after if isinstance(error, RateLimitError) else None
            if not self.retry.should_retry(error.status_code, attempt):
                raise error
            delay = self.retry.delay(attempt, retry_after)
            log.info("HTTP %s from %s, retrying in %.2f s", error.status_code, path, delay)
            await asyncio.sleep(delay)
            attempt += 1

    async def _send_once(
        self, method: str, path: str, body: dict[str, object] | None, *, stream: bool
    ) -> httpx.Response:
        headers = {"X-Client-Request-Id": f"grokdesk-{uuid.uuid4().hex}"}
        if stream:
            headers["Accept"] = "text/event-stream"
            headers["Cache-Control"] = "no-store"
        try:
            request = self._http.build_request(
                method, self.base_url + path, json=body, headers=headers
            )
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s headers=%s", method, url_for_log(request.url),
                          _safe_headers(request.headers))
            async with asyncio.timeout(self._handshake_limit):
                return await self._http.send(request, stream=True)
        except httpx.InvalidURL as exc:
            raise APIConnectionError(f"The base URL is not valid: {exc}") from None
        except httpx.HTTPError as exc:
            raise self._wrap(exc) from None
        except _socks_errors() as exc:
            raise self._proxy_error(exc) from None
        except TimeoutError:
            raise APITimeoutError(f"Could not reach {self._host()} through the proxy "
                                  f"{self.proxy_host}: no answer within "
                                  f"{self._handshake_limit:g} s") from None

    async def _status_error(self, response: httpx.Response) -> StatusError:
        """The error an HTTP error status stands for, with the server's own words."""
        try:
            body = await _read_capped(response)
        finally:
            await response.aclose()
        parsed = parse_error_body(body, response.headers.get("content-type"))
        message = parsed.message
        if not message and response.is_redirect:
            message = f"redirected to {response.headers.get('location', 'another address')}"
        return error_for_status(
            response.status_code,
            message,
            request_id=_request_id(response) or parsed.request_id,
            retry_after=parse_retry_after(response.headers),
        )

    async def _read_completion(self, response: httpx.Response, request_id: str | None
                               ) -> Completion:
        """A completion from a 2xx body that may be JSON, an event stream or neither."""
        if _is_event_stream(response):
            return await _collect(response, request_id)
        await response.aread()
        data = load_json(to_text(response.content))
        if isinstance(data, dict) and not data.get("choices"):
            found = error_from_json(data)
            if found is not None:
                status = found.status if found.status and found.status >= 400 else 500
                raise error_for_status(status, found.message,
                                       request_id=request_id or found.request_id)
        if data is None:
            kind = response.headers.get("content-type", "no content type")
            raise InvalidResponseError(
                f"The service did not send a chat completion ({kind}): {_snippet(response)}",
                request_id=request_id,
            )
        return parse_completion(data, request_id=request_id)

    def _wrap(self, exc: httpx.HTTPError) -> APIError:
        """Our error for an httpx one, worded here so that no raw text can carry the key."""
        host = self._host()
        if isinstance(exc, httpx.ConnectTimeout):
            where = f"the proxy {self.proxy_host}" if self.proxy_host else host
            return APITimeoutError(
                f"Could not reach {where}: no answer within {self._connect_timeout:g} s")
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"{host} did not answer within {self._read_timeout:g} s")
        if isinstance(exc, httpx.ProxyError):
            return self._proxy_error(exc)
        if isinstance(exc, httpx.ConnectError):
            kind, why = _connect_failure(exc)
            if kind == "tls":
                return TLSError(f"Could not reach {host}: {why}")
            if self.proxy_host:
                return ProxyError(f"Could not reach the proxy {self.proxy_host}: {why}")
            return APIConnectionError(f"Could not reach {host}: {why}")
        detail = excerpt(str(exc), MAX_DETAIL_CHARS) or type(exc).__name__
        return APIConnectionError(f"Could not talk to {host}: {detail}")

    def _proxy_error(self, exc: BaseException) -> APIError:
        """The proxy said no (to our credentials, or to reaching the service for us)."""
        kind, why = _connect_failure(exc)
        if kind == "tls":
            return TLSError(f"Could not reach {self._host()}: {why}")
        if isinstance(exc, _socks_errors()):
            why = "it did not accept the connection (it may need a user name and password)"
        proxy = self.proxy_host or "the proxy"
        return ProxyError(f"The proxy {proxy} refused to connect to {self._host()}: {why}")

    def _host_name(self) -> str:
        try:
            return httpx.URL(self.base_url).host
        except httpx.InvalidURL:
            return ""

    def _host(self) -> str:
        try:
            url = httpx.URL(self.base_url)
        except httpx.InvalidURL:
            return "the service"
        return _host_of(url) or "the service"


def load_async_backend() -> None:
    """Import the async backend httpx's transport uses on an asyncio loop (anyio's), on
    this thread: otherwise the first request imports it on the loop's thread, an 80 ms
    pause at the start of the first answer. A worker thread runs a loop of its own for
    it; on a thread whose loop is running, the first request there loads it anyway."""
    import anyio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        anyio.run(anyio.sleep, 0)


def _is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "").lower()


def _request_id(response: httpx.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = clean_request_id(response.headers.get(name))
        if value:
            return value
    return None


def _safe_headers(headers: httpx.Headers) -> dict[str, str]:
    """Headers fit for a log: credentials replaced."""
    return {k: "[redacted]" if k.lower() in _HIDDEN_HEADERS else redact(v)
            for k, v in headers.items()}


def _snippet(response: httpx.Response) -> str:
    return parse_error_body(response.content, response.headers.get("content-type")).message


async def _read_capped(response: httpx.Response) -> str:
    """The start of an error body; a broken or endless body yields what arrived.

    Past the cap the rest is never read, so a key quoted across it could not be
    recognised: the end that may be the start of one is dropped.
    """
    body = bytearray()
    try:
        async for piece in response.aiter_bytes():
            body += piece
            if len(body) >= MAX_ERROR_BODY:
                break
    except httpx.HTTPError as exc:
        log.debug("error body incomplete: %s", type(exc).__name__)
    if len(body) < MAX_ERROR_BODY:
        return to_text(bytes(body))
    return without_cut_secret(to_text(bytes(body[:MAX_ERROR_BODY])))


async def _collect(response: httpx.Response, request_id: str | None) -> Completion:
    """A whole completion from a server that streams even when asked not to."""
    answer = AnswerSoFar(request_id)
    async for event in iter_events(response, request_id=request_id):
        answer.take(event)
    return answer.completion()


def _host_of(url: httpx.URL) -> str:
    if not url.host:
        return ""
    return f"{url.host}:{url.port}" if url.port else url.host


def _httpx_proxy(settings: ProxySettings, context: ssl.SSLContext) -> httpx.Proxy:
    """The httpx proxy for ``settings``; its credentials go apart from the URL, and an
    ``https://`` proxy is checked against the same trust as the services."""
    tls_to_proxy = context if settings.url.lower().startswith("https:") else None
    try:
        return httpx.Proxy(settings.url, auth=settings.auth, ssl_context=tls_to_proxy)
    except (ValueError, httpx.InvalidURL):
        raise NetworkSettingsError(f"The proxy URL {redact(settings.url)!r} is not valid"
                                   ) from None


def _socks_errors() -> tuple[type[Exception], ...]:
    """What the SOCKS handshake raises outside httpx's own hierarchy (socksio's errors)."""
    try:
        from socksio.exceptions import SOCKSError
    except ImportError:
        return ()
    return (SOCKSError,)


FailureKind = Literal["dns", "refused", "tls", "other"]


def _connect_failure(exc: BaseException) -> tuple[FailureKind, str]:
    """Why a connection failed, in a few plain words, from the exception chain."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "dns", "name not resolved"
        if isinstance(current, ConnectionRefusedError):
            return "refused", "connection refused"
        if isinstance(current, ssl.SSLCertVerificationError):
            return "tls", f"certificate not trusted ({current.verify_message!s})"
        if isinstance(current, ssl.SSLError):
            return "tls", f"secure connection failed ({current.reason or 'TLS error'})"
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    text = str(exc).lower()
    if any(s in text for s in ("name or service", "nodename", "getaddrinfo", "name resolution")):
        return "dns", "name not resolved"
    if "refused" in text:
        return "refused", "connection refused"
    return "other", excerpt(str(exc), MAX_DETAIL_CHARS) or "connection failed"

