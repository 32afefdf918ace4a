"""The window side stays in small pieces (issue 13): no module under ``grokdesk/ui`` is
over 400 lines, and ``MainWindow``, the composition root, has at most 300."""

from __future__ import annotations

import ast
from pathlib import Path

import grokdesk.ui

UI = Path(grokdesk.ui.__file__).parent
MAX_MODULE_LINES = 400
MAX_MAIN_WINDOW_LINES = 300


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_of_the_window_side_is_over_400_lines() -> None:
    sizes = {str(path.relative_to(UI)): _lines(path) for path in UI.rglob("*.py")}
    assert "main_window.py" in sizes and "transcript/transcript.py" in sizes
    over = {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert not over, f"split these modules: {over}"


def test_main_window_is_a_composition_root_of_at_most_300_lines() -> None:
    tree = ast.parse((UI / "main_window.py").read_text(encoding="utf-8"))
    window = next(node for node in tree.body
                  if isinstance(node, ast.ClassDef) and node.name == "MainWindow")
    first = min([window.lineno, *(d.lineno for d in window.decorator_list)])
    assert window.end_lineno is not None
    assert window.end_lineno - first + 1 <= MAX_MAIN_WINDOW_LINES
