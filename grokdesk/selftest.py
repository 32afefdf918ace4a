"""``grokdesk --self-test``: does this installation have everything the app loads at run time?

A frozen bundle fails in ways a source checkout never does: a Qt plugin, a Pygments style or
the CA bundle is loaded dynamically, so a packaging mistake shows up only when a user reaches
that code. This runs each such path once, offscreen, and prints one line per check:

    ok       what was found
    warn     works, but not as well as it could (say, no system keyring)
    MISSING  what is missing or broken; the exit status is then 1

It works the same from a source checkout and from the PyInstaller bundle, and touches no
user data: settings, history and window state go to a throwaway folder meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from grokdesk import __version__
from grokdesk.errors import ExitCode

Status = Literal["ok", "warn", "MISSING"]


@dataclass(frozen=True, slots=True)
class Result:
    status: Status
    detail: str


class Missing(Exception):
    """A check found something absent or broken."""


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _qapp() -> object:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        # Offscreen so that the check runs the same on a desktop, over SSH and in CI.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(["grokdesk-self-test"])
    return app


WINDOW_TIMEOUT_S = 30.0


def check_main_window() -> Result:
    """Start the window the way ``grokdesk`` does (qasync loop and all), then quit it in order."""
    _qapp()
    try:
        from grokdesk.app import close_loop, make_application, run_window
        from grokdesk.ui.main_window import MainWindow
    except ImportError as exc:
        raise Missing(f"the GUI modules are not there ({exc})") from None
    import asyncio

    import qasync
    from PySide6.QtCore import QTimer

    app = make_application([])
    shown: list[str] = []

    def quit_once_shown() -> None:
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible() and not shown:
                shown.append(f"{widget.width()}x{widget.height()}")
                widget.quitRequested.emit()

    probe = QTimer()
    probe.timeout.connect(quit_once_shown)
    probe.start(50)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(asyncio.wait_for(run_window(app), WINDOW_TIMEOUT_S))
    except TimeoutError:
        raise Missing("the main window did not open and close within "
                      f"{WINDOW_TIMEOUT_S:.0f} s") from None
    finally:
        probe.stop()
        close_loop(loop)
        asyncio.set_event_loop(None)
    if not shown:
        raise Missing("the main window never became visible")
    return Result("ok", f"opened offscreen ({shown[0]}) and closed in order")


def check_database() -> Result:
    try:
        from grokdesk.storage.db import open_database
        from grokdesk.storage.models import ConversationSettings
        from grokdesk.storage.repository import History
    except ImportError as exc:
        raise Missing(f"the storage layer is not there ({exc})") from None
    from grokdesk import paths

    # A file of its own in the throwaway data folder: the window check has the default one.
    database = paths.data_dir() / "self-test.sqlite3"
    history = History(open_database(database))
    try:
        conversation = history.create_conversation("Self-test", ConversationSettings())
        history.add_message(conversation.id, "user", "the quick selftestneedle jumps")
        stored = history.messages(conversation.id)
        if [m.content for m in stored] != ["the quick selftestneedle jumps"]:
            raise Missing("a message written was not read back")
        if not history.search("selftestneedle"):
            raise Missing("full-text search found nothing (is SQLite built with FTS5?)")
    finally:
        history.db.close()
    return Result("ok", f"write, read and full-text search (SQLite {sqlite3.sqlite_version})")


def check_keyring() -> Result:
    from grokdesk.secrets import KeyStore

    keys = KeyStore()
    name = keys.backend_name()
    if keys.available():
        return Result("ok", name)
    # Not a failure: the app then offers to keep the key for the session only.
    return Result("warn", f"{name}; keys can only be held for the session")


def check_app_icon() -> Result:
    _qapp()
    from PySide6.QtGui import QIcon

    from grokdesk.resources import icon_path

    path = icon_path()
    if not path.is_file():
        raise Missing(f"the app icon {path}")
    icon = QIcon(str(path))
    if icon.isNull() or icon.pixmap(64, 64).isNull():
        raise Missing(f"{path} does not load as an icon (SVG icon engine missing?)")
    return Result("ok", str(path))


def _platform_plugins() -> tuple[str, ...]:
    """The windowing plugins this OS needs; offscreen is what the self-test itself uses."""
    if sys.platform.startswith("linux"):
        return ("offscreen", "xcb")
    if sys.platform == "darwin":
        return ("offscreen", "cocoa")
    if sys.platform == "win32":
        return ("offscreen", "windows")
    return ("offscreen",)


def _find_plugin(kind: str, name: str) -> Path | None:
    from PySide6.QtCore import QCoreApplication

    for folder in QCoreApplication.libraryPaths():
        directory = Path(folder) / kind
        if directory.is_dir():
            for candidate in directory.iterdir():
                stem = candidate.name.split(".")[0].removeprefix("lib")
                if stem in (f"q{name}", name):
                    return candidate
    return None


def _unresolved_libraries(library: Path) -> list[str]:
    """Shared libraries the dynamic linker cannot find for ``library`` (Linux; else none)."""
    ldd = shutil.which("ldd")
    if ldd is None or not sys.platform.startswith("linux"):
        return []
    output = subprocess.run([ldd, str(library)], capture_output=True, text=True,
                            check=False).stdout
    return [line.split()[0] for line in output.splitlines() if "not found" in line]


def check_platform_plugins() -> Result:
    _qapp()
    found: list[str] = []
    for name in _platform_plugins():
        plugin = _find_plugin("platforms", name)
        if plugin is None:
            raise Missing(f"Qt platform plugin '{name}' not found")
        unresolved = _unresolved_libraries(plugin)
        if unresolved:
            raise Missing(f"Qt platform plugin '{name}' needs {', '.join(unresolved)} "
                          "(install the system package that provides it)")
        found.append(name)
    return Result("ok", ", ".join(found))


def check_svg_support() -> Result:
    _qapp()
    from PySide6 import QtSvg
    from PySide6.QtGui import QImageReader

    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    if "svg" not in formats:
        raise Missing("Qt SVG image format plugin (imageformats/qsvg)")
    if _find_plugin("iconengines", "svgicon") is None:
        raise Missing("Qt SVG icon engine plugin (iconengines/qsvgicon)")
    return Result("ok", f"{QtSvg.__name__}, image format and icon engine plugins")


# A few common fence languages: each lexer is a separate module loaded by name at run time.
LEXERS = ("python", "javascript", "typescript", "bash", "json", "rust", "go", "c", "cpp",
          "java", "sql", "yaml", "html", "css", "diff", "markdown")


def check_pygments() -> Result:
    from pygments import highlight
    from pygments.formatters.html import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.styles import get_all_styles, get_style_by_name
    from pygments.util import ClassNotFound

    missing: list[str] = []
    for alias in LEXERS:
        try:
            get_lexer_by_name(alias)
        except ClassNotFound:
            missing.append(f"lexer {alias}")
    styles = list(get_all_styles())
    for style in styles:
        try:
            get_style_by_name(style)
        except ClassNotFound:
            missing.append(f"style {style}")
    if missing:
        raise Missing("Pygments " + ", ".join(missing))
    if "<span" not in highlight("x = 1", get_lexer_by_name("python"), HtmlFormatter()):
        raise Missing("Pygments HTML formatter produced no markup")
    return Result("ok", f"{len(LEXERS)} lexers, {len(styles)} styles")


SAMPLE_MARKDOWN = "# Title\n\nSome *text*.\n\n```python\nprint('hi')\n```\n"


def check_markdown() -> Result:
    try:
        from grokdesk.render.markdown import render_markdown
    except ImportError as exc:
        raise Missing(f"the Markdown renderer is not there ({exc})") from None
    for dark in (False, True):
        html = render_markdown(SAMPLE_MARKDOWN, dark=dark).html
        if "Title" not in html or "<em>" not in html:
            raise Missing("markdown-it did not render headings and emphasis")
        # A highlighted block has inline colour spans; a plain one would mean Pygments failed.
        if "<span style=" not in html:
            raise Missing(f"code was not highlighted ({'dark' if dark else 'light'} theme)")
    return Result("ok", "Markdown with highlighted code, light and dark")


def check_math() -> Result:
    try:
        import latex2mathml.converter  # noqa: F401  (reads its symbol table)
        import ziamath  # noqa: F401  (its import reads the STIX Two font it ships)
    except Exception as exc:  # a missing module or data file, whatever it raises
        raise Missing(f"the math typesetter is not all there ({exc})") from None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from grokdesk.render.math.typeset import math_request, typeset_uncached

    request = math_request(r"\frac{1}{2} \text{ and } \sqrt{x}", True, "#000000", 16.0)
    if typeset_uncached(request) is None:
        raise Missing("LaTeX math did not typeset (ziamath, ziafont, latex2mathml)")
    # The window typesets in a spawned process: a frozen app must be able to start one.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        if pool.submit(typeset_uncached, request).result(timeout=120) is None:
            raise Missing("the math typesetting process did not typeset")
    return Result("ok", "LaTeX math to SVG (ziamath), here and in a worker process")


def check_page_exports() -> Result:
    """An HTML page and a PDF of a small conversation: Qt's PDF writer and SVG are there."""
    _qapp()
    try:
        from grokdesk.export.page import to_html, to_print_page
        from grokdesk.export.records import ConversationRecord
        from grokdesk.printing import pdf_bytes
        from grokdesk.storage.models import Conversation, Message
    except ImportError as exc:
        raise Missing(f"the HTML and PDF export is not there ({exc})") from None
    answer = Message(id=0, uuid="self-test", conversation_id=0, role="assistant",
                     content=SAMPLE_MARKDOWN)
    record = ConversationRecord(Conversation(0, "self-test", "Self-test", 0.0, 0.0), (answer,))
    if "Title" not in to_html(record):
        raise Missing("the HTML page lost the answer")
    pdf = pdf_bytes(to_print_page(record))
    if not pdf.startswith(b"%PDF-") or len(pdf) < 1000:
        raise Missing("Qt wrote no PDF")
    return Result("ok", f"HTML page and a {len(pdf):,}-byte PDF")


def check_tls_certificates() -> Result:
    import certifi
    import httpx

    bundle = Path(certifi.where())
    if not bundle.is_file():
        raise Missing(f"CA bundle {bundle} (certifi)")
    context = ssl.create_default_context(cafile=str(bundle))
    count = len(context.get_ca_certs())
    if count == 0:
        raise Missing(f"CA bundle {bundle} holds no certificates")
    return Result("ok", f"{count} CA certificates (certifi), httpx {httpx.__version__}")


CHECKS: list[tuple[str, Callable[[], Result]]] = [
    ("platform plugins", check_platform_plugins),
    ("svg support", check_svg_support),
    ("app icon", check_app_icon),
    ("main window", check_main_window),
    ("database", check_database),
    ("keyring", check_keyring),
    ("pygments", check_pygments),
    ("markdown", check_markdown),
    ("math", check_math),
    ("html and pdf", check_page_exports),
    ("tls certificates", check_tls_certificates),
]


@contextlib.contextmanager
def _throwaway_data_dir() -> Iterator[None]:
    """Point the app's settings, history and window state at a temporary folder meanwhile."""
    from grokdesk import paths

    before = os.environ.get(paths.DATA_DIR_ENV)
    folder = tempfile.mkdtemp(prefix="grokdesk-self-test-")
    os.environ[paths.DATA_DIR_ENV] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(paths.DATA_DIR_ENV, None)
        else:
            os.environ[paths.DATA_DIR_ENV] = before
        shutil.rmtree(folder, ignore_errors=True)


def _run_one(check: Callable[[], Result]) -> Result:
    try:
        return check()
    except Missing as exc:
        return Result("MISSING", str(exc))
    except Exception as exc:
        # Unexpected failures are findings too; the last frame says where.
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Result("MISSING", f"{type(exc).__name__}: {exc} "
                                 f"({Path(where.filename).name}:{where.lineno})")


def run_self_test(out: TextIO) -> int:
    """Run every check, print one line each, and return OK when nothing is missing."""
    from PySide6 import __version__ as pyside_version

    how = "frozen bundle" if _frozen() else "from source"
    out.write(f"grokdesk {__version__} self-test ({how}, Python {sys.version.split()[0]}, "
              f"PySide6 {pyside_version}, {sys.platform})\n")
    missing: list[str] = []
    with _throwaway_data_dir():
        for name, check in CHECKS:
            result = _run_one(check)
            out.write(f"{result.status:<8} {name:<17} {result.detail}\n")
            out.flush()
            if result.status == "MISSING":
                missing.append(name)
    if missing:
        out.write(f"self-test failed: {', '.join(missing)}\n")
        return ExitCode.FAILURE
    out.write("self-test passed\n")
    return ExitCode.OK
