"""The math worker's results come back on its pool's thread, or on the caller's when they
are back before the request has finished handing them over; either way ``finished`` is
delivered from the event loop."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from grokdesk.render.math import IMAGE_SCHEME, TypesetMath
from grokdesk.render.math.typeset import cached, math_request
from grokdesk.ui.transcript.math_worker import MathWorker, math_worker
from grokdesk.ui.transcript.message_body import MessageBody


class DoneAtOnce(Executor):
    """A pool whose work is finished by the time ``submit`` returns: what a worker thread
    or process does when the GUI thread loses the CPU right after submitting."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@pytest.mark.timeout(30)  # the failure this guards against is a hang
def test_an_equation_typeset_before_its_callback_is_attached_is_kept(
        qapp: QApplication) -> None:
    worker = MathWorker()
    worker._pool = DoneAtOnce()
    signalled: list[bool] = []
    worker.finished.connect(lambda: signalled.append(True))
    request = math_request(r"\sum_{k=1}^{23} k = 276", False, "#204060", 15.0)
    worker.request([request])
    found, result = cached(request)
    assert found and isinstance(result, TypesetMath)
    assert not worker.busy()
    QApplication.processEvents()
    assert signalled == [True]


class CancelledAtOnce(Executor):
    """A pool shut down with the request still waiting: its future comes back cancelled."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.cancel()
        return future


def test_an_equation_cancelled_by_a_shutdown_is_typeset_when_asked_again(
        qapp: QApplication) -> None:
    worker = MathWorker()
    worker._pool = CancelledAtOnce()
    request = math_request(r"\prod_{k=1}^{7} k = 5040", False, "#405060", 15.0)
    worker.request([request])
    assert not worker.busy(), "a cancelled equation is not waited for"
    worker._pool = DoneAtOnce()
    worker.request([request])
    found, result = cached(request)
    assert found and isinstance(result, TypesetMath)


def test_a_view_draws_math_typeset_before_its_callback_is_attached(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The result back while the view is still asking for it: ``finished`` comes from the
    event loop, not from inside the request, where the view would render again and then
    finish its first render over the math it had just drawn."""
    monkeypatch.setattr(math_worker(), "_pool", DoneAtOnce())
    body = MessageBody()
    qtbot.addWidget(body)
    body.resize(700, 400)
    body.show_markdown(r"Quick: \(q_{19}^{2} = 361\).", dark=False)
    qtbot.waitUntil(lambda: not body.waiting_for_math)
    assert f'src="{IMAGE_SCHEME}:' in body.stable.document().toHtml()
    assert r"q_{19}" not in body.stable.toPlainText()


def test_finished_comes_from_the_event_loop(qtbot: QtBot) -> None:
    worker = MathWorker()
    worker._pool = DoneAtOnce()
    signalled: list[bool] = []
    worker.finished.connect(lambda: signalled.append(True))
    worker.request([math_request(r"\binom{9}{2} = 36", False, "#306090", 15.0)])
    assert signalled == [], "not from inside the request"
    qtbot.waitUntil(lambda: signalled == [True])
