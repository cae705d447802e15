"""Constants the command line needs before any work, in a module that imports nothing heavy
(``errspec --version`` and ``--help`` must start fast). The modules that use them import
them from here, so each has one definition."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_EXAMPLES",
    "FORMATS",
    "OPENAPI_VERSIONS",
    "SUMMARY_FORMATS",
    "VERBOSITY_FORMATS",
    "builtin_ids",
    "data_folder",
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


def data_folder(*parts: str) -> Traversable | None:
    """One of errspec's data folders (``schemas``, ``docs/rules``): inside the package in an
    installed wheel (hatchling ``force-include``), else beside the package in a source
    checkout; None when neither holds it.

    A package on the file system (nearly always) is read through plain paths, which are
    ``Traversable``: :mod:`importlib.resources` (and the ``tempfile``, ``zipfile`` and
    ``random`` it imports, ~10 ms of every start) is only imported for a package that is
    not on disk, such as one in a zip file."""
    here = Path(__file__)
    if here.is_file():
        package = here.resolve().parent
        candidates: tuple[Traversable, ...] = (
            package.joinpath(*parts),
            package.parent.joinpath(*parts),
        )
    else:  # pragma: no cover - errspec imported from a zip file
        from importlib.resources import files

        candidates = (files("errspec").joinpath(*parts),)
    return next((folder for folder in candidates if folder.is_dir()), None)


def builtin_ids() -> tuple[str, ...]:
    """The built-in envelope ids without loading any envelope: the catalogue's folders
    that hold a profile (the registry checks that a profile's id is its folder's name)."""
    root = data_folder("schemas")
    if root is None:
        return ()
    return tuple(
        sorted(
            entry.name
            for entry in root.iterdir()
            if entry.is_dir() and entry.joinpath("profile.yaml").is_file()
        )
    )
