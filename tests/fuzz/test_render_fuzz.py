"""The Markdown renderer against generated documents full of hostile structure: it never
raises, never hangs (the deadline), and never emits anything that could load or mislead."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grokdesk.render import plain_text_to_html, render_markdown, split_stable_prefix
from tests.fuzz.common import FUZZ
from tests.security.html_checks import check_html

URLS = ["http://127.0.0.1:9/x.png", "https://example.com", "javascript:alert(1)",
        "JaVaScRiPt:alert(1)", "java\tscript:x", "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd", "mailto:a@example.com", "", "/relative", "grokdesk-copy:1",
        "vbscript:x", " http://x", "%6Aavascript:x", "&#106;avascript:x", "<x>", "a b"]
INLINE = ["**bold**", "_em_", "`code`", "``co`de``", "~~gone~~", "\\*", "*", "_", "[", "]",
          "(", ")", "!", "<", ">", "&amp;", "&#60;", "<b>", "</b>", "<img src=x>",
          "<script>", "<iframe src=x>", "<a href='javascript:x'>", "<style>", "\u202e",
          "\u2066", "\u2069", "\u200b", "\u200d", "\u2028", "\ufeff", "\x00", "\r", "\t",
          "مرحبا", "漢字", "😀", "  ", "|"]

urls = st.sampled_from(URLS)
inline = st.one_of(
    st.sampled_from(INLINE),
    st.text(max_size=6),
    st.builds(lambda t, u: f"[{t}]({u})", st.text(max_size=5), urls),
    st.builds(lambda t, u: f"![{t}]({u})", st.text(max_size=5), urls),
    st.builds(lambda u: f"<{u}>", urls),
)
line = st.lists(inline, max_size=8).map("".join)
languages = st.sampled_from(["", "python", "js", "html", "c++", "bogus", "x" * 80, "sh {.x}",
                             "\u202epython"])


def _nested(prefix: str) -> st.SearchStrategy[str]:
    return st.builds(lambda depth, text: prefix * depth + text, st.integers(1, 40), line)


def _table(cells: list[list[str]], columns: int) -> str:
    rows = ["| " + " | ".join((row + [""] * columns)[:columns]) + " |" for row in cells]
    head = rows[0] if rows else "| a |"
    return "\n".join([head, "|" + "---|" * columns, *rows[1:]])


blocks = st.one_of(
    line,
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 7), line),
    _nested("> "),
    _nested("  - "),
    st.builds(lambda depth, t: "".join("  " * i + "- item\n" for i in range(depth)) + t,
              st.integers(1, 30), line),
    st.builds(lambda fence, lang, body, close: f"{fence}{lang}\n{body}\n{close}",
              st.sampled_from(["```", "~~~", "````"]), languages, st.text(max_size=60),
              st.sampled_from(["```", "~~~", "", "````"])),
    st.builds(lambda body: "    " + body, line),
    st.builds(_table, st.lists(st.lists(line, max_size=5), max_size=6), st.integers(1, 8)),
    st.builds(lambda label, url: f"[{label}]: {url}", st.text(max_size=5), urls),
    st.sampled_from(["---", "***", "<div>", "</div>", "<!-- x -->", "<script>alert(1)</script>",
                     "<img src='http://127.0.0.1:9/a'>", "<iframe src='file:///etc'></iframe>"]),
)
documents = st.lists(blocks, max_size=12).flatmap(
    lambda parts: st.sampled_from(["\n", "\n\n", "\r\n"]).map(lambda sep: sep.join(parts)))


@FUZZ
@given(documents, st.booleans())
def test_generated_documents_render_inertly(text: str, dark: bool) -> None:
    rendered = render_markdown(text, dark=dark)
    check_html(rendered.html)
    assert rendered.html.count('href="grokdesk-copy:') == len(rendered.code_blocks)


@FUZZ
@given(documents)
def test_streaming_split_is_always_a_line_start(text: str) -> None:
    index = split_stable_prefix(text)
    assert 0 <= index <= len(text)
    assert index == 0 or text[index - 1] in "\r\n"
    head = render_markdown(text[:index])
    tail = render_markdown(text[index:], first_code_index=len(head.code_blocks))
    check_html(head.html)
    check_html(tail.html)


@FUZZ
@given(st.one_of(st.text(), documents))
def test_plain_text_and_any_text_render_inertly(text: str) -> None:
    check_html(plain_text_to_html(text))
    check_html(render_markdown(text).html)
