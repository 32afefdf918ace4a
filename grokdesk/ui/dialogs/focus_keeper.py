"""Keyboard focus goes back where it was when a dialog closes.

After a dialog a person types on where they left off. Qt gives the window back its
last focus widget by itself, but when that widget was hidden, disabled or deleted
while the dialog was open it moves the focus to the next widget in the tab chain,
which may be any button, and on some platforms the window is not even re-activated.
Then the next words typed land somewhere unexpected. So each dialog the window opens
notes where the focus was, and puts it back there when it closes, or on the fallback
(the composer) when that widget can no longer take it.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget


def _can_take_focus(widget: QWidget, window: QWidget) -> bool:
    return (shiboken6.isValid(widget) and widget.window() is window and widget.isVisible()
            and widget.isEnabled() and widget.focusPolicy() != Qt.FocusPolicy.NoFocus)


def return_focus_after(dialog: QDialog, fallback: QWidget) -> None:
    """When ``dialog`` closes, focus what had the focus in ``fallback``'s window now."""
    window = fallback.window()
    focused = QApplication.focusWidget()
    before = focused if focused is not None and focused.window() is window else fallback

    def give_back(_result: int) -> None:
        if not shiboken6.isValid(fallback):
            return
        target = before if _can_take_focus(before, window) else fallback
        target.setFocus(Qt.FocusReason.PopupFocusReason)

    dialog.finished.connect(give_back)
