"""Light and dark palettes, and following the system's choice by default.

"system" keeps the platform's own style and palette; where the platform says it is
dark but gives no dark palette (plain X11, offscreen), a dark Fusion palette stands
in. An explicit light or dark choice uses Fusion everywhere, so the app looks the
same on every desktop and native styles that ignore palettes cannot spoil contrast.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from grokdesk.config import Theme
from grokdesk.ui.colors import is_dark

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_DARK = {
    Role.Window: "#1f2023", Role.WindowText: "#e4e5e7", Role.Base: "#18191c",
    Role.AlternateBase: "#232428", Role.ToolTipBase: "#2c2e33", Role.ToolTipText: "#e4e5e7",
    Role.PlaceholderText: "#878a90", Role.Text: "#e4e5e7", Role.Button: "#2a2c31",
    Role.ButtonText: "#e4e5e7", Role.BrightText: "#ff7070", Role.Highlight: "#4a7bd8",
    Role.HighlightedText: "#ffffff", Role.Link: "#82b1ff", Role.LinkVisited: "#b69cff",
    Role.Light: "#3b3d43", Role.Midlight: "#313338", Role.Mid: "#27292d",
    Role.Dark: "#131416", Role.Shadow: "#000000",
}
_DARK_DISABLED = {Role.WindowText: "#75787e", Role.Text: "#75787e", Role.ButtonText: "#75787e",
                  Role.Highlight: "#3a3d44", Role.HighlightedText: "#9a9da3"}

_LIGHT = {
    Role.Window: "#f2f3f5", Role.WindowText: "#1d1e20", Role.Base: "#ffffff",
    Role.AlternateBase: "#f6f7f9", Role.ToolTipBase: "#ffffff", Role.ToolTipText: "#1d1e20",
    Role.PlaceholderText: "#8b8e94", Role.Text: "#1d1e20", Role.Button: "#f7f8fa",
    Role.ButtonText: "#1d1e20", Role.BrightText: "#c62828", Role.Highlight: "#3b6fd4",
    Role.HighlightedText: "#ffffff", Role.Link: "#2156c4", Role.LinkVisited: "#6a3fc2",
    Role.Light: "#ffffff", Role.Midlight: "#e9eaee", Role.Mid: "#c9cbd1",
    Role.Dark: "#a3a6ad", Role.Shadow: "#5c5f66",
}
_LIGHT_DISABLED = {Role.WindowText: "#9a9ca2", Role.Text: "#9a9ca2", Role.ButtonText: "#9a9ca2",
                   Role.Highlight: "#c9cbd1", Role.HighlightedText: "#f7f8fa"}


def build_palette(dark: bool) -> QPalette:
    """The app's own palette for an explicit light or dark choice."""
    colors, disabled = (_DARK, _DARK_DISABLED) if dark else (_LIGHT, _LIGHT_DISABLED)
    palette = QPalette()
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role, color in disabled.items():
        palette.setColor(Group.Disabled, role, QColor(color))
    return palette


class ThemeManager(QObject):
    """Applies the theme preference to the application and says when dark mode flips."""

    darkChanged = Signal(bool)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._native_style = app.style().name()
        self._overridden = False
        """Whether the style and palette are this manager's rather than the platform's."""
        self._theme: Theme = "system"
        self._dark = is_dark(app.palette())
        self._applying = False
        app.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

    @property
    def dark(self) -> bool:
        return self._dark

    @property
    def theme(self) -> Theme:
        return self._theme

    def apply(self, theme: Theme) -> bool:
        """Switch to ``theme``; returns whether the result is dark."""
        self._theme = theme
        self._applying = True
        try:
            hints = self._app.styleHints()
            if theme == "system":
                hints.unsetColorScheme()
                if self._overridden:  # else nothing to undo: setting them again would
                    self._app.setStyle(self._native_style)  # polish every widget anew
                    self._app.setPalette(QPalette())
                    self._overridden = False
                wants_dark = hints.colorScheme() == Qt.ColorScheme.Dark
                if wants_dark and not is_dark(self._app.palette()):
                    self._use_fusion(dark=True)
            else:
                hints.setColorScheme(Qt.ColorScheme.Dark if theme == "dark"
                                     else Qt.ColorScheme.Light)
                self._use_fusion(dark=theme == "dark")
        finally:
            self._applying = False
        dark = is_dark(self._app.palette())
        if dark != self._dark:
            self._dark = dark
            self.darkChanged.emit(dark)
        return dark

    def _use_fusion(self, *, dark: bool) -> None:
        if self._app.style().name().lower() != "fusion":
            self._app.setStyle(QStyleFactory.create("Fusion"))
        self._app.setPalette(build_palette(dark))
        self._overridden = True

    def _system_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._theme == "system" and not self._applying:
            self.apply("system")
