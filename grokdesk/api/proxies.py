"""Explicit proxy settings: which URLs are accepted, and which hosts go around the proxy.

Kept free of httpx so that the settings loader can validate a proxy URL cheaply. The
user name and password never live in the URL kept in the settings: they come from the
keyring and travel separately (:attr:`ProxySettings.auth`), so no setting, log line or
error message can carry them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")

_SEPARATORS = re.compile(r"[,\s]+")


class ProxyURLError(ValueError):
    """A proxy URL that cannot be used; the message says why, for the settings warning."""


@dataclass(frozen=True, slots=True)
class ProxyAddress:
    """A validated proxy URL, without credentials."""

    scheme: str
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_proxy_url(text: str) -> tuple[ProxyAddress, bool]:
    """The proxy ``text`` names, and whether it carried a user name or password.

    Accepts ``http``, ``https``, ``socks5`` and ``socks5h`` with a host and an explicit
    port (proxies rarely listen on a scheme's default port, so guessing one would only
    produce a confusing "connection refused").
    """
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ProxyURLError(f"{text!r} is not a valid proxy URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in PROXY_SCHEMES:
        raise ProxyURLError(
            f"{text!r} is not a proxy URL: it must start with one of "
            + ", ".join(f"{s}://" for s in PROXY_SCHEMES))
    if not parts.hostname:
        raise ProxyURLError(f"{text!r} has no host name")
    if port is None:
        raise ProxyURLError(f"{text!r} has no port (for example {scheme}://{parts.hostname}:3128)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ProxyURLError(f"{text!r} must be only scheme, host and port")
    has_credentials = parts.username is not None or parts.password is not None
    return ProxyAddress(scheme, parts.hostname.lower(), port), has_credentials


@dataclass(frozen=True, slots=True)
class ProxySettings:
    """An explicit proxy for a client: its URL, credentials and the hosts that bypass it.

    ``repr`` never shows the password.
    """

    url: str
    auth: tuple[str, str] | None = field(default=None, repr=False)
    no_proxy: str = ""

    def used_for(self, host: str) -> bool:
        """Whether a request to ``host`` goes through this proxy."""
        return not bypasses(host, self.no_proxy)


def bypasses(host: str, no_proxy: str) -> bool:
    """Whether ``host`` matches the ``no_proxy`` list (the NO_PROXY conventions).

    Entries are separated by commas or spaces: ``*`` (everything), a host name (that
    name and its subdomains; a leading dot is optional), an IP address, or a network
    in CIDR form such as ``10.0.0.0/8``.
    """
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host:
        return False
    address = _ip(host)
    for entry in filter(None, _SEPARATORS.split(no_proxy.lower())):
        if entry == "*":
            return True
        entry = entry.strip("[]")
        if "/" in entry:
            if address is not None and _in_network(address, entry):
                return True
            continue
        entry = entry.lstrip(".").rstrip(".")
        if host == entry or (address is None and host.endswith("." + entry)):
            return True
    return False


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _in_network(address: ipaddress.IPv4Address | ipaddress.IPv6Address, entry: str) -> bool:
    try:
        return address in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
