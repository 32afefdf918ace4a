"""The model field of the dialogs that choose one: the provider's list, or any name typed."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QWidget

from grokdesk.api.types import ModelInfo
from grokdesk.chat.models import context_label


def model_label(model: ModelInfo) -> str:
    """``id — Name · 131k tokens`` (the parts that are known)."""
    details = [part for part in (model.name if model.name != model.id else "",
                                 context_label(model)) if part]
    return f"{model.id} — {' · '.join(details)}" if details else model.id


class ModelBox(QComboBox):
    """An editable list of models: an entry shows its name and context length, and
    picking it puts its id in the box; a name that is not listed can be typed."""

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setEditText(current)
        self.textActivated.connect(self._chosen)

    def offer(self, models: Sequence[ModelInfo]) -> None:
        """List ``models``; what is typed in the box stays."""
        text = self.currentText()
        self.clear()
        for model in models:
            self.addItem(model_label(model), model.id)
        self.setEditText(text)

    def model_id(self) -> str:
        """The model id: a picked entry's id, or whatever was typed."""
        text = self.currentText().strip()
        index = self.findText(text)
        return str(self.itemData(index)) if index >= 0 else text

    def _chosen(self, label: str) -> None:
        index = self.findText(label)
        if index >= 0:
            self.setEditText(str(self.itemData(index)))
