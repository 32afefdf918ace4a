"""PySide's enum classes built the quick way are the same classes (grokdesk.ui.quick_enums).

The app builds them through ``enum._simple_enum`` from its first PySide import on. Every
enum class of QtCore, QtGui and QtWidgets (about 1,450) is built both ways in fresh
interpreters and compared: members, values, order, aliases, flags, the class's own
attributes, ``dir``, repr, pickling, look-ups of missing values. Any other call of the
functional API takes the usual path.
"""

from __future__ import annotations

import enum
import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from grokdesk.ui import quick_enums
from tests.support.enum_signatures import signature

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USUAL_CREATE = quick_enums._usual_create or enum.EnumType._create_  # type: ignore[attr-defined]
"""The standard library's own, whether or not a test ran the app in this process before."""


def _signatures(*ways: str) -> list[dict[str, Any]]:
    """Every enum class's signature, built each way, in fresh interpreters side by side
    (each loads every class of three Qt modules: a few seconds)."""
    processes = [subprocess.Popen([sys.executable, "-m", "tests.support.enum_signatures", way],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  cwd=REPO, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
                 for way in ways]
    found = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=100)
            assert process.returncode == 0, err
            found.append(json.loads(out))
    finally:
        for process in processes:
            process.kill()
            process.wait()
    return found


def test_every_qt_enum_class_is_the_same_built_either_way() -> None:
    usual, quick = _signatures("usual", "quick")
    assert len(usual) > 1000
    assert "PySide6.QtCore.Qt.AlignmentFlag" in usual
    different = [name for name in usual if quick.get(name) != usual[name]]
    assert sorted(quick) == sorted(usual)
    assert different == []


@pytest.fixture
def usual_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Quick enums installed afresh for one test (as they were after it), and the names
    of the enum classes built the usual way meanwhile."""
    monkeypatch.setattr(enum.EnumType, "_create_", USUAL_CREATE)
    monkeypatch.setattr(quick_enums, "_usual_create", None)
    assert quick_enums.install_quick_enums()
    usual = quick_enums._usual_create
    assert usual is not None
    names: list[str] = []

    def counted(cls: type[enum.Enum], class_name: str, names_: Any, **options: Any) -> Any:
        names.append(class_name)
        return usual(cls, class_name, names_, **options)

    monkeypatch.setattr(quick_enums, "_usual_create", counted)
    return names


def _usual(build: Callable[[], type[enum.Enum]]) -> dict[str, Any]:
    """The signature of what ``build`` makes with the standard library alone."""
    quick = enum.EnumType._create_  # type: ignore[attr-defined]
    enum.EnumType._create_ = USUAL_CREATE  # type: ignore[attr-defined]
    try:
        return signature(build())
    finally:
        enum.EnumType._create_ = quick  # type: ignore[attr-defined]


@pytest.mark.parametrize("build", [
    lambda: enum.IntEnum("Shade", [("Light", 1), ("Dark", 2), ("Black", 2)]),
    lambda: enum.Flag("Edges", [("Top", 1), ("Left", 2), ("Corner", 3), ("Far", 1 << 40)],
                      boundary=enum.KEEP),
    lambda: enum.IntFlag("Keys", [("Shift", 0x02000000), ("Ctrl", 0x04000000)],
                         boundary=enum.KEEP),
    lambda: enum.Enum("Empty", []),
], ids=["int-enum-with-alias", "flag-with-multi-bit-member", "int-flag", "empty"])
def test_a_call_shaped_like_pysides_is_built_quick_and_the_same(
        usual_calls: list[str], build: Callable[[], type[enum.Enum]]) -> None:
    quick = signature(build())
    assert usual_calls == []
    assert quick == _usual(build)


@pytest.mark.parametrize("build", [
    lambda: enum.IntEnum("Named", [("One", 1)], module="somewhere"),
    lambda: enum.Enum("Spelled", "RED GREEN"),
    lambda: enum.Enum("Mapped", {"RED": 1}),
    lambda: enum.Enum("Worded", [("RED", "red")]),
    lambda: enum.Enum("Clashing", [("name", 1)]),
    lambda: enum.Enum("Mixed", [("One", 1)], type=int),
], ids=["module-given", "names-as-text", "mapping", "text-value", "base-attribute", "mixin"])
def test_other_calls_take_the_usual_path(usual_calls: list[str],
                                          build: Callable[[], type[enum.Enum]]) -> None:
    built = build()
    assert usual_calls == [built.__name__]
    assert signature(built) == _usual(build), "the same class, in the caller's module"
    assert built.__module__ == ("somewhere" if built.__name__ == "Named" else __name__)


def test_errors_are_the_usual_ones(usual_calls: list[str]) -> None:
    with pytest.raises(TypeError, match="already defined"):
        enum.Enum("Twice", [("RED", 1), ("RED", 2)])
    with pytest.raises(ValueError, match="_sunder_ names"):
        enum.Enum("Reserved", [("_odd_", 1)])


def test_a_python_it_was_not_checked_on_keeps_the_usual_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(enum.EnumType, "_create_", USUAL_CREATE)
    monkeypatch.setattr(quick_enums, "_usual_create", None)
    monkeypatch.setattr(quick_enums, "CHECKED_ON", ())
    assert not quick_enums.install_quick_enums()
    assert enum.EnumType._create_ is USUAL_CREATE  # type: ignore[attr-defined]


def test_a_python_whose_enum_builds_the_probes_differently_keeps_the_usual_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A patch release may change what ``enum`` keeps in a class: the quick way is only
    taken where it builds the probes exactly as the usual way does."""
    monkeypatch.setattr(enum.EnumType, "_create_", USUAL_CREATE)
    monkeypatch.setattr(quick_enums, "_usual_create", None)
    real = quick_enums._add_members

    def one_thing_less(enum_class: Any, members: dict[str, int]) -> None:
        real(enum_class, members)
        vars(enum_class)["_member_names_"].reverse()

    monkeypatch.setattr(quick_enums, "_add_members", one_thing_less)
    assert not quick_enums.install_quick_enums()
    assert enum.EnumType._create_ is USUAL_CREATE  # type: ignore[attr-defined]
    assert quick_enums._usual_create is None


def test_the_app_installs_it_before_pyside_makes_an_enum() -> None:
    script = ("import enum, sys\n"
              "from grokdesk.app import make_application\n"
              "assert 'PySide6.QtCore' not in sys.modules\n"
              "make_application([])\n"
              "print(enum.EnumType._create_.__module__)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=True, cwd=REPO,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == "grokdesk.ui.quick_enums"
