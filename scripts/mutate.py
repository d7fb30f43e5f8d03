"""Mutation testing, one core module at a time: ``scripts/mutate [module ...]``.

Each module is mutated (mutmut 3) against only the test files that exercise it, in its own
scratch copy under ``.mutmut/<module>/``, so a run takes minutes and re-runs are incremental.
With no module, the core modules changed against ``main`` are mutated. The kill rate of each
module is printed at the end, ready for the table in CONTRIBUTING.md.

Not part of CI (too slow for two shared cores). Run it before resolving an issue that touches a
core module. Limits worth knowing:

* mutmut 3 mutates code inside functions only: class-level values such as a pydantic
  ``Field(ge=1, le=3650)`` bound are not mutated (the bounds are pinned by
  tests/test_startup_edges.py instead);
* a test that runs the bot in a subprocess imports the unmutated package, so it cannot kill a
  mutant: the in-process tests are what count here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / ".mutmut"


def _deselect(*tests: str) -> tuple[str, ...]:
    """pytest arguments leaving ``tests`` out of a module's run (and so out of its stats)."""
    return tuple(arg for test in tests for arg in ("--deselect", test))


_PRIVACY: tuple[tuple[str, ...], tuple[str, ...]] = (
    (),
    (
        "tests/test_privacy.py",
        "tests/test_privacy_edges.py",
        "tests/test_privacy_registry.py",
        # A subprocess (it cannot see a mutant) and a 500-record export (4 s a mutant).
        *_deselect(
            "tests/test_privacy.py::test_a_lost_key_file_stops_python_m_bot_with_one_sentence",
            "tests/test_privacy.py::test_export_with_many_records_is_valid_json_with_every_record",
        ),
    ),
)
"""Every module of ``bot/privacy/`` against the same tests."""

# module → (mutant-name patterns, or () for every function; the test files that exercise it)
CORE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Left out for crypto: test_settings_and_startup.py, test_backup.py and
    # test_check_command.py, whose key tests run python -m bot in subprocesses: those cannot see
    # a mutant, and they made each mutant cost half a minute (the first one also fails its clean
    # run under mutmut).
    "bot/crypto.py": (
        (),
        (
            "tests/test_startup_edges.py",
            "tests/test_key_edges.py",
            "tests/test_privacy.py",
            "tests/test_consult_service.py",
        ),
    ),
    "bot/settings.py": (
        (),
        ("tests/test_startup_edges.py", "tests/test_settings_and_startup.py"),
    ),
    # Only the in-process tests that open real files: the files that run python -m bot in a
    # subprocess (backup, shutdown, check, most of the start-up ones) cannot see a mutant, and
    # as every test opens a database, each SimCord test would run for nearly every mutant.
    "bot/db.py": (
        (),
        (
            "tests/test_db.py",
            "tests/test_db_edges.py",
            "tests/test_storage_lost.py::test_a_write_is_refused_when_the_wal_is_removed",
            "tests/test_storage_lost.py::test_a_file_replaced_during_a_transaction_is_not_confirmed",
            "tests/test_startup_edges.py::test_a_database_one_version_newer_is_refused",
            "tests/test_startup_edges.py::test_a_database_at_exactly_this_version_opens",
            "tests/test_backup.py::test_backup_of_a_corrupt_database_leaves_no_file",
            *_deselect(
                "tests/test_db.py::test_a_second_process_on_the_same_file_is_refused",
                # 50 transactions at once: pins the write lock, which mutmut does not mutate.
                "tests/test_db.py::test_concurrent_transactions_do_not_interleave",
            ),
        ),
    ),
    # The service's own tests only (a real SQLite file, no Discord): 1,612 mutants. Left out:
    # test_consult_state_machine.py (Hypothesis, 27 s each time a mutant reaches it) and the
    # SimCord files test_consult_member.py, test_consult_staff.py and test_permission_edges.py
    # (39 s together): with them, one job on two shared cores managed 23 mutants a minute,
    # over an hour for the module. They still run against the cogs' entries below.
    "bot/consultations.py": (
        (),
        (
            "tests/test_consult_service.py",
            "tests/test_rule_edges.py",
            "tests/test_consult_edges.py",
        ),
    ),
    # The service tests only: they reach every function on a real file. The SimCord files
    # (test_privacy_commands.py, test_forget_scope.py, test_privacy_sentinel.py) reach the
    # same lines through the cogs at several times the cost per mutant; with them a run took
    # well over two hours on two shared cores.
    "bot/privacy/registry.py": _PRIVACY,
    "bot/privacy/export.py": _PRIVACY,
    "bot/privacy/erasure.py": _PRIVACY,
    "bot/privacy/retention.py": _PRIVACY,
    "bot/privacy/notice.py": _PRIVACY,
    "bot/safety.py": (
        (),
        ("tests/test_safety_matcher.py", "tests/test_safety_flow.py"),
    ),
    # The cogs' permission checks only (the rest of a cog is Discord plumbing), each against
    # the tests that press its buttons or run its commands as every kind of person (named one
    # by one where a file is mostly about something else: each SimCord test costs about a
    # second under load, and every listed test runs twice before the first mutant).
    "cogs/consult/_flow.py": (
        ("*is_admin__*", "*is_staff_member__*", "*require_staff__*", "*claimer_unavailable__*"),
        (
            "tests/test_permission_edges.py",
            "tests/test_consult_staff.py::test_staff_commands_check_the_role_at_run_time",
            "tests/test_consult_staff.py::test_release_keeps_the_place_and_only_the_claimer_or_an_admin_may",
            "tests/test_consult_staff.py::test_transfer_to_another_staff_member",
            "tests/test_cog_permissions_table.py::test_only_an_admin_can_release_a_claim_someone_else_holds",
            "tests/test_cog_permissions_table.py::test_only_an_admin_can_transfer_a_claim_someone_else_holds",
            "tests/test_cog_permissions_table.py::test_staff_can_release_a_claim_whose_claimer_is_no_longer_staff",
            "tests/test_cog_permissions_table.py::test_a_request_can_be_transferred_only_to_this_servers_staff",
            "tests/test_cog_permissions_table.py::test_a_refused_staff_press_is_logged_with_ids_only",
            "tests/test_cog_permissions_table.py::test_a_claimer_who_left_unseen_can_be_released_by_staff",
        ),
    ),
    "cogs/consult/_forms.py": (
        ("*_own_request__*",),
        (
            "tests/test_permission_edges.py",
            "tests/test_consult_member.py",
            "tests/test_cog_permissions_table.py::test_my_buttons_on_a_finished_request_say_how_it_ended",
            "tests/test_cog_permissions_table.py::test_my_buttons_on_an_active_request_still_work",
        ),
    ),
    "cogs/privacy/_cog.py": (
        ("*_require_manage_server__*", "*confirmed__*"),
        (
            "tests/test_permission_edges.py",
            "tests/test_privacy_commands.py",
            "tests/test_cog_permissions_table.py::test_an_admin_forget_question_without_a_server_is_refused",
        ),
    ),
    "cogs/privacy/_views.py": (
        ("*KeepButton*run__*",),
        ("tests/test_permission_edges.py", "tests/test_privacy_commands.py"),
    ),
    "cogs/setup/_cog.py": (
        ("*require_manager__*",),
        (
            "tests/test_setup.py::test_someone_without_manage_server_is_refused_even_if_allowed_to_see_it",
            "tests/test_setup_keep.py::test_setup_clear_is_for_manage_server_only",
            "tests/test_cog_permissions_table.py::test_setup_changes_are_for_manage_server_only",
        ),
    ),
}


def changed_vs_main() -> list[str]:
    def names(*args: str) -> set[str]:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout
        return {line.strip() for line in out.splitlines() if line.strip()}

    changed = names("diff", "--name-only", "main...HEAD") | names("diff", "--name-only", "HEAD")
    return [module for module in CORE if module in changed]


def scratch_for(module: str, tests: tuple[str, ...]) -> Path:
    """A copy of the project whose [tool.mutmut] mutates ``module`` against ``tests``."""
    place = SCRATCH / module.replace("/", ".").removesuffix(".py")
    place.mkdir(parents=True, exist_ok=True)
    for folder in ("bot", "cogs", "tests", "data"):
        target = place / folder
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(
            ROOT / folder,
            target,
            ignore=shutil.ignore_patterns("__pycache__", "*.db", "*.db-*", "*.key", "*.lock"),
        )
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    section = (
        "[tool.mutmut]\n"
        'source_paths = ["bot", "cogs"]\n'
        f"only_mutate = {json.dumps([module])}\n"
        'also_copy = ["data"]\n'
        f"pytest_add_cli_args_test_selection = {json.dumps(list(tests))}\n"
        'pytest_add_cli_args = ["-p", "no:randomly", "--timeout=60"]\n'
    )
    text = re.sub(r"\[tool\.mutmut\]\n(?:(?!\n\[).)*", section, text, flags=re.S)
    (place / "pyproject.toml").write_text(text, "utf-8")
    return place


def _listing(mutmut: Path, place: Path) -> str:
    return subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        cwd=place,
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def mutate(module: str, jobs: int, *, survivors_only: bool = False) -> tuple[int, int, list[str]]:
    patterns, tests = CORE[module]
    place = scratch_for(module, tests)
    dotted = module.removesuffix(".py").replace("/", ".")
    names = [f"{dotted}.{pattern}" for pattern in patterns]
    mutmut = Path(sys.executable).with_name("mutmut")
    if survivors_only and (place / "mutants").exists():
        # Only the last run's survivors, against the tests as they are now: a mutant killed
        # before stays killed (tests were added, not removed). The test files must be the same
        # list as last time, or mutmut resets every result.
        names = [
            line.strip().rpartition(": ")[0]
            for line in _listing(mutmut, place).splitlines()
            if line.strip().endswith((": survived", ": no tests"))
        ]
        if not names:
            print(f"== {module}: no survivors to re-test", flush=True)
    left_out = {test for option, test in itertools.pairwise(tests) if option == "--deselect"}
    files = [test for test in tests if test.startswith("tests/") and test not in left_out]
    print(f"== {module}: against {len(files)} test files or tests", flush=True)
    if names or not survivors_only:
        subprocess.run(
            [str(mutmut), "run", "--max-children", str(jobs), *names], cwd=place, check=False
        )
    listing = _listing(mutmut, place)
    killed, survivors, total = 0, [], 0
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name.startswith(dotted + ".") or not _wanted(name, dotted, patterns):
            continue
        total += 1
        if status in ("killed", "timeout", "caught by type check"):
            killed += 1
        else:
            survivors.append(f"{name}: {status}")
    return killed, total, survivors


def _wanted(name: str, dotted: str, patterns: tuple[str, ...]) -> bool:
    from fnmatch import fnmatchcase

    return not patterns or any(fnmatchcase(name, f"{dotted}.{p}") for p in patterns)


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutate", description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help=f"any of: {', '.join(CORE)}")
    parser.add_argument(
        "--jobs",
        type=int,
        default=int(os.environ.get("MUTATE_JOBS", "1")),
        help="mutants tested at once (default 1, or MUTATE_JOBS; the machine is shared)",
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="re-test only the last run's survivors (after adding tests to the same files)",
    )
    args = parser.parse_args()
    modules = args.modules or changed_vs_main()
    unknown = [m for m in modules if m not in CORE]
    if unknown:
        parser.error(f"not a core module: {', '.join(unknown)} (choose from {', '.join(CORE)})")
    if not modules:
        print("No core module changed against main; name one, e.g. scripts/mutate bot/crypto.py")
        return 0
    summary = []
    for module in modules:
        killed, total, survivors = mutate(module, args.jobs, survivors_only=args.survivors)
        for survivor in survivors:
            print(f"   survived: {survivor}")
        rate = f"{100 * killed / total:.0f}%" if total else "n/a"
        summary.append(f"{module}: {killed}/{total} killed ({rate})")
    print("\n".join(["", "Kill rate per module:", *summary]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
