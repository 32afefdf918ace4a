"""Fixtures for life beyond the default provider: services, TLS, real proxies, a fake DNS.

Proxies are real subprocesses (proxy.py, pproxy) started once per test module; the
certificates come from trustme. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from grokdesk.chat.service import ChatService
from grokdesk.config import Settings
from grokdesk.secrets import KeyStore
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from tests.providers.proxy_servers import ProxyProcess, start_http_proxy, start_socks_proxy
from tests.support.fake_api import FakeAPI
from tests.support.memory_keyring import MemoryKeyring

PROXY_USER = ("grok-user", "pr0xy-S3CRET-pass:with:colons")
_PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")

MakeService = Callable[..., ChatService]


@pytest.fixture(autouse=True)
def _no_system_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy from the caller's shell: each test sets the ones it is about."""
    for name in _PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
async def make_service(tmp_path: Path) -> AsyncIterator[MakeService]:
    """Build chat services on a fresh history and an in-memory keyring; all closed after."""
    made: list[tuple[ChatService, Any]] = []

    def make(settings: Settings | None = None, keys: KeyStore | None = None,
             **options: Any) -> ChatService:
        db = open_database(tmp_path / f"history-{len(made)}.sqlite3")
        service = ChatService(History(db), settings or Settings(),
                              keys or KeyStore(MemoryKeyring()), **options)
        made.append((service, db))
        return service

    yield make
    for service, db in made:
        await service.aclose()
        db.close()


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_bundle(ca: trustme.CA, tmp_path: Path) -> Path:
    """The test CA as a PEM file, as a company would hand it out."""
    path = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def tls_fake_api(ca: trustme.CA) -> Iterator[FakeAPI]:
    """The fake provider over HTTPS, with a certificate for 127.0.0.1 from the test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with FakeAPI(ssl_context=context) as server:
        yield server


# --------------------------------------------------------------------------- proxies


@pytest.fixture(scope="module")
def proxy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("proxies")


@pytest.fixture(scope="module")
def http_proxy(proxy_dir: Path) -> Iterator[ProxyProcess]:
    proxy = start_http_proxy(proxy_dir)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def http_proxy_auth(proxy_dir: Path) -> Iterator[ProxyProcess]:
    proxy = start_http_proxy(proxy_dir, auth=PROXY_USER)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def socks_proxy(proxy_dir: Path) -> Iterator[ProxyProcess]:
    proxy = start_socks_proxy(proxy_dir)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def socks_proxy_auth(proxy_dir: Path) -> Iterator[ProxyProcess]:
    proxy = start_socks_proxy(proxy_dir, auth=PROXY_USER)
    yield proxy
    proxy.stop()


# --------------------------------------------------------------------------- name resolution


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    """A resolver for made-up names: map a name to 127.0.0.1, or to None for "no such
    host". Every other name fails too, so no test can send a DNS query anywhere."""
    names: dict[str, str | None] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in names:
            target = names[name]
            if target is None:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real(target, *args, **kwargs)
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
        except OSError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known"
                                      ) from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names
