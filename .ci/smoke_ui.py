"""Headless start of the installed lab and of a lesson (Textual's run_test), for .ci/wheel_smoke.

Run with the wheel's own Python from a folder outside the checkout: it must find its lessons,
its scenario and its assets inside the installed package. Prints one line per check; exit 1 on the
first that fails.
"""

from __future__ import annotations

import asyncio
import sys


async def main() -> int:
    import explainer
    from explainer.ui.app import ExplainerApp
    from explainer.ui.screens.course import CourseScreen
    from explainer.ui.screens.lesson import LessonScreen
    from explainer.ui.widgets.unwind import UnwindPanel

    print(f"explainer from {explainer.__file__}")
    app = ExplainerApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "g")  # to the last write to RSP, preempt, GC stack scan
        await pilot.pause()
        said = app.screen.query_one(UnwindPanel).plain
        if "fatal error: traceback did not unwind completely" not in said:
            print(f"FAIL lab: the GC scan at sp2 did not crash:\n{said}")
            return 1
        print("ok lab: w g crashes with 'traceback did not unwind completely'")
        await pilot.press("l")
        if not isinstance(app.screen, CourseScreen) or len(app.screen.lessons) != 10:
            print(f"FAIL course: {app.screen!r}")
            return 1
        await pilot.press("enter")
        if not isinstance(app.screen, LessonScreen) or app.screen.lesson.id != "01-arm64":
            print(f"FAIL lesson: {app.screen!r}")
            return 1
        print(f"ok lesson: {app.screen.lesson.id} opens ({len(app.screen.lesson.steps)} steps)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
