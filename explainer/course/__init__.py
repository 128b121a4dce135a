"""The course: lessons as checked Markdown files, played on the engine, and the learner's progress.

Headless like the engine (no UI import; a test enforces it): the lab's lesson
pane and ``explainer lessons --check`` share everything below. Modules:
``lesson`` (the file format, lessons/FORMAT.md), ``blocks`` (its body),
``commands`` (the ``- do:`` and ``- expect:`` grammar), ``facts``
(``{{NAME ARGS}}`` computed by the engine),
``play`` (a step on a Session), ``check`` (every mistake in a lesson) and
``progress`` (what the learner has done, saved atomically).
"""
