"""Build PySide's enum classes the quick way the standard library builds its own.

PySide makes a Python enum class for each C++ enum of a type the first time the type is
used, through the functional API of :mod:`enum` (``IntEnum(name, [(member, value), …])``,
with no module). That path checks every member on its own, about 20 µs each: the ``Qt``
namespace alone has 93 enum classes and 1,195 members, and the window's frame makes
about 220 enum classes before it is shown, 40–60 ms of start-up.

The standard library builds its own enums at import (``re.RegexFlag``,
``http.HTTPStatus``) with ``enum._simple_enum``, which skips those checks and makes the
same class about four times as fast. Calls of the functional API shaped like PySide's are
built that way here; every other call, and every Python this was not checked on, takes
the usual path. The classes are the same either way: ``tests/ui/test_quick_enums.py``
compares every enum class of QtCore, QtGui and QtWidgets built both ways.
"""

from __future__ import annotations

import builtins
import enum
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Any

CHECKED_ON = ((3, 11), (3, 12), (3, 13))
"""The Pythons whose ``_simple_enum`` classes were compared with the usual ones."""

EnumClass = type[enum.Enum]
_TAKEN = {base: frozenset(name for cls in base.__mro__ for name in vars(cls))
          for base in (enum.Enum, enum.IntEnum, enum.Flag, enum.IntFlag)}
"""Per base PySide builds on, the names its classes already have: no member's."""
_usual_create: Callable[..., EnumClass] | None = None


def _members(cls: EnumClass, names: object) -> dict[str, int] | None:
    """The members of a call shaped like PySide's, or None for any other call: a list of
    (name, int) pairs, each name new, public and no attribute of the enum's bases."""
    taken = _TAKEN.get(cls)
    if taken is None or not isinstance(names, list):
        return None
    members: dict[str, int] = {}
    for item in names:
        if not (isinstance(item, tuple) and len(item) == 2):
            return None
        name, value = item
        if (type(name) is not str or type(value) is not int or name.startswith("_")
                or name in members or name in taken):
            return None
        members[name] = value
    return members


def _create_(cls: EnumClass, class_name: str, names: Any, *, module: str | None = None,
             qualname: str | None = None, type: builtins.type | None = None, start: int = 1,
             boundary: enum.FlagBoundary | None = None) -> EnumClass:
    """``EnumType._create_``, quick for PySide's calls (no module, name or mixin given)."""
    assert _usual_create is not None
    members = None
    if module is None and qualname is None and type is None:
        members = _members(cls, names)
    caller = module
    if caller is None:  # the caller's module, two frames up, as the usual path finds it
        with suppress(AttributeError, ValueError, KeyError):
            caller = sys._getframe(2).f_globals["__name__"]
    if members is None:  # named here: from there the caller is a frame further up
        return _usual_create(cls, class_name, names, module=caller, qualname=qualname,
                             type=type, start=start, boundary=boundary)
    body: dict[str, object] = dict(members)
    if caller is not None:
        body["__module__"] = caller
    enum_class: EnumClass = enum._simple_enum(  # type: ignore[attr-defined]
        cls, boundary=boundary)(builtins.type(class_name, (), body))
    # What the usual path does and _simple_enum does not: no docstring, and each member
    # (alias or not) held in the class itself rather than behind a look-up property.
    builtins.type.__setattr__(enum_class, "__doc__", None)
    for name, member in enum_class._member_map_.items():
        builtins.type.__setattr__(enum_class, name, member)
    return enum_class


def install_quick_enums() -> bool:
    """From now on, enum classes shaped like PySide's are built the quick way; False on
    a Python they were not checked on (nothing changes there)."""
    global _usual_create
    if sys.version_info[:2] not in CHECKED_ON or not hasattr(enum, "_simple_enum"):
        return False
    if _usual_create is None:
        _usual_create = enum.EnumType._create_  # type: ignore[attr-defined]
        enum.EnumType._create_ = _create_  # type: ignore[attr-defined]
    return True
