"""Saving what the app shows: ask for a folder, create it, write, say where (or why not).

The lab saves its screen (SVG) and its step (JSON); the course saves a lesson's
handout (Markdown). All three ask the same small question, remember the answer
for the rest of the session (starting from the current directory), and report a
folder that cannot be written as a notification, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

#: Writes into a folder that exists and returns the files written.
Writer = Callable[[Path], list[Path]]


class FolderScreen(ModalScreen[Path | None]):
    """Which folder to save into; enter saves, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    FolderScreen { align: center middle; }
    FolderScreen > Vertical { width: 80%; max-width: 90; height: auto; border: round $accent;
                              background: $surface; padding: 0 1; }
    FolderScreen .hint { color: $text-muted; }
    """

    def __init__(self, what: str, folder: str) -> None:
        super().__init__()
        self.what = what
        self.folder = folder

    def compose(self):  # type: ignore[no-untyped-def]
        with Vertical() as box:
            box.border_title = f"Save {self.what}"
            yield Static(f"Save {self.what} in this folder (created if missing):")
            yield Input(self.folder, id="folder")
            yield Static("enter saves · esc cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(Path(text).expanduser() if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def remembered_folder(app: App[object]) -> str:
    """The folder last saved into in this session, else the current directory."""
    return str(getattr(app, "export_folder", None) or os.getcwd())


def save_into_folder(app: App[object], what: str, write: Writer, after_refresh: bool = False) -> None:
    """Ask for a folder, then create it and ``write`` into it; notify the paths or the error.

    Args:
        app: The running app (it remembers the folder as ``export_folder``).
        what: What is saved, for the dialog and the notification ("the screen as SVG").
        write: Writes the files into the folder and returns their paths.
        after_refresh: Write once the dialog has left the screen (a screenshot must not show it).
    """
    def chosen(folder: Path | None) -> None:
        if folder is None:
            return
        app.export_folder = str(folder)  # type: ignore[attr-defined]
        if after_refresh:
            app.call_after_refresh(lambda: _write(app, what, folder, write))
        else:
            _write(app, what, folder, write)

    app.push_screen(FolderScreen(what, remembered_folder(app)), chosen)


def _write(app: App[object], what: str, folder: Path, write: Writer) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = write(folder)
    except OSError as err:
        why = err.strerror or err.__class__.__name__
        app.notify(f"{folder}: {why}", title=f"Cannot save {what}", severity="error", timeout=10)
        return
    app.notify("\n".join(str(p) for p in paths), title=f"Saved {what}", timeout=8)


def save_handout(app: App[object], lesson: object) -> None:
    """Ask for a folder and write the lesson there as a Markdown handout (``NN-slug.md``)."""
    from ...course.handout import handout
    from ...course.lesson import Lesson
    from ...engine.errors import ExplainerError

    assert isinstance(lesson, Lesson)

    def write(folder: Path) -> list[Path]:
        try:
            text = handout(lesson)
        except ExplainerError as err:  # a broken fact: say which, as lessons --check would
            raise OSError(0, str(err)) from None
        path = folder / f"{lesson.id}.md"
        path.write_text(text, encoding="utf-8")
        return [path]

    save_into_folder(app, "the lesson as a Markdown handout", write)
