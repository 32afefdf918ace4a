"""Log output that is safe to read: no key, no password from a URL, no control character.

Log lines quote server replies, model text and URLs, and they end up on a terminal
(``--debug``) or in a file someone opens in one. Every handler grokdesk installs formats
through :class:`SafeFormatter`, which covers the records of other libraries too (httpx
logs each request's URL at INFO).
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

from grokdesk.api.errors import redact
from grokdesk.visible import terminal_text

FORMAT = "%(levelname)s %(name)s: %(message)s"
FILE_FORMAT = "%(asctime)s " + FORMAT

# Greedy up to the last "@" before the path: a password may hold a bare "@".
_USERINFO_RE = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#]*@")


def without_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` part of every URL in it removed."""
    return _USERINFO_RE.sub(r"\1", text)


def url_for_log(url: object) -> str:
    """A URL (a string or an ``httpx.URL``) fit for a log line: no user name or password."""
    return without_userinfo(str(url))


class SafeFormatter(logging.Formatter):
    """A formatter whose output holds no key, no URL credentials and no control character
    but newline and tab (tracebacks keep their lines)."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_text(without_userinfo(redact(super().format(record))))


def handler_for(handler: logging.Handler, fmt: str = FORMAT) -> logging.Handler:
    """``handler`` formatting through :class:`SafeFormatter`."""
    handler.setFormatter(SafeFormatter(fmt))
    return handler


def log_to_stream(stream: TextIO) -> None:
    """Every record at DEBUG and above, from every library, to ``stream`` (``--debug``)."""
    logging.basicConfig(level=logging.DEBUG, handlers=[handler_for(logging.StreamHandler(stream))])
