"""Build PySide's enum classes the quick way the standard library builds its own.

PySide makes a Python enum class for each C++ enum of a type the first time the type is
used, through the functional API of :mod:`enum` (``IntEnum(name, [(member, value), …])``,
with no module). That path checks every member on its own, about 20 µs each: the ``Qt``
namespace alone has 93 enum classes and 1,195 members, and the window's frame makes
about 220 enum classes before it is shown, 40–60 ms of start-up.

The standard library builds its own enums at import (``re.RegexFlag``,
``http.HTTPStatus``) with ``enum._simple_enum``, which skips those checks. Calls of the
functional API shaped like PySide's make their class that way here, with no members;
the members (plain ints with a name, no alias a property) are then added to it the way
``_simple_enum`` adds them on Python 3.13, which on the whole is six to eight times as
fast as the usual path. Every other call, and every Python this was not checked on,
takes the usual path. The classes are the same either way:
``tests/ui/test_quick_enums.py`` compares every enum class of QtCore, QtGui and
QtWidgets built both ways, down to each member's attributes.
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
_static_next_value = False
"""Whether the usual path keeps ``_generate_next_value_`` as a staticmethod (it does from
3.12; ``_simple_enum`` keeps the plain function): set from the probes."""


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


class _Shape:
    """What ``_simple_enum`` reads of the class it converts, its name and namespace,
    without a class made only to be read (9 µs each)."""

    __slots__ = ("__dict__", "__name__")

    def __init__(self, name: str, namespace: dict[str, object]) -> None:
        self.__name__ = name
        self.__dict__ = namespace


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
    return _quick_class(cls, class_name, members, caller, boundary)


def _quick_class(cls: EnumClass, class_name: str, members: dict[str, int], module: str | None,
                 boundary: enum.FlagBoundary | None) -> EnumClass:
    body: dict[str, object] = {} if module is None else {"__module__": module}
    enum_class: EnumClass = enum._simple_enum(  # type: ignore[attr-defined]
        cls, boundary=boundary)(_Shape(class_name, body))
    builtins.type.__setattr__(enum_class, "__doc__", None)  # as the usual path leaves it
    if _static_next_value:  # as the usual path holds it from Python 3.12 on
        next_value = vars(enum_class).get("_generate_next_value_")
        if next_value is not None and not isinstance(next_value, staticmethod):
            builtins.type.__setattr__(enum_class, "_generate_next_value_",
                                      staticmethod(next_value))
    _add_members(enum_class, members)
    return enum_class


def _add_members(enum_class: Any, members: dict[str, int]) -> None:
    """Give a new, empty enum class its members, as ``_simple_enum`` would have: an
    alias is the member of its value, a Flag's canonical members are its single bits,
    and each value is listed once where the Python keeps a list of them for ``in``
    (``_hashable_values_``, from 3.13.1). Members sit in the class itself, never
    behind a look-up property (the usual path holds them the same way)."""
    set_in_class = builtins.type.__setattr__
    by_name, by_value = enum_class._member_map_, enum_class._value2member_map_
    listed: list[int] | None = vars(enum_class).get("_hashable_values_")
    canonical: list[str] = enum_class._member_names_
    new_member, use_args = enum_class._new_member_, enum_class._use_args_
    is_flag = issubclass(enum_class, enum.Flag)
    single_bits = multi_bits = 0
    for name, value in members.items():
        member = by_value.get(value)
        if member is None:
            member = new_member(enum_class, value) if use_args else new_member(enum_class)
            member._value_ = value
            member._name_ = name
            member.__objclass__ = enum_class
            member._sort_order_ = len(canonical)
            by_value[value] = member
            if listed is not None:
                listed.append(value)
            if not is_flag:
                canonical.append(name)
            elif value and not value & (value - 1):
                canonical.append(name)
                single_bits |= value
            else:
                multi_bits |= value
        set_in_class(enum_class, name, member)
        by_name[name] = member
    if is_flag:
        enum_class._flag_mask_ = single_bits | multi_bits
        enum_class._singles_mask_ = single_bits
        enum_class._all_bits_ = 2 ** ((single_bits | multi_bits).bit_length()) - 1
        values = [member._value_ for member in enum_class]
        if values != sorted(values):
            enum_class._iter_member_ = enum_class._iter_member_by_def_


PROBES: tuple[tuple[EnumClass, list[tuple[str, int]]], ...] = (
    (enum.IntEnum, [("Low", 1), ("High", 2), ("Top", 2)]),
    (enum.IntFlag, [("Top", 4), ("Left", 1), ("Corner", 5), ("Edge", 1), ("Far", 1 << 40)]),
)
"""Small enums built both ways before the quick way is trusted: an alias, a multi-bit
flag, values out of order."""


def _state(cls: Any) -> list[object]:
    """What an enum class holds and answers, members named rather than compared."""
    def shown(value: object) -> object:
        if isinstance(value, (list, dict, int, str, bool, type(None))):
            return repr(value)
        return builtins.type(value).__qualname__
    return [sorted((name, shown(value)) for name, value in vars(cls).items()
                   if name not in ("__doc__", "__module__")),
            [(member._name_, member._value_, sorted(vars(member)))
             for member in cls._member_map_.values()],
            [value in cls._value2member_map_ and cls(value).name for value in range(7)]]


def _agrees_here() -> bool:
    """Whether this Python builds :data:`PROBES` the quick way exactly as it does the
    usual way (a patch release may change ``enum``'s internals; 0.5 ms)."""
    global _static_next_value
    assert _usual_create is not None
    usual = [_usual_create(base, "Probe", members, module=__name__) for base, members in PROBES]
    _static_next_value = isinstance(vars(usual[0]).get("_generate_next_value_"), staticmethod)
    return all(_state(built) == _state(_quick_class(base, "Probe", dict(members), __name__, None))
               for built, (base, members) in zip(usual, PROBES, strict=True))


def install_quick_enums() -> bool:
    """From now on, enum classes shaped like PySide's are built the quick way; False on
    a Python they were not checked on, or whose ``enum`` builds the probes differently
    (nothing changes there)."""
    global _usual_create
    if sys.version_info[:2] not in CHECKED_ON or not hasattr(enum, "_simple_enum"):
        return False
    if _usual_create is None:
        _usual_create = enum.EnumType._create_  # type: ignore[attr-defined]
        if not _agrees_here():
            _usual_create = None
            return False
        enum.EnumType._create_ = _create_  # type: ignore[attr-defined]
    return True
