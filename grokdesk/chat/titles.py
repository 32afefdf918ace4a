"""Local conversation titles, so the list reads well without asking the model."""

from __future__ import annotations

import re

MAX_TITLE = 60


def title_from_text(text: str) -> str:
    """A short title from the first meaningful line of the user's first message."""
    for line in text.splitlines():
        line = re.sub(r"^[#>*\-\s`]+", "", line).strip()
        line = re.sub(r"\s+", " ", line)
        if line:
            if len(line) <= MAX_TITLE:
                return line
            cut = line[:MAX_TITLE].rsplit(" ", 1)[0] or line[:MAX_TITLE]
            return cut.rstrip(" ,.;:") + "…"
    return "New chat"
