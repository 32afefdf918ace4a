"""One conversation as a page: a standalone HTML file, or the HTML Qt prints to PDF.

Both come from the same body: each message rendered by the window's Markdown renderer
and remade by :mod:`grokdesk.export.page.clean`. The HTML file carries its stylesheet
and its math inline and loads nothing (a Content-Security-Policy says so to browsers
too); the print variant names its math as images (:class:`PrintPage`), folds reasoning
open (paper has no ``<details>``) and separates messages with rules.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import tzinfo

from grokdesk import __version__
from grokdesk.export.page import facts
from grokdesk.export.page.clean import clean
from grokdesk.export.page.style import page_css, print_css
from grokdesk.export.records import ConversationRecord
from grokdesk.render import Rendered, plain_text_to_html, render_markdown
from grokdesk.render.math import MathImage, MathOptions
from grokdesk.storage.models import Message

CONTENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
"""Nothing may load, nothing may run: only the page's own stylesheet applies."""

PAGE_MATH = MathOptions(colour="currentColor", size_px=16.0)
"""Math for the HTML page: SVG at the body's 16 px, filled with the text's colour."""
PRINT_MATH = MathOptions(colour="#000000", size_px=14.0, output="image", x_height_px=7.6)
"""Math for paper: black images at the print's 10.5 pt (DejaVu Sans' x-height there)."""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass(frozen=True, slots=True)
class PrintPage:
    """What Qt needs to print a conversation: HTML, a stylesheet, math as named SVG images."""

    title: str
    html: str
    stylesheet: str
    images: tuple[MathImage, ...]
    """The typeset math; the HTML shows each as an ``<img>`` with the image's name."""


class _Body:
    def __init__(self, record: ConversationRecord, *, include_reasoning: bool,
                 tz: tzinfo | None, images: dict[str, MathImage] | None) -> None:
        self.record = record
        self.include_reasoning = include_reasoning
        self.tz = tz
        self.images = images

    @property
    def printing(self) -> bool:
        return self.images is not None

    def title(self) -> str:
        return facts.one_line(self.record.conversation.title) or "Untitled"

    def header(self) -> str:
        conversation = self.record.conversation
        count = len(self.record.path())
        about = [f"{count:,} {'message' if count == 1 else 'messages'}",
                 f"started {facts.shown_time(conversation.created_at, self.tz)}"]
        model = conversation.settings.model
        if model:
            about.insert(1, facts.one_line(model))
        return (f'<h1 class="title">{_esc(self.title())}</h1>\n'
                f'<p class="about">{_esc(" · ".join(about))}</p>\n')

    def reasoning(self, message: Message) -> str:
        text = clean(_plain_rendered(message.reasoning), self.images)
        title = _esc(facts.reasoning_title(message))
        if self.printing:
            return (f'<p class="reasoning-head">{title}</p>\n'
                    f'<div class="reasoning-text">{text}</div>\n')
        return (f'<details class="reasoning"><summary>{title}</summary>\n'
                f'<div class="reasoning-text">{text}</div></details>\n')

    def message(self, message: Message) -> str:
        role = message.role
        label = facts.ROLE_LABELS.get(role, role)
        moment = message.created_at
        when = (f'<time class="role-time" datetime="{facts.iso_time(moment, self.tz)}">'
                f"{_esc(facts.shown_time(moment, self.tz))}</time>")
        parts = [f'<div class="message {_esc(role)}">\n',
                 f'<h2 class="role">{_esc(label)} · {when}</h2>\n']
        if self.include_reasoning and message.reasoning:
            parts.append(self.reasoning(message))
        if message.content:
            math = PAGE_MATH if self.images is None else PRINT_MATH
            text = clean(render_markdown(message.content, math=math), self.images)
            parts.append(f'<div class="text">{text}</div>\n')
        status = facts.status_text(message)
        if status:
            parts.append(f'<p class="status">{_esc(status)}</p>\n')
        small = facts.small_print(message) if role == "assistant" else ""
        if small:
            parts.append(f'<p class="small-print">{_esc(small)}</p>\n')
        parts.append("</div>\n")
        return "".join(parts)

    def messages(self) -> str:
        separator = "<hr>\n" if self.printing else ""
        return separator.join(self.message(m) for m in self.record.path())


def _plain_rendered(text: str) -> Rendered:
    """Reasoning as the window shows it: plain text that keeps its line breaks."""
    return Rendered(plain_text_to_html(text), [])


def to_html(record: ConversationRecord, *, include_reasoning: bool = False,
            tz: tzinfo | None = None) -> str:
    """One conversation as a standalone HTML file; ``tz`` is the zone for times (local)."""
    body = _Body(record, include_reasoning=include_reasoning, tz=tz, images=None)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f'<meta name="generator" content="grokdesk {_esc(__version__)}">\n'
        f"<title>{_esc(body.title())}</title>\n"
        f"<style>\n{page_css()}</style>\n</head>\n<body>\n"
        f"<header>\n{body.header()}</header>\n<main>\n{body.messages()}</main>\n"
        "</body>\n</html>\n"
    )


def to_print_page(record: ConversationRecord, *, include_reasoning: bool = False,
                  tz: tzinfo | None = None) -> PrintPage:
    """One conversation for Qt to print (see :mod:`grokdesk.printing`)."""
    images: dict[str, MathImage] = {}
    body = _Body(record, include_reasoning=include_reasoning, tz=tz, images=images)
    markup = f"<html><body>\n{body.header()}{body.messages()}</body></html>"
    return PrintPage(body.title(), markup, print_css(), tuple(images.values()))
