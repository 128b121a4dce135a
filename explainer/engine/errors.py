"""The engine's one error type, so callers can catch bad input and nothing else."""


class ExplainerError(ValueError):
    """Bad input to the engine: an unknown version, a bad frame size, a bad scenario part.

    The message is one line a user can act on.
    """


class Cancelled(Exception):
    """A long run stopped because the person asked (its progress callback raised it).

    Not an ExplainerError: nothing was wrong with the input. The machine that ran stands at an
    exact step, and a Session keeps its cursor where it was.
    """


class SourceError(ExplainerError):
    """A mistake in a file a person wrote (a lesson, a talk), where their editor shows it."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        """The file as it was named to the parser (a path or a bare name)."""
        self.line = line
        """1-based line number."""
        self.message = message
        """What is wrong, in one line."""
