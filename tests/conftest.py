"""The reference data beside the checkout (../shared/reference): tests that need it skip without it.

Many tests compare with real ``go tool objdump`` output and real crash logs kept in
``../shared/reference``, beside the checkout, not in it. A clone without it still runs the rest: a
test (or a test module) that fails because a file under that folder is missing is reported as
skipped, with one plain sentence, printed once at the end. CI has the folder and sets
``EXPLAINER_REQUIRE_REFERENCE=1``: there a missing folder, or any test skipped for it, fails the run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from .unprivileged import give_to_nobody

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
REASON = "needs the reference data beside the checkout: ../shared/reference"
_skipped: list[str] = []


def _absent() -> bool:
    return not REFERENCE.is_dir()


def _needs_reference(err: BaseException) -> bool:
    """The error is a file under the absent reference folder not being there."""
    name = getattr(err, "filename", None)
    return _absent() and isinstance(err, OSError) and name is not None and \
        str(REFERENCE) in os.fspath(name)


@pytest.fixture(autouse=True)
def _own_state_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress and preferences (prediction mode) never read or written in the real state folder."""
    monkeypatch.setenv("EXPLAINER_STATE_DIR", str(tmp_path_factory.mktemp("state")))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"reference: {REASON} (skipped without it)")
    if os.environ.get("EXPLAINER_REQUIRE_REFERENCE") == "1" and _absent():
        pytest.exit(f"EXPLAINER_REQUIRE_REFERENCE=1 but {REFERENCE} is missing", returncode=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without the folder: tests marked ``reference`` skip, and so do parametrizations left empty by it."""
    if not _absent():
        return
    for item in items:
        empty = any(m.name == "skip" and str(m.kwargs.get("reason", "")).startswith("got empty parameter set")
                    for m in item.iter_markers())
        if item.get_closest_marker("reference") or empty:
            item.add_marker(pytest.mark.skip(reason=REASON))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    """A test module that reads the reference data when it is imported: skipped as a whole."""
    report = yield
    if report.failed and isinstance(collector, pytest.Module):
        err = _collect_error(collector)
        if err is not None and _needs_reference(err):
            report.outcome = "skipped"
            report.longrepr = (str(collector.path), 0, f"Skipped: {REASON}")
    return report


def _collect_error(collector: pytest.Module) -> BaseException | None:
    """The error importing the module raised (pytest wraps it; the original is its cause)."""
    try:
        collector._getobj()
    except Exception as err:
        cause = err.__cause__ or err.__context__
        return err if isinstance(err, OSError) else cause
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    try:
        return (yield)
    except OSError as err:
        if _needs_reference(err):
            pytest.skip(REASON)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    try:
        return (yield)
    except OSError as err:
        if _needs_reference(err):
            pytest.skip(REASON)
        raise


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and isinstance(report.longrepr, tuple) and REASON in str(report.longrepr[2]):
        _skipped.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped and isinstance(report.longrepr, tuple) and REASON in str(report.longrepr[2]):
        _skipped.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped:
        terminalreporter.write_line(f"skipped {len(_skipped)} (tests or test files): {REASON}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and os.environ.get("EXPLAINER_REQUIRE_REFERENCE") == "1":
        session.exitstatus = 1


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A fresh folder in the system's temporary folder that the unprivileged user owns (pytest's own
    temporary folders are root's, mode 700, so that user could not reach them)."""
    folder = Path(tempfile.mkdtemp(prefix="explainer-nobody-"))
    give_to_nobody(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
