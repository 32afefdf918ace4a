"""Zip bombs: refused from their declared sizes, and stopped while streaming when they lie.

Every archive here is a real zip file. The import runs in a subprocess that reports
its peak memory (``ru_maxrss``); the bound is on memory, never on time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grokdesk.export import sources
from grokdesk.export.sources import parse_path
from tests.export.zips import Member, build, member, spaces

GIB = 1 << 30
MIB = 1 << 20
#: How much more memory than an empty import a refused bomb may take.
MEMORY_BOUND = 200 * MIB

GOOD = json.dumps({"format": "grokdesk-export", "version": 1, "conversations": [{
    "uuid": "c-good", "title": "Good", "created_at": 1_700_000_000, "messages": [
        {"uuid": "m-good", "role": "user", "content": "hi", "created_at": 1_700_000_000}]}]})

DRIVER = """
import io, json, resource, sys
from grokdesk.cli import main
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
out, err = io.StringIO(), io.StringIO()
main(["list"], stdout=out, stderr=err, stdin=io.StringIO(""))
before = peak()
out, err = io.StringIO(), io.StringIO()
code = main(["import", *sys.argv[1:]], stdout=out, stderr=err, stdin=io.StringIO(""))
grew = peak() - before
listed = io.StringIO()
main(["list", "--json"], stdout=listed, stderr=io.StringIO(), stdin=io.StringIO(""))
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(), "grew": grew,
                  "listed": json.loads(listed.getvalue())}))
"""


def import_measured(*paths: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", DRIVER, *map(str, paths)],
                          capture_output=True, text=True, timeout=300, check=False,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def bombs() -> dict[str, list[Member]]:
    big = spaces("bomb.json", 3 * GIB // 2)
    return {
        "honest": [big],
        "honest-markdown": [spaces("bomb.md", 3 * GIB // 2)],
        "lies-small": [big.lying(100)],
        "lies-small-crc": [big.lying(100, crc=0)],
        "lies-just-under": [big.lying(GIB - 1)],
        "lies-within-ratio": [spaces("bomb.json", 64 * MIB).lying(MIB)],
        "lies-zero": [big.lying(0, crc=0)],
        "many-honest": [spaces(f"part-{n}.json", 16 * MIB) for n in range(100)],
        "many-lying": [spaces(f"part-{n}.json", 16 * MIB).lying(10) for n in range(100)],
        "good-then-bomb": [member("good.json", GOOD.encode()), big],
        "good-then-liar": [member("good.json", GOOD.encode()), big.lying(50)],
        "nested": [member("inner.zip", build([big]))],
    }


@pytest.mark.timeout(900)
@pytest.mark.parametrize("shape", list(bombs()))
def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path, shape: str) -> None:
    archive = tmp_path / f"{shape}.zip"
    archive.write_bytes(build(bombs()[shape]))
    result = import_measured(archive)
    assert result["code"] == 1, result
    err = str(result["err"])
    assert err.startswith(f"grokdesk: refused {archive}"), err
    assert any(words in err for words in ("more than 1 GiB", "damaged", "zip bombs do",
                                          "holds no .md or .json", "file is empty")), err
    assert isinstance(result["grew"], int) and result["grew"] < MEMORY_BOUND, result["grew"]
    good_kept = shape == "good-then-liar"  # a bomb refuses its whole archive
    assert [c["title"] for c in result["listed"]] == (["Good"] if good_kept else [])  # type: ignore[attr-defined]


@pytest.mark.timeout(300)
def test_a_huge_plain_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(3 * GIB // 2)  # sparse: costs no disk
    result = import_measured(huge)
    assert result["code"] == 1
    assert "larger than 1 GiB" in str(result["err"])
    assert isinstance(result["grew"], int) and result["grew"] < MEMORY_BOUND


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
