"""Full renders of messages, kept for the session, and those on screen at quit kept on
disk for the next start.

Rendering a stored message needs markdown-it, whose import and set-up (80 regular
expressions) take 30–40 ms, and Pygments for its code: at start, most of the time
between the window's frame and its newest conversation on screen. Without math, a full
render depends on the text, the look (light or dark) and the code that renders (ours,
the packages it uses, Python's Unicode tables) only, so the renders of the last
messages on screen when the app quits are written to the cache folder with what
identifies that code (:func:`renderer_fingerprint`), and the next start shows them as
they were, without loading the renderer until something new needs it. A render that
holds math (``Rendered.has_math``) is never kept: its images, or the source shown where
typesetting failed, come from the typesetting worker and its cache, which a new process
fills again.

The file holds message text, as private as the history: written atomically, readable by
its owner only, in the user's own cache folder, and never exported, imported or synced.
Anything unreadable in it is ignored: it is a cache, not data.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grokdesk
from grokdesk.private_file import write_private

if TYPE_CHECKING:
    from grokdesk.render.rendered import Rendered

log = logging.getLogger("grokdesk.ui")

FILE_VERSION = 1
KEPT_FOR_SESSION = 64
"""Full renders kept in memory: switching back to a conversation reuses them."""
KEPT_ON_DISK = 12
"""Messages at the end of the conversation on screen whose renders are written at quit:
more than a window shows when it opens."""
LONGEST_KEPT = 100_000
"""Characters: longer messages are rendered again rather than held twice in memory."""
RENDERER_PACKAGES = ("markdown_it", "mdit_py_plugins", "pygments")
"""What a render without math depends on besides grokdesk's own code."""

_session: OrderedDict[tuple[str, bool], Rendered] = OrderedDict()


def kept(text: str, dark: bool) -> Rendered | None:
    """The full render of ``text`` in this look kept so far, if any."""
    rendered = _session.get((text, dark))
    if rendered is not None:
        _session.move_to_end((text, dark))
    return rendered


def keep(text: str, dark: bool, rendered: Rendered) -> None:
    """Keep a full render of ``text`` (not of one that holds math)."""
    if rendered.has_math or len(text) > LONGEST_KEPT:
        return
    _session[(text, dark)] = rendered
    _session.move_to_end((text, dark))
    while len(_session) > KEPT_FOR_SESSION:
        _session.popitem(last=False)


def forget() -> None:
    """Drop the renders kept in memory (what a new process starts without)."""
    _session.clear()


def renderer_fingerprint() -> list[Any]:
    """What identifies the code that renders: Python's version (its Unicode tables fold
    lines), grokdesk's version, its renderer's files and the invisible-character marks,
    and the files of the packages it uses (sizes and times, as an edit, a build or an
    upgrade leaves them); a frozen app is one file."""
    if getattr(sys, "frozen", False):
        return [sys.version, grokdesk.__version__, _stamp(Path(sys.executable))]
    from importlib.util import find_spec

    source = Path(__file__).resolve().parents[2]
    files = [*sorted((source / "render").rglob("*.py")), source / "visible.py"]
    for package in RENDERER_PACKAGES:
        spec = find_spec(package)
        if spec is not None and spec.origin is not None:
            files.append(Path(spec.origin))
    return [sys.version, grokdesk.__version__, *(_stamp(path) for path in files)]


def _stamp(path: Path) -> list[Any]:
    try:
        status = path.stat()
    except OSError:
        return [path.name]
    return [path.name, status.st_size, status.st_mtime_ns]


class StoredRenders:
    """The file of renders written at quit and read at the next start."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> int:
        """Keep the file's renders for this session, if the renderer is the same one that
        made them; how many."""
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return 0
        except (OSError, ValueError, RecursionError) as exc:
            log.warning("Stored renders %s unreadable: %s", self.path, exc)
            return 0
        if (not isinstance(document, dict) or document.get("version") != FILE_VERSION
                or document.get("renderer") != renderer_fingerprint()
                or not isinstance(renders := document.get("renders"), list)):
            return 0
        from grokdesk.render.rendered import Rendered

        loaded = 0
        for entry in renders:
            try:
                text, dark, html, code_blocks, table_cells = entry
                if not (isinstance(text, str) and isinstance(dark, bool)
                        and isinstance(html, str) and isinstance(table_cells, int)
                        and isinstance(code_blocks, list)
                        and all(isinstance(block, str) for block in code_blocks)):
                    continue
            except (TypeError, ValueError):
                continue
            keep(text, dark, Rendered(html, code_blocks, table_cells))
            loaded += 1
        return loaded

    def save(self, texts: Iterable[str]) -> None:
        """Write the kept renders, in either look, of the last :data:`KEPT_ON_DISK` of
        ``texts`` (the messages on screen, oldest first)."""
        last = list(dict.fromkeys(texts))[-KEPT_ON_DISK:]
        renders = [[text, dark, rendered.html, rendered.code_blocks, rendered.table_cells]
                   for text in last for dark in (False, True)
                   if (rendered := _session.get((text, dark))) is not None]
        document = {"version": FILE_VERSION, "renderer": renderer_fingerprint(),
                    "renders": renders}
        try:
            write_private(self.path, json.dumps(document, ensure_ascii=False))
        except OSError as exc:
            log.warning("Renders not saved to %s: %s", self.path, exc)
