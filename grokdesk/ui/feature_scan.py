"""Spare PySide's import hook the reading of every module's source.

To support ``from __feature__ import snake_case``, PySide replaces ``__import__`` and
reads the whole source of each module imported after it, and of each module imported
before it the first time a later import statement names it (``inspect.getsource``, kept
in ``linecache``), to record whether the module mentions PySide6: 0, "uses PySide, no
feature selected", or -1, "takes no part" (its code sees whatever the last module that
took part selected). Start-up spent 32–37 ms in it and kept the text in memory.

grokdesk selects no feature, so each module is entered in PySide's table before the hook
looks, as one that uses PySide with no feature selected: its code always sees Qt's own
names. A module that does select a feature sets its own entry when it imports
``__feature__``, and keeps it. A frozen build, which has no sources, is spared the reads
the same way.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType

NO_FEATURE = 0
"""PySide's mark for a module that uses PySide with no feature selected."""


class _RecordWithoutReading:
    """A finder that finds nothing: it only enters each module about to be imported in
    PySide's table, then lets the real finders do their work."""

    def __init__(self, table: dict[str, int]) -> None:
        self._table = table

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        self._table.setdefault(fullname, NO_FEATURE)
        return None


def skip_feature_scans() -> bool:
    """From now on, PySide reads no imported module's source; False when this PySide
    keeps no such table (nothing to skip, or a version that works otherwise)."""
    feature = sys.modules.get("shibokensupport.feature")
    table = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(table, dict):
        return False
    for name in list(sys.modules):
        table.setdefault(name, NO_FEATURE)
    if not any(isinstance(finder, _RecordWithoutReading) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RecordWithoutReading(table))
    return True
