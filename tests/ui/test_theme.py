"""The theme manager: the platform's look for "system", Fusion for a chosen light or dark,
and nothing redone that is already so (each style set again polishes every widget)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from grokdesk.ui.colors import is_dark
from grokdesk.ui.theme import ThemeManager


@pytest.fixture
def theme(qapp: QApplication) -> Iterator[ThemeManager]:
    manager = ThemeManager(qapp)
    try:
        yield manager
    finally:
        manager.apply("system")
        manager.setParent(None)


def test_following_the_system_at_start_keeps_the_platforms_style(
        qapp: QApplication, theme: ThemeManager) -> None:
    style = qapp.style()
    assert theme.apply("system") is False  # the offscreen platform is light
    assert qapp.style() is style


def test_back_to_the_system_after_dark_restores_the_platforms_style_and_palette(
        qapp: QApplication, theme: ThemeManager) -> None:
    native = qapp.style().name()
    assert theme.apply("dark") is True
    assert qapp.style().name().lower() == "fusion"
    assert is_dark(qapp.palette())
    assert theme.apply("system") is False
    assert qapp.style().name() == native
    assert not is_dark(qapp.palette())
    style = qapp.style()
    theme.apply("system")
    assert qapp.style() is style


def test_light_then_dark_then_light_each_says_what_it_is(theme: ThemeManager) -> None:
    flips: list[bool] = []
    theme.darkChanged.connect(flips.append)
    assert [theme.apply(choice) for choice in ("light", "dark", "light")] == [False, True, False]
    assert flips == [True, False]
