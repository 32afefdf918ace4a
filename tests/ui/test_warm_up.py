"""The connection is got ready when the user starts typing, on a worker thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from grokdesk.render import highlight
from grokdesk.render.math.typeset import cached
from grokdesk.ui.transcript.math_worker import WARM_UP, MathWorker
from tests.ui.conftest import MakeWindow


def test_typing_warms_the_connection_up_once_off_the_gui_thread(
        make_window: MakeWindow) -> None:
    harness = make_window(show=False)
    service = harness.controller.service
    threads: list[str] = []
    real_warm_up = service.warm_up

    def recording_warm_up() -> None:
        threads.append(threading.current_thread().name)
        real_warm_up()

    service.warm_up = recording_warm_up  # type: ignore[method-assign]
    with harness.qtbot.waitActive(harness.window):
        harness.window.show()

    async def scenario() -> None:
        await asyncio.sleep(0.3)
        assert threads == [], "a window that is only looked at needs no network stack"
        harness.window.composer.input.setFocus()
        harness.qtbot.keyClicks(harness.window.composer.input, "H")
        await harness.until(lambda: threads, what="the warm-up")
        harness.qtbot.keyClicks(harness.window.composer.input, "ello")
        await asyncio.sleep(0.2)

    harness.run(scenario())
    assert len(threads) == 1
    assert threads[0] != threading.main_thread().name
    assert harness.window.composer.text() == "Hello"


def test_typing_starts_the_math_typesetter_before_any_answer_needs_it(
        make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    harness = make_window()
    prepared: list[str] = []
    real_prepare = MathWorker.prepare

    def recording_prepare(worker: MathWorker) -> None:
        prepared.append(threading.current_thread().name)
        real_prepare(worker)

    monkeypatch.setattr(MathWorker, "prepare", recording_prepare)

    async def scenario() -> None:
        harness.window.composer.input.setFocus()
        harness.qtbot.keyClicks(harness.window.composer.input, "Integrate")
        await harness.until(lambda: prepared, what="the typesetter's warm-up")
        await harness.until(lambda: cached(WARM_UP)[0], timeout=30,
                            what="the fonts loaded in the typesetting process")

    harness.run(scenario())
    assert prepared == [threading.main_thread().name], "its QObject lives on the GUI thread"


def test_typing_compiles_the_common_code_lexers_off_the_gui_thread(
        make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    harness = make_window()
    compiled: list[tuple[str, str]] = []
    real_lexer = highlight._lexer

    def recording_lexer(lang: str) -> object:
        compiled.append((lang, threading.current_thread().name))
        return real_lexer(lang)

    monkeypatch.setattr(highlight, "_lexer", recording_lexer)

    async def scenario() -> None:
        harness.window.composer.input.setFocus()
        harness.qtbot.keyClicks(harness.window.composer.input, "Show me code")
        await harness.until(lambda: len(compiled) == len(highlight.COMMON_LANGUAGES),
                            what="the lexers compiled")

    harness.run(scenario())
    assert [lang for lang, _ in compiled] == list(highlight.COMMON_LANGUAGES)
    assert all(thread != threading.main_thread().name for _, thread in compiled)
