"""Layout-cost fuzzing: whatever the model writes, Qt never gets a long run without a
break, never more table cells than one message's budget, and copying gives back the text.

Random long unbroken runs (any alphabet, combining marks and joiners included, no
surrogates), many tables, raw HTML fragments, in prose, code, table cells and reasoning.
"""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st
from PySide6.QtGui import QTextDocument, QTextFrame, QTextTable
from PySide6.QtWidgets import QApplication

from grokdesk.render.fold import BREAKS, FOLD_MARK, FOLD_WIDTH, KEPT_MARK_HTML
from grokdesk.render.markdown import MAX_MESSAGE_TABLE_CELLS, render_markdown
from grokdesk.ui.transcript.reasoning_block import ReasoningBlock
from grokdesk.ui.transcript.rich_text_view import RichTextView
from tests.fuzz.common import FUZZ, LONG_RUN

_BREAK_RE = re.compile(f"[{BREAKS}\u2029\ufdd0\ufdd1\ufdef]")
_EXCLUDED = ("Cs", "Cc", "Zs", "Zl", "Zp", "Cn", "Co")

letters = st.characters(exclude_categories=_EXCLUDED, exclude_characters="\u00ad")
marks = st.characters(categories=("Mn", "Mc", "Me"))
joiners = st.sampled_from(["\u200d", "\u200c", "\ufe0f", "\u200b"])
alphabet = st.lists(st.one_of(letters, marks, joiners), min_size=1, max_size=12)
runs = st.builds(lambda chars, size, seed: "".join(chars[(i * 7 + seed) % len(chars)]
                                                   for i in range(size)),
                 alphabet, st.integers(FOLD_WIDTH, 1_200), st.integers(0, 50))
plain_runs = runs.map(lambda run: re.sub("[`|\\\\*_\\[\\]<>&!#~]", "x", run))
HTML = ["<p>", "</p>", "<br>", "<img src=x>", "<table><tr><td>", "&amp;", "&#8203;",
        "<span style='x'>", "<a href='http://e.x/'>", "<pre>", "<!--", "-->"]


def _table(columns: int, rows: int, cell: str) -> str:
    head = "|" + f" {cell} |" * columns
    return "\n".join([head, "|" + "---|" * columns, *[head] * (rows - 1)])


# Up to 40 × 260 = 10,400 cells: a few such tables are past the message's budget. Qt
# takes a second or more to lay out a table that large, so the short run (make test)
# draws tables of at most 12 rows and checks the budget on OVER_BUDGET, a fixed document
# past it; the long run (make fuzz) draws tables of any size up to 260 rows.
tables = st.builds(_table, st.integers(1, 40), st.integers(2, 260 if LONG_RUN else 12),
                   st.sampled_from(["v", "x" * 70, "a b"]))
OVER_BUDGET = "\n\n".join([_table(40, 130, "v"), "x" * 300, _table(40, 130, "a b")])  # 10,400
contexts = st.sampled_from(["{}", "```\n{}\n```", "`{}`", "| {} | b |\n|---|---|\n| c | d |",
                            "> {}", "- {}", "# {}", "[{}](https://e.example/)", "    {}"])
pieces = st.one_of(st.builds(str.format, contexts, runs), tables, st.sampled_from(HTML),
                   plain_runs)
documents = st.lists(pieces, min_size=1, max_size=5).map("\n\n".join)


def longest_run(document: QTextDocument) -> int:
    longest = 0
    block = document.begin()
    while block.isValid():
        longest = max([longest, *map(len, _BREAK_RE.split(block.text()))])
        block = block.next()
    return longest


def table_cells(frame: QTextFrame) -> int:
    cells = 0
    for child in frame.childFrames():
        if isinstance(child, QTextTable):
            cells += child.rows() * child.columns()
        cells += table_cells(child)
    return cells


def copied(view: RichTextView) -> str:
    view.selectAll()
    return view.createMimeDataFromSelection().text()


@FUZZ
@given(documents)
@example(OVER_BUDGET)
def test_rendered_layout_stays_linear_and_copies_back(qapp: QApplication, text: str) -> None:
    rendered = render_markdown(text)
    view = RichTextView()
    try:
        view.show_html(rendered.html)
        document = view.document()
        assert longest_run(document) <= FOLD_WIDTH
        assert table_cells(document.rootFrame()) <= MAX_MESSAGE_TABLE_CELLS
        unfolded = QTextDocument()
        unfolded.setHtml(rendered.html.replace(KEPT_MARK_HTML, "\0").replace(FOLD_MARK, "")
                         .replace("\0", KEPT_MARK_HTML))
        assert copied(view) == unfolded.toPlainText()
    finally:
        view.deleteLater()


@FUZZ
@given(st.lists(st.one_of(runs, st.sampled_from(["\n", " ", "\n\n", "a"])), min_size=1,
                max_size=6).map("".join), st.integers(1, 500))
def test_reasoning_folds_and_copies_back(qapp: QApplication, text: str, chunk: int) -> None:
    block = ReasoningBlock()
    try:
        block.set_text(text)
        assert longest_run(block.text_view.document()) <= FOLD_WIDTH
        assert copied(block.text_view) == text
        block.set_text("")
        for start in range(0, len(text), chunk):
            block.append_text(text[start : start + chunk])
        assert longest_run(block.text_view.document()) <= FOLD_WIDTH
        assert copied(block.text_view) == text
    finally:
        block.deleteLater()


@FUZZ
@given(runs, contexts)
def test_code_copy_gives_the_original(run: str, context: str) -> None:
    if "```" not in context:
        return
    rendered = render_markdown(context.format(run.replace("`", "'")))
    assert rendered.code_blocks == [run.replace("`", "'")]
