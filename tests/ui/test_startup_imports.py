"""Cold start: importing the main window leaves the dialogs, export and renderer for later.

docs/performance.md, section 5: everything imported before the first frame delays it, so
the dialogs, the export package, the network stack and Markdown/Pygments are imported
when first used, not by ``grokdesk.ui.main_window``.
"""

from __future__ import annotations

import json
import subprocess
import sys

DEFERRED = (
    "grokdesk.export",
    "markdown_it",
    "pygments",
    "httpx",
    "keyring",
)


# Every module under grokdesk.ui.dialogs waits for first use, except this one: the window
# wires it to each dialog it opens, so it is small and Qt-only.
DIALOGS = "grokdesk.ui.dialogs."
DIALOGS_AT_START = ("grokdesk.ui.dialogs.focus_keeper",)


def test_main_window_import_defers_dialogs_export_and_renderer() -> None:
    code = ("import json, sys\n"
            "import grokdesk.ui.main_window\n"
            f"print(json.dumps(sorted(m for m in sys.modules if m in {list(DEFERRED)!r}\n"
            f"    or m.startswith({DIALOGS!r}) and m not in {list(DIALOGS_AT_START)!r})))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
