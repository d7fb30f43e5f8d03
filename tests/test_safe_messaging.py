"""Safe-messaging lint for everything a member can read, not only the care content.

The patterns are ``bot.safe_messaging.UNSAFE`` (safe-messaging guidance on suicide, never
diagnose, no labels like "addict"), the same ones the care content's test and a saved reply's
text (``bot.snippets``) are checked against. Here they run over:

- every TOML file under data/, every string at any depth, except data/crisis_phrases.toml,
  which is the matcher's list and has to name exactly these words;
- every string literal in cogs/**/*.py and bot/**/*.py (replies, embeds, labels, command
  descriptions, errors), except the modules of bot/safety/ that document the matcher with
  the words it looks for (the package docstring, values, normaliser and patterns), and
  ``bot/safe_messaging.py``, which holds the patterns themselves.

The lint is strict on purpose (it also flags "hanging out"): reword rather than risk it.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from bot.safe_messaging import UNSAFE
from bot.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"
SAFETY = PROJECT_ROOT / "bot" / "safety"
EXEMPT = {
    DATA / "crisis_phrases.toml",
    *(SAFETY / name for name in ("__init__.py", "values.py", "normaliser.py", "patterns.py")),
    PROJECT_ROOT / "bot" / "safe_messaging.py",
}

Located = tuple[str, str]
"""(where, text)"""


def _walk(value: object, where: str) -> Iterator[Located]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}[{index}]")


def toml_strings(paths: Iterable[Path]) -> Iterator[Located]:
    for path in paths:
        yield from _walk(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def python_strings(paths: Iterable[Path]) -> Iterator[Located]:
    """Every string literal, f-string pieces included (adjacent literals are already joined)."""
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield f"{path.name}:{node.lineno}", node.value


def problems(texts: Iterable[Located]) -> list[str]:
    found = []
    for where, text in texts:
        for pattern in UNSAFE:
            hit = re.search(pattern, text, re.IGNORECASE)
            if hit:
                found.append(f"{where}: {hit.group(0)!r} ({pattern})")
    return found


def data_files() -> list[Path]:
    return sorted(p for p in DATA.rglob("*.toml") if p not in EXEMPT)


def code_files() -> list[Path]:
    paths = [*(PROJECT_ROOT / "cogs").rglob("*.py"), *(PROJECT_ROOT / "bot").rglob("*.py")]
    return sorted(p for p in paths if p not in EXEMPT)


def test_every_data_file_follows_safe_messaging() -> None:
    files = data_files()
    names = {p.relative_to(DATA).as_posix() for p in files}
    # Not vacuous: the group's own content and the care content are both read.
    assert {"welcome.toml", "guidelines.toml", "crisis.toml", "care/coping.toml"} <= names
    assert "crisis_phrases.toml" not in names
    assert problems(toml_strings(files)) == []


def test_member_facing_strings_in_the_code_follow_safe_messaging() -> None:
    files = code_files()
    assert {"checkins.py", "_flow.py", "errors.py"} <= {p.name for p in files}
    texts = list(python_strings(files))
    assert len(texts) > 500  # every literal, not a sample
    assert problems(texts) == []


def test_the_lint_reads_nested_toml_and_python_literals(tmp_path: Path) -> None:
    toml = tmp_path / "sample.toml"
    toml.write_text(
        '[topics.one]\ntitle = "fine"\n[[topics.one.tips]]\ntext = "He committed suicide."\n',
        encoding="utf-8",
    )
    code = tmp_path / "sample.py"
    code.write_text(
        'def reply(n: int) -> str:\n    return f"Based on {n} answers, you need an IOP."\n',
        encoding="utf-8",
    )
    assert problems(toml_strings([toml])) == [
        "sample.toml.topics.one.tips[0].text: 'committed suicide' (commit(ted|s)? suicide)"
    ]
    found = problems(python_strings([code]))
    assert len(found) == 1
    assert found[0].startswith("sample.py:2: 'you need an IOP'")


def test_only_the_phrase_list_and_its_matcher_are_exempt() -> None:
    # The exemption is needed (the list must name these words), and names real files.
    assert problems(toml_strings([DATA / "crisis_phrases.toml"])) != []
    assert problems(python_strings([PROJECT_ROOT / "bot" / "safe_messaging.py"])) != []
    assert all(path.is_file() for path in EXEMPT)
    assert len(EXEMPT) == 6
