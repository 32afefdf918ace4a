"""Fuzzing where a key may go and where it may be kept.

- The route: for generated proxy variables, NO_PROXY lists, settings and base URLs, the
  proxy :func:`grokdesk.api.route.proxy_for` names is the one the real client's httpx
  picks, and the plain-http warning appears exactly when the request leaves this
  machine unencrypted (another host, or any proxy).
- The key: a keyless profile never gets the environment's key; a profile that needs
  one always does.
- The keyring: over generated chains of real and broken backends, "stored" always
  means the key reads back; otherwise the store is refused.
- The history: a file whose version is newer than ours is refused untouched, whatever
  schema text it holds.
"""

from __future__ import annotations

import os
import sqlite3
import ssl
import tempfile
from dataclasses import replace
from pathlib import Path
from unittest import mock

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from grokdesk.api.client import ChatClient
from grokdesk.api.errors import NetworkSettingsError
from grokdesk.api.proxies import ProxySettings
from grokdesk.api.route import environment_is_usable, proxy_for
from grokdesk.chat.network import build_client, insecure_transport_warning, is_loopback_host
from grokdesk.config import BUILTIN_PROFILES, NetworkPreferences, Profile
from grokdesk.secrets import KeyringUnavailableError, KeyStore
from grokdesk.storage.db import MIGRATIONS, NewerDatabaseError, open_database
from grokdesk.storage.recovery import open_history_with_recovery
from tests.fuzz.common import FUZZ
from tests.support.memory_keyring import MemoryKeyring

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                   "all_proxy")
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")
HOSTS = ("127.0.0.1", "127.0.0.2", "localhost", "[::1]", "ollama.localhost", "gpu-box.lan",
         "api.example.com", "example.com", "10.1.2.3")
NO_PROXY_ENTRIES = st.sampled_from([
    "*", "127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]", "example.com",
    ".example.com", "api.example.com", "lan", ".lan", "127.0.0.0/8", "10.0.0.0/8",
    "0.0.1", ".0.0.1", "127.0.0.1:8080", "localhost:8080", "http://127.0.0.1", "LOCALHOST",
    "http://[x]",
])
KEY = "sk-fuzz-route-0123456789abcdef"
_TRUST = ssl.create_default_context()


def _proxy_url(port: int, scheme: str) -> str:
    return f"{scheme}://127.0.0.1:{port}"


@st.composite
def environments(draw: st.DrawFn) -> dict[str, str]:
    env: dict[str, str] = {}
    for name in draw(st.lists(st.sampled_from(PROXY_VARIABLES), max_size=3, unique=True)):
        env[name] = _proxy_url(draw(st.integers(1024, 65535)),
                               draw(st.sampled_from(["http", "socks5", "ftp"])))
    if draw(st.booleans()):
        entries = draw(st.lists(NO_PROXY_ENTRIES, max_size=4))
        separator = draw(st.sampled_from([",", ", ", " ,"]))
        env[draw(st.sampled_from(NO_PROXY_VARIABLES))] = separator.join(entries)
    return env


def base_urls() -> st.SearchStrategy[str]:
    return st.builds(lambda scheme, host, port: f"{scheme}://{host}{port}/v1",
                     st.sampled_from(["http", "https", "HTTP"]), st.sampled_from(HOSTS),
                     st.sampled_from(["", ":8080", ":11434"]))


def _httpx_proxy(client: ChatClient, url: str) -> str | None:
    """The proxy the client's own httpx would use for ``url`` (None: straight there)."""
    http = client._http
    transport = http._transport_for_url(httpx.URL(url))
    if transport is http._transport:
        return None
    pool = transport._pool  # type: ignore[attr-defined]
    origin = pool._proxy_url
    scheme = origin.scheme.decode()
    return f"{scheme}://{origin.host.decode()}:{origin.port}"


def _clean_environment(extra: dict[str, str]) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items()
            if k.upper() not in {*PROXY_VARIABLES, *NO_PROXY_VARIABLES, "REQUEST_METHOD"}}
    return {**kept, **extra}


@FUZZ
@given(env=environments(), url=base_urls())
def test_the_environment_route_is_the_one_httpx_takes(env: dict[str, str], url: str) -> None:
    with mock.patch.dict(os.environ, _clean_environment(env), clear=True):
        profile = replace(BUILTIN_PROFILES["aimlapi"], base_url=url)
        warning = insecure_transport_warning(profile)
        try:
            client = ChatClient(url, KEY, verify=_TRUST)
        except (ValueError, httpx.InvalidURL):
            # httpx refuses this environment: so does grokdesk, before sending anything.
            assert not environment_is_usable()
            with pytest.raises(NetworkSettingsError):
                build_client(url, KEY, NetworkPreferences())
            assert proxy_for(url, None) is None
            return
        assert environment_is_usable()
        expected = _httpx_proxy(client, url)
        assert proxy_for(url, None) == expected
    host = httpx.URL(url).host
    cleartext = url.lower().startswith("http:")
    assert (warning is not None) == (cleartext and (expected is not None
                                                    or not is_loopback_host(host)))
    if warning is not None and expected is not None and is_loopback_host(host):
        assert expected.split("://", 1)[1] in warning


@FUZZ
@given(env=environments(), url=base_urls(), port=st.integers(1024, 65535),
       no_proxy=st.lists(NO_PROXY_ENTRIES, max_size=4).map(", ".join))
def test_the_settings_route_is_the_one_the_client_takes(env: dict[str, str], url: str,
                                                       port: int, no_proxy: str) -> None:
    explicit = ProxySettings(f"http://127.0.0.1:{port}", None, no_proxy)
    with mock.patch.dict(os.environ, _clean_environment(env), clear=True):
        client = ChatClient(url, KEY, verify=_TRUST, proxy=explicit)
        assert proxy_for(url, explicit) == _httpx_proxy(client, url)
        network = NetworkPreferences(proxy=explicit.url, no_proxy=no_proxy)
        profile = replace(BUILTIN_PROFILES["aimlapi"], base_url=url)
        warning = insecure_transport_warning(profile, network)
    host = httpx.URL(url).host
    proxied = proxy_for(url, explicit) is not None
    cleartext = url.lower().startswith("http:")
    assert (warning is not None) == (cleartext and (proxied or not is_loopback_host(host)))


@FUZZ
@given(name=st.text("abcdefghijklmnopqrstuvwxyz-_:0123456789", min_size=1, max_size=20),
       key_required=st.booleans(), env_key=st.sampled_from(["", "  ", "xai-env-key-1234567"]),
       stored=st.sampled_from(["none", "keyring", "session"]))
def test_the_environment_key_goes_only_where_a_key_is_required(
        name: str, key_required: bool, env_key: str, stored: str) -> None:
    profile = Profile(name, name, "http://127.0.0.1:1/v1", "m", key_required=key_required)
    keys = KeyStore(MemoryKeyring())
    if stored == "keyring":
        keys.store(name, "sk-stored-7777777777")
    elif stored == "session":
        keys.remember_for_session(name, "sk-session-8888888888")
    with mock.patch.dict(os.environ, {"GROKDESK_API_KEY": env_key}):
        found = keys.lookup(profile)
    if key_required and env_key.strip():
        assert (found.key, found.source) == (env_key.strip(), "environment")
    else:
        assert found.key != env_key.strip() or not env_key.strip()
        assert found.source == stored


class _DropsWrites(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        return None


def _chain(backends: list[object]) -> ChainerBackend:
    chain: ChainerBackend = type("Chain", (ChainerBackend,), {"backends": backends})()
    return chain


LEAVES = st.sampled_from([null.Keyring, fail.Keyring, MemoryKeyring, _DropsWrites])


@st.composite
def backends(draw: st.DrawFn, depth: int = 0) -> object:
    if depth < 2 and draw(st.booleans()):
        return _chain(draw(st.lists(backends(depth + 1), max_size=3)))
    return draw(LEAVES)()


@FUZZ
@given(backend=backends(), key=st.text(min_size=1, max_size=40).filter(str.strip))
def test_stored_always_means_kept(backend: object, key: str) -> None:
    keys = KeyStore(backend)
    try:
        keys.store("aimlapi", key)
    except KeyringUnavailableError as exc:
        assert "GROKDESK_API_KEY" in exc.describe()
        assert key.strip() not in exc.describe() or len(key.strip()) < 4
        return
    except ValueError:
        return
    assert keys.lookup(BUILTIN_PROFILES["aimlapi"]).key == key.strip()


SCHEMA_TEXT = st.one_of(
    st.text(max_size=60),
    st.builds("CREATE TABLE future (x {}) {}".format,
              st.sampled_from(["INTEGER", "ANY", "", "TEXT CHECK2 (x)", "AS (y) STORED"]),
              st.sampled_from(["", "STRICT", "STRICT, SHARDED", "FUTURE_OPTION",
                               "WITHOUT ROWID"])),
)


@FUZZ
@given(version=st.integers(len(MIGRATIONS) + 1, 2**31 - 1), sql=SCHEMA_TEXT,
       journal=st.sampled_from(["wal", "delete"]))
def test_a_newer_file_is_refused_untouched(version: int, sql: str, journal: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        open_database(path).close()
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute(f"PRAGMA journal_mode = {journal}")
            conn.execute("CREATE TABLE future (x)")
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("PRAGMA writable_schema = ON")
            conn.execute("UPDATE sqlite_schema SET sql = ? WHERE name = 'future'", (sql,))
        finally:
            conn.close()
        before = {p.name: p.read_bytes() for p in Path(folder).iterdir()}
        with pytest.raises(NewerDatabaseError):
            open_history_with_recovery(path)
        assert {p.name: p.read_bytes() for p in Path(folder).iterdir()} == before
