"""The command line's conversation housekeeping: ``rename``, ``pin``, ``unpin``, ``delete``.

Argument parsing and wording only: the chat core decides what a title becomes and
what a delete takes, exactly as it does for the window's sidebar.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from grokdesk.cli import Context, UsageError, require_conversation
from grokdesk.errors import ExitCode


def add_manage_parsers(sub: Any) -> None:
    rename = sub.add_parser("rename", help="give a conversation a title of your own")
    rename.add_argument("id", type=int)
    rename.add_argument("title", nargs="+", help="the new title (words are joined by spaces)")

    for name, text in (("pin", "keep a conversation at the top of the list"),
                       ("unpin", "let a pinned conversation take its place by date again")):
        command = sub.add_parser(name, help=text)
        command.add_argument("id", type=int)

    delete = sub.add_parser("delete", help="delete conversations and their messages")
    delete.add_argument("ids", type=int, nargs="+", metavar="ID")
    delete.add_argument("-y", "--yes", action="store_true",
                        help="do not ask (needed when stdin is not a terminal)")


def cmd_rename(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    conversation = require_conversation(ctx, args.id)
    ctx.core.rename(conversation.id, " ".join(args.title))
    renamed = require_conversation(ctx, args.id)
    out.write(f"{renamed.id}: {renamed.title}\n")
    return ExitCode.OK


def cmd_pin(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    conversation = require_conversation(ctx, args.id)
    pinned = args.command == "pin"
    ctx.core.set_pinned(conversation.id, pinned)
    out.write(f"{'Pinned' if pinned else 'Unpinned'} {conversation.id}: {conversation.title}\n")
    return ExitCode.OK


def cmd_delete(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO,
               stdin: TextIO) -> int:
    """Delete after a yes on a terminal, or with ``--yes``; nothing when one id is unknown."""
    doomed = [require_conversation(ctx, conversation_id)
              for conversation_id in dict.fromkeys(args.ids)]
    if not args.yes:
        if not stdin.isatty():
            raise UsageError("delete asks before it deletes; add --yes to delete without "
                             "asking")
        names = ", ".join(f"{c.id} ({c.title}, {c.message_count} messages)" for c in doomed)
        err.write(f"Delete {names}? This cannot be undone. [y/N] ")
        err.flush()
        if stdin.readline().strip().lower() not in ("y", "yes"):
            out.write("Nothing deleted.\n")
            return ExitCode.OK
    for conversation in doomed:
        ctx.core.delete_conversation(conversation.id)
        out.write(f"Deleted {conversation.id}: {conversation.title}\n")
    return ExitCode.OK
