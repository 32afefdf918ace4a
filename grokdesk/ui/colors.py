"""Colours derived from the current palette, so light and dark themes both look right.

Nothing here is a fixed colour: every tint is a mix of two palette roles, which
keeps contrast sane under any system theme.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

Role = QPalette.ColorRole


def mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
    )


def source_palette(widget: QWidget) -> QPalette:
    """The palette a widget inherits, before its own colour overrides."""
    parent = widget.parentWidget()
    return parent.palette() if parent is not None else QGuiApplication.palette()


def is_dark(palette: QPalette) -> bool:
    return palette.color(Role.Window).lightness() < 128


def muted_text(widget: QWidget) -> QColor:
    """Secondary text (reasoning, small print): readable but clearly behind the answer."""
    palette = source_palette(widget)
    return mix(palette.color(Role.Text), palette.color(Role.Base), 0.42)


def bubble_fill(palette: QPalette) -> QColor:
    """The background of a user's message: a light tint of the highlight colour."""
    amount = 0.22 if is_dark(palette) else 0.12
    return mix(palette.color(Role.Base), palette.color(Role.Highlight), amount)


def panel_fill(palette: QPalette, amount: float = 0.05) -> QColor:
    """A faint panel (reasoning, errors) that stands off the page without a border."""
    return mix(palette.color(Role.Base), palette.color(Role.Text), amount)


def error_fill(palette: QPalette) -> QColor:
    amount = 0.22 if is_dark(palette) else 0.09
    return mix(palette.color(Role.Base), QColor("#d93025"), amount)


def error_edge(palette: QPalette) -> QColor:
    return mix(palette.color(Role.Base), QColor("#d93025"), 0.6)
