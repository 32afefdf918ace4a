"""Names that load their modules on first use (grokdesk.lazy_names): the render packages'
and the message-level records'. Every name a module lists in ``__all__`` is one it can
serve."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

MODULES = ("grokdesk.render", "grokdesk.render.math", "grokdesk.storage.models",
           "grokdesk.chat.records")


@pytest.mark.parametrize("module_name", MODULES)
def test_every_listed_name_is_served_and_no_other(module_name: str) -> None:
    module = importlib.import_module(module_name)
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
