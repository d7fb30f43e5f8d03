"""The encryption key against the database, in-process, on a real SQLite file: which key reads
which database, where the key comes from, and the one sentence for each way it can be wrong.

These are the in-process twins of the start-up tests that run ``python -m bot`` in a
subprocess (a subprocess cannot show a mutant, so scripts/mutate needs these).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from cryptography.fernet import Fernet

from bot.consultations import ConsultationService, Topic, Urgency
from bot.crypto import (
    CANARY_KEY,
    Cipher,
    encrypted_columns,
    encrypted_sample,
    key_file_for,
    key_problem,
    load_key,
    open_cipher,
    read_key,
)
from bot.db import Database
from bot.errors import StartupError
from bot.guild_config import GuildConfig
from bot.state import BotState

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
KEY = Fernet.generate_key()
OTHER_KEY = Fernet.generate_key()


@pytest_asyncio.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await Database.open(tmp_path / "support.db")
    yield opened
    await opened.close()


async def store_a_note(database: Database, key: bytes) -> bytes:
    """A request with a note, encrypted with ``key``; returns the stored token."""
    service = ConsultationService(database, Cipher(key))
    result = await service.create(
        guild_id=1,
        member_id=2,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=NOW,
        config=GuildConfig(guild_id=1),
        note="my private words",
    )
    row = await database.fetchone(
        "SELECT note FROM consultations WHERE id = ?", (result.consultation.id,)
    )
    assert row is not None
    return bytes(row[0])


# --------------------------------------------------------------------------- encrypted_sample


def test_the_encrypted_columns_are_the_secret_ones() -> None:
    columns = encrypted_columns()

    assert ("consultations", "note") in columns
    assert ("consultations", "close_reason") in columns
    assert ("consultations", "member_id") not in columns
    assert ("consultations", "guild_id") not in columns


async def test_an_empty_database_has_no_encrypted_sample(database: Database) -> None:
    assert await encrypted_sample(database) is None


async def test_the_sample_is_a_stored_token_as_it_is(database: Database) -> None:
    token = await store_a_note(database, KEY)

    assert await encrypted_sample(database) == token


# --------------------------------------------------------------------------- key_problem


async def test_a_new_database_has_no_key_problem(database: Database) -> None:
    assert await key_problem(database, None) is None
    assert await key_problem(database, KEY) is None


async def test_no_key_for_a_database_with_encrypted_notes_is_one_sentence(
    database: Database,
) -> None:
    await store_a_note(database, KEY)

    problem = await key_problem(database, None)

    assert problem == (
        "The database support.db was written with an encryption key, but there is no key now: "
        f"set ENCRYPTION_KEY or put the original key file back at {key_file_for(database.path)} "
        "(a new key could never read members' notes)."
    )


async def test_no_key_for_a_database_with_only_its_check_row_is_a_problem(
    database: Database,
) -> None:
    await open_cipher(database, KEY.decode())  # writes the check row, stores no note
    assert await encrypted_sample(database) is None

    problem = await key_problem(database, None)

    assert problem is not None
    assert problem.startswith("The database support.db was written with an encryption key")


MISMATCH = (
    "The encryption key does not match the one this database was written with: restore the "
    "original ENCRYPTION_KEY or key file (support.db.key); members' notes cannot be read "
    "without it."
)


async def test_without_the_check_row_the_notes_tell_which_key_is_right(
    database: Database,
) -> None:
    await store_a_note(database, KEY)
    assert await BotState(database).get(CANARY_KEY) is None

    assert await key_problem(database, KEY) is None
    assert await key_problem(database, OTHER_KEY) == MISMATCH


async def test_a_check_row_that_decrypts_to_other_words_is_a_mismatch(
    database: Database,
) -> None:
    token = Cipher(KEY).encrypt("some other text")
    assert token is not None
    await BotState(database).set(CANARY_KEY, token.decode("ascii"))

    assert await key_problem(database, KEY) == MISMATCH
    with pytest.raises(StartupError) as caught:
        await open_cipher(database, KEY.decode())
    assert str(caught.value) == MISMATCH


# --------------------------------------------------------------------------- open_cipher


async def test_the_check_row_is_written_once_and_kept(database: Database) -> None:
    await open_cipher(database, KEY.decode())
    first = await BotState(database).get(CANARY_KEY)

    await open_cipher(database, KEY.decode())

    assert first is not None
    assert await BotState(database).get(CANARY_KEY) == first


async def test_a_missing_check_row_is_written_once_the_notes_prove_the_key(
    database: Database,
) -> None:
    await store_a_note(database, KEY)

    cipher = await open_cipher(database, KEY.decode())

    stored = await BotState(database).get(CANARY_KEY)
    assert stored is not None
    assert cipher.decrypt(stored.encode("ascii")) == "recovery-support-bot"


# --------------------------------------------------------------------------- read_key, load_key


def test_a_configured_key_is_named_as_its_source(tmp_path: Path) -> None:
    assert read_key(f" {KEY.decode()} ", tmp_path / "support.db") == (KEY, "ENCRYPTION_KEY")


def test_a_key_file_is_named_as_its_source(tmp_path: Path) -> None:
    database = tmp_path / "support.db"
    key_file_for(database).write_bytes(KEY + b"\n")

    assert read_key(None, database) == (KEY, f"the key file {key_file_for(database)}")
    assert read_key(None, tmp_path / "new.db") == (None, f"the key file {tmp_path / 'new.db.key'}")


def test_an_unreadable_key_file_is_one_sentence(tmp_path: Path) -> None:
    database = tmp_path / "support.db"
    key_file_for(database).mkdir()  # there, but not a file that can be read

    with pytest.raises(StartupError) as caught:
        read_key(None, database)

    assert str(caught.value) == (
        f"The key file {key_file_for(database)} cannot be read (Is a directory)."
    )


def test_load_key_creates_the_key_file_only_when_there_is_none(tmp_path: Path) -> None:
    database = tmp_path / "support.db"

    made = load_key(None, database)

    assert key_file_for(database).read_bytes() == made
    assert (key_file_for(database).stat().st_mode & 0o777) == 0o600
    Fernet(made)
    assert load_key(None, database) == made  # read back, not made again
    assert load_key(OTHER_KEY.decode(), database) == OTHER_KEY
