"""Real proxy servers from maintained packages, run as subprocesses on 127.0.0.1.

- HTTP: ``proxy.py`` (``python -m proxy``), which writes an access log line per
  connection (``CONNECT host:port`` or ``GET host:port/path``).
- SOCKS5: ``pproxy`` (``-l socks5://…``), which with ``-v`` prints
  ``socks5 <client> -> <target>`` per connection.

Each can require a user name and password. The logs are how a test proves that a
request went through the proxy and not around it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

READY_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"proxy exited early: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"proxy did not listen on {port}: {log.read_text(errors='replace')}")


class ProxyProcess:
    """One proxy subprocess; :attr:`url` has no credentials, :meth:`log` is its output."""

    def __init__(self, scheme: str, command: list[str], port: int, log: Path) -> None:
        self.scheme = scheme
        self.port = port
        self._log_path = log
        self._out = log.open("ab")
        self.process = subprocess.Popen(
            command, stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            _wait_for_port(port, self.process, log)
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, fragment: str, timeout: float = 5.0) -> bool:
        """Whether ``fragment`` shows up in the log within ``timeout`` (lines come late:
        proxy.py writes its access line when the connection closes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if fragment in self.log():
                return True
            time.sleep(0.05)
        return fragment in self.log()

    def stop(self) -> None:
        """End this subprocess and its children (its own session), and nothing else."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._out.close()


def start_http_proxy(tmp: Path, auth: tuple[str, str] | None = None) -> ProxyProcess:
    """proxy.py on a free port, optionally with Basic auth."""
    port = free_port()
    log = tmp / f"proxy-py-{port}.log"
    command = [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", str(port),
               "--threaded", "--num-acceptors", "1", "--log-level", "INFO",
               "--log-file", str(log)]
    if auth is not None:
        command += ["--basic-auth", f"{auth[0]}:{auth[1]}"]
    return ProxyProcess("http", command, port, log)


def start_socks_proxy(tmp: Path, auth: tuple[str, str] | None = None) -> ProxyProcess:
    """pproxy as a SOCKS5 server on a free port, optionally with user name and password."""
    port = free_port()
    listen = f"socks5://127.0.0.1:{port}"
    if auth is not None:
        listen += f"#{auth[0]}:{auth[1]}"
    command = [sys.executable, "-m", "pproxy", "-l", listen, "-v"]
    return ProxyProcess("socks5", command, port, tmp / f"pproxy-{port}.log")
