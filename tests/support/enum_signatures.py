"""Print, as JSON, what every enum class of QtCore, QtGui and QtWidgets is and does.

Run as ``python -m tests.support.enum_signatures quick|usual`` in a fresh interpreter:
``quick`` builds PySide's enum classes through :mod:`grokdesk.ui.quick_enums`, ``usual``
through the standard path. Everything that differs between two enum classes that should
be the same is in the record (never an address), so two runs compare as equal or not.
"""

from __future__ import annotations

import enum
import json
import operator
import pickle
import sys
from functools import partial
from typing import Any


def _enum_classes() -> dict[str, enum.EnumType]:
    """Every enum class of the three modules, of their types and of the types within."""
    from PySide6 import QtCore, QtGui, QtWidgets

    found: dict[str, enum.EnumType] = {}

    def visit(owner: object, prefix: str, depth: int) -> None:
        for name in sorted(dir(owner)):
            if name.startswith("__"):
                continue
            try:
                value = getattr(owner, name)
            except Exception:
                continue
            if isinstance(value, enum.EnumType):
                found[prefix + name] = value
            elif (isinstance(value, type) and depth < 2
                  and value.__module__.startswith("PySide6")):
                visit(value, f"{prefix}{name}.", depth + 1)

    for module in (QtCore, QtGui, QtWidgets):
        visit(module, module.__name__ + ".", 0)
    return found


def _outcome(call: Any) -> str:
    """What ``call()`` gives, or the kind of error it raises."""
    try:
        return repr(call())
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def _name_of(value: object) -> str:
    return str(getattr(value, "__qualname__", None) or type(value).__qualname__)


def signature(cls: Any) -> dict[str, Any]:
    """What ``cls`` is and does, as plain data."""
    members = list(cls.__members__.values())
    record: dict[str, Any] = {
        "mro": [base.__qualname__ for base in cls.__mro__],
        "names": [cls.__module__, cls.__qualname__, cls.__doc__],
        "members": [(name, repr(member.value), member.name)
                    for name, member in cls.__members__.items()],
        "iterated": [member.name for member in cls],
        "canonical": list(cls._member_names_),
        "by_value": sorted((repr(value), member.name)
                           for value, member in cls._value2member_map_.items()),
        "class_dict": sorted((name, type(value).__name__, _name_of(value))
                             for name, value in vars(cls).items()
                             if name not in ("__doc__", "__module__", "__qualname__")),
        "dir": dir(cls),
        "flag": [repr(getattr(cls, name, None)) for name in
                 ("_flag_mask_", "_all_bits_", "_singles_mask_", "_boundary_")],
        "missing": _outcome(lambda: cls(123456789)),
        "value_lists": [(name, repr(vars(cls)[name])) for name in sorted(vars(cls))
                        if isinstance(vars(cls)[name], (list, dict)) and name != "__dict__"],
        "contains": [_outcome(partial(operator.contains, cls, value))
                     for value in [member.value for member in members[:3]] + [123456789]],
        "member_attributes": [(member._name_, sorted((key, _name_of(value) if key ==
                                                      "__objclass__" else repr(value))
                                                     for key, value in vars(member).items()))
                              for member in cls.__members__.values()],
    }
    if members:
        first, last = members[0], members[-1]
        record["member"] = [repr(first), str(first), format(first), dir(first),
                            hash(first) == hash(first.value), first == first.value,
                            _outcome(lambda: pickle.loads(pickle.dumps(first)) is first),
                            _outcome(lambda: cls(first.value)),
                            _outcome(lambda: getattr(first, last.name))]
        if issubclass(cls, enum.Flag):
            record["combined"] = [_outcome(lambda: first | last), _outcome(lambda: ~first),
                                  _outcome(lambda: cls(0)),
                                  _outcome(lambda: [m.name for m in first | last])]
    return record


def main(way: str) -> int:
    if way == "quick":
        from grokdesk.ui.quick_enums import install_quick_enums

        if not install_quick_enums():
            print("this Python builds enums the usual way only", file=sys.stderr)
            return 2
    json.dump({name: signature(cls) for name, cls in _enum_classes().items()},
              sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
