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
    "grokdesk.ui.preferences",
    "grokdesk.ui.conversation_settings",
    "grokdesk.ui.onboarding",
    "grokdesk.ui.help_dialogs",
    "grokdesk.ui.file_dialogs",
    "grokdesk.ui.network_page",
    "grokdesk.ui.transfer_dialogs",
    "markdown_it",
    "pygments",
    "httpx",
    "keyring",
)


def test_main_window_import_defers_dialogs_export_and_renderer() -> None:
    code = ("import json, sys\n"
            "import grokdesk.ui.main_window\n"
            f"print(json.dumps(sorted(m for m in {list(DEFERRED)!r} if m in sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
