"""Allow ``python -m grokdesk``."""

import sys

from grokdesk.cli import main

sys.exit(main())
