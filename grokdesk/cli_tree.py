"""The command line's view of conversation trees: ``edit``, ``branch``, ``show --json``.

Argument parsing and wording only; the chat core does the work. A message id that
does not exist, or names the wrong kind of message, is a usage error (exit 2) with
the command that lists the ids.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from grokdesk.cli import Context, UsageError, require_conversation, stream_answer
from grokdesk.errors import ExitCode

if TYPE_CHECKING:
    from grokdesk.chat.records import Message
    from grokdesk.chat.service import ChatService

_IDS_HINT = "see `grokdesk show CONVERSATION_ID --json` for message ids"


def add_tree_parsers(sub: Any, raw_help: str) -> None:
    """``edit`` and ``branch`` (``ask --regenerate`` and ``show --tree`` sit on their
    commands)."""
    edit = sub.add_parser("edit", help="add a new version of one of your messages and "
                                       "print its answer (the old version stays)")
    edit.add_argument("message_id", type=int, metavar="MESSAGE_ID")
    edit.add_argument("text", nargs="?", default="-",
                      help='the new text; read from stdin when omitted or "-"')
    edit.add_argument("--show-reasoning", action="store_true",
                      help="stream the model's reasoning to stderr")
    edit.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    edit.add_argument("--raw", action="store_true", help=raw_help)

    branch = sub.add_parser("branch", help="make the path through a message current, "
                                           "ending at the newest reply below it")
    branch.add_argument("message_id", type=int, metavar="MESSAGE_ID")


def message_to_edit(core: ChatService, message_id: int) -> Message:
    """The user message ``edit`` makes a new version of."""
    message = _require_message(core, message_id)
    if message.role != "user":
        kind = "an answer" if message.role == "assistant" else "the system prompt"
        raise UsageError(f"message {message_id} is {kind}; only your own messages can be "
                             f"edited ({_IDS_HINT}; `grokdesk ask --regenerate` makes a new "
                             "version of an answer)")
    return message


def regenerate(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``ask --regenerate``: a new version of the last answer on the active path."""
    if args.prompt != "-":
        raise UsageError("--regenerate takes no question: it answers the last one again")
    if args.provider is not None or args.system is not None:
        raise UsageError("--regenerate keeps the conversation's provider and system prompt; "
                         "leave out --provider and --system")
    core = ctx.core
    if args.conversation is not None:
        conversation = require_conversation(ctx, args.conversation)
    elif (latest := core.latest_conversation()) is not None:
        conversation = latest
    else:
        raise UsageError("there is no conversation yet: start one with grokdesk ask \"Hello\"")
    if not core.messages(conversation.id):
        raise UsageError(f"conversation {conversation.id} has no message to answer")
    if warning := core.insecure_transport_warning(conversation):
        print(f"grokdesk: warning: {warning}.", file=err)
    turn = core.begin_regenerate(conversation.id, model=args.model,
                                 reasoning_effort=args.reasoning_effort)
    return stream_answer(ctx, turn, args, out, err)


def cmd_edit(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO,
             stdin: TextIO) -> int:
    """``edit MESSAGE_ID [TEXT|-]``: a new version of a user message, then its answer."""
    message = message_to_edit(ctx.core, args.message_id)
    text = stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise UsageError("the new text is empty: give it as an argument or on stdin")
    conversation = require_conversation(ctx, message.conversation_id)
    if warning := ctx.core.insecure_transport_warning(conversation):
        print(f"grokdesk: warning: {warning}.", file=err)
    turn = ctx.core.begin_edit(message.id, str(text))
    return stream_answer(ctx, turn, args, out, err)


def cmd_branch(core: ChatService, args: argparse.Namespace, out: TextIO) -> int:
    message = _require_message(core, args.message_id)
    core.select_branch(message.id)
    path = core.messages(message.conversation_id)
    out.write(f"Conversation {message.conversation_id} now follows message {message.id} "
              f"({len(path)} messages on its path, ending at {path[-1].id}).\n")
    return ExitCode.OK


def path_json(core: ChatService, conversation_id: int, base: dict[str, Any]) -> dict[str, Any]:
    """``show ID --json``: the active path, each message with its parent and versions."""
    path = core.active_path(conversation_id)
    messages = []
    for message, siblings in zip(path.messages, path.sibling_ids, strict=True):
        messages.append(message_json(message) | {"sibling_ids": list(siblings)})
    return base | {"messages": messages}


def tree_json(core: ChatService, conversation_id: int, base: dict[str, Any]) -> dict[str, Any]:
    """``show ID --json --tree``: every message of every branch, and the current leaf."""
    tree = core.tree(conversation_id)
    return base | {"current_leaf_id": tree.current_leaf_id,
                   "messages": [message_json(m) for m in tree.messages]}


def message_json(m: Message) -> dict[str, Any]:
    return {
        "id": m.id, "parent_id": m.parent_id, "role": m.role, "content": m.content,
        "reasoning": m.reasoning, "status": m.status, "model": m.model,
        "reasoning_effort": m.reasoning_effort, "finish_reason": m.finish_reason,
        "error": m.error, "created_at": m.created_at,
        "usage": {
            "prompt_tokens": m.prompt_tokens, "completion_tokens": m.completion_tokens,
            "reasoning_tokens": m.reasoning_tokens, "total_tokens": m.total_tokens,
            "cost_usd": m.cost_usd,
        },
    }


def _require_message(core: ChatService, message_id: int) -> Message:
    message = core.message(message_id)
    if message is None or core.conversation(message.conversation_id) is None:
        raise UsageError(f"there is no message {message_id} ({_IDS_HINT})")
    return message
