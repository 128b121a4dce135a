"""The headless engine: Go's arm64 frames, emulated, preempted and unwound.

Nothing below this package imports a UI library; a test enforces it.
"""
