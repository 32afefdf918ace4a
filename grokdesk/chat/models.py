"""The model picker's list: the provider's chat models, cached on disk for offline use.

The list is fetched from ``GET /models`` when asked or when the cached copy is older
than a day; otherwise, and whenever the service cannot be reached, the last list
fetched for that profile and base URL is used. The picker always allows free text:
this list only helps, it never restricts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from grokdesk import paths
from grokdesk.api.errors import APIError
from grokdesk.api.types import ModelInfo
from grokdesk.config import Profile
from grokdesk.private_file import write_private

log = logging.getLogger(__name__)

MAX_AGE = 24 * 60 * 60.0
CACHE_VERSION = 2


class ModelLister(Protocol):
    """What fetching the list needs of the API client."""

    async def list_models(self) -> list[ModelInfo]: ...


@dataclass(frozen=True, slots=True)
class ModelList:
    """Models for the picker, when they were fetched, and whether they came from the cache.

    ``error`` is set when a fetch was tried and failed, so the list is the cached one
    (the status bar can say the service is unreachable).
    """

    models: tuple[ModelInfo, ...]
    fetched_at: float | None
    from_cache: bool
    error: APIError | None = None


def cache_path(profile: Profile, cache_dir: Path | None = None) -> Path:
    """Where the list for ``profile`` is kept (a readable name plus a hash, one file each)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", profile.name)[:40] or "profile"
    digest = hashlib.sha256(profile.name.encode()).hexdigest()[:10]
    return (cache_dir or paths.cache_dir()) / "models" / f"{safe}-{digest}.json"


async def load_models(profile: Profile, client: ModelLister, *, refresh: bool = False,
                      max_age: float = MAX_AGE, cache_dir: Path | None = None,
                      clock: Callable[[], float] = time.time) -> ModelList:
    """The chat models of ``profile``: fresh from the service, or from the cache.

    A cached list younger than ``max_age`` is used without a request unless
    ``refresh``. When the request fails, the cached list (however old) is returned
    with the error; with no cached list, the error is raised.
    """
    path = cache_path(profile, cache_dir)
    cached = read_cache(path, profile.base_url)
    if cached is not None and not refresh and clock() - (cached.fetched_at or 0) < max_age:
        return cached
    try:
        models = await client.list_models()
    except APIError as exc:
        if cached is None:
            raise
        log.debug("model list for %s from the cache: %s", profile.name, exc.message)
        return ModelList(cached.models, cached.fetched_at, True, exc)
    fetched_at = clock()
    write_cache(path, profile.base_url, models, fetched_at)
    return ModelList(tuple(models), fetched_at, False)


def read_cache(path: Path, base_url: str) -> ModelList | None:
    """The cached list at ``path`` if it was fetched from ``base_url``; None if unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.debug("model cache %s unreadable: %s", path, exc)
        return None
    if (not isinstance(data, dict) or data.get("version") != CACHE_VERSION
            or data.get("source") != _source(base_url)):
        return None
    fetched_at = data.get("fetched_at")
    models = _models_from_json(data.get("models"))
    if models is None or not isinstance(fetched_at, int | float):
        return None
    return ModelList(models, float(fetched_at), True)


def write_cache(path: Path, base_url: str, models: Sequence[ModelInfo],
                fetched_at: float) -> None:
    """Save the list atomically; a cache that cannot be written is only logged."""
    document = {
        "version": CACHE_VERSION,
        "source": _source(base_url),
        "fetched_at": fetched_at,
        "models": [{"id": m.id, "name": m.name, "context_length": m.context_length,
                    "aliases": list(m.aliases)} for m in models],
    }
    try:
        write_private(path, json.dumps(document, ensure_ascii=False, indent=1))
    except OSError as exc:
        log.debug("model cache %s not written: %s", path, exc)


def _source(base_url: str) -> str:
    """Which service a list came from, as a digest: a URL may hold a user name and
    password (``https://user:secret@host/v1``), and the cache is a plain file."""
    return hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()


def _models_from_json(items: Any) -> tuple[ModelInfo, ...] | None:
    if not isinstance(items, list):
        return None
    models: list[ModelInfo] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return None
        name = item.get("name")
        length = item.get("context_length")
        aliases = item.get("aliases")
        models.append(ModelInfo(
            item["id"],
            name if isinstance(name, str) else item["id"],
            length if isinstance(length, int) and not isinstance(length, bool) else None,
            tuple(a for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else (),
        ))
    return tuple(models)


def find_model(models: Iterable[ModelInfo], text: str) -> ModelInfo | None:
    """The model ``text`` names: its id or one of its aliases (any case), else the one
    model whose id ends in ``/text`` (``grok-3-mini`` for ``x-ai/grok-3-mini``)."""
    wanted = text.strip().lower()
    if not wanted:
        return None
    models = list(models)
    for model in models:
        if model.id.lower() == wanted:
            return model
    for model in models:
        if any(alias.lower() == wanted for alias in model.aliases):
            return model
    tails = [m for m in models if m.id.lower().rsplit("/", 1)[-1] == wanted]
    return tails[0] if len(tails) == 1 else None


def matching_models(models: Iterable[ModelInfo], text: str) -> list[ModelInfo]:
    """Models whose id, name or an alias contains every word of ``text`` (for the picker)."""
    words = text.lower().split()
    found = []
    for model in models:
        haystack = " ".join((model.id, model.name, *model.aliases)).lower()
        if all(word in haystack for word in words):
            found.append(model)
    return found


def context_label(model: ModelInfo) -> str:
    """The context length for display: ``131k tokens``, or "" when unknown."""
    length = model.context_length
    if not length:
        return ""
    if length >= 1_000_000 and length % 100_000 == 0:
        return f"{length / 1_000_000:g}M tokens"
    if length >= 1000:
        return f"{round(length / 1000):g}k tokens"
    return f"{length} tokens"
