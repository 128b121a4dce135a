"""Lesson 2's encoder: type a frame size, see how Go's assembler gives it back to RSP."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static

from ...engine.arm64.encoder import Encoding, encode_add_sp
from ...engine.errors import ExplainerError
from ..format import plain


class EncoderPanel(VerticalScroll):
    """An input for a constant and what ``ADD $c, RSP, RSP`` becomes."""

    HELP = ("Type a frame size (decimal or 0x hex). The panel runs the assembler's checks in asm7.go's "
            "order (isaddcon, movcon, isbitcon, isaddcon2), shows the instructions Go emits as keystone "
            "assembles them, and splits every ADD-immediate word into its fields: sf op S 100010 sh "
            "imm12 Rn Rd (a MOVZ, MOVK, ORR or register ADD into the fields of its own class). Two writes "
            "to RSP mean SP stands mid-frame between them.")
    DEFAULT_CSS = """
    EncoderPanel { border: round $accent; padding: 0 1; height: auto; max-height: 24; }
    EncoderPanel Input { width: 1fr; max-width: 34; }
    """
    #: What the field says while empty; the field is wide enough for all of it (borders and padding: 4).
    PLACEHOLDER = "bytes: 65552 or 0x10010"
    #: What an empty field, or one that is not a number, asks for.
    ASK = "type a frame size in bytes (65552 or 0x10010)."

    def __init__(self, value: int = 65552, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "ADD $c, RSP, RSP: the encoder"
        self._value = value
        self._out = Static()

    def compose(self) -> ComposeResult:
        yield Input(str(self._value), placeholder=self.PLACEHOLDER, id="constant")
        yield self._out

    def on_mount(self) -> None:
        self._show(str(self._value))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    @property
    def plain(self) -> str:
        """What the panel says, as plain text."""
        return plain(self._out)

    def _show(self, text: str) -> None:
        if not text.strip():
            self._out.update(Content.styled(self.ASK.capitalize(), "$text-muted"))
            return
        try:
            value = int(text.strip().replace("_", "").replace(",", ""), 0)
            self._out.update(describe(encode_add_sp(value)))
        except ValueError:
            shown = text.strip() if len(text.strip()) <= 20 else text.strip()[:19] + "…"
            self._out.update(Content.styled(f"'{shown}' is not a number: {self.ASK}", "$error bold"))
        except ExplainerError as err:
            self._out.update(Content.styled(str(err), "$error bold"))


def describe(e: Encoding) -> Content:
    """The checks, the instructions and the fields, as text in the theme's colours."""
    parts: list[tuple[str, str] | str] = [(f"{e.constant:,} = {e.constant:#x}   class {e.conclass.value}\n",
                                           "bold")]
    for c in e.checks:
        parts += [(f"  {c.name:<10} {'yes' if c.passed else 'no ':<4}", "$success" if c.passed else "dim"),
                  f"{c.why}\n"]
    parts.append((f"Go emits: {e.plan.value}\n", "bold"))
    for insn, f, d in zip(e.instructions, e.fields, e.decoded, strict=True):
        parts.append(f"  {insn.hex}  {insn.go:<28} {insn.arm}\n")
        if f is not None:
            parts.append((f"      sf={f.sf} op={f.op} S={f.s} 100010 sh={f.sh} imm12={f.imm12:#05x} "
                          f"Rn={f.rn} Rd={f.rd}" + ("  (31 = SP)" if f.rd == 31 else "") + "\n", "$accent"))
        elif d.fields:  # MOVZ, MOVK, ORR, register ADD: the fields of their own class
            parts.append((f"      {d.klass}: " + " ".join(
                x.bits if x.name == "fixed" else f"{x.name}={x.value}" for x in d.fields) + "\n", "$accent"))
    if e.writes_to_sp > 1:
        parts.append((f"{e.writes_to_sp} writes to RSP: between them SP points into the dying frame.",
                      "$error bold"))
    else:
        parts.append(("One write to RSP: the frame is released in one indivisible step.", "$success bold"))
    return Content.assemble(*parts)
