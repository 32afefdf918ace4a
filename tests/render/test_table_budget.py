"""Tables share one budget of cells per message: many tables just under the per-table cap
take Qt seconds to lay out, so past the budget further tables show as their source."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtGui import QTextDocument, QTextFrame, QTextTable
from pytestqt.qtbot import QtBot

from grokdesk.render.markdown import (
    MAX_MESSAGE_TABLE_CELLS,
    MAX_TABLE_CELLS,
    render_markdown,
    split_stable_prefix,
)

# (columns, rows including the header, tables): each table just under the per-table cap.
SHAPES = [(2, 4_992, 3), (3, 3_333, 4), (64, 156, 3), (1, 9_999, 2), (8, 1_249, 9)]


def table(columns: int, rows: int, tag: str) -> str:
    head = "|" + "".join(f" {tag}h{c} |" for c in range(columns))
    rule = "|" + "---|" * columns
    body = ["|" + " v |" * columns for _ in range(rows - 1)]
    return "\n".join([head, rule, *body])


def cells_in(document: QTextDocument) -> int:
    def walk(frame: QTextFrame) -> int:
        total = 0
        for child in frame.childFrames():
            if isinstance(child, QTextTable):
                total += child.rows() * child.columns()
            total += walk(child)
        return total

    return walk(document.rootFrame())


def shown_cells(html: str) -> int:
    return html.count("<td ") + html.count("<th ")


@pytest.mark.parametrize(("columns", "rows", "count"), SHAPES)
def test_tables_of_one_message_share_the_budget(columns: int, rows: int, count: int) -> None:
    assert columns * rows <= MAX_TABLE_CELLS
    text = "\n\n".join(table(columns, rows, f"t{i}x") for i in range(count))
    rendered = render_markdown(f"intro\n\n{text}\n\nend")
    cells = shown_cells(rendered.html)
    assert cells <= MAX_MESSAGE_TABLE_CELLS
    assert rendered.table_cells == cells
    assert cells >= columns * rows, "the first table is still a table"
    for i in range(count):
        assert f"t{i}xh0" in rendered.html, "every table's text is shown"
    assert rendered.html.rstrip().endswith("end</p>")


@pytest.mark.parametrize(("columns", "rows", "count"), [(2, 2_600, 5), (64, 100, 3)])
def test_a_streamed_answer_spends_one_budget(qtbot: QtBot, columns: int, rows: int,
                                             count: int) -> None:
    """Rendered as stable chunks, held ones and a tail, the message shows what one render
    shows."""
    from grokdesk.ui.transcript.message_body import MessageBody

    tables = [table(columns, rows, f"t{i}x") for i in range(count)]
    body = MessageBody()
    qtbot.addWidget(body)
    body.clear_stream()
    for chunk in tables[:-2]:
        body.append_stable(chunk + "\n\n", dark=False)
    body.set_held(tables[-2] + "\n\n", dark=False)
    body.set_tail(tables[-1], dark=False)
    held, tail = body.held, body.tail
    assert held is not None and tail is not None
    streamed = sum(cells_in(v.document()) for v in (body.stable, held, tail))
    assert 0 < streamed <= MAX_MESSAGE_TABLE_CELLS
    whole = "\n\n".join(tables)
    assert split_stable_prefix(whole) > 0
    body.show_markdown(whole, dark=False)
    assert cells_in(body.stable.document()) == streamed
