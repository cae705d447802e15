"""The few exceptions errspec raises. Flat on purpose: catch ``ErrspecError``."""

from __future__ import annotations

__all__ = ["ErrspecError", "InputError", "InvalidEnvelopeError", "UnknownEnvelopeError"]


class ErrspecError(Exception):
    """Base of every error errspec raises on bad input or usage.

    ``str(error)`` is always one line fit to show a user.
    """


class InputError(ErrspecError):
    """An input errspec cannot read (a response, a record, a spec, a configuration file):
    one line, exit code 2."""


class UnknownEnvelopeError(ErrspecError, LookupError):
    """An envelope id or alias that the catalogue does not know."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown envelope {name!r}; known envelopes: {', '.join(known)}")


class InvalidEnvelopeError(ErrspecError, ValueError):
    """An envelope folder whose schema or profile cannot be loaded or is invalid."""


# Tracebacks and reprs name the public classes (errspec.InputError, not errspec._inputs…).
for _cls in (ErrspecError, InputError, UnknownEnvelopeError, InvalidEnvelopeError):
    _cls.__module__ = "errspec"
