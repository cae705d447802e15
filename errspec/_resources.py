"""Reading errspec's own data files (the ``schemas/`` catalogue) and user envelope folders.

In an installed wheel the catalogue lives in the package as ``errspec/schemas`` (hatchling
``force-include``); in a source checkout it is the top-level ``schemas/`` folder beside the
package (:func:`errspec._defaults.data_folder` finds it). Everything is read through
``Traversable`` objects (plain paths for a package on disk).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._defaults import data_folder
from ._exceptions import InvalidEnvelopeError

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = ["catalogue_root", "read_json", "read_yaml"]

#: Largest data file errspec reads from an envelope folder (a profile or schema is a few KiB).
MAX_DATA_FILE_BYTES = 4 * 1024 * 1024


def catalogue_root() -> Traversable:
    """The folder holding ``profile.schema.json`` and one sub-folder per envelope."""
    folder = data_folder("schemas")
    if folder is not None:
        return folder
    raise InvalidEnvelopeError(  # pragma: no cover - a broken installation
        "errspec's schema catalogue is missing from the installation (errspec/schemas)"
    )


def _read_text(resource: Traversable) -> str:
    try:
        data = resource.read_bytes()
    except OSError as exc:
        raise InvalidEnvelopeError(f"{resource}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_DATA_FILE_BYTES:
        raise InvalidEnvelopeError(f"{resource}: larger than {MAX_DATA_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEnvelopeError(f"{resource}: not UTF-8 (byte {exc.start})") from None


def read_json(resource: Traversable) -> Any:
    """Parse a JSON data file; errors become one-line :class:`InvalidEnvelopeError`."""
    text = _read_text(resource)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InvalidEnvelopeError(f"{resource}: invalid JSON: {exc}") from None


def _refuse_aliases(text: str) -> None:
    """Profiles never need YAML aliases; refusing them rules out alias bombs. (A pass over
    libyaml's event stream, then libyaml's loader: both in C.)"""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            where = f" (line {mark.line + 1})" if mark is not None else ""
            raise yaml.YAMLError(f"YAML aliases are not allowed{where}")


def read_yaml(resource: Traversable, *, own: bool = False) -> Any:
    """Parse a YAML data file safely (no tags, no aliases). ``own``: one of errspec's own
    files, which have no aliases (a test holds them so): the alias pass is skipped."""
    return _parse_yaml(_read_text(resource), resource, own=own)


def _parse_yaml(text: str, resource: Traversable, *, own: bool = False) -> Any:
    import yaml

    try:
        if not own:
            _refuse_aliases(text)
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError) as exc:
        reason = " ".join(str(exc).split())
        raise InvalidEnvelopeError(f"{resource}: invalid YAML: {reason}") from None


#: The JSON copy of errspec's own profiles (``make generate`` writes it), each with the
#: SHA-256 of the profile.yaml text it was made from.
PROFILES_COPY = "profiles.json"


def profile_copy_entry(text: str, data: Any) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "profile": data}


def read_own_profile(resource: Traversable, name: str, copies: Mapping[str, Any]) -> Any:
    """One of errspec's own profiles (envelope ``name``): from the JSON copy when it was
    made from this very text (YAML is slower to parse, and its import alone costs
    start-up), else from YAML."""
    text = _read_text(resource)
    entry = copies.get(name)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if isinstance(entry, Mapping) and entry.get("sha256") == digest:
        return entry["profile"]
    return _parse_yaml(text, resource, own=True)
