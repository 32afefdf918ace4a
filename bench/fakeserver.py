"""The project's fake provider (tests/support/fake_api.py) as a separate process.

A separate process, not a thread: a server thread in the benchmark's own process
would take the GIL from the Qt loop and show up as the app's lateness.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from bench import REPO_DIR


class FakeServer:
    """``python -m tests.support.fake_api --port 0 --delay 0`` on 127.0.0.1."""

    def __init__(self) -> None:
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    @property
    def root(self) -> str:
        """The server's address without ``/v1`` (where ``/_fake/`` lives)."""
        return self.url.removesuffix("/v1")

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.fake_api", "--host", "127.0.0.1",
             "--port", "0", "--delay", "0"],
            cwd=REPO_DIR, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if "listening on " not in line:
            self.__exit__(None, None, None)
            raise RuntimeError(f"the fake API did not start: {line!r}")
        self.url = line.split("listening on ", 1)[1]
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def queue_stream(self, reasoning: Sequence[str], content: Sequence[str], *,
                     delay: float = 0.0, count: int = 1) -> None:
        """Make the next ``count`` chat requests stream exactly these pieces."""
        spec = {"kind": "stream", "reasoning": list(reasoning), "content": list(content),
                "delay": delay}
        self._post("queue", {"path": "/chat/completions", "replies": [spec] * count})

    def reset(self) -> None:
        self._post("reset", {})

    def last_chat_body(self) -> Any:
        """The JSON body of the latest chat request the server received."""
        response = httpx.get(f"{self.root}/_fake/requests", timeout=10)
        response.raise_for_status()
        chats = [r for r in response.json() if r["path"].endswith("/chat/completions")]
        return chats[-1]["body"]

    def _post(self, action: str, body: dict[str, Any]) -> None:
        response = httpx.post(f"{self.root}/_fake/{action}", json=body, timeout=10)
        response.raise_for_status()
