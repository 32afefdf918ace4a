"""Private files are written whole and readable by their owner only (drafts, renders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grokdesk.private_file import write_private


def test_a_new_file_is_owner_only_and_replaces_the_old_one_whole(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "drafts.json"
    write_private(path, "first")
    stale = path.with_suffix(".tmp")
    stale.write_text("left by a crash")
    stale.chmod(0o644)
    write_private(path, "second ✓")
    assert path.read_text(encoding="utf-8") == "second ✓"
    assert path.stat().st_mode & 0o777 == 0o600
    assert not stale.exists()


def test_a_failed_write_leaves_the_previous_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "renders.json"
    write_private(path, "kept")

    def refused(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("grokdesk.private_file.os.replace", refused)
    with pytest.raises(OSError, match="disk full"):
        write_private(path, "lost")
    assert path.read_text(encoding="utf-8") == "kept"
    assert not path.with_suffix(".tmp").exists()
