"""Settings: defaults, hand-written TOML, bad values and the environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from grokdesk import paths
from grokdesk.config import (
    BUILTIN_PROFILES,
    ChatDefaults,
    Profile,
    Settings,
    UIPreferences,
    UnknownProfileError,
    load_settings,
    save_settings,
    with_env_overrides,
)


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "nope.toml")
    assert loaded.warnings == ()
    profile = loaded.settings.profile()
    assert profile.name == "aimlapi"
    assert profile.base_url == "https://api.aimlapi.com/v1"
    assert profile.model == "x-ai/grok-3-mini-beta"
    assert profile.effort_style == "reasoning_object"
    assert BUILTIN_PROFILES["xai"].base_url == "https://api.x.ai/v1"
    assert BUILTIN_PROFILES["xai"].model == "grok-3-mini"
    assert BUILTIN_PROFILES["xai"].effort_style == "reasoning_effort"
    assert "openrouter" in BUILTIN_PROFILES


def test_hand_written_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        """
active_profile = "local"

[defaults]
reasoning_effort = "high"
temperature = 0.3
system_prompt = "Be brief."

[ui]
send_with_enter = false
theme = "dark"

[network]
connect_timeout = 3
read_timeout = 30.5

[profiles.local]
label = "llama.cpp"
base_url = "http://127.0.0.1:8080/v1"
model = "qwen3-8b"
key_required = false

[profiles.xai]
model = "grok-3-mini-fast"
""",
        encoding="utf-8",
    )
    loaded = load_settings(path)
    assert loaded.warnings == ()
    s = loaded.settings
    assert s.active_profile == "local"
    assert s.profile() == Profile("local", "llama.cpp", "http://127.0.0.1:8080/v1", "qwen3-8b",
                                  key_required=False)
    assert s.profiles["xai"].model == "grok-3-mini-fast"
    assert s.profiles["xai"].base_url == "https://api.x.ai/v1"
    assert s.defaults == ChatDefaults("high", 0.3, None, None, "Be brief.")
    assert s.ui.send_with_enter is False and s.ui.theme == "dark"
    assert s.network.connect_timeout == 3.0 and s.network.read_timeout == 30.5


def test_bad_values_fall_back_with_warnings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        """
active_profile = "ghost"
[defaults]
reasoning_effort = "extreme"
temperature = 9
[ui]
theme = 3
font_size = "big"
[profiles.broken]
label = "no url"
""",
        encoding="utf-8",
    )
    loaded = load_settings(path)
    text = "\n".join(loaded.warnings)
    for fragment in ("ghost", "reasoning_effort", "temperature", "theme", "font_size",
                     "profiles.broken"):
        assert fragment in text
    assert loaded.settings.active_profile == "aimlapi"
    assert loaded.settings.defaults.reasoning_effort is None
    assert loaded.settings.ui == UIPreferences()
    assert "broken" not in loaded.settings.profiles


def test_invalid_toml_keeps_the_file_and_uses_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = "this is [not toml\n"
    path.write_text(original, encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert len(loaded.warnings) == 1 and "not valid TOML" in loaded.warnings[0]
    assert path.read_text(encoding="utf-8") == original


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    custom = Profile("mine", "My server", "http://127.0.0.1:9/v1", "m", key_required=False)
    settings = Settings(
        active_profile="mine",
        profiles={**BUILTIN_PROFILES, "mine": custom},
        defaults=ChatDefaults(reasoning_effort="low", temperature=1.0, system_prompt="Hi"),
        ui=UIPreferences(send_with_enter=False, theme="light", font_size=13,
                         show_reasoning=False),
    )
    path = tmp_path / "sub" / "config.toml"
    save_settings(settings, path)
    assert path.stat().st_mode & 0o777 == 0o600, "a system prompt is the user's own words"
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]
    text = path.read_text(encoding="utf-8")
    assert "[profiles.mine]" in text
    assert "[profiles.xai]" not in text, "unchanged built-ins are not written out"
    loaded = load_settings(path)
    assert loaded.warnings == ()
    assert loaded.settings == settings


def test_unknown_profile_by_name_is_an_error() -> None:
    with pytest.raises(UnknownProfileError, match="known providers"):
        Settings().profile("nope")


def test_environment_overrides_base_url_and_model() -> None:
    profile = BUILTIN_PROFILES["aimlapi"]
    changed = with_env_overrides(profile, {"GROKDESK_BASE_URL": "http://127.0.0.1:1/v1",
                                           "GROKDESK_MODEL": "other"})
    assert changed.base_url == "http://127.0.0.1:1/v1" and changed.model == "other"
    assert with_env_overrides(profile, {}) is profile


def test_data_dir_override_puts_everything_under_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROKDESK_DATA_DIR", str(tmp_path / "root"))
    for path in (paths.database_path(), paths.config_path(), paths.log_dir(),
                 paths.cache_dir()):
        assert path.is_relative_to(tmp_path / "root")
    assert paths.log_dir().is_dir()


def test_grokdesk_folders_and_history_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grokdesk.storage.db import open_database

    monkeypatch.setenv("GROKDESK_DATA_DIR", str(tmp_path / "private"))
    with open_database(paths.database_path()):
        pass
    assert paths.data_dir().stat().st_mode & 0o777 == 0o700
    assert paths.database_path().stat().st_mode & 0o777 == 0o600
