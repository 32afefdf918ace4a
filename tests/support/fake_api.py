"""A real HTTP server that speaks the chat completions API the way providers do, quirks included.

Used by the API tests (through the ``fake_api`` fixture), and as a standalone process
for GUI end-to-end tests, screenshots and benchmarks::

    python -m tests.support.fake_api --port 8765 --delay 0.02

In a test, script the next replies with :meth:`FakeAPI.queue`; with an empty queue the
server answers every chat request with an echo: some reasoning about the last user
message, then a short Markdown answer quoting it, then a usage chunk and ``[DONE]``.

Reply builders (each returns a :class:`Reply`; queue them in order):

- ``stream(reasoning, content, reasoning_key="reasoning_content"|"reasoning",
  delay=..., crlf=..., keepalive=..., empty_deltas=..., split="json"|"utf8",
  finish_reason=..., usage=..., cost_usd=..., done=..., headers=...)``
- ``cut_stream(after=N)``: N data chunks, then the connection closes without ``[DONE]``
- ``error_stream(after=N, message=..., code=..., shape="choices"|"bare"|"text")``
- ``stalled_stream(after=N, seconds=S)``: N chunks, then silence with the socket open
- ``malformed_stream(after=N)``: N chunks, then a data line that is not JSON
- ``endless_stream(max_seconds=S)``: content until the client leaves (or S passes)
- ``raw_stream(pieces)``: exact bytes, one write each; ``invalid_utf8_stream()``
- ``status(code, body, content_type=..., headers=...)``, ``json_error(code, message,
  shape=...)``, ``html_error(code, title)``, ``not_event_stream(body, content_type)``
- ``hang(seconds, then=None)``: no byte at all for S seconds
- ``completion(content, reasoning, ...)`` or ``completion(body=dict)``: non-streamed JSON
- ``models_aimlapi(...)``, ``models_openai(...)``: ``GET /models`` (queue with path="/models")

``FakeAPI(ssl_context=...)`` serves HTTPS instead (the TLS tests make one with trustme).

In a standalone process the same replies are scripted over HTTP with
``POST /_fake/queue`` ``{"path": "/chat/completions", "replies": [{"kind": "cut_stream",
"after": 3}, ...]}`` (``kind`` names a builder above, the other keys are its arguments);
``GET /_fake/requests`` returns the recorded requests and ``POST /_fake/reset`` forgets
them. Directives in the last user message work too, e.g. ``[fake:long=20]``,
``[fake:slow=0.1]``, ``[fake:cut]``, ``[fake:error]``, ``[fake:stall=5]``,
``[fake:status=429]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Protocol

MODEL = "x-ai/grok-3-mini-beta"
CHAT_PATH = "/chat/completions"
MODELS_PATH = "/models"
CONTROL_PREFIX = "/_fake/"
SPLIT_PAUSE = 0.01

ErrorShape = Literal["choices", "bare", "text"]
ErrorBodyShape = Literal["aimlapi", "aimlapi-string-status", "openai", "xai", "nestjs", "text"]


class ClientGone(Exception):
    """The client closed the connection while the server was still writing."""


class ServerStopping(Exception):
    """The server is shutting down; a sleeping reply gives up."""


@dataclass
class RecordedRequest:
    """One request as the server saw it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    time: float

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "headers": self.headers,
                "body": self.body, "time": self.time}


@dataclass
class EarlyClose:
    """A reply the client walked away from: when the server noticed, and how far it got."""

    path: str
    time: float
    chunks_sent: int


class Out:
    """What a reply writes through: status line, headers, flushed body pieces, sleeps."""

    def __init__(self, handler: _Handler, fake: FakeAPI, request: RecordedRequest) -> None:
        self._handler = handler
        self._fake = fake
        self.request = request
        self.chunks_sent = 0

    def head(self, code: int, content_type: str | None, headers: dict[str, str] | None = None,
             *, length: int | None = None) -> None:
        """Status and headers; no Content-Length means the body ends when the socket closes."""
        h = self._handler
        try:
            h.send_response(code)
            if content_type:
                h.send_header("Content-Type", content_type)
            if length is not None:
                h.send_header("Content-Length", str(length))
            h.send_header("Connection", "close")
            extra = {name.lower() for name in headers or {}}
            if "x-inference-id" not in extra:
                h.send_header("x-inference-id", f"inf-{uuid.uuid4().hex[:16]}")
            client_id = self.request.headers.get("x-client-request-id")
            if client_id:
                h.send_header("X-Client-Request-Id", client_id)
            for name, value in (headers or {}).items():
                h.send_header(name, value)
            h.end_headers()
        except OSError as exc:
            raise ClientGone from exc

    def write(self, data: bytes) -> None:
        """Send ``data`` now (one write, flushed)."""
        try:
            self._handler.wfile.write(data)
            self._handler.wfile.flush()
        except OSError as exc:
            raise ClientGone from exc

    def sleep(self, seconds: float) -> None:
        if seconds > 0 and self._fake.stopping.wait(seconds):
            raise ServerStopping

    def close(self) -> None:
        """Cut the connection at once (no more bytes, not even the end of a chunk)."""
        with contextlib.suppress(OSError):
            self._handler.connection.shutdown(socket.SHUT_RDWR)

    @property
    def default_delay(self) -> float:
        return self._fake.delay


class Reply(Protocol):
    """Anything that can answer one request."""

    def send(self, out: Out) -> None: ...


# --------------------------------------------------------------------------- streams


def _sse(obj: dict[str, Any] | str, eol: str) -> bytes:
    data = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False,
                                                        separators=(",", ":"))
    return f"data: {data}{eol}{eol}".encode()


def _split_point(data: bytes, mode: str) -> int:
    """Where to cut ``data`` in two writes: inside the first multi-byte char, or halfway."""
    if mode == "utf8":
        for i, byte in enumerate(data):
            if byte >= 0xC0:
                return i + 1
    return len(data) // 2


def _token_count(texts: Sequence[str]) -> int:
    return max(1, sum(len(t.split()) for t in texts) * 4 // 3)


@dataclass
class Stream:
    """An SSE answer: role chunk, reasoning, content, finish, usage, ``[DONE]``.

    ``cut_after``/``error_after``/``stall_after``/``malformed_after`` end it early after
    that many data chunks (empty deltas and keep-alives do not count).
    """

    reasoning: Sequence[str] = ("Let me think about this. ", "The answer is short.")
    content: Sequence[str] = ("Hello", "!")
    reasoning_key: str = "reasoning_content"
    delay: float | None = None
    crlf: bool = False
    keepalive: bool = False
    empty_deltas: bool = False
    split: Literal["none", "json", "utf8"] = "none"
    finish_reason: str | None = "stop"
    usage: bool | dict[str, Any] = True
    cost_usd: float | None = 0.000123
    credits_used: float | None = 246.0
    done: bool = True
    model: str = MODEL
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/event-stream"
    cut_after: int | None = None
    error_after: int | None = None
    error_message: str = "Upstream provider error"
    error_code: int | str = 500
    error_shape: ErrorShape = "choices"
    stall_after: int | None = None
    stall_seconds: float = 30.0
    malformed_after: int | None = None

    def chunks(self) -> list[dict[str, Any]]:
        """The data chunks of a complete answer, in order."""
        ident = f"gen-{uuid.uuid4().hex[:20]}"
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {"id": ident, "object": "chat.completion.chunk", "created": created,
                    "model": self.model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        out = [chunk({"role": "assistant", "content": None})]
        out += [chunk({self.reasoning_key: piece, "content": None}) for piece in self.reasoning]
        out += [chunk({"content": piece}) for piece in self.content]
        if self.finish_reason is not None:
            out.append(chunk({}, self.finish_reason))
        if self.usage is not False:
            out.append(self._usage_chunk(ident, created))
        return out

    def _usage_chunk(self, ident: str, created: int) -> dict[str, Any]:
        if isinstance(self.usage, dict):
            usage = self.usage
        else:
            reasoning, content = _token_count(self.reasoning), _token_count(self.content)
            usage = {"prompt_tokens": 12, "completion_tokens": reasoning + content,
                     "total_tokens": 12 + reasoning + content,
                     "completion_tokens_details": {"reasoning_tokens": reasoning}}
        result: dict[str, Any] = {"id": ident, "object": "chat.completion.chunk",
                                  "created": created, "model": self.model, "choices": [],
                                  "usage": usage}
        if self.cost_usd is not None or self.credits_used is not None:
            result["meta"] = {"usage": {"credits_used": self.credits_used,
                                        "usd_spent": self.cost_usd}}
        return result

    def _error_chunk(self) -> dict[str, Any] | str:
        error = {"code": self.error_code, "message": self.error_message}
        if self.error_shape == "text":
            return {"error": self.error_message}
        if self.error_shape == "bare":
            return {"error": error}
        return {"id": "gen-error", "object": "chat.completion.chunk", "model": self.model,
                "error": error,
                "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]}

    def send(self, out: Out) -> None:
        eol = "\r\n" if self.crlf else "\n"
        delay = out.default_delay if self.delay is None else self.delay
        out.head(200, self.content_type, {"Cache-Control": "no-cache", **self.headers})
        for number, data in enumerate(self.chunks()):
            if self._ends_here(number, out, eol):
                return
            if self.keepalive:
                out.write(f": OPENROUTER PROCESSING{eol}{eol}".encode())
            self._write_event(out, _sse(data, eol))
            out.chunks_sent += 1
            if self.empty_deltas and data["choices"]:
                self._write_event(out, _sse({**data, "choices": [
                    {"index": 0, "delta": {}, "finish_reason": None}]}, eol))
            out.sleep(delay)
        if self._ends_here(len(self.chunks()), out, eol):
            return
        if self.done:
            self._write_event(out, _sse("[DONE]", eol))

    def _write_event(self, out: Out, data: bytes) -> None:
        if self.split == "none":
            out.write(data)
            return
        cut = _split_point(data, self.split)
        out.write(data[:cut])
        out.sleep(SPLIT_PAUSE)
        out.write(data[cut:])

    def _ends_here(self, number: int, out: Out, eol: str) -> bool:
        """Apply the early ending due after ``number`` chunks, if any."""
        if number == self.cut_after:
            out.close()
            return True
        if number == self.error_after:
            out.write(_sse(self._error_chunk(), eol))
            return True
        if number == self.stall_after:
            out.sleep(self.stall_seconds)
            return True
        if number == self.malformed_after:
            out.write(f'data: {{"choices": [{{"delta": {{"content": "oops"{eol}{eol}'.encode())
            return True
        return False


def stream(reasoning: Sequence[str] = Stream.reasoning, content: Sequence[str] = Stream.content,
           **options: Any) -> Stream:
    """A complete streamed answer; see :class:`Stream` for the options."""
    return Stream(reasoning=tuple(reasoning), content=tuple(content), **options)


def whole_stream(reasoning: Sequence[str] = Stream.reasoning,
                 content: Sequence[str] = Stream.content) -> Raw:
    """A complete streamed answer in one write: the client may read, parse and finish
    all of it in one pass of its event loop, as it does from a fast local server or on a
    loaded machine whose loop wakes late."""
    whole = stream(reasoning, content)
    events = [_sse(data, "\n") for data in whole.chunks()] + [_sse("[DONE]", "\n")]
    return Raw([b"".join(events)])


def cut_stream(after: int = 3, **options: Any) -> Stream:
    """The connection closes after ``after`` data chunks, without ``[DONE]``."""
    return Stream(cut_after=after, **options)


def error_stream(after: int = 3, message: str = "Upstream provider error", code: int | str = 500,
                 shape: ErrorShape = "choices", **options: Any) -> Stream:
    """An error chunk after ``after`` data chunks (HTTP status stays 200)."""
    return Stream(error_after=after, error_message=message, error_code=code,
                  error_shape=shape, **options)


def stalled_stream(after: int = 3, seconds: float = 30.0, **options: Any) -> Stream:
    """``after`` chunks, then nothing for ``seconds`` with the socket open, then a close."""
    return Stream(stall_after=after, stall_seconds=seconds, **options)


def malformed_stream(after: int = 2, **options: Any) -> Stream:
    """``after`` chunks, then a data line whose JSON is cut short."""
    return Stream(malformed_after=after, **options)


@dataclass
class Endless:
    """Content chunks until the client goes away or ``max_seconds`` pass (then a finish)."""

    max_seconds: float = 30.0
    delay: float = 0.01
    word: str = "more "

    def send(self, out: Out) -> None:
        out.head(200, "text/event-stream")
        base = Stream(reasoning=(), content=())
        out.write(_sse(base.chunks()[0], "\n"))
        end = time.monotonic() + self.max_seconds
        while time.monotonic() < end:
            out.write(_sse({"choices": [{"index": 0, "delta": {"content": self.word}}]}, "\n"))
            out.chunks_sent += 1
            out.sleep(max(self.delay, 0.001))
        out.write(_sse({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}, "\n"))
        out.write(_sse("[DONE]", "\n"))


def endless_stream(max_seconds: float = 30.0, delay: float = 0.01) -> Endless:
    return Endless(max_seconds=max_seconds, delay=delay)


@dataclass
class Raw:
    """Exactly these bytes, one flushed write each, ``delay`` apart."""

    pieces: Sequence[bytes]
    delay: float = 0.0
    content_type: str = "text/event-stream"
    code: int = 200

    def send(self, out: Out) -> None:
        out.head(self.code, self.content_type)
        for piece in self.pieces:
            out.write(piece)
            out.chunks_sent += 1
            out.sleep(self.delay)


def raw_stream(pieces: Sequence[bytes | str], delay: float = 0.0,
               content_type: str = "text/event-stream") -> Raw:
    return Raw([p.encode() if isinstance(p, str) else p for p in pieces], delay, content_type)


def invalid_utf8_stream() -> Raw:
    """Content with bytes that are not UTF-8 (``\\xff\\xfe``) inside a JSON string."""
    return Raw([
        b'data: {"choices":[{"index":0,"delta":{"content":"bad \xff\xfe bytes"}}]}\n\n',
        b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
        b"data: [DONE]\n\n",
    ])


# --------------------------------------------------------------------------- plain replies


@dataclass
class Status:
    """A whole reply with a status code, a body and headers (Content-Length set)."""

    code: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, out: Out) -> None:
        out.head(self.code, self.content_type, self.headers, length=len(self.body))
        if self.body:
            out.write(self.body)


def status(code: int, body: bytes | str | dict[str, Any] | list[Any] = b"",
           content_type: str | None = None, headers: dict[str, str] | None = None) -> Status:
    """Any status with any body; dicts and lists are sent as JSON."""
    if isinstance(body, dict | list):
        data = json.dumps(body, ensure_ascii=False).encode()
        kind = content_type or "application/json"
    else:
        data = body.encode() if isinstance(body, str) else body
        kind = content_type or "text/plain; charset=utf-8"
    return Status(code, data, kind, dict(headers or {}))


def error_body(code: int, message: str, shape: ErrorBodyShape = "aimlapi") -> dict[str, Any] | str:
    """An error body in one of the shapes seen from providers (see the API notes)."""
    if shape in ("aimlapi", "aimlapi-string-status"):
        return {"message": message, "path": "/v1/chat/completions",
                "requestId": f"req-{uuid.uuid4().hex[:12]}",
                "statusCode": str(code) if shape == "aimlapi-string-status" else code,
                "timestamp": datetime.now(UTC).isoformat()}
    if shape == "openai":
        return {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    if shape == "xai":
        return {"code": "Client specified an invalid argument", "error": message}
    if shape == "nestjs":
        return {"title": "Request failed", "status": code, "message": message,
                "error": {"name": "HttpException", "message": message,
                          "data": {"kind": "upstream"}}}
    return message


def json_error(code: int, message: str = "Something went wrong",
               shape: ErrorBodyShape = "aimlapi", headers: dict[str, str] | None = None) -> Status:
    body = error_body(code, message, shape)
    return status(code, body, headers=headers)


def html_error(code: int = 502, title: str = "502 Bad Gateway",
               headers: dict[str, str] | None = None) -> Status:
    """A gateway's HTML error page, nginx style."""
    page = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n")
    return status(code, page, "text/html", headers)


def not_event_stream(body: str = "<html><head><title>Welcome</title></head>"
                                 "<body>A web page, not an API</body></html>",
                     content_type: str = "text/html; charset=utf-8") -> Status:
    """A 200 that is not an event stream (a web page where the API should be)."""
    return status(200, body, content_type)


@dataclass
class Hang:
    """No byte at all for ``seconds``; then ``then`` (or a plain close)."""

    seconds: float
    then: Reply | None = None

    def send(self, out: Out) -> None:
        out.sleep(self.seconds)
        if self.then is not None:
            self.then.send(out)


def hang(seconds: float = 30.0, then: Reply | None = None) -> Hang:
    return Hang(seconds, then)


def completion_body(content: str | None = "Hello!", reasoning: str | None = "Thinking.",
                    finish_reason: str = "stop", model: str = MODEL,
                    usage: dict[str, Any] | None = None, cost_usd: float | None = 0.000123,
                    credits_used: float | None = 246.0) -> dict[str, Any]:
    """A non-streamed chat completion, AI/ML API style (with ``reasoning_content``)."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    if usage is None:
        r = _token_count([reasoning or ""])
        c = _token_count([content or ""])
        usage = {"prompt_tokens": 12, "completion_tokens": r + c, "total_tokens": 12 + r + c,
                 "completion_tokens_details": {"reasoning_tokens": r}}
    body: dict[str, Any] = {
        "id": f"gen-{uuid.uuid4().hex[:20]}", "object": "chat.completion",
        "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "finish_reason": finish_reason, "logprobs": None,
                     "message": message}],
        "usage": usage,
    }
    if cost_usd is not None or credits_used is not None:
        body["meta"] = {"usage": {"credits_used": credits_used, "usd_spent": cost_usd}}
    return body


def completion(content: str | None = "Hello!", reasoning: str | None = "Thinking.",
               body: dict[str, Any] | None = None, **options: Any) -> Status:
    """A non-streamed answer; ``body`` replaces the generated one verbatim."""
    return status(200, body if body is not None else completion_body(content, reasoning,
                                                                       **options))


AIMLAPI_MODELS: list[dict[str, Any]] = [
    {"id": MODEL, "aliases": ["grok-3-mini-beta"], "type": "openai/chat-completions",
     "info": {"name": "Grok 3 Mini Beta", "developer": "xAI", "contextLength": 131000}},
    {"id": "x-ai/grok-3-beta", "aliases": ["grok-3-beta"], "type": "openai/chat-completions",
     "info": {"name": "Grok 3 Beta", "developer": "xAI", "contextLength": 131000}},
    {"id": "flux/schnell", "aliases": [], "type": "image",
     "info": {"name": "FLUX.1 [schnell]", "developer": "Black Forest Labs"}},
]


def models_aimlapi(models: list[dict[str, Any]] | None = None, *, wrapped: bool = True) -> Status:
    """``GET /models`` the AI/ML API way: ``{id, aliases, type, info{name, contextLength}}``."""
    items = AIMLAPI_MODELS if models is None else models
    return status(200, {"object": "list", "data": items} if wrapped else items)


def models_openai(ids: Sequence[str] = ("grok-3-mini", "grok-3")) -> Status:
    """``GET /models`` the OpenAI way: ``{data: [{id, object, owned_by}]}``."""
    return status(200, {"object": "list", "data": [
        {"id": i, "object": "model", "created": 1700000000, "owned_by": "xai"} for i in ids]})


# --------------------------------------------------------------------------- default replies

_DIRECTIVE = re.compile(r"\[fake:(\w+)(?:=([\w.]+))?\]")


def _last_user_text(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return str(message.get("content", ""))
    return ""


def _words(text: str) -> list[str]:
    """``text`` in word-sized pieces that join back to it exactly."""
    return re.findall(r"\S+\s*|\s+", text)


def echo_texts(prompt: str, paragraphs: int = 1) -> tuple[str, str]:
    """Reasoning and a Markdown answer about ``prompt`` (the default reply's text)."""
    shown = prompt.strip() or "(nothing)"
    reasoning = (f'The user wrote: "{shown}". I should answer briefly and clearly. '
                 "A short Markdown reply that quotes the message will do. ")
    answer = f"**You said:**\n\n> {shown}\n\nHere is a short answer:\n\n- first point\n" \
             "- second point with `code`\n"
    extra = ("\nAnother paragraph of the answer, so that long replies can be measured. "
             "It has *emphasis*, **strong text** and a [link](https://example.com).\n")
    return reasoning * paragraphs, answer + extra * (paragraphs - 1)


def default_reply(request: RecordedRequest, path: str) -> Reply:
    """What the server says when nothing is queued: an echo, shaped by ``[fake:...]``."""
    if path.endswith(MODELS_PATH):
        return models_aimlapi()
    if not path.endswith(CHAT_PATH):
        return json_error(404, f"Cannot {request.method} {request.path}")
    text = _last_user_text(request.body)
    directives = {m.group(1): m.group(2) for m in _DIRECTIVE.finditer(text)}
    if "status" in directives:
        code = int(directives["status"] or 500)
        headers = {"Retry-After": "1"} if code == 429 else None
        return json_error(code, f"Scripted error {code}", headers=headers)
    reasoning, answer = echo_texts(_DIRECTIVE.sub("", text),
                                   int(directives.get("long") or 1))
    streaming = isinstance(request.body, dict) and bool(request.body.get("stream"))
    if not streaming:
        return completion(answer, reasoning)
    options: dict[str, Any] = {"reasoning": _words(reasoning), "content": _words(answer)}
    if "slow" in directives:
        options["delay"] = float(directives["slow"] or 0.1)
    if "cut" in directives:
        options["cut_after"] = int(directives["cut"] or 8)
    if "error" in directives:
        options["error_after"] = 8
    if "stall" in directives:
        options.update(stall_after=8, stall_seconds=float(directives["stall"] or 30))
    return Stream(**options)


BUILDERS: dict[str, Callable[..., Reply]] = {
    "stream": stream, "cut_stream": cut_stream, "error_stream": error_stream,
    "stalled_stream": stalled_stream, "malformed_stream": malformed_stream,
    "endless_stream": endless_stream, "invalid_utf8_stream": invalid_utf8_stream,
    "status": status, "json_error": json_error, "html_error": html_error,
    "not_event_stream": not_event_stream, "hang": hang, "completion": completion,
    "models_aimlapi": models_aimlapi, "models_openai": models_openai,
    "raw_stream": raw_stream,
}


def reply_from_spec(spec: dict[str, Any]) -> Reply:
    """A reply from ``{"kind": <builder name>, **arguments}`` (for the HTTP control API)."""
    spec = dict(spec)
    return BUILDERS[spec.pop("kind")](**spec)


# --------------------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        context = self.server.fake.ssl_context
        if context is not None:
            # The handshake happens here, in the connection's thread, not in accept().
            tls = context.wrap_socket(self.request, server_side=True,
                                      do_handshake_on_connect=False)
            self.request = tls
            try:
                tls.do_handshake()
            except OSError:
                tls.close()
                raise
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if isinstance(self.request, ssl.SSLSocket):
                self.request.close()  # the server only closes the plain socket it accepted

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            sys.stderr.write(f"fake_api: {format % args}\n")

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        self.close_connection = True
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        request = RecordedRequest(self.command, path,
                                  {k.lower(): v for k, v in self.headers.items()},
                                  body, raw, time.monotonic())
        fake = self.server.fake
        control = path.startswith(CONTROL_PREFIX)
        reply = fake.control(request) if control else fake.take(request)
        out = Out(self, fake, request)
        try:
            reply.send(out)
        except ClientGone:
            fake.note_early_close(EarlyClose(path, time.monotonic(), out.chunks_sent))
        except ServerStopping:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)


class FakeAPI:
    """The fake provider: start it, point a client at :attr:`url`, script replies.

    Thread-safe: the server runs in its own thread (one more per connection).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, delay: float = 0.0,
                 verbose: bool = False, ssl_context: ssl.SSLContext | None = None) -> None:
        self.delay = delay
        self.ssl_context = ssl_context
        self.verbose = verbose
        self.stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self.hits = 0
        self.early_closes: list[EarlyClose] = []
        self.early_close_event = threading.Event()
        self._queue: deque[tuple[Reply, str | None]] = deque()
        self._lock = threading.Lock()
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def url(self) -> str:
        """Base URL for the client, ``/v1`` included (``https`` with an ``ssl_context``)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}/v1"

    def start(self) -> FakeAPI:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.01},
                                        name="fake-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def queue(self, *replies: Reply, path: str | None = CHAT_PATH) -> None:
        """Script the next replies for requests whose path ends with ``path`` (None: any)."""
        with self._lock:
            self._queue.extend((reply, path) for reply in replies)

    def reset(self) -> None:
        """Forget queued replies, recorded requests and early closes."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.early_closes.clear()
            self.early_close_event.clear()
            self.hits = 0

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(CHAT_PATH)]

    @property
    def last_body(self) -> Any:
        """The JSON body of the latest chat request."""
        return self.chat_requests[-1].body

    def take(self, request: RecordedRequest) -> Reply:
        """Record ``request`` and pick its reply: the first queued match, else the default."""
        with self._lock:
            self.hits += 1
            self.requests.append(request)
            for i, (reply, path) in enumerate(self._queue):
                if path is None or request.path.endswith(path):
                    del self._queue[i]
                    return reply
        return default_reply(request, request.path)

    def note_early_close(self, event: EarlyClose) -> None:
        with self._lock:
            self.early_closes.append(event)
        self.early_close_event.set()

    def wait_for_early_close(self, timeout: float = 5.0) -> EarlyClose | None:
        """The first reply the client walked away from, waiting up to ``timeout``."""
        if self.early_close_event.wait(timeout):
            return self.early_closes[0]
        return None

    def control(self, request: RecordedRequest) -> Reply:
        """The ``/_fake/...`` endpoints that script a server in another process."""
        action = request.path[len(CONTROL_PREFIX):]
        if action == "requests":
            with self._lock:
                return status(200, [r.to_json() for r in self.requests])
        if action == "reset":
            self.reset()
            return status(200, {"ok": True})
        if action == "queue" and isinstance(request.body, dict):
            try:
                replies = [reply_from_spec(s) for s in request.body.get("replies", [])]
            except (KeyError, TypeError) as exc:
                return status(400, {"message": f"bad reply spec: {exc}"})
            self.queue(*replies, path=request.body.get("path", CHAT_PATH))
            return status(200, {"queued": len(replies)})
        return status(404, {"message": f"unknown control {action!r}"})


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake chat completions API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--delay", type=float, default=0.02,
                        help="seconds between streamed chunks (default 0.02)")
    parser.add_argument("--verbose", action="store_true", help="log each request")
    args = parser.parse_args(argv)
    fake = FakeAPI(args.host, args.port, delay=args.delay, verbose=args.verbose)
    print(f"fake API listening on {fake.url}", flush=True)
    try:
        fake._server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stopping.set()
        fake._server.server_close()


if __name__ == "__main__":
    main()
