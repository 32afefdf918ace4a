"""Zip bombs: refused from their declared sizes, and stopped while streaming when they lie.

Every archive here is a real zip file. The imports run in one subprocess, one after
another, each into its own history; for each, the subprocess measures how much its
memory grew: the peak resident size (the kernel's high-water mark, reset before each
import) and the peak of Python's own allocations (``tracemalloc``, which also sees
memory an earlier import freed and this one reused). The bound is on memory, never on
time; a last, deliberate allocation over the bound shows the measure is not blind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from grokdesk.export import sources
from grokdesk.export.sources import parse_path
from tests.export.zips import Member, build, member, spaces

GIB = 1 << 30
MIB = 1 << 20
#: How much more memory than an empty import a refused bomb may take.
MEMORY_BOUND = 200 * MIB
#: Unpacks past the 1 GiB limit, and to five times the memory bound.
BOMB = GIB + 16 * MIB
CONTROL = "control: an allocation over the bound"

GOOD = json.dumps({"format": "grokdesk-export", "version": 1, "conversations": [{
    "uuid": "c-good", "title": "Good", "created_at": 1_700_000_000, "messages": [
        {"uuid": "m-good", "role": "user", "content": "hi", "created_at": 1_700_000_000}]}]})

DRIVER = """
import ctypes, ctypes.util, gc, io, json, os, sys, tracemalloc
from grokdesk.cli import main

def status(field):
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)

def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()

libc = ctypes.CDLL(ctypes.util.find_library("c"))
tracemalloc.start()
results = {}
for name, data_dir, paths, control_bytes in json.loads(sys.argv[1]):
    os.environ["GROKDESK_DATA_DIR"] = data_dir
    run("list")  # the history exists before the measure starts
    gc.collect()
    libc.malloc_trim(0)  # what earlier imports freed leaves the resident size
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the high-water mark starts again from the resident size now
    resident = status("VmRSS")
    traced = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    if control_bytes:
        held = b"x" * control_bytes
        code, out, err = 0, "", ""
    else:
        code, out, err = run("import", *paths)
    grew = {"resident": status("VmHWM") - resident,
            "python": tracemalloc.get_traced_memory()[1] - traced}
    held = None
    listed = json.loads(run("list", "--json")[1])
    results[name] = {"code": code, "out": out, "err": err, "grew": grew, "listed": listed}
print(json.dumps(results))
"""


def bombs() -> dict[str, Callable[[], list[Member]]]:
    """Each shape's members, built only when asked for."""

    def big() -> Member:
        return spaces("bomb.json", BOMB)

    return {
        "honest": lambda: [big()],
        "honest-markdown": lambda: [spaces("bomb.md", BOMB)],
        "lies-small": lambda: [big().lying(100)],
        "lies-small-crc": lambda: [big().lying(100, crc=0)],
        "lies-just-under": lambda: [big().lying(GIB - 1)],
        "lies-within-ratio": lambda: [spaces("bomb.json", 64 * MIB).lying(MIB)],
        "lies-zero": lambda: [big().lying(0, crc=0)],
        "many-honest": lambda: [spaces(f"part-{n}.json", 16 * MIB) for n in range(100)],
        "many-lying": lambda: [spaces(f"part-{n}.json", 16 * MIB).lying(10) for n in range(100)],
        "good-then-bomb": lambda: [member("good.json", GOOD.encode()), big()],
        "good-then-liar": lambda: [member("good.json", GOOD.encode()), big().lying(50)],
        "nested": lambda: [member("inner.zip", build([big()]))],
    }


SHAPES = list(bombs())


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Every archive (and a huge plain file) imported in one subprocess, measured one by one."""
    root = tmp_path_factory.mktemp("bombs")
    entries: list[tuple[str, str, list[str], int]] = []
    for shape, members in bombs().items():
        archive = root / f"{shape}.zip"
        archive.write_bytes(build(members()))
        entries.append((shape, str(root / f"data-{shape}"), [str(archive)], 0))
    huge = root / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(3 * GIB // 2)  # sparse: costs no disk
    entries.append(("huge-plain", str(root / "data-huge"), [str(huge)], 0))
    entries.append((CONTROL, str(root / "data-control"), [], MEMORY_BOUND + 16 * MIB))
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(entries)],
                          capture_output=True, text=True, timeout=600, check=False,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    results: dict[str, dict[str, object]] = json.loads(done.stdout)
    return results


def grew_within_bound(result: dict[str, object]) -> bool:
    grew = result["grew"]
    assert isinstance(grew, dict)
    return all(isinstance(n, int) and n < MEMORY_BOUND for n in grew.values())


def test_the_memory_measure_sees_an_allocation_over_the_bound(
        imported: dict[str, dict[str, object]]) -> None:
    """Measured last, after every import: no earlier one can hide an allocation."""
    assert list(imported)[-1] == CONTROL
    grew = imported[CONTROL]["grew"]
    assert isinstance(grew, dict)
    assert all(n > MEMORY_BOUND for n in grew.values()), grew


@pytest.mark.parametrize("shape", SHAPES)
def test_a_zip_bomb_is_refused_in_bounded_memory(imported: dict[str, dict[str, object]],
                                                 shape: str) -> None:
    result = imported[shape]
    assert result["code"] == 1, result
    err = str(result["err"])
    assert err.startswith("grokdesk: refused ") and f"{shape}.zip" in err.split("\n")[0], err
    assert any(words in err for words in ("more than 1 GiB", "damaged", "zip bombs do",
                                          "holds no .md or .json", "file is empty")), err
    assert grew_within_bound(result), result["grew"]
    good_kept = shape == "good-then-liar"  # a bomb refuses its whole archive
    assert [c["title"] for c in result["listed"]] == (["Good"] if good_kept else [])  # type: ignore[attr-defined]


def test_a_huge_plain_file_is_refused_before_it_is_read(
        imported: dict[str, dict[str, object]]) -> None:
    result = imported["huge-plain"]
    assert result["code"] == 1
    assert "larger than 1 GiB" in str(result["err"])
    assert grew_within_bound(result), result["grew"]


def test_the_streaming_cap_holds_when_a_header_understates(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    """Even if unpacking gave more than the header says, no more than that is kept."""
    real_open = zipfile.ZipFile.open

    def understating(self: zipfile.ZipFile, name: zipfile.ZipInfo, *args: object,
                     **kwargs: object) -> object:
        stream = real_open(self, name, *args, **kwargs)  # type: ignore[arg-type]
        name.file_size = 10  # the declared size, as read after the check
        return stream

    archive = tmp_path / "liar.zip"
    archive.write_bytes(build([member("a.json", GOOD.encode())]))
    monkeypatch.setattr(zipfile.ZipFile, "open", understating)
    [parsed] = parse_path(archive)
    assert parsed.error is not None
    assert "unpacks to more than its archive says" in parsed.error.describe()


@pytest.mark.parametrize("extra", [0, 1])
def test_too_many_members_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      extra: int) -> None:
    monkeypatch.setattr(sources, "MAX_MEMBERS", 300)
    archive = tmp_path / "many.zip"
    members = [member(f"{n}.md", b"") for n in range(300 + extra)]
    archive.write_bytes(build(members))
    parsed = parse_path(archive)
    if extra:
        assert len(parsed) == 1 and parsed[0].error is not None
        assert "more than 300 files" in parsed[0].error.describe()
    else:
        assert len(parsed) == 300


def test_the_declared_total_counts_every_member(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setattr(sources, "MAX_RATIO", 10**6)
    archive = tmp_path / "sum.zip"
    archive.write_bytes(build([spaces(f"{n}.md", 16 * MIB).lying(GIB // 4) for n in range(5)]))
    [parsed] = parse_path(archive)
    assert parsed.error is not None and "more than 1 GiB" in parsed.error.describe()


@pytest.mark.parametrize("ratio", [20, 99, 101, 1000])
def test_a_member_that_packs_too_well_is_refused_before_unpacking(tmp_path: Path,
                                                                  ratio: int) -> None:
    archive = tmp_path / "ratio.zip"
    packed = spaces("a.md", 16 * MIB)
    archive.write_bytes(build([packed.lying(len(packed.deflated) * ratio)]))
    [parsed] = parse_path(archive)
    assert parsed.error is not None
    assert ("zip bombs do" in parsed.error.describe()) == (ratio > sources.MAX_RATIO)
