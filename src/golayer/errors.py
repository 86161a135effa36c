"""Errors that reach the user as a message and exit code 2, never as a traceback."""


class GolayerError(Exception):
    """Bad input or usage: printed as ``golayer: <message>`` with exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(GolayerError):
    """The thing we were asked to analyse cannot be read (missing, malformed, hostile)."""


class UsageError(GolayerError):
    """The command line or configuration is wrong."""
