"""A base URL may carry ``user:password@`` (a gateway with basic auth); no log line shows it.

``--debug`` logs every request's URL, grokdesk's own line and httpx's; both go through
one helper and the log formatter, which drop the user information of every URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grokdesk.api.client import ChatClient
from grokdesk.errors import url_for_log, without_userinfo
from tests.reliability.helpers import write_config
from tests.support import fake_api as fake
from tests.support.fake_api import FakeAPI

ROOT = Path(__file__).parents[2]
USER, PASSWORD = "alice-gw", "s3cret-Pa55"
USERINFO = [f"{USER}:{PASSWORD}@", f"{USER}@", f":{PASSWORD}@", f"{USER}:p%40{PASSWORD}@",
            f"{USER}:p@{PASSWORD}@"]


@pytest.mark.parametrize("userinfo", USERINFO)
def test_debug_logs_never_show_the_user_and_password_of_the_base_url(
        fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch, userinfo: str) -> None:
    monkeypatch.setenv("GROKDESK_API_KEY", "sk-url-test-0123456789abcdef")
    write_config(read_timeout=5.0, connect_timeout=2.0, max_retries=1)
    base_url = fake_api.url.replace("://", f"://{userinfo}", 1)
    fake_api.queue(fake.status(503, {"message": "busy"}), fake.stream(["r"], ["Fine."]))
    done = subprocess.run([sys.executable, "-m", "grokdesk", "--debug", "ask", "--base-url",
                           base_url, "Hi"], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Fine.\n"
    assert "HTTP Request: POST" in done.stderr  # httpx's own line is there...
    assert f"POST {fake_api.url}/chat/completions" in done.stderr  # ...and grokdesk's
    for secret in (PASSWORD, USER):
        assert secret not in done.stderr + done.stdout


@pytest.mark.parametrize("userinfo", USERINFO)
def test_a_client_repr_hides_the_user_and_password(userinfo: str) -> None:
    client = ChatClient(f"https://{userinfo}gateway.example/v1", None)
    assert USER not in repr(client) and PASSWORD not in repr(client)
    assert "https://gateway.example/v1" in repr(client)


@given(user=st.text(alphabet=st.characters(exclude_characters="/?#", codec="ascii",
                                           exclude_categories=["Cc", "Zs"]), min_size=1),
       scheme=st.sampled_from(["http", "https", "socks5h"]),
       host=st.sampled_from(["127.0.0.1:8080", "[::1]", "api.example"]))
def test_userinfo_is_removed_from_any_url(user: str, scheme: str, host: str) -> None:
    url = f"{scheme}://{user}@{host}/v1?x=1"
    assert url_for_log(url) == f"{scheme}://{host}/v1?x=1"
    assert without_userinfo(f"POST {url} and {url}") == (
        f"POST {scheme}://{host}/v1?x=1 and {scheme}://{host}/v1?x=1")
