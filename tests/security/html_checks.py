"""What rendered model output may contain, checked on the HTML itself (Qt-free, so the
fuzz tests can use it too)."""

from __future__ import annotations

from html.parser import HTMLParser

from grokdesk.render import COPY_SCHEME

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ALLOWED_TAGS = frozenset({
    "p", "span", "a", "code", "pre", "em", "strong", "s", "del", "br", "hr", "blockquote",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "h1", "h2", "h3", "h4", "h5", "h6"})
ALLOWED_ATTRIBUTES = frozenset({"style", "href", "align", "border", "cellspacing",
                                "cellpadding", "bgcolor", "start"})
SAFE_SCHEMES = ("http:", "https:", "mailto:", f"{COPY_SCHEME}:")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def check_html(html: str) -> None:
    """Only our own tags and attributes, links only to safe schemes, no CSS ``url()`` and
    no bidi controls: nothing a QTextDocument could load or a reader be misled by."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES, (tag, name)
            if name == "href":
                assert value is not None and value.lower().startswith(SAFE_SCHEMES), value
            if name == "style":
                assert value is not None and "url(" not in value.lower(), value
    assert not BIDI_CONTROLS & set(html)
