"""Where the tests need something SimCord's public API does not offer (yet).

Like ``bot/sandbox/_simcord_gaps.py`` for the sandbox, this is the one place the tests touch
SimCord internals; remove each workaround once SimCord offers a public equivalent.
"""

from __future__ import annotations

import simcord


def unacknowledged_errors(env: simcord.Env) -> tuple[BaseException, ...]:
    """The errors the bot hit that nobody has looked at yet: what SimCord fails a test on.

    SimCord 3.2 has ``errors`` (which acknowledges everything), ``error_cursor`` and
    ``errors_since(cursor)``, but keeps the cursor of what was acknowledged private
    (``Env._errors_acknowledged``; its pytest plugin reads it the same way at teardown).
    """
    return env.errors_since(env._errors_acknowledged)
