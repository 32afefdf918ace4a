"""The model picker's list: both ``/models`` shapes, the on-disk cache, offline use."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import replace

import pytest

from grokdesk import paths
from grokdesk.api.client import ChatClient
from grokdesk.api.errors import APIConnectionError
from grokdesk.api.types import ModelInfo
from grokdesk.chat.models import (
    MAX_AGE,
    ModelList,
    cache_path,
    context_label,
    find_model,
    load_models,
    matching_models,
)
from grokdesk.config import BUILTIN_PROFILES, NetworkPreferences, Profile, Settings
from grokdesk.secrets import KeyStore
from tests.providers.conftest import MakeService
from tests.providers.proxy_servers import free_port
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

GROK_MINI = ModelInfo("x-ai/grok-3-mini-beta", "Grok 3 Mini Beta", 131000, ("grok-3-mini-beta",))
GROK = ModelInfo("x-ai/grok-3-beta", "Grok 3 Beta", 131000, ("grok-3-beta",))


def _profile(url: str, name: str = "aimlapi") -> Profile:
    return replace(BUILTIN_PROFILES[name], base_url=url)


async def _load(profile: Profile, url: str | None = None, *, refresh: bool = False,
                clock: Callable[[], float] = time.time) -> ModelList:
    async with ChatClient(url or profile.base_url, None, max_retries=0,
                          connect_timeout=2.0) as client:
        return await load_models(profile, client, refresh=refresh, clock=clock)


async def test_aimlapi_shape_keeps_chat_models_with_names_and_context(fake_api: FakeAPI
                                                                      ) -> None:
    fake_api.queue(fake.models_aimlapi(), path="/models")
    profile = _profile(fake_api.url)
    listed = await _load(profile)
    assert listed.models == (GROK_MINI, GROK)
    assert listed.from_cache is False and listed.error is None
    saved = json.loads(cache_path(profile).read_text(encoding="utf-8"))
    assert saved["source"] == hashlib.sha256(fake_api.url.encode()).hexdigest()
    assert saved["fetched_at"] == listed.fetched_at
    assert [m["id"] for m in saved["models"]] == [GROK_MINI.id, GROK.id]


async def test_openai_shape_drops_models_that_cannot_chat(fake_api: FakeAPI) -> None:
    fake_api.queue(fake.models_openai(("grok-3-mini", "grok-2-image-1212",
                                       "nomic-embed-text:latest", "whisper-1", "qwen3:8b")),
                   path="/models")
    listed = await _load(_profile(fake_api.url, "xai"))
    assert listed.models == (ModelInfo("grok-3-mini", "grok-3-mini"),
                             ModelInfo("qwen3:8b", "qwen3:8b"))


async def test_openrouter_fields_give_names_and_context(fake_api: FakeAPI) -> None:
    fake_api.queue(fake.status(200, {"data": [
        {"id": "x-ai/grok-3-mini", "name": "xAI: Grok 3 Mini", "context_length": 131072,
         "architecture": {"output_modalities": ["text"]}},
        {"id": "some/image-maker", "name": "Painter", "context_length": 4096,
         "architecture": {"output_modalities": ["image"]}},
    ]}), path="/models")
    listed = await _load(_profile(fake_api.url, "openrouter"))
    assert listed.models == (ModelInfo("x-ai/grok-3-mini", "xAI: Grok 3 Mini",
                                       131072),)


async def test_cached_list_is_used_offline(fake_api: FakeAPI) -> None:
    fake_api.queue(fake.models_aimlapi(), path="/models")
    profile = _profile(fake_api.url)
    fetched = await _load(profile)
    hits = fake_api.hits

    fresh = await _load(profile)
    assert fresh.from_cache and fresh.models == fetched.models
    assert fake_api.hits == hits, "a fresh cache needs no request"

    closed = f"http://127.0.0.1:{free_port()}/v1"
    offline = await _load(profile, closed, refresh=True)
    assert offline.from_cache is True
    assert offline.models == (GROK_MINI, GROK)
    assert offline.fetched_at == fetched.fetched_at
    assert isinstance(offline.error, APIConnectionError)
    assert "connection refused" in offline.error.message


async def test_stale_cache_is_refreshed_and_other_urls_do_not_share_it(fake_api: FakeAPI
                                                                        ) -> None:
    profile = _profile(fake_api.url)
    fake_api.queue(fake.models_openai(("old-model",)), fake.models_openai(("new-model",)),
                   path="/models")
    await _load(profile, clock=lambda: 1000.0)
    refreshed = await _load(profile, clock=lambda: 1000.0 + MAX_AGE + 1)
    assert [m.id for m in refreshed.models] == ["new-model"]
    assert refreshed.from_cache is False

    elsewhere = _profile(f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(APIConnectionError):
        await _load(elsewhere)


async def test_corrupt_cache_is_ignored(fake_api: FakeAPI) -> None:
    profile = _profile(fake_api.url)
    path = cache_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    fake_api.queue(fake.models_openai(("grok-3-mini",)), path="/models")
    listed = await _load(profile)
    assert [m.id for m in listed.models] == ["grok-3-mini"]
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 2


async def test_the_cache_keeps_no_credentials_of_the_url(fake_api: FakeAPI) -> None:
    """A base URL may carry a user name and password; the cache file holds neither."""
    with_credentials = fake_api.url.replace("http://", "http://reader:s3cret-pass@")
    profile = _profile(with_credentials)
    fake_api.queue(fake.models_openai(("grok-3-mini",)), path="/models")
    listed = await _load(profile)
    assert [m.id for m in listed.models] == ["grok-3-mini"]
    saved = cache_path(profile).read_text(encoding="utf-8")
    assert "s3cret-pass" not in saved and "reader" not in saved
    offline = await _load(profile, f"http://127.0.0.1:{free_port()}/v1")
    assert [m.id for m in offline.models] == ["grok-3-mini"], "the cache still matches"


async def test_keyless_local_profile_lists_models_through_the_service(
        make_service: MakeService, fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    service = make_service(Settings(active_profile="llamacpp",
                                    network=NetworkPreferences(max_retries=0)),
                           KeyStore(MemoryKeyring()))
    fake_api.queue(fake.models_openai(("qwen3-8b-q4",)), path="/models")
    listed = await service.models(service.profile_for())
    assert [m.id for m in listed.models] == ["qwen3-8b-q4"]
    assert "authorization" not in fake_api.requests[-1].headers
    assert cache_path(service.profile_for()).is_relative_to(paths.cache_dir())


def test_find_model_by_id_alias_or_unique_tail() -> None:
    models = [GROK_MINI, GROK, ModelInfo("openai/gpt-4o", "GPT-4o"),
              ModelInfo("other/gpt-4o", "GPT-4o elsewhere")]
    assert find_model(models, "x-ai/grok-3-mini-beta") is GROK_MINI
    assert find_model(models, "  GROK-3-MINI-BETA ") is GROK_MINI
    assert find_model(models, "grok-3-beta") is GROK
    assert find_model(models, "gpt-4o") is None, "ambiguous tail"
    assert find_model(models, "my-own-finetune") is None
    assert find_model(models, "") is None
    assert matching_models(models, "grok mini") == [GROK_MINI]
    assert matching_models(models, "") == models


def test_context_labels() -> None:
    assert context_label(GROK_MINI) == "131k tokens"
    assert context_label(ModelInfo("a", "a", 2_000_000)) == "2M tokens"
    assert context_label(ModelInfo("a", "a", 512)) == "512 tokens"
    assert context_label(ModelInfo("a", "a")) == ""


async def test_the_list_needs_no_key(make_service: MakeService, fake_api: FakeAPI) -> None:
    profile = _profile(fake_api.url)
    service = make_service(Settings(profiles={**BUILTIN_PROFILES, "aimlapi": profile},
                                    network=NetworkPreferences(max_retries=0)),
                           KeyStore(MemoryKeyring()))
    listed = await service.models(profile)
    assert [m.id for m in listed.models] == [GROK_MINI.id, GROK.id]
    assert "authorization" not in fake_api.requests[-1].headers
