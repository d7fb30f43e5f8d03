"""A plain (non-editable) install carries the content files and migrations, and `python -m bot`
works from any working directory (issue 13, item 17).

The wheel is built once with pip, then unpacked into a folder that is put first on PYTHONPATH,
which is what installing it does (pip copies the same files into site-packages); the bot's
dependencies come from this venv. Each run starts in an empty working directory, away from the
checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# Builds a wheel with pip (about 40 s on two shared cores) and needs the package index.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CONTENT_SUFFIXES = {".toml", ".json"}  # the content files and the safety net's model weights
CONTENT = sorted(
    p.relative_to(ROOT / "data").as_posix()
    for p in (ROOT / "data").rglob("*")
    if p.suffix in CONTENT_SUFFIXES
)
NOT_SOURCE = (
    ".venv",
    ".git",
    "build",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    "*.db*",
    "*.key",
    "*.lock",
)
MIGRATIONS = sorted(p.name for p in (ROOT / "bot" / "migrations").glob("*.sql"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built from a clean copy: setuptools reuses a build/ folder, which could carry old files.
    source = tmp_path_factory.mktemp("source") / "bot"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        timeout=900,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def run(site: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "CONTENT_DIR"}}
    clean.update(PYTHONPATH=str(site), **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_wheel_carries_every_content_file_and_migration(wheel: Path) -> None:
    assert CONTENT, "no content files found in data/"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for name in CONTENT:
        assert f"bot/_data/{name}" in names, name
    for name in MIGRATIONS:
        assert f"bot/migrations/{name}" in names, name
    packaged = {n for n in names if n.startswith("bot/_data/") and not n.endswith("/")}
    assert packaged == {f"bot/_data/{name}" for name in CONTENT}  # no database, key or lock


def test_the_wheel_carries_every_module_of_the_bot_and_its_cogs(wheel: Path) -> None:
    """A package missing from pyproject's list is left out of the wheel, and the installed bot
    then fails on an import the checkout never shows."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    sources = sorted(
        path.relative_to(ROOT).as_posix()
        for folder in ("bot", "cogs")
        for path in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in path.parts
    )
    assert sources
    assert [name for name in sources if name not in names] == []


def test_the_installed_bot_loads_its_own_content_from_any_directory(
    installed: Path, tmp_path: Path
) -> None:
    script = (
        "import bot, bot.bot, bot.settings as s; "
        "settings = s.load_settings(None); bot.bot.create_bot(settings); "
        "print(bot.__file__); print(settings.content_dir)"
    )

    result = run(installed, tmp_path, "-c", script, DISCORD_TOKEN="abc.def.ghi")

    assert result.returncode == 0, result.stderr
    module, content = result.stdout.splitlines()
    assert Path(module).is_relative_to(installed)  # not the checkout
    assert Path(content) == installed / "bot" / "_data"


def test_python_m_bot_without_a_token_says_one_sentence(installed: Path, tmp_path: Path) -> None:
    result = run(installed, tmp_path, "-m", "bot")

    assert result.returncode == 2
    assert result.stderr.startswith("The setting DISCORD_TOKEN is missing")
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_python_m_bot_gets_past_its_content_before_any_connection(
    installed: Path, tmp_path: Path
) -> None:
    # A database that cannot be made stops start-up right after the content has loaded,
    # before anything reaches Discord.
    result = run(
        installed,
        tmp_path,
        "-m",
        "bot",
        DISCORD_TOKEN="abc.def.ghi",
        DATABASE_PATH="/proc/no-such-folder/support.db",
    )

    assert result.returncode == 2
    assert "content file" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "DATABASE_PATH" in result.stderr
    assert result.stderr.count("\n") == 1


def test_content_dir_that_is_not_a_folder_is_one_sentence(installed: Path, tmp_path: Path) -> None:
    result = run(
        installed,
        tmp_path,
        "-m",
        "bot",
        DISCORD_TOKEN="abc.def.ghi",
        CONTENT_DIR=str(tmp_path / "missing"),
    )

    assert result.returncode == 2
    assert result.stderr.startswith("The setting CONTENT_DIR is not valid")
    assert result.stderr.count("\n") == 1


def test_content_dir_overrides_the_bots_own(installed: Path, tmp_path: Path) -> None:
    mine = tmp_path / "content"
    shutil.copytree(ROOT / "data", mine, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    welcome = mine / "welcome.toml"
    welcome.write_text("not = = toml", "utf-8")

    result = run(
        installed, tmp_path, "-m", "bot", DISCORD_TOKEN="abc.def.ghi", CONTENT_DIR=str(mine)
    )

    assert result.returncode == 2
    assert str(welcome) in result.stderr
    assert result.stderr.count("\n") == 1
