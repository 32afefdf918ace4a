"""Allow ``python -m grokdesk``."""

import sys

if getattr(sys, "frozen", False):
    # A frozen app's math typesetting process (spawned) starts here, and must stop here.
    import multiprocessing

    multiprocessing.freeze_support()

from grokdesk.entry import main

sys.exit(main())
