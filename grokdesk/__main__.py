"""Allow ``python -m grokdesk``."""

import sys

from grokdesk.entry import main

sys.exit(main())
