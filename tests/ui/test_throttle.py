"""Throttle: the first call goes through, the rest coalesce into one with the latest arguments."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from types import SimpleNamespace

import pytest
from pytestqt.qtbot import QtBot

from grokdesk.ui.transcript import throttle as throttle_module
from grokdesk.ui.transcript.throttle import Throttle


def test_first_call_now_then_one_call_with_the_latest_arguments(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    # The ten calls come within one instant of the throttle's clock, however loaded the
    # machine is; the coalesced call still waits for a real timer.
    monkeypatch.setattr(throttle_module, "time", SimpleNamespace(monotonic=lambda: 50.0))
    calls: list[int] = []
    throttle = Throttle(calls.append, 30)
    for i in range(10):
        throttle(i)
    assert calls == [0]
    assert throttle.pending
    qtbot.waitUntil(lambda: calls == [0, 9])
    assert not throttle.pending


def test_calls_spaced_wider_than_the_delay_all_go_through(qtbot: QtBot) -> None:
    calls: list[str] = []
    throttle = Throttle(calls.append, 10)
    throttle("a")
    qtbot.wait(30)
    throttle("b")
    assert calls == ["a", "b"]


def test_flush_makes_the_waiting_call_now_and_cancel_drops_it(qtbot: QtBot) -> None:
    calls: list[str] = []
    throttle = Throttle(calls.append, 1000)
    throttle("first")
    throttle("waiting")
    throttle.flush()
    assert calls == ["first", "waiting"]
    throttle("dropped")
    throttle.cancel()
    qtbot.wait(50)
    assert calls == ["first", "waiting"]
    assert not throttle.pending


def test_keyword_arguments_are_passed_on(qtbot: QtBot) -> None:
    seen: list[tuple[int, int]] = []

    def record(a: int, *, b: int) -> None:
        seen.append((a, b))

    throttle = Throttle(record, 10)
    throttle(1, b=2)
    assert seen == [(1, 2)]
