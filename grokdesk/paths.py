"""Where grokdesk keeps things: platformdirs locations, or all under GROKDESK_DATA_DIR.

Tests, portable installs and scripts set GROKDESK_DATA_DIR so that the database,
the settings, the cache and the logs live in one folder they control.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "grokdesk"
DATA_DIR_ENV = "GROKDESK_DATA_DIR"
PRIVATE_DIR_MODE = 0o700  # chats are private: other local users get no access


def _root_override() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _platform_dir(kind: str) -> Path:
    import platformdirs

    getter = {
        "data": platformdirs.user_data_dir,
        "config": platformdirs.user_config_dir,
        "cache": platformdirs.user_cache_dir,
        "log": platformdirs.user_log_dir,
    }[kind]
    return Path(getter(APP_NAME, appauthor=False))


def _dir(kind: str, subfolder: str) -> Path:
    root = _root_override()
    path = root / subfolder if root is not None else _platform_dir(kind)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    return path


def data_dir() -> Path:
    """The folder holding the history database."""
    return _dir("data", "data")


def config_dir() -> Path:
    """The folder holding ``config.toml``."""
    return _dir("config", "config")


def cache_dir() -> Path:
    """Disposable files: model lists and the like."""
    return _dir("cache", "cache")


def log_dir() -> Path:
    """Log files (never containing a key)."""
    return _dir("log", "logs")


def database_path() -> Path:
    return data_dir() / "history.sqlite3"


def config_path() -> Path:
    return config_dir() / "config.toml"


def renders_path() -> Path:
    """The last messages on screen at quit, rendered (see ``ui.transcript.stored_renders``)."""
    return cache_dir() / "renders.json"
