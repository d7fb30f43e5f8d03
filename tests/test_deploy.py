"""Running it as a service: the lock files, ``scripts/run``, the container and the systemd unit.

The container and systemd checks need their tools; where a tool is missing the test is skipped
with the reason printed (``-rs`` is on in pyproject.toml), never passed in silence.
"""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.timeout(120)

LOCKS = {name: PROJECT_ROOT / "requirements" / f"{name}.lock" for name in ("run", "dev")}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(lock: Path) -> dict[str, tuple[str, int]]:
    """Each pinned package with its version and how many hashes it carries."""
    found: dict[str, tuple[str, int]] = {}
    current: str | None = None
    for line in lock.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            found[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
        elif not line.startswith(" "):
            current = None
    return found


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    if extra:
        listed += project["optional-dependencies"][extra]
    return [Requirement(entry) for entry in listed]


@pytest.mark.parametrize(("lock", "extra"), [("run", None), ("dev", "dev")])
def test_each_lock_pins_every_declared_dependency_within_its_range(
    lock: str, extra: str | None
) -> None:
    locked = pins(LOCKS[lock])
    for requirement in declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is in pyproject.toml but not in {lock}.lock"
        version, _ = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock}.lock pins {name}=={version}, outside pyproject's {requirement.specifier}: "
            "run scripts/lock"
        )


@pytest.mark.parametrize("lock", ["run", "dev"])
def test_every_pin_carries_hashes_and_no_machine_paths(lock: str) -> None:
    text = LOCKS[lock].read_text()
    locked = pins(LOCKS[lock])
    assert len(locked) > 10
    unhashed = [name for name, (_, hashes) in locked.items() if hashes == 0]
    assert not unhashed, f"pinned without a hash: {unhashed}"
    assert "--index-url" not in text
    assert "--find-links" not in text


def test_the_run_lock_is_part_of_the_dev_lock_at_the_same_versions() -> None:
    run, dev = pins(LOCKS["run"]), pins(LOCKS["dev"])
    differs = {name: (run[name][0], dev.get(name, ("missing",))[0]) for name in run}
    assert {name: pair for name, pair in differs.items() if pair[0] != pair[1]} == {}


def fake_interpreter(folder: Path) -> Path:
    """A stand-in for .venv/bin/python that only records how it was called."""
    log = folder / "calls.log"
    python = folder / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    python.chmod(0o755)
    return log


def test_scripts_run_installs_only_when_the_lock_or_pyproject_changed(tmp_path: Path) -> None:
    for part in ("scripts/run", "pyproject.toml", "requirements/run.lock"):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / part, tmp_path / part)
    log = fake_interpreter(tmp_path)

    def run_and_read() -> list[str]:
        log.unlink(missing_ok=True)
        done = subprocess.run(
            [str(tmp_path / "scripts" / "run"), "check"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return log.read_text().splitlines()

    first = run_and_read()
    assert first == [
        "-m pip install --quiet --require-hashes --no-deps -r requirements/run.lock",
        "-m pip install --quiet --no-deps -e .",
        "-m bot check",
    ]
    assert run_and_read() == ["-m bot check"]  # nothing changed: straight to the bot
    with (tmp_path / "requirements" / "run.lock").open("a") as lock:
        lock.write("\n")
    assert run_and_read() == first  # an upgrade brought a new lock
    assert run_and_read() == ["-m bot check"]
    (tmp_path / "pyproject.toml").write_text((PROJECT_ROOT / "pyproject.toml").read_text() + "\n")
    assert run_and_read() == first


def test_scripts_test_and_the_dockerfile_install_from_the_locks() -> None:
    test_script = (PROJECT_ROOT / "scripts" / "test").read_text()
    assert "--require-hashes --no-deps -r requirements/dev.lock" in test_script
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "--require-hashes --no-deps -r requirements/run.lock" in dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (PROJECT_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_is_multi_stage_non_root_with_health_and_clean_stop() -> None:
    instructions = dockerfile_instructions()
    stages = [argument for word, argument in instructions if word == "FROM"]
    assert len(stages) >= 2
    assert all("-slim" in stage for stage in stages)
    final = instructions[max(i for i, (word, _) in enumerate(instructions) if word == "FROM") :]
    users = [argument for word, argument in final if word == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    assert ("STOPSIGNAL", "SIGTERM") in final
    assert any(word == "VOLUME" and "/data" in argument for word, argument in final)
    health = [argument for word, argument in final if word == "HEALTHCHECK"]
    assert health
    assert health[0].endswith('CMD ["python", "-m", "bot", "health"]')
    envs = " ".join(argument for word, argument in final if word == "ENV")
    assert "DATABASE_PATH=/data/" in envs


def test_everything_the_image_copies_exists_and_nothing_private_gets_in() -> None:
    ignore = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    allowed = [line[1:].rstrip("/") for line in ignore if line.startswith("!")]
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*"  # everything is left out unless listed
    sources = [
        part
        for word, argument in dockerfile_instructions()
        if word == "COPY" and not argument.startswith("--from")
        for part in argument.split()[:-1]
    ]
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), source

    def sent(path: str) -> bool:
        return any(
            fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/") for pattern in allowed
        )

    content = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "data").rglob("*")
        if path.suffix in (".toml", ".json")
    ]
    assert content
    assert all(sent(path) for path in content)
    for private in ("data/support.db", "data/support.db.key", ".env", ".venv/bin/python"):
        assert not sent(private), private


def docker_daemon() -> str | None:
    """Why the container can't be built here, or None when it can."""
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return "no Docker daemon is reachable (docker info failed)"
    return None


@pytest.mark.slow
@pytest.mark.timeout(1200)  # a first build downloads the base image and the locked packages
def test_the_container_builds_and_its_check_passes() -> None:
    reason = docker_daemon()
    if reason is not None:
        pytest.skip(f"container not built: {reason}")
    tag = "recovery-support-bot:test"
    subprocess.run(["docker", "build", "-t", tag, str(PROJECT_ROOT)], check=True, timeout=1100)
    check = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "-e",
            "DISCORD_TOKEN=not.a.real.token",
            tag,
            "python",
            "-m",
            "bot",
            "check",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("All good")
    health = subprocess.run(
        ["docker", "run", "--rm", tag, "python", "-m", "bot", "health"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert health.returncode == 1
    assert "The bot is not running" in health.stdout
    user = subprocess.run(
        ["docker", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True, timeout=120
    )
    assert user.stdout.strip() != "0"


UNIT = PROJECT_ROOT / "deploy" / "recovery-bot.service"


def unit_settings() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def test_the_unit_runs_the_bot_as_its_own_user_hardened() -> None:
    service = unit_settings()["Service"]
    assert service["User"] == "recovery-bot"
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # what python -m bot returns for bad setup
    for setting, value in {
        "ProtectSystem": "strict",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "ReadWritePaths": "/var/lib/recovery-bot",
        "KillSignal": "SIGTERM",
    }.items():
        assert service[setting] == value, setting
    command = service["ExecStart"].split()
    assert command[1:4] == ["-m", "bot", "--env-file"]


def test_systemd_accepts_the_unit_without_a_warning(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd unit not verified: systemd-analyze is not installed")
    # verify insists the ExecStart program exists: point it at this interpreter.
    text = UNIT.read_text().replace("/opt/recovery-bot/.venv/bin/python", sys.executable)
    unit = tmp_path / UNIT.name
    unit.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # an unknown or misspelt setting warns
