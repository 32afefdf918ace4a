"""Regenerate with…: a new version of the last answer from another model or effort.

The choice applies to that one answer; the conversation's settings stay. The model
box offers the provider's models as the conversation settings do (the controller
fetches them: ``modelsWanted``, then :meth:`set_models`) and takes any typed name.
"""

from __future__ import annotations

from typing import Literal, cast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from grokdesk.api.types import ModelInfo
from grokdesk.ui.dialogs.model_box import ModelBox

EFFORT_CHOICES: list[tuple[str, str | None]] = [
    ("As the conversation", None), ("Low", "low"), ("High", "high")]


class RegenerateWithDialog(QDialog):
    """Model and effort for one new answer; ``chosen(model | "", effort | "")`` on OK."""

    modelsWanted = Signal(str, bool)
    chosen = Signal(str, str)

    def __init__(self, provider: str, current_model: str, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Regenerate with…")
        self.setMinimumWidth(440)
        self._provider = provider
        self.model = ModelBox(current_model, self)
        self.model.setAccessibleName("Model for the new answer")
        self.effort = QComboBox(self)
        self.effort.setAccessibleName("Reasoning effort for the new answer")
        for text, value in EFFORT_CHOICES:
            self.effort.addItem(text, value)
        self.note = QLabel("Fetching the provider's models…", self)
        self.note.setEnabled(False)
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Model", self.model)
        form.addRow("", self.note)
        form.addRow("Reasoning &effort", self.effort)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Regenerate")
        ok.setAccessibleDescription("Ask for a new version of the last answer")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        explain = QLabel("A new version of the last answer; the earlier ones stay, and "
                         "the conversation keeps its own settings.", self)
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def request_models(self) -> None:
        self.modelsWanted.emit(self._provider, False)

    def set_models(self, provider: str, models: list[ModelInfo], error: str,
                   from_cache: bool = False) -> None:
        """Offer ``models`` (the typed text stays)."""
        if provider != self._provider:
            return
        self.model.offer(models)
        if models:
            self.note.setText(f"{len(models)} models offered; any name can be typed"
                              + (" (cached list)" if from_cache else ""))
        else:
            self.note.setText(f"No model list: {error}" if error else "Type a model name")

    def effort_value(self) -> Literal["low", "high"] | None:
        return cast(Literal["low", "high"] | None, self.effort.currentData())

    def _accept(self) -> None:
        self.chosen.emit(self.model.model_id(), self.effort_value() or "")
        self.accept()
