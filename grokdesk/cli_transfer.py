"""``grokdesk export`` and ``grokdesk import``: argument parsing and wording only.

The command-line face of :mod:`grokdesk.export`, which does the work. grokdesk/cli.py
wires these in with ``add_export_parser(sub)``, ``add_import_parser(sub)`` and the
handlers ``run_export(core, args, out, err)`` / ``run_import(core, ...)``, which return
the exit code (OK, FAILURE when something was refused or failed, USAGE). Both read and
write through the chat core, as the window does.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from grokdesk.errors import ExitCode
from grokdesk.export import store
from grokdesk.export.operations import (
    EXTENSIONS,
    ExportFormat,
    ExportOptions,
    PdfWriter,
    suggested_name,
)

if TYPE_CHECKING:
    from grokdesk.chat.service import ChatService

_SUFFIX_FORMATS: dict[str, ExportFormat] = {".json": "json", ".md": "md", ".html": "html",
                                             ".htm": "html", ".pdf": "pdf"}
_FORMATS: tuple[ExportFormat, ...] = ("md", "json", "html", "pdf")


def add_export_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``export`` to the ``add_subparsers()`` object of the main parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export", help="export conversations as Markdown, JSON, HTML or PDF",
        description="Export conversations. One conversation goes to stdout unless --out is "
                    "given (a PDF always needs --out); several Markdown, HTML or PDF "
                    "conversations go to a folder, or a .zip when --out ends in .zip; JSON "
                    "is always one document.")
    parser.add_argument("ids", nargs="*", type=int, metavar="ID",
                        help="conversations to export (see `grokdesk list`)")
    parser.add_argument("--all", action="store_true", help="export every conversation")
    parser.add_argument("--format", choices=list(_FORMATS),
                        help="md (readable, default), json (lossless backup), html (one "
                             "standalone page to read or send) or pdf (to print); "
                             "default from --out's extension")
    parser.add_argument("-o", "--out", type=Path, metavar="PATH",
                        help="file, folder or .zip to write (default: stdout)")
    parser.add_argument("--include-reasoning", action="store_true",
                        help="include the model's reasoning (Markdown, HTML, PDF; JSON "
                             "always has it)")
    parser.add_argument("--include-usage", action="store_true",
                        help="include token usage (Markdown; JSON, HTML and PDF always "
                             "have it)")
    return parser


def add_import_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``import`` to the ``add_subparsers()`` object of the main parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import", help="import grokdesk JSON or Markdown exports, or ChatGPT's export",
        description="Import conversations from grokdesk JSON or Markdown exports (files, "
                    "folders or .zip), or from ChatGPT's conversations.json. Conversations "
                    "already in the history are not duplicated. A file that cannot be read "
                    "is refused and changes nothing.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    return parser


class _UsageError(Exception):
    """The command line contradicts itself; the message says how (exit code 2)."""


def _export_format(args: argparse.Namespace) -> ExportFormat:
    implied = _SUFFIX_FORMATS.get(args.out.suffix.lower()) if args.out else None
    if args.format is None:
        return implied or "md"
    if implied is not None and implied != args.format:
        raise _UsageError(f"--format {args.format} does not match --out {args.out}")
    return next(f for f in _FORMATS if f == args.format)


def _pdf_writer() -> PdfWriter:
    """Qt's PDF writer, with an offscreen Qt started for it: only a PDF export loads Qt."""
    from grokdesk.printing import ensure_application, pdf_bytes

    ensure_application()
    return pdf_bytes


_NAMES = {"md": "Markdown", "html": "HTML", "pdf": "PDF"}


def _target(core: ChatService, args: argparse.Namespace, ids: list[int],
            options: ExportOptions) -> Path:
    """Where to write: ``--out``, or a file named after the export inside an existing folder."""
    target: Path = args.out
    single_file = target.suffix.lower() in (".htm", EXTENSIONS[options.format])
    if options.format != "json" and len(ids) > 1 and single_file:
        raise _UsageError(f"several conversations as {_NAMES[options.format]} go to a folder "
                          f"or a .zip, not to {target}")
    if target.is_dir() and (options.format == "json" or len(ids) == 1):
        chosen = [c for c in (core.conversation(i) for i in ids) if c is not None]
        return target / suggested_name(chosen, options)
    return target


def _export(core: ChatService, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.all == bool(args.ids):
        raise _UsageError("name the conversations to export (IDs) or use --all, not both")
    export_format = _export_format(args)
    if export_format == "pdf" and args.out is None:
        raise _UsageError("a PDF goes to a file: add --out FILE.pdf (or a folder)")
    ids = core.export_ids(None if args.all else list(dict.fromkeys(args.ids)))
    if not ids:
        print("grokdesk: there are no conversations to export", file=err)
        return ExitCode.OK
    options = ExportOptions(format=export_format, include_reasoning=args.include_reasoning,
                            include_usage=args.include_usage,
                            pdf=_pdf_writer() if export_format == "pdf" else None)
    if args.out is None:
        if options.format != "json" and len(ids) > 1:
            raise _UsageError(f"several conversations as {_NAMES[options.format]} need "
                              "--out FOLDER (or --out FILE.zip)")
        out.write(core.export_text(ids, options))
        return ExitCode.OK
    result = core.export(ids, _target(core, args, ids, options), options)
    noun = "conversation" if result.conversations == 1 else "conversations"
    print(f"Exported {result.conversations} {noun} ({result.messages} messages) to "
          f"{result.path}", file=out)
    return ExitCode.OK


def run_export(core: ChatService, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Handle ``grokdesk export`` through the chat core: OK, or USAGE when the command
    line is wrong."""
    try:
        return _export(core, args, out, err)
    except _UsageError as exc:
        message = str(exc)
    except store.UnknownConversationError as exc:
        message = f"{exc} (see `grokdesk list`)"
    print(f"grokdesk: {message}", file=err)
    return ExitCode.USAGE


def run_import(core: ChatService, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Handle ``grokdesk import`` through the chat core: a line per file, a summary,
    FAILURE if any was refused."""
    report = core.import_files(list(args.files))
    for outcome in report.files:
        if outcome.error is None:
            print(outcome.describe(), file=out)
        else:
            print(f"grokdesk: {outcome.describe()}", file=err)
    print(report.summary(), file=out)
    return ExitCode.OK if report.ok else ExitCode.FAILURE
