"""The math API exports use: typeset_svg and render_markdown's math options (no Qt)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from grokdesk.render.markdown import render_markdown
from grokdesk.render.math import IMAGE_SCHEME, MathOptions, TypesetMath, typeset_svg
from grokdesk.render.math.typeset import cache_info, math_request, typeset, typeset_uncached

QUADRATIC = r"x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}"


def test_typeset_gives_svg_with_metrics_in_the_colour_asked() -> None:
    math = typeset_svg(QUADRATIC, False, "#1F2328", 16.0)
    assert isinstance(math, TypesetMath)
    assert math.svg.startswith("<svg ")
    assert 'fill="#1f2328"' in math.svg
    assert 'fill="#000000"' not in math.svg and "black" not in math.svg
    assert math.width > 50 and math.height > 16
    assert 0 < math.depth < math.height
    assert math.ascent == pytest.approx(math.height - math.depth)
    width = float(re.search(r' width="([\d.]+)"', math.svg).group(1))  # type: ignore[union-attr]
    assert width == pytest.approx(math.width, abs=0.02)


@pytest.mark.parametrize("failing", [r"\text{}", r"x + \text{<b>bold</b>}"])
def test_math_that_fails_leaves_no_trace_on_the_next_equation(failing: str) -> None:
    # The typesetter's font is shared by every equation, and it changes the font's features
    # while it lays out a \text; an equation that fails inside one once left them changed,
    # and every equation after it had other glyphs (an exported page depended on the pages
    # exported before it). The first line sets the font as a text that succeeds leaves it,
    # so that this test fails without the fix whatever ran before it.
    assert typeset_uncached(math_request(r"\text{ok}", False, "#000000", 16.0)) is not None
    request = math_request("ax^2 + bx + c = 0", False, "#000000", 16.0)
    before = typeset_uncached(request)
    assert typeset_uncached(math_request(failing, False, "#000000", 16.0)) is None
    assert typeset_uncached(request) == before


def test_size_scales_the_result() -> None:
    small = typeset_svg(r"\sum_{k=1}^n k", True, "#000000", 10.0)
    large = typeset_svg(r"\sum_{k=1}^n k", True, "#000000", 20.0)
    assert small is not None and large is not None
    assert large.width == pytest.approx(2 * small.width, rel=0.1)
    assert large.height == pytest.approx(2 * small.height, rel=0.1)


def test_display_math_is_taller_than_inline() -> None:
    inline = typeset_svg(r"\sum_{k=1}^{n} \frac{1}{k^2}", False, "#000000", 16.0)
    display = typeset_svg(r"\sum_{k=1}^{n} \frac{1}{k^2}", True, "#000000", 16.0)
    assert inline is not None and display is not None
    assert display.height > inline.height


def test_the_same_request_is_typeset_once() -> None:
    latex = r"\int_0^1 x^{37} \, dx"
    first = typeset_svg(latex, False, "#123456", 15.0)
    before = cache_info()
    second = typeset_svg(latex, False, "#123456", 15.0)
    after = cache_info()
    assert second is first
    assert after.hits == before.hits + 1 and after.misses == before.misses


@pytest.mark.parametrize("latex", [
    r"\frac{a}{", r"x^{", "", "   ", r"\notacommand{x} + 1", r"\begin{foo} x \end{foo}",
    "x" * 5000, "{" * 3000,
])
def test_what_cannot_be_typeset_gives_none(latex: str) -> None:
    assert typeset_svg(latex, False, "#000000", 16.0) is None


@pytest.mark.parametrize(("colour", "size"), [("red", 16.0), ("#12345", 16.0),
                                              ('#000000" onload="x', 16.0),
                                              ("#000000", 0.0), ("#000000", 1e9)])
def test_a_bad_colour_or_size_is_the_callers_mistake(colour: str, size: float) -> None:
    with pytest.raises(ValueError):
        typeset_svg("x", False, colour, size)


def test_svg_output_puts_inline_svg_on_the_baseline() -> None:
    rendered = render_markdown(r"Roots: \(" + QUADRATIC + r"\) and more.",
                               math=MathOptions("#000000", 16.0))
    assert rendered.math == ()
    match = re.search(r'<svg class="math math-inline"[^>]*style="vertical-align:(-[\d.]+)px;"',
                      rendered.html)
    assert match is not None
    math = typeset_svg(QUADRATIC, False, "#000000", 16.0)
    assert math is not None
    assert float(match.group(1)) == pytest.approx(-math.depth, abs=0.01)
    assert 'aria-label="\\(' + QUADRATIC.replace("\\", "\\") + '\\)"' in rendered.html


def test_svg_output_display_math_is_a_centred_block() -> None:
    rendered = render_markdown("Sum:\n\n$$\n\\sum_{i=1}^n i = \\frac{n(n+1)}{2}\n$$\n",
                               math=MathOptions("#000000", 16.0))
    assert '<div class="math-display" style="text-align:center;"><svg class="math math-display"' \
        in rendered.html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_svg_output_has_only_drawing_elements() -> None:
    text = r"$\href{javascript:alert(1)}{x}$ and $\int_0^\infty e^{-x^2}\,dx$ and $\text{<b>}$"
    parser = _Tags()
    parser.feed(render_markdown(text, math=MathOptions("#000000", 16.0)).html)
    names = {tag for tag, _ in parser.tags}
    assert names <= {"p", "svg", "path", "rect", "g", "line", "polyline", "polygon", "code"}
    for _, attrs in parser.tags:
        assert not any(name.startswith("on") or "href" in name for name in attrs)


def test_image_output_lists_the_images_it_names() -> None:
    rendered = render_markdown(r"Inline \(a^2+b^2=c^2\) then" "\n\n" r"\[ e^{i\pi}+1=0 \]",
                               math=MathOptions("#000000", 16.0, "image", 7.0))
    names = re.findall(r'<img src="([^"]+)"', rendered.html)
    assert names == [image.name for image in rendered.math]
    assert all(name.startswith(IMAGE_SCHEME + ":") for name in names)
    inline, display = rendered.math
    assert inline.source == r"\(a^2+b^2=c^2\)" and display.source == r"\[ e^{i\pi}+1=0 \]"
    assert 'style="vertical-align:middle;"' in rendered.html
    assert '<p align="center"><img' in rendered.html
    # Padded so that the image's centre is a quarter x-height above the math's baseline.
    centre_above_baseline = inline.math.ascent + inline.pad_top - inline.height / 2
    assert centre_above_baseline == pytest.approx(7.0 / 4)
    assert display.pad_top == display.pad_bottom < 0.5  # only rounding to whole pixels


def test_without_math_options_math_is_its_source_in_code_style() -> None:
    rendered = render_markdown(r"\(x = \frac{-b}{2a}\)")
    assert rendered.html == (
        '<p><code style="background-color:#e6e9ed;">\\(x = \\frac{-b}{2a}\\)</code></p>')


def test_untypesettable_math_falls_back_to_its_source() -> None:
    rendered = render_markdown(r"see \(\frac{a}{\) here", math=MathOptions("#000000", 16.0))
    assert '<code style="background-color:#e6e9ed;">\\(\\frac{a}{\\)</code>' in rendered.html


def test_only_cached_lists_what_is_not_typeset_yet_and_typesets_nothing() -> None:
    latex = r"\oint_C \mathbf{F} \cdot d\mathbf{r} = 0"
    options = MathOptions("#0a0b0c", 17.0, "image", 8.0, only_cached=True)
    before = cache_info()
    first = render_markdown(rf"Work: \({latex}\).", math=options)
    assert cache_info().misses == before.misses
    assert first.math == ()
    assert [request.latex for request in first.pending] == [latex]
    assert "<code" in first.html
    assert typeset(first.pending[0]) is not None
    second = render_markdown(rf"Work: \({latex}\).", math=options)
    assert second.pending == () and len(second.math) == 1
    assert "<img" in second.html and "<code" not in second.html


def test_only_cached_knows_what_cannot_be_typeset_once_tried() -> None:
    options = MathOptions("#0a0b0c", 17.0, "image", 8.0, only_cached=True)
    first = render_markdown(r"\(\frac{1}{\)", math=options)
    assert len(first.pending) == 1
    assert typeset(first.pending[0]) is None
    assert render_markdown(r"\(\frac{1}{\)", math=options).pending == ()


def test_a_minus_that_starts_a_term_is_a_sign_not_a_subtraction() -> None:
    def width(latex: str) -> float:
        math = typeset_svg(latex, False, "#000000", 20.0)
        assert math is not None
        return math.width

    assert width("b = -3") == pytest.approx(width("b = {-}3"))
    assert width(r"\begin{pmatrix} -1 \end{pmatrix}") == pytest.approx(
        width(r"\begin{pmatrix} {-}1 \end{pmatrix}"))
    assert width("a - b") > width("a {-} b")  # between terms it stays binary


def test_current_colour_lets_an_exported_page_choose_the_colour() -> None:
    math = typeset_svg(r"\sqrt{currentColor_7}", False, "currentColor", 16.0)
    assert math is not None
    assert 'fill="currentColor"' in math.svg and "#000000" not in math.svg
