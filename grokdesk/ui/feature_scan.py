"""Spare PySide's import hook the reading of every module's source.

To support ``from __feature__ import snake_case``, PySide replaces ``__import__`` and,
after each module imported after it, reads the module's whole source
(``inspect.getsource``, kept in ``linecache``) to record whether it mentions PySide6.
Start-up spent 16–19 ms in it before the first frame, 10–15 ms more for markdown-it's
modules, and kept 7 MiB of text. grokdesk never selects a feature, so the record can
change nothing: each new module is entered in PySide's table before it is imported, as
one that takes no part in feature switching (-1, what the hook records for a module
without "PySide6" in it), and the hook then skips it. A frozen build, which has no
sources to read, skips it the same way. Modules imported before PySide are entered too:
the hook reads a module's source the first time an import statement after PySide names it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType

NO_FEATURES = -1
"""PySide's mark for a module that takes no part in feature switching."""


class _RecordWithoutReading:
    """A finder that finds nothing: it only enters each module about to be imported in
    PySide's table, then lets the real finders do their work."""

    def __init__(self, table: dict[str, int]) -> None:
        self._table = table

    def find_spec(self, fullname: str, path: object = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        self._table.setdefault(fullname, NO_FEATURES)
        return None


def skip_feature_scans() -> bool:
    """From now on, PySide reads no imported module's source; False when this PySide
    keeps no such table (nothing to skip, or a version that works otherwise)."""
    feature = sys.modules.get("shibokensupport.feature")
    table = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(table, dict):
        return False
    for name in list(sys.modules):  # imported before PySide: read at their next import
        table.setdefault(name, NO_FEATURES)
    if not any(isinstance(finder, _RecordWithoutReading) for finder in sys.meta_path):
        sys.meta_path.insert(0, _RecordWithoutReading(table))
    return True
