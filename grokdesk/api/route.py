"""Which proxy a request to a URL really goes through, decided as the client decides it.

:class:`grokdesk.api.client.ChatClient` uses an explicit proxy unless its ``no_proxy``
list names the host, and otherwise (no explicit proxy) lets httpx read the environment:
``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` in either case, filtered by ``NO_PROXY``.
This answers the same question without building a client, so a warning can be shown
before anything is sent. The environment is read with httpx's own code, so the answer
cannot drift from what httpx then does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from grokdesk.api.proxies import ProxySettings

if TYPE_CHECKING:
    import httpx
    from httpx._utils import URLPattern


def proxy_for(url: str, explicit: ProxySettings | None) -> str | None:
    """The proxy a request to ``url`` goes through, as ``scheme://host:port`` without
    credentials, or None when it connects directly.

    ``explicit`` is the app's own proxy setting (None: the environment's proxies apply).
    The URL is read by httpx, as the client reads it.
    """
    import httpx

    try:
        target = httpx.URL(url.strip().rstrip("/"))
    except httpx.InvalidURL:
        return None
    if explicit is not None:
        return _shown(explicit.url) if explicit.used_for(target.host) else None
    return _environment_proxy_for(target)


def environment_is_usable() -> bool:
    """Whether httpx can use the proxy environment variables at all: a value it cannot
    parse (``NO_PROXY=[::1]``, ``HTTP_PROXY=ftp://…``) makes it refuse to build a client."""
    import httpx

    try:
        _environment_mounts()
    except (ValueError, httpx.InvalidURL):
        return False
    return True


def _environment_mounts() -> list[tuple[URLPattern, str | None]]:
    """The environment's proxies as httpx.AsyncClient mounts them, most specific first."""
    import httpx
    from httpx._utils import URLPattern, get_environment_proxies

    mounts = []
    for pattern, proxy in get_environment_proxies().items():
        if proxy is not None:
            httpx.Proxy(url=proxy)
        mounts.append((URLPattern(pattern), proxy))
    return sorted(mounts, key=lambda mount: mount[0])


def _environment_proxy_for(target: httpx.URL) -> str | None:
    import httpx

    try:
        mounts = _environment_mounts()
    except (ValueError, httpx.InvalidURL):
        return None  # no client can be built, so nothing is sent
    for pattern, proxy in mounts:
        if pattern.matches(target):
            return _shown(proxy) if proxy is not None else None
    return None


def _shown(proxy_url: str) -> str:
    """``scheme://host:port`` of a proxy URL: no user name or password, ever."""
    try:
        parts = urlsplit(proxy_url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "a proxy"
    host = f"[{host}]" if ":" in host else host
    where = f"{host}:{port}" if port is not None else host
    return f"{parts.scheme}://{where}" if parts.scheme else where
