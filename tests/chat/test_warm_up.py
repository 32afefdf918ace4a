"""The core's warm-up leaves nothing of the network stack for the first send to import.

Run in a fresh interpreter: in the test process, earlier tests have imported it all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WARM_UP_ON_A_THREAD = """
import json, sys, threading
from pathlib import Path
from grokdesk.chat.service import ChatService
from grokdesk.config import Settings
from grokdesk.secrets import KeyStore
from grokdesk.storage.db import open_database
from grokdesk.storage.repository import History
from tests.support.memory_keyring import MemoryKeyring

keys = KeyStore(MemoryKeyring())
keys.store("aimlapi", "sk-warm-up-test")
service = ChatService(History(open_database(Path(sys.argv[1]))), Settings(), keys)
thread = threading.Thread(target=service.warm_up)
thread.start()
thread.join()
print(json.dumps(sorted(m for m in ("httpx", "anyio._backends._asyncio") if m in sys.modules)))
"""


def test_the_warm_up_loads_httpx_and_the_async_backend_its_transport_uses(
        tmp_path: Path) -> None:
    """Otherwise the first request imports anyio's asyncio backend on the loop's thread:
    an 80–90 ms pause at the start of the first answer (docs/performance.md, section 19)."""
    result = subprocess.run(
        [sys.executable, "-c", WARM_UP_ON_A_THREAD, str(tmp_path / "history.sqlite3")],
        capture_output=True, text=True, timeout=120, check=True,
        cwd=Path(__file__).resolve().parents[2], env={**os.environ, "GROKDESK_API_KEY": ""})
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "anyio._backends._asyncio", "httpx"]
