"""The message-level records load on first use: the window's first frame lists
conversations only, and every module still names all the records it always did
(each name is served: tests/core/test_lazy_names.py)."""

from __future__ import annotations

import subprocess
import sys


def test_both_modules_serve_the_same_classes() -> None:
    from grokdesk.chat import records
    from grokdesk.storage import message_records, models

    for name in records.__all__:
        if name != "sidebar_order":
            assert getattr(records, name) is getattr(models, name)
    assert models.Message is message_records.Message


def test_conversations_leave_the_message_records_unloaded() -> None:
    script = ("import sys\n"
              "from grokdesk.storage.models import Conversation, ConversationSettings\n"
              "from grokdesk.chat.records import sidebar_order\n"
              "from grokdesk.storage.listing import list_conversations\n"
              "print('grokdesk.storage.message_records' in sys.modules)\n"
              "from grokdesk.chat.records import Message\n"
              "print('grokdesk.storage.message_records' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.split() == ["False", "True"]
