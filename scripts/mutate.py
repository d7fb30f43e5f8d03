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
from fnmatch import fnmatchcase
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

_CONSULTATIONS: tuple[tuple[str, ...], tuple[str, ...]] = (
    (),
    (
        "tests/test_consult_service.py",
        "tests/test_rule_edges.py",
        "tests/test_consult_edges.py",
        "tests/test_close_outcomes_feedback.py",
    ),
)
"""Every module of ``bot/consultations/`` against the service's own tests (a real SQLite file,
no Discord): 1,612 mutants as one module. Left out: test_consult_state_machine.py (Hypothesis,
27 s each time a mutant reaches it) and the SimCord files test_consult_member.py,
test_consult_staff.py and test_permission_edges.py (39 s together): with them, one job on two
shared cores managed 23 mutants a minute, over an hour for the package. They still run against
the cogs' entries below."""

_DB: tuple[tuple[str, ...], tuple[str, ...]] = (
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
)
"""Every module of ``bot/db/`` against the same tests."""

_SAFETY: tuple[tuple[str, ...], tuple[str, ...]] = (
    (),
    (
        "tests/test_safety_edges.py",
        "tests/test_safety_matcher.py",
        "tests/test_safety_engine.py",
        "tests/test_safety_memory.py",
        "tests/test_safety_eval.py",
        *_deselect(
            "tests/test_safety_engine.py::test_compiling_every_regex_ahead_changes_no_result",
            "tests/test_safety_engine.py::test_the_model_scores_what_its_training_features_say",
        ),
    ),
)
"""The grammar's modules of ``bot/safety/`` against the matcher's own tests, its edge tables,
the evaluation sets (recall and false-alarm floors over every labelled message: strong, and 2 s
in all) and the match record on a real file. Left out, as they made a surviving mutant cost half
a minute on two shared cores (1,979 mutants when the grammar was one module,
``bot/safety.py``): test_safety_model.py (the model's own tests, 12 s), the regex pre-compiling
and model-features tests of test_safety_engine.py (8 s), and test_safety_flow.py (SimCord: the
same matcher through the cog at many times the cost). ``memory.py`` and ``model.py`` were never
core modules and are not here."""

_SNIPPETS: tuple[tuple[str, ...], tuple[str, ...]] = ((), ("tests/test_snippets.py",))
"""The saved replies' rules and service against their domain tests (a real SQLite file, no
Discord; about two seconds a run). The SimCord files reach the same lines through the cog."""

_QUIET: tuple[tuple[str, ...], tuple[str, ...]] = ((), ("tests/test_quiet_service.py",))
"""Quiet conversations' rules against their domain tests (a real SQLite file, no Discord; about
three seconds a run). tests/test_quiet_threads.py reaches the same lines through SimCord."""

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
    "bot/db/database.py": _DB,
    "bot/db/transaction.py": _DB,
    "bot/db/migrations.py": _DB,
    "bot/db/files.py": _DB,
    "bot/db/_thread.py": _DB,
    "bot/consultations/values.py": _CONSULTATIONS,
    "bot/consultations/_rows.py": _CONSULTATIONS,
    "bot/consultations/queries.py": _CONSULTATIONS,
    "bot/consultations/departures.py": _CONSULTATIONS,
    "bot/consultations/closing.py": _CONSULTATIONS,
    "bot/consultations/outcomes.py": _CONSULTATIONS,
    "bot/consultations/feedback.py": _CONSULTATIONS,
    "bot/consultations/service.py": _CONSULTATIONS,
    # The service tests only: they reach every function on a real file. The SimCord files
    # (test_privacy_commands.py, test_forget_scope.py, test_privacy_sentinel.py) reach the
    # same lines through the cogs at several times the cost per mutant; with them a run took
    # well over two hours on two shared cores.
    "bot/privacy/registry.py": _PRIVACY,
    "bot/privacy/export.py": _PRIVACY,
    "bot/privacy/erasure.py": _PRIVACY,
    "bot/privacy/retention.py": _PRIVACY,
    "bot/privacy/notice.py": _PRIVACY,
    "bot/safety/values.py": _SAFETY,
    "bot/safety/phrase_file.py": _SAFETY,
    "bot/safety/normaliser.py": _SAFETY,
    "bot/safety/patterns.py": _SAFETY,
    "bot/safety/guards.py": _SAFETY,
    "bot/safety/matcher.py": _SAFETY,
    "bot/safety/match_log.py": _SAFETY,
    "bot/snippets/rules.py": _SNIPPETS,
    "bot/snippets/service.py": _SNIPPETS,
    "bot/consultations/quiet.py": _QUIET,
}

# The cogs' permission checks, by name (``Class.method`` or ``function``): wherever they live
# under cogs/ (the files move; each run finds them), only their mutants are made, all in one
# scratch copy ``.mutmut/cogs/`` against the tests that press every button and run every
# command as every kind of person (member, staff of this server, staff of another server,
# admin, admin who lost Manage Server). A name with a line after it is mutated only above the
# first line holding that text (the check at the top of a longer handler).
COG_CHECKS: tuple[tuple[str, str | None], ...] = (
    ("is_admin", None),
    ("is_staff_member", None),
    ("ConsultFlow.require_staff", None),
    ("ConsultFlow.claimer_unavailable", None),
    ("_own_request", None),
    ("_require_manage_server", None),
    ("Privacy.confirmed", "await interaction.response.defer()"),
    ("KeepButton.run", None),
    ("require_manager", None),
    ("require_lead", None),
    ("TicketReply._staff_here", None),
    ("viewer_of", None),
    ("require_audience", None),
    ("parse_id", None),
)
COG_TESTS: tuple[str, ...] = (
    "tests/test_cog_checks_table.py",
    "tests/test_permission_edges.py",
    "tests/test_cog_permissions_table.py",
    "tests/test_consult_staff.py::test_staff_commands_check_the_role_at_run_time",
    "tests/test_consult_staff.py::test_release_keeps_the_place_and_only_the_claimer_or_an_admin_may",
    "tests/test_consult_staff.py::test_transfer_to_another_staff_member",
    "tests/test_setup.py::test_someone_without_manage_server_is_refused_even_if_allowed_to_see_it",
    "tests/test_setup_keep.py::test_setup_clear_is_for_manage_server_only",
    "tests/test_consult_blocks.py::test_only_staff_leads_may_use_the_blocklist",
    "tests/test_consult_blocks.py::test_an_administrator_is_a_staff_lead",
    "tests/test_snippets_commands.py::test_only_staff_leads_manage_saved_replies",
    "tests/test_snippets_commands.py::test_a_lead_who_lost_manage_server_cannot_send_an_open_form",
    "tests/test_snippets_reply.py::test_only_staff_send_saved_replies",
    "tests/test_general_help.py::test_each_person_sees_the_sections_for_them",
    "tests/test_general_help.py::test_a_member_pressing_a_forged_staff_button_is_refused",
    "tests/test_general_help.py::test_a_forged_staff_button_in_a_dm_is_refused",
    "tests/test_general_help.py::test_help_answers_with_the_database_closed",
)
COGS = "cogs"
"""The name that selects the cogs' permission checks (``scripts/mutate cogs``)."""


def find_checks(root: Path = ROOT) -> dict[str, list[tuple[str, str | None]]]:
    """Each file under cogs/ holding a check: {path: [(check, until)]}. A missing check stops."""
    import ast

    wanted = dict(COG_CHECKS)
    found: dict[str, list[tuple[str, str | None]]] = {}
    seen: set[str] = set()
    for path in sorted((root / "cogs").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        names = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.append(node.name)
            elif isinstance(node, ast.ClassDef):
                names += [
                    f"{node.name}.{item.name}"
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
        for name in names:
            if name in wanted:
                found.setdefault(str(path.relative_to(root)), []).append((name, wanted[name]))
                seen.add(name)
    missing = [name for name in wanted if name not in seen]
    if missing:
        raise SystemExit(
            f"scripts/mutate: no function {', '.join(missing)} under cogs/ (renamed? update "
            "COG_CHECKS in scripts/mutate.py)"
        )
    return found


def _mutants_above(source: str, function: str, marker: str) -> set[str]:
    """The mutants of ``function`` (mangled) in mutmut's copy of a file that change a line above
    the first line holding ``marker``."""
    import ast

    lines = source.splitlines()
    bodies: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            function + "__mutmut_"
        ):
            assert node.end_lineno is not None
            bodies[node.name] = lines[node.lineno : node.end_lineno]
    original = bodies.pop(f"{function}__mutmut_orig")
    limit = next(i for i, line in enumerate(original) if marker in line)

    def first_change(body: list[str]) -> int:
        pairs = zip(original, body, strict=False)
        return next((i for i, (a, b) in enumerate(pairs) if a != b), limit)

    return {name for name, body in bodies.items() if first_change(body) < limit}


def changed_vs_main() -> list[str]:
    def names(*args: str) -> set[str]:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout
        return {line.strip() for line in out.splitlines() if line.strip()}

    changed = names("diff", "--name-only", "main...HEAD") | names("diff", "--name-only", "HEAD")
    modules = [module for module in CORE if module in changed]
    if any(path in changed for path in find_checks()):
        modules.append(COGS)
    return modules


def scratch_for(name: str, modules: list[str], tests: tuple[str, ...]) -> Path:
    """A copy of the project whose [tool.mutmut] mutates ``modules`` against ``tests``."""
    place = SCRATCH / name.replace("/", ".").removesuffix(".py")
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
        f"only_mutate = {json.dumps(modules)}\n"
        'also_copy = ["data"]\n'
        f"pytest_add_cli_args_test_selection = {json.dumps(list(tests))}\n"
        'pytest_add_cli_args = ["-p", "no:randomly", "--timeout=60"]\n'
    )
    text = re.sub(r"\[tool\.mutmut\]\n(?:(?!\n\[).)*", section, text, flags=re.S)
    (place / "pyproject.toml").write_text(text, "utf-8")
    return place


def _listing(mutmut: Path, place: Path) -> list[tuple[str, str]]:
    """(mutant, status) of every mutant made so far in ``place``."""
    out = subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        cwd=place,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = []
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            found.append((name, status))
    return found


def dotted_of(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def function_of(name: str, dotted: str) -> str:
    """``Class.method`` or ``function`` of a mutant
    (``bot.safety.normaliser.xǁReadingǁread__mutmut_3``)."""
    mangled = name[len(dotted) + 1 :].rpartition("__mutmut_")[0]
    if mangled.startswith("x\u01c1"):
        return mangled[2:].replace("\u01c1", ".")
    return mangled.removeprefix("x_")


def mangled_of(function: str) -> str:
    """mutmut's name for ``Class.method`` or ``function`` (globs allowed)."""
    if "." in function:
        return "x\u01c1" + function.replace(".", "\u01c1")
    return "x_" + function


class Target:
    """What one run mutates: some files, the mutants that count, and the tests to run."""

    def __init__(
        self,
        name: str,
        modules: dict[str, tuple[str, ...]],
        tests: tuple[str, ...],
        until: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.name = name
        self.modules = modules
        """Each file → the functions (globs, ``Class.method``) whose mutants count; () all."""
        self.tests = tests
        self.until = until or {}
        """(file, function) → the line above which that function's mutants count."""

    def module_of(self, mutant: str) -> str | None:
        return next((m for m in self.modules if mutant.startswith(dotted_of(m) + ".")), None)

    def counts(self, mutant: str, only: tuple[str, ...] = ()) -> bool:
        module = self.module_of(mutant)
        if module is None:
            return False
        function = function_of(mutant, dotted_of(module))
        wanted = self.modules[module]
        if wanted and not any(fnmatchcase(function, w) for w in wanted):
            return False
        return not only or any(fnmatchcase(function, o) for o in only)

    def patterns(self, only: tuple[str, ...] = ()) -> list[str]:
        """Globs over mutant names for ``mutmut run`` (empty: every mutant)."""
        found = []
        for module, functions in self.modules.items():
            for function in only or functions:
                found.append(f"{dotted_of(module)}.{mangled_of(function)}__mutmut_*")
        return found

    def above_marks(self, place: Path) -> set[str]:
        """The mutants of the ``until`` functions left out (at or below their line)."""
        left_out: set[str] = set()
        for (module, function), marker in self.until.items():
            path = place / "mutants" / module
            if path.exists():
                source = path.read_text("utf-8")
                mangled = mangled_of(function)
                below = _mutant_functions(source, mangled) - _mutants_above(source, mangled, marker)
                left_out |= {f"{dotted_of(module)}.{name}" for name in below}
        return left_out


def _mutant_functions(source: str, function: str) -> set[str]:
    return set(re.findall(rf"def ({re.escape(function)}__mutmut_\d+)\(", source))


def target(name: str) -> Target:
    if name == COGS:
        found = find_checks()
        until = {
            (path, check): marker
            for path, checks in found.items()
            for check, marker in checks
            if marker is not None
        }
        modules = {path: tuple(check for check, _ in checks) for path, checks in found.items()}
        return Target(COGS, modules, COG_TESTS, until)
    patterns, tests = CORE[name]
    return Target(name, {name: patterns}, tests)


def mutate(
    name: str, jobs: int, *, survivors_only: bool = False, only: tuple[str, ...] = ()
) -> tuple[int, int, int, list[str]]:
    """Run one target; (killed, checked, not yet checked, survivors) of the mutants that count."""
    goal = target(name)
    place = scratch_for(name, list(goal.modules), goal.tests)
    mutmut = Path(sys.executable).with_name("mutmut")
    left_out = {t for option, t in itertools.pairwise(goal.tests) if option == "--deselect"}
    files = [t for t in goal.tests if t.startswith("tests/") and t not in left_out]
    print(f"== {name}: against {len(files)} test files or tests", flush=True)
    if not (place / "mutants").exists():
        # The first run makes the mutants and collects the tests' stats; later runs name the
        # mutants still to check (mutmut re-tests every mutant it is given by name).
        first = goal.patterns(only)
        every = not first  # no function named: every mutant of the module
        if goal.until and not only:
            first = [p for p in first if not any(mangled_of(f) in p for _, f in goal.until)]
        if first or every:
            _run(mutmut, place, jobs, first)
    skip = goal.above_marks(place)
    wanted = ("survived", "no tests") if survivors_only else ("not checked",)
    names = [
        mutant
        for mutant, status in _listing(mutmut, place)
        if status in wanted and mutant not in skip and goal.counts(mutant, only)
    ]
    if names:
        _run(mutmut, place, jobs, names)
    else:
        print(f"== {name}: nothing left to check", flush=True)
    killed, checked, unchecked, survivors = 0, 0, 0, []
    for mutant, status in _listing(mutmut, place):
        if mutant in skip or not goal.counts(mutant, only):
            continue
        if status == "not checked":
            unchecked += 1
            continue
        checked += 1
        if status in ("killed", "timeout", "caught by type check"):
            killed += 1
        else:
            survivors.append(f"{mutant}: {status}")
    return killed, checked, unchecked, survivors


def _run(mutmut: Path, place: Path, jobs: int, names: list[str]) -> None:
    subprocess.run(
        [str(mutmut), "run", "--max-children", str(jobs), *names], cwd=place, check=False
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutate", description=__doc__.split("\n")[0])
    parser.add_argument(
        "modules", nargs="*", help=f"any of: {', '.join(CORE)}, or {COGS} (their checks)"
    )
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
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="FUNCTION",
        help="only these functions (a glob: 'Normaliser.*', '_base'; repeat it): to measure "
        "a long module in parts, the ones that matter most first; each part resumes",
    )
    args = parser.parse_args()
    modules = args.modules or changed_vs_main()
    unknown = [m for m in modules if m not in CORE and m != COGS]
    if unknown:
        parser.error(
            f"not a core module: {', '.join(unknown)} (choose from {', '.join(CORE)}, {COGS})"
        )
    if not modules:
        print("No core module changed against main; name one, e.g. scripts/mutate bot/crypto.py")
        return 0
    summary = []
    for module in modules:
        killed, checked, unchecked, survivors = mutate(
            module, args.jobs, survivors_only=args.survivors, only=tuple(args.only)
        )
        for survivor in survivors:
            print(f"   survived: {survivor}")
        rate = f"{100 * killed / checked:.0f}%" if checked else "n/a"
        rest = f", {unchecked} not checked yet" if unchecked else ""
        summary.append(f"{module}: {killed}/{checked} killed ({rate}){rest}")
    print("\n".join(["", "Kill rate per module:", *summary]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
