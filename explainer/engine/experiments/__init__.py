"""Experiments: a scenario run end to end, stepped in the lab, swept, and reported.

``scenario`` is the one-line form; ``experiment`` runs one to its preemption point, preempts and
unwinds; ``session`` and ``timeline`` are the lab's stepped trace; ``stackview`` annotates the
stack; ``sweep`` preempts at every instruction, ``sizesweep`` across frame sizes, ``scale`` turns a
window into crashes a day; ``report`` writes a step as JSON; ``fix`` pairs a frame before and after
the fix.
"""
