"""The window's frame: everything its first paint shows, built from plain Qt.

Layout, menus, status bar, the look from the settings, the state the user left the
window in, and the sidebar over its first page of conversations. Nothing here needs
asyncio, the network stack, the keyring or the Markdown renderer, so ``grokdesk.app``
can paint this before importing them; :class:`grokdesk.ui.main_window.MainWindow`
adds the chat on top (docs/performance.md, section 5, "Staged start").
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QShowEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from grokdesk.config import Settings
from grokdesk.ui.actions import WindowActions
from grokdesk.ui.banner import Banner
from grokdesk.ui.composer import Composer
from grokdesk.ui.sidebar.model import ConversationListModel
from grokdesk.ui.sidebar.sidebar import ConversationSidebar
from grokdesk.ui.statusbar.bar import WindowStatusBar
from grokdesk.ui.theme import ThemeManager
from grokdesk.ui.transcript.transcript import Transcript
from grokdesk.ui.ui_state import UIState
from grokdesk.ui.undo_bar import UndoBar
from grokdesk.ui.window import window_state
from grokdesk.ui.window.view_options import ViewOptions


@dataclass
class FrameParts:
    """What the first frame is built from: plain Qt and the sidebar's first page."""

    conversations: ConversationListModel
    settings: Settings
    ui_state: UIState
    theme: ThemeManager
    icon: QIcon
    settings_warnings: tuple[str, ...] = ()
    startup_notice: str | None = None


class WindowFrame(QMainWindow):
    """Sidebar, chat pane, composer, menus and status bar, laid out and styled."""

    def __init__(self, parts: FrameParts) -> None:
        super().__init__()
        self.parts = parts
        self.ui_state = parts.ui_state
        self._shown_once = False
        self.setObjectName("mainWindow")
        self.setWindowIcon(parts.icon)
        self.setMinimumSize(720, 460)
        self._build_layout()
        self.status = WindowStatusBar(self)
        self.setStatusBar(self.status)
        self.actions_ = WindowActions(self)
        self.actions_.build_menus(self.menuBar())
        self.view = ViewOptions(actions=self.actions_, transcript=self.transcript,
                                composer=self.composer, sidebar=self.sidebar,
                                splitter=self.splitter, ui_state=self.ui_state, parent=self)
        window_state.restore(self)
        self.apply_look(parts.settings)
        parts.theme.darkChanged.connect(self._theme_changed)
        if parts.startup_notice:
            self.show_notice(parts.startup_notice)

    def _build_layout(self) -> None:
        self.sidebar = ConversationSidebar(self.parts.conversations, self)
        self.transcript = Transcript(self)
        self.composer = Composer(self)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.transcript, 1)
        self.message_undo = UndoBar(right)
        self.message_undo.setObjectName("messageUndoBar")
        column.addWidget(self.message_undo)
        self.notice_banner = Banner(right)
        self.notice_banner.setObjectName("noticeBanner")
        self.insecure_banner = Banner(right)
        self.insecure_banner.setObjectName("insecureBanner")
        for widget in (self.notice_banner, self.insecure_banner, self.composer):
            column.addWidget(widget)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(right)
        for index, stretch in ((0, 0), (1, 1)):
            self.splitter.setCollapsible(index, False)
            self.splitter.setStretchFactor(index, stretch)
        self.setCentralWidget(self.splitter)

    @property
    def settings(self) -> Settings:
        return self.parts.settings

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._shown_once:
            return
        self._shown_once = True
        self.activateWindow()
        self.composer.input.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
        if warnings := self.parts.settings_warnings:
            self.notify(f"Settings: {warnings[0]}" + (f" (and {len(warnings) - 1} more)"
                                                       if len(warnings) > 1 else ""))

    def notify(self, text: str) -> None:
        self.status.notify(text)

    def show_notice(self, text: str) -> None:
        """Something to read once (a recovered history): a banner until dismissed, below
        any notice it has not been dismissed from yet."""
        banner = self.notice_banner
        shown = banner.label.text() if banner.isVisibleTo(self) else ""
        banner.show_message(f"{shown}\n{text}" if shown else text, accept="Dismiss",
                            kind="info")
        self.notify(text)

    def _theme_changed(self, dark: bool) -> None:
        self.transcript.set_dark(dark)
        self.composer.restyle()

    def apply_look(self, settings: Settings) -> None:
        """Theme, font size and the sending key, from the settings."""
        self.transcript.set_dark(self.parts.theme.apply(settings.ui.theme))
        self.composer.restyle()
        self.composer.set_send_with_enter(settings.ui.send_with_enter)
        self.view.set_font_size(float(settings.ui.font_size))
