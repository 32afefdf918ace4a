"""The render packages' names load their modules on first use (grokdesk.lazy_names), and
every name a package lists in ``__all__`` is one it can serve."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ("grokdesk.render", "grokdesk.render.math")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_listed_name_is_served_and_no_other(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        module.nothing_here  # noqa: B018


def test_a_light_name_leaves_the_renderer_unloaded() -> None:
    script = ("import sys\n"
              "from grokdesk.render import copy_link_index, Rendered\n"
              "from grokdesk.render.math import IMAGE_SCHEME\n"
              "print(sorted(m for m in ('grokdesk.render.markdown', 'markdown_it',"
              " 'grokdesk.render.math.typeset', 'grokdesk.render.math.html')"
              " if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"
