"""The ``explainer`` subcommands, one module each, in the order ``explainer --help`` lists them.

A command is the thin layer between a person and the headless packages: it parses its arguments,
calls the engine, ``binary``, ``realgo``, ``course`` or ``talk``, and prints or starts the UI. It
holds no logic of its own, and nothing imports it but :mod:`explainer.cli`, which assembles the
parser from :data:`COMMANDS` (an import-linter contract in pyproject.toml says so).

Each module has ``add_parser(subparsers)``, which adds its subcommand with
``set_defaults(run=...)``, a function ``(args) -> exit status``. The parser is built on every start
of ``explainer``, so a command module imports nothing heavy (unicorn, LIEF, Textual) at module
level: ``run`` imports what it needs.
"""

from __future__ import annotations

#: The subcommands' modules, in the order ``explainer --help`` lists them.
COMMANDS: tuple[str, ...] = ("versions", "frame", "sweep", "run", "lessons", "scan", "open", "repro",
                             "inject", "present", "serve")
