"""What every property test of issue 22 holds each input to: an error of the app's own type only, a time
bound, a memory bound.

Every CI run tries :data:`EXAMPLES` inputs per property (a few dozen); ``EXPLAINER_FUZZ=10000`` tries
ten thousand (``bench/fuzz_bench.py`` does, and prints the figures). Each input runs under a hard
alarm of :data:`SECONDS` (a hang fails the input instead of blocking the run); the process's peak RSS
may grow by at most :data:`RSS_GROWTH_MB` over a whole property. With ``EXPLAINER_FUZZ_REPORT=FILE``
each property appends its figures (inputs, seconds, slowest input, peak RSS growth) to FILE as JSON.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Inputs per property: a few in every CI run, 10,000 in the opt-in run.
EXAMPLES = int(os.environ.get("EXPLAINER_FUZZ", "30"))
#: No input may take longer (the slowest valid one, a 16 MiB frame's body, takes about 3 s).
SECONDS = 60
#: How much the peak RSS may grow over one property's inputs.
RSS_GROWTH_MB = 700

#: Hypothesis settings for the properties: no deadline (the alarm is the bound), no shrinking
#: beyond what finds the smallest failing input quickly, no database in the checkout.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 100,
                suppress_health_check=list(HealthCheck))


class InputTimedOut(BaseException):
    """An input ran past :data:`SECONDS`. Not an Exception (nor a TimeoutError, an OSError): no
    ``except`` in the app can take it for its own error and carry on."""


def mostly(right: st.SearchStrategy[Any], wrong: st.SearchStrategy[Any], right_in: int = 3
           ) -> st.SearchStrategy[Any]:
    """``right`` ``right_in`` times in ``right_in + 1``, else ``wrong``: most inputs get past the
    first check, so the deep paths are tried too."""
    return st.integers(0, right_in).flatmap(lambda k: right if k else wrong)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Figures:
    """One property's inputs, time and memory."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inputs = 0
        self.slowest = 0.0
        self.slowest_input = ""
        self.started = time.perf_counter()
        self.rss_start = _rss_mb()
        self.outcomes: Counter[str] = Counter()
        """How inputs ended (``run 0``, ``scan 2``, ``BinaryError``...): the report shows what was reached."""

    @contextmanager
    def bounded(self, what: object) -> Iterator[None]:
        """One input, under the alarm; its time is recorded."""
        def expired(signum: int, frame: Any) -> None:
            raise InputTimedOut(f"input took more than {SECONDS} s: {what!r}"[:500])

        old = signal.signal(signal.SIGALRM, expired)
        signal.alarm(SECONDS)
        t = time.perf_counter()
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
            took = time.perf_counter() - t
            self.inputs += 1
            if took > self.slowest:
                self.slowest, self.slowest_input = took, repr(what)[:200]

    def check(self) -> None:
        """The memory bound, and the figures to the report file if one is asked for."""
        growth = _rss_mb() - self.rss_start
        report = os.environ.get("EXPLAINER_FUZZ_REPORT")
        if report:
            with open(report, "a", encoding="utf-8") as f:
                f.write(json.dumps({"property": self.name, "inputs": self.inputs,
                                    "seconds": round(time.perf_counter() - self.started, 1),
                                    "slowest_s": round(self.slowest, 3), "slowest_input": self.slowest_input,
                                    "rss_growth_mb": round(growth, 1), "rss_peak_mb": round(_rss_mb(), 1),
                                    "outcomes": dict(self.outcomes.most_common())})
                        + "\n")
        assert growth < RSS_GROWTH_MB, f"peak RSS grew by {growth:.0f} MB"


def run_property(name: str, prop: Callable[[Figures], None]) -> None:
    """Run a hypothesis property (a function of :class:`Figures`), then hold it to the memory bound."""
    figures = Figures(name)
    prop(figures)
    figures.check()
