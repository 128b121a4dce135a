"""Nothing a user needs is cut or wrapped mid-word at 80×24, 120×40 and 200×60, nor after a resize (issue 17).

Read from what the compositor paints (``painted``): the footer's keys, the line that carries ▶ (with the
real objdump text of its instruction, whole), the stack row SP points at, and the labels the story turns
on (◀ SP, ◀ LR read here, ⚡ SP mid-frame, the release box, the split view's sides).
"""

from __future__ import annotations

import re

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from explainer.engine.experiments.scenario import parse
from explainer.talk import script
from explainer.ui.app import ExplainerApp
from explainer.ui.presenter import PresenterApp
from explainer.ui.screens.lab import LabScreen
from explainer.ui.screens.present import PresentScreen
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.stack import StackPanel
from explainer.ui.widgets.unwind import UnwindPanel

from .painted import inside, region, screen, settle
from .test_drawn import OBJDUMP, arrow_line, arrow_pc
from .truth import ROOT, listing, rsp_writes

TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"
SIZES = [(80, 24), (120, 40), (200, 60)]
_ids = [f"{w}x{h}" for w, h in SIZES]
#: What the lab's footer must always show: step, back, the two jumps, help and quit.
ESSENTIAL = ("step", "back", "run_to('epilogue')", "run_to('sp2')", "help", "quit")
MARKS = ("◀ SP", "◀ FP", "◀ LR read here", "◀ real LR")


def footer_keys(app: App[object]) -> list[str]:
    """'key description' of every key the footer shows, as the user reads it."""
    return [f"{k.key_display} {k.description}".strip() for k in app.screen.query_one(Footer).query(FooterKey)]


def check_footer(app: App[object], essential: tuple[str, ...] = ()) -> None:
    """Every key the footer shows is painted whole on the last line; the essential actions are among them."""
    last = screen(app)[-1]
    for key in footer_keys(app):
        assert key in last, f"footer key {key!r} is cut: {last!r}"
    actions = {k.action for k in app.screen.query_one(Footer).query(FooterKey)}
    missing = [a for a in essential if a not in actions and f"app.{a}" not in actions]
    assert not missing, f"the footer lacks {missing}: {last!r}"


def check_arrow(lines: list[str], name: str) -> int:
    """▶ is in view, on a line that shows its instruction's real objdump text whole; returns its PC."""
    pc = arrow_pc(lines, name)
    text = next(t for p, _, t in listing(name) if p == pc)
    assert text in arrow_line(lines), f"{text!r} is cut on the ▶ line: {arrow_line(lines)!r}"
    return pc


_LISTED = re.compile(r"\+0x([0-9a-f]{4})(?: [0-9a-f]{8})? [ ✗↺] (.*?)(?:  +[\w.]*:\d+)?\s*[│▁▂▃▄▅▆▇█]?\s*$")
"""An instruction's line: its offset, its text, then maybe its source position (file:line or :line)."""


def check_listing(lines: list[str], name: str) -> None:
    """Every instruction painted shows its real objdump text whole, or a cut that says so (ends in …)."""
    entry = listing(name)[0][0]
    text_at = {pc: text for pc, _, text in listing(name)}
    for line in lines:
        found = _LISTED.search(line)
        if not found:
            continue
        real = text_at[entry + int(found.group(1), 16)]
        shown = found.group(2)
        assert shown == real or (shown.endswith("…") and real.startswith(shown[:-1])), \
            f"{real!r} is cut without saying so: {line!r}"


def check_stack(lines: list[str]) -> None:
    """The SP row is in view; every mark is whole; no row is wrapped inside a bracket or parenthesis."""
    assert any("◀ SP" in line for line in lines), "no SP row in view:\n" + "\n".join(lines)
    for line in lines:
        for found in re.finditer("◀", line):
            assert any(line.startswith(m, found.start()) for m in MARKS), f"cut mark: {line!r}"
        for open_, close in ("()", "[]"):
            assert line.count(open_) == line.count(close), f"a label is wrapped: {line!r}"


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_lab_at_the_two_adds_is_whole(size: tuple[int, int]) -> None:
    name = OBJDUMP["go1.23.4/65584"]
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("w")
        await settle(pilot)
        check_footer(app, ESSENTIAL)
        assert re.search(r"step 12,576(\s|$)", screen(app)[0]), screen(app)[0]
        disasm = inside(app, app.screen.query_one(DisassemblyPanel))
        assert check_arrow(disasm, name) == rsp_writes(name)[-1]
        assert any("⚡ SP mid-frame" in line for line in disasm), "\n".join(disasm)
        assert any("release the frame: 2 writes to RSP" in line for line in disasm), "\n".join(disasm)
        check_stack(inside(app, app.screen.query_one(StackPanel)))
        await pilot.press("g")
        await settle(pilot)
        check_footer(app, ESSENTIAL)
        check_arrow(inside(app, app.screen.query_one(DisassemblyPanel)), name)
        stack = inside(app, app.screen.query_one(StackPanel))
        check_stack(stack)
        assert any("◀ LR read here" in line for line in stack), "\n".join(stack)
        unwind = inside(app, app.screen.query_one(UnwindPanel))
        assert any("the runtime crashed" in line for line in unwind), "\n".join(unwind)


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_split_view_is_whole(size: tuple[int, int]) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("v", "w", "g")
        await settle(pilot)
        check_footer(app, ESSENTIAL)
        painted = screen(app)
        for pane in app.screen.query(LabPane):
            name = OBJDUMP[str(pane.scenario)]
            assert any(pane.label in line for line in painted), f"{pane.label!r} is cut"
            disasm = inside(app, pane.query_one(DisassemblyPanel))
            check_arrow(disasm, name)
            box = next(line for line in disasm if "┌" in line)
            assert re.search(r"┌ release the frame: .*RSP(\s|$)", box), f"the box's title is cut: {box!r}"
            check_stack(inside(app, pane.query_one(StackPanel)))


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_sweep_is_whole(size: tuple[int, int]) -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await settle(pilot)
        check_footer(app, ("back",))
        painted = screen(app)
        assert any("1 unsafe instruction out of" in line and line.rstrip().endswith("1 instruction")
                   for line in painted), "\n".join(painted)
        second = rsp_writes(OBJDUMP["go1.23.4/65584"])[-1]
        text = next(t for p, _, t in listing(OBJDUMP["go1.23.4/65584"]) if p == second)
        row = next((line for line in painted if text in line and "UNSAFE" in line), None)
        assert row is not None, "\n".join(painted)
        # the runtime's words whole: in the row, or (a narrow table) in the line under the table
        words = "traceback did not unwind completely"
        assert f"UNSAFE → {words}" in row or ("UNSAFE →" not in row and any(
            f"fatal error: {words}" in line for line in painted)), "\n".join(painted)


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_presenters_key_beats_are_whole(size: tuple[int, int]) -> None:
    name = OBJDUMP["go1.23.4/65584"]
    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right")  # Between the two ADDs: disassembly and stack
        await settle(pilot)
        s = app.screen
        assert isinstance(s, PresentScreen)
        assert "step 12,576" in screen(app)[0] and "Between the two ADDs" in screen(app)[0]
        assert check_arrow(inside(app, s.query_one(DisassemblyPanel)), name) == rsp_writes(name)[-1]
        check_stack(inside(app, s.query_one(StackPanel)))
        await pilot.press(*["right"] * 6)  # Side by side: before and after the fix
        await settle(pilot)
        for disasm in s.query(DisassemblyPanel):
            lines = inside(app, disasm)
            assert "▶" in "".join(lines), "\n".join(lines)
        if size[0] > 80:
            return
        await pilot.press("home")
        for index, beat in enumerate(s.talk.beats):  # at 80 columns, every beat's title and step, whole
            if index:
                await pilot.press("right")
            await settle(pilot)
            title = " ".join(line.strip() for line in region(app, s.query_one("#title")))
            assert beat.title in title, (beat.title, title)
            step = f"step {s.stage.sides[0].session.current.snapshot.step:,}" if s.stage else ""
            assert step in "".join(region(app, s.query_one("#scenario")))


# --- after a resize, the ▶ line and the SP row are in view ---

async def _resized(app: App[object], pilot: Pilot[object], sizes: list[tuple[int, int]]) -> None:
    for size in sizes:
        await pilot.resize_terminal(*size)
        await settle(pilot)


@pytest.mark.parametrize("start", [(120, 40), (200, 60)], ids=["120x40", "200x60"])
async def test_the_presenter_keeps_the_cursor_and_sp_in_view_when_shrunk(start: tuple[int, int]) -> None:
    name = OBJDUMP["go1.23.4/65584"]
    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=start) as pilot:
        await pilot.press("right", "right")
        await settle(pilot)
        await _resized(app, pilot, [(80, 24)])
        s = app.screen
        assert check_arrow(inside(app, s.query_one(DisassemblyPanel)), name) == rsp_writes(name)[-1]
        check_stack(inside(app, s.query_one(StackPanel)))
        await _resized(app, pilot, [start])
        assert check_arrow(inside(app, s.query_one(DisassemblyPanel)), name) == rsp_writes(name)[-1]
        check_stack(inside(app, s.query_one(StackPanel)))


async def test_the_lab_keeps_the_cursor_and_sp_in_view_when_resized() -> None:
    name = OBJDUMP["go1.23.4/65584"]
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("w")
        for size in [(80, 24), (120, 40), (80, 24), (200, 60)]:
            await _resized(app, pilot, [size])
            assert isinstance(app.screen, LabScreen)
            assert check_arrow(inside(app, app.screen.query_one(DisassemblyPanel)), name) \
                == rsp_writes(name)[-1], size
            check_stack(inside(app, app.screen.query_one(StackPanel)))
            check_footer(app, ESSENTIAL)
        await pilot.press("v")
        for size in [(80, 24), (200, 60)]:
            await _resized(app, pilot, [size])
            for pane in app.screen.query(LabPane):
                check_arrow(inside(app, pane.query_one(DisassemblyPanel)), OBJDUMP[str(pane.scenario)])
                check_stack(inside(app, pane.query_one(StackPanel)))



async def test_keys_the_footer_leaves_out_are_in_help_and_the_palette() -> None:
    from textual.binding import Binding

    from explainer.ui.screens.help import HelpScreen, key_label

    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lab = app.screen
        shown = {k.action for k in lab.query_one(Footer).query(FooterKey)}
        left_out = [b for b in LabScreen.BINDINGS if isinstance(b, Binding) and b.action not in shown]
        assert len(left_out) > 5  # 80 columns cannot hold them all
        palette = {c.title for c in app.get_system_commands(lab)}
        for b in left_out:
            assert b.description[:1].upper() + b.description[1:] in palette, b.action
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        listed = {key for key, _ in app.screen.keys}
        assert all(key_label(b, app, lab) in listed for b in left_out)


# --- the registers panel's "changed:" line: the changed registers in view, in the panel's order ---

_REGS = ["RSP", *(f"R{n}" for n in range(31))]
_STORY = ("RSP", "R29", "R30", "R27", "R28")  # first in the panel, in this order; then R0, R1, ... R30


@pytest.mark.parametrize("size", SIZES, ids=_ids)
@pytest.mark.parametrize("key", ["e", "w"])
async def test_the_changed_line_names_the_changed_registers_in_view(size: tuple[int, int], key: str) -> None:
    from explainer.engine.experiments.session import Session
    from explainer.ui.widgets.registers import RegistersPanel

    truth = Session(parse("go1.23.4/65584"))  # the engine alone: values at the entry and after the jump
    entry = {r: truth.current.snapshot.reg(r) for r in _REGS}
    truth.run_to({"e": "epilogue", "w": "sp2"}[key])
    changed = {r for r in _REGS if truth.current.snapshot.reg(r) != entry[r]}
    assert {"RSP", "R2", "R17"} <= changed  # R2 and R17: sorted as text, R17 came first

    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await pilot.press(key)
        await settle(pilot)
        lines = inside(app, app.screen.query_one(RegistersPanel))
        first_cell = next(k for k, line in enumerate(lines) if line.lstrip().startswith("PC "))
        header, cells = " ".join(lines[:first_cell]), " ".join(lines[first_cell:])
        assert header.lstrip().startswith("changed:"), lines
        named = re.findall(r"\b(RSP|R\d+)\b", header)
        in_view = set(re.findall(r"\b(RSP|R\d+)\b", cells))
        assert set(named) == changed & in_view, (named, sorted(changed & in_view), lines)
        story = [n for n in named if n in _STORY]
        rest = [n for n in named if n not in _STORY]
        assert named == story + rest and story == [n for n in _STORY if n in story], named
        assert rest == sorted(rest, key=lambda n: int(n[1:])), named
        hidden = len(changed - in_view)
        said = re.search(r"\(\+(\d+) below\)", header)
        assert (int(said.group(1)) if said else 0) == hidden, lines
        for line in lines[:first_cell]:  # broken only between names: "(+N below)" stays whole
            assert line.count("(") == line.count(")"), f"wrapped inside a label: {lines[:first_cell]}"


# --- every screen a learner opens from the lab: whole at the three sizes ---

_FIELDS = ("Go release", "Preset", "Frame bytes", "Leaf", "Buffer", "Stack")


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_scenario_dialog_is_whole_with_its_error(size: tuple[int, int]) -> None:
    """o: every field's label, the Apply and Cancel buttons and the dialog's own bottom edge are painted,
    and still are once Apply has said what is wrong (at 80x24 Apply was cut to its top half)."""
    from textual.widgets import Input

    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("o")
        await settle(pilot)

        def check(with_error: str = "") -> None:
            painted = screen(app)
            for label in (*_FIELDS, "Apply", "Cancel"):
                assert any(label in line for line in painted), f"{label!r} is not painted:\n" + "\n".join(
                    painted)
            title = next(k for k, line in enumerate(painted) if "Scenario" in line)
            left = painted[title].rindex("│", 0, painted[title].index("Scenario"))
            top = max(k for k in range(title) if painted[k][left] == "╭")
            right = painted[top].index("╮", left)
            below = [line[left: right + 1] for line in painted[top + 1:]]
            buttons = next(k for k, line in enumerate(below) if "Apply" in line and "Cancel" in line)
            # the buttons whole (their bottom edge under them), then the dialog's own bottom edge
            assert any(re.fullmatch("╰─+╯", line) for line in below[buttons + 1:]), \
                "the dialog is cut:\n" + "\n".join(painted)
            said = " ".join(" ".join(line[1:-1].split()) for line in below[:buttons])
            assert with_error in said, said

        check()
        app.screen.query_one("#stack", Input).value = "0x0-0x20000"
        await pilot.click("#apply")
        await settle(pilot)
        check("bad stack 0x0-0x20000: it must start at or above 0x4000060000, above the model's g, m and p "
              "(goroutine stacks live in the heap arena)")


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_frame_size_table_is_whole(size: tuple[int, int]) -> None:
    """x, 2: each range's release plans are painted whole, each on one line (at 80 columns the column was
    cut mid-word: 'one ADD (imm12); one ADD (imm12<<12); MOVZ')."""
    from explainer.engine.experiments.sizesweep import size_ranges
    from explainer.ui.screens.sweep import PLAN_WORDS, SweepScreen

    sizes = [64, 4096, 4112, 65536, 65552, 65584, 129024, 131072]
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await app.push_screen(SweepScreen(parse("go1.23.4/65584"), sizes))
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await settle(pilot)
        sweep = app.screen
        assert isinstance(sweep, SweepScreen)
        ranges = size_ranges(sweep._by_size[sweep._key])
        assert any(len(r.plans) == 3 for r in ranges)  # the 64 - 65,536 B row: three plans
        table = inside(app, sweep.query_one("#edges"))
        for r in ranges:
            for plan in r.plans:
                assert any(PLAN_WORDS[plan] in line for line in table), \
                    f"{PLAN_WORDS[plan]!r} is cut:\n" + "\n".join(table)
        check_footer(app, ("back",))


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_every_instruction_painted_is_whole_or_says_it_is_cut(size: tuple[int, int]) -> None:
    """The morestack tail's CALL runtime.morestack_noctxt.abi0(SB) was cut to '...abi0(' at 120x40."""
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        for keys in (["e"], ["s", "s", "s"], ["w"], ["v"], ["w"], ["s"]):  # the second w: to main.main
            await pilot.press(*keys)
            await settle(pilot)
            for pane in app.screen.query(LabPane):
                lines = inside(app, pane.query_one(DisassemblyPanel))
                assert sum(bool(_LISTED.search(line)) for line in lines) >= 2, "\n".join(lines)
                check_listing(lines, OBJDUMP[str(pane.scenario)])


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_second_add_is_whole_in_arm_syntax(size: tuple[int, int]) -> None:
    """a w: the ▶ line shows the second ADD whole in ARM syntax. 0x914043ff decoded by hand (ADD immediate,
    64-bit: sf=1, sh=1, imm12=0x010, Rn=Rd=31): add sp, sp, #0x10, lsl #12 (at 80x24 it read 'lsl …')."""
    name = OBJDUMP["go1.23.4/65584"]
    assert next(w for p, w, _ in listing(name) if p == rsp_writes(name)[-1]) == "914043ff"
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("a", "w")
        await settle(pilot)
        line = arrow_line(inside(app, app.screen.query_one(DisassemblyPanel)))
        assert re.search(r"\+0x00c0 .*add sp, sp, #0x10, lsl #12(\s|$)", line), line


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_unwind_panel_never_breaks_an_instruction_or_a_parenthesis(size: tuple[int, int]) -> None:
    """w g, then the split view: the preempted instruction's real objdump text and each '(...)' stay on one
    painted line (at 80x24: 'ADD $(16<<12),' / 'RSP, RSP' and '(safe' / 'point)')."""
    name = OBJDUMP["go1.23.4/65584"]
    second = next(t for p, _, t in listing(name) if p == rsp_writes(name)[-1])
    fixed = OBJDUMP["go1.25.0/65584"]
    one_write = next(t for p, _, t in listing(fixed) if p == rsp_writes(fixed)[-1])
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        for keys, wanted in ((["w", "g"], [second]), (["v", "w", "g"], [second, one_write])):
            await pilot.press(*keys)
            await settle(pilot)
            for unwind, text in zip(app.screen.query(UnwindPanel), wanted, strict=True):
                lines = inside(app, unwind)
                at = next(k for k, line in enumerate(lines) if "SIGURG at" in line)
                assert text in lines[at] or text in lines[at + 1], f"{text!r} is broken:\n" + "\n".join(lines)
                for line in lines:
                    assert line.count("(") == line.count(")"), f"a parenthesis is broken: {line!r}"


@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_real_crash_log_is_painted_whole(size: tuple[int, int]) -> None:
    """The last beat's real log (assets/logs, recorded under qemu-aarch64): every line whose start is painted
    is painted whole, wrapped between words if need be (at 80x24 the frame lines ended at 'pc=0x814')."""
    from explainer.ui.widgets.crash_log import CrashLogPanel

    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=size) as pilot:
        await pilot.press("end")
        await settle(pilot)
        panel = app.screen.query_one(CrashLogPanel)
        name = re.search(r"[\w.-]+\.log", title_line := region(app, panel)[0])
        assert name, title_line
        real = [" ".join(line.split()) for line in (ROOT / "assets" / "logs" / name.group(0)).read_text()
                .splitlines() if line.strip()]
        painted = [" ".join(line.split()) for line in inside(app, panel)]
        text = " ".join(line for line in painted if line)
        # a line that starts on the panel's last row may go on below it (the panel scrolls)
        shown = [line for line in real if any(line.startswith(p) for p in painted[:-1] if len(p) >= 24)]
        assert len(shown) >= 3, "\n".join(painted)
        for line in shown:
            assert line in text, f"{line!r} is cut:\n" + "\n".join(inside(app, panel))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_newcomer_in_the_lab_sees_the_course_key(size: tuple[int, int]) -> None:
    # `explainer` with no arguments lands in the lab; the course is l: its footer must say so, whole,
    # beside the lab's own essentials and g (preempt, then the GC's scan: the lab's crash)
    from explainer.ui.screens.course import CourseScreen

    app = ExplainerApp()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        check_footer(app, (*ESSENTIAL, "course", "unwind('gc')"))
        assert "l course" in screen(app)[-1], screen(app)[-1]
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, CourseScreen)
        assert "split-epilogue explainer ─ course" in screen(app)[0]
