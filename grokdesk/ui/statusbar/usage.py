"""What the open chat has cost so far, in tokens and money."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QWidget

from grokdesk.money import format_usd

if TYPE_CHECKING:
    from grokdesk.chat.changes import Totals


def usage_text(totals: Totals) -> str:
    """"1,234 tokens · $0.0012"; empty while nothing was counted."""
    if not totals.tokens and totals.cost_usd is None:
        return ""
    text = f"{totals.tokens:,} tokens"
    if totals.cost_usd is not None:
        text += f" · {format_usd(totals.cost_usd)}"
    return text


class UsageLabel(QLabel):
    """The open chat's totals, as the core's changes report them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usageLabel")
        self.setToolTip("Tokens and cost of this conversation so far")

    def show_totals(self, totals: Totals) -> None:
        self.setText(usage_text(totals))
