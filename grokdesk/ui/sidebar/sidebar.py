"""The sidebar: search box, New chat, the conversation list, and Undo for deletes.

Deleting is undoable: the row disappears at once and the conversation is really
deleted when the undo bar times out, another delete replaces it, or the app quits.
The list itself is :class:`ConversationListModel` (a model over the history).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from grokdesk.ui.colors import mix
from grokdesk.ui.own_viewport import own_viewport
from grokdesk.ui.sidebar.model import (
    ConversationListModel,
    IdRole,
    ModelIndex,
    PinnedRole,
    SubtitleRole,
)
from grokdesk.ui.undo_bar import UNDO_SECONDS, UndoBar

SEARCH_DELAY_MS = 180


class ConversationDelegate(QStyledItemDelegate):
    """Two lines per conversation: the title, then when and how long (or the search match)."""

    PADDING = 8

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        metrics = QFontMetrics(option.font)
        height = metrics.height() + self._small_metrics(option).height() + 2 + 2 * self.PADDING
        return QSize(200, height)

    def _small_font(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.87))
        return font

    def _small_metrics(self, option: QStyleOptionViewItem) -> QFontMetrics:
        return QFontMetrics(self._small_font(option))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected
                                   else QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Highlight if selected
                             else QPalette.ColorRole.Base)
        rect: QRect = opt.rect.adjusted(self.PADDING + 4, self.PADDING,
                                        -self.PADDING, -self.PADDING)
        title_font = QFont(opt.font)
        title_metrics = QFontMetrics(title_font)
        small_font = self._small_font(opt)
        small_metrics = QFontMetrics(small_font)

        painter.save()
        pinned = bool(index.data(PinnedRole))
        title_rect = QRect(rect.left(), rect.top(), rect.width(), title_metrics.height())
        if pinned:
            marker = "Pinned"
            painter.setFont(small_font)
            painter.setPen(mix(text_color, base, 0.35) if not selected else text_color)
            marker_width = small_metrics.horizontalAdvance(marker) + 10
            marker_rect = QRect(title_rect.right() - marker_width + 1, title_rect.top(),
                                marker_width, title_rect.height())
            painter.drawText(marker_rect, int(Qt.AlignmentFlag.AlignRight
                                              | Qt.AlignmentFlag.AlignVCenter), marker)
            title_rect.setRight(marker_rect.left() - 4)
        painter.setFont(title_font)
        painter.setPen(text_color)
        title = title_metrics.elidedText(str(index.data() or ""), Qt.TextElideMode.ElideRight,
                                         title_rect.width())
        painter.drawText(title_rect, int(Qt.AlignmentFlag.AlignLeft
                                         | Qt.AlignmentFlag.AlignVCenter), title)
        painter.setFont(small_font)
        painter.setPen(mix(text_color, base, 0.4))
        sub_rect = QRect(rect.left(), title_rect.bottom() + 3, rect.width(),
                         small_metrics.height())
        subtitle = small_metrics.elidedText(str(index.data(SubtitleRole) or ""),
                                            Qt.TextElideMode.ElideRight, sub_rect.width())
        painter.drawText(sub_rect, int(Qt.AlignmentFlag.AlignLeft
                                       | Qt.AlignmentFlag.AlignVCenter), subtitle)
        painter.restore()

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,
                             index: ModelIndex) -> None:
        metrics = QFontMetrics(option.font)
        rect: QRect = option.rect
        editor.setGeometry(QRect(rect.left() + self.PADDING, rect.top() + self.PADDING - 4,
                                 rect.width() - 2 * self.PADDING, metrics.height() + 8))


class ConversationSidebar(QWidget):
    """Search box, New chat button, the list, and the undo bar for deletes.

    ``conversationSelected`` fires when the user picks a row (mouse or keys);
    :meth:`set_current` selects a row quietly for the window.
    """

    conversationSelected = Signal(int)
    newChatRequested = Signal()
    deleted = Signal(int)
    restored = Signal(int)
    exportRequested = Signal(int)

    def __init__(self, model: ConversationListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.model = model
        self._quiet = False
        self._current: int | None = None
        self._pending: int | None = None

        self.new_button = QToolButton(self)
        self.new_button.setText("New chat")
        self.new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.new_button.clicked.connect(self.newChatRequested)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search conversations")
        self.search.setToolTip("Search titles and messages (Ctrl+F)")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._search_return)

        self.view = QListView(self)
        own_viewport(self.view, QPalette.ColorRole.Window)
        self.view.setObjectName("conversationList")
        self.view.setModel(model)
        self.view.setItemDelegate(ConversationDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        model.modelReset.connect(self._reselect)
        model.rowsMoved.connect(self._reselect)
        self._delete_action = QAction("Delete", self.view)
        self._delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self._delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self._delete_action.triggered.connect(self.delete_selected)
        self.view.addAction(self._delete_action)

        self.empty_label = QLabel("No conversation matches", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)
        self.empty_label.hide()

        self.undo_bar = UndoBar(self)
        self.undo_bar.undoClicked.connect(self.undo_delete)
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_SECONDS * 1000)
        self._undo_timer.timeout.connect(self.commit_delete)

        top = QHBoxLayout()
        top.setContentsMargins(8, 8, 8, 4)
        top.setSpacing(6)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.undo_bar)
        self.setMinimumWidth(180)

    # ---------------------------------------------------------------- selection

    def finish(self) -> None:
        """What the first frame does not show: the search box's clear button, which
        appears with text only and loads its icon when it is enabled (10 ms)."""
        self.search.setClearButtonEnabled(True)

    @property
    def current_id(self) -> int | None:
        return self._current

    def set_current(self, conversation_id: int | None) -> None:
        """Select the row of ``conversation_id`` (or nothing) without announcing it."""
        self._current = conversation_id
        self._reselect()

    def _reselect(self, *_args: object) -> None:
        self._quiet = True
        try:
            row = self.model.row_of(self._current) if self._current is not None else None
            selection = self.view.selectionModel()
            if row is None:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(),
                                          selection.SelectionFlag.Clear)
            else:
                index = self.model.index(row)
                selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect)
                self.view.scrollTo(index)
        finally:
            self._quiet = False
        self.empty_label.setVisible(bool(self.model.query) and self.model.rowCount() == 0)
        self.view.setVisible(not self.empty_label.isVisible())

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet or not current.isValid():
            return
        conversation_id = int(current.data(IdRole))
        if conversation_id != self._current:
            self._current = conversation_id
            self.conversationSelected.emit(conversation_id)

    def selected_id(self) -> int | None:
        index = self.view.currentIndex()
        return int(index.data(IdRole)) if index.isValid() else None

    # ---------------------------------------------------------------- search

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def apply_search(self) -> None:
        """Filter now (typing waits a moment so each key press is not a query)."""
        self._search_timer.stop()
        self.model.set_query(self.search.text())
        self._reselect()

    def _search_return(self) -> None:
        self.apply_search()
        if self.model.rowCount() > 0:
            index = self.model.index(0)
            self.view.setCurrentIndex(index)
            self.view.setFocus()

    # ---------------------------------------------------------------- actions

    def rename(self, conversation_id: int | None = None) -> None:
        """Open the inline editor on a row (the current one by default)."""
        target = conversation_id if conversation_id is not None else self._current
        row = self.model.row_of(target) if target is not None else None
        if row is None:
            return
        index = self.model.index(row)
        self.view.scrollTo(index)
        self.view.setCurrentIndex(index)
        self.view.edit(index)

    def toggle_pin(self, conversation_id: int | None = None) -> None:
        target = conversation_id if conversation_id is not None else self._current
        conversation = self.model.conversation(target) if target is not None else None
        if conversation is not None:
            self.model.set_pinned(conversation.id, not conversation.pinned)
            self._reselect()

    def delete_selected(self) -> None:
        conversation_id = self.selected_id()
        if conversation_id is not None:
            self.delete(conversation_id)

    def delete(self, conversation_id: int) -> None:
        """Hide the conversation and offer Undo; it is deleted when the offer expires."""
        self.commit_delete()
        conversation = self.model.hide(conversation_id)
        if conversation is None:
            return
        self._pending = conversation_id
        self.undo_bar.show_for(conversation.title)
        self._undo_timer.start()
        self.deleted.emit(conversation_id)

    def undo_delete(self) -> None:
        if self._pending is None:
            return
        conversation_id, self._pending = self._pending, None
        self._undo_timer.stop()
        self.undo_bar.hide()
        self.model.unhide(conversation_id)
        self.restored.emit(conversation_id)

    def commit_delete(self) -> None:
        """Delete the conversation waiting for Undo, if any (also called at quit)."""
        self._undo_timer.stop()
        self.undo_bar.hide()
        if self._pending is not None:
            conversation_id, self._pending = self._pending, None
            self.model.purge(conversation_id)

    @property
    def pending_delete(self) -> int | None:
        return self._pending

    def _context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        conversation_id = int(index.data(IdRole))
        pinned = bool(index.data(PinnedRole))
        menu = QMenu(self)
        menu.addAction("Open", lambda: self._open(conversation_id))
        menu.addAction("Rename", lambda: self.rename(conversation_id))
        menu.addAction("Unpin" if pinned else "Pin to top",
                       lambda: self.toggle_pin(conversation_id))
        menu.addAction("Export…", lambda: self.exportRequested.emit(conversation_id))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete(conversation_id))
        menu.popup(self.view.viewport().mapToGlobal(position))

    def _open(self, conversation_id: int) -> None:
        row = self.model.row_of(conversation_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row))
