"""The one content loader (``bot.content.load_content``): each problem, for TOML and JSON, is
one sentence naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field, field_validator

from bot.content import ContentError, ContentModel, load_content, load_toml
from bot.safety.model import load_model_file


class Inner(ContentModel):
    count: int = Field(ge=1)


class Sample(ContentModel):
    title: str
    inner: Inner

    @field_validator("title")
    @classmethod
    def _not_shouting(cls, value: str) -> str:
        if value.isupper():
            raise ValueError("is all capitals")
        return value


GOOD = {
    ".toml": 'title = "Hello"\n[inner]\ncount = 2\n',
    ".json": '{"title": "Hello", "inner": {"count": 2}}',
}


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_good_file_loads(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"sample{suffix}"
    path.write_text(GOOD[suffix], "utf-8")
    assert load_content(path, Sample) == Sample(title="Hello", inner=Inner(count=2))


@pytest.mark.parametrize(
    ("suffix", "text", "sentence"),
    [
        (
            ".toml",
            'title = "Hello"\n[inner\n',
            "is not valid TOML (Expected ']' at the end of a table declaration "
            "(at line 2, column 7)).",
        ),
        (
            ".json",
            '{"title": "Hello",',
            "is not valid JSON (Expecting property name enclosed in double quotes: "
            "line 1 column 19 (char 18)).",
        ),
        (
            ".toml",
            'title = "Hello"\n[inner]\ncount = 0\n',
            "has a problem at `inner.count`: Input should be greater than or equal to 1.",
        ),
        (
            ".json",
            '{"title": "Hello", "inner": {"count": 0}}',
            "has a problem at `inner.count`: Input should be greater than or equal to 1.",
        ),
        (
            ".toml",
            'title = "HELLO"\n[inner]\ncount = 1\n',
            "has a problem at `title`: is all capitals.",
        ),
        (
            ".json",
            '{"title": "HELLO", "inner": {"count": 1}}',
            "has a problem at `title`: is all capitals.",
        ),
        (
            ".json",
            "[1, 2]",
            "has a problem at `(top level)`: Input should be a valid dictionary or instance "
            "of Sample.",
        ),
    ],
)
def test_a_broken_file_is_one_sentence(
    tmp_path: Path, suffix: str, text: str, sentence: str
) -> None:
    path = tmp_path / f"sample{suffix}"
    path.write_text(text, "utf-8")
    with pytest.raises(ContentError) as error:
        load_content(path, Sample)
    assert str(error.value) == f"The content file {path} {sentence}"


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_missing_file_says_how_to_get_it_back(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"sample{suffix}"
    with pytest.raises(ContentError) as error:
        load_content(path, Sample)
    assert str(error.value) == (
        f"The content file {path} is missing: restore it from the repository."
    )
    with pytest.raises(ContentError) as error:
        load_content(path, Sample, restore="rebuild it")
    assert str(error.value) == f"The content file {path} is missing: rebuild it."


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_an_unreadable_file_is_one_sentence(tmp_path: Path, suffix: str) -> None:
    folder = tmp_path / f"sample{suffix}"
    folder.mkdir()
    with pytest.raises(ContentError) as error:
        load_content(folder, Sample)
    assert str(error.value).startswith(f"The content file {folder} cannot be read ([Errno 21]")

    path = tmp_path / f"latin1{suffix}"
    path.write_bytes(GOOD[suffix].replace("Hello", "H\xe9llo").encode("latin-1"))
    with pytest.raises(ContentError) as error:
        load_content(path, Sample)
    assert str(error.value).startswith(
        f"The content file {path} cannot be read ('utf-8' codec can't decode byte 0xe9"
    )


def test_only_toml_and_json_are_content(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"content files are \.toml or \.json, not sample\.yaml"):
        load_content(tmp_path / "sample.yaml", Sample)


def test_the_toml_name_and_the_model_file_use_the_same_loader(tmp_path: Path) -> None:
    path = tmp_path / "sample.toml"
    path.write_text('title = "Hello"\n[inner]\ncount = 0\n', "utf-8")
    with pytest.raises(ContentError, match=r"has a problem at `inner\.count`"):
        load_toml(path, Sample)

    model = tmp_path / "crisis_model.json"
    with pytest.raises(ContentError) as error:
        load_model_file(model)
    assert str(error.value) == (
        f"The content file {model} is missing: restore it from the repository or rebuild it "
        "with scripts/train_safety_model.py."
    )
    model.write_text("[]", "utf-8")
    with pytest.raises(
        ContentError, match=r"^The content file .* has a problem at `\(top level\)`"
    ):
        load_model_file(model)
