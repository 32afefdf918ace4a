"""Allow ``python -m grokdesk``.

With no arguments this is the desktop window: go straight to it, without importing
the command line (argparse, json and the command modules) before the QApplication
exists (docs/performance.md, "Cold start"). ``grokdesk.cli.main([])`` does the same.
"""

import sys

if len(sys.argv) <= 1:
    from grokdesk.app import run_app

    sys.exit(run_app([], sys.stderr))

from grokdesk.cli import main

sys.exit(main())
