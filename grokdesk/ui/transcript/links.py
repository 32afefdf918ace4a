"""What a click on a link in model output may do.

Model output is untrusted: a link could point at ``file:``, ``javascript:`` or a
custom scheme that some handler on the system would act on. Only web and mail
links leave the app, and only through the system browser or mail client.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from grokdesk.render.rendered import copy_link_index

EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})


def is_external(url: QUrl) -> bool:
    """Whether ``url`` may be handed to the system (http, https or mailto only)."""
    return url.isValid() and url.scheme().lower() in EXTERNAL_SCHEMES


def copy_index(url: QUrl) -> int | None:
    """The code block number of a ``grokdesk-copy:N`` link, else None."""
    return copy_link_index(url.toString())


def open_external(url: QUrl) -> bool:
    """Open ``url`` in the system browser if the policy allows it; say whether it did."""
    if not is_external(url):
        return False
    return QDesktopServices.openUrl(url)
