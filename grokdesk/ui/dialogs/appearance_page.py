"""The Appearance page of Preferences: theme, font size, and whether reasoning starts open."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QSpinBox, QWidget

from grokdesk.config import Settings, Theme

THEMES: list[tuple[str, Theme]] = [("Follow the system", "system"), ("Light", "light"),
                                   ("Dark", "dark")]


class AppearancePage(QWidget):
    """Shows how the window looks; :meth:`result` reads it back."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = QComboBox(self)
        for text, theme in THEMES:
            self.theme.addItem(text, theme)
        self.theme.setCurrentIndex([t for _x, t in THEMES].index(settings.ui.theme))
        self.font_size = QSpinBox(self)
        self.font_size.setRange(0, 32)
        self.font_size.setSpecialValueText("System default")
        self.font_size.setSuffix(" pt")
        self.font_size.setValue(settings.ui.font_size)
        self.show_reasoning = QCheckBox("Open reasoning blocks by default", self)
        self.show_reasoning.setChecked(settings.ui.show_reasoning)
        form = QFormLayout(self)
        form.addRow("Theme", self.theme)
        form.addRow("Font size", self.font_size)
        form.addRow("", self.show_reasoning)

    def result(self, settings: Settings) -> Settings:
        """``settings`` with the theme, font size and reasoning default as shown."""
        theme: Theme = self.theme.currentData()
        return dataclasses.replace(settings, ui=dataclasses.replace(
            settings.ui, theme=theme, font_size=self.font_size.value(),
            show_reasoning=self.show_reasoning.isChecked()))
