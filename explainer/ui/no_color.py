"""How the lab reads on a no-colour terminal (``NO_COLOR`` set): what is unsafe stays loud.

Textual turns every colour into a shade of grey when ``NO_COLOR`` is set, and the
theme's red comes out darker than plain text: the crash, the ⚡ mark and the slot
the unwinder misread would look quieter than everything around them. Under the
app's ``:nocolor`` pseudo-class these take the foreground colour and an underline
instead. App-level CSS, not a widget's: a widget's DEFAULT_CSS is scoped to the
widget and cannot name the app.
"""

NO_COLOR_CSS = """
App:nocolor DisassemblyPanel > .disassembly--mid-frame { color: $foreground; text-style: bold underline; }
App:nocolor StackPanel > .stack--read { color: $foreground; text-style: bold underline; }
App:nocolor UnwindPanel > .unwind--crash { color: $foreground; text-style: bold underline; }
App:nocolor UnwindPanel > .unwind--runtime { color: $foreground; text-style: bold; }
App:nocolor Timeline > .timeline--bad-read { color: $foreground; text-style: bold underline; }
"""
