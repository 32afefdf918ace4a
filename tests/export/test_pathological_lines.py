"""Lines built to make regular expressions backtrack: every one is read in linear time.

The import runs in a subprocess with a generous deadline (a hang or a quadratic match
of a line near the cap would blow through it; nothing here measures speed), and the
patterns of the export package are checked to see only lines under the cap unless
they are linear by construction.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from grokdesk import export as export_package
from grokdesk.export import lines, sources
from grokdesk.export.errors import MalformedFileError
from grokdesk.export.sources import parse_text

CAP = lines.MAX_LINE_CHARS
UUID = "6f1c1f0e-6b43-4a55-9d64-3c3f3b2a9d11"
MESSAGE = ('<!-- grokdesk:message role="user" uuid="0b4d3c55-2f6e-4a8a-8d4c-9a3e5e8d7c21"'
           ' created="2025-01-02T10:00:00Z" -->')


def document(front: list[str], body: str = "", marker: str = MESSAGE) -> str:
    return ("---\n" + "".join(f"{line}\n" for line in front)
            + f'uuid: "{UUID}"\nformat: "grokdesk-markdown"\nformat_version: 1\n---\n\n# T\n\n'
            + f"{marker}\n## User\n\n{body or 'hi'}\n\n<!-- grokdesk:end -->\n")


def fill(prefix: str, unit: str, size: int, suffix: str = "") -> str:
    """``prefix`` + ``unit`` repeated + ``suffix``, ``size`` characters in all."""
    room = size - len(prefix) - len(suffix)
    return prefix + (unit * (room // len(unit) + 1))[:room] + suffix


def hostile_lines(size: int) -> Iterator[tuple[str, str]]:
    """(name, line) pairs aimed at the patterns that read front matter and markers."""
    for unit in (" ", "\t", " \t", "\t ", ":", "a:", " #", "# ", "'", "''", '"', "\\", " a: "):
        yield f"title-{unit!r}", fill("title:", unit, size)
        yield f"title-{unit!r}-x", fill("title:", unit, size, "x")
        yield f"title-{unit!r}-spaced", fill("title: ", unit, size, " \t")
        yield f"title-{unit!r}-inside", fill("title: x", unit, size, "y")
        yield f"title-{unit!r}-comment", fill("title: x", unit, size, "x #")
    yield "single-quote-open", fill("title: '", "''", size)
    yield "single-quote-odd", fill("title: '", "'' ", size, "'")
    yield "double-quote-escapes", fill('title: "', "\\\\", size)
    yield "repeated-keys", fill("", "a:", size)
    yield "key-dashes", fill("a", "-", size, ":x")
    yield "comment-run", fill("title: x", " #", size)


def hostile_documents(size: int) -> Iterator[tuple[str, str]]:
    for name, line in hostile_lines(size):
        yield name, document(['title: "T"', 'created: "2025-01-02T10:00:00Z"', line])
    attribute_runs = [' a=""', ' a="', ' a', '="', " " + "a" * 10]
    for unit in attribute_runs:
        yield f"marker-{unit!r}", document(['title: "T"', 'created: "2025-01-02T10:00:00Z"'],
                                           marker=fill("<!-- grokdesk:message", unit, size))
        yield f"marker-{unit!r}-closed", document(
            ['title: "T"', 'created: "2025-01-02T10:00:00Z"'],
            marker=fill("<!-- grokdesk:message", unit, size, " -->"))
    for unit in ("`", "~", "\\", " `", "\\<!-- grokdesk:"):
        yield f"body-{unit!r}", document(['title: "T"', 'created: "2025-01-02T10:00:00Z"'],
                                         body=fill("", unit, size * 2))


DRIVER = """
import json, sys
from pathlib import Path
from grokdesk.export.sources import parse_path
outcomes = {}
for path in sorted(Path(sys.argv[1]).iterdir()):
    [parsed] = parse_path(path)
    outcomes[path.name] = None if parsed.error is None else parsed.error.describe()
print(json.dumps(outcomes))
"""


def import_in_subprocess(folder: Path) -> dict[str, str | None]:
    done = subprocess.run([sys.executable, "-c", DRIVER, str(folder)], capture_output=True,
                          text=True, timeout=240, check=False, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes: dict[str, str | None] = json.loads(done.stdout)
    return outcomes


@pytest.mark.timeout(300)
def test_lines_just_under_the_cap_are_read_without_backtracking(tmp_path: Path) -> None:
    docs = dict(hostile_documents(CAP - 10))
    for n, text in enumerate(docs.values()):
        (tmp_path / f"{n:03d}.md").write_text(text, encoding="utf-8")
    outcomes = import_in_subprocess(tmp_path)
    assert len(outcomes) == len(docs)
    for (name, _), (_, outcome) in zip(docs.items(), sorted(outcomes.items()), strict=True):
        assert outcome is None or "Traceback" not in outcome, name


@pytest.mark.timeout(300)
def test_a_line_over_the_cap_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    docs = {name: text for name, text in hostile_documents(CAP + 1)
            if not name.startswith("body-")}
    for n, text in enumerate(docs.values()):
        (tmp_path / f"{n:03d}.md").write_text(text, encoding="utf-8")
    outcomes = import_in_subprocess(tmp_path)
    for name, (file_name, outcome) in zip(docs, sorted(outcomes.items()), strict=True):
        assert outcome is not None, name
        assert file_name in outcome, (name, outcome)
        assert re.search(r"line \d+ is longer than [\d,]+ characters", outcome), (name, outcome)


def test_long_lines_of_message_text_still_round_trip() -> None:
    """The cap is on lines that patterns read; a message may hold longer lines."""
    body = "x" * (CAP * 2) + "\n" + "`" * (CAP + 5)
    parsed = parse_text(document(['title: "T"', 'created: "2025-01-02T10:00:00Z"'], body=body),
                        "long.md")
    assert parsed.error is None
    assert parsed.records[0].messages[0].content == body


# ------------------------------------------------------------- patterns see capped input


def _repeats(parsed: Any) -> list[tuple[Any, Any]]:
    """Every repeat in a parsed pattern, as (operator, its body), nested ones included."""
    from re import _constants as constants  # type: ignore[attr-defined]

    found: list[tuple[Any, Any]] = []
    for op, arg in parsed:
        if op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT):
            found.append((op, arg[2]))
            found.extend(_repeats(arg[2]))
        elif op == constants.SUBPATTERN:
            found.extend(_repeats(arg[-1]))
        elif op == constants.BRANCH:
            for branch in arg[1]:
                found.extend(_repeats(branch))
        elif op in (constants.ASSERT, constants.ASSERT_NOT):
            found.extend(_repeats(arg[1]))
    return found


def linear_by_construction(pattern: re.Pattern[str]) -> bool:
    """At most one repeat, over one character class: no input can make it backtrack."""
    from re import _constants as constants
    from re import _parser as parser  # type: ignore[attr-defined]

    repeats = _repeats(parser.parse(pattern.pattern, pattern.flags))
    single = (constants.LITERAL, constants.IN, constants.ANY, constants.NOT_LITERAL)
    return len(repeats) <= 1 and all(len(body) == 1 and body[0][0] in single
                                     for _, body in repeats)


class Recording:
    """A compiled pattern that notes the length of every text it is applied to."""

    def __init__(self, pattern: re.Pattern[str], seen: list[tuple[str, int]]) -> None:
        self._pattern, self._seen = pattern, seen

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._pattern, name)
        if not callable(method):
            return method  # type: ignore[no-any-return]

        def call(*args: Any, **kwargs: Any) -> Any:
            texts = [a for a in (*args, *kwargs.values()) if isinstance(a, str)]
            if name in ("sub", "subn") and len(texts) > 1:
                texts = texts[1:]  # the replacement is ours
            for text in texts:
                self._seen.append((self._pattern.pattern, len(text)))
            return method(*args, **kwargs)
        return call


def export_modules() -> list[Any]:
    import importlib
    import pkgutil

    return [importlib.import_module(f"grokdesk.export.{info.name}")
            for info in pkgutil.iter_modules(export_package.__path__)]


def test_the_export_package_calls_no_regex_function_directly() -> None:
    """Only module-level compiled patterns, so the check below sees every one."""
    for module in export_modules():
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
                assert node.func.attr == "compile", f"{module.__name__}: re.{node.func.attr}"


def test_patterns_see_only_capped_input_unless_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []
    patterns: dict[str, re.Pattern[str]] = {}
    for module in export_modules():
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                patterns[value.pattern] = value
                monkeypatch.setattr(module, name, Recording(value, seen))
    from grokdesk.export import markdown

    for _, text in hostile_documents(CAP + 1000):
        parsed = parse_text(text, "hostile.md")
        for record in parsed.records:
            markdown.to_markdown(record, include_reasoning=True, include_usage=True)
    assert seen, "no pattern was exercised"
    for pattern, length in seen:
        assert length <= CAP or linear_by_construction(patterns[pattern]), \
            (pattern, length)


def test_a_huge_line_in_a_file_is_refused_before_it_is_matched() -> None:
    with pytest.raises(MalformedFileError, match=r"big.md: front matter line 3 is longer"):
        sources._parse(document(['title: "T"', "a: " + " " * (CAP + 1)]), "big.md")


TITLE_DRIVER = """
import sys
from grokdesk.chat.titles import clean_model_title, title_from_text
size = int(sys.argv[1])
for unit in ("*a ", "_a ", "`a ", "~~a ", "# ", "- ", "> ", "1. ", "[x] ", " \\t", "[a](", "<a "):
    line = (unit * (size // len(unit) + 1))[:size]
    title_from_text(line)
    clean_model_title(line)
    clean_model_title("Title: " + line)
print("done")
"""


@pytest.mark.timeout(300)
def test_titles_from_hostile_first_lines_are_made_without_backtracking() -> None:
    """A first message or a model's reply is text from anyone: its length must not matter."""
    done = subprocess.run([sys.executable, "-c", TITLE_DRIVER, str(CAP)], capture_output=True,
                          text=True, timeout=240, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-2000:]
