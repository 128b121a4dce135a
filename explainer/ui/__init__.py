"""The Textual front end: screens and widgets that only call the engine.

Textual repaints at most TEXTUAL_FPS times a second (60 by default) and only when
something changed, so a step waits up to a whole 16.7 ms frame before it is drawn;
at 120 the lab's median step-key-to-repaint drops from about 16.5 to 8.5 ms
(bench/lab_bench.py, quiet 2-core machine). Set before Textual is imported; a
user's own setting wins.
"""

import os

os.environ.setdefault("TEXTUAL_FPS", "120")
