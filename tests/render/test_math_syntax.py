"""Which text is math: the four delimiter styles, currency, escapes and code."""

from __future__ import annotations

import pytest

from grokdesk.render.markdown import render_markdown, split_stable_prefix
from grokdesk.render.math.syntax import MAX_BLOCK_LINES
from tests.render.test_math_corpus import equations


def shown(text: str) -> str:
    return render_markdown(text).html


def test_bracket_math_keeps_its_backslashes() -> None:
    assert shown(r"\(x = \frac{-b}{2a}\)") == (
        '<p><code style="background-color:#e6e9ed;">\\(x = \\frac{-b}{2a}\\)</code></p>')


@pytest.mark.parametrize(("text", "found"), [
    (r"\(a\)", [("math_inline", "a", "\\(")]),
    (r"\[a\]", [("math_block", "a", "\\[")]),
    ("\\[\na + b\n\\]", [("math_block", "\na + b\n", "\\[")]),
    ("$a$", [("math_inline", "a", "$")]),
    ("$$a$$", [("math_block", "a", "$$")]),
    ("$$\na\n$$", [("math_block", "\na\n", "$$")]),
    ("x $$a$$ y", [("math_block", "a", "$$")]),
    ("Then\n\\[\nx^2\n\\]\nso", [("math_block", "\nx^2\n", "\\[")]),
    (r"mixed \(a\) and $b$ and \[c\]", [("math_inline", "a", "\\("), ("math_inline", "b", "$"),
                                         ("math_block", "c", "\\[")]),
    ("> quote $a$", [("math_inline", "a", "$")]),
    ("- item \\(a\\)", [("math_inline", "a", "\\(")]),
    ("| h |\n|---|\n| $a$ |", [("math_inline", "a", "$")]),
])
def test_the_four_delimiter_styles(text: str, found: list[tuple[str, str, str]]) -> None:
    assert [(t.type, t.content, t.markup) for t in equations(text)] == found


@pytest.mark.parametrize("text", [
    "It costs $5 and $10.",
    "Between $1,000 and $2,000 a month.",
    "Prices: $5, $10, $15.",
    "$5 or $ 10",
    "a $ b $ c",            # space inside the delimiters
    "5$ and 6$",
    "cost $x$5 each",       # a digit right after the closing $
    r"escaped \$5 and \$6",
    r"\$x\$",
    "US$100 vs. $200",
    "$",
    "$$",
    "Just a dollar sign: $",
    "Prices like $10\nstay text, and so does code: `$HOME`.",
    "About $20, or `$x`",
])
def test_currency_stays_text(text: str) -> None:
    assert equations(text) == []


def test_currency_text_is_shown_as_written() -> None:
    assert shown("It costs $5 and $10.") == "<p>It costs $5 and $10.</p>"
    assert shown(r"escaped \$5") == "<p>escaped $5</p>"
    assert shown("$$$$") == '<p style="white-space:pre-wrap;">$$$$</p>'


@pytest.mark.parametrize("text", [
    r"`\(x\)` and `$y$` and ``$$z$$``",
    "```\n\\(x\\)\n$y$\n$$\nz\n$$\n\\[\nw\n\\]\n```",
    "```latex\n\\[ a \\]\n```",
    "    \\(x\\) indented code\n    $y$",
    "~~~\n$$a$$\n~~~",
])
def test_code_is_never_math(text: str) -> None:
    assert equations(text) == []


def test_code_keeps_its_backslashes_and_dollars() -> None:
    html = shown(r"`\(x\)` and `$y$`")
    assert "\\(x\\)" in html and "$y$" in html
    assert render_markdown("```\n\\[\nw\n\\]\n```").code_blocks == ["\\[\nw\n\\]"]


def test_unclosed_math_shows_as_source() -> None:
    assert shown(r"so \(x = ") == "<p>so \\(x =</p>"
    assert shown(r"then \[ y") == "<p>then \\[ y</p>"
    assert shown("half $x = ") == "<p>half $x =</p>"


def test_display_math_inside_a_paragraph_becomes_its_own_block() -> None:
    html = shown("We get\n\\[\nx^2\n\\]\nfor all x.")
    assert html.startswith("<p>We get</p>\n<pre")
    assert html.endswith("<p>for all x.</p>")


def test_a_stable_prefix_never_ends_inside_display_math() -> None:
    text = "Intro.\n\n$$\na = b\nc\n"
    assert text[: split_stable_prefix(text)] == "Intro.\n\n"
    text = "Intro.\n\n\\[\na = b\n"
    assert split_stable_prefix(text) in (0, len("Intro.\n\n"))
    text = "Intro.\n\n\\[\na = b\n\\]\n\nNext\n"
    assert text[: split_stable_prefix(text)] == "Intro.\n\n\\[\na = b\n\\]\n\n"


def test_a_block_spans_at_most_the_line_limit() -> None:
    long_block = "\\[\n" + "x \\\\\n" * (MAX_BLOCK_LINES + 5) + "\\]"
    tokens = equations(long_block)
    assert len(tokens) == 1 and tokens[0].type == "math_block"  # found inline, then lifted


def test_many_unclosed_openers_are_text_and_render() -> None:
    text = "\\( " * 20_000 + "\n" + "\\[\n" * 5_000 + "$ " * 20_000
    html = render_markdown(text).html
    assert html.count("\\(") == 20_000
    assert equations(text) == []
