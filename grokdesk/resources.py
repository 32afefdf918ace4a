"""Files that ship inside the package (the app icon), found the same way installed or not.

The icon's single source is ``grokdesk/resources/grokdesk.svg``: setuptools ships
package data only from inside the package, and PyInstaller collects it the same
way, so the running app never depends on the repository's layout. The top-level
``resources/`` folder is for build-time material (see its README).

The folder is found next to this module, on disk wherever the package is (a
checkout, a wheel, PyInstaller's folder): ``importlib.resources`` would give the same
path and costs 16–20 ms of imports before the window's first frame.
"""

from __future__ import annotations

from pathlib import Path

ICON_NAME = "grokdesk.svg"
RESOURCES_DIR = Path(__file__).resolve().parent / "resources"


def resource_path(name: str) -> Path:
    """The file ``name`` of the package's resources folder, as a real path on disk."""
    return RESOURCES_DIR / name


def icon_path() -> Path:
    """The app icon (scalable, so every size Qt asks for is sharp)."""
    return resource_path(ICON_NAME)
