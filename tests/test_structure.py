"""Structure: features are packages that never reach into each other by name or in circles.

- no import cycle among the modules of ``bot/`` and ``cogs/`` (every import counts: top level,
  under ``TYPE_CHECKING`` and inside a function);
- no ``get_cog(`` lookup anywhere in ``bot/`` or ``cogs/`` (services are handed to each cog),
  and no repository or service built anywhere but ``bot/services.py``;
- every extension loads on its own, without any other extension;
- no feature imports another feature's private modules (``cogs.<b>._x`` from ``cogs/<a>/``):
  it uses that feature's public builder or the shared contract in ``cogs/_handoff.py``;
- no Discord markup (``<@``) in ``bot/``: the domain carries ids, the cogs render mentions.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bot.bot import EXTENSIONS, SupportBot
from cogs._components import PersistentItem

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "cogs")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[str]:
    """Every module of ours that ``path`` imports, wherever the import statement is."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from package import submodule`` depends on the submodule; a package's parent is
            # imported first by any import, so that implicit step is not counted anywhere.
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES:
                    yield f"{node.module}.{alias.name}"
                elif node.module in MODULES:
                    yield node.module


def _with_packages(importer: str, targets: set[str]) -> set[str]:
    """``targets`` plus the packages that importing them runs first, seen from outside.

    Importing ``cogs.care._coping`` from outside ``cogs.care`` runs ``cogs/care/__init__.py``
    (and so whatever it imports) first; from inside the package that step has already happened.
    """
    found = set(targets)
    for target in targets:
        parts = target.split(".")
        for size in range(1, len(parts)):
            package = ".".join(parts[:size])
            inside = importer == package or importer.startswith(package + ".")
            if package in MODULES and not inside:
                found.add(package)
    return found


def import_graph() -> dict[str, set[str]]:
    return {
        name: _with_packages(name, set(_imports(path))) - {name} for name, path in MODULES.items()
    }


def import_cycles() -> list[frozenset[str]]:
    """The strongly connected groups of two or more modules (Tarjan's algorithm)."""
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for name in graph:
        if name not in index:
            visit(name)
    return groups


def test_the_import_graph_sees_our_imports() -> None:
    """The checker itself: it finds a ``from module import name`` and a ``from package import
    module`` (``bot.ui`` does both)."""
    assert "bot.db" in set(_imports(MODULES["bot.state"]))
    assert {"bot.limits", "bot.crisis"} <= set(_imports(MODULES["bot.ui"]))


def test_the_import_graph_counts_the_package_an_import_runs_first() -> None:
    """Importing a feature's module from outside runs the feature's ``__init__`` (its cog and
    everything the cog imports): a circle through it is a real one."""
    assert "cogs.consult" in _with_packages("cogs._handoff", {"cogs.consult._views"})
    assert "cogs.consult" not in _with_packages("cogs.consult._cog", {"cogs.consult._views"})


def test_no_import_cycles() -> None:
    assert import_cycles() == []


def _get_cog_lines() -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{number}"
        for path in MODULES.values()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "get_cog(" in line
    ]


def test_no_feature_finds_another_by_name() -> None:
    assert _get_cog_lines() == []


def _feature(module: str) -> str | None:
    """The feature package a module belongs to (``cogs.care._coping`` -> ``care``); None for
    a shared module of ``cogs`` (``cogs._handoff``) and for ``bot``."""
    parts = module.split(".")
    if parts[0] != "cogs" or len(parts) < 2 or parts[1].startswith("_"):
        return None
    return parts[1]


def _private_imports_across_features() -> list[str]:
    found = []
    for name, path in MODULES.items():
        feature = _feature(name)
        if feature is None:
            continue
        for target in _imports(path):
            other = _feature(target)
            private = any(part.startswith("_") for part in target.split(".")[2:])
            if other is not None and other != feature and private:
                found.append(f"{path.relative_to(ROOT)} imports {target}")
    return sorted(set(found))


def test_the_feature_check_sees_a_private_import() -> None:
    """The checker itself: a feature's own private modules are its own business."""
    assert _feature("cogs.care._coping") == "care"
    assert _feature("cogs._handoff") is None
    assert "cogs.care._coping" in set(_imports(MODULES["cogs.care._views"]))


def test_no_feature_imports_another_features_private_modules() -> None:
    assert _private_imports_across_features() == []


def test_no_mentions_are_written_in_bot() -> None:
    """``bot/`` returns ids and values; only a cog turns an id into ``<@id>``."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for name, path in MODULES.items()
        if name.split(".")[0] == "bot"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "<@" in line
    ]
    assert found == []


BUILT_ONCE = re.compile(
    r"\b(?:\w+Repository|\w+Service|BotState|CrisisMatchLog|MeetingOptins|ReminderLog)\("
)
"""Constructors of repositories and services: only ``bot/services.py`` calls them."""


def test_repositories_and_services_are_built_once() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for name, path in MODULES.items()
        if name.startswith(("cogs", "bot.sandbox")) or name == "bot.bot"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BUILT_ONCE.search(line) and not line.lstrip().startswith(("class ", "def "))
    ]
    assert found == []


@pytest.mark.parametrize("extension", EXTENSIONS)
async def test_every_extension_loads_alone(simcord_bot: SupportBot, extension: str) -> None:
    # Unloading drops the package's modules from sys.modules, so the next load would build a
    # second copy of every class, and a test module that imported the first copy (say
    # ``ConsultFlow`` for an isinstance check) would fail depending on the order tests run in.
    # Put the modules that were there back once the extension has gone.
    imported = {
        name: module
        for name, module in sys.modules.items()
        if name == extension or name.startswith(extension + ".")
    }
    await simcord_bot.open_database()
    await simcord_bot.load_extension(extension)
    assert simcord_bot.cogs
    assert simcord_bot.extensions.keys() == {extension}
    await simcord_bot.unload_extension(extension)
    assert not simcord_bot.cogs
    sys.modules.update(imported)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_persistent_item_uses_the_one_base() -> None:
    """Every ``DynamicItem`` of ours subclasses ``PersistentItem``, which answers a failure
    (a stale or forged id included) politely instead of letting discord.py drop it."""
    for extension in EXTENSIONS:
        importlib.import_module(extension)
    ours = [
        item
        for item in _subclasses(discord.ui.DynamicItem)
        if item.__module__.startswith("cogs.") and item is not PersistentItem
    ]
    assert ours
    assert [item for item in ours if not issubclass(item, PersistentItem)] == []


def test_one_defer_and_one_error_path() -> None:
    """Private deferring goes through ``cogs._components.defer`` (the written policy) and
    error replies through the tree or ``cogs._components.report`` only."""
    components = MODULES["cogs._components"]
    tree = MODULES["bot.tree"]
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in MODULES.values()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ("response.defer(ephemeral" in line and path != components)
        or ("await report_error(" in line and path not in (components, tree))
    ]
    assert found == []


def _stale_parsers() -> list[str]:
    """``from_custom_id`` methods whose whole body is ``return cls()``, outside the one base."""
    found = []
    for name, path in MODULES.items():
        if name == "cogs._components":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.AsyncFunctionDef)
                and node.name == "from_custom_id"
                and len(node.body) == 1
                and isinstance(node.body[0], ast.Return)
                and isinstance(node.body[0].value, ast.Call)
                and isinstance(node.body[0].value.func, ast.Name)
                and node.body[0].value.func.id == "cls"
                and not node.body[0].value.args
                and not node.body[0].value.keywords
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_stale_buttons_share_one_base() -> None:
    """A catch-all for ids a feature no longer makes subclasses ``cogs._components.StaleButton``
    (which parses nothing and answers "out of date") instead of repeating its body."""
    assert _stale_parsers() == []


MAX_LINES = 500
"""A module longer than this does several jobs: split it by job into modules of its package."""

LONG_MODULES: set[str] = set()
"""Modules still to be split into a package (issue 16; none left since bot/safety/). Remove an
entry once its module is split."""


def test_no_module_is_over_500_lines() -> None:
    long = {
        path.relative_to(ROOT).as_posix()
        for path in MODULES.values()
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert long - LONG_MODULES == set()


def test_the_mutation_lists_name_modules_that_exist() -> None:
    """``scripts/mutate``'s per-module table and pyproject's ``only_mutate`` (for a bare ``mutmut
    run``) name the same core modules, and every one of them exists: a split that renames a
    module must update both (the privacy split once left ``bot/privacy.py`` behind)."""
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    assert spec is not None
    assert spec.loader is not None
    mutate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutate)
    with (ROOT / "pyproject.toml").open("rb") as file:
        only_mutate = set(tomllib.load(file)["tool"]["mutmut"]["only_mutate"])
    core = set(mutate.CORE)
    assert core - only_mutate == set()
    assert sorted(name for name in only_mutate - core if not name.startswith("cogs/")) == []
    assert sorted(name for name in only_mutate if not (ROOT / name).is_file()) == []


def test_no_file_keeps_a_merge_conflict_marker() -> None:
    """A merge resolved in one file and committed with another still conflicted leaves
    ``<<<<<<<`` lines behind; the suite would pass over them in prose and data."""
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    marked = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path.suffix in {".png", ".db", ".whl"} or not path.is_file():
            continue
        for line in path.read_bytes().splitlines():
            if line.startswith((b"<<<<<<< ", b">>>>>>> ")) or line == b"=======":
                marked.append(str(path.relative_to(ROOT)))
                break
    assert marked == []
