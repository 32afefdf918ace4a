"""Every window action with its shortcut, and the menus that hold them.

One table, so the menus, the shortcuts dialog and the tests read the same list.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QWidget

StandardKey = QKeySequence.StandardKey


def _action(parent: QObject, text: str, shortcuts: tuple[str | StandardKey, ...] = (),
            tip: str = "", *, checkable: bool = False) -> QAction:
    action = QAction(text, parent)
    keys = [QKeySequence(k) for k in shortcuts]
    if keys:
        action.setShortcuts(keys)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.setCheckable(checkable)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    return action


class WindowActions(QObject):
    """The main window's actions; the window connects their ``triggered`` signals."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        a = _action
        self.new_chat = a(self, "&New chat", ("Ctrl+N",), "Start a new conversation")
        self.export_conversation = a(self, "&Export conversation…", ("Ctrl+E",),
                                     "Save this conversation as Markdown, JSON, HTML or PDF")
        self.export_pdf = a(self, "Export as P&DF…", (),
                            "Save this conversation as a PDF document")
        self.print_ = a(self, "&Print…", (StandardKey.Print,), "Print this conversation")
        self.export_all = a(self, "Export &all…", ("Ctrl+Shift+E",),
                            "Save every conversation to a file")
        self.import_ = a(self, "&Import…", ("Ctrl+O",),
                         "Import conversations from grokdesk or ChatGPT exports")
        self.preferences = a(self, "&Preferences…", ("Ctrl+,",),
                             "Providers, API keys, sending, theme and fonts")
        self.quit = a(self, "&Quit", ("Ctrl+Q",), "Quit grokdesk")
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.preferences.setMenuRole(QAction.MenuRole.PreferencesRole)

        self.copy = a(self, "&Copy", (StandardKey.Copy,), "Copy the selected text")
        self.select_all = a(self, "Select &all", (StandardKey.SelectAll,),
                            "Select all text in the focused box")
        self.find = a(self, "&Find in conversations", ("Ctrl+F",),
                      "Search titles and messages")
        self.edit_last = a(self, "&Edit last message", ("Ctrl+Shift+Up",),
                           "Change your last message and resend it")

        self.show_reasoning = a(self, "Show &reasoning", ("Ctrl+R",),
                                "Open or close every reasoning block", checkable=True)
        self.show_sidebar = a(self, "Show &sidebar", ("Ctrl+B",),
                              "Show or hide the conversation list", checkable=True)
        self.zoom_in = a(self, "Zoom &in", ("Ctrl++", "Ctrl+="), "Larger text")
        self.zoom_out = a(self, "Zoom &out", ("Ctrl+-",), "Smaller text")
        self.zoom_reset = a(self, "&Reset zoom", ("Ctrl+0",), "Text at its normal size")

        self.regenerate = a(self, "&Regenerate answer", ("Ctrl+Shift+R",),
                            "Replace the last answer with a new one")
        self.stop = a(self, "&Stop", ("Esc",), "Stop the answer; what arrived is kept")
        self.rename = a(self, "Re&name…", ("F2",), "Rename this conversation")
        self.pin = a(self, "&Pin to top", ("Ctrl+Shift+P",),
                     "Keep this conversation at the top of the list", checkable=True)
        self.delete = a(self, "&Delete conversation", ("Ctrl+Shift+Del",),
                        "Delete this conversation (with Undo)")
        self.suggest_title = a(self, "Suggest &title", (),
                               "Ask the model for a short title (one extra request)")
        self.settings = a(self, "Conversation se&ttings…", ("Ctrl+Shift+S",),
                          "Provider, model, reasoning effort, temperature, system prompt")

        self.shortcuts = a(self, "&Keyboard shortcuts", ("F1", "Ctrl+/"),
                           "List every shortcut")
        self.about = a(self, "&About grokdesk", (), "Version and credits")
        self.about.setMenuRole(QAction.MenuRole.AboutRole)

        # Versions of messages (conversations are trees): Conversation menu.
        self.regenerate_with = a(self, "Regenerate &with…", (),
                                 "A new version of the last answer from another model or effort")
        self.compare = a(self, "Co&mpare versions…", (),
                         "The versions of the last answer side by side")
        self.fork = a(self, "&Fork to new chat", (),
                      "Copy this conversation, up to its last message, into a new chat")

    def menus(self) -> list[tuple[str, list[QAction | None]]]:
        """Menu titles and their actions (None is a separator)."""
        return [
            ("&File", [self.new_chat, None, self.export_conversation, self.export_pdf,
                       self.export_all, self.import_, None, self.print_, None,
                       self.preferences, None, self.quit]),
            ("&Edit", [self.copy, self.select_all, None, self.find, None, self.edit_last]),
            ("&View", [self.show_reasoning, self.show_sidebar, None, self.zoom_in,
                       self.zoom_out, self.zoom_reset]),
            ("&Conversation", [self.regenerate, self.regenerate_with, self.compare,
                               self.fork, self.edit_last, self.stop, None, self.rename,
                               self.suggest_title, self.pin, self.delete, None,
                               self.settings]),
            ("&Help", [self.shortcuts, None, self.about]),
        ]

    def build_menus(self, menubar: QMenuBar) -> None:
        for title, actions in self.menus():
            menu = menubar.addMenu(title)
            for action in actions:
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)

    def shortcut_table(self) -> list[tuple[str, str, str]]:
        """(menu, action, shortcuts) for every action that has a shortcut."""
        rows = []
        seen: set[int] = set()
        for title, actions in self.menus():
            for action in actions:
                if action is None or id(action) in seen or not action.shortcuts():
                    continue
                seen.add(id(action))
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                                 for k in action.shortcuts())
                rows.append((title.replace("&", ""), action.text().replace("&", ""), keys))
        return rows
