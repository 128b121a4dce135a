"""Properties of the one-line scenario form, with hypothesis.

Every valid Scenario prints one string that parses back to the same value, and
that string is a fixed point; any text at all either parses or fails with
ExplainerError (the CLI turns that into one line and exit status 2, anything
else would be a traceback).
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from explainer.engine.emulator.goroutine import RUNTIME_PAGES_END, StackBounds
from explainer.engine.emulator.machine import RUN_LIMIT
from explainer.engine.errors import ExplainerError
from explainer.engine.experiments.scenario import (
    ADDRESS_END,
    ANCHORS,
    DEFAULT_STACK,
    MAX_STACK,
    Scenario,
    parse,
    stack_room,
)
from explainer.engine.releases.versions import GoVersion, known_versions
from explainer.engine.runtime.unwind import Trigger
from explainer.engine.toolchain.bigstack import Buffer, min_frame

#: Go's compiler refuses 1 GiB of locals (maxStackSize = 1 << 30, cmd/compile/internal/ssagen/pgen.go:295
#: at go1.23.4): the largest frame a scenario may have.
_FRAME_LIMIT = 1 << 30
#: A non-leaf on go1.22 and later spills sum at SP + size - 16; asm7.go's splitImm24uScaled reaches
#: 0xfff000 + 0xfff<<3 = 16,805,880 with ADD+STR, so the largest frame the model builds is 16,805,896
#: rounded down to 16 (go1.21 spills below the buffer, a leaf not at all: Go's limit only).
_NONLEAF_LIMIT = 16_805_888


def largest(version: GoVersion, leaf: bool) -> int:
    """The largest frame a scenario accepts, worked by hand (above)."""
    return _FRAME_LIMIT if leaf or version < GoVersion.parse("1.22.0") else _NONLEAF_LIMIT


@st.composite
def stacks(draw: st.DrawFn, size: int, leaf: bool, version: GoVersion) -> StackBounds:
    """The default stack, or 16-byte aligned bounds the model accepts for this frame: above the g/m/p
    pages, below 48-bit addresses, from the frame's room up to 4 GiB."""
    if draw(st.booleans()):
        return DEFAULT_STACK
    room = -(-stack_room(size, leaf, version) // 16)
    length = 16 * draw(st.integers(room, MAX_STACK // 16))
    lo = 16 * draw(st.integers(RUNTIME_PAGES_END // 16, (ADDRESS_END - length) // 16))
    return StackBounds(lo, lo + length)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Any valid scenario: every known release, every valid frame size, every option."""
    leaf = draw(st.booleans())
    version = draw(st.sampled_from(known_versions()))
    size = 16 * draw(st.integers(min_frame(leaf) // 16, largest(version, leaf) // 16))
    at = draw(st.one_of(st.sampled_from(ANCHORS), st.integers(0, 1 << 24).map(lambda n: f"+{4 * n:#x}")))
    return Scenario(
        version=version,
        size=size,
        leaf=leaf,
        buffer=draw(st.sampled_from(list(Buffer))),
        stack=draw(stacks(size, leaf, version)),
        at=at,
        unwind=draw(st.sampled_from(list(Trigger))),
        step=draw(st.one_of(st.none(), st.integers(0, RUN_LIMIT))),
    )


@settings(max_examples=500)
@given(scenarios())
def test_a_scenario_prints_a_line_that_parses_back_to_it(s: Scenario) -> None:
    line = str(s)
    assert "\n" not in line and " " not in line
    assert parse(line) == s
    assert str(parse(line)) == line


def test_defaults_are_left_out_and_everything_else_is_printed() -> None:
    """Worked by hand from the README's grammar."""
    version = known_versions()[0]
    assert str(Scenario(version, 64)) == f"{version.name}/64"
    s = Scenario(version, 4112, leaf=True, buffer=Buffer.PLANTED_PC,
                 stack=StackBounds(0x4000100000, 0x4000104000), at="+0x1c", unwind=Trigger.GOROUTINE_PROFILE,
                 step=0)
    options = ("leaf/buffer=planted-pc/stack=0x4000100000-0x4000104000/at=+0x1c/unwind=goroutine-profile"
               "/step=0")
    assert str(s) == f"{version.name}/4112/{options}"


def test_an_offset_has_one_spelling() -> None:
    assert parse("go1.23.4/64/at=+0x01C") == parse("go1.23.4/64/at=+0x1c")
    assert str(parse("go1.23.4/64/at=+0x01C")) == "go1.23.4/64/at=+0x1c"


def _junk(pieces: list[str]) -> st.SearchStrategy[str]:
    """One part of a line: a right or wrong piece, maybe with junk before or after, or any text."""
    piece = st.sampled_from(pieces)
    edge = st.sampled_from(["", "", "", " ", "\n", "\t", "=", "/", "²", "x", "0"])
    return st.one_of(st.tuples(edge, piece, edge).map("".join), st.text(max_size=8))


_HEADS = ["go1.23.4", "go1.27.3", "go1.23", "go1.99.0", "1.23.4", "go", "go1.２３.4"]
_SIZES = ["64", "65552", "32", "16", "0", "15", "4294967296", "²", "６４", "-64", ""]
_OPTIONS = ["leaf", "nonleaf", "leaf=1", "buffer=fast", "buffer=cloudflare", "buffer=", "buffer=zeros",
            "stack=0x40000AE000-0x40000CE000", "stack=0x10-0x8", "stack=0x18-0x100", "stack=0x0-0x10",
            "at=sp1", "at=ret", "at=+0x10", "at=+0x11", "at=+0X10", "at=+0x", "at=", "unwind=gc",
            "unwind=copy", "unwind=", "step=3", "step=-1", "step=", "step=１", "=", ""]

#: Lines shaped like scenarios, right and wrong, so generated text reaches every branch of parse.
_LINES = st.tuples(_junk(_HEADS), _junk(_SIZES), st.lists(_junk(_OPTIONS), max_size=6)).map(
    lambda t: "/".join([t[0], t[1], *t[2]]))


@settings(max_examples=1000)
@given(st.one_of(st.text(), _LINES))
@example("go1.23.4/²")
@example("go1.23.4/64/step=²")
@example("go1.23.4/64/at=+0x10\n/nonleaf")
def test_parse_accepts_or_raises_explainer_error_only(text: str) -> None:
    try:
        s = parse(text)
    except ExplainerError as err:
        assert str(err) and "\n" not in str(err).strip()
        return
    # Whatever parse accepts is a scenario whose own line means the same.
    assert parse(str(s)) == s


@pytest.mark.parametrize("text", ["go1.23.4/６４", "go1.23.4/64/step=１", "go1.２３.4/64", "go1.23.4/²",
                                  "go1.23.4/64/at=+0x10\n/nonleaf", "go1.23.4/64/stack=0x10-0x100\n/leaf"])
def test_non_ascii_digits_and_a_newline_inside_a_part_are_refused(text: str) -> None:
    with pytest.raises(ExplainerError):
        parse(text)


@pytest.mark.parametrize("version", ["go1.21.13", "go1.22.0", "go1.23.4", "go1.25.0", "go1.27.3"])
@pytest.mark.parametrize("leaf", [False, True])
def test_the_largest_frame_is_built_and_the_next_refused_in_one_sentence(version: str, leaf: bool) -> None:
    """Issue 18: a 1 GiB non-leaf frame got "frames are below 2 GiB" and then a constant-pool message.
    Now one rule: the largest frame accepted is assembled whole, the next multiple of 16 is refused
    with a message naming exactly that largest value, and nothing else."""
    from explainer.engine.experiments.experiment import program_for

    v = GoVersion.parse(version)
    top = largest(v, leaf)
    kind = "/leaf" if leaf else ""
    program_for(parse(f"{version}/{top}{kind}"))  # the body, the spill and all: builds
    with pytest.raises(ExplainerError) as err:
        parse(f"{version}/{top + 16}{kind}")
    said = str(err.value)
    assert said.startswith(f"bad frame size {top + 16:,}: ") and f"to {top:,} bytes" in said, said
    assert said.count("bytes") == 1 and "2 GiB" not in said
