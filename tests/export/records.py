"""Conversations for the HTML and PDF export tests: plain, with math, and hostile."""

from __future__ import annotations

from grokdesk.export.records import ConversationRecord
from grokdesk.storage.models import Conversation, ConversationSettings, Message

T0 = 1_735_812_000.0  # 2025-01-02 10:00 UTC

INLINE_MATH = [r"\(x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}\)", r"$e^{i\pi} + 1 = 0$",
               r"\(\sum_{k=1}^{n} k = \frac{n(n+1)}{2}\)"]
DISPLAY_MATH = [r"$$\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}$$",
                r"\[\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}\]",
                "$$\\begin{aligned} a &= b + c \\\\ d &= e \\end{aligned}$$"]
UNTYPESETTABLE = r"\(\notacommand{x}\)"

MATH_ANSWER = (
    f"The roots are {INLINE_MATH[0]}, Euler says {INLINE_MATH[1]} and "
    f"{INLINE_MATH[2]}.\n\n{DISPLAY_MATH[0]}\n\n{DISPLAY_MATH[1]}\n\n{DISPLAY_MATH[2]}\n\n"
    "It costs $5 and $10, not math. In code, `\\(x\\)` and\n\n```latex\n$\\frac{a}{b}$\n```\n\n"
    f"stay as written; {UNTYPESETTABLE} shows as its source."
)


def message(n: int, role: str, content: str, **fields: object) -> Message:
    return Message(id=0, uuid=f"00000000-0000-4000-8000-{n:012d}", conversation_id=0,
                   role=role, content=content, created_at=T0 + 60 * n,  # type: ignore[arg-type]
                   updated_at=T0 + 60 * n, **fields)  # type: ignore[arg-type]


def conversation(title: str, *messages: Message, model: str | None = "grok-3-mini"
                 ) -> ConversationRecord:
    record = Conversation(id=0, uuid="c0000000-0000-4000-8000-000000000001", title=title,
                          created_at=T0, updated_at=T0 + 3600,
                          settings=ConversationSettings(provider="xai", model=model))
    return ConversationRecord(record, messages)


ANSWER_FACTS: dict[str, object] = {
    "model": "grok-3-mini", "reasoning_effort": "high", "prompt_tokens": 1200,
    "completion_tokens": 340, "reasoning_tokens": 210, "total_tokens": 1540,
    "cost_usd": 0.000412, "finished_at": T0 + 60 + 12.4, "reasoning_started_at": T0 + 61,
    "content_started_at": T0 + 65,
}

PLAIN = conversation(
    "Sorting in Python",
    message(0, "user", "How do I sort a list of dicts by a key?"),
    message(1, "assistant",
            "Use `sorted` with a key function:\n\n```python\nrows = sorted(rows, key=lambda r: "
            "r[\"age\"])\n```\n\n| name | age |\n|:--|--:|\n| Ada | 36 |\n\n"
            "See [the docs](https://docs.python.org/3/howto/sorting.html).",
            reasoning="The user wants sorted() with key=...\nKeep it short.", **ANSWER_FACTS),
)

MATH = conversation(
    "Quadratic roots",
    message(0, "user", "Solve $ax^2 + bx + c = 0$ please"),
    message(1, "assistant", MATH_ANSWER, **ANSWER_FACTS),
)

STATUSES = conversation(
    "Interrupted and failed answers",
    message(0, "system", "You are terse."),
    message(1, "user", "Is 91 prime?"),
    message(2, "assistant", "No: 91 = 7 × 13.", model="grok-3-mini", status="interrupted",
            error="The answer was cut off: the connection ended early"),
    message(3, "user", "Again?"),
    message(4, "assistant", "", model="grok-3-mini", status="error",
            error="Rate limited (HTTP 429) <b>retry</b>"),
)

HOSTILE_ANSWER = "\n\n".join([
    "<script>alert(1)</script> and <img src=x onerror=alert(1)>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">raw anchor</a>",
    "[js](javascript:alert(1)) [js2](JaVaScRiPt:alert(1)) [tab](java\tscript:alert(1)) "
    "[data](data:text/html;base64,PHNjcmlwdD4=) [file](file:///etc/passwd) [rel](../x.html) "
    "[vb](vbscript:msgbox)",
    "![pixel](https://tracker.example/p.png) ![local](/etc/passwd)",
    "<style>body { background: url(https://evil.example/x) }</style>",
    "</style></title><script>alert(2)</script>",
    "<svg onload=alert(3)><image href=\"https://evil.example/i\"/></svg>",
    "<iframe src=\"https://evil.example\"></iframe><object data=x></object>",
    "```css\" onmouseover=\"alert(4)\nbody { background: url(https://evil.example/y) }\n```",
    "```html\n<script>alert(5)</script>\n```",
    r"Math that tries: \(\href{javascript:alert(6)}{x}\) and \(\url{https://evil.example}\) "
    r"and \(\text{<script>alert(7)</script>}\)",
    "<https://ok.example/auto> [fine](https://ok.example/a?b=1&c=2) [mail](mailto:a@b.example)",
    "bidi \u202eevil\u202c and `code\u202e` and zero\u200bwidth",
])

HOSTILE = conversation(
    "</title><script>alert('title')</script> \u202eevil",
    message(0, "user", "<script>alert('user')</script>"),
    message(1, "assistant", HOSTILE_ANSWER, model="<script>alert('model')</script>",
            reasoning="<details><summary>x</summary><script>alert(8)</script></details>",
            error=None),
    model="<b>model</b>",
)
