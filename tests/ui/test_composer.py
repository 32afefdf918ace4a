"""The composer: which key sends, Stop while busy, text kept until the core takes it, drafts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from grokdesk.ui.composer import Composer

ENTER = Qt.Key.Key_Return
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def make(qtbot: QtBot) -> Composer:
    composer = Composer()
    qtbot.addWidget(composer)
    with qtbot.waitExposed(composer):
        composer.show()
    return composer


def test_enter_sends_and_shift_enter_starts_a_new_line(qtbot: QtBot) -> None:
    composer = make(qtbot)
    sent: list[str] = []
    composer.sendRequested.connect(sent.append)
    qtbot.keyClicks(composer.input, "first line")
    qtbot.keyClick(composer.input, ENTER, SHIFT)
    qtbot.keyClicks(composer.input, "second line")
    assert sent == []
    qtbot.keyClick(composer.input, ENTER)
    assert sent == ["first line\nsecond line"]
    assert composer.text() == "first line\nsecond line", "cleared only once the core took it"
    composer.accept_sent()
    assert composer.text() == ""


def test_ctrl_enter_mode_makes_enter_a_newline(qtbot: QtBot) -> None:
    composer = make(qtbot)
    composer.set_send_with_enter(False)
    sent: list[str] = []
    composer.sendRequested.connect(sent.append)
    qtbot.keyClicks(composer.input, "a")
    qtbot.keyClick(composer.input, ENTER)
    qtbot.keyClicks(composer.input, "b")
    assert sent == []
    assert "Ctrl+Enter to send" in composer.input.placeholderText()
    qtbot.keyClick(composer.input, ENTER, CTRL)
    assert sent == ["a\nb"]


def test_blank_text_is_not_sent_and_the_box_grows_with_the_text(qtbot: QtBot) -> None:
    composer = make(qtbot)
    sent: list[str] = []
    composer.sendRequested.connect(sent.append)
    qtbot.keyClicks(composer.input, "   ")
    qtbot.keyClick(composer.input, ENTER)
    assert sent == []
    small = composer.input.height()
    composer.set_text("\n".join(f"line {n}" for n in range(6)))
    assert composer.input.height() > small
    composer.set_text("\n".join(f"line {n}" for n in range(40)))
    tallest = composer.input.height()
    composer.set_text("\n".join(f"line {n}" for n in range(80)))
    assert composer.input.height() == tallest, "stops growing and scrolls instead"


def test_while_busy_the_button_stops_and_enter_keeps_the_text(qtbot: QtBot) -> None:
    composer = make(qtbot)
    sent: list[str] = []
    stops: list[bool] = []
    composer.sendRequested.connect(sent.append)
    composer.stopRequested.connect(lambda: stops.append(True))
    composer.set_busy(True)
    assert composer.button.text() == "Stop"
    qtbot.keyClicks(composer.input, "typed while it streams")
    qtbot.keyClick(composer.input, ENTER)
    assert sent == [] and composer.text() == "typed while it streams"
    qtbot.mouseClick(composer.button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(composer.input, Qt.Key.Key_Escape)
    assert stops == [True, True]
    composer.set_busy(False)
    assert composer.button.text() == "Send"
    qtbot.mouseClick(composer.button, Qt.MouseButton.LeftButton)
    assert sent == ["typed while it streams"]


def test_drafts_are_kept_per_conversation(qtbot: QtBot) -> None:
    composer = make(qtbot)
    composer.switch_draft(1)
    qtbot.keyClicks(composer.input, "draft for one")
    composer.switch_draft(2)
    assert composer.text() == ""
    qtbot.keyClicks(composer.input, "draft for two")
    composer.switch_draft(None)
    assert composer.text() == ""
    composer.switch_draft(1)
    assert composer.text() == "draft for one"
    composer.switch_draft(2)
    assert composer.text() == "draft for two"
    composer.forget_draft(1)
    composer.switch_draft(1)
    assert composer.text() == ""
