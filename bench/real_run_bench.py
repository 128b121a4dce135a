"""How long the real runtime takes to answer where the users are (issue 25): the lab's r, the live beat.

Run: ``python bench/real_run_bench.py [--runs N]``. Prints figures; asserts nothing. Needs qemu-aarch64,
gdb-multiarch and the go1.23.4 and go1.27.3 toolchains (``explainer inject`` installs them).

What is timed:

- cold: ``RealRun.run`` on go1.23.4/65584 at sp2 with an empty build cache (a fresh ``EXPLAINER_CACHE_DIR``
  whose ``go/`` links to the installed toolchains, so only the build is cold): tools checked, the reproducer
  built by ``go build``, read, preempted, compared;
- cached, headless: the same call again, ``--runs`` times (a fresh ``RealRun`` each: what one press costs);
- the lab's key: ``w`` then ``r`` pressed in the app (Textual's pilot, 120x40), from the key to the
  answer drawn in the Real runtime panel;
- the live beat: ``End`` in the presenter (``live_beats`` on, as ``explainer present`` runs it) to the real
  crash in the log pane.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _figures(name: str, seconds: list[float]) -> None:
    print(f"{name:<34} min {min(seconds):5.2f} s  median {statistics.median(seconds):5.2f} s  "
          f"max {max(seconds):5.2f} s  ({len(seconds)} runs)")


def headless(runs: int) -> None:
    from explainer.engine.experiments.scenario import parse
    from explainer.realgo import at_moment, toolchains

    moment = at_moment.target_for(parse("go1.23.4/65584"))
    real_cache = toolchains.cache_dir()
    with tempfile.TemporaryDirectory() as cold:
        os.symlink(real_cache / "go", Path(cold) / "go")
        os.environ["EXPLAINER_CACHE_DIR"] = cold
        try:
            started = time.monotonic()
            result = at_moment.RealRun(moment).run()
            print(f"{'cold build, then the answer':<34} {time.monotonic() - started:5.2f} s  "
                  f"({result.real.value}, {'agrees' if result.agree else 'DIFFERS'})")
        finally:
            os.environ.pop("EXPLAINER_CACHE_DIR")
    at_moment.RealRun(moment).run()  # the real cache's build, once, untimed
    times = []
    for _ in range(runs):
        started = time.monotonic()
        at_moment.RealRun(moment).run()
        times.append(time.monotonic() - started)
    _figures("cached, headless (one press)", times)


async def lab_key(runs: int) -> None:
    from explainer.engine.experiments.scenario import parse
    from explainer.ui.app import ExplainerApp
    from explainer.ui.widgets.real_run import RealRunPanel

    times = []
    for _ in range(runs):
        app = ExplainerApp(parse("go1.23.4/65584"))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("w")
            started = time.monotonic()
            await pilot.press("r")
            panel = app.screen.query_one(RealRunPanel)
            while panel.running or panel.result is None:
                await pilot.pause(0.01)
            times.append(time.monotonic() - started)
    _figures("lab: r to the answer drawn", times)


async def live_beat(runs: int) -> None:
    from explainer.talk import script
    from explainer.ui.presenter import PresenterApp
    from explainer.ui.widgets.crash_log import CrashLogPanel

    talk = script.load(ROOT / "assets" / "talks" / "split-epilogue.toml")
    times = []
    for _ in range(runs):
        app = PresenterApp(talk, live_beats=True)
        async with app.run_test(size=(120, 35)) as pilot:
            started = time.monotonic()
            await pilot.press("end")
            log = app.screen.query_one(CrashLogPanel)
            while not str(log.border_subtitle).startswith(("crashed", "RECORDED")):
                await pilot.pause(0.01)
            times.append(time.monotonic() - started)
            assert str(log.border_subtitle).startswith("crashed"), log.border_subtitle
    _figures("talk: End to the live crash", times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    print(f"{os.cpu_count()} cores")
    headless(args.runs)
    asyncio.run(lab_key(args.runs))
    asyncio.run(live_beat(args.runs))


if __name__ == "__main__":
    main()
