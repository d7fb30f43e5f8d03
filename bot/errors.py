"""Errors that carry a sentence safe to show to a person.

``StartupError`` is for the admin at the terminal: one sentence, no traceback.
``UserFacingError`` and its family are for a member or staff member in Discord: the
message is shown to them ephemerally, as it is, by the command tree's error handler.
"""

from __future__ import annotations


class StartupError(Exception):
    """The bot cannot start; ``str(error)`` is one clear sentence for the admin."""


class UserFacingError(Exception):
    """A failure a member can cause; its message is polite and safe to show."""

    def __init__(self, message: str, *, show_crisis: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.show_crisis = show_crisis


class NotConfiguredError(UserFacingError):
    """The server has not been set up with /setup yet."""

    def __init__(self, message: str | None = None, *, show_crisis: bool = False) -> None:
        super().__init__(
            message or "This server has not been set up yet: an admin needs to run `/setup` first.",
            show_crisis=show_crisis,
        )


class StaffOnlyError(UserFacingError):
    """Someone without the staff role tried a staff action."""

    def __init__(self) -> None:
        super().__init__("Sorry, only this server's staff can do that.")


class OutOfDateError(UserFacingError):
    """A button or menu refers to something that no longer exists."""

    def __init__(self) -> None:
        super().__init__("This button is out of date. Please run the command again.")


class TryAgainError(UserFacingError):
    """A temporary problem (a busy database, Discord trouble); nothing was changed."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or "Things are busy right now and nothing was changed. Please try again."
        )
