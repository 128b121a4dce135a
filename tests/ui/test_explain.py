"""Select an instruction, read its explanation as drawn; the Go source beside the machine code (issue 30).

Truth, independent of the app: the real ``go tool objdump`` of each reproducer (../shared/reference:
the word, the Go text and the file:line column, ``main.go:18`` for the shipped ``fast_nonleaf.go``),
the real ``-gcflags=-S`` PCDATA $0 (UnsafePoint) of the same build (tests/data/realgo/gcflags-S), the
shipped Go file's own lines, and the Arm ARM's field layouts, read off the real words here with plain
shifts and masks (the manual's diagrams, C4.1), never through the app's decoder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.app import App

from explainer.engine.experiments.scenario import parse
from explainer.ui.app import ExplainerApp
from explainer.ui.screens.lab import LabScreen
from explainer.ui.widgets.disassembly import DisassemblyPanel
from explainer.ui.widgets.explain import ExplainPanel
from explainer.ui.widgets.source import SourcePanel

from ..binary.truth import read_gcflags_s
from .painted import inside, region, screen, settle
from .test_layout import SIZES, _ids, check_arrow, check_footer, check_stack
from .truth import REF, listing

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "explainer" / "realgo" / "src"


def _column(name: str, pc: int) -> str:
    """The real objdump's file:line column at ``pc`` (``main.go:18``)."""
    for line in (REF / "objdump" / name).read_text().splitlines():
        cols = [c.strip() for c in line.split("\t") if c.strip()]
        if len(cols) >= 4 and cols[1] == f"{pc:#x}":
            return cols[0]
    raise LookupError(pc)


def _real(name: str, text: str, nth: int = 0) -> tuple[int, int, str]:
    """(offset from the entry, word, file:line as the shipped file) of the nth instruction ``text``."""
    rows = listing(name)
    pcs = [(pc, word) for pc, word, t in rows if t == text]
    pc, word = pcs[nth]
    program = name.split("-")[0]
    return pc - rows[0][0], int(word, 16), _column(name, pc).replace("main.go", f"{program}.go")


def _unsafe_point(program: str, go: str, off: int) -> int:
    """PCDATA $0 at ``off`` in the real -gcflags=-S of the same build (-S lists each Prog at its first
    byte: an instruction inside a two-word Prog takes its Prog's value)."""
    points = read_gcflags_s(program, go).unsafe_points
    return points[max(k for k in points if k <= off)]


def drawn(app: App[object]) -> str:
    """The explanation panel as painted (inside its border), its lines joined by one space (a sentence
    the panel wrapped reads whole), runs of spaces squeezed."""
    panel = app.screen.query_one(ExplainPanel)
    assert panel.display, "no explanation on screen"
    return re.sub(r" +", " ", " ".join(line.strip() for line in inside(app, panel)))


def _field(text: str, name: str, span: str, value: str) -> None:
    """The field's row as drawn: name, bit span, value (what the manual's layout gives)."""
    assert re.search(rf"(^| ){re.escape(name)} {re.escape(span)} {re.escape(value)}( |$)", text), \
        f"no row {name} {span} {value} in:\n{text}"


async def _selected(pilot: object, app: ExplainerApp) -> int:
    panes = app.screen.query(DisassemblyPanel)
    return panes.first().selected  # type: ignore[return-value]


# --- the two ADDs of the split release (go1.23.4, fast_nonleaf.go, 65,584 bytes) ---

async def test_the_two_adds_selected_by_keys_are_explained_as_drawn() -> None:
    name = "fast_nonleaf-go1.23.4.txt"
    first_off, first_word, first_at = _real(name, "ADD $48, RSP, RSP")
    second_off, second_word, second_at = _real(name, "ADD $(16<<12), RSP, RSP")
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "up")  # ▶ at the second ADD; ↑ selects the one before it
        await settle(pilot)
        text = drawn(app)
        assert f"+{first_off:#06x} ADD $48, RSP, RSP {first_at}" in text
        assert first_at == "fast_nonleaf.go:18"
        assert "does: RSP ← RSP + 48" in text
        assert _unsafe_point("fast_nonleaf", "1.23.4", first_off) == -1
        assert "UnsafePoint -1 (safe) ✓ safe point" in text
        # ADD (immediate), 64-bit: sf op S 100010 sh imm12 Rn Rd (Arm ARM C4.1, data processing immediate)
        assert f"encoding {first_word:08x} Add/subtract (immediate)" in text
        _field(text, "sf", "31", str(first_word >> 31))
        _field(text, "sh", "22", str(first_word >> 22 & 1))
        _field(text, "imm12", "21..10", str(first_word >> 10 & 0xFFF))
        _field(text, "Rn", "9..5", f"{first_word >> 5 & 31} RSP (SP)")
        _field(text, "Rd", "4..0", f"{first_word & 31} RSP (SP)")
        await pilot.press("down")  # on to the second ADD, the one under ▶
        await settle(pilot)
        text = drawn(app)
        assert f"+{second_off:#06x} ADD $(16<<12), RSP, RSP {second_at}" in text
        assert "does: RSP ← RSP + 65,536" in text
        assert second_word >> 22 & 1 == 1 and second_word >> 10 & 0xFFF == 16
        _field(text, "sh", "22", "1 imm12 << 12")
        _field(text, "imm12", "21..10", "16 65,536")
        # under ▶: the register it reads, with its value now (SP 48 bytes into the dying frame)
        sp = app.screen.query_one(DisassemblyPanel).state.moment.snapshot.sp  # type: ignore[union-attr]
        assert f"now: RSP = {sp:#x}" in text
        assert "UnsafePoint -1 (safe) ✓ safe point" in text  # the race: the runtime may stop here


async def test_the_first_add_selected_by_a_click() -> None:
    name = "fast_nonleaf-go1.23.4.txt"
    off, word, at = _real(name, "ADD $48, RSP, RSP")
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("w")
        await settle(pilot)
        disasm = app.screen.query_one(DisassemblyPanel)
        painted = screen(app)
        y = next(k for k, line in enumerate(painted)
                 if f"+{off:#06x}" in line and "ADD $48, RSP, RSP" in line)
        x = painted[y].index("ADD $48, RSP, RSP")
        assert disasm.region.contains(x, y)
        await pilot.click(offset=(x, y))
        await settle(pilot)
        assert disasm.selected == disasm.state.function.entry + off  # type: ignore[union-attr]
        line = next(ln for ln in inside(app, disasm) if "ADD $48, RSP, RSP" in ln)
        assert line.startswith("›"), line  # the selection is drawn
        text = drawn(app)
        assert f"+{off:#06x} ADD $48, RSP, RSP {at}" in text and f"encoding {word:08x}" in text
        # the source pane (shown at 200 columns) marks the selected instruction's line, › and ▶ both
        # on line 18 here: the whole epilogue is the return statement's
        src = inside(app, app.screen.query_one(SourcePanel))
        line18 = next(ln for ln in src if re.match(r"[▶›] *18 ", ln))
        assert "return sum + sink(big_buffer[:])" in line18
        await pilot.press("escape")
        await settle(pilot)
        assert disasm.selected is None


# --- the fix's ADD R27, RSP, RSP (go1.25.0) and the stack check's R27 load ---

async def test_the_fixs_add_r27_is_explained_as_refused_for_naming_r27() -> None:
    name = "fast_nonleaf-go1.25.0.txt"
    off, word, at = _real(name, "ADD R27, RSP, RSP")
    app = ExplainerApp(parse("go1.25.0/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w", "enter")  # ▶ at the one write to RSP; enter explains it
        await settle(pilot)
        text = drawn(app)
        assert f"+{off:#06x} ADD R27, RSP, RSP {at}" in text and at == "fast_nonleaf.go:18"
        assert "does: RSP ← RSP + R27" in text
        assert _unsafe_point("fast_nonleaf", "1.25.0", off) == -2
        assert "UnsafePoint -2 (unsafe) ✗ not preemptible: names R27 explicitly" in text
        # ADD (extended register): sf op S 01011 00 1 Rm option imm3 Rn Rd; option 011 is UXTX
        assert f"encoding {word:08x} Add/subtract (extended register)" in text
        _field(text, "Rm", "20..16", f"{word >> 16 & 31} R27 (REGTMP)")
        _field(text, "option", "15..13", f"{word >> 13 & 7:03b} UXTX")
        _field(text, "Rn", "9..5", f"{word >> 5 & 31} RSP (SP)")
        _field(text, "Rd", "4..0", f"{word & 31} RSP (SP)")


@pytest.mark.parametrize("scenario, name, go", [("go1.23.4/65584", "fast_nonleaf-go1.23.4.txt", "1.23.4"),
                                                 ("go1.25.0/65584", "fast_nonleaf-go1.25.0.txt", "1.25.0")])
async def test_the_stack_checks_r27_load_is_refused_as_part_of_the_check(scenario: str, name: str,
                                                                         go: str) -> None:
    off, word, at = _real(name, "MOVD $65456, R27")
    app = ExplainerApp(parse(scenario))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down")  # at the entry: ↓ selects the instruction after ▶'s
        await settle(pilot)
        text = drawn(app)
        assert f"+{off:#06x} MOVD $65456, R27" in text and at == "fast_nonleaf.go:9"
        assert at in text
        assert _unsafe_point("fast_nonleaf", go, off) == -2
        # unsafe because the whole check is one unsafe point, not for its R27 (the assembler put it in)
        assert "UnsafePoint -2 (unsafe) ✗ not preemptible: the stack check is one unsafe point" in text
        # MOVZ: sf opc=10 100101 hw imm16 Rd
        assert f"encoding {word:08x} Move wide (immediate)" in text
        _field(text, "opc", "30..29", f"{word >> 29 & 3:02b} MOVZ")
        _field(text, "imm16", "20..5", f"{word >> 5 & 0xFFFF} {word >> 5 & 0xFFFF:#x}")
        _field(text, "Rd", "4..0", f"{word & 31} R27 (REGTMP)")
        assert "R27 ← 0xffb0 (65,456)" in text


async def test_a_restartable_instruction_says_where_it_backs_up_to() -> None:
    name = "fast_nonleaf-go1.23.4.txt"
    start, _, _ = _real(name, "ADD $(16<<12), RSP, R27")
    off, _, _ = _real(name, "MOVD R2, 32(R27)")
    assert [_unsafe_point("fast_nonleaf", "1.23.4", o) for o in (start, off)] == [-3, -3]
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("e")
        await settle(pilot)
        disasm = app.screen.query_one(DisassemblyPanel)
        entry = disasm.state.function.entry  # type: ignore[union-attr]
        disasm.post_message(DisassemblyPanel.Selected(entry + off))
        await settle(pilot)
        text = drawn(app)
        assert "UnsafePoint -3 (restartable) ↺ restartable" in text
        assert f"resumes at its start, +{start:#06x} ADD $(16<<12), RSP, R27" in text


# --- the source pane ---

async def test_the_source_follows_the_pc_on_the_real_objdumps_line() -> None:
    """Shown by default at 200 columns; ▶ on the line objdump gives the PC's instruction; u hides it."""
    name = "fast_nonleaf-go1.23.4.txt"
    shipped = (SHIPPED / "fast_nonleaf.go").read_text().splitlines()
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        source = app.screen.query_one(SourcePanel)
        for keys in ([], ["s"] * 12, ["s"] * 8, ["e"], ["w"]):
            await pilot.press(*keys)
            await settle(pilot)
            pc = app.screen.query_one(DisassemblyPanel).state.moment.snapshot.pc  # type: ignore[union-attr]
            line = int(_column(name, pc).split(":")[1])
            marked = [ln for ln in inside(app, source) if ln.startswith("▶")]
            assert len(marked) == 1 and marked[0].startswith(f"▶{line:>3} ")
            assert shipped[line - 1].strip() in marked[0]
        assert "Source: fast_nonleaf.go" in region(app, source)[0]
        await pilot.press("u")
        await settle(pilot)
        assert not source.display
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        source = app.screen.query_one(SourcePanel)
        assert not source.display  # narrower: off until asked for
        await pilot.press("u", "w")
        await settle(pilot)
        assert source.display
        assert any(ln.startswith("▶ 18 ") for ln in inside(app, source))


async def test_the_disassembly_carries_objdumps_file_and_line_column() -> None:
    """At 200 columns every instruction's line ends in its file:line, as the real objdump's column."""
    name = "fast_nonleaf-go1.23.4.txt"
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("w")
        await settle(pilot)
        disasm = app.screen.query_one(DisassemblyPanel)
        entry = listing(name)[0][0]
        shown = 0
        for line in inside(app, disasm):
            m = re.search(r"\+0x([0-9a-f]{4}) .*?(\S+\.go:\d+)\s*$", line)
            if m:
                pc = entry + int(m.group(1), 16)
                assert m.group(2) == _column(name, pc).replace("main.go", "fast_nonleaf.go"), line
                shown += 1
        assert shown > 20


# --- whole at every size, with the source and an explanation on screen ---

@pytest.mark.parametrize("size", SIZES, ids=_ids)
async def test_the_lab_with_source_and_explanation_is_whole(size: tuple[int, int]) -> None:
    name = "fast_nonleaf-go1.23.4.txt"
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("w")
        if not app.screen.query_one(SourcePanel).display:
            await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, LabScreen)
        check_footer(app, ("step", "back", "run_to('epilogue')", "run_to('sp2')", "help", "quit"))
        check_arrow(inside(app, app.screen.query_one(DisassemblyPanel)), name)
        check_stack(inside(app, app.screen.query_one("StackPanel")))
        assert any(ln.startswith("▶ 18 ") for ln in inside(app, app.screen.query_one(SourcePanel)))
        await pilot.press("up")
        await settle(pilot)
        check_arrow(inside(app, app.screen.query_one(DisassemblyPanel)), name)
        text = drawn(app)
        for whole in ("ADD $48, RSP, RSP", "fast_nonleaf.go:18", "does: RSP ← RSP + 48",
                      "✓ safe point", "imm12 21..10 48", "Rd 4..0 31 RSP (SP)"):
            assert whole in text, f"{whole!r} is cut at {size}:\n{text}"
        check_footer(app, ("step", "back", "run_to('epilogue')", "run_to('sp2')", "help", "quit"))


async def test_moving_the_pc_lets_go_of_the_selection() -> None:
    """Seen in tmux at 80x24: ↓ selected the stack check's R27 load, w ran to the second ADD, and the
    panel went on explaining +0x0004 (scrolled off the listing) in the stack's place; ↑ then selected
    +0x0000, far from ▶. A move of ▶ lets go: the stack comes back, ↑ starts from ▶ again."""
    name = "fast_nonleaf-go1.23.4.txt"
    first_off, _, _ = _real(name, "ADD $48, RSP, RSP")
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down")
        await settle(pilot)
        assert "+0x0004 MOVD $65456, R27" in drawn(app)
        assert not any("Stack (high addresses" in ln for ln in screen(app))  # the explanation took its place
        await pilot.press("w")
        await settle(pilot)
        assert not app.screen.query_one(ExplainPanel).display
        assert any("Stack (high addresses" in ln for ln in screen(app))
        check_stack(inside(app, app.screen.query_one("StackPanel")))
        assert not any(ln.startswith("›") for ln in inside(app, app.screen.query_one(DisassemblyPanel)))
        await pilot.press("up")
        await settle(pilot)
        assert f"+{first_off:#06x} ADD $48, RSP, RSP" in drawn(app)
    app = ExplainerApp(parse("go1.23.4/65584"))
    async with app.run_test(size=(200, 60)) as pilot:  # here the panel stays, on ▶'s instruction
        await pilot.press("down", "w")
        await settle(pilot)
        panel = app.screen.query_one(ExplainPanel)
        assert "▶ +0x00c0 explained" in region(app, panel)[0]
        assert "ADD $(16<<12), RSP, RSP" in drawn(app)


async def test_the_explanation_leaves_room_for_the_unwind_below_200_columns() -> None:
    """Seen in tmux at 120x40: with the source on (u) and the fix's ADD explained, the source and the
    explanation filled the column and the preemption panel kept only its top border, so g's refusal was
    not on screen. Below 200 columns the explanation takes the source's place (it names the file:line)."""
    name = "fast_nonleaf-go1.25.0.txt"
    _, _, at = _real(name, "ADD R27, RSP, RSP")
    app = ExplainerApp(parse("go1.25.0/65584"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u", "w", "enter", "g")
        await settle(pilot)
        assert at in drawn(app)
        said = " ".join(ln.strip() for ln in inside(app, app.screen.query_one("UnwindPanel")))
        assert "preemption refused" in said and "names R27" in said, said
        await pilot.press("escape")  # the source comes back
        await settle(pilot)
        assert any(ln.startswith("▶ 18 ") for ln in inside(app, app.screen.query_one(SourcePanel)))
