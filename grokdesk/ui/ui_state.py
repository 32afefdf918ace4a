"""Window state between runs: geometry, splitter, sidebar, reasoning toggle and zoom.

Kept in ``ui-state.ini`` next to ``config.toml`` rather than in it: it changes with
every resize and toggle, and rewriting the hand-editable TOML that often would churn
it (and drop the user's comments). ``config.toml``'s ``show_reasoning`` is only the
starting value until the user first toggles View ▸ Show reasoning.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from grokdesk import paths

FILE_NAME = "ui-state.ini"


def default_path() -> Path:
    return paths.config_dir() / FILE_NAME


class UIState:
    """Typed access to the remembered values; unknown or broken values read as defaults."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._settings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def _bool(self, key: str, default: bool) -> bool:
        value = self._settings.value(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return default

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._settings.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._settings.setValue("window/state", value)

    @property
    def splitter(self) -> QByteArray | None:
        return self._bytes("window/splitter")

    @splitter.setter
    def splitter(self, value: QByteArray) -> None:
        self._settings.setValue("window/splitter", value)

    @property
    def sidebar_visible(self) -> bool:
        return self._bool("view/sidebar", True)

    @sidebar_visible.setter
    def sidebar_visible(self, value: bool) -> None:
        self._change("view/sidebar", value, self._bool("view/sidebar", not value))

    def show_reasoning(self, default: bool) -> bool:
        return self._bool("view/show_reasoning", default)

    def set_show_reasoning(self, value: bool) -> None:
        self._change("view/show_reasoning", value, self._bool("view/show_reasoning", not value))

    @property
    def zoom_steps(self) -> int:
        value = self._settings.value("view/zoom_steps", 0)
        try:
            steps = int(str(value))
        except ValueError:
            return 0
        return max(-5, min(10, steps))

    @zoom_steps.setter
    def zoom_steps(self, value: int) -> None:
        stored = self.zoom_steps if self._settings.contains("view/zoom_steps") else None
        self._change("view/zoom_steps", value, stored)

    def _change(self, key: str, value: object, stored: object) -> None:
        """Store ``value`` unless it is stored already. QSettings rewrites its file, and
        flushes it to the disk, after any ``setValue``, even one that changes nothing:
        restoring the window at start-up did that during the first paint."""
        if value != stored:
            self._settings.setValue(key, value)

    def sync(self) -> None:
        """Write to disk now (QSettings otherwise writes lazily)."""
        self._settings.sync()
