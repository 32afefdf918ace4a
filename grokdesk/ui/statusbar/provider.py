"""Which service and model the open chat talks to."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from grokdesk.config import Profile


class ProviderLabel(QLabel):
    """"AI/ML API · x-ai/grok-3-mini-beta", with the service's address as its tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("providerLabel")

    def show_provider(self, profile: Profile, model: str) -> None:
        self.setText(f"{profile.label} · {model}")
        self.setToolTip(f"Provider {profile.label} at {profile.base_url}")
