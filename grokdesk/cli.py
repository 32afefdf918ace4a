"""The ``grokdesk`` command: the desktop app with no arguments, a command line with them.

Only argument parsing and wording live here; the work is done by the chat core and
the history. Every failure ends with one line on stderr naming the cause and the fix,
and a non-zero exit code (2 for usage errors) — never a traceback.

Answers, server messages and imported fields are untrusted: stdout and stderr are wrapped
in :class:`~grokdesk.visible.VisibleWriter`, so a control or bidi character in them shows
as a ``<U+XXXX>`` marker instead of acting on the terminal. ``--json`` escapes them
instead (the data stays exact); ``--raw`` on ``show`` and ``ask`` opts out. ``export``
writes its document unchanged: it is a file format, not a view.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from grokdesk import __version__
from grokdesk.errors import ExitCode, GrokdeskError, redact
from grokdesk.timestamps import format_time
from grokdesk.visible import VisibleWriter, terminal_json, terminal_text

if TYPE_CHECKING:
    from grokdesk.api.types import StreamEvent
    from grokdesk.chat.service import ChatService, PreparedTurn
    from grokdesk.config import Settings
    from grokdesk.secrets import KeyStore
    from grokdesk.storage.models import Conversation, ConversationSettings
    from grokdesk.storage.repository import History

log = logging.getLogger("grokdesk")


RAW_HELP = ("print the model's text unchanged, control characters included "
            "(by default they show as <U+XXXX>)")


class UsageError(Exception):
    """The command line itself is wrong (``ExitCode.USAGE``)."""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grokdesk",
        description="Chat with Grok 3 Mini and other reasoning models. "
                    "With no command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"grokdesk {__version__}")
    parser.add_argument("--debug", action="store_true", help="log details to stderr")
    parser.add_argument("--self-test", action="store_true",
                        help="check that this installation has all it needs, then exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="ask a question and stream the answer")
    ask.add_argument("prompt", nargs="?", default="-",
                     help='the question; read from stdin when omitted or "-"')
    where = ask.add_mutually_exclusive_group()
    where.add_argument("-c", "--conversation", type=int, metavar="ID",
                       help="continue conversation ID")
    where.add_argument("--continue", dest="continue_latest", action="store_true",
                       help="continue the newest conversation")
    ask.add_argument("-m", "--model", help="model to use (default: the provider's)")
    ask.add_argument("--provider", help="provider profile (aimlapi, xai, openrouter, …)")
    ask.add_argument("--base-url", help="base URL of an OpenAI-compatible API, for this run")
    ask.add_argument("--reasoning-effort", choices=["low", "high"])
    ask.add_argument("--system", metavar="TEXT", help="system prompt")
    ask.add_argument("--show-reasoning", action="store_true",
                     help="stream the model's reasoning to stderr")
    ask.add_argument("--no-stream", action="store_true", help="wait for the whole answer")
    ask.add_argument("--raw", action="store_true", help=RAW_HELP)
    ask.add_argument("--regenerate", action="store_true",
                     help="add a new version of the last answer (of the newest conversation "
                          "unless -c); -m and --reasoning-effort apply to it alone")

    lst = sub.add_parser("list", help="list conversations, newest first")
    lst.add_argument("--json", action="store_true")

    show = sub.add_parser("show", help="print one conversation")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.add_argument("--show-reasoning", action="store_true")
    show.add_argument("--raw", action="store_true", help=RAW_HELP)
    show.add_argument("--tree", action="store_true",
                      help="with --json: every message of every branch, and the current leaf")

    search = sub.add_parser("search", help="full-text search of titles and messages")
    search.add_argument("query")
    search.add_argument("--json", action="store_true")

    key = sub.add_parser("key", help="manage API keys in the system keyring")
    key.add_argument("action", choices=["set", "status", "delete"])
    key.add_argument("--provider", help="provider profile (default: the active one)")

    from grokdesk.cli_manage import add_manage_parsers
    from grokdesk.cli_transfer import add_export_parser, add_import_parser
    from grokdesk.cli_tree import add_tree_parsers

    add_tree_parsers(sub, RAW_HELP)
    add_manage_parsers(sub)
    add_export_parser(sub)
    add_import_parser(sub)
    return parser


@dataclass
class Context:
    """What every command needs, opened once."""

    settings: Settings
    keys: KeyStore
    err: TextIO | None = None
    base_url: str | None = None
    _history: History | None = None
    _core: ChatService | None = None

    @property
    def core(self) -> ChatService:
        """The chat core over the history: every command reads and writes through it."""
        if self._core is None:
            from grokdesk.chat.service import ChatService

            self._core = ChatService(self.history, self.settings, self.keys,
                                     base_url_override=self.base_url)
        return self._core

    @property
    def history(self) -> History:
        """The history, opened on first use; a damaged file is moved aside and salvaged."""
        if self._history is None:
            from grokdesk import paths
            from grokdesk.storage.recovery import open_history_with_recovery
            from grokdesk.storage.repository import History

            db, report = open_history_with_recovery(paths.database_path())
            if report is not None:
                print(f"grokdesk: warning: {report.describe()}", file=self.err or sys.stderr)
            self._history = History(db)
        return self._history

    def close(self) -> None:
        if self._history is not None:
            self._history.db.close()


def _open_context(err: TextIO) -> Context:
    from grokdesk import paths
    from grokdesk.config import load_settings
    from grokdesk.secrets import KeyStore

    loaded = load_settings(paths.config_path())
    for warning in loaded.warnings:
        print(f"grokdesk: warning: {warning}", file=err)
    return Context(loaded.settings, KeyStore(), err)


def _when(timestamp: float) -> str:
    return format_time(timestamp)


def _conversation_json(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id, "uuid": c.uuid, "title": c.title, "created_at": c.created_at,
        "updated_at": c.updated_at, "pinned": c.pinned, "message_count": c.message_count,
        "provider": c.settings.provider, "model": c.settings.model,
    }


def _write_json(out: TextIO, data: object) -> None:
    out.write(terminal_json(data) + "\n")


def _raw(stream: TextIO) -> TextIO:
    """The stream under a :class:`VisibleWriter`: for output asked for unchanged."""
    return stream.raw if isinstance(stream, VisibleWriter) else stream


def cmd_list(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    conversations = ctx.core.conversations()
    if args.json:
        _write_json(out, [_conversation_json(c) for c in conversations])
        return ExitCode.OK
    if not conversations:
        out.write("No conversations yet. Start one with: grokdesk ask \"Hello\"\n")
        return ExitCode.OK
    width = max(len(str(c.id)) for c in conversations)
    for c in conversations:
        pin = "*" if c.pinned else " "
        out.write(f"{c.id:>{width}} {pin} {_when(c.updated_at)}  {c.message_count:>4} msgs  "
                  f"{c.title}\n")
    return ExitCode.OK


def require_conversation(ctx: Context, conversation_id: int) -> Conversation:
    conversation = ctx.core.conversation(conversation_id)
    if conversation is None:
        raise UsageError(f"there is no conversation {conversation_id} "
                         "(see `grokdesk list`)")
    return conversation


def cmd_show(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    if args.tree and not args.json:
        raise UsageError("--tree works with --json: grokdesk show ID --json --tree")
    conversation = require_conversation(ctx, args.id)
    if args.json:
        from grokdesk.cli_tree import path_json, tree_json

        view = tree_json if args.tree else path_json
        _write_json(out, view(ctx.core, conversation.id, _conversation_json(conversation)))
        return ExitCode.OK
    messages = ctx.core.messages(conversation.id)
    if args.raw:
        out = _raw(out)
    out.write(f"# {conversation.title}\n")
    for m in messages:
        label = {"user": "You", "assistant": m.model or "Assistant", "system": "System"}[m.role]
        out.write(f"\n## {label} — {_when(m.created_at)}\n")
        if args.show_reasoning and m.reasoning:
            out.write("\n> Reasoning:\n")
            out.writelines(f"> {line}\n" for line in m.reasoning.splitlines())
        if m.content:
            out.write(f"\n{m.content}\n")
        if m.status != "complete":
            note = f"[{m.status}]" + (f" {m.error}" if m.error else "")
            out.write(f"\n{note}\n")
    return ExitCode.OK


def cmd_search(ctx: Context, args: argparse.Namespace, out: TextIO) -> int:
    hits = ctx.core.search(args.query)
    if args.json:
        _write_json(out, [{"conversation_id": h.conversation_id, "title": h.conversation_title,
                           "message_id": h.message_id, "snippet": h.snippet,
                           "updated_at": h.updated_at} for h in hits])
        return ExitCode.OK
    if not hits:
        out.write("No matches.\n")
    for h in hits:
        snippet = " ".join(h.snippet.split())
        out.write(f"{h.conversation_id}  {h.conversation_title}\n    {snippet}\n")
    return ExitCode.OK


def _read_prompt(args: argparse.Namespace, stdin: TextIO) -> str:
    text = stdin.read() if args.prompt == "-" else args.prompt
    if not text.strip():
        raise UsageError("the prompt is empty: give one as an argument or on stdin")
    return str(text)


def _pick_conversation(ctx: Context, args: argparse.Namespace
                       ) -> tuple[Conversation | None, ConversationSettings | None]:
    """The conversation to send to, or None and the settings of the new chat to start."""
    from grokdesk.storage.models import ConversationSettings

    core = ctx.core
    if args.conversation is not None:
        conversation = require_conversation(ctx, args.conversation)
    elif args.continue_latest and (latest := core.latest_conversation()) is not None:
        conversation = latest
    else:
        defaults = ctx.settings.defaults
        return None, ConversationSettings(
            provider=args.provider or ctx.settings.active_profile,
            model=args.model,
            system_prompt=args.system if args.system is not None
            else (defaults.system_prompt or None),
            reasoning_effort=args.reasoning_effort or defaults.reasoning_effort,
            temperature=defaults.temperature,
        )
    changes: dict[str, Any] = {}
    for field_name, value in (("provider", args.provider), ("model", args.model),
                              ("system_prompt", args.system),
                              ("reasoning_effort", args.reasoning_effort)):
        if value is not None:
            changes[field_name] = value
    if changes:
        conversation = core.update_settings(conversation.id, **changes)
    return conversation, None


class _Printer:
    """Writes the answer to stdout and, on request, the reasoning to stderr, as they come."""

    def __init__(self, out: TextIO, err: TextIO, show_reasoning: bool) -> None:
        self.out, self.err, self.show_reasoning = out, err, show_reasoning
        self.in_reasoning = False
        self.wrote_content = False

    def __call__(self, event: StreamEvent) -> None:
        from grokdesk.api.types import ContentDelta, ReasoningDelta

        if isinstance(event, ReasoningDelta) and self.show_reasoning:
            if not self.in_reasoning:
                self.err.write("Reasoning:\n")
                self.in_reasoning = True
            self.err.write(event.text)
            self.err.flush()
        elif isinstance(event, ContentDelta) and event.text:
            if self.in_reasoning:
                self.err.write("\n\n")
                self.err.flush()
                self.in_reasoning = False
            self.out.write(event.text)
            self.out.flush()
            self.wrote_content = True

    def end(self) -> None:
        if self.in_reasoning:
            self.err.write("\n")
        if self.wrote_content:
            self.out.write("\n")
        self.out.flush()


def cmd_ask(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO,
            stdin: TextIO) -> int:
    from grokdesk.config import UnknownProfileError

    if args.regenerate:
        from grokdesk.cli_tree import regenerate

        return regenerate(ctx, args, out, err)
    prompt = _read_prompt(args, stdin)
    if args.provider is not None and args.provider not in ctx.settings.profiles:
        raise UsageError(str(UnknownProfileError(args.provider, sorted(ctx.settings.profiles))))
    core = ctx.core
    conversation, new_settings = _pick_conversation(ctx, args)
    if warning := core.insecure_transport_warning(conversation or new_settings):
        print(f"grokdesk: warning: {warning}.", file=err)
    turn = core.begin_send(conversation.id if conversation else None, prompt,
                           new_settings=new_settings)
    return stream_answer(ctx, turn, args, out, err)


def stream_answer(ctx: Context, turn: PreparedTurn, args: argparse.Namespace, out: TextIO,
                   err: TextIO) -> int:
    """Stream the answer a ``begin_*`` prepared to the terminal; say how it ended."""
    core = ctx.core
    conversation_id = turn.conversation.id
    printer = (_Printer(_raw(out), _raw(err), args.show_reasoning) if args.raw
               else _Printer(out, err, args.show_reasoning))

    async def run() -> int:
        try:
            outcome = await core.answer(turn, listener=printer, stream=not args.no_stream)
        finally:
            printer.end()
        try:
            if outcome.title_due:
                await core.suggest_title(conversation_id)
        finally:
            await core.aclose()
        if outcome.error is not None:
            kept = (f" The partial answer is kept in conversation {conversation_id}."
                    if outcome.message.status == "interrupted" else "")
            print(f"grokdesk: {outcome.error.describe()}.{kept}", file=err)
            return ExitCode.FAILURE
        if outcome.warning:
            print(f"grokdesk: {outcome.warning}.", file=err)
        return ExitCode.OK

    import asyncio  # here, not at the top: the window (no command) paints before asyncio

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        print(f"grokdesk: stopped; the partial answer is kept in conversation "
              f"{conversation_id}.", file=err)
        return ExitCode.INTERRUPTED


def cmd_key(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO,
            stdin: TextIO) -> int:
    from grokdesk.config import UnknownProfileError

    try:
        profile = ctx.settings.profile(args.provider)
    except UnknownProfileError as exc:
        raise UsageError(str(exc)) from None
    if args.action == "status":
        lookup = ctx.keys.lookup(profile)
        where = {
            "environment": "from the GROKDESK_API_KEY environment variable",
            "keyring": f"stored in the system keyring ({ctx.keys.backend_name()})",
            "session": "held in memory for this run",
            "none": "not set" + ("" if profile.key_required else " (this provider needs none)"),
        }[lookup.source]
        out.write(f"{profile.label}: key {where}\n")
        if lookup.source == "none" and not ctx.keys.available():
            out.write(f"Keyring: {ctx.keys.backend_name()}\n")
        return ExitCode.OK
    if args.action == "delete":
        deleted = ctx.keys.delete(profile.name)
        out.write(f"{profile.label}: key deleted\n" if deleted
                  else f"{profile.label}: no key was stored\n")
        return ExitCode.OK
    prompt = f"API key for {profile.label}: "
    key = getpass.getpass(prompt) if stdin.isatty() else stdin.readline()
    if not key.strip():
        raise UsageError("no key given: paste it at the prompt or pipe it on stdin")
    ctx.keys.store(profile.name, key)
    out.write(f"{profile.label}: key stored in the system keyring\n")
    return ExitCode.OK


def _export(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from grokdesk.cli_transfer import run_export

    return run_export(ctx.core, args, _raw(out), err)


def _import(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from grokdesk.cli_transfer import run_import

    return run_import(ctx.core, args, out, err)


def _tree_command(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO,
                  stdin: TextIO) -> int:
    from grokdesk.cli_tree import cmd_branch, cmd_edit

    if args.command == "edit":
        return cmd_edit(ctx, args, out, err, stdin)
    return cmd_branch(ctx.core, args, out)


def _manage_command(ctx: Context, args: argparse.Namespace, out: TextIO, err: TextIO,
                    stdin: TextIO) -> int:
    from grokdesk.cli_manage import cmd_delete, cmd_pin, cmd_rename

    if args.command == "rename":
        return cmd_rename(ctx, args, out)
    if args.command == "delete":
        return cmd_delete(ctx, args, out, err, stdin)
    return cmd_pin(ctx, args, out)


def _dispatch(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    ctx = _open_context(err)
    ctx.base_url = getattr(args, "base_url", None)
    try:
        handlers: dict[str, Callable[[], int]] = {
            "list": lambda: cmd_list(ctx, args, out),
            "show": lambda: cmd_show(ctx, args, out),
            "search": lambda: cmd_search(ctx, args, out),
            "ask": lambda: cmd_ask(ctx, args, out, err, stdin),
            "edit": lambda: _tree_command(ctx, args, out, err, stdin),
            "branch": lambda: _tree_command(ctx, args, out, err, stdin),
            "key": lambda: cmd_key(ctx, args, out, err, stdin),
            "rename": lambda: _manage_command(ctx, args, out, err, stdin),
            "pin": lambda: _manage_command(ctx, args, out, err, stdin),
            "unpin": lambda: _manage_command(ctx, args, out, err, stdin),
            "delete": lambda: _manage_command(ctx, args, out, err, stdin),
            "export": lambda: _export(ctx, args, out, err),
            "import": lambda: _import(ctx, args, out, err),
        }
        return handlers[args.command]()
    finally:
        ctx.close()


def _sentence(text: str) -> str:
    """``text`` ending in one full stop, whether or not it came with one."""
    return text if text.endswith(".") else text + "."


def _report_crash(exc: BaseException, err: TextIO) -> int:
    """Our bug, not the user's: keep the details in a log file, show one line."""
    import traceback

    from grokdesk import paths

    try:
        crash_log = paths.log_dir() / "crash.log"
        with crash_log.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now().isoformat()} grokdesk {__version__}\n")
            fh.write(terminal_text(redact("".join(traceback.format_exception(exc)))))
        where = f"details in {crash_log}"
    except OSError:
        where = "no crash log could be written"
    print(f"grokdesk: unexpected error ({type(exc).__name__}); {where}. "
          "Please report it.", file=err)
    return ExitCode.FAILURE


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Entry point of the ``grokdesk`` command."""
    out = VisibleWriter(stdout or sys.stdout)
    err = VisibleWriter(stderr or sys.stderr)
    inp = stdin or sys.stdin
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        from grokdesk.app import run_app

        return run_app([], err)
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.debug:
        from grokdesk.logs import log_to_stream

        log_to_stream(err)
    if args.self_test:
        from grokdesk.selftest import run_self_test

        return run_self_test(out)
    if args.command is None:
        from grokdesk.app import run_app

        return run_app([], err)
    try:
        return _dispatch(args, out, err, inp)
    except UsageError as exc:
        print(f"grokdesk: {exc}", file=err)
        return ExitCode.USAGE
    except GrokdeskError as exc:
        print(f"grokdesk: {_sentence(exc.describe())}", file=err)
        return ExitCode.FAILURE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except OSError as exc:
        print(f"grokdesk: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
              file=err)
        return ExitCode.FAILURE
    except Exception as exc:
        return _report_crash(exc, err)
