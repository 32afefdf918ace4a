"""Small files as private as the history (settings, drafts, stored renders, the model
list), replaced whole.

The text goes to a temporary file readable by its owner only, then takes the file's
place in one rename, so the app stopping mid-write leaves the previous file as it was
(nothing is synced to the disk: a power cut may lose the last write).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8), owner-only; raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    try:
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, 0o600)  # an existing temporary file kept its old mode
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
