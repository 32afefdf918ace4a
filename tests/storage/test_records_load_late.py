"""The message-level records load on first use: the window's first frame lists
conversations only, and every module still names all the records it always did."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

MODULES = ("grokdesk.storage.models", "grokdesk.chat.records")


@pytest.mark.parametrize("module_name", MODULES)
def test_every_listed_name_is_served_and_no_other(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert getattr(module, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        module.nothing_here  # noqa: B018


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
