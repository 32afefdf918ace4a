"""The conversation list as a Qt model over the chat core: paged, ordered, searchable.

The model reads a page at a time (``fetchMore``), so ten thousand conversations
cost a hundred rows until the user scrolls. The core's changes are applied row by
row from the data they carry (a renamed, pinned or freshly answered conversation
moves to its place) rather than by resetting the model or reading again, so the
selection, the scroll position and an open rename editor survive a turn finishing
in the background. Deletes are staged (:meth:`ConversationListModel.hide`) so the
sidebar can offer Undo. Every write goes through the core.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from grokdesk.chat.records import Conversation, sidebar_order
from grokdesk.timestamps import local_moment

if TYPE_CHECKING:
    from grokdesk.chat.changes import Changes  # with the core, after the first frame
    from grokdesk.chat.records import SearchHit

ModelIndex = QModelIndex | QPersistentModelIndex

PAGE_SIZE = 100
SEARCH_PAGE = 50
"""Search hits shown at first; scrolling to the end asks for as many again."""

IdRole = Qt.ItemDataRole.UserRole + 1
PinnedRole = Qt.ItemDataRole.UserRole + 2
SubtitleRole = Qt.ItemDataRole.UserRole + 3


class ConversationPages(Protocol):
    """What the list reads to show its pages."""

    def conversations(self, limit: int | None = None, offset: int = 0
                      ) -> list[Conversation]: ...

    def count_conversations(self) -> int: ...


@runtime_checkable
class ConversationSource(ConversationPages, Protocol):
    """Everything the list reads and writes, all through the chat core."""

    def search(self, query: str, limit: int = 50) -> list[SearchHit]: ...

    def conversation(self, conversation_id: int) -> Conversation | None: ...

    def conversations_by_id(self, conversation_ids: Sequence[int]
                            ) -> dict[int, Conversation]: ...

    def rename(self, conversation_id: int, title: str) -> object: ...

    def set_pinned(self, conversation_id: int, pinned: bool) -> object: ...

    def delete_conversation(self, conversation_id: int) -> object: ...


def when_text(timestamp: float, now: datetime | None = None) -> str:
    """A short, human date for the list: a time today, a weekday this week, else a date."""
    moment = local_moment(timestamp)
    now = now or datetime.now()
    days = (now.date() - moment.date()).days
    if days == 0:
        return moment.strftime("%H:%M")
    if days == 1:
        return "Yesterday"
    if 1 < days < 7:
        return moment.strftime("%A")
    if moment.year == now.year:
        return f"{moment.day} {moment.strftime('%b')}"
    return f"{moment.day} {moment.strftime('%b %Y')}"


class ConversationListModel(QAbstractListModel):
    """Conversations, pinned on top, newest first, paged lazily.

    With a search query the rows are the conversations whose title or messages
    match (the history's full-text search), best match first.
    """

    def __init__(self, source: ConversationPages, parent: Any = None) -> None:
        super().__init__(parent)
        self._source = source
        self._writer = source if isinstance(source, ConversationSource) else None
        self._rows: list[Conversation] = []
        self._snippets: dict[int, str] = {}
        self._hits: dict[int, int] = {}
        self._query = ""
        self._hidden: set[int] = set()
        self._offset = 0
        self._total = 0
        self._search_limit = SEARCH_PAGE
        self._more_hits = False
        self.reload()

    def set_source(self, source: ConversationSource) -> None:
        """Read and write through ``source`` (the chat controller) from now on; the rows stay.

        The first frame's page is read before the chat core is even imported
        (``grokdesk.app``); the window hands the controller over before it takes any
        input, so every write goes through the core: a refused write becomes a notice,
        and deleting a conversation stops its streaming answer first.
        """
        self._source = self._writer = source

    @property
    def _core(self) -> ConversationSource:
        """Searching, restoring a row and every write: only ever after user input, which
        the window takes once it has handed over the core."""
        if self._writer is None:
            raise RuntimeError("the conversation list was not given the chat core")
        return self._writer

    # ---------------------------------------------------------------- Qt model API

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        conversation = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return conversation.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return conversation.title
        if role == IdRole:
            return conversation.id
        if role == PinnedRole:
            return conversation.pinned
        if role == SubtitleRole:
            return self._subtitle(conversation)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable)

    def setData(self, index: ModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Inline rename: the core decides what the title becomes (a blank one is refused
        with a notice, the same one is no change) and reports it through ``apply``."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.rename(self._rows[index.row()].id, str(value))
        return True

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            return False
        return self._more_hits if self._query else self._offset < self._total

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        if self._query:
            self._search_limit += SEARCH_PAGE
            self._append(self._search_rows())
            return
        page = self._source.conversations(limit=PAGE_SIZE, offset=self._offset)
        self._offset += len(page)
        if not page:
            self._total = self._offset
            return
        self._append(page)

    def _append(self, conversations: list[Conversation]) -> None:
        known = {c.id for c in self._rows}
        fresh = [c for c in conversations if c.id not in known and c.id not in self._hidden]
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()

    # ---------------------------------------------------------------- queries

    @property
    def query(self) -> str:
        return self._query

    def conversation_at(self, row: int) -> Conversation | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, conversation_id: int) -> int | None:
        for row, conversation in enumerate(self._rows):
            if conversation.id == conversation_id:
                return row
        return None

    def hit_message(self, conversation_id: int) -> int | None:
        """The message whose text matched the search in that row (None: the title did)."""
        return self._hits.get(conversation_id)

    def conversation(self, conversation_id: int) -> Conversation | None:
        row = self.row_of(conversation_id)
        return self._rows[row] if row is not None else None

    # ---------------------------------------------------------------- loading

    def reload(self) -> None:
        """Read the first page again (or the search results) from the history."""
        self.beginResetModel()
        self._rows = []
        self._snippets = {}
        self._hits = {}
        if self._query:
            self._search_limit = SEARCH_PAGE
            self._rows = self._search_rows()
        else:
            self._total = self._source.count_conversations()
            page = self._source.conversations(limit=PAGE_SIZE, offset=0)
            self._offset = len(page)
            self._rows = [c for c in page if c.id not in self._hidden]
        self.endResetModel()

    def set_query(self, query: str) -> None:
        """Filter by title and full text; an empty query shows every conversation."""
        query = query.strip()
        if query == self._query:
            return
        self._query = query
        self.reload()

    def _search_rows(self) -> list[Conversation]:
        """The conversations of the newest ``_search_limit`` hits, noting each one's snippet
        and matching message; one search and one read of the rows."""
        hits = self._core.search(self._query, limit=self._search_limit)
        self._more_hits = len(hits) >= self._search_limit
        shown = [hit for hit in hits if hit.conversation_id not in self._hidden]
        for hit in shown:
            if hit.message_id is not None:
                self._hits[hit.conversation_id] = hit.message_id
                self._snippets[hit.conversation_id] = " ".join(hit.snippet.split())
        found = self._core.conversations_by_id([hit.conversation_id for hit in shown])
        return [found[hit.conversation_id] for hit in shown if hit.conversation_id in found]

    # ---------------------------------------------------------------- changes

    def apply(self, changes: Changes) -> None:
        """Show what the core changed: rows added, moved into place, updated or gone."""
        if changes.reloaded:
            self.reload()
            return
        for conversation_id in changes.removed_conversations:
            self._forget(conversation_id)
        for conversation in changes.conversations:
            self._show(conversation)

    def _show(self, conversation: Conversation) -> None:
        if conversation.id in self._hidden:
            return
        row = self.row_of(conversation.id)
        if self._query:
            if row is not None:
                self._rows[row] = conversation
                self._changed(row)
            return
        if row is None:
            self._insert_sorted(conversation)
        else:
            self._move_into_place(row, conversation)

    def _forget(self, conversation_id: int) -> None:
        """A conversation left the history: its row (if shown) and its place in the count."""
        row = self.row_of(conversation_id)
        if conversation_id in self._hidden:
            self._hidden.discard(conversation_id)
        elif row is not None:
            self._remove_row(row)
        else:
            return
        self._total = max(0, self._total - 1)
        self._offset = max(0, self._offset - 1)

    def _insert_sorted(self, conversation: Conversation) -> None:
        keys = [sidebar_order(c) for c in self._rows]
        position = bisect.bisect_left(keys, sidebar_order(conversation))
        more_below = self.canFetchMore()
        self._total += 1
        if position == len(self._rows) and more_below:
            return
        self._offset += 1
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.insert(position, conversation)
        self.endInsertRows()

    def _move_into_place(self, row: int, conversation: Conversation) -> None:
        rest = self._rows[:row] + self._rows[row + 1:]
        position = bisect.bisect_left([sidebar_order(c) for c in rest],
                                      sidebar_order(conversation))
        if position == row:
            self._rows[row] = conversation
            self._changed(row)
            return
        destination = position if position < row else position + 1
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        self._rows = rest
        self._rows.insert(position, conversation)
        self.endMoveRows()
        self._changed(position)

    def _changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def _remove_row(self, row: int) -> Conversation:
        self.beginRemoveRows(QModelIndex(), row, row)
        conversation = self._rows.pop(row)
        self.endRemoveRows()
        return conversation

    def rename(self, conversation_id: int, title: str) -> None:
        self._core.rename(conversation_id, title)

    def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        self._core.set_pinned(conversation_id, pinned)

    # ---------------------------------------------------------------- undoable delete

    def hide(self, conversation_id: int) -> Conversation | None:
        """Take the row away now; :meth:`purge` deletes it, :meth:`unhide` brings it back."""
        self._hidden.add(conversation_id)
        row = self.row_of(conversation_id)
        return self._remove_row(row) if row is not None else None

    def unhide(self, conversation_id: int) -> None:
        self._hidden.discard(conversation_id)
        conversation = None if self._query else self._core.conversation(conversation_id)
        if conversation is None:
            self.reload()
        else:
            self._show(conversation)

    def purge(self, conversation_id: int) -> None:
        """Delete a hidden conversation for good (the core's change removes it here)."""
        if conversation_id in self._hidden:
            self._core.delete_conversation(conversation_id)

    # ---------------------------------------------------------------- display

    def _subtitle(self, conversation: Conversation) -> str:
        snippet = self._snippets.get(conversation.id)
        if snippet:
            return snippet
        count = conversation.message_count
        messages = "1 message" if count == 1 else f"{count} messages"
        return f"{when_text(conversation.updated_at)} · {messages}"
