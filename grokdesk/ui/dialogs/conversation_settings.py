"""Per-conversation settings: provider, model, reasoning effort, temperature, system prompt.

The model box takes any text; the provider's models are offered too, with their
names and context lengths, from the on-disk cache when the service is out of reach.
Fetching is the controller's job: the dialog asks with ``modelsWanted`` (provider,
refresh) and receives the list through :meth:`set_models`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from grokdesk.api.types import ModelInfo
from grokdesk.chat.records import ConversationSettings
from grokdesk.config import Settings
from grokdesk.ui.dialogs.chat_page import EFFORTS
from grokdesk.ui.dialogs.model_box import ModelBox


class ConversationSettingsDialog(QDialog):
    """Edits one conversation's :class:`ConversationSettings`."""

    modelsWanted = Signal(str, bool)

    def __init__(self, title: str, current: ConversationSettings, settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Settings — {title}")
        self.setMinimumWidth(480)
        self._settings = settings

        self.provider = QComboBox(self)
        for name, profile in settings.profiles.items():
            self.provider.addItem(profile.label, name)
        provider = current.provider if current.provider in settings.profiles \
            else settings.active_profile
        self.provider.setCurrentIndex(max(0, self.provider.findData(provider)))
        self.provider.currentIndexChanged.connect(self._provider_changed)

        self.model = ModelBox(current.model or "", self)
        self.models_note = QLabel(self)
        self.models_note.setEnabled(False)
        self.refresh_models = QPushButton("Refresh list", self)
        self.refresh_models.clicked.connect(lambda: self.request_models(refresh=True))

        self.effort = QComboBox(self)
        for text, value in EFFORTS:
            self.effort.addItem(text, value)
        self.effort.setCurrentIndex([v for _t, v in EFFORTS].index(current.reasoning_effort))

        self.set_temperature = QCheckBox("Set", self)
        self.temperature = QDoubleSpinBox(self)
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(current.temperature if current.temperature is not None
                                  else 1.0)
        self.set_temperature.toggled.connect(self.temperature.setEnabled)
        self.set_temperature.setChecked(current.temperature is not None)
        self.temperature.setEnabled(current.temperature is not None)

        self.system_prompt = QPlainTextEdit(current.system_prompt or "", self)
        self.system_prompt.setPlaceholderText("Instructions for the model in this conversation")

        temperature_row = QHBoxLayout()
        temperature_row.addWidget(self.set_temperature)
        temperature_row.addWidget(self.temperature, 1)
        form = QFormLayout()
        form.addRow("Provider", self.provider)
        form.addRow("Model", self.model)
        note_row = QHBoxLayout()
        note_row.addWidget(self.models_note, 1)
        note_row.addWidget(self.refresh_models)
        form.addRow("", note_row)
        form.addRow("Reasoning effort", self.effort)
        form.addRow("Temperature", temperature_row)
        form.addRow("System prompt", self.system_prompt)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._update_placeholder()

    @property
    def provider_name(self) -> str:
        return str(self.provider.currentData())

    def request_models(self, refresh: bool = False) -> None:
        self.models_note.setText("Fetching the provider's models…")
        self.modelsWanted.emit(self.provider_name, refresh)

    def set_models(self, provider: str, models: list[ModelInfo], error: str,
                   from_cache: bool = False) -> None:
        """Offer ``models`` (name and context length shown, the id used; the typed text
        stays); say when the list is the cached one, and why if there is none."""
        if provider != self.provider_name:
            return
        self.model.offer(models)
        if models:
            note = f"{len(models)} models offered; any name can be typed"
            if from_cache:
                note += " (cached list" + (": the service is unreachable)" if error else ")")
            self.models_note.setText(note)
        else:
            self.models_note.setText(f"No model list: {error}" if error else
                                     "The provider lists no models; type a name")

    def _provider_changed(self) -> None:
        self.model.clear()
        self._update_placeholder()
        self.request_models()

    def _update_placeholder(self) -> None:
        profile = self._settings.profiles[self.provider_name]
        line_edit = self.model.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText(f"Default: {profile.model}")

    def result_settings(self) -> ConversationSettings:
        return ConversationSettings(
            provider=self.provider_name,
            model=self.model.model_id() or None,
            system_prompt=self.system_prompt.toPlainText().strip() or None,
            reasoning_effort=self.effort.currentData(),
            temperature=(round(self.temperature.value(), 2)
                         if self.set_temperature.isChecked() else None),
        )

