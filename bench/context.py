"""What every figure module gets: the run's size, its histories, and the shared Qt session."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench.appdriver import QtSession
from bench.datagen import FULL, SMOKE, History, ensure_history

N = TypeVar("N", int, float)


@dataclass
class Context:
    """``smoke`` runs everything tiny and once; ``repeat`` overrides the repetition counts."""

    smoke: bool = False
    repeat: int | None = None
    trace_late_ms: float | None = None
    """With a value, lateness probes keep the GUI thread's stack for ticks this late."""
    _qt: QtSession | None = None
    _history: History | None = None
    _work: Path | None = None
    notes: list[str] = field(default_factory=list)

    def reps(self, full: int, smoke: int = 1) -> int:
        """How many times to repeat a measurement in this run."""
        if self.repeat is not None:
            return self.repeat
        return smoke if self.smoke else full

    def size(self, full: N, smoke: N) -> N:
        """A data size or duration: ``full`` in a real run, ``smoke`` in a smoke run."""
        return smoke if self.smoke else full

    @property
    def history(self) -> History:
        """The big history (10,000 conversations / 200,000 messages; tiny in smoke runs)."""
        if self._history is None:
            self._history = ensure_history(SMOKE if self.smoke else FULL)
        return self._history

    @property
    def qt(self) -> QtSession:
        if self._qt is None:
            self._qt = QtSession()
        return self._qt

    def workdir(self, name: str) -> Path:
        """A fresh scratch folder for one figure, removed at the end of the run."""
        if self._work is None:
            self._work = Path(tempfile.mkdtemp(prefix="grokdesk-bench-"))
        path = self._work / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def close(self) -> None:
        if self._qt is not None:
            self._qt.close()
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
