"""One error root: every error a user can see is a GrokdeskError that says itself in one line.

The faces (cli.py, the window) catch ``GrokdeskError`` alone and word it through
``describe()``; an error class outside the root would reach the user as a crash.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pytest

import grokdesk
from grokdesk.api import errors as api
from grokdesk.chat.service import TurnInProgressError
from grokdesk.chat.titles import BlankTitleError
from grokdesk.cli import main
from grokdesk.errors import ExitCode, GrokdeskError, register_secret
from grokdesk.export import errors as export
from grokdesk.export.staging import ImportInterruptedError
from grokdesk.export.store import UnknownConversationError
from grokdesk.secrets import KeyringUnavailableError, MissingKeyError
from grokdesk.storage import db
from grokdesk.storage.repository import RecordGoneError

HISTORY = Path("/home/user/.local/share/grokdesk/history.db")

#: One realistic instance of every error class; the test below finds any class missing here.
EXAMPLES: dict[type[GrokdeskError], Callable[[], GrokdeskError]] = {
    GrokdeskError: lambda: GrokdeskError("Something went wrong"),
    api.APIError: lambda: api.APIError("The provider failed", request_id="req-1"),
    api.StatusError: lambda: api.StatusError(418, "I'm a teapot"),
    api.BadRequestError: lambda: api.error_for_status(422, "unknown field"),
    api.AuthError: lambda: api.error_for_status(401, "invalid key"),
    api.PaymentError: lambda: api.error_for_status(402, "no credits"),
    api.NotFoundError: lambda: api.error_for_status(404, "no such model"),
    api.RateLimitError: lambda: api.error_for_status(429, "slow down", retry_after=3.0),
    api.ServerError: lambda: api.error_for_status(503, "overloaded", request_id="r-9"),
    api.ProxyAuthError: lambda: api.error_for_status(407, ""),
    api.StreamError: lambda: api.StreamError("model crashed", code="internal"),
    api.APIConnectionError: lambda: api.APIConnectionError(),
    api.APITimeoutError: lambda: api.APITimeoutError(),
    api.TLSError: lambda: api.TLSError("The certificate of api.example is not trusted"),
    api.ProxyError: lambda: api.ProxyError("The proxy refused the connection"),
    api.StreamInterrupted: lambda: api.StreamInterrupted(),
    api.InvalidResponseError: lambda: api.InvalidResponseError("The reply is not JSON"),
    api.NetworkSettingsError: lambda: api.NetworkSettingsError("The CA bundle is missing"),
    KeyringUnavailableError: lambda: KeyringUnavailableError("the keyring is locked"),
    MissingKeyError: lambda: MissingKeyError("AI/ML API"),
    TurnInProgressError: lambda: TurnInProgressError(
        "An answer is still coming: wait for it or stop it"),
    BlankTitleError: lambda: BlankTitleError("A conversation needs a title to show"),
    db.DatabaseError: lambda: db.DatabaseError("The history cannot be read.", HISTORY),
    db.NewerDatabaseError: lambda: db.NewerDatabaseError(HISTORY, 9, 4),
    db.CorruptDatabaseError: lambda: db.CorruptDatabaseError(HISTORY, "file is not a database"),
    db.DatabaseBusyError: lambda: db.DatabaseBusyError("The history file is busy.", HISTORY),
    db.DatabaseAccessError: lambda: db.DatabaseAccessError("The disk is full.", HISTORY),
    RecordGoneError: lambda: RecordGoneError("Conversation 3 no longer exists."),
    export.ImportRefusedError: lambda: export.ImportRefusedError("empty", source="a.json"),
    export.UnknownFormatError: lambda: export.UnknownFormatError("not JSON", source="a.txt"),
    export.NewerFormatError: lambda: export.NewerFormatError("format 9", source="b.json"),
    export.MalformedFileError: lambda: export.MalformedFileError("truncated", source="c.md"),
    export.ExportCancelled: lambda: export.ExportCancelled(),
    ImportInterruptedError: lambda: ImportInterruptedError("the import was removed"),
    UnknownConversationError: lambda: UnknownConversationError([4, 7]),
}

#: Exceptions that never reach a face: each is translated into a GrokdeskError (or, for
#: the command line's own usage errors, into exit code USAGE) where it is caught.
INTERNAL = {
    "grokdesk.api.proxies.ProxyURLError",  # -> NetworkSettingsError, a settings warning
    "grokdesk.cli.UsageError",  # the command line's own: one line and ExitCode.USAGE
    "grokdesk.cli_transfer._UsageError",  # the same for export and import
    "grokdesk.config.UnknownProfileError",  # -> UsageError on the command line
    "grokdesk.export.frontmatter.FrontMatterError",  # -> MalformedFileError
    "grokdesk.export.staging._Discarded",  # rolls back a transaction, never escapes
    "grokdesk.selftest.Missing",  # one line of the self-test's report
}


def _exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in grokdesk, by qualified name."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(grokdesk.__path__, "grokdesk."):
        if info.name == "grokdesk.__main__":  # runs the command line when imported
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == info.name:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_error_class_is_under_the_root_or_known_to_be_internal() -> None:
    classes = _exception_classes()
    outside = {name for name, cls in classes.items() if not issubclass(cls, GrokdeskError)}
    assert outside == INTERNAL
    missing = {name for name, cls in classes.items()
               if issubclass(cls, GrokdeskError) and cls not in EXAMPLES}
    assert not missing, "add an example for each new error class"


@pytest.mark.parametrize("make", EXAMPLES.values(), ids=[c.__name__ for c in EXAMPLES])
def test_every_error_describes_itself_in_one_line(make: Callable[[], GrokdeskError]) -> None:
    error = make()
    text = error.describe()
    assert text.strip() == text and text
    assert "\n" not in text and "\r" not in text
    assert str(error) == error.message and error.message in text


def test_the_key_is_redacted_from_every_error_message() -> None:
    secret = "sk-error-root-0123456789abcdef"
    register_secret(secret)
    for error in (GrokdeskError(f"sent {secret}"),
                  db.DatabaseError(f"failed with {secret}", HISTORY),
                  KeyringUnavailableError(secret)):
        assert secret not in error.describe() and secret not in str(error)


def test_a_history_error_reads_as_it_always_did() -> None:
    error = db.NewerDatabaseError(HISTORY, 9, 4)
    assert error.describe() == str(error) == error.message
    assert error.message.startswith(f"The history file {HISTORY} was written by a newer")
    gone = RecordGoneError("Message 5 no longer exists.")
    assert isinstance(gone, LookupError) and isinstance(gone, db.DatabaseError)


def test_exit_codes_are_the_documented_numbers() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 2, 130]


def test_the_command_line_words_a_history_error_as_one_sentence(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_path: Path) -> object:
        raise db.DatabaseAccessError("The disk holding the history file is full. Free some "
                                     "space and try again.", HISTORY)

    monkeypatch.setattr("grokdesk.storage.recovery.open_history_with_recovery", broken)
    out, err = io.StringIO(), io.StringIO()
    assert main(["list"], stdout=out, stderr=err) == ExitCode.FAILURE
    assert err.getvalue() == ("grokdesk: The disk holding the history file is full. Free "
                              "some space and try again.\n")
    assert out.getvalue() == ""
