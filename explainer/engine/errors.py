"""The engine's one error type, so callers can catch bad input and nothing else."""


class ExplainerError(ValueError):
    """Bad input to the engine: an unknown version, a bad frame size, a bad scenario part.

    The message is one line a user can act on.
    """
