"""The installed app: desktop metadata, icons, the self-test, and (once built) the bundle and .deb.

Cheap checks run everywhere. The frozen bundle is tested only when GROKDESK_BUNDLE names a
built ``dist/grokdesk`` folder, and the .deb only when GROKDESK_DEB names a built package and
we are root (it really installs into /opt and /usr). ``packaging/ci-bundle.sh`` builds both and
sets those variables.
"""

from __future__ import annotations

import configparser
import io
import os
import shlex
import shutil
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from grokdesk import __version__, selftest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / "grokdesk.desktop"
METAINFO = LINUX / "io.github.grokdesk.metainfo.xml"
MAX_BUNDLE_MIB = 150
WINDOW_TIMEOUT_S = 30


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return path


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a desktop launcher gives a program: no venv, no PYTHONPATH, a bare PATH."""
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", **extra}


def _exec_line(desktop_file: Path) -> list[str]:
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(desktop_file, encoding="utf-8")
    # Field codes (%U, %f…) stand for files the launcher passes; there are none here.
    return [arg for arg in shlex.split(entry["Desktop Entry"]["Exec"]) if not arg.startswith("%")]


# ------------------------------------------------------------------ desktop entry and AppStream


def test_desktop_entry_is_valid() -> None:
    validate = _tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([validate, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_desktop_entry_matches_the_app() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(DESKTOP, encoding="utf-8")
    fields = entry["Desktop Entry"]
    # StartupWMClass must equal the window's WM_CLASS, which Qt takes from the desktop file name.
    assert fields["StartupWMClass"] == "grokdesk"
    assert fields["Icon"] == "grokdesk"
    assert fields["Exec"] == "grokdesk"
    assert fields["Terminal"] == "false"
    for key in ("Name", "GenericName", "Comment", "Categories", "Keywords"):
        assert fields[key], key


def test_metainfo_is_valid() -> None:
    appstreamcli = _tool("appstreamcli", "appstream")
    result = subprocess.run([appstreamcli, "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_matches_the_app() -> None:
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("launchable") == DESKTOP.name
    assert component.findtext("provides/binary") == "grokdesk"
    assert component.findtext("project_license") == "MIT"
    assert component.findtext("metadata_license") == "CC0-1.0"
    assert component.find("content_rating") is not None
    releases = [r.get("version") for r in component.iterfind("releases/release")]
    assert releases and releases[0] == __version__, "add a <release> for the new version"
    screenshots = [i.text or "" for i in component.iterfind("screenshots/screenshot/image")]
    assert screenshots
    for url in screenshots:
        # Each one is a file of this repository, as published on its future home.
        assert url.startswith("https://raw.githubusercontent.com/grokdesk/grokdesk/main/")
        path = url.rsplit("/main/", 1)[1]
        assert path.startswith("docs/screenshots/") and (ROOT / path).is_file(), path


def test_install_desktop_puts_entry_and_icons_in_xdg_data(tmp_path: Path) -> None:
    command = tmp_path / "venv" / "bin" / "grokdesk"
    command.parent.mkdir(parents=True)
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)
    data = tmp_path / "share"
    subprocess.run([str(LINUX / "install-desktop.sh"), str(command)], check=True,
                   capture_output=True, env={**os.environ, "XDG_DATA_HOME": str(data)})
    entry = data / "applications" / "grokdesk.desktop"
    assert _exec_line(entry) == [str(command)]
    for size in ("16x16", "48x48", "256x256", "scalable"):
        assert list((data / "icons" / "hicolor" / size / "apps").glob("grokdesk.*")), size
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(entry)], check=True)


# ------------------------------------------------------------------ icons


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def icons(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("icons")
    # A separate process: the script makes its own QGuiApplication.
    script = ROOT / "packaging" / "build_icons.py"
    subprocess.run([sys.executable, str(script), "--out", str(out)], check=True,
                   capture_output=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    return out


def test_icon_pngs_have_every_size(icons: Path) -> None:
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import build_icons
    finally:
        sys.path.pop(0)
    for size in build_icons.PNG_SIZES:
        png = icons / "hicolor" / f"{size}x{size}" / "apps" / "grokdesk.png"
        assert _png_size(png.read_bytes()) == (size, size)
    assert (icons / "hicolor" / "scalable" / "apps" / "grokdesk.svg").read_bytes() == \
        (ROOT / "grokdesk" / "resources" / "grokdesk.svg").read_bytes()


def test_ico_holds_png_entries(icons: Path) -> None:
    data = (icons / "grokdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count >= 6
    sizes = []
    for index in range(count):
        width, _, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index: 22 + 16 * index])
        png_width, _ = _png_size(data[offset: offset + length])
        assert png_width == (width or 256)
        sizes.append(png_width)
    assert {16, 32, 48, 256} <= set(sizes)


def test_icns_holds_png_chunks(icons: Path) -> None:
    data = (icons / "grokdesk.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    position, chunks = 8, {}
    while position < len(data):
        code, length = data[position: position + 4], struct.unpack(
            ">I", data[position + 4: position + 8])[0]
        chunks[code] = _png_size(data[position + 8: position + length])[0]
        position += length
    assert chunks[b"icp4"] == 16 and chunks[b"ic07"] == 128 and chunks[b"ic10"] == 1024


# ------------------------------------------------------------------ the self-test


def test_self_test_passes_from_source(tmp_path: Path) -> None:
    code = ("import sys; from grokdesk.selftest import run_self_test; "
            "sys.exit(run_self_test(sys.stdout))")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GROKDESK_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env=env, check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("self-test passed")


def test_self_test_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> selftest.Result:
        raise selftest.Missing("the thing")

    def crashing() -> selftest.Result:
        raise ValueError("boom")

    monkeypatch.setattr(selftest, "CHECKS", [
        ("fine", lambda: selftest.Result("ok", "here")),
        ("degraded", lambda: selftest.Result("warn", "so-so")),
        ("broken", broken),
        ("crashing", crashing),
    ])
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    lines = out.getvalue().splitlines()
    assert lines[1].split() == ["ok", "fine", "here"]
    assert lines[2].split()[0] == "warn"
    assert lines[3].split()[:2] == ["MISSING", "broken"]
    assert "ValueError: boom" in lines[4]
    assert lines[-1] == "self-test failed: broken, crashing"


# ------------------------------------------------------------------ the frozen bundle

BUNDLE_ENV = os.environ.get("GROKDESK_BUNDLE", "")
DEB_ENV = os.environ.get("GROKDESK_DEB", "")


@pytest.fixture
def bundle() -> Path:
    if not BUNDLE_ENV:
        pytest.skip("GROKDESK_BUNDLE is not set (packaging/ci-bundle.sh builds and sets it)")
    path = Path(BUNDLE_ENV)
    assert (path / "grokdesk").is_file(), f"GROKDESK_BUNDLE={path} has no grokdesk executable"
    return path


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """A private X server (the benchmarks' own, which never resets: see
    ``bench.xserver.Xvfb``); yields its DISPLAY."""
    from bench.xserver import XError, Xvfb

    _tool("Xvfb", "xvfb")
    _tool("xdotool", "xdotool")
    try:
        with Xvfb() as server:
            yield server.display
    except XError as exc:
        pytest.fail(str(exc))


def _wait_for_window(display: str, app: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WINDOW_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.poll() is not None:
            pytest.fail(f"the app exited with {app.returncode} before showing a window:\n"
                        f"{log.read_text(errors='replace')}")
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", "grokdesk"],
                               capture_output=True, text=True, env={"DISPLAY": display},
                               check=False)
        if found.stdout.strip():
            return
        time.sleep(0.25)
    pytest.fail(f"no visible grokdesk window within {WINDOW_TIMEOUT_S} s:\n"
                f"{log.read_text(errors='replace')}")


def _launch_and_find_window(command: list[str], env: dict[str, str], display: str,
                            log: Path) -> None:
    """Start the app on ``display``, wait for its window (by WM_CLASS), then kill it."""
    with log.open("wb") as output, subprocess.Popen(
            command, env={**env, "DISPLAY": display}, stdout=output,
            stderr=subprocess.STDOUT) as app:
        try:
            _wait_for_window(display, app, log)
        finally:
            app.kill()


def test_bundle_reports_its_version_without_python(bundle: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(bundle / "grokdesk"), "--version"], env=_clean_env(tmp_path),
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"grokdesk {__version__}"


def test_bundle_self_test_passes_without_python(bundle: Path, tmp_path: Path) -> None:
    env = _clean_env(tmp_path, GROKDESK_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([str(bundle / "grokdesk"), "--self-test"], env=env,
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("self-test passed")


def test_bundle_stays_lean(bundle: Path) -> None:
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file() and not f.is_symlink())
    assert size < MAX_BUNDLE_MIB * 2**20, f"bundle is {size / 2**20:.0f} MiB"


def test_bundle_opens_its_window(bundle: Path, xvfb: str, tmp_path: Path) -> None:
    env = _clean_env(tmp_path, GROKDESK_DATA_DIR=str(tmp_path / "data"))
    _launch_and_find_window([str(bundle / "grokdesk")], env, xvfb, tmp_path / "app.log")


# ------------------------------------------------------------------ the .deb


def _known_to_dpkg(package: str) -> bool:
    """Installed, or removed with its record kept (dpkg -r leaves that until a purge)."""
    query = subprocess.run(["dpkg-query", "-W", package], capture_output=True, check=False)
    return query.returncode == 0


@pytest.fixture
def deb() -> Iterator[Path]:
    if not DEB_ENV:
        pytest.skip("GROKDESK_DEB is not set (packaging/ci-bundle.sh builds and sets it)")
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root")
    path = Path(DEB_ENV)
    assert path.is_file(), f"GROKDESK_DEB={path} does not exist"
    yield path
    # Leave the machine as it was, also when the test stopped half-way.
    if _known_to_dpkg("grokdesk"):
        subprocess.run(["dpkg", "--purge", "grokdesk"], capture_output=True, check=False)


def _dpkg(*args: str) -> None:
    result = subprocess.run(["dpkg", *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"dpkg {' '.join(args)}:\n{result.stdout}{result.stderr}"


INSTALLED_FILES = (
    "/opt/grokdesk/grokdesk",
    "/usr/bin/grokdesk",
    "/usr/share/applications/grokdesk.desktop",
    "/usr/share/metainfo/io.github.grokdesk.metainfo.xml",
    "/usr/share/icons/hicolor/48x48/apps/grokdesk.png",
    "/usr/share/icons/hicolor/scalable/apps/grokdesk.svg",
)


def test_deb_installs_launches_and_removes(deb: Path, xvfb: str, tmp_path: Path) -> None:
    _dpkg("-i", str(deb))
    for path in INSTALLED_FILES:
        assert os.path.lexists(path), f"{path} was not installed"
    env = _clean_env(tmp_path, GROKDESK_DATA_DIR=str(tmp_path / "data"))
    command = _exec_line(Path("/usr/share/applications/grokdesk.desktop"))
    _launch_and_find_window(command, env, xvfb, tmp_path / "app.log")
    _dpkg("-r", "grokdesk")
    leftovers = [path for path in (*INSTALLED_FILES, "/opt/grokdesk") if os.path.lexists(path)]
    assert not leftovers, f"dpkg -r left {leftovers}"
