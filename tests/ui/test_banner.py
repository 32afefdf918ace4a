"""The strip above the composer: its look follows its kind, whatever the window names it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from grokdesk.ui.banner import KIND_COLORS, Banner


@pytest.mark.parametrize(("name", "kind"), [("noticeBanner", "info"),
                                            ("insecureBanner", "warning")])
def test_a_named_banner_is_drawn_in_the_colours_of_its_kind(qtbot: QtBot, name: str,
                                                            kind: str) -> None:
    banner = Banner()
    qtbot.addWidget(banner)
    banner.setObjectName(name)
    banner.show_message("The history was recovered.", accept="Dismiss", kind=kind)
    banner.resize(400, 60)
    inside = banner.grab().toImage().pixelColor(200, 3)
    assert inside == QColor(KIND_COLORS[kind][0])
