"""The Chat page of Preferences: which key sends, and what a new chat starts with."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from grokdesk.api.types import ReasoningEffort
from grokdesk.config import Settings

EFFORTS: list[tuple[str, ReasoningEffort | None]] = [
    ("Provider default", None), ("Low", "low"), ("High", "high")]
"""The reasoning-effort choices, here for new chats and in a chat's own settings."""


class ChatPage(QWidget):
    """Shows the sending key and the new-chat defaults; :meth:`result` reads them back."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.send_enter = QRadioButton("Enter sends, Shift+Enter starts a new line", self)
        self.send_ctrl_enter = QRadioButton("Ctrl+Enter sends, Enter starts a new line", self)
        group = QButtonGroup(self)
        group.addButton(self.send_enter)
        group.addButton(self.send_ctrl_enter)
        (self.send_enter if settings.ui.send_with_enter else self.send_ctrl_enter).setChecked(True)
        self.effort = QComboBox(self)
        for text, value in EFFORTS:
            self.effort.addItem(text, value)
        self.effort.setCurrentIndex([v for _t, v in EFFORTS].index(
            settings.defaults.reasoning_effort))
        self.set_temperature = QCheckBox("Set", self)
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.set_temperature.toggled.connect(self.temperature.setEnabled)
        has_temperature = settings.defaults.temperature is not None
        self.set_temperature.setChecked(has_temperature)
        self.temperature.setValue(settings.defaults.temperature or 1.0)
        self.temperature.setEnabled(has_temperature)
        self.model_titles = QCheckBox(
            "Let the model suggest titles (one extra short request)", self)
        self.model_titles.setChecked(settings.defaults.model_titles)
        self.system_prompt = QPlainTextEdit(settings.defaults.system_prompt, self)
        self.system_prompt.setPlaceholderText("Optional instructions sent before every new chat")
        sending = QGroupBox("Sending", self)
        sending_layout = QVBoxLayout(sending)
        sending_layout.addWidget(self.send_enter)
        sending_layout.addWidget(self.send_ctrl_enter)
        defaults = QGroupBox("Defaults for new chats", self)
        temperature_row = QHBoxLayout()
        temperature_row.addWidget(self.set_temperature)
        temperature_row.addWidget(self.temperature, 1)
        defaults_form = QFormLayout(defaults)
        defaults_form.addRow("Reasoning effort", self.effort)
        defaults_form.addRow("Temperature", temperature_row)
        defaults_form.addRow("System prompt", self.system_prompt)
        defaults_form.addRow("", self.model_titles)
        layout = QVBoxLayout(self)
        layout.addWidget(sending)
        layout.addWidget(defaults, 1)

    def result(self, settings: Settings) -> Settings:
        """``settings`` with the sending key and the new-chat defaults as shown."""
        return dataclasses.replace(
            settings,
            defaults=dataclasses.replace(
                settings.defaults,
                reasoning_effort=self.effort.currentData(),
                temperature=(round(self.temperature.value(), 2)
                             if self.set_temperature.isChecked() else None),
                system_prompt=self.system_prompt.toPlainText().strip(),
                model_titles=self.model_titles.isChecked(),
            ),
            ui=dataclasses.replace(settings.ui, send_with_enter=self.send_enter.isChecked()),
        )
