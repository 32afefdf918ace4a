"""What an exported HTML page may contain, checked with the standard library's HTML parser.

Allow-lists, so anything unexpected fails: the tags the page writer uses, attributes that
cannot run or load anything, links only to http/https/mailto, ``style`` attributes only
for math's ``vertical-align``, and a stylesheet without ``url(`` or ``@import``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

PAGE_TAGS = frozenset({
    "html", "head", "meta", "title", "style", "body", "header", "main", "div", "p", "span",
    "a", "code", "pre", "em", "strong", "s", "del", "br", "hr", "blockquote", "ul", "ol",
    "li", "table", "thead", "tbody", "tr", "th", "td", "h1", "h2", "h3", "h4", "h5", "h6",
    "details", "summary", "time", "sub", "sup"})
SVG_TAGS = frozenset({"svg", "g", "path", "rect", "line", "polyline", "polygon", "circle",
                      "ellipse", "title", "desc"})
ATTRIBUTES = frozenset({"class", "href", "rel", "start", "datetime", "lang", "charset", "name",
                        "content", "http-equiv", "role", "aria-label", "style"})
SVG_ATTRIBUTES = frozenset({"d", "width", "height", "viewbox", "fill", "stroke",
                            "stroke-width", "transform", "x", "y", "x1", "y1", "x2", "y2",
                            "points", "fill-rule", "opacity"})
SAFE_LINK = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
MATH_STYLE = re.compile(r"vertical-align:-?[0-9]+(?:\.[0-9]+)?px")
LOADING_CSS = re.compile(r"url\s*\(|@import|expression\s*\(|@font-face", re.IGNORECASE)


@dataclass
class Page:
    """What the checks found: links, math labels, text of the stylesheet, problems."""

    problems: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    math: list[str] = field(default_factory=list)
    """The ``aria-label`` (LaTeX source) of every ``<svg>``."""
    math_classes: list[str] = field(default_factory=list)
    """Tag names of every element with a ``math`` class."""
    css: str = ""
    text: str = ""
    """Every text of the page but its stylesheet (attributes left out)."""
    tags: list[str] = field(default_factory=list)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.open: list[str] = []

    def problem(self, text: str) -> None:
        self.page.problems.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        page = self.page
        page.tags.append(tag)
        in_svg = "svg" in self.open or tag == "svg"
        if tag not in (SVG_TAGS if in_svg else PAGE_TAGS):
            self.problem(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            allowed = ATTRIBUTES | SVG_ATTRIBUTES if in_svg else ATTRIBUTES
            if name not in allowed:
                self.problem(f"attribute {name}= on <{tag}>")
            if LOADING_CSS.search(value):
                self.problem(f"{name}={value!r} on <{tag}>")
            if "://" in value and name not in ("href", "aria-label"):
                self.problem(f"an address in {name}={value!r} on <{tag}>")
            if name == "href":
                if tag != "a" or not SAFE_LINK.match(value):
                    self.problem(f"link {value!r} on <{tag}>")
                page.links.append(value)
            if name == "style" and not (tag == "svg" and MATH_STYLE.fullmatch(value)):
                self.problem(f"style {value!r} on <{tag}>")
            if name == "http-equiv" and value.lower() != "content-security-policy":
                self.problem(f"http-equiv {value!r}")
            if name == "class" and "math" in value.split():
                page.math_classes.append(tag)
        if tag == "svg":
            page.math.append(dict(attrs).get("aria-label") or "")
        if tag not in ("meta", "br", "hr"):
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "style":
            self.page.css += data
        else:
            self.page.text += data

    def handle_pi(self, data: str) -> None:
        self.problem(f"processing instruction {data!r}")

    def handle_comment(self, data: str) -> None:
        self.problem(f"comment {data!r}")


def check_page(text: str) -> Page:
    """Parse a page; ``problems`` lists everything that could run, load or mislead."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    page = checker.page
    if LOADING_CSS.search(page.css) or "://" in page.css:
        page.problems.append("the stylesheet loads or names something")
    if page.tags.count("style") != 1:
        page.problems.append("expected exactly one <style>")
    return page
