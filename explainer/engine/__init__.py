"""The headless engine: Go's arm64 frames, assembled, emulated, preempted and unwound.

Read it in the order of the story, each subpackage importing only the ones before it:

- :mod:`.releases`: the Go releases the model knows and what each changed, with its source;
- :mod:`.arm64`: arm64 as Go's assembler and disassembler see it, and the CPU libraries;
- :mod:`.toolchain`: what Go's compiler, assembler and linker make of a large frame, per release;
- :mod:`.emulator`: that program running in unicorn on one goroutine stack;
- :mod:`.runtime`: the runtime's side: preempting a goroutine, and unwinding its stack;
- :mod:`.experiments`: scenarios, runs, the lab's stepped sessions, sweeps and reports.

Nothing here imports a UI library (tests/test_layers.py).
"""
