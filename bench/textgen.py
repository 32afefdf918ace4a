"""Chat-like text for the benchmark histories: questions, Markdown answers, code, math,
reasoning.

Two hundred thousand messages must be written in well under a minute, so messages
are assembled from a pool of pre-made pieces (paragraphs, lists, tables, fenced code
in several languages) rather than word by word. Each message also gets a few words
from a large made-up vocabulary, so that a search for a rare word finds a handful of
conversations, as it would in a real history, and the trigram index is not
artificially small. One answer in five (:data:`MATH_SHARE`) has math: one to three
snippets of the model-written LaTeX corpus in tests/support/math_corpus.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.support.math_corpus import CORPUS as MATH_CORPUS

MATH_SHARE = 0.2
"""The share of answers with math in them."""

_COMMON_TEXT = (
    "the a to of and in is it that for you this with on be as can are not or if your by "
    "from at an will have use when which what how more one all about there so would should "
    "function value file data error list string number request response server client test "
    "python code example return output input config database query table index cache memory "
    "thread loop event window widget layout model view user message answer reason step first "
    "then because however instead simply note also each other time since until while"
)
_SYLLABLES_TEXT = ("ka lo mi ne su ta ri vo pe za qu bi fo gu xe wy ha el or an is un "
                   "ter ian ost ump ack ell irk")
_COMMON = _COMMON_TEXT.split()
_SYLLABLES = _SYLLABLES_TEXT.split()
_LANGS = ("python", "javascript", "bash", "rust", "sql", "json", "")


@dataclass(frozen=True, slots=True)
class Sizes:
    """How many pieces the pools hold and how rare the rare words are."""

    pool: int = 1500
    rare_words: int = 30_000


def _sentence(rng: random.Random, words: int) -> str:
    picked = rng.choices(_COMMON, k=words)
    picked[0] = picked[0].capitalize()
    if rng.random() < 0.3:
        picked[rng.randrange(words)] = f"`{rng.choice(_COMMON)}()`"
    if rng.random() < 0.2:
        picked[rng.randrange(words)] = f"**{rng.choice(_COMMON)}**"
    return " ".join(picked) + rng.choice(".....?!")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng, rng.randint(6, 22)) for _ in range(rng.randint(1, 5)))


def _bullets(rng: random.Random) -> str:
    marker = rng.choice(("-", "*", "1."))
    return "\n".join(f"{marker} {_sentence(rng, rng.randint(3, 12))}"
                     for _ in range(rng.randint(2, 7)))


def _table(rng: random.Random) -> str:
    columns = rng.randint(2, 4)
    head = "| " + " | ".join(rng.choice(_COMMON).title() for _ in range(columns)) + " |"
    rule = "|" + "---|" * columns
    rows = ["| " + " | ".join(rng.choice(_COMMON) for _ in range(columns)) + " |"
            for _ in range(rng.randint(2, 6))]
    return "\n".join([head, rule, *rows])


def _code(rng: random.Random) -> str:
    lang = rng.choice(_LANGS)
    lines = []
    for number in range(rng.randint(3, 40)):
        name = rng.choice(_COMMON)
        indent = "    " * rng.randint(0, 2)
        lines.append(rng.choice((
            f"{indent}{name}_{number} = compute({name!r}, limit={number * 7})",
            f"{indent}if {name} is not None and len({name}) > {number}:",
            f"{indent}for item in {name}s:  # {_sentence(rng, 4)}",
            f"{indent}return {{\"{name}\": {number}, \"ok\": true}}",
            f"{indent}console.log(`{name}: ${{{name}.length}}`);",
        )))
    return f"```{lang}\n" + "\n".join(lines) + "\n```"


def _heading(rng: random.Random) -> str:
    return "#" * rng.randint(2, 3) + " " + _sentence(rng, rng.randint(2, 6)).rstrip(".?!")


class TextPool:
    """Pre-made pieces and a rare vocabulary, drawn from by :meth:`user` and friends."""

    def __init__(self, seed: int, sizes: Sizes = Sizes()) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.paragraphs = [_paragraph(rng) for _ in range(sizes.pool)]
        self.blocks = [rng.choice((_bullets, _table, _code, _code, _heading))(rng)
                       for _ in range(sizes.pool)]
        self.questions = [_sentence(rng, rng.randint(5, 30)) for _ in range(sizes.pool)]
        self.thoughts = [" ".join(_sentence(rng, rng.randint(8, 25))
                                  for _ in range(rng.randint(2, 6))) for _ in range(sizes.pool)]
        self.rare = ["".join(rng.choices(_SYLLABLES, k=rng.randint(3, 5)))
                     for _ in range(sizes.rare_words)]
        self.math = [text for _, text in MATH_CORPUS]

    def _rare(self, count: int) -> str:
        return " ".join(self.rng.choices(self.rare, k=count))

    def user(self) -> str:
        """A question: usually a line or two, sometimes with pasted code."""
        rng = self.rng
        text = rng.choice(self.questions) + " " + self._rare(rng.randint(1, 2))
        if rng.random() < 0.35:
            text += " " + rng.choice(self.questions)
        if rng.random() < 0.1:
            text += "\n\n" + self._code_block()
        return text

    def _code_block(self) -> str:
        block = self.rng.choice(self.blocks)
        return block if block.startswith("```") else _code(self.rng)

    def assistant(self) -> str:
        """An answer: paragraphs mixed with lists, tables, headings, code and sometimes math."""
        rng = self.rng
        parts = [rng.choice(self.paragraphs) + " " + self._rare(rng.randint(1, 3))]
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 6))):
            parts.append(rng.choice(self.blocks) if rng.random() < 0.55
                         else rng.choice(self.paragraphs))
        if rng.random() < MATH_SHARE:
            parts.insert(1, self.math_part())
        return "\n\n".join(parts)

    def math_part(self, snippets: int = 0) -> str:
        """Model-written math: ``snippets`` pieces of the corpus (1 to 3 when 0)."""
        count = snippets or self.rng.randint(1, 3)
        return "\n\n".join(self.rng.choice(self.math) for _ in range(count))

    def reasoning(self) -> str:
        """The model's thinking: plain prose, a few hundred to a few thousand characters."""
        rng = self.rng
        return " ".join(rng.choices(self.thoughts, k=rng.randint(1, 5)))

    def tokens(self, text: str) -> list[str]:
        """``text`` cut into token-sized pieces (2-7 characters) that join back to it."""
        rng = self.rng
        pieces, start = [], 0
        while start < len(text):
            end = min(len(text), start + rng.randint(2, 7))
            pieces.append(text[start:end])
            start = end
        return pieces
