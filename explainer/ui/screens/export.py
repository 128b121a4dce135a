"""Saving what the app shows: ask for a folder, ask before replacing a file, write whole, say where.

The lab saves its screen (SVG) and its step (JSON); the course saves a lesson's
handout (Markdown). All three ask the same small question, starting from a
folder the app owns (``<Documents>/split-epilogue-explainer``, or
``$EXPLAINER_EXPORT_DIR``), never the current directory: started from
``lessons/``, one enter used to overwrite a lesson's own source. The answer is
remembered for the rest of the session. A file of the same name is replaced
only when the person says so, every file is written by
:func:`explainer.output.save.save` (whole or not at all, never through a
symbolic link), and whatever goes wrong is a notification, never a traceback.

In a browser (``explainer serve``) the files would land on the serving machine,
not the viewer's: saving is off there unless the server was started with
``--allow-export`` (the app's ``file_export`` is then True).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from ...course.progress import APP_NAME
from ...engine.errors import ExplainerError
from ...output.save import Exists, SaveError, exists, save
from .modal import OnceModal

#: Overrides the folder the save dialog starts from (tests point it at a temporary folder).
EXPORT_DIR_ENV = "EXPLAINER_EXPORT_DIR"
#: Set to 1 in the served lab's environment by ``serve --allow-export``: in a browser it may save files.
FILE_EXPORT_ENV = "EXPLAINER_WEB_FILE_EXPORT"


@dataclass(frozen=True)
class FileToSave:
    """One file of an export: its name in the chosen folder and its contents."""

    name: str
    text: str


#: Makes the files to save (called once the folder is chosen; may raise ExplainerError).
Producer = Callable[[], list[FileToSave]]


class FolderScreen(OnceModal[Path | None]):
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

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Save {self.what}"
            yield Static(f"Save {self.what} in this folder (created if missing):")
            yield Input(self.folder, id="folder")
            yield Static("enter saves (a file of the same name is replaced only if you agree) · esc cancels",
                         classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(Path(text).expanduser() if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def default_folder() -> Path:
    """Where saving starts: ``$EXPLAINER_EXPORT_DIR``, else the app's own folder in the user's documents."""
    override = os.environ.get(EXPORT_DIR_ENV)
    return Path(override) if override else platformdirs.user_documents_path() / APP_NAME


def remembered_folder(app: App[object]) -> str:
    """The folder last saved into in this session, else :func:`default_folder`."""
    return str(getattr(app, "export_folder", None) or default_folder())


def file_name(text: str) -> str:
    """``text`` as a plain file name: anything but letters, digits and ``._+-`` becomes ``_``."""
    name = re.sub(r"[^A-Za-z0-9._+-]", "_", text).lstrip(".")
    return name[:200] or "export"


def save_into_folder(app: App[object], what: str, produce: Producer, after_refresh: bool = False) -> None:
    """Ask for a folder, then make the files, ask before replacing any, and save them; notify either way.

    Args:
        app: The running app (it remembers the folder as ``export_folder``).
        what: What is saved, for the dialog and the notification ("the screen as SVG").
        produce: Makes the files (once the folder is chosen).
        after_refresh: Make them once the dialog has left the screen (a screenshot must not show it).
    """
    if not getattr(app, "file_export", True):
        app.notify("Saving files is off in the browser: they would be written on the machine serving the "
                   "lab, not yours. Start it with `explainer serve --allow-export` to allow it.",
                   title=f"Cannot save {what}", severity="warning", timeout=10)
        return

    def chosen(folder: Path | None) -> None:
        if folder is None:
            return
        app.export_folder = str(folder)  # type: ignore[attr-defined]
        if after_refresh:
            app.call_after_refresh(lambda: _produce(app, what, folder, produce))
        else:
            _produce(app, what, folder, produce)

    app.push_screen(FolderScreen(what, remembered_folder(app)), chosen)


def _produce(app: App[object], what: str, folder: Path, produce: Producer) -> None:
    try:
        files = [FileToSave(file_name(f.name), f.text) for f in produce()]
    except ExplainerError as err:  # a broken lesson fact: say which, as lessons --check would
        app.notify(str(err), title=f"Cannot save {what}", severity="error", timeout=10, markup=False)
        return
    taken = [f.name for f in files if exists(folder / f.name)]
    if not taken:
        _save(app, what, folder, files, replace=False)
        return
    from .choice import ChoiceScreen

    def answered(answer: str | None) -> None:
        if answer == "replace":
            _save(app, what, folder, files, replace=True)
        else:
            app.notify(f"Kept {', '.join(taken)} in {folder}; nothing saved.", title=f"Did not save {what}",
                       markup=False)

    names = ", ".join(taken)
    app.push_screen(ChoiceScreen(f"Replace {names}?", f"{folder} already has {names}. Replace "
                                 f"{'them' if len(taken) > 1 else 'it'} with {what}?",
                                 [("y", "replace", "replace")], escape="keep it; save nothing"), answered)


def _save(app: App[object], what: str, folder: Path, files: list[FileToSave], replace: bool) -> None:
    written: list[str] = []
    try:
        for f in files:
            written.append(str(save(folder / f.name, f.text, replace=replace, make_folder=True)))
    except Exists as err:  # appeared since the question
        app.notify(f"{err.path} appeared meanwhile; it is kept." + _also(written),
                   title=f"Cannot save {what}", severity="error", timeout=10, markup=False)
        return
    except SaveError as err:
        app.notify(f"{err.path}: {err.why}" + _also(written), title=f"Cannot save {what}",
                   severity="error", timeout=10, markup=False)
        return
    app.notify("\n".join(written), title=f"Saved {what}", timeout=8, markup=False)


def _also(written: list[str]) -> str:
    return f" Saved before it: {', '.join(written)}." if written else ""


def save_handout(app: App[object], lesson: object) -> None:
    """Ask for a folder and write the lesson there as a Markdown handout (``NN-slug.md``)."""
    from ...course.handout import handout
    from ...course.lesson import Lesson

    assert isinstance(lesson, Lesson)
    save_into_folder(app, "the lesson as a Markdown handout",
                     lambda: [FileToSave(f"{lesson.id}.md", handout(lesson))])
