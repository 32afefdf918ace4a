"""The ``grokdesk`` command's entry point: the window with no arguments, the command line
with them.

Kept apart from :mod:`grokdesk.cli` so that starting the window imports nothing the
command line needs (argparse, its commands and their modules) before its first frame.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the window or the command line, and return the process's exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        # Start-up makes modules, classes and widgets that live as long as the process;
        # the collector would walk them again and again (56 collections, 25–30 ms before
        # the window shows). It comes back on once start-up is over, after a full
        # collection and a freeze (grokdesk.app.freeze_start_up_objects).
        gc.disable()
        from grokdesk.app import run_app
        from grokdesk.visible import VisibleWriter

        return run_app([], VisibleWriter(sys.stderr))
    from grokdesk.cli import main as command_line

    return command_line(args)
