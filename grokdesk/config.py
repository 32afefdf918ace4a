"""Settings: provider profiles, defaults for new chats and preferences, in a TOML file.

The file is meant to be written by hand too (see docs/configuration.md), so loading
is forgiving: unknown keys are ignored, a bad value falls back to its default with a
warning, and a file that is not TOML at all is left untouched for the user to fix.
Provider defaults live here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from grokdesk.private_file import write_private

if TYPE_CHECKING:
    from grokdesk.api.types import EffortStyle, ReasoningEffort

Theme = Literal["system", "light", "dark"]

DEFAULT_PROFILE = "aimlapi"
BASE_URL_ENV = "GROKDESK_BASE_URL"
MODEL_ENV = "GROKDESK_MODEL"
DEFAULT_NO_PROXY = "localhost, 127.0.0.1, ::1"
"""Hosts that go around an explicit proxy unless the settings say otherwise."""


@dataclass(frozen=True, slots=True)
class Profile:
    """One OpenAI-compatible service and how to talk to it."""

    name: str
    label: str
    base_url: str
    model: str
    effort_style: EffortStyle = "reasoning_effort"
    key_required: bool = True
    key_url: str | None = None
    # Split a leading <think>…</think> out of the answer into the reasoning (local
    # models do this); off only for a service whose answers may start with that text.
    think_tags: bool = True
    # The model's context window in tokens; older messages that would not fit are left
    # out of the request. None: unknown (local servers vary), nothing is left out.
    context_tokens: int | None = None


BUILTIN_PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("aimlapi", "AI/ML API", "https://api.aimlapi.com/v1", "x-ai/grok-3-mini-beta",
                effort_style="reasoning_object", key_url="https://aimlapi.com/app/keys",
                context_tokens=131_000),
        Profile("xai", "xAI", "https://api.x.ai/v1", "grok-3-mini",
                effort_style="reasoning_effort", key_url="https://console.x.ai/",
                context_tokens=131_072),
        Profile("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", "x-ai/grok-3-mini",
                effort_style="reasoning_object", key_url="https://openrouter.ai/keys",
                context_tokens=131_072),
        Profile("ollama", "Ollama (local)", "http://localhost:11434/v1", "qwen3",
                effort_style="none", key_required=False),
        Profile("llamacpp", "llama.cpp server (local)", "http://127.0.0.1:8080/v1", "default",
                effort_style="none", key_required=False),
        Profile("lmstudio", "LM Studio (local)", "http://127.0.0.1:1234/v1", "qwen/qwen3-8b",
                effort_style="none", key_required=False),
    )
}


@dataclass(frozen=True, slots=True)
class ChatDefaults:
    """What a new conversation starts with."""

    reasoning_effort: ReasoningEffort | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_completion_tokens: int | None = None
    system_prompt: str = ""
    # Ask the model for a short title after the first answer (one small extra request).
    model_titles: bool = False


@dataclass(frozen=True, slots=True)
class UIPreferences:
    send_with_enter: bool = True
    theme: Theme = "system"
    font_size: int = 0
    show_reasoning: bool = True


@dataclass(frozen=True, slots=True)
class NetworkPreferences:
    """How to reach the providers.

    ``proxy`` empty means the system's settings (``HTTPS_PROXY``, ``HTTP_PROXY``,
    ``NO_PROXY``); its user name and password are kept in the keyring, never here.
    ``no_proxy`` lists the hosts that go around an explicit proxy. ``ca_bundle`` is a
    PEM file of extra certificates to trust; there is no way to turn checks off.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_retries: int = 3
    proxy: str = ""
    no_proxy: str = DEFAULT_NO_PROXY
    ca_bundle: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    active_profile: str = DEFAULT_PROFILE
    profiles: dict[str, Profile] = field(default_factory=lambda: dict(BUILTIN_PROFILES))
    defaults: ChatDefaults = field(default_factory=ChatDefaults)
    ui: UIPreferences = field(default_factory=UIPreferences)
    network: NetworkPreferences = field(default_factory=NetworkPreferences)

    def profile(self, name: str | None = None) -> Profile:
        """The named profile, else the active one, else the built-in default."""
        wanted = name or self.active_profile
        if wanted in self.profiles:
            return self.profiles[wanted]
        if name is not None:
            raise UnknownProfileError(name, sorted(self.profiles))
        return self.profiles.get(DEFAULT_PROFILE, BUILTIN_PROFILES[DEFAULT_PROFILE])


class UnknownProfileError(ValueError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"Unknown provider {name!r}; known providers: {', '.join(known)}")


def with_env_overrides(profile: Profile, environ: dict[str, str] | None = None) -> Profile:
    """Apply GROKDESK_BASE_URL and GROKDESK_MODEL, for scripts and tests.

    The base URL override is the user's explicit choice for this run: the profile's
    own key goes to that URL (a plain ``http://`` one that is not loopback gets the
    insecure-transport warning first, like any other).
    """
    env = os.environ if environ is None else environ
    changes: dict[str, Any] = {}
    if env.get(BASE_URL_ENV, "").strip():
        changes["base_url"] = env[BASE_URL_ENV].strip()
    if env.get(MODEL_ENV, "").strip():
        changes["model"] = env[MODEL_ENV].strip()
    return dataclasses.replace(profile, **changes) if changes else profile


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    settings: Settings
    warnings: tuple[str, ...] = ()


_PROFILE_FIELDS = {f.name: f for f in dataclasses.fields(Profile)}


def _coerce(section: str, name: str, value: Any, default: Any, warnings: list[str]) -> Any:
    """Return ``value`` if it fits the type of ``default``, else the default with a warning."""
    expected: tuple[type, ...]
    if isinstance(default, bool):
        expected = (bool,)
    elif isinstance(default, float):
        expected = (int, float)
    elif isinstance(default, int):
        expected = (int,)
    else:
        expected = (str,)
    if isinstance(value, expected) and not (expected != (bool,) and isinstance(value, bool)):
        return float(value) if isinstance(default, float) else value
    warnings.append(f"[{section}] {name} = {value!r} is not valid; using {default!r}")
    return default


def _choice(section: str, name: str, value: Any, allowed: tuple[Any, ...], default: Any,
            warnings: list[str]) -> Any:
    if value in allowed:
        return value
    warnings.append(f"[{section}] {name} must be one of {allowed}; using {default!r}")
    return default


def _load_defaults(raw: dict[str, Any], warnings: list[str]) -> ChatDefaults:
    base = ChatDefaults()
    effort = raw.get("reasoning_effort", "default")
    effort = _choice("defaults", "reasoning_effort", effort, ("default", "low", "high"),
                     "default", warnings)

    def number(key: str, lo: float, hi: float) -> float | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and lo <= value <= hi:
            return float(value)
        warnings.append(f"[defaults] {key} must be a number from {lo} to {hi}; ignored")
        return None

    tokens = raw.get("max_completion_tokens")
    if tokens is not None and not (isinstance(tokens, int) and tokens > 0):
        warnings.append("[defaults] max_completion_tokens must be a positive integer; ignored")
        tokens = None
    return ChatDefaults(
        reasoning_effort=None if effort == "default" else effort,
        temperature=number("temperature", 0.0, 2.0),
        top_p=number("top_p", 0.0, 1.0),
        max_completion_tokens=tokens,
        system_prompt=_coerce("defaults", "system_prompt", raw.get("system_prompt", ""),
                              base.system_prompt, warnings),
        model_titles=_coerce("defaults", "model_titles",
                             raw.get("model_titles", base.model_titles), base.model_titles,
                             warnings),
    )


def _load_ui(raw: dict[str, Any], warnings: list[str]) -> UIPreferences:
    base = UIPreferences()
    return UIPreferences(
        send_with_enter=_coerce("ui", "send_with_enter",
                                raw.get("send_with_enter", base.send_with_enter),
                                base.send_with_enter, warnings),
        theme=_choice("ui", "theme", raw.get("theme", base.theme), ("system", "light", "dark"),
                      base.theme, warnings),
        font_size=_coerce("ui", "font_size", raw.get("font_size", base.font_size),
                          base.font_size, warnings),
        show_reasoning=_coerce("ui", "show_reasoning",
                               raw.get("show_reasoning", base.show_reasoning),
                               base.show_reasoning, warnings),
    )


def _load_network(raw: dict[str, Any], warnings: list[str]) -> NetworkPreferences:
    base = NetworkPreferences()
    values = {
        f.name: _coerce("network", f.name, raw.get(f.name, getattr(base, f.name)),
                        getattr(base, f.name), warnings)
        for f in dataclasses.fields(NetworkPreferences)
    }
    for name in ("connect_timeout", "read_timeout"):
        if values[name] <= 0:
            warnings.append(f"[network] {name} must be more than 0 seconds; "
                            f"using {getattr(base, name)!r}")
            values[name] = getattr(base, name)
    if values["max_retries"] < 0:
        warnings.append(f"[network] max_retries must not be negative; using {base.max_retries}")
        values["max_retries"] = base.max_retries
    values["proxy"] = _load_proxy(values["proxy"], warnings)
    values["ca_bundle"] = values["ca_bundle"].strip()
    return NetworkPreferences(**values)


def _load_proxy(value: str, warnings: list[str]) -> str:
    """A valid proxy URL without credentials, or "" (the system's settings)."""
    if not value.strip():
        return ""
    # With a proxy only: its two dataclasses are not made before the first frame.
    from grokdesk.api.proxies import ProxyURLError, parse_proxy_url

    try:
        address, had_credentials = parse_proxy_url(value)
    except ProxyURLError as exc:
        warnings.append(f"[network] proxy: {exc}; using the system's proxy settings")
        return ""
    if had_credentials:
        warnings.append("[network] proxy must not contain a user name or password (they "
                        "belong in the keyring: set them in Preferences); they were ignored, "
                        "please remove them from the file")
    return address.url


def _load_profile(name: str, raw: Any, warnings: list[str]) -> Profile | None:
    if not isinstance(raw, dict):
        warnings.append(f"[profiles.{name}] must be a table; ignored")
        return None
    base = BUILTIN_PROFILES.get(name)
    values: dict[str, Any] = dataclasses.asdict(base) if base else {
        "name": name, "label": name, "effort_style": "reasoning_effort",
        "key_required": True, "key_url": None, "think_tags": True, "context_tokens": None,
    }
    for key, value in raw.items():
        if key not in _PROFILE_FIELDS or key == "name":
            continue
        if key == "effort_style":
            values[key] = _choice(f"profiles.{name}", key, value,
                                  ("reasoning_object", "reasoning_effort", "none"),
                                  values.get(key, "reasoning_effort"), warnings)
        elif key in ("key_required", "think_tags"):
            values[key] = _coerce(f"profiles.{name}", key, value, True, warnings)
        elif key == "context_tokens":
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                values[key] = value
            else:
                warnings.append(f"[profiles.{name}] context_tokens must be a positive "
                                "integer; ignored")
        elif isinstance(value, str):
            values[key] = value
        else:
            warnings.append(f"[profiles.{name}] {key} must be text; ignored")
    if not values.get("base_url") or not values.get("model"):
        warnings.append(f"[profiles.{name}] needs base_url and model; ignored")
        return None
    return Profile(**values)


def parse_settings(data: dict[str, Any]) -> LoadedSettings:
    """Build settings from parsed TOML, keeping every valid value and naming every bad one."""
    warnings: list[str] = []

    def table(key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if isinstance(value, dict):
            return value
        warnings.append(f"[{key}] must be a table; using defaults")
        return {}

    profiles = dict(BUILTIN_PROFILES)
    for name, raw in table("profiles").items():
        profile = _load_profile(name, raw, warnings)
        if profile is not None:
            profiles[name] = profile
    active = data.get("active_profile", DEFAULT_PROFILE)
    if active not in profiles:
        warnings.append(f"active_profile {active!r} is not a known profile; using "
                        f"{DEFAULT_PROFILE!r}")
        active = DEFAULT_PROFILE
    settings = Settings(
        active_profile=active,
        profiles=profiles,
        defaults=_load_defaults(table("defaults"), warnings),
        ui=_load_ui(table("ui"), warnings),
        network=_load_network(table("network"), warnings),
    )
    return LoadedSettings(settings, tuple(warnings))


def load_settings(path: Path) -> LoadedSettings:
    """Read the settings file; a missing file means defaults, a broken one defaults plus a
    warning (the file itself is left as it is, for the user to fix)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedSettings(Settings())
    except (OSError, UnicodeDecodeError) as exc:
        return LoadedSettings(Settings(), (f"Could not read {path}: {exc}; using defaults",))
    import tomllib  # here: without a settings file, the first frame does without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return LoadedSettings(Settings(), (f"{path} is not valid TOML ({exc}); using defaults "
                                           "until it is fixed",))
    return parse_settings(data)


def settings_to_toml_data(settings: Settings) -> dict[str, Any]:
    """The TOML document for ``settings``: built-in profiles only where changed."""

    def without_none(values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if v is not None}

    defaults = dataclasses.asdict(settings.defaults)
    defaults["reasoning_effort"] = settings.defaults.reasoning_effort or "default"
    profiles: dict[str, Any] = {}
    for name, profile in settings.profiles.items():
        if BUILTIN_PROFILES.get(name) == profile:
            continue
        values = without_none(dataclasses.asdict(profile))
        values.pop("name")
        profiles[name] = values
    document: dict[str, Any] = {
        "active_profile": settings.active_profile,
        "defaults": without_none(defaults),
        "ui": dataclasses.asdict(settings.ui),
        "network": dataclasses.asdict(settings.network),
    }
    if profiles:
        document["profiles"] = profiles
    return document


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings atomically (a crash never leaves half a file), readable by
    their owner only (system prompts are the user's own words); raises OSError."""
    import tomli_w

    write_private(path, tomli_w.dumps(settings_to_toml_data(settings)))
