"""The command line's fixtures: the CLI pointed at the fake server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.fake_api import FakeAPI

KEY = "sk-cli-test-abcdef0123456789"


@pytest.fixture
def api(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeAPI:
    """The CLI pointed at the fake server, with a key and quick retries."""
    monkeypatch.setenv("GROKDESK_BASE_URL", fake_api.url)
    monkeypatch.setenv("GROKDESK_API_KEY", KEY)
    config = Path(os.environ["GROKDESK_DATA_DIR"]) / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[network]\nconnect_timeout = 2.0\nread_timeout = 1.5\nmax_retries = 2\n",
                      encoding="utf-8")
    return fake_api
