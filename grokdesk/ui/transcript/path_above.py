"""The path above a pane's first message, for a pane opened with the path's end only.

Opening a long conversation reads and builds just its end, so the pane paints at once;
the messages above are read a piece per turn of the loop after that paint, or all at
once as soon as anything needs the whole path (a search hit far up, Edit, a test).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from grokdesk.chat.records import Message

    PathPiece = tuple[Sequence[Message], Mapping[int, tuple[int, ...]]]
    """Messages of a path, root first, and their versions."""
    PathLoader = Callable[[int], Iterator[PathPiece]]
    """Reads the path above a message on screen a piece at a time, from there up."""

REST_AFTER_MS = 50
"""The rest is read this long after the pane was given the path's end: once it has
painted, and before a reader can scroll."""


class PathAbove(QObject):
    """Hands the pane the pieces above its first message until none is left or one does
    not fit (``put`` says False: the path changed, and whatever changed it shows it)."""

    def __init__(self, put: Callable[[PathPiece], bool], parent: QObject) -> None:
        super().__init__(parent)
        self._put = put
        self._pieces: Iterator[PathPiece] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._next)

    def start(self, pieces: Iterator[PathPiece] | None) -> None:
        """Read ``pieces`` from :data:`REST_AFTER_MS` on; None: there is nothing above."""
        self._pieces = pieces
        if pieces is not None:
            self._timer.start(REST_AFTER_MS)
        else:
            self._timer.stop()

    def read_all(self) -> None:
        """Put everything above in place now."""
        self._timer.stop()
        while self._take():
            pass

    def _next(self) -> None:
        """Put the next piece in place, and the one after at the next turn."""
        if self._take():
            self._timer.start(0)

    def _take(self) -> bool:
        piece = next(self._pieces, None) if self._pieces is not None else None
        if piece is None or not self._put(piece):
            self._pieces = None
            return False
        return True
