"""``explainer [--scenario S] [--lesson N]``: the lab, the one thing ``explainer`` does with no subcommand."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Open the lab on ``--scenario`` (or the published reproducer)."""
    from ..engine.experiments.scenario import parse

    scenario = parse(args.scenario) if args.scenario else None  # a bad scenario: one line, no screen
    lesson = None
    if getattr(args, "lesson", None):
        from ..course.lesson import by_number, load

        lesson = load(by_number(args.lesson))  # a broken lesson file: file:line: message, no screen
    from ..ui.app import ExplainerApp

    app = ExplainerApp(scenario, lesson=lesson)
    app.run()
    return app.return_code or 0  # 70 after an unexpected error (explainer.errorlog)
