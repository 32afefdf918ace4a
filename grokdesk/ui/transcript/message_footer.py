"""The row under a message: its small print, its versions and its action buttons.

The buttons (Copy, Edit or Regenerate, Delete, and More: fork, regenerate with another
model, compare versions) are built only when first needed, on hover or for the last
message, so a long conversation is not a wall of buttons; the row keeps its height
whether they show or not, so nothing jumps. A message with other versions shows
``‹ 2/3 ›`` at all times. The row only reports clicks; the message view decides what
they do and when they show.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QColor, QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from grokdesk.ui.transcript.small_print import SmallPrint

if TYPE_CHECKING:  # built for the first message with other versions
    from grokdesk.ui.transcript.version_switch import VersionSwitch

COPIED_FEEDBACK_MS = 1500


@functools.lru_cache(maxsize=16)
def _button_height_for(font_key: str) -> int:
    font = QFont()
    font.fromString(font_key)
    probe = QToolButton()
    probe.setFont(font)
    probe.setText("Copy")
    return probe.sizeHint().height()


def _button_height(font: QFont) -> int:
    """The height of a small action button, so the footer keeps it while buttons hide."""
    return _button_height_for(font.toString())


class MessageFooter(QWidget):
    """Small print on the message's side, the action buttons beside it."""

    copyClicked = Signal()
    editClicked = Signal()
    regenerateClicked = Signal()
    deleteClicked = Signal()
    forkClicked = Signal()
    regenerateWithClicked = Signal()
    compareClicked = Signal()
    versionPicked = Signal(int)

    def __init__(self, *, user: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._user = user
        self._buttons: dict[str, QToolButton] = {}
        self._menu_actions: dict[str, QAction] = {}
        self.versions: VersionSwitch | None = None
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(2)
        self.meta = SmallPrint(self)
        self.meta.setObjectName("smallPrint")
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if user:
            self._row.addStretch(1)
            self._row.addWidget(self.meta)
        else:
            self._row.addWidget(self.meta)
            self._row.addStretch(1)

    def button(self, name: str) -> QToolButton | None:
        """An action button by name (copy, edit, regenerate, delete), if built."""
        return self._buttons.get(name)

    def build_buttons(self, font: QFont, color: QColor) -> bool:
        """Build the buttons, in ``font`` and ``color``, unless they are built already.

        Returns whether it built them; they then wait for :meth:`set_actions`.
        """
        if self._buttons:
            return False
        specs: list[tuple[str, str, str, SignalInstance | None]] = [
            ("copy", "Copy", "Copy the message as Markdown", self.copyClicked)]
        if self._user:
            specs.append(("edit", "Edit", "Edit and resend", self.editClicked))
        else:
            specs.append(("regenerate", "Regenerate", "Ask again for this answer",
                          self.regenerateClicked))
        specs.append(("delete", "Delete", "Delete this message and what follows it",
                      self.deleteClicked))
        specs.append(("more", "…", "More: fork, regenerate with another model, compare",
                      None))
        position = 1 if self._user else self._row.count()
        for name, text, tip, signal in specs:
            button = QToolButton(self)
            button.setObjectName(f"{name}Button")
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFont(font)
            palette = button.palette()
            palette.setColor(QPalette.ColorRole.ButtonText, color)
            button.setPalette(palette)
            button.setAccessibleName("More actions" if name == "more" else text)
            button.setAccessibleDescription(tip)
            if signal is None:
                button.setMenu(self._more_menu(button))
                button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            else:
                button.clicked.connect(signal)
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(name != "regenerate")
            button.setSizePolicy(policy)
            self._row.insertWidget(position, button)
            position += 1
            self._buttons[name] = button
        return True

    def _more_menu(self, button: QToolButton) -> QMenu:
        menu = QMenu(button)
        for name, text, signal in (
                ("fork", "Fork to new chat", self.forkClicked),
                ("regenerate_with", "Regenerate with…", self.regenerateWithClicked),
                ("compare", "Compare versions…", self.compareClicked)):
            action = menu.addAction(text)
            action.triggered.connect(signal)
            self._menu_actions[name] = action
        return menu

    def menu_action(self, name: str) -> QAction | None:
        """An entry of the More menu by name (fork, regenerate_with, compare), if built."""
        return self._menu_actions.get(name)

    def set_actions(self, *, shown: bool, regenerate: bool, busy: bool) -> None:
        """Show the built buttons or not (Regenerate and Regenerate with… only with
        ``regenerate``); while ``busy`` only Copy can be pressed and versions stay."""
        for name, button in self._buttons.items():
            button.setVisible(regenerate if name == "regenerate" else shown)
            button.setEnabled(name == "copy" or not busy)
        if self._menu_actions:
            self._menu_actions["regenerate_with"].setVisible(regenerate)
            self._menu_actions["compare"].setVisible(
                self.versions is not None and len(self.versions.versions) > 1)
        if self.versions is not None:
            self.versions.setEnabled(not busy)

    def set_versions(self, versions: tuple[int, ...], shown: int, message: QWidget) -> None:
        """Show ``‹ i/n ›`` for ``versions`` (hidden for one); built on first need, with its
        keys on ``message``."""
        if self.versions is None:
            if len(versions) < 2:
                return
            from grokdesk.ui.transcript.version_switch import VersionSwitch

            self.versions = VersionSwitch(message, self)
            self.versions.picked.connect(self.versionPicked)
            self.versions.apply_font(self.meta.font())
            self._row.insertWidget(self._row.indexOf(self.meta) + (1 if self._user else 0),
                                   self.versions)
            self.apply_color(self.meta.palette().color(QPalette.ColorRole.WindowText))
        self.versions.set_versions(versions, shown)

    def flash_copied(self) -> None:
        """Say "Copied" on the Copy button for a moment."""
        button = self._buttons.get("copy")
        if button is not None:
            button.setText("Copied")
            QTimer.singleShot(COPIED_FEEDBACK_MS, button, lambda: button.setText("Copy"))

    def apply_font(self, small: QFont) -> None:
        self.meta.setFont(small)
        for button in self._buttons.values():
            button.setFont(small)
        if self.versions is not None:
            self.versions.apply_font(small)
        self.setFixedHeight(_button_height(small))

    def apply_color(self, muted: QColor) -> None:
        palette = self.meta.palette()
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        palette.setColor(QPalette.ColorRole.Text, muted)
        self.meta.setPalette(palette)
        for button in [*self._buttons.values(), *self._version_widgets()]:
            palette = button.palette()
            palette.setColor(QPalette.ColorRole.ButtonText, muted)
            palette.setColor(QPalette.ColorRole.WindowText, muted)
            button.setPalette(palette)

    def _version_widgets(self) -> list[QWidget]:
        switch = self.versions
        return [] if switch is None else [switch.previous, switch.label, switch.next]
