"""Measure LaTeX typesetters on the math corpus: coverage, speed (docs/performance.md).

Two steps, because the candidates need not be installed in grokdesk's own environment:

    .venv/bin/python tools/measure_math.py extract > /tmp/math.json
    SOME_VENV/bin/python tools/measure_math.py measure ziamath < /tmp/math.json
    SOME_VENV/bin/python tools/measure_math.py measure mathtext < /tmp/math.json

``extract`` finds every equation in tests/support/math_corpus.py with grokdesk's own
recogniser; ``measure`` typesets each once to SVG and reports how many succeeded, how
long the import and the first equation took, and the median and total time per equation.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def extract() -> None:
    from grokdesk.render.markdown import _markdown_it
    from tests.support.math_corpus import CORPUS

    found: list[dict[str, Any]] = []
    for name, text in CORPUS:
        for token in _walk(_markdown_it().parse(text, {})):
            if token.type.startswith("math_"):
                found.append({"name": name, "latex": token.content.strip(),
                              "display": token.type != "math_inline"})
    json.dump(found, sys.stdout, indent=0)


def _walk(tokens: list[Any]) -> Any:
    for token in tokens:
        yield token
        yield from _walk(token.children or [])


def _ziamath() -> Any:
    from grokdesk.render.math.typeset import typeset_svg

    def typeset(latex: str, display: bool) -> bool:
        return typeset_svg(latex, display, "#000000", 16.0) is not None

    return typeset


def _mathtext() -> Any:
    import matplotlib

    matplotlib.use("svg")
    from matplotlib.mathtext import math_to_image

    def typeset(latex: str, display: bool) -> bool:
        try:
            math_to_image(f"${latex}$", io.BytesIO(), format="svg", dpi=72)
        except Exception:  # the candidate's own failure: counted, not raised
            return False
        return True

    return typeset


def measure(engine: str) -> None:
    equations = json.load(sys.stdin)
    started = time.perf_counter()
    typeset = {"ziamath": _ziamath, "mathtext": _mathtext}[engine]()
    times: list[float] = []
    failed: list[str] = []
    ready = 0.0
    for equation in equations:
        start = time.perf_counter()
        ok = typeset(equation["latex"], equation["display"])
        if ready:
            times.append(time.perf_counter() - start)
        else:
            ready = time.perf_counter() - started
        if not ok:
            failed.append(equation["name"])
    print(json.dumps({
        "engine": engine,
        "equations": len(equations),
        "typeset": len(equations) - len(failed),
        "failed": sorted(set(failed)),
        "import_and_first_ms": round(ready * 1000),
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "total_ms": round(sum(times) * 1000),
    }, indent=1))


if __name__ == "__main__":
    if sys.argv[1:2] == ["extract"]:
        extract()
    elif sys.argv[1:2] == ["measure"] and len(sys.argv) == 3:
        measure(sys.argv[2])
    else:
        sys.exit(__doc__)
