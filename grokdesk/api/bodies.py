"""What the provider's JSON (and not-JSON) bodies mean, kept apart from HTTP and SSE.

Providers disagree on shapes, so every reader here is lenient: a missing or oddly
typed field becomes ``None`` rather than an exception, and only a body that cannot
be a chat completion at all is reported as invalid.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from grokdesk.api.errors import InvalidResponseError, clean_request_id, excerpt
from grokdesk.api.types import Completion, ModelInfo, Usage

CHAT_MODEL_TYPE = "openai/chat-completions"

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_INVISIBLE_RE = re.compile(
    r"<(script|style|head)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_TAG_RE = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The useful part of an error reply: the server's words and its request id."""

    message: str
    request_id: str | None = None
    status: int | None = None


def to_text(body: bytes | str) -> str:
    """Bytes from the wire as text; broken UTF-8 is replaced, never fatal."""
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body


def html_to_text(markup: str) -> str:
    """The title of an HTML page, or else its visible text, redacted and shortened."""
    title = _TITLE_RE.search(markup)
    if title:
        text = excerpt(html.unescape(_TAG_RE.sub(" ", title.group(1))))
        if text:
            return text
    visible = _TAG_RE.sub(" ", _INVISIBLE_RE.sub(" ", markup))
    return excerpt(html.unescape(visible))


def load_json(text: str) -> Any:
    """Parsed JSON, or None when ``text`` is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return None


def parse_error_body(body: bytes | str, content_type: str | None = None) -> ErrorBody:
    """Read an error reply of any shape seen in the wild (see the API notes)."""
    text = to_text(body).strip()
    if not text:
        return ErrorBody("")
    kind = (content_type or "").lower()
    if "json" in kind or text[0] in "{[":
        data = load_json(text)
        if isinstance(data, dict):
            found = error_from_json(data)
            if found is not None:
                return found
        if data is not None:
            return ErrorBody(excerpt(text))
    if "html" in kind or text.startswith("<"):
        return ErrorBody(html_to_text(text))
    return ErrorBody(excerpt(text))


def extract_error_message(body: bytes | str, content_type: str | None = None) -> str:
    """The server's own explanation of an error, as one short line ("" when none)."""
    return parse_error_body(body, content_type).message


def error_from_json(data: dict[str, Any]) -> ErrorBody | None:
    """The error a JSON object reports, or None when it does not look like one.

    Order: ``message``, ``error.message``, ``error`` as a string, ``title``.
    """
    error = data.get("error")
    message = (
        _message_text(data.get("message"))
        or (_message_text(error.get("message")) if isinstance(error, dict) else None)
        or (_message_text(error) if isinstance(error, str) else None)
        or _message_text(data.get("title"))
        or _message_text(data.get("detail"))
    )
    if message is None:
        if error is None:
            return None
        message = json.dumps(error, ensure_ascii=False)
    request_id = clean_request_id(_first_str(data, "requestId", "request_id"))
    status = as_int(data.get("statusCode")) or as_int(data.get("status"))
    if status is None and isinstance(error, dict):
        status = as_int(error.get("code")) or as_int(error.get("status"))
    return ErrorBody(excerpt(message), request_id, status)


def _message_text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list):
        parts = [item for item in value if isinstance(item, str) and item.strip()]
        return "; ".join(parts) if parts else None
    return None


def _first_str(data: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def as_int(value: object) -> int | None:
    """An integer from an int, an integral float or a numeric string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_float(value: object) -> float | None:
    """A float from a number or a numeric string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_usage(chunk: dict[str, Any]) -> Usage | None:
    """Usage and cost from a chunk or completion (``usage`` and ``meta.usage``), if any."""
    usage = chunk.get("usage")
    meta = chunk.get("meta")
    cost = meta.get("usage") if isinstance(meta, dict) else None
    if not isinstance(usage, dict) and not isinstance(cost, dict):
        return None
    usage = usage if isinstance(usage, dict) else {}
    cost = cost if isinstance(cost, dict) else {}
    details = usage.get("completion_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
    return Usage(
        prompt_tokens=as_int(usage.get("prompt_tokens")),
        completion_tokens=as_int(usage.get("completion_tokens")),
        reasoning_tokens=as_int(reasoning),
        total_tokens=as_int(usage.get("total_tokens")),
        cost_usd=as_float(cost.get("usd_spent")),
        credits_used=as_float(cost.get("credits_used")),
    )


def reasoning_of(part: dict[str, Any]) -> str:
    """Reasoning text of a message or delta: ``reasoning_content`` or ``reasoning``."""
    for key in ("reasoning_content", "reasoning"):
        value = part.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def parse_completion(data: object, *, request_id: str | None = None) -> Completion:
    """A non-streamed chat completion; raises InvalidResponseError if ``data`` is none."""
    if not isinstance(data, dict):
        raise InvalidResponseError("The service's answer is not a chat completion",
                                   request_id=request_id)
    choices = data.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    if not isinstance(choice, dict):
        raise InvalidResponseError("The service's answer has no choices", request_id=request_id)
    message = choice.get("message")
    message = message if isinstance(message, dict) else {}
    content = message.get("content")
    finish = choice.get("finish_reason")
    model = data.get("model")
    return Completion(
        content=content if isinstance(content, str) else "",
        reasoning=reasoning_of(message),
        finish_reason=finish if isinstance(finish, str) else None,
        usage=parse_usage(data) or Usage(),
        model=model if isinstance(model, str) else None,
        request_id=request_id,
    )


_NOT_CHAT_RE = re.compile(
    r"embed|whisper|tts|dall-e|moderation|rerank|transcribe|(?:^|[-/_.])image(?:[-/_.:]|$)",
    re.IGNORECASE,
)


def _is_chat_model(item: dict[str, Any]) -> bool:
    """Whether a ``/models`` entry can answer a chat.

    The AI/ML API says so in ``type``; OpenRouter lists output modalities; the OpenAI
    shape (xAI, Ollama, LM Studio, llama.cpp) says nothing, so well-known non-chat
    kinds (embeddings, speech, images) are recognised by their ids.
    """
    kind = item.get("type")
    if isinstance(kind, str):
        return kind == CHAT_MODEL_TYPE
    architecture = item.get("architecture")
    if isinstance(architecture, dict):
        outputs = architecture.get("output_modalities")
        if isinstance(outputs, list) and "text" not in outputs:
            return False
    return not _NOT_CHAT_RE.search(str(item["id"]))


def parse_models(data: object) -> list[ModelInfo]:
    """Chat models from ``GET /models`` in the AI/ML API or the OpenAI shape."""
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidResponseError("The service's model list is not a list")
    models: list[ModelInfo] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        if not item["id"].strip() or not _is_chat_model(item):
            continue
        info = item.get("info")
        info = info if isinstance(info, dict) else {}
        name = info.get("name") or item.get("name")
        aliases = item.get("aliases")
        top_provider = item.get("top_provider")
        top_provider = top_provider if isinstance(top_provider, dict) else {}
        models.append(ModelInfo(
            id=item["id"],
            name=name if isinstance(name, str) and name else item["id"],
            context_length=as_int(info.get("contextLength"))
            or as_int(item.get("context_length"))
            or as_int(top_provider.get("context_length")),
            aliases=tuple(a for a in aliases if isinstance(a, str) and a)
            if isinstance(aliases, list) else (),
        ))
    return models
