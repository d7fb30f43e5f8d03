"""Encryption at rest for the free text members and staff write (notes).

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``: authenticated, so a wrong
key is detected, never decrypted into garbage. The key comes from ``ENCRYPTION_KEY``; when
that is unset, a key file is created next to the database (mode 0600) on first run.
A canary value in ``bot_state`` lets start-up tell a lost or changed key in one sentence.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.db import Database
from bot.errors import StartupError
from bot.state import BotState

CANARY_KEY = "encryption_canary"
CANARY_TEXT = "recovery-support-bot"
ALIAS_INFO = b"recovery-support-bot request alias v1"


class Cipher:
    """Encrypts and decrypts text; ``None`` stays ``None``."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        # A second secret for request aliases, derived from the key (HKDF-SHA256), never stored.
        self._alias_secret = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=ALIAS_INFO
        ).derive(key)

    def alias(self, request_id: int) -> str:
        """A pseudonymous request's stable name for staff ("Member 7F3K"): a keyed hash
        (HMAC-SHA256) of the request id, so it names no member, differs between a member's
        requests, and cannot be turned back into anything without the key."""
        digest = hmac.new(self._alias_secret, str(request_id).encode("ascii"), hashlib.sha256)
        code = base64.b32encode(digest.digest()).decode("ascii")
        return f"Member {code[:4]}"

    def encrypt(self, text: str | None) -> bytes | None:
        return None if text is None else self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes | None) -> str | None:
        return None if token is None else self._fernet.decrypt(token).decode("utf-8")


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def key_file_for(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".key")


def _checked(key: bytes, source: str) -> bytes:
    try:
        Fernet(key)
    except ValueError:
        raise StartupError(
            f"The encryption key from {source} is not a valid key: make one with "
            "`python -m bot keygen`."
        ) from None
    return key


def read_key(configured: str | None, database_path: Path) -> tuple[bytes | None, str]:
    """The configured key, else the key file's, checked; None when there is no key file yet.

    Never creates anything, so it can run before the database is opened: a malformed key
    stops start-up before any file is made.
    """
    if configured:
        return _checked(configured.strip().encode("ascii", "replace"), "ENCRYPTION_KEY"), (
            "ENCRYPTION_KEY"
        )
    path = key_file_for(database_path)
    source = f"the key file {path}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, source
    except OSError as error:
        raise StartupError(f"The key file {path} cannot be read ({error.strerror}).") from None
    return _checked(raw.strip(), source), source


def create_key_file(database_path: Path) -> bytes:
    """A new key in a new key file beside the database (mode 0600)."""
    path = key_file_for(database_path)
    key = new_key()
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key.encode("ascii")


def load_key(configured: str | None, database_path: Path) -> bytes:
    """The configured key, else the key file beside the database (created on first use)."""
    key, _source = read_key(configured, database_path)
    return key if key is not None else create_key_file(database_path)


def encrypted_columns() -> list[tuple[str, str]]:
    """Every (table, column) that holds encrypted text, from the privacy registry."""
    from bot.privacy import REGISTRY, Kind  # imported here: bot.privacy imports this module

    return [
        (source.table, column.name)
        for source in REGISTRY
        for column in source.columns
        if column.kind is Kind.SECRET
    ]


async def encrypted_sample(db: Database) -> bytes | None:
    """One encrypted value already stored, if any (one query; tables not there are skipped)."""
    present = {
        (row["tbl"], row["col"])
        for row in await db.fetchall(
            "SELECT m.name AS tbl, p.name AS col FROM sqlite_master AS m "
            "JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table'"
        )
    }
    parts = [
        f"SELECT * FROM (SELECT {column} AS v FROM {table} WHERE {column} IS NOT NULL LIMIT 1)"
        for table, column in encrypted_columns()
        if (table, column) in present
    ]
    if not parts:
        return None
    row = await db.fetchone(" UNION ALL ".join(parts) + " LIMIT 1")
    if row is None:
        return None
    value = row[0]
    return value if isinstance(value, bytes) else str(value).encode("ascii", "replace")


def _mismatch(db: Database) -> str:
    return (
        "The encryption key does not match the one this database was written with: restore "
        f"the original ENCRYPTION_KEY or key file ({key_file_for(db.path).name}); "
        "members' notes cannot be read without it."
    )


async def key_problem(db: Database, key: bytes | None) -> str | None:
    """Why ``key`` cannot read this database (one sentence), or None when it can.

    With no key (no ENCRYPTION_KEY, no key file), a database that ever stored encrypted text
    is a problem: a new key could never read it. With a key, the canary must decrypt; when
    the canary is missing, an existing encrypted value must decrypt instead.
    """
    canary = await BotState(db).get(CANARY_KEY)
    if key is None:
        if canary is None and await encrypted_sample(db) is None:
            return None
        return (
            f"The database {db.path.name} was written with an encryption key, but there is no "
            f"key now: set ENCRYPTION_KEY or put the original key file back at "
            f"{key_file_for(db.path)} (a new key could never read members' notes)."
        )
    cipher = Cipher(key)
    token = canary.encode("ascii") if canary is not None else await encrypted_sample(db)
    if token is None:
        return None
    try:
        text = cipher.decrypt(token)
    except InvalidToken:
        return _mismatch(db)
    if canary is not None and text != CANARY_TEXT:
        return _mismatch(db)
    return None


async def open_cipher(db: Database, configured: str | None) -> Cipher:
    """Load the key and check it against the database before anything is written with it.

    The canary in ``bot_state`` is written once the key is known to be right: on a new
    database, or when it is missing but an existing encrypted value decrypts with this key.
    A key file is created only for a database that never stored encrypted text.
    """
    key, _source = read_key(configured, db.path)
    problem = await key_problem(db, key)
    if problem is not None:
        raise StartupError(problem)
    if key is None:
        key = create_key_file(db.path)
    cipher = Cipher(key)
    state = BotState(db)
    if await state.get(CANARY_KEY) is None:
        token = cipher.encrypt(CANARY_TEXT)
        assert token is not None
        await state.set(CANARY_KEY, token.decode("ascii"))
    return cipher
