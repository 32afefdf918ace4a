"""Untrusted Markdown to HTML that Qt's QTextDocument displays well and that loads nothing.

Model output is untrusted, so:

* raw HTML is disabled in markdown-it: tags in the text are shown as text;
* a link keeps its ``href`` only for ``http:``, ``https:`` and ``mailto:`` (see :func:`safe_href`);
  any other target (``javascript:``, ``data:``, ``file:``, relative, ...) shows as its label only;
* images never become ``<img>``: they show as ``[image: alt]`` followed by the address as text;
* every tag and attribute in the output is ours; all model text is escaped.

Invisible characters. Bidi embedding, override and isolate controls (U+202A-U+202E,
U+2066-U+2069) are stripped from prose: there they only serve to make the reader see text in an
order other than the stored one. Inside code (blocks and inline spans) they, and other invisible
characters (control characters, zero-width space, word joiner, BOM, LRM/RLM/ALM, line and
paragraph separators, tag characters), are replaced by visible ``<U+XXXX>`` markers instead,
because code gets copied and run ("Trojan Source"); the command line shows text the same way
(:mod:`grokdesk.visible`). :attr:`Rendered.code_blocks` keeps the exact text, so the markers show
what the Copy button will copy. ZWJ and ZWNJ are left alone: emoji and many scripts need them.

Long unbroken runs (base64, minified code, long URLs) get a marked zero-width space every
:data:`~grokdesk.render.fold.FOLD_WIDTH` characters (see :mod:`grokdesk.render.fold`), in
prose, code, table cells and reasoning alike: Qt needs seconds to lay out a long run
without one. :attr:`Rendered.code_blocks` keeps the text without them.

Reasoning text: show it live with :func:`plain_text_to_html` (cheap, no Markdown surprises while
half-written), and optionally render the finished reasoning with :func:`render_markdown`.

Streaming: :func:`split_stable_prefix` says how much of a growing message is made of finished
top-level blocks; render that part once and re-render only the tail on each tick, continuing the
copy-button numbering with ``first_code_index``. Render the whole message once when it finishes:
link reference definitions (``[x]: url``) may appear after their use.

Pygments is imported only when a fenced block names a language, and markdown-it only on the
first render: both cost startup time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from grokdesk.render.fold import fold_html
from grokdesk.render.math.html import MathImage, MathOptions, image_html, math_image, svg_html
from grokdesk.render.math.syntax import source_of, use_math
from grokdesk.render.math.typeset import MathRequest, cached, math_request, typeset
from grokdesk.render.rendered import COPY_SCHEME, Rendered
from grokdesk.visible import mark_invisible, marker

if TYPE_CHECKING:
    from collections.abc import Callable

    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

MAX_NESTING = 20
"""markdown-it's CommonMark limit on nested blocks; deeper blocks are shown as plain text."""

# Bigger tables are shown as their Markdown source: QTextDocument takes seconds to lay them out.
MAX_TABLE_COLUMNS = 64
MAX_TABLE_CELLS = 10_000
MAX_MESSAGE_TABLE_CELLS = 10_000
"""Table cells one message may show as tables, all tables together; the tables that come
after the budget is spent are shown as their source. A streamed answer spends one budget
over its chunks (see ``table_cell_budget`` in :func:`render_markdown`)."""

LINK_SCAN_BUDGET = 100_000
"""Steps markdown-it may spend looking for the ends of link labels in one message.

Unclosed ``[`` make it rescan to the end of the paragraph, so a line of 100,000 ``[`` would take
seconds; past the budget, remaining brackets are plain text. Real links use a few steps each.
"""

_ENV_KEY = "grokdesk"
_MAX_SHOWN_URL = 200
_MAX_LANG_LABEL = 32
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_JUNK_RE = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_NEWLINE_RE = re.compile(r"\r\n?|\n")
_BIDI_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
_DEEP_CONTAINERS = frozenset({"blockquote_open", "list_item_open"})
_ALIGNS = frozenset({"left", "center", "right"})


@dataclass(frozen=True, slots=True)
class Theme:
    """Colours for one look; the view's own palette supplies the ordinary text and background."""

    pygments_style: str
    code_bg: str
    code_fg: str
    inline_code_bg: str
    muted: str
    border: str
    header_bg: str
    marker: str
    link: str


# code_bg/code_fg match the Pygments styles, so plain blocks look like highlighted ones without
# importing Pygments; a test keeps them in step. Links get an explicit colour because Qt takes
# theirs from the application palette when parsing, not from the view that shows them.
LIGHT = Theme(
    pygments_style="friendly",
    code_bg="#f0f0f0",
    code_fg="#1f2328",
    inline_code_bg="#e6e9ed",
    muted="#59636e",
    border="#afb8c1",
    header_bg="#eaeef2",
    marker="#cf222e",
    link="#0969da",
)
DARK = Theme(
    pygments_style="github-dark",
    code_bg="#0d1117",
    code_fg="#e6edf3",
    inline_code_bg="#343a42",
    muted="#9198a1",
    border="#4a525c",
    header_bg="#262c36",
    marker="#ff7b72",
    link="#4493f8",
)


@dataclass(slots=True)
class _RenderState:
    """Per-render data kept in markdown-it's ``env``, so one parser serves every render."""

    theme: Theme
    first_code_index: int
    code_blocks: list[str] = field(default_factory=list)
    links: list[bool] = field(default_factory=list)
    link_scan_budget: int = LINK_SCAN_BUDGET
    math: MathOptions | None = None
    math_images: list[MathImage] = field(default_factory=list)
    math_pending: list[MathRequest] = field(default_factory=list)
    math_shown: bool = False
    growing: bool = False


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _state(env: EnvType) -> _RenderState:
    return cast(_RenderState, env[_ENV_KEY])


def _normalize(text: str) -> str:
    """markdown-it's own input normalisation, so our line numbers match its token maps."""
    return _NEWLINE_RE.sub("\n", text).replace("\0", "\ufffd")


def _mark_invisible(escaped: str, theme: Theme) -> str:
    return mark_invisible(
        escaped, lambda char: f'<span style="color:{theme.marker};">{_esc(marker(char))}</span>')


def _plain_paragraph(text: str) -> str:
    return f'<p style="white-space:pre-wrap;">{_esc(text)}</p>\n'


def safe_href(url: str) -> str | None:
    """The URL to use as a link target, or None when it must not be clickable.

    Only http, https and mailto are allowed (case-insensitive), after removing the ASCII
    whitespace and control characters that browsers ignore inside a scheme (``java\\tscript:``).
    Scheme-less URLs are refused too: relative to what would be unclear.
    """
    cleaned = _URL_JUNK_RE.sub("", url)
    match = _SCHEME_RE.match(cleaned)
    if match is None or match.group(1).lower() not in _SAFE_SCHEMES:
        return None
    return cleaned


def plain_text_to_html(text: str) -> str:
    """Escaped text in a paragraph that keeps line breaks and runs of spaces (for reasoning).

    Bidi controls are stripped, as in rendered Markdown prose; long runs are folded.
    """
    if not text:
        return ""
    return fold_html(_plain_paragraph(_BIDI_CONTROLS_RE.sub("", _normalize(text))).rstrip("\n"))


def _inline_text(tokens: Sequence[Token] | None) -> str:
    """Text of inline tokens without markup, as CommonMark asks for image alt text."""
    parts: list[str] = []
    for token in tokens or ():
        if token.type in ("text", "code_inline", "html_inline"):
            parts.append(token.content)
        elif token.type == "image":
            parts.append(_inline_text(token.children))
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _code_html(code: str, lang: str, state: _RenderState) -> str:
    """A Copy link line and a ``<pre>``; the copy text is the block without its final newline."""
    theme = state.theme
    index = state.first_code_index + len(state.code_blocks)
    body = code.removesuffix("\n")
    state.code_blocks.append(body)
    spans: str | None = None
    if lang:
        from grokdesk.render.highlight import highlight_code, highlight_growing

        highlighted = highlight_growing if state.growing else highlight_code
        spans = highlighted(body, lang, theme.pygments_style)
    inner = _mark_invisible(_esc(body) if spans is None else spans, theme)
    label = ""
    if lang:
        shown_lang = _esc(lang[:_MAX_LANG_LABEL])
        label = f'<span style="color:{theme.muted};">{shown_lang}</span>&nbsp;&nbsp;'
    return (
        f'<p align="right" style="margin-top:8px; margin-bottom:0px;">{label}'
        f'<a href="{COPY_SCHEME}:{index}" style="color:{theme.link};">Copy</a></p>\n'
        f'<pre style="background-color:{theme.code_bg}; color:{theme.code_fg}; '
        f'white-space:pre-wrap; margin-top:2px;">{inner}</pre>\n'
    )


# Render rules. markdown-it binds each to its renderer, hence the unused ``self``.


def _rule_text(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _esc(tokens[idx].content)


def _rule_html_block(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Raw HTML is disabled in the parser; should a token appear anyway, it stays text."""
    return _plain_paragraph(tokens[idx].content)


def _rule_code_inline(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    theme = _state(env).theme
    code = _mark_invisible(_esc(tokens[idx].content), theme)
    return f'<code style="background-color:{theme.inline_code_bg};">{code}</code>'


def _rule_fence(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    words = token.info.split(maxsplit=1)
    return _code_html(token.content, words[0] if words else "", _state(env))


def _rule_code_block(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _code_html(tokens[idx].content, "", _state(env))


def _rule_link_open(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    href = tokens[idx].attrGet("href")
    target = safe_href(href) if isinstance(href, str) else None
    state = _state(env)
    state.links.append(target is not None)
    if target is None:
        return ""
    return f'<a href="{_esc(target)}" style="color:{state.theme.link};">'


def _rule_link_close(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    links = _state(env).links
    return "</a>" if links and links.pop() else ""


def _rule_image(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    theme = _state(env).theme
    alt = _inline_text(token.children).strip()
    src = token.attrGet("src")
    url = src if isinstance(src, str) else ""
    if len(url) > _MAX_SHOWN_URL:
        url = url[:_MAX_SHOWN_URL] + "…"
    label = f"[image: {alt}]" if alt else "[image]"
    shown = f'<span style="color:{theme.muted};">{_esc(label)}</span>'
    return f"{shown} {_esc(url)}" if url else shown


def _rule_table_open(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    theme = _state(env).theme
    return (
        f'<table border="1" cellspacing="0" cellpadding="5" style="border-collapse:collapse; '
        f'border-color:{theme.border}; margin-top:6px; margin-bottom:6px;">\n'
    )


def _rule_cell_open(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Alignment as an attribute (Qt ignores it as CSS on cells); headers get a background."""
    token = tokens[idx]
    style = token.attrGet("style")
    align = "left"
    if isinstance(style, str) and style.startswith("text-align:"):
        value = style.removeprefix("text-align:")
        align = value if value in _ALIGNS else align
    if token.tag == "th":
        return f'<th align="{align}" bgcolor="{_state(env).theme.header_bg}">'
    return f'<td align="{align}">'


def _rule_blockquote_open(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Narrow indent (Qt's default is 40px each side) so nested quotes stay readable."""
    theme = _state(env).theme
    return f'<blockquote style="margin-left:18px; margin-right:0px; color:{theme.muted};">\n'


def _rule_math(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Typeset math, or its source in code style when it cannot be (or no ``math`` option)."""
    token = tokens[idx]
    state = _state(env)
    block = token.type == "math_block"
    source = source_of(token)
    style = state.math
    if not token.content.strip():
        return _plain_paragraph(source) if block else _esc(source)
    state.math_shown = True
    if style is None:
        return _math_source_html(source, block, state.theme)
    request = math_request(token.content, token.type != "math_inline", style.colour,
                           style.size_px)
    if style.only_cached:
        known, result = cached(request)
        if not known:
            state.math_pending.append(request)
    else:
        result = typeset(request)
    if result is None:
        return _math_source_html(source, block, state.theme)
    if style.output == "svg":
        return svg_html(result, source, block=block)
    image = math_image(result, source, style.x_height_px, block=block)
    state.math_images.append(image)
    return image_html(image, block=block)


def _math_source_html(source: str, block: bool, theme: Theme) -> str:
    code = _mark_invisible(_esc(source), theme)
    if block:
        return (f'<pre style="background-color:{theme.code_bg}; color:{theme.code_fg}; '
                f'white-space:pre-wrap;">{code}</pre>\n')
    return f'<code style="background-color:{theme.inline_code_bg};">{code}</code>'


def _rule_raw(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _plain_paragraph(tokens[idx].content)


_RULES: dict[str, Callable[..., str]] = {
    "text": _rule_text,
    "html_block": _rule_html_block,
    "html_inline": _rule_text,
    "code_inline": _rule_code_inline,
    "fence": _rule_fence,
    "code_block": _rule_code_block,
    "link_open": _rule_link_open,
    "link_close": _rule_link_close,
    "image": _rule_image,
    "table_open": _rule_table_open,
    "th_open": _rule_cell_open,
    "td_open": _rule_cell_open,
    "blockquote_open": _rule_blockquote_open,
    "grokdesk_raw": _rule_raw,
    "math_inline": _rule_math,
    "math_inline_double": _rule_math,
    "math_block": _rule_math,
}

_OPTIONS: dict[str, Any] = {"html": False, "maxNesting": MAX_NESTING}


@cache
def _markdown_it() -> MarkdownIt:
    """The one renderer instance; built on first use, as importing markdown-it takes a while."""
    from markdown_it import MarkdownIt
    from markdown_it.parser_inline import ParserInline
    from markdown_it.rules_inline import StateInline

    class _BudgetedInline(ParserInline):
        """Stops link-label scanning once the message's budget is spent (see LINK_SCAN_BUDGET)."""

        def skipToken(self, state: StateInline) -> None:
            render_state = state.env.get(_ENV_KEY)
            if isinstance(render_state, _RenderState):
                render_state.link_scan_budget -= 1
                if render_state.link_scan_budget < 0:
                    state.pos = state.posMax
                    return
            super().skipToken(state)

    md = MarkdownIt("commonmark", _OPTIONS)
    md.inline = _BudgetedInline()
    md.configure("commonmark", _OPTIONS).enable(["table", "strikethrough"])
    use_math(md)
    for name, rule in _RULES.items():
        md.add_render_rule(name, rule)
    return md


@cache
def _block_parser() -> MarkdownIt:
    """Block structure only (no inline parsing), for :func:`split_stable_prefix`."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", _OPTIONS).enable(["table", "strikethrough"])
    use_math(md, inline=False)
    return md.disable(["inline", "text_join"])


def _unwieldy(tokens: Sequence[Token]) -> bool:
    """Whether tokens hold a block past the nesting limit or a table Qt would lay out slowly."""
    columns = cells = 0
    for token in tokens:
        if token.type in _DEEP_CONTAINERS and token.level >= MAX_NESTING - 1:
            return True
        if token.type == "table_open":
            columns = cells = 0
        elif token.type == "th_open":
            columns += 1
            cells += 1
        elif token.type == "td_open":
            cells += 1
        if columns > MAX_TABLE_COLUMNS or cells > MAX_TABLE_CELLS:
            return True
    return False


def _cells(tokens: Sequence[Token]) -> int:
    return sum(1 for token in tokens if token.type in ("th_open", "td_open"))


def _flatten_unwieldy(tokens: list[Token], src: str, budget: int) -> tuple[list[Token], int]:
    """Replace each unwieldy top-level block (see :func:`_unwieldy`), and each one whose tables
    would take the cells shown past ``budget``, by its source as plain text; also return the
    cells left shown.

    markdown-it silently drops what lies deeper than ``maxNesting``, and QTextDocument takes
    seconds to lay out a table of thousands of columns, or many tables of thousands of cells;
    the block's source keeps every character visible at little cost.
    """
    total = _cells(tokens)
    if total <= budget and not _unwieldy(tokens):
        return tokens, total
    from markdown_it.token import Token

    lines = src.split("\n")
    out: list[Token] = []
    shown = 0
    i = 0
    while i < len(tokens):
        end = i
        depth: int = tokens[i].nesting
        while depth > 0 and end + 1 < len(tokens):
            end += 1
            depth += tokens[end].nesting
        block = tokens[i : end + 1]
        first = block[0]
        cells = _cells(block)
        if first.map is not None and (_unwieldy(block) or shown + cells > budget):
            raw = Token("grokdesk_raw", "", 0)
            raw.content = "\n".join(lines[first.map[0] : first.map[1]])
            out.append(raw)
        else:
            out.extend(block)
            shown += cells
        i = end + 1
    return out, shown


def render_markdown(
    text: str,
    *,
    dark: bool = False,
    first_code_index: int = 0,
    table_cell_budget: int = MAX_MESSAGE_TABLE_CELLS,
    math: MathOptions | None = None,
    growing: bool = False,
) -> Rendered:
    """Render untrusted Markdown for a QTextDocument (see the module docstring for the rules).

    ``first_code_index`` numbers this render's Copy links after those of an earlier render, for
    a message shown as a stable prefix plus a re-rendered tail; ``table_cell_budget`` is what
    the earlier renders left of :data:`MAX_MESSAGE_TABLE_CELLS` (their ``table_cells`` taken).
    ``math`` says how to typeset math (:class:`~grokdesk.render.math.MathOptions`: inline SVG
    for exports, images for the window); without it math shows as its source, in code style.
    ``growing``: the text is a streaming answer's unfinished end, rendered again at each
    redraw, so its code is highlighted in remembered pieces
    (:func:`~grokdesk.render.highlight.highlight_growing`).
    Blocks are separated by newlines and the HTML does not end with one (Qt would show a space
    there), so the whole message's HTML is the prefix's and the tail's joined by a newline.
    Never raises on any input.
    """
    state = _RenderState(DARK if dark else LIGHT, first_code_index, math=math, growing=growing)
    env: dict[str, Any] = {_ENV_KEY: state}
    src = _normalize(text)
    md = _markdown_it()
    try:
        tokens, cells = _flatten_unwieldy(md.parse(src, env), src, table_cell_budget)
        body: str = md.renderer.render(tokens, md.options, env)
    except RecursionError:
        return Rendered(plain_text_to_html(text), [])
    # No trailing newline: after the last block Qt would show it as a space.
    html = fold_html(_BIDI_CONTROLS_RE.sub("", body).rstrip("\n"))
    return Rendered(html, state.code_blocks, cells, tuple(state.math_images),
                    tuple(state.math_pending), state.math_shown)


def split_stable_prefix(text: str) -> int:
    """Index into ``text`` up to which it consists of finished top-level Markdown blocks.

    A top-level block is finished once a later complete line starts the next one. The split point
    is never inside a fence (open or closed, any length), list, quote, table or indented code, and
    it stays a block boundary however the text goes on: the unterminated last line is ignored, as
    a half-written line (a lone ``#``, three backticks) may yet turn out to be text. markdown-it
    parses the rest from there exactly as inside the whole text, so rendering ``text[:i]`` and
    then ``text[i:]`` gives what rendering ``text`` gives, unless a link reference definition
    (``[x]: url``) comes after its use. Returns 0 when nothing is finished yet; otherwise the
    index is at the start of a line. Costs one block-level parse: call it on the unfinished tail.
    """
    line_ends = [match.end() for match in _NEWLINE_RE.finditer(text)]
    if line_ends and text.endswith("\r"):
        line_ends.pop()  # may be the first half of "\r\n"
    if not line_ends:
        return 0
    tokens = _block_parser().parse(text[: line_ends[-1]])
    starts = [t.map[0] for t in tokens if t.level == 0 and t.nesting >= 0 and t.map is not None]
    if len(starts) < 2:
        return 0
    return line_ends[starts[-1] - 1]


def block_starts(text: str) -> list[int]:
    """Where each top-level block of ``text`` (finished blocks, as
    :func:`split_stable_prefix` cuts them) starts: indices at line starts, 0 first.

    For appending finished blocks one by one when some must wait (math being typeset).
    """
    line_starts = [0, *(match.end() for match in _NEWLINE_RE.finditer(text))]
    tokens = _block_parser().parse(text)
    starts = sorted({line_starts[t.map[0]] for t in tokens
                     if t.level == 0 and t.nesting >= 0 and t.map is not None
                     and t.map[0] < len(line_starts)})
    return [0, *(start for start in starts if start > 0)]


def ends_in_code(text: str) -> bool:
    """Whether the last top-level block of ``text`` is code (a fence, open or not, or an
    indented block): how to show the rest of its last line before it is rendered."""
    tokens = _block_parser().parse(_normalize(text))
    last = [t for t in tokens if t.level == 0 and t.nesting >= 0]
    return bool(last) and last[-1].type in ("fence", "code_block")
