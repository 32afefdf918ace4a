"""Shared fixtures. Each section belongs to one area; add new sections below."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from grokdesk.ui.transcript import stored_renders
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring
from tests.support.network_guard import guard_resolver

# --------------------------------------------------------------------------- hypothesis

# No per-example deadline: how long an example takes depends on how busy the machine is,
# and a test must not fail for that (speed is measured by `make bench`). A hung example
# is still stopped by pytest-timeout.
settings.register_profile("grokdesk", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("grokdesk")


# --------------------------------------------------------------------------- loopback only


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No test may look up a name off this machine (see tests/support/network_guard.py)."""
    return guard_resolver(monkeypatch)


# --------------------------------------------------------------------------- kept renders


@pytest.fixture(autouse=True)
def _no_renders_kept() -> Iterator[None]:
    """Every test renders its messages afresh, and leaves nothing kept rendered: the
    session's renders (``grokdesk.ui.transcript.stored_renders``) live in the process."""
    stored_renders.forget()
    yield
    stored_renders.forget()


# --------------------------------------------------------------------------- fake API server


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    """A real HTTP server on 127.0.0.1 that speaks the provider's API (see fake_api.py)."""
    with FakeAPI() as server:
        yield server


# --------------------------------------------------------------------------- Qt and app isolation
# The desktop app's tests run on Qt's offscreen platform; this must be decided before
# anything imports PySide6, which is why it sits at import time of this conftest.

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_APP_ENV = ("GROKDESK_API_KEY", "GROKDESK_BASE_URL", "GROKDESK_MODEL")


@pytest.fixture(autouse=True)
def _isolated_app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data folder and no key, URL or model from the caller's shell."""
    monkeypatch.setenv("GROKDESK_DATA_DIR", str(tmp_path / "grokdesk-data"))
    for name in _APP_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The process-wide keyring swapped for an in-memory one (restored afterwards)."""
    import keyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
