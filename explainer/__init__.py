"""split-epilogue explainer: Go's arm64 split-epilogue race, emulated for real."""

__version__ = "0.1.0"
