"""HTTP errors, retries, network failures and key hygiene, over real sockets."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from grokdesk.api.bodies import extract_error_message, parse_error_body
from grokdesk.api.client import ChatClient
from grokdesk.api.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthError,
    BadRequestError,
    NotFoundError,
    PaymentError,
    RateLimitError,
    ServerError,
    StatusError,
)
from grokdesk.api.retry import RetryPolicy, parse_retry_after
from tests.api.conftest import MakeClient
from tests.api.helpers import KEY, REQUEST, collect, text_of
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI


async def stream_error(client: ChatClient) -> APIError:
    events, error = await collect(client.stream(REQUEST))
    assert error is not None, "expected the stream to fail"
    assert events == [], "no event may be yielded before a failed request"
    return error


def assert_no_key(error: BaseException) -> None:
    for text in (str(error), repr(error), getattr(error, "describe", lambda: "")()):
        assert KEY not in text


# --------------------------------------------------------------------------- status codes


@pytest.mark.parametrize(("code", "cls"), [
    (400, BadRequestError), (401, AuthError), (402, PaymentError), (403, PaymentError),
    (404, NotFoundError), (422, BadRequestError),
])
async def test_client_errors_are_not_retried(
    fake_api: FakeAPI, client: ChatClient, code: int, cls: type[StatusError]
) -> None:
    fake_api.queue(fake.json_error(code, f"Problem number {code}"))
    error = await stream_error(client)
    assert type(error) is cls
    assert isinstance(error, StatusError)
    assert error.status_code == code
    assert error.server_message == f"Problem number {code}"
    assert fake_api.hits == 1


async def test_401_carries_the_server_message_and_request_id(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.json_error(401, "Invalid API key", headers={"x-inference-id": "inf-401"}))
    error = await stream_error(client)
    assert isinstance(error, AuthError)
    assert "Invalid API key" in error.describe()
    assert error.request_id == "inf-401"


async def test_request_id_from_the_body_when_no_header(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.status(404, {"message": "Model not found", "requestId": "req-77",
                                     "statusCode": 404}, headers={"x-inference-id": ""}))
    error = await stream_error(client)
    assert isinstance(error, NotFoundError)
    assert error.request_id == "req-77"


@pytest.mark.parametrize("shape", ["aimlapi", "aimlapi-string-status", "openai", "xai",
                                   "nestjs", "text"])
async def test_every_error_body_shape(
    fake_api: FakeAPI, client: ChatClient, shape: fake.ErrorBodyShape
) -> None:
    fake_api.queue(fake.json_error(400, "Model does not support stop", shape=shape))
    error = await stream_error(client)
    assert isinstance(error, BadRequestError)
    assert error.server_message == "Model does not support stop"


async def test_html_502_message_comes_from_the_page(
    fake_api: FakeAPI, make_client: MakeClient
) -> None:
    client = make_client(max_retries=0)
    fake_api.queue(fake.html_error(502, "502 Bad Gateway"))
    error = await stream_error(client)
    assert isinstance(error, ServerError)
    assert error.server_message == "502 Bad Gateway"
    assert "<" not in error.message


async def test_429_then_success_honours_retry_after(
    fake_api: FakeAPI, make_client: MakeClient
) -> None:
    client = make_client(backoff_base=0.01, max_backoff=5)
    fake_api.queue(fake.json_error(429, "Slow down", headers={"Retry-After": "0.3"}),
                   fake.stream(("ok",), ("fine",)))
    loop = asyncio.get_running_loop()
    start = loop.time()
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    assert text_of(events) == ("ok", "fine")
    assert loop.time() - start >= 0.3
    assert fake_api.hits == 2


async def test_retry_after_is_capped_by_max_backoff(
    fake_api: FakeAPI, make_client: MakeClient
) -> None:
    client = make_client(max_backoff=0.05)
    fake_api.queue(fake.json_error(429, "Slow down", headers={"Retry-After": "3600"}),
                   fake.stream())
    loop = asyncio.get_running_loop()
    start = loop.time()
    _, error = await collect(client.stream(REQUEST))
    assert error is None
    assert loop.time() - start < 10, "Retry-After asked for an hour"


async def test_429_exhausted(fake_api: FakeAPI, make_client: MakeClient) -> None:
    client = make_client(max_retries=2)
    limited = fake.json_error(429, "Rate limit reached", headers={"Retry-After": "0"})
    fake_api.queue(limited, limited, limited, limited)
    error = await stream_error(client)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 0
    assert "Rate limit reached" in error.message
    assert fake_api.hits == 3


async def test_500_then_success(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.json_error(500, "Internal error"), fake.json_error(503, "Busy"),
                   fake.stream(("r",), ("c",)))
    events, error = await collect(client.stream(REQUEST))
    assert error is None
    assert text_of(events) == ("r", "c")
    assert fake_api.hits == 3


async def test_5xx_exhausted_on_complete_and_models(
    fake_api: FakeAPI, make_client: MakeClient
) -> None:
    client = make_client(max_retries=1)
    fake_api.queue(*[fake.json_error(503, "Busy")] * 2)
    with pytest.raises(ServerError, match="Busy"):
        await client.complete(REQUEST)
    fake_api.queue(*[fake.html_error(504, "504 Gateway Time-out")] * 2, path="/models")
    with pytest.raises(ServerError, match="504 Gateway Time-out"):
        await client.list_models()
    assert fake_api.hits == 4


# --------------------------------------------------------------------------- the network


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused_fails_fast(make_client: MakeClient) -> None:
    # A retry would wait at least backoff_base: far beyond the bound, however busy the machine.
    client = make_client(base_url=f"http://127.0.0.1:{closed_port()}/v1", max_retries=3,
                         backoff_base=10.0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    error = await stream_error(client)
    assert type(error) is APIConnectionError
    assert "connection refused" in error.message
    assert "127.0.0.1" in error.message
    assert loop.time() - start < 5.0, "connection errors must not be retried"


async def test_unresolvable_host(make_client: MakeClient) -> None:
    client = make_client(base_url="http://grokdesk-test.invalid/v1", connect_timeout=3.0)
    error = await stream_error(client)
    assert type(error) is APIConnectionError
    assert error.message == "Could not reach grokdesk-test.invalid: name not resolved"


async def test_timeout_before_first_byte(fake_api: FakeAPI, make_client: MakeClient) -> None:
    client = make_client(read_timeout=0.3)
    fake_api.queue(fake.hang(10))
    loop = asyncio.get_running_loop()
    start = loop.time()
    error = await stream_error(client)
    assert isinstance(error, APITimeoutError)
    assert "did not answer within 0.3 s" in error.message
    assert loop.time() - start < 5, "the server hangs for 10 s"
    assert fake_api.hits == 1


async def test_connection_closed_before_any_byte(fake_api: FakeAPI, client: ChatClient) -> None:
    fake_api.queue(fake.hang(0))
    error = await stream_error(client)
    assert type(error) is APIConnectionError
    assert fake_api.hits == 1


async def test_bad_base_url(make_client: MakeClient) -> None:
    client = make_client(base_url="api.example.com/v1")
    error = await stream_error(client)
    assert isinstance(error, APIConnectionError)


# --------------------------------------------------------------------------- the key stays secret


async def test_key_echoed_by_the_server_is_redacted(
    fake_api: FakeAPI, client: ChatClient
) -> None:
    fake_api.queue(fake.json_error(400, f"Incorrect API key provided: {KEY}.", shape="xai"))
    error = await stream_error(client)
    assert isinstance(error, BadRequestError)
    assert_no_key(error)
    assert "Incorrect API key provided" in error.server_message


async def test_key_never_in_errors_or_logs(
    fake_api: FakeAPI, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(max_retries=1, read_timeout=0.3)
    failures: list[BaseException] = []
    fake_api.queue(fake.json_error(401, "bad key"), fake.json_error(500, "x"),
                   fake.json_error(500, "x"), fake.hang(5),
                   fake.cut_stream(after=2), fake.error_stream(after=2))
    for _ in range(5):
        _, error = await collect(client.stream(REQUEST))
        assert error is not None
        failures.append(error)
    refused = make_client(base_url=f"http://127.0.0.1:{closed_port()}/v1")
    _, error = await collect(refused.stream(REQUEST))
    assert error is not None
    failures.append(error)
    for failure in failures:
        assert_no_key(failure)
    assert KEY not in caplog.text
    assert "'authorization': '[redacted]'" in caplog.text


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    ('{"message": "Bad key", "path": "/v1/chat/completions", "statusCode": "401"}',
     "application/json", "Bad key"),
    ('{"error": {"message": "Model gone", "type": "x"}}', "application/json", "Model gone"),
    ('{"code": "bad", "error": "Incorrect key"}', "application/json", "Incorrect key"),
    ('{"title": "Oops", "status": 400, "message": "Too long",'
     ' "error": {"name": "E", "message": "inner", "data": {"kind": "k"}}}',
     "application/json", "Too long"),
    ('{"title": "Only a title"}', "application/json", "Only a title"),
    ('{"message": ["field a is bad", "field b is bad"], "statusCode": 400}', None,
     "field a is bad; field b is bad"),
    ('{"unexpected": 1}', "application/json", '{"unexpected": 1}'),
    ("<html><head><title>503 Service Unavailable</title></head><body>x</body></html>",
     "text/html", "503 Service Unavailable"),
    ("<html><body><script>var a=1;</script><h1>Gateway  error</h1>\n<p>Try later</p></body>"
     "</html>", "text/html", "Gateway error Try later"),
    ("<title>A &amp; B</title>", None, "A & B"),
    ("upstream connect error or disconnect/reset before headers", "text/plain",
     "upstream connect error or disconnect/reset before headers"),
    ("", "text/plain", ""),
    (b"broken \xff utf-8", "text/plain", "broken \ufffd utf-8"),
    ("not json {", "application/json", "not json {"),
])
def test_extract_error_message(body: str | bytes, content_type: str | None,
                               expected: str) -> None:
    assert extract_error_message(body, content_type) == expected


def test_extract_error_message_is_short() -> None:
    message = extract_error_message("<p>" + "word " * 500 + "</p>", "text/html")
    assert len(message) <= 300
    assert message.endswith("…")


def test_error_body_status_may_be_a_string() -> None:
    parsed = parse_error_body('{"message": "x", "statusCode": "429", "requestId": "r1"}')
    assert (parsed.status, parsed.request_id) == (429, "r1")


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(httpx.Headers({"Retry-After": "7"})) == 7.0
    assert parse_retry_after(httpx.Headers({"Retry-After": later}), now=now) == 90.0
    assert parse_retry_after(httpx.Headers({"Retry-After": "soon"})) is None
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250"})) == 0.25
    assert parse_retry_after(httpx.Headers({"Retry-After": "-3"})) == 0.0
    assert parse_retry_after(httpx.Headers()) is None


def test_retry_policy() -> None:
    policy = RetryPolicy(max_retries=2, backoff_base=1.0, max_backoff=3.0)
    assert [policy.delay(n) for n in range(4)] == [1.0, 2.0, 3.0, 3.0]
    assert policy.delay(0, retry_after=10) == 3.0
    assert policy.should_retry(429, 0) and policy.should_retry(502, 1)
    assert not policy.should_retry(503, 2)
    assert not any(policy.should_retry(code, 0) for code in (400, 401, 403, 404, 409))


def test_request_ids_are_cleaned_before_they_are_shown() -> None:
    from grokdesk.api.errors import APIError, clean_request_id
    from grokdesk.errors import register_secret

    secret = "sk-request-id-leak-0123456789"
    register_secret(secret)
    assert clean_request_id("inf-4ed6aa39:d4d.3_4695") == "inf-4ed6aa39:d4d.3_4695"
    assert clean_request_id(f"id {secret}") is None
    assert clean_request_id("x" * 129) is None
    assert clean_request_id(42) is None
    error = APIError("failed", request_id=secret)
    assert error.request_id is None and secret not in error.describe()


async def test_a_request_id_header_carrying_the_key_is_dropped(fake_api: FakeAPI,
                                                               make_client: MakeClient) -> None:
    fake_api.queue(fake.json_error(401, "nope", headers={"x-inference-id": f"Bearer {KEY}"}))
    error = await stream_error(make_client())
    assert KEY not in error.describe()
    assert error.request_id is not None and error.request_id.startswith("req-"), \
        "the body's clean id is used instead"
