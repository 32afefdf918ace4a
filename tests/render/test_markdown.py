"""The Markdown renderer, checked on the real markdown-it/Pygments and a real QTextDocument."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QUrl
from PySide6.QtGui import (
    QImage,
    QPainter,
    QTextBlock,
    QTextCharFormat,
    QTextDocument,
    QTextFrame,
    QTextTable,
)
from PySide6.QtWidgets import QApplication

from grokdesk.render import highlight
from grokdesk.render import markdown as rendering
from grokdesk.render.fold import FOLD_MARK
from grokdesk.render.highlight import MAX_HIGHLIGHT_CHARS, style_colors
from grokdesk.render.markdown import (
    COPY_SCHEME,
    DARK,
    LIGHT,
    MAX_MESSAGE_TABLE_CELLS,
    MAX_NESTING,
    MAX_TABLE_COLUMNS,
    Rendered,
    Theme,
    plain_text_to_html,
    render_markdown,
    safe_href,
    split_stable_prefix,
)
from grokdesk.render.rendered import copy_link_index
from tests.support.lexing import count_lexing

# Every tag the renderer may emit; anything else would have come from the model.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
TAG_RE = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9]*)")
HREF_RE = re.compile(r'href="([^"]*)"')
FUZZ = settings(deadline=None, max_examples=150)


class RecordingDocument(QTextDocument):
    """A QTextDocument, laid out and painted, that records every resource it tries to load."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.requests: list[str] = []
        self.setHtml(html)
        self.setTextWidth(600)
        image = QImage(600, 400, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        self.drawContents(painter)
        painter.end()

    def loadResource(self, kind: int, name: QUrl | str) -> object:
        self.requests.append(name.toString() if isinstance(name, QUrl) else name)
        return None


def unfolded_text(document: QTextDocument) -> str:
    """The document's text as copying it gives it: without the renderer's folds."""
    from grokdesk.ui.transcript.rich_text_view import unfold

    copy = document.clone()
    unfold(copy)
    return copy.toPlainText()


def blocks(doc: QTextDocument) -> Iterator[QTextBlock]:
    block = doc.begin()
    while block.isValid():
        yield block
        block = block.next()


def anchors(doc: QTextDocument) -> list[str]:
    """Link targets in document order; a link made of several format runs counts once."""
    found: list[str] = []
    for block in blocks(doc):
        previous = ""
        for fmt in block.textFormats():
            href = fmt.format.anchorHref() if fmt.format.isAnchor() else ""
            if href and href != previous:
                found.append(href)
            previous = href
    return found


def tables(frame: QTextFrame) -> list[QTextTable]:
    found: list[QTextTable] = []
    for child in frame.childFrames():
        if isinstance(child, QTextTable):
            found.append(child)
        found.extend(tables(child))
    return found


def assert_safe_html(html: str) -> None:
    """Only our own tags, and only vetted link targets."""
    assert set(TAG_RE.findall(html)) <= ALLOWED_TAGS, html
    for href in HREF_RE.findall(html):
        assert copy_link_index(href) is not None or safe_href(href) == href, href


@pytest.fixture
def doc(qapp: QApplication) -> type[RecordingDocument]:
    return RecordingDocument


# --------------------------------------------------------------------------- untrusted content

HOSTILE_HTML = [
    "<script>alert(1)</script>",
    "<img src=http://evil.example/x.png>",
    '<iframe src="http://evil.example/"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    "<style>p { color: red }</style>",
    '<div onclick="alert(1)">div</div>',
    '<span style="background-image:url(http://evil.example/t.png)">bg</span>',
    '<table background="file:///etc/passwd"><tr><td>t</td></tr></table>',
    "<!-- comment -->",
]


@pytest.mark.parametrize("snippet", HOSTILE_HTML)
@pytest.mark.parametrize("where", ["inline", "block"])
def test_raw_html_is_shown_as_text(doc: type[RecordingDocument], snippet: str, where: str) -> None:
    text = f"before {snippet} after" if where == "inline" else f"before\n\n{snippet}\n\nafter"
    rendered = render_markdown(text)
    assert_safe_html(rendered.html)
    for tag in ("<script", "<img", "<iframe", "<style", "<div", "<!--"):
        assert tag not in rendered.html.lower()
    document = doc(rendered.html)
    assert snippet in unfolded_text(document)
    assert document.requests == []
    assert anchors(document) == []


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("![a cat](http://evil.example/cat.png)", "[image: a cat] http://evil.example/cat.png"),
        ("![](https://evil.example/x.png)", "[image] https://evil.example/x.png"),
        ("![*bold* alt](/etc/passwd)", "[image: bold alt] /etc/passwd"),
        ("![x](data:image/png;base64,AAAA)", "[image: x] data:image/png;base64,AAAA"),
        ("![ref][r]\n\n[r]: http://evil.example/r.png", "[image: ref] http://evil.example/r.png"),
        ("![x](file:///etc/passwd)", "![x](file:///etc/passwd)"),
    ],
)
def test_images_are_never_loaded(doc: type[RecordingDocument], markdown: str, shown: str) -> None:
    rendered = render_markdown(markdown)
    assert "<img" not in rendered.html
    document = doc(rendered.html)
    assert shown in unfolded_text(document)
    assert document.requests == []


def test_long_image_urls_are_shortened() -> None:
    html = render_markdown(f"![x](https://e.example/{'a' * 5000})").html.replace(FOLD_MARK, "")
    assert "a" * 150 in html
    assert "a" * 400 not in html


def test_image_inside_a_link_keeps_the_link(doc: type[RecordingDocument]) -> None:
    document = doc(render_markdown("[![logo](http://e.example/l.png)](https://e.example/)").html)
    assert anchors(document) == ["https://e.example/"]
    assert document.requests == []


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("[a](https://ok.example/x?q=1&r=2)", "https://ok.example/x?q=1&r=2"),
        ("[a](HTTP://OK.example/)", "HTTP://OK.example/"),
        ("[a](mailto:me@example.org)", "mailto:me@example.org"),
        ("<https://auto.example/p>", "https://auto.example/p"),
        ("[a][r]\n\n[r]: https://ref.example/", "https://ref.example/"),
        ("[a](javascript:alert(1))", None),
        ("[a](JaVaScRiPt:alert(1))", None),
        ("[a](<java\tscript:alert(1)>)", None),
        ("[a](java%0ascript:alert(1))", None),
        ("[a](vbscript:msgbox(1))", None),
        ("[a](data:text/html;base64,PHNjcmlwdD4=)", None),
        ("[a](file:///etc/passwd)", None),
        ("[a](./relative.md)", None),
        ("[a](//evil.example/x)", None),
        ("[a](#fragment)", None),
        ("[a](ftp://files.example/)", None),
        ("[a](grokdesk-copy:0)", None),
        ("[a][r]\n\n[r]: javascript:alert(1)", None),
        ("<javascript:alert(1)>", None),
    ],
)
def test_only_web_and_mail_links_are_clickable(
    doc: type[RecordingDocument], markdown: str, href: str | None
) -> None:
    rendered = render_markdown(markdown)
    assert_safe_html(rendered.html)
    document = doc(rendered.html)
    assert anchors(document) == ([] if href is None else [href])
    assert unfolded_text(document).strip() != ""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/", "https://a.example/"),
        ("  https://a.example/  ", "https://a.example/"),
        ("\x01\x00https://a.example/", "https://a.example/"),
        ("MAILTO:x@y.example", "MAILTO:x@y.example"),
        ("java\tscript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("\x0bjavascript:alert(1)", None),
        ("javascript\x00:alert(1)", None),
        ("https\u200b://a.example/", None),
        ("data:text/html,x", None),
        ("relative/path", None),
        ("", None),
    ],
)
def test_safe_href(url: str, expected: str | None) -> None:
    assert safe_href(url) == expected


@pytest.mark.parametrize(
    ("url", "index"),
    [
        (f"{COPY_SCHEME}:0", 0),
        (f"{COPY_SCHEME}:17", 17),
        (f"{COPY_SCHEME}:", None),
        (f"{COPY_SCHEME}:-1", None),
        (f"{COPY_SCHEME}:²", None),
        (f"{COPY_SCHEME}:1e3", None),
        (f"{COPY_SCHEME}:{'9' * 40}", None),
        ("https://example.org/", None),
    ],
)
def test_copy_link_index(url: str, index: int | None) -> None:
    assert copy_link_index(url) == index


def test_bidi_controls_are_stripped_from_prose(doc: type[RecordingDocument]) -> None:
    rendered = render_markdown("# he\u202eading\n\nsafe \u2066isolate\u2069 and \u202bembed\u202c")
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", rendered.html)
    assert "safe isolate and embed" in doc(rendered.html).toPlainText()


def test_invisible_characters_in_code_are_marked_but_copied_exactly(
    doc: type[RecordingDocument],
) -> None:
    code = 'access = "user\u202e \u2066// admin\u2069\u2066"\nzero\u200bwidth\ufeff'
    rendered = render_markdown(f"```python\n{code}\n```\n\ninline `a\u202eb`")
    assert rendered.code_blocks == [code]
    plain = doc(rendered.html).toPlainText()
    for marker in ("<U+202E>", "<U+2066>", "<U+2069>", "<U+200B>", "<U+FEFF>"):
        assert marker in plain
    assert "a<U+202E>b" in plain
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b\ufeff]", rendered.html)


def test_joiners_needed_by_emoji_and_scripts_are_kept(doc: type[RecordingDocument]) -> None:
    text = "coder 👩\u200d💻 and می\u200cخواهم"
    assert text in doc(render_markdown(text).html).toPlainText()


# --------------------------------------------------------------------------- formatting


def test_table_becomes_a_qt_table(doc: type[RecordingDocument]) -> None:
    rendered = render_markdown("| name | n |\n|:--|--:|\n| a | 1 |\n| b | 22 |")
    assert 'border="1"' in rendered.html
    assert 'cellpadding="' in rendered.html
    assert '<td align="right">22</td>' in rendered.html
    document = doc(rendered.html)
    (table,) = tables(document.rootFrame())
    assert (table.rows(), table.columns()) == (3, 2)
    cell = table.cellAt(2, 1).firstCursorPosition().block().text()
    assert cell == "22"


def test_lists_quotes_and_headings(doc: type[RecordingDocument]) -> None:
    text = "# One\n\n### Three\n\n- a\n- b\n  1. inner\n\n> quote\n> > deeper\n"
    rendered = render_markdown(text)
    assert rendered.html.count("<blockquote") == 2
    document = doc(rendered.html)
    headings = {b.text(): b.blockFormat().headingLevel() for b in blocks(document)}
    assert headings["One"] == 1
    assert headings["Three"] == 3
    listed = {b.text().strip() for b in blocks(document) if b.textList() is not None}
    assert listed == {"a", "b", "inner"}
    indents = {b.text(): b.blockFormat().leftMargin() for b in blocks(document)}
    assert 0 < indents["quote"] < indents["deeper"]


def test_inline_code_and_strikethrough(doc: type[RecordingDocument]) -> None:
    document = doc(render_markdown("x `code` ~~gone~~").html)
    formats = {
        b.text()[f.start : f.start + f.length]: QTextCharFormat(f.format)
        for b in blocks(document)
        for f in b.textFormats()
    }
    assert formats["code"].fontFamilies() == ["monospace"]
    assert formats["code"].background().color().name() == LIGHT.inline_code_bg
    assert formats["gone"].fontStrikeOut()


def test_code_block_is_highlighted_and_copyable(doc: type[RecordingDocument]) -> None:
    code = 'def f(x):\n    return x < 1  # "quoted" & <tag>\n\n\nprint(f(0))'
    rendered = render_markdown(f"Intro\n\n```python\n{code}\n```\n\n~~~\nplain <b>\n~~~")
    assert rendered.code_blocks == [code, "plain <b>"]
    assert '<span style="color: #' in rendered.html
    assert "<b>" not in rendered.html
    document = doc(rendered.html)
    assert anchors(document) == [f"{COPY_SCHEME}:0", f"{COPY_SCHEME}:1"]
    plain = unfolded_text(document)
    assert code in plain
    assert "plain <b>" in plain
    code_block = next(b for b in blocks(document) if b.text().startswith("def f"))
    assert code_block.blockFormat().background().color().name() == LIGHT.code_bg


def test_copy_numbering_continues_from_first_code_index() -> None:
    rendered = render_markdown("```\na\n```\n\n    indented\n", first_code_index=5)
    assert f'href="{COPY_SCHEME}:5"' in rendered.html
    assert f'href="{COPY_SCHEME}:6"' in rendered.html
    assert rendered.code_blocks == ["a", "indented"]


@pytest.mark.parametrize(
    ("markdown", "code"),
    [
        ("````\n```\ninner\n```\n````", "```\ninner\n```"),
        ("~~~~~ python\n~~~\nx = 1\n~~~~~", "~~~\nx = 1"),
        ("```\nunclosed\n\n\nstill code", "unclosed\n\n\nstill code"),
        ("```\n\n\nleading blank lines\n```", "\n\nleading blank lines"),
        ("```\n```", ""),
        ("   ```\n   indented fence\n   ```", "indented fence"),
    ],
)
def test_fences_of_any_length_keep_exact_text(markdown: str, code: str) -> None:
    assert render_markdown(markdown).code_blocks == [code]


@pytest.mark.parametrize("lang", ["", "no-such-language", "x" * 200, "python{.cls}"])
def test_unknown_or_missing_language_is_plain_text(doc: type[RecordingDocument], lang: str) -> None:
    rendered = render_markdown(f"```{lang}\nif a < b: pass\n```")
    assert "color: #" not in rendered.html
    assert "if a &lt; b: pass" in rendered.html
    assert "if a < b: pass" in doc(rendered.html).toPlainText()


def test_huge_code_is_not_highlighted() -> None:
    code = "x = 1\n" * (MAX_HIGHLIGHT_CHARS // 6 + 10)
    rendered = render_markdown(f"```python\n{code}```")
    assert "color: #" not in rendered.html
    assert rendered.code_blocks == [code.removesuffix("\n")]


def test_dark_and_light_differ() -> None:
    text = "`x`\n\n```python\nimport os\n```\n\n| a |\n|---|\n| b |\n\n[l](https://e.example)"
    light, dark = render_markdown(text), render_markdown(text, dark=True)
    assert light.html != dark.html
    assert light.code_blocks == dark.code_blocks
    assert DARK.code_bg in dark.html
    assert LIGHT.code_bg not in dark.html


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_plain_code_matches_the_pygments_style(theme: Theme) -> None:
    background, text = style_colors(theme.pygments_style)
    assert background.lower() == theme.code_bg
    assert text is None or text.lower() == theme.code_fg


def test_empty_input() -> None:
    assert render_markdown("") == Rendered("", [])
    assert plain_text_to_html("") == ""


def test_plain_text_keeps_lines_and_spaces(doc: type[RecordingDocument]) -> None:
    text = "First <b>thought</b>\n\n  indented & spaced\r\nlast \u202eline"
    html = plain_text_to_html(text)
    assert "<b>" not in html
    assert doc(html).toPlainText() == "First <b>thought</b>\n\n  indented & spaced\nlast line"


def test_importing_does_not_import_pygments_or_markdown_it() -> None:
    script = (
        "import sys\n"
        "import grokdesk.render.markdown as m\n"
        "assert 'pygments' not in sys.modules and 'markdown_it' not in sys.modules\n"
        "m.render_markdown('# x\\n\\n```\\nplain\\n```\\n\\n    indented\\n\\n`inline`')\n"
        "assert 'pygments' not in sys.modules\n"
        "m.render_markdown('```python\\nx = 1\\n```')\n"
        "assert 'pygments' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


# --------------------------------------------------------------------------- size and depth

PATHOLOGICAL = {
    "long line": "word " * 20_000,
    "long word": "a" * 100_000,
    "open brackets": "[" * 100_000,
    "brackets then close": "[" * 100_000 + "]",
    "brackets then emphasis": "[" * 2_000 + "*a" * 49_000,
    "emphasis": "*a" * 50_000,
    "nested emphasis": "*" * 50_000 + "a" + "*" * 50_000,
    "link openers": "[a](" * 25_000,
    "image openers": "![" * 50_000,
    "backticks": "`" * 50_000 + "a",
    "angle brackets": "<" * 100_000,
    "entities": "&amp;" * 20_000,
    "backslashes": "\\" * 100_000,
    "pipes": "|" * 50_000 + "\n" + "-|" * 25_000,
    "big table": "| a | b | c |\n|---|---|---|\n" + "| 1 | x | y |\n" * 2_000,
    "many code blocks": "```python\nx = 1\n```\n" * 1_000,
    "long code line": "```python\n" + "x = 1; " * 15_000 + "\n```",
    "bidi flood": "\u202e" * 100_000,
    "nul and controls": "\0\x01\x1b[31m\x7f" * 10_000,
    "lone surrogates": "a\ud800b\udfffc" * 1_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_renders(text: str) -> None:
    rendered = render_markdown(text)
    assert_safe_html(rendered.html)
    assert split_stable_prefix(text) <= len(text)


def test_big_table_is_a_qt_table(doc: type[RecordingDocument]) -> None:
    rows = "".join(f"| {i} | x | y |\n" for i in range(2_000))
    document = doc(render_markdown("| a | b | c |\n|---|---|---|\n" + rows).html)
    (table,) = tables(document.rootFrame())
    assert (table.rows(), table.columns()) == (2_001, 3)


def test_too_wide_table_is_shown_as_source(doc: type[RecordingDocument]) -> None:
    columns = MAX_TABLE_COLUMNS + 1
    text = "|" + "h|" * columns + "\n|" + "-|" * columns + "\n|" + "c|" * columns
    document = doc(render_markdown(f"before\n\n{text}\n\nafter").html)
    assert tables(document.rootFrame()) == []
    assert text in unfolded_text(document)
    assert unfolded_text(document).startswith("before")


@pytest.mark.parametrize(
    "text",
    [
        "> " * 500 + "deepest",
        "\n".join(">" * depth + f" level{depth}" for depth in range(1, 500)) + " deepest",
        "".join("  " * depth + f"- item{depth}\n" for depth in range(500)) + "deepest",
        "".join("   " * depth + f"1. item{depth}\n" for depth in range(500)) + "deepest",
        "- " * 500 + "deepest",
    ],
    ids=["quote markers", "quote lines", "bullet list", "ordered list", "list markers"],
)
def test_deep_nesting_keeps_all_text(doc: type[RecordingDocument], text: str) -> None:
    """Past the limit markdown-it drops text (for lists: all the rest); we show the source."""
    rendered = render_markdown(f"# Title\n\n{text}\n\nafter")
    assert_safe_html(rendered.html)
    plain = doc(rendered.html).toPlainText()
    for word in [*re.findall(r"(?:level|item)\d+", text), "deepest", "after"]:
        assert word in plain
    assert "<h1>Title</h1>" in rendered.html


def test_nesting_within_the_limit_is_formatted() -> None:
    depth = MAX_NESTING // 2 - 1
    html = render_markdown("> " * depth + "quoted").html
    assert html.count("<blockquote") == depth


def test_recursion_error_falls_back_to_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(tokens: object, src: str, budget: int) -> object:
        raise RecursionError

    monkeypatch.setattr(rendering, "_flatten_unwieldy", explode)
    rendered = render_markdown("**a** <b>")
    assert rendered == Rendered(plain_text_to_html("**a** <b>"), [])


@FUZZ
@given(st.text())
def test_any_text_renders_safely(text: str) -> None:
    assert_safe_html(render_markdown(text).html)
    assert_safe_html(render_markdown(text, dark=True).html)


MARKDOWNISH = st.text(alphabet=st.sampled_from(list("ab \n\t*_`~[]()!<>&#;:/\\|-+=.1\"'")))


@FUZZ
@given(MARKDOWNISH)
def test_markdown_like_text_renders_safely(qapp: QApplication, text: str) -> None:
    rendered = render_markdown(text)
    assert_safe_html(rendered.html)
    document = RecordingDocument(rendered.html)
    assert document.requests == []
    copies = [h for h in anchors(document) if h.startswith(COPY_SCHEME)]
    assert len(copies) == len(rendered.code_blocks)


# --------------------------------------------------------------------------- streaming split


def render_split(text: str, index: int) -> Rendered:
    head = render_markdown(text[:index])
    tail = render_markdown(text[index:], first_code_index=len(head.code_blocks),
                           table_cell_budget=MAX_MESSAGE_TABLE_CELLS - head.table_cells)
    return Rendered(
        "\n".join(p for p in (head.html, tail.html) if p), head.code_blocks + tail.code_blocks,
        head.table_cells + tail.table_cells,
    )


def block_starts(text: str) -> set[int]:
    """Offsets at which markdown-it starts a top-level block (rendered independently)."""
    tokens = rendering._block_parser().parse(text)
    line_offsets = [0] + [m.end() for m in re.finditer(r"\r\n?|\n", text)]
    return {line_offsets[t.map[0]] for t in tokens if t.level == 0 and t.nesting >= 0 and t.map}


@pytest.mark.parametrize(
    ("text", "stable"),
    [
        ("", ""),
        ("one paragraph, still growing", ""),
        ("para\n\n", ""),
        ("para\n\nsecond, half-written", ""),
        ("para\n\nsecond\n", "para\n\n"),
        ("# h\nfollowing line\n", "# h\n"),
        ("intro\n\n```\na\n\nb\n", "intro\n\n"),
        ("intro\n\n```\na\n\nb\n```\n\nnext\n", "intro\n\n```\na\n\nb\n```\n\n"),
        ("````\n```\n\nx\n```\n\nstill in\n", ""),
        ("~~~\n```\n\n~~~\nafter\n", "~~~\n```\n\n~~~\n"),
        ("para\n\n    code\n\n    more\n\nnext\n", "para\n\n    code\n\n    more\n\n"),
        ("- a\n\n- b\n\n  c\n\npara\n", "- a\n\n- b\n\n  c\n\n"),
        ("- a\n\n  ```\n  x\n\n  y\n", ""),
        ("> q\n>\n> ```\n> x\n\nafter\n", "> q\n>\n> ```\n> x\n\n"),
        ("para\n```", ""),
        ("para\n```\n", "para\n"),
        ("# h\r\npara\r\n\r\n# h2\r\n", "# h\r\npara\r\n\r\n"),
        ("# h\r\npara\r", ""),
        ("# h\rpara\r\n", "# h\r"),
        ("| a |\n|---|\n| 1 |\n\npara\n", "| a |\n|---|\n| 1 |\n\n"),
    ],
)
def test_split_stable_prefix_examples(text: str, stable: str) -> None:
    assert text[: split_stable_prefix(text)] == stable


@FUZZ
@given(MARKDOWNISH)
def test_split_point_starts_a_top_level_block(text: str) -> None:
    index = split_stable_prefix(text)
    assert 0 <= index <= len(text)
    if index:
        assert text[index - 1] in "\r\n"
        assert index in block_starts(text)


INLINE = st.text(alphabet=st.sampled_from(list("ab *_`~[]()!<>&\\:/.#-=+|1")), max_size=20)


@st.composite
def fences(draw: st.DrawFn) -> str:
    char = draw(st.sampled_from("`~"))
    size = draw(st.integers(3, 6))
    indent = " " * draw(st.integers(0, 3))
    info = draw(st.sampled_from(["", "python", "js extra", "nosuchlang"]))
    body = draw(
        st.lists(
            st.one_of(
                INLINE.filter(lambda s: "`" not in s),
                st.just(""),
                st.just(char * (size - 1)),
                st.just("`~"[char == "`"] * size),
                st.just(char * size + "x"),
                st.just("    indented"),
                st.just("# not a heading"),
            ),
            max_size=5,
        )
    )
    close = draw(st.sampled_from([char * size, char * (size + 2), " " + char * size, None]))
    lines = [indent + char * size + info, *body]
    if close is not None:
        lines.append(close)
    return "\n".join(lines)


@st.composite
def lists(draw: st.DrawFn) -> str:
    marker = draw(st.sampled_from(["-", "*", "+", "1.", "2)"]))
    pad = " " * (len(marker) + 1)
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        lines.append(f"{marker} {draw(INLINE)}")
        extra = draw(st.sampled_from(["", "continued", "blank", "fence", "nested"]))
        if extra == "continued":
            lines.append(pad + draw(INLINE))
        elif extra == "blank":
            lines.append("")
        elif extra == "fence":
            lines += [pad + "```", pad + "code", "", pad + "more", pad + "```"]
        elif extra == "nested":
            lines.append(pad + "- " + draw(INLINE))
    return "\n".join(lines)


@st.composite
def quotes(draw: st.DrawFn) -> str:
    inner = st.one_of(INLINE, st.just(""), st.just("```"), st.just("- item"), st.just("> deeper"))
    prefixes = st.sampled_from([">", "> ", ">> ", "> > ", ""])
    return "\n".join(draw(prefixes) + draw(inner) for _ in range(draw(st.integers(1, 4))))


@st.composite
def tables_md(draw: st.DrawFn) -> str:
    rows = [f"| {draw(INLINE)} | {draw(INLINE)} |" for _ in range(draw(st.integers(0, 3)))]
    return "\n".join(["| a | b |", "|:--|--:|", *rows])


# Lines whose meaning depends on what follows on the same line, or on the next line.
TRICKY_LINES = st.sampled_from(
    ["#x", "#", "```a`", "``", "~~", "-", "- ", "-x", "1.", "1)", "2.", "*", "* *", "+",
     "|-|-|", "a | b", "===", "---", "    x", "> x", ">", "\tx", "[a]", "[a]: b"]
)  # fmt: skip
LINES = st.one_of(INLINE, TRICKY_LINES)

BLOCKS = st.one_of(
    st.lists(LINES, min_size=1, max_size=4).map("\n".join),
    st.tuples(st.integers(1, 6), INLINE).map(lambda h: "#" * h[0] + " " + h[1]),
    st.tuples(INLINE, st.sampled_from(["===", "---"])).map("\n".join),
    fences(),
    lists(),
    quotes(),
    tables_md(),
    st.lists(st.sampled_from(["    code", "", "\tcode", "     deeper"]), min_size=1).map("\n".join),
    st.sampled_from(["---", "***", "* * *", "", " ", "<div>", "    "]),
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = draw(st.lists(BLOCKS, min_size=1, max_size=7))
    seps = [draw(st.sampled_from(["\n", "\n\n", "\n\n\n", "\n \n"])) for _ in parts]
    text = "".join(p + s for p, s in zip(parts, seps, strict=True))
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@settings(deadline=None, max_examples=300)
@given(documents(), st.data())
def test_split_renders_like_the_whole_even_as_text_grows(text: str, data: st.DataObject) -> None:
    """The stable prefix of any streamed snapshot stays a valid cut of the final text."""
    # Reference definitions apply to the whole document, before and after their position.
    if "]:" in text:
        return
    whole = render_markdown(text)
    assert render_split(text, split_stable_prefix(text)) == whole
    # Cuts just after a line start are the interesting ones: "#" or "```" may be half a line.
    starts = [0] + [m.end() for m in re.finditer(r"\r\n?|\n", text)]
    near_line_start = st.sampled_from(starts).flatmap(lambda s: st.integers(s, s + 4))
    cut = data.draw(st.one_of(st.integers(0, len(text)), near_line_start), label="streamed")
    index = split_stable_prefix(text[:cut])
    assert render_split(text, index) == whole


def test_a_code_block_rendered_again_is_not_lexed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A streamed answer renders each finished block more than once (as the unfinished
    tail, as a finished block, in the final rendering), and lexing is slow."""
    lexed = count_lexing(monkeypatch)
    block = "```python\nimport os\nprint(os.sep)\n```\n"
    first = render_markdown(f"Intro\n\n{block}")
    again = render_markdown(f"{block}\nMore text.", first_code_index=3)
    assert lexed == ["import os\nprint(os.sep)"]
    spans = highlight.highlight_code("import os\nprint(os.sep)", "python", LIGHT.pygments_style)
    assert spans is not None and spans in first.html and spans in again.html
    render_markdown(block, dark=True)
    render_markdown(block.replace("os.sep", "os.name"))
    assert len(lexed) == 3, "another style or other code is lexed"


@pytest.mark.parametrize("line", ["value_{n} = compute({n}, factor=2.5)  # step {n}\n",
                                  "[{n}, 2],\n"])
def test_a_growing_code_block_is_lexed_in_pieces_not_whole_at_every_redraw(
        monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    lexed = count_lexing(monkeypatch)
    lines = [line.format(n=n) for n in range(20_000 // len(line.format(n=99_999)))]
    code = "".join(lines)
    assert len(code) <= MAX_HIGHLIGHT_CHARS
    shown = ""
    for end in (len(lines) * redraw // 40 for redraw in range(1, 41)):
        shown = render_markdown(f"```python\n{''.join(lines[:end])}", growing=True).html
    # Lexing the whole block at each of the 40 redraws would lex 20 times the block.
    assert sum(map(len, lexed)) < 3 * len(code), "finished pieces are not lexed again"
    whole = render_markdown(f"```python\n{code}```").html
    assert shown == whole, "for code without multi-line constructs, pieces join seamlessly"


def test_a_small_growing_block_is_lexed_whole_and_remembered_for_when_it_is_finished(
        monkeypatch: pytest.MonkeyPatch) -> None:
    lexed = count_lexing(monkeypatch)
    code = "import os\nprint(os.sep)\n"
    render_markdown(f"```python\n{code}", growing=True)
    render_markdown(f"```python\n{code}```\n\nAfter.")
    assert lexed == [code.removesuffix("\n")]


def test_a_growing_block_too_big_to_highlight_is_plain() -> None:
    code = "x = 1\n" * (MAX_HIGHLIGHT_CHARS // 6 + 10)
    rendered = render_markdown(f"```python\n{code}", growing=True)
    assert "color: #" not in rendered.html
