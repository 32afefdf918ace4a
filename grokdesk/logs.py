"""Log output that is safe to read: no key, no password from a URL, no control character.

Log lines quote server replies, model text and URLs, and they end up on a terminal
(``--debug``) or in a file someone opens in one. Every handler grokdesk installs formats
through :class:`SafeFormatter`, which covers the records of other libraries too (httpx
logs each request's URL at INFO).
"""

from __future__ import annotations

import logging
from typing import TextIO

from grokdesk.errors import redact, without_userinfo
from grokdesk.visible import terminal_text

FORMAT = "%(levelname)s %(name)s: %(message)s"
FILE_FORMAT = "%(asctime)s " + FORMAT

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
