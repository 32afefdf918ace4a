"""A package's names that load their module on first use (PEP 562).

The render packages export names whose modules cost start-up time (markdown-it and its
80 regular expressions, the typesetting code); a view showing a stored render needs
none of them. The package keeps its ``__all__`` and its type-checking imports, and
answers each name from the module that defines it when it is first asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_names(package: str, modules: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: ``modules`` maps each module to the names it
    defines; any other name is an AttributeError, as for a plain module."""
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(where[name]), name)

    return __getattr__
