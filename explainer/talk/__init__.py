"""Talks: a scripted walk through the story, one beat at a time, for ``explainer present``.

Headless like the engine and the course (a test enforces it): ``script`` reads
and validates a talk file, ``stage`` plays a beat on the engine, ``cue`` lets a
second terminal follow the presenter through a small file.
"""
