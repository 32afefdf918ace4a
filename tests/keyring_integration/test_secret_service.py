"""The real Secret Service (gnome-keyring in a private D-Bus session): store, use, delete.

Run by ``tests/keyring_integration/run.sh`` (``make test`` does), which starts the
session; outside it these tests are deselected by their marker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from grokdesk.config import BUILTIN_PROFILES
from grokdesk.secrets import SERVICE, KeyStore
from tests.support.fake_api import FakeAPI

pytestmark = pytest.mark.keyring_integration

KEY = "sk-integration-9f8e7d6c5b4a3210"


def test_the_backend_is_the_secret_service() -> None:
    backend = keyring.get_keyring()
    backends = getattr(backend, "backends", [backend])
    assert any(type(b).__module__ == "keyring.backends.SecretService" for b in backends)
    assert KeyStore().available()
    assert KeyStore().backend_name() == "SecretService.Keyring"


def test_store_read_delete_through_the_secret_service() -> None:
    keys = KeyStore()
    keys.store("xai", KEY)
    assert keyring.get_password(SERVICE, "xai") == KEY
    assert keys.lookup(BUILTIN_PROFILES["xai"]).source == "keyring"
    assert keys.delete("xai") is True
    assert keyring.get_password(SERVICE, "xai") is None


def _grokdesk(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grokdesk", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_cli_key_set_is_used_by_ask_and_never_written_to_disk(
    tmp_path: Path, fake_api: FakeAPI
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROKDESK_")}
    env.update(GROKDESK_DATA_DIR=str(tmp_path / "data"), GROKDESK_BASE_URL=fake_api.url)

    stored = _grokdesk("key", "set", env=env, stdin=KEY + "\n")
    assert stored.returncode == 0, stored.stderr
    status = _grokdesk("key", "status", env=env)
    assert "system keyring" in status.stdout and KEY not in status.stdout

    asked = _grokdesk("--debug", "ask", "Hello there", env=env)
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.strip()
    assert fake_api.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in asked.stdout + asked.stderr

    homes = [tmp_path, Path(os.environ["HOME"])]
    for root in homes:
        for path in root.rglob("*"):
            if path.is_file() and "keyrings" not in path.parts:
                assert KEY.encode() not in path.read_bytes(), path

    deleted = _grokdesk("key", "delete", env=env)
    assert deleted.returncode == 0 and "deleted" in deleted.stdout
    failed = _grokdesk("ask", "Hello again", env=env)
    assert failed.returncode == 1
    assert "No API key" in failed.stderr and "grokdesk key set" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_the_chain_over_the_secret_service_keeps_keys() -> None:
    from keyring.backends.chainer import ChainerBackend

    keys = KeyStore(ChainerBackend())
    assert keys.available()
    keys.store("xai", KEY)
    assert keyring.get_password(SERVICE, "xai") == KEY
    assert keys.delete("xai") is True


@pytest.mark.parametrize("backend", ["keyring.backends.null.Keyring",
                                     "keyring.backends.fail.Keyring"])
def test_a_backend_that_keeps_nothing_is_refused_beside_a_secret_service(
        backend: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROKDESK_")}
    env.update(GROKDESK_DATA_DIR=str(tmp_path / "data"), PYTHON_KEYRING_BACKEND=backend)
    stored = _grokdesk("key", "set", env=env, stdin=KEY + "\n")
    assert stored.returncode == 1 and "stored" not in stored.stdout
    assert len(stored.stderr.strip().splitlines()) == 1, stored.stderr
    assert "GROKDESK_API_KEY" in stored.stderr and KEY not in stored.stderr
    assert keyring.get_password(SERVICE, "aimlapi") is None
