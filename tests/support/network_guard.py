"""Keep every test on this machine: name lookups other than loopback fail at once.

A lookup of even a ``.invalid`` name goes to the configured DNS server, which is off
the machine; tests must not send a single packet there. Unknown names fail the way
an unknown host does, so "unresolvable host" is still tested for real.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import pytest


def is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def guard_resolver(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuse every non-loopback name lookup; returns the names refused."""
    refused: list[str] = []
    real: Callable[..., Any] = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is None or is_loopback(host):
            return real(host, *args, **kwargs)
        refused.append(str(host))
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return refused
