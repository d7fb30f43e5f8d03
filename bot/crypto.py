"""Encryption at rest for the free text members and staff write (notes).

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``: authenticated, so a wrong
key is detected, never decrypted into garbage. The key comes from ``ENCRYPTION_KEY``; when
that is unset, a key file is created next to the database (mode 0600) on first run.
A canary value in ``bot_state`` lets start-up tell a lost or changed key in one sentence.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.db import Database
from bot.errors import StartupError
from bot.state import BotState

CANARY_KEY = "encryption_canary"
CANARY_TEXT = "recovery-support-bot"


class Cipher:
    """Encrypts and decrypts text; ``None`` stays ``None``."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, text: str | None) -> bytes | None:
        return None if text is None else self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes | None) -> str | None:
        return None if token is None else self._fernet.decrypt(token).decode("utf-8")


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def key_file_for(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".key")


def load_key(configured: str | None, database_path: Path) -> bytes:
    """The configured key, else the key file beside the database (created on first use)."""
    if configured:
        key = configured.strip().encode("ascii", "replace")
        source = "ENCRYPTION_KEY"
    else:
        path = key_file_for(database_path)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(new_key())
        key = path.read_bytes().strip()
        source = f"the key file {path}"
    try:
        Fernet(key)
    except ValueError:
        raise StartupError(
            f"The encryption key from {source} is not a valid key: make one with "
            "`python -m bot keygen`."
        ) from None
    return key


async def open_cipher(db: Database, configured: str | None) -> Cipher:
    """Load the key and check it against the database's canary (set on first run)."""
    cipher = Cipher(load_key(configured, db.path))
    state = BotState(db)
    canary = await state.get(CANARY_KEY)
    if canary is None:
        token = cipher.encrypt(CANARY_TEXT)
        assert token is not None
        await state.set(CANARY_KEY, token.decode("ascii"))
        return cipher
    try:
        if cipher.decrypt(canary.encode("ascii")) != CANARY_TEXT:
            raise InvalidToken
    except InvalidToken:
        raise StartupError(
            "The encryption key does not match the one this database was written with: restore "
            f"the original ENCRYPTION_KEY or key file ({key_file_for(db.path).name}); "
            "members' notes cannot be read without it."
        ) from None
    return cipher
