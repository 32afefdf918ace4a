"""``python -m bench``: run every figure, print the table, write ``bench/results.json``.

``--smoke`` runs each benchmark on tiny data, once, in a few seconds, and writes its
results elsewhere (``bench/.data/smoke-results.json``) so the real figures stay. No
budget is asserted unless ``--check`` is given: a run reports, it does not judge.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from bench import DATA_DIR, RESULTS_PATH
from bench.report import Figure, markdown_table, table, write_results


def _groups() -> dict[str, ModuleType]:
    """Benchmark modules in run order; each has ``run(ctx) -> list[Figure]``."""
    from bench import (
        fig_branch,
        fig_export,
        fig_open_switch,
        fig_rss_open,
        fig_startup,
        fig_storage,
        fig_stream,
        fig_ttft,
    )

    return {"startup": fig_startup, "rss_open": fig_rss_open, "open_switch": fig_open_switch,
            "stream": fig_stream, "ttft": fig_ttft, "storage": fig_storage,
            "branch": fig_branch, "export": fig_export}


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny data, one repetition, seconds per benchmark (CI)")
    parser.add_argument("--only", default="",
                        help="comma-separated groups: startup, rss_open, open_switch, "
                             "stream, ttft, storage, branch, export")
    parser.add_argument("--repeat", type=int, help="override every repetition count")
    parser.add_argument("--out", type=Path, help="where to write the results JSON")
    parser.add_argument("--markdown", action="store_true",
                        help="also print the table in Markdown (for docs/performance.md)")
    parser.add_argument("--trace-late", type=float, metavar="MS",
                        help="keep the GUI thread's stack (in results.json) for each tick "
                             "of the lateness figures that is MS late or more")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a figure misses its budget")
    return parser.parse_args(argv)


def _run_group(name: str, run: Callable[..., list[Figure]], ctx: object,
               timings: dict[str, float], errors: dict[str, str]) -> list[Figure]:
    print(f"bench: {name} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        return run(ctx)
    except Exception:
        errors[name] = traceback.format_exc()
        print(errors[name], file=sys.stderr)
        return []
    finally:
        timings[name] = round(time.perf_counter() - started, 1)
        print(f"bench: {name} took {timings[name]} s", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bench import machine
    from bench.context import Context
    from bench.datagen import table_sizes

    groups = _groups()
    wanted = [g.strip() for g in args.only.split(",") if g.strip()] or list(groups)
    unknown = sorted(set(wanted) - set(groups))
    if unknown:
        print(f"bench: unknown groups {unknown}; known: {list(groups)}", file=sys.stderr)
        return 2
    ctx = Context(smoke=args.smoke, repeat=args.repeat, trace_late_ms=args.trace_late)
    meta = {"mode": "smoke" if args.smoke else "full",
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine.describe(), "load_before": machine.load_average()}
    figures: list[Figure] = []
    timings: dict[str, float] = {}
    errors: dict[str, str] = {}
    try:
        started = time.perf_counter()
        history = ctx.history
        meta["history"] = {**table_sizes(history.db_path), "build_s": history.build_seconds,
                           "ready_s": round(time.perf_counter() - started, 1)}
        for name in wanted:
            figures += _run_group(name, groups[name].run, ctx, timings, errors)
    finally:
        ctx.close()
    meta.update(load_after=machine.load_average(), seconds=timings, errors=errors)
    out = args.out or (DATA_DIR / "smoke-results.json" if args.smoke else RESULTS_PATH)
    write_results(out, figures, meta)
    print(table(figures))
    if args.markdown:
        print("\n" + markdown_table(figures))
    print(f"\nload average before {meta['load_before']}, after {meta['load_after']}; "
          f"results in {out}")
    if errors:
        print(f"bench: failed: {', '.join(errors)}", file=sys.stderr)
        return 1
    return 1 if args.check and any(f.ok is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
