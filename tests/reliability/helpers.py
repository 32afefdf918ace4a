"""Shared by the reliability and security suites: the real CLI in-process, test settings,
and what a fake reply sends before its fault. (No test resolves a name off this machine:
the root conftest's resolver guard makes such lookups fail like an unknown name.)"""

from __future__ import annotations

import io
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grokdesk import paths
from grokdesk.cli import main
from tests.support import fake_api as fake

KEY = "sk-fault-test-0123456789abcdefXYZ"
READ_TIMEOUT = 0.5
CONNECT_TIMEOUT = 0.5
MAX_RETRIES = 1


@dataclass(frozen=True)
class Run:
    """What one ``grokdesk`` command did."""

    code: int
    out: str
    err: str


def grokdesk(*args: str, stdin: str = "") -> Run:
    """Run the real command line in this process (so fixtures like a keyring apply)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return Run(code, out.getvalue(), err.getvalue())


def show(conversation_id: int) -> dict[str, Any]:
    """``grokdesk show ID --json``, parsed."""
    result = grokdesk("show", str(conversation_id), "--json")
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def newest_conversation_id() -> int:
    listed = json.loads(grokdesk("list", "--json").out)
    assert listed, "no conversation was stored"
    return int(listed[0]["id"])


def write_config(*, read_timeout: float = READ_TIMEOUT, connect_timeout: float = CONNECT_TIMEOUT,
                 max_retries: int = MAX_RETRIES) -> Path:
    """The settings file the app and the CLI read, with test-sized timeouts and retries."""
    config = paths.config_path()
    config.write_text(f"[network]\nconnect_timeout = {connect_timeout}\n"
                      f"read_timeout = {read_timeout}\nmax_retries = {max_retries}\n",
                      encoding="utf-8")
    return config


def arrived(reply: fake.Stream, chunks: int) -> tuple[str, str]:
    """The (content, reasoning) that the first ``chunks`` data chunks of ``reply`` carry:
    what the server sent before its fault, to compare with what was stored."""
    content, reasoning = [], []
    for chunk in reply.chunks()[:chunks]:
        for choice in chunk["choices"]:
            delta = choice.get("delta") or {}
            content.append(delta.get("content") or "")
            reasoning.append(delta.get(reply.reasoning_key) or "")
    return "".join(content), "".join(reasoning)


def closed_port_url() -> str:
    """A loopback base URL where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
