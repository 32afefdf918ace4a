"""How the window shows things: text size, the reasoning blocks and the sidebar."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject
from PySide6.QtWidgets import QApplication, QSplitter

from grokdesk.ui.actions import WindowActions
from grokdesk.ui.composer import Composer
from grokdesk.ui.sidebar.sidebar import ConversationSidebar
from grokdesk.ui.transcript.transcript import Transcript
from grokdesk.ui.ui_state import UIState

ZOOM_STEP = 1.1
ZOOM_RANGE = (-5, 10)


class ViewOptions(QObject):
    """Zoom, "Show reasoning" and "Show sidebar": applied at once and remembered."""

    def __init__(self, *, actions: WindowActions, transcript: Transcript, composer: Composer,
                 sidebar: ConversationSidebar, splitter: QSplitter, ui_state: UIState,
                 parent: QObject) -> None:
        super().__init__(parent)
        self.actions = actions
        self.transcript = transcript
        self.composer = composer
        self.sidebar = sidebar
        self.splitter = splitter
        self.ui_state = ui_state
        self.zoom_steps = ui_state.zoom_steps
        self._font_size = 0.0
        actions.show_reasoning.toggled.connect(self.set_show_reasoning)
        actions.show_sidebar.toggled.connect(self.set_sidebar_visible)
        actions.zoom_in.triggered.connect(lambda: self.zoom(1))
        actions.zoom_out.triggered.connect(lambda: self.zoom(-1))
        actions.zoom_reset.triggered.connect(lambda: self.zoom(0))

    def zoom(self, steps: int) -> None:
        """Change the text size by ``steps`` (0 resets)."""
        low, high = ZOOM_RANGE
        self.zoom_steps = 0 if steps == 0 else max(low, min(high, self.zoom_steps + steps))
        self.apply_font_size()

    def set_font_size(self, points: float) -> None:
        """The preferred size (0: the system's) that zoom steps start from."""
        self._font_size = points
        self.apply_font_size()

    def apply_font_size(self) -> None:
        base = self._font_size or QApplication.font().pointSizeF()
        size = round(base * ZOOM_STEP ** self.zoom_steps, 1)
        self.transcript.set_font_point_size(size)
        self.composer.set_font_point_size(size)
        self.ui_state.zoom_steps = self.zoom_steps

    def set_show_reasoning(self, shown: bool) -> None:
        if self.actions.show_reasoning.isChecked() != shown:
            self.actions.show_reasoning.setChecked(shown)
        self.transcript.set_show_reasoning(shown)
        self.ui_state.set_show_reasoning(shown)

    def set_sidebar_visible(self, visible: bool) -> None:
        if self.actions.show_sidebar.isChecked() != visible:
            self.actions.show_sidebar.setChecked(visible)
        if not visible and self.sidebar.isVisible():
            self.ui_state.splitter = QByteArray(self.splitter.saveState())
        self.sidebar.setVisible(visible)
        self.ui_state.sidebar_visible = visible
        focused = QApplication.focusWidget()
        if not visible and focused is not None and self.sidebar.isAncestorOf(focused):
            self.composer.input.setFocus()
