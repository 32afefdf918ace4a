"""A figure against its budget, the printed table, and ``results.json``."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Compare = Literal["<=", ">="]


@dataclass
class Figure:
    """One measured figure: ``value`` is compared with ``budget`` (None: informational)."""

    key: str
    title: str
    value: float
    unit: str
    budget: float | None = None
    compare: Compare = "<="
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        if self.budget is None or math.isnan(self.value):
            return None
        return self.value <= self.budget if self.compare == "<=" else self.value >= self.budget

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def skipped(key: str, title: str, unit: str, reason: str) -> Figure:
    """A figure that could not be measured here (no Xvfb, say), and why."""
    return Figure(key, title, math.nan, unit, detail={"skipped": reason})


def _number(value: float, unit: str) -> str:
    if math.isnan(value):
        return "—"
    if unit == "×":
        return f"{value:.2f}×"
    return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def table(figures: list[Figure]) -> str:
    """The figures as a plain-text table, one line each."""
    rows = [("figure", "measured", "budget", "")]
    for figure in figures:
        budget = "" if figure.budget is None else (
            f"{figure.compare} {_number(figure.budget, figure.unit)}")
        verdict = {True: "ok", False: "MISS", None: ""}[figure.ok]
        if "skipped" in figure.detail:
            verdict = f"skipped: {figure.detail['skipped']}"
        rows.append((figure.title, _number(figure.value, figure.unit), budget, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def markdown_table(figures: list[Figure]) -> str:
    """The same table in Markdown, for docs/performance.md."""
    lines = ["| figure | measured | budget | |", "|---|---:|---|---|"]
    for figure in figures:
        budget = "" if figure.budget is None else (
            f"{figure.compare.replace('<=', '≤').replace('>=', '≥')} "
            f"{_number(figure.budget, figure.unit)}")
        verdict = {True: "ok", False: "**miss**", None: ""}[figure.ok]
        lines.append(f"| {figure.title.strip()} | {_number(figure.value, figure.unit)} "
                     f"| {budget} | {verdict} |")
    return "\n".join(lines)


def write_results(path: Path, figures: list[Figure], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {**meta, "figures": [f.to_json() for f in figures]}
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False, default=_nan_safe) + "\n")


def _nan_safe(value: object) -> object:
    return str(value)
