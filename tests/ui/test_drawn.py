"""The lab at the two ADDs, read from what the compositor paints (issue 17).

Every check here reads the screen as drawn (``painted``), never a widget's attributes: the line that
carries ▶, the PC the registers panel shows, the panel titles, the timeline's caption. Truth is the real
``go tool objdump`` of the reproducers (../shared/reference/objdump): the entry of main.big_stack, the
word at each PC, and which instructions write RSP.
"""

from __future__ import annotations

import re

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Switch

from explainer.engine.experiments.scenario import parse
from explainer.engine.runtime.unwind import Trigger
from explainer.talk import script
from explainer.ui.app import ExplainerApp
from explainer.ui.presenter import PresenterApp
from explainer.ui.screens.present import PresentScreen
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.lab_pane import LabPane
from explainer.ui.widgets.registers import RegistersPanel
from explainer.ui.widgets.stack import StackPanel
from explainer.ui.widgets.timeline import Timeline
from explainer.ui.widgets.unwind import UnwindPanel

from .painted import inside, region, settle, title
from .truth import ROOT, listing, rsp_writes

TALK = ROOT / "assets" / "talks" / "split-epilogue.toml"
#: The real build of each scenario the tests open.
OBJDUMP = {"go1.23.4/65584": "fast_nonleaf-go1.23.4.txt", "go1.25.0/65584": "fast_nonleaf-go1.25.0.txt",
           "go1.23.4/65552/leaf": "fast_leaf-go1.23.4.txt", "go1.27.3/65552/leaf": "fast_leaf-go1.27.3.txt"}
_OFFSET = re.compile(r"▶.*?\+0x([0-9a-f]{4})\b")
_OUTSIDE = re.compile(r"▶ PC (0x[0-9a-f]+) is in")
_PC = re.compile(r"\bPC\s+(0x[0-9a-f]+)")


def arrow_line(lines: list[str]) -> str:
    """The one painted line that carries ▶."""
    found = [line for line in lines if "▶" in line]
    assert len(found) == 1, f"{len(found)} lines carry ▶:\n" + "\n".join(lines)
    return found[0]


def arrow_pc(lines: list[str], name: str) -> int:
    """The PC of the painted ▶ line: the real entry plus the offset it shows (or the PC it names)."""
    line = arrow_line(lines)
    outside = _OUTSIDE.search(line)
    if outside:
        return int(outside.group(1), 16)
    found = _OFFSET.search(line)
    assert found, line
    pc = listing(name)[0][0] + int(found.group(1), 16)
    word = next(w for p, w, _ in listing(name) if p == pc)
    shown = re.search(r"\+0x[0-9a-f]{4} ([0-9a-f]{8}) ", line)  # a narrow panel leaves the words out
    assert shown is None or shown.group(1) == word, f"{line!r} does not show the real word {word} at {pc:#x}"
    return pc


def shown_pc(lines: list[str]) -> int:
    """The PC the registers panel paints."""
    found = [m for line in lines for m in _PC.findall(line)]
    assert len(found) == 1, "\n".join(lines)
    return int(found[0], 16)


async def check_lab_cursor(app: ExplainerApp, pilot: Pilot[object], after: str) -> None:
    await settle(pilot)
    for pane in app.screen.query(LabPane):
        name = OBJDUMP[str(pane.scenario)]
        drawn = arrow_pc(inside(app, pane.query_one(DisassemblyPanel)), name)
        regs = shown_pc(region(app, pane.query_one(RegistersPanel)))  # a brief panel has no border
        assert drawn == regs, f"after {after}: ▶ is drawn at {drawn:#x}, the registers say PC {regs:#x}"


# --- ▶ follows the PC ---

#: Each move, from a listing scrolled to the epilogue and painted whole (``a a`` lays it out again), a line
#: or two on: a move that repaints the wrong lines leaves ▶ behind on what the user sees. Stops on the
#: timeline are the steps recorded so far (entry, 12,573 = the body's last line, 12,574 = the LDP, ...).
MOVES: dict[str, tuple[str, list[str], list[str]]] = {
    "e": ("go1.23.4/65584", ["w", "b", "b", "b"], ["e"]),  # the body's last line → the LDP
    "w": ("go1.25.0/65584", ["e"], ["w"]),  # the LDP → ADD R27 (the fix: one write, no ⚡ line comes)
    "s": ("go1.23.4/65584", ["w", "b", "b", "b"], ["s"]),
    "b": ("go1.23.4/65584", ["w", "b", "b", "b"], ["b"]),
    ",": ("go1.23.4/65584", ["w", "b", "b", "b", "s", "s"], ["comma"]),  # the first ADD → the LDP
    ".": ("go1.23.4/65584", ["w", "b", "b", "b"], ["full_stop"]),
    "<": ("go1.23.4/65584", ["e", "p", "s"], ["less_than_sign"]),  # back to the LDP, preempted there
    ">": ("go1.23.4/65584", ["e", "p", "b"], ["greater_than_sign"]),
    "click": ("go1.23.4/65584", ["e", "p", "s"], []),  # a click on the LDP's stop (the second)
}


@pytest.mark.parametrize("move", list(MOVES))
async def test_the_arrow_follows_the_pc_after_each_move(move: str) -> None:
    scenario, setup, keys = MOVES[move]
    app = ExplainerApp(parse(scenario))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*setup, "a", "a")
        await check_lab_cursor(app, pilot, " ".join(setup))
        before = shown_pc(region(app, app.screen.query_one(RegistersPanel)))
        if move == "click":
            await pilot.click(Timeline, offset=(1 + app.screen.query_one(Timeline).column_of(1), 0))
        else:
            await pilot.press(*keys)
        await check_lab_cursor(app, pilot, move)
        assert shown_pc(region(app, app.screen.query_one(RegistersPanel))) != before, f"{move} did not move"


async def test_the_arrow_follows_the_pc_on_a_long_walk() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        for keys in (["e"], ["s"], ["s"], ["s"], ["w"], ["s"], ["b"], ["b"], ["comma"], ["full_stop"],
                     ["less_than_sign"], ["greater_than_sign"], ["0"], ["e"], ["w"], ["s", "s"]):
            await pilot.press(*keys)
            await check_lab_cursor(app, pilot, " ".join(keys))
        timeline = app.screen.query_one(Timeline)
        for index in (1, 0, timeline.stops - 2):  # a click on a stop jumps to it
            await pilot.click(Timeline, offset=(1 + timeline.column_of(index), 0))
            await check_lab_cursor(app, pilot, f"a click on stop {index}")


async def test_the_arrow_follows_the_pc_after_a_scenario_change() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        # o: the leaf reproducer, then on to its epilogue; its real build is what ▶'s line must show
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#leaf", Switch).value = True
        app.screen.query_one("#size", Input).value = "65552"
        await pilot.click("#apply")
        await check_lab_cursor(app, pilot, "a scenario change")
        painted = "".join(region(app, app.screen.query_one("#title")))
        assert "frame 65,552 B · leaf · step 0" in painted, painted
        for keys in (["e"], ["s"], ["w"], ["s"], ["b"], ["comma"]):
            await pilot.press(*keys)
            await check_lab_cursor(app, pilot, " ".join(keys) + " on the leaf")


async def test_the_arrow_follows_the_pc_on_both_sides_of_the_split_view() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("v")
        for keys in (["e"], ["s"], ["s"], ["w"], ["s"], ["b"], ["comma"], ["full_stop"],
                     ["greater_than_sign"]):
            await pilot.press(*keys)
            await check_lab_cursor(app, pilot, "v " + " ".join(keys))


async def test_the_arrow_follows_the_presenters_off_script_steps_at_the_key_beat() -> None:
    name = OBJDUMP["go1.23.4/65584"]
    rows = [pc for pc, _, _ in listing(name)]
    first, second = rsp_writes(name)
    ret = rows[rows.index(second) + 1]
    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=(120, 40)) as pilot:

        async def drawn() -> int:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, PresentScreen)
            return arrow_pc(inside(app, screen.query_one(DisassemblyPanel)), name)

        await pilot.press("right", "right")  # onto "Between the two ADDs"
        assert await drawn() == second
        ldp = rows[rows.index(first) - 1]
        before_ldp = rows[rows.index(ldp) - 1]
        for key, want in (("right_square_bracket", ret), ("left_square_bracket", second),
                          ("left_square_bracket", first), ("left_square_bracket", ldp),
                          ("left_square_bracket", before_ldp), ("right_square_bracket", ldp),
                          ("right_square_bracket", first), ("right_square_bracket", second),
                          ("right_square_bracket", ret)):
            await pilot.press(key)
            assert await drawn() == want, key
        await pilot.press("right")  # off the beat, onto SIGURG at the same PC
        assert await drawn() == second
        await pilot.press("left", "right_square_bracket")  # back onto it, then off script again
        assert await drawn() == ret
        await pilot.press("left")  # the epilogue beat (at the LDP): disassembly and registers
        screen = app.screen
        for want in (first, second, ret):
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert arrow_pc(inside(app, screen.query_one(DisassemblyPanel)), name) \
                == shown_pc(region(app, screen.query_one(RegistersPanel))) == want


# --- ⚡ SP mid-frame: only where SP differs from what pcsp says ---

async def test_mid_frame_is_drawn_only_between_the_two_writes_to_rsp() -> None:
    for scenario in ("go1.23.4/65584", "go1.27.3/65552/leaf"):
        name = OBJDUMP[scenario]
        app = ExplainerApp(parse(scenario))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("w")
            await settle(pilot)
            lines = inside(app, app.screen.query_one(DisassemblyPanel))
            assert arrow_pc(lines, name) == rsp_writes(name)[-1]
            at = lines.index(arrow_line(lines))
            assert "⚡ SP mid-frame" in "".join(lines[at: at + 2]), "\n".join(lines)
            for keys in (["s"], ["b", "b"], ["0"]):  # the RET, the first ADD, the entry
                await pilot.press(*keys)
                await settle(pilot)
                assert "⚡" not in "".join(inside(app, app.screen.query_one(DisassemblyPanel))), keys


async def test_mid_frame_is_never_drawn_on_the_fixed_release_or_after_it() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("v", "w")
        await settle(pilot)
        left, right = (inside(app, p.query_one(DisassemblyPanel)) for p in app.screen.query(LabPane))
        assert "⚡ SP mid-frame" in "".join(left)
        assert "⚡" not in "".join(right)  # go1.25.0: one write to RSP, SP is never mid-frame
        await pilot.press("s")  # both at RET: the frame is released on both sides
        await settle(pilot)
        for pane in app.screen.query(LabPane):
            assert "⚡" not in "".join(inside(app, pane.query_one(DisassemblyPanel)))


# --- every panel describes the current moment only ---

async def test_a_preemption_after_a_stack_copy_takes_the_copys_title_away() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "c")
        await settle(pilot)
        unwind = app.screen.query_one(UnwindPanel)
        assert f"Unwind: {Trigger.COPY.label}" in title(app, unwind)
        await pilot.press("p")
        await settle(pilot)
        assert Trigger.COPY.label not in title(app, unwind) and "Unwind" not in title(app, unwind)
        assert "preempted" in "".join(inside(app, unwind))


async def test_the_panic_walks_title_has_no_stray_colon() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "n")
        await settle(pilot)
        drawn = title(app, app.screen.query_one(UnwindPanel))
        assert f"Unwind: {Trigger.PANIC.label}" in drawn
        assert not re.search(r"[:;,] *─", drawn), drawn


async def test_timeline_and_unwind_panel_agree_after_returning_to_a_preempted_step() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        for keys in (["w", "g"], ["0"], ["w"], ["s"], ["b"], ["comma"], ["full_stop"]):
            await pilot.press(*keys)
            await settle(pilot)
            caption = region(app, app.screen.query_one(Timeline))[1]
            unwind = "".join(inside(app, app.screen.query_one(UnwindPanel)))
            said_preempted = "◆ preempted" in caption
            assert said_preempted != ("Not preempted" in unwind), (keys, caption, unwind)


async def test_the_stack_panel_says_nothing_of_an_unwind_the_cursor_left() -> None:
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "g")
        await settle(pilot)
        stack = app.screen.query_one(StackPanel)
        assert "LR read" in "".join(region(app, stack))
        await pilot.press("s")
        await settle(pilot)
        assert "LR read" not in "".join(region(app, stack))


async def test_the_presenters_caption_never_states_a_moment_the_panels_left() -> None:
    """The key beat's caption names SP ("SP = 0x40000bdf20"); after an off-script step it is said to be the
    beat's, with the step the panels now show; back on the beat's step it is the beat's words again."""
    app = PresenterApp(script.load(TALK))
    async with app.run_test(size=(120, 40)) as pilot:

        async def painted() -> tuple[str, int, int]:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, PresentScreen)
            caption = " ".join(line.strip() for line in inside(app, screen.query_one("#caption")))
            sp_row = next(line for line in inside(app, screen.query_one(StackPanel)) if "◀ SP" in line)
            step = int(re.search(r"step ([\d,]+)", "".join(region(app, screen.query_one("#scenario"))))
                       .group(1).replace(",", ""))
            return caption, int(re.search(r"0x[0-9a-f]+", sp_row).group(0), 16), step

        await pilot.press("right", "right")  # Between the two ADDs
        caption, sp, step = await painted()
        said = re.search(r"SP = (0x[0-9a-f]+)", caption)
        assert said and int(said.group(1), 16) == sp and "Off script" not in caption, caption
        for key in ("right_square_bracket", "right_square_bracket", "left_square_bracket"):
            await pilot.press(key)
            caption, sp, now = await painted()
            assert f"Off script: step {now:,}. The beat's words, for step {step:,}" in caption, caption
        await pilot.press("left_square_bracket")  # back on the beat's own step
        caption, sp, now = await painted()
        assert now == step and "Off script" not in caption and f"SP = {sp:#x}" in caption, caption
