"""The building blocks of the Markdown format: YAML quoting, fences, marker escapes."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grokdesk.export import fences, frontmatter


@given(st.text())
def test_quoted_values_read_back_exactly_and_stay_on_one_line(value: str) -> None:
    quoted = frontmatter.quote(value)
    assert "\n" not in quoted and "\r" not in quoted and "\u2028" not in quoted
    fields, end = frontmatter.split(f"---\nkey: {quoted}\n---\nbody") or ({}, 0)
    assert fields == {"key": value}
    assert end == 3


@pytest.mark.parametrize(("line", "value"), [
    ("key: plain words", "plain words"),
    ("key: C# is fine", "C# is fine"),
    ("key: trailing # comment", "trailing"),
    ("key: 'it''s'", "it's"),
    ('key: "\\x41\\u00e9\\U0001F600\\N\\_"', "Aé😀\x85\xa0"),
    ("key:", None),
    ("key: null", None),
    ("key: ~", None),
])
def test_what_obsidian_or_people_write_is_read(line: str, value: str | None) -> None:
    assert frontmatter.split(f"---\n{line}\n---\n") == ({"key": value}, 3)


@pytest.mark.parametrize("line", ['key: "open', 'key: "\\q"', 'key: "\\ud800"', "not yaml",
                                  'key: "a" b'])
def test_broken_values_are_reported(line: str) -> None:
    with pytest.raises(frontmatter.FrontMatterError, match="line 2"):
        frontmatter.split(f"---\n{line}\n---\n")


def test_nested_yaml_and_comments_are_skipped() -> None:
    text = "---\n# note\ntags:\n  - a\n- b\ntitle: x\n...\n"
    assert frontmatter.split(text) == ({"tags": None, "title": "x"}, 7)


def test_no_front_matter() -> None:
    assert frontmatter.split("# Title\n") is None


@pytest.mark.parametrize(("text", "fence"), [
    ("", "```"), ("a ` b", "```"), ("```py\nx\n```", "````"), ("``````", "```````"),
])
def test_fence_is_longer_than_any_run(text: str, fence: str) -> None:
    assert fences.fence_for(text) == fence


@pytest.mark.parametrize(("text", "open_fence"), [
    ("```py\ncode", "```"),
    ("```py\ncode\n```", None),
    ("````\n```\n", "````"),
    ("~~~\ncode\n```", "~~~"),
    ("~~~\ncode\n~~~~", None),
    ("``` not `a` fence", None),
    ("    ```\nindented code", None),
    ("```\nx\n``` trailing words", "```"),
    ("</details>\n```\n", None),  # the fence line is part of an HTML block: no code block
    ("</details>\n\n```\ncode", "```"),
    ("```\r```", None),  # the parser breaks lines at a lone CR too
    ("x\r```", "```"),
])
def test_unclosed_fence(text: str, open_fence: str | None) -> None:
    assert fences.unclosed_fence(text) == open_fence


_LINES = ["```", "````", "~~~", "~~~~", "``` py", "```a`b", "~~~ a`b", "  ```", "   ~~~",
          "    ```", "\t```", "```  ", "``", "- item", "  - item", "* x", "1. one", "2) two",
          "> quote", ">```", "<div>", "</div>", "<!-- c -->", "[a]: /u", "[a]:", "text",
          "code", "", "  ", "# head", "---", "***", "    indented", " ```", "- ```", "1. ~~~",
          "> ~~~", "  code", "   - deep", "<pre>", "</pre>", "[a]: /u 'title"]


@given(st.lists(st.tuples(st.sampled_from(_LINES), st.sampled_from(["\n", "\r\n", "\r"])),
                max_size=12)
       .map(lambda pairs: "".join(line + end for line, end in pairs)[:-1] or "```"))
def test_the_line_scan_that_spares_the_parse_agrees_with_the_parser(text: str) -> None:
    """A text the scan sees closed is spared the CommonMark parse: the answer must be the
    parser's, whatever lists, quotes, HTML or link definitions surround the fences."""
    with patch.object(fences, "_every_fence_closes", lambda lines: False):
        parsed = fences.unclosed_fence(text)
    assert fences.unclosed_fence(text) == parsed


@given(st.lists(st.sampled_from(["<!-- grokdesk:end -->", "\\", "\n", "x", "<!--", " "]))
       .map("".join))
def test_marker_escape_is_reversible_and_leaves_no_marker_line(text: str) -> None:
    escaped = fences.escape_markers(text)
    assert not any(line.startswith(fences.MARKER_PREFIX) for line in escaped.split("\n"))
    assert fences.unescape_markers(escaped) == text
