"""The small part of YAML that grokdesk's Markdown front matter needs, written and read safely.

Values are written as double-quoted YAML scalars on one line, so no title (``---``,
``key: value``, a newline, a quote) can end the block or add a key. Reading accepts
what Obsidian or a person may have rewritten: plain, single- and double-quoted scalars.
Nested YAML (lists, maps) is skipped: those keys are not grokdesk's.
"""

from __future__ import annotations

import re
import unicodedata

from grokdesk.export.lines import describe, too_long

FENCE = "---"

_ESCAPES_OUT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES_IN = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_HEX_LENGTHS = {"x": 2, "u": 4, "U": 8}
# One repeat per part and nothing that overlaps: the key cannot contain the colon.
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(.*)")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_NULLS = {"", "~", "null", "Null", "NULL"}
_VISIBLE_FORMAT_CHARS = {"\u200c", "\u200d"}  # joiners inside emoji and Indic words


class FrontMatterError(ValueError):
    """The front matter cannot be read; the message says where."""


def _needs_escape(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cf":
        return ch not in _VISIBLE_FORMAT_CHARS
    return category in {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}


def quote(value: str) -> str:
    """``value`` as a one-line double-quoted YAML scalar.

    Control, format and line-separator characters are escaped too, so nothing
    invisible (bidi overrides, U+2028) hides in the raw file or splits the line.
    """
    parts = ['"']
    for ch in value:
        if ch in _ESCAPES_OUT:
            parts.append(_ESCAPES_OUT[ch])
        elif _needs_escape(ch):
            code = ord(ch)
            parts.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            parts.append(ch)
    parts.append('"')
    return "".join(parts)


def dump(fields: dict[str, str | int | float | None]) -> str:
    """A complete front matter block (with both fences and a final newline)."""
    lines = [FENCE]
    for key, value in fields.items():
        if value is None:
            text = "null"
        elif isinstance(value, str):
            text = quote(value)
        else:
            text = repr(value)
        lines.append(f"{key}: {text}")
    lines.append(FENCE)
    return "\n".join(lines) + "\n"


def _unquote_double(body: str, line_no: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == '"':
            if body[i + 1:].strip():
                raise FrontMatterError(f"line {line_no}: text after the closing quote")
            return "".join(out)
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        code = body[i + 1:i + 2]
        if code in _ESCAPES_IN:
            out.append(_ESCAPES_IN[code])
            i += 2
        elif code in _HEX_LENGTHS:
            digits = body[i + 2:i + 2 + _HEX_LENGTHS[code]]
            if len(digits) != _HEX_LENGTHS[code] or not _HEX_DIGITS.issuperset(digits):
                raise FrontMatterError(f"line {line_no}: bad \\{code} escape")
            point = int(digits, 16)
            if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
                raise FrontMatterError(f"line {line_no}: \\{code}{digits} is not a character")
            out.append(chr(point))
            i += 2 + len(digits)
        else:
            raise FrontMatterError(f"line {line_no}: unknown escape \\{code}")
    raise FrontMatterError(f"line {line_no}: the quoted value is not closed on its line")


def _unquote_single(raw: str, line_no: int) -> str:
    """A single-quoted scalar: ``''`` is a quote, and nothing may follow the closing one."""
    inner = raw[1:-1] if len(raw) >= 2 and raw.endswith("'") else None
    if inner is None or "'" in inner.replace("''", ""):
        raise FrontMatterError(f"line {line_no}: the quoted value is not closed on its line")
    return inner.replace("''", "'")


def _without_comment(raw: str) -> str:
    """A plain scalar up to its comment: a ``#`` that follows whitespace."""
    at = raw.find("#")
    while at > 0:
        if raw[at - 1].isspace():
            return raw[:at]
        at = raw.find("#", at + 1)
    return raw


def _scalar(raw: str, line_no: int) -> str | None:
    if raw.startswith('"'):
        return _unquote_double(raw[1:], line_no)
    if raw.startswith("'"):
        return _unquote_single(raw, line_no)
    plain = _without_comment(raw).strip()
    return None if plain in _NULLS else plain


def split(text: str) -> tuple[dict[str, str | None], int] | None:
    """Parse the front matter at the start of ``text``.

    Returns the scalar keys and the index of the first line after the block, or
    None when ``text`` has no front matter at all.
    """
    lines = text.split("\n")
    if not lines or too_long(lines[0]) or lines[0].rstrip() != FENCE:
        return None
    fields: dict[str, str | None] = {}
    for index in range(1, len(lines)):
        line = lines[index]
        if too_long(line):
            raise FrontMatterError(describe(index + 1))
        if line.rstrip() in (FENCE, "..."):
            return fields, index + 1
        if not line.strip() or line.lstrip().startswith("#") or line[0] in " \t-":
            continue
        match = _KEY_LINE.fullmatch(line)
        rest = "" if match is None else match.group(2)
        if match is None or rest[:1] not in ("", " ", "\t"):
            raise FrontMatterError(f"line {index + 1}: expected `key: value`")
        fields[match.group(1)] = _scalar(rest.strip(" \t"), index + 1)
    raise FrontMatterError("the front matter is not closed by a `---` line")
