"""``python -m bot sandbox``: the real bot in a simulated Discord, shown in a local browser page.

This is infrastructure, not domain code: it imports ``discord`` and SimCord (the optional
``sandbox`` extra, ``simcord[preview]``). It runs the same ``create_bot``, cogs and database
code as ``python -m bot``, against SimCord's in-memory Discord instead of the real one, with
its own database file (``data/sandbox.db`` by default). The server is built the way ``/setup``
would leave a real one, with personas a viewer can switch between in the page.

Nothing here reaches the network: SimCord's Preview listens on 127.0.0.1 only, and its URL
carries a secret capability that is printed once.

- ``world``: the simulated server (channels, roles, meetings, personas) and its configuration;
- ``session``: a running sandbox (the bot in SimCord, the seeded data, the Preview page);
- ``commands``: the sandbox's own slash commands (``/sandbox-show``, ``/sandbox-time``);
- ``cli``: the command line (print the link, open a browser, run until Ctrl-C);
- ``asking``: ``/consult`` as a member asks, for the seeded requests and the tour;
- ``tour``: ``--tour consult``, a guided tour for trainers (its steps are data);
- ``_simcord_gaps``: the one place that uses SimCord internals, where its public API has no
  equivalent yet.

Tests drive it through ``sandbox_session(options)``; the command line goes through ``main``.
"""

from bot.sandbox.cli import main, run_sandbox
from bot.sandbox.session import SandboxOptions, SandboxSession, sandbox_session

__all__ = ["SandboxOptions", "SandboxSession", "main", "run_sandbox", "sandbox_session"]
