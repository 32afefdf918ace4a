"""Unsent composer text, kept on disk so a restart or a crash does not lose it.

Drafts are the user's own words, as sensitive as the history, so they live beside
it in the data folder (never a key: the composer never holds one). The file is small
JSON written atomically (a temporary file, then a rename), so a crash mid-write
leaves the previous drafts in place. A draft store that cannot be read or written
is logged and otherwise ignored: drafts are a convenience, not the history.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from grokdesk import paths
from grokdesk.private_file import write_private

log = logging.getLogger("grokdesk.ui")

DraftKey = int | None
FILE_NAME = "drafts.json"
NEW_CHAT = "new"
VERSION = 1


class DraftStore:
    """Reads and writes the drafts file: ``{"version": 1, "drafts": {"<id>|new": text}}``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else paths.data_dir() / FILE_NAME
        self._written: dict[DraftKey, str] | None = None

    def load(self) -> dict[DraftKey, str]:
        """The drafts by conversation id (None for the new-chat draft); {} if unreadable."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("Drafts file %s unreadable: %s", self.path, exc)
            return {}
        drafts = data.get("drafts") if isinstance(data, dict) else None
        if not isinstance(drafts, dict):
            return {}
        found: dict[DraftKey, str] = {}
        for key, text in drafts.items():
            if not isinstance(text, str) or not text:
                continue
            if key == NEW_CHAT:
                found[None] = text
            elif isinstance(key, str) and key.isdigit():
                found[int(key)] = text
        self._written = dict(found)
        return found

    def save(self, drafts: dict[DraftKey, str]) -> None:
        """Write ``drafts`` (empty ones dropped) unless they are what the file already holds."""
        kept = {key: text for key, text in drafts.items() if text.strip()}
        if kept == self._written:
            return
        document = {"version": VERSION,
                    "drafts": {NEW_CHAT if key is None else str(key): text
                               for key, text in kept.items()}}
        try:
            write_private(self.path, json.dumps(document, ensure_ascii=False))
        except OSError as exc:
            log.warning("Drafts not saved to %s: %s", self.path, exc)
            return
        self._written = kept
