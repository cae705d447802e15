"""Constants the command line needs before any work, in a module that imports nothing heavy
(``errspec --version`` and ``--help`` must start fast). The modules that use them import
them from here, so each has one definition."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_EXAMPLES",
    "FORMATS",
    "OPENAPI_VERSIONS",
    "SUMMARY_FORMATS",
    "VERBOSITY_FORMATS",
    "builtin_ids",
]

#: Largest response body errspec reads (``--max-body``).
DEFAULT_MAX_BODY = 10 * 1024 * 1024
#: Example sources kept per rule by a summary (``--max-examples``).
DEFAULT_MAX_EXAMPLES = 3
#: The OpenAPI versions errspec writes components for.
OpenAPIVersion = Literal["3.0", "3.1"]
OPENAPI_VERSIONS: tuple[OpenAPIVersion, ...] = ("3.0", "3.1")
#: ``--format`` choices of ``check`` and ``lint`` (the reporters' keys).
FORMATS = ("github", "json", "junit", "sarif", "summary", "summary-json", "text")
#: The formats that count instead of listing (``--max-examples`` goes with them).
SUMMARY_FORMATS = ("summary", "summary-json")
#: The formats that take ``--quiet`` and ``--statistics``.
VERBOSITY_FORMATS = ("text", "json")


def builtin_ids() -> tuple[str, ...]:
    """The built-in envelope ids without loading any envelope: the catalogue's folders
    that hold a profile (the registry checks that a profile's id is its folder's name)."""
    root = files("errspec").joinpath("schemas")
    if not root.is_dir():  # a source checkout: the catalogue is beside the package
        root = Path(__file__).resolve().parent.parent / "schemas"
    if not root.is_dir():
        return ()
    return tuple(
        sorted(
            entry.name
            for entry in root.iterdir()
            if entry.is_dir() and entry.joinpath("profile.yaml").is_file()
        )
    )
