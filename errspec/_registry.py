"""The envelope catalogue: schemas and profiles loaded into one ``referencing.Registry``.

Built once, on first use, from errspec's packaged ``schemas/`` folder. Nothing is ever
retrieved over the network: the registry has no ``retrieve`` hook, so a ``$ref`` to an
unknown URI fails instead of being fetched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._exceptions import InvalidEnvelopeError, UnknownEnvelopeError
from ._pointer import join
from ._profile import Profile
from ._resources import PROFILES_COPY, catalogue_root, read_json, read_own_profile, read_yaml

__all__ = [
    "Envelope",
    "ExampleRecord",
    "envelope_ids",
    "envelopes",
    "get_envelope",
    "load_envelope",
    "profile_schema",
    "registry",
    "remembered",
]

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from jsonschema import Draft202012Validator
    from referencing import Registry

SCHEMA_FILE = "envelope.schema.json"
PROFILE_FILE = "profile.yaml"
PROFILE_SCHEMA_FILE = "profile.schema.json"


@dataclass(frozen=True)
class ExampleRecord:
    """A response record shipped in an envelope's ``examples/valid`` or ``examples/invalid``."""

    name: str
    valid: bool
    data: Mapping[str, Any]

    @property
    def status(self) -> int:
        return int(self.data["status"])

    @property
    def breaks(self) -> str | None:
        """The rule id an invalid record breaks."""
        value = self.data.get("breaks")
        return str(value) if value is not None else None


@dataclass(frozen=True, eq=False)
class Envelope:
    """One error envelope: its canonical JSON Schema, its profile and a compiled validator."""

    schema: Mapping[str, Any]
    profile: Profile
    location: Traversable = field(repr=False)
    #: The schemas its ``$ref``s resolve against (errspec's own, and its own schema).
    sources: Schemas = field(repr=False)
    builtin: bool = True

    def __post_init__(self) -> None:
        if not self.builtin:
            _ = self._fast  # a user's schema that cannot compile fails when it is loaded

    # Compiled once per envelope and kept: building a validator costs far more than using
    # one (see DESIGN.md, "Known traps"); built-in ones on first use, so that a run that
    # validates against one envelope compiles one. `format` is an annotation here (the
    # 2020-12 default) in both validators, so they always agree.
    @cached_property
    def _fast(self) -> Any:
        """jsonschema-rs's validator, or ``None`` where it cannot be built."""
        return _fast_validator(self.schema, self.sources)

    @cached_property
    def fast_is_valid(self) -> Callable[[Any], bool]:
        """Whether a body is valid, by jsonschema-rs (jsonschema where it is missing)."""
        fast = self._fast
        return fast.is_valid if fast is not None else (lambda body: self.validator.is_valid(body))

    @cached_property
    def validator(self) -> Draft202012Validator:
        """jsonschema's validator, which explains what is wrong: built on first use (a
        valid response, and a run that finds nothing, never needs it; nor does start-up)."""
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.schema, registry=self.registry)

    @property
    def registry(self) -> Registry[Any]:
        """The ``referencing.Registry`` jsonschema resolves this schema's ``$ref``s with."""
        return self.sources.registry

    def fast_error_count(self, body: Any) -> int:
        """How many schema errors ``body`` has (detection uses it to rank near misses)."""
        fast = self._fast
        errors = fast.iter_errors(body) if fast is not None else self.validator.iter_errors(body)
        return sum(1 for _ in errors)

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def title(self) -> str:
        return self.profile.title

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.profile.aliases

    @property
    def media_types(self) -> tuple[str, ...]:
        return self.profile.media_types

    @property
    def schema_id(self) -> str:
        return str(self.schema["$id"])

    def is_valid(self, body: Any) -> bool:
        """Whether ``body`` (parsed JSON) conforms to the canonical schema.

        jsonschema-rs answers first; where it cannot (it raises ``ValueError`` on a string
        with a lone surrogate, ``"\\ud800"`` in JSON, and on bodies nested past its limit)
        jsonschema does; a body too deep for either does not conform."""
        try:
            return bool(self.fast_is_valid(body))
        except ValueError:
            pass
        try:
            return bool(self.validator.is_valid(body))
        except RecursionError:
            return False

    def examples(self) -> list[ExampleRecord]:
        """The response records shipped with the envelope, valid ones first, by name."""
        records = []
        folder = self.location.joinpath("examples")
        for kind in ("valid", "invalid"):
            sub = folder.joinpath(kind)
            if not sub.is_dir():
                continue
            for item in sorted(sub.iterdir(), key=lambda t: t.name):
                if item.name.endswith(".json"):
                    records.append(ExampleRecord(item.name[:-5], kind == "valid", read_json(item)))
        return records


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"errspec does not fetch schemas over the network ({uri})")


class Schemas:
    """JSON Schemas by ``$id``, which ``$ref``s resolve against: for jsonschema-rs as they
    are, for jsonschema as a ``referencing.Registry`` built on first use (``referencing``
    and jsonschema are imported only to explain a problem)."""

    def __init__(self, by_id: Mapping[str, Mapping[str, Any]]) -> None:
        self.by_id = dict(by_id)

    def with_schema(self, schema: Mapping[str, Any]) -> Schemas:
        return Schemas({**self.by_id, str(schema["$id"]): schema})

    @cached_property
    def rs_registry(self) -> Any:
        """The schemas as a ``jsonschema_rs.Registry``, built once for every validator."""
        import jsonschema_rs

        resources = [(uri, dict(contents)) for uri, contents in self.by_id.items()]
        return jsonschema_rs.Registry(resources, retriever=_refuse_retrieval)

    @cached_property
    def registry(self) -> Registry[Any]:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resources = [
            (uri, Resource.from_contents(schema, default_specification=DRAFT202012))
            for uri, schema in self.by_id.items()
        ]
        return Registry().with_resources(resources).crawl()


def _fast_validator(schema: Mapping[str, Any], sources: Schemas) -> Any:
    """A compiled jsonschema-rs validator for the valid-response fast path, or ``None``
    when jsonschema-rs is not importable (errspec then uses jsonschema alone)."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - jsonschema-rs is a dependency
        return None
    try:
        return jsonschema_rs.validator_for(
            dict(schema),
            registry=sources.rs_registry,
            validate_formats=False,
            retriever=_refuse_retrieval,
        )
    except (jsonschema_rs.ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidEnvelopeError(
            f"{schema.get('$id', 'schema')}: cannot compile: {first}"
        ) from None


class _Catalogue:
    def __init__(self) -> None:
        root = catalogue_root()
        self.profile_schema: dict[str, Any] = read_json(root.joinpath(PROFILE_SCHEMA_FILE))
        folders = sorted(
            (t for t in root.iterdir() if t.is_dir() and t.joinpath(SCHEMA_FILE).is_file()),
            key=lambda t: t.name,
        )
        # errspec's own folders: jsonschema-rs says they are valid in a fraction of the
        # time (the tests hold them valid with jsonschema too); the explaining check runs
        # only if it says no. A user's folder always gets the explaining check.
        fast = _fast_profile_validator(self.profile_schema)
        copy = root.joinpath(PROFILES_COPY)
        copies: dict[str, Any] = read_json(copy) if copy.is_file() else {}
        loaded = [_read_folder(t, self._profile_validator, fast, copies) for t in folders]
        self.sources = Schemas(
            {
                **{schema["$id"]: schema for schema, _ in loaded},
                self.profile_schema["$id"]: self.profile_schema,
            }
        )
        self.by_id: dict[str, Envelope] = {}
        self.by_alias: dict[str, str] = {}
        #: Names get_envelope() has resolved to a built-in envelope, exactly as given.
        self.by_name: dict[str, Envelope] = {}
        for folder, (schema, profile) in zip(folders, loaded, strict=True):
            if profile.id != folder.name:
                raise InvalidEnvelopeError(
                    f"{folder}: profile id {profile.id!r} differs from the folder name"
                )
            self.by_id[profile.id] = Envelope(schema, profile, folder, self.sources)
            for alias in profile.aliases:
                self.by_alias[alias] = profile.id
        #: Every built-in envelope, ordered by id: one tuple, the same object every time.
        self.envelopes = tuple(self.by_id.values())

    @cached_property
    def profile_validator(self) -> Draft202012Validator:
        """jsonschema's validator of the profile schema, which explains a bad profile."""
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.profile_schema)

    def _profile_validator(self) -> Draft202012Validator:
        return self.profile_validator


def _fast_profile_validator(profile_schema: Mapping[str, Any]) -> Any:
    """jsonschema-rs's validator of the profile schema, or ``None`` where it cannot be built."""
    try:
        import jsonschema_rs

        return jsonschema_rs.validator_for(dict(profile_schema), validate_formats=False)
    except Exception:  # pragma: no cover - then every check is jsonschema's
        return None


def _fast_valid(check: Any, value: Any) -> bool:
    """Whether a jsonschema-rs check says ``value`` is valid (never raises)."""
    if check is None:
        return False
    try:
        return bool(check(value))
    except Exception:  # a value jsonschema-rs cannot take: jsonschema decides
        return False


def _read_folder(
    folder: Traversable,
    profile_validator: Callable[[], Draft202012Validator],
    fast: Any = None,
    copies: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], Profile]:
    """The schema and profile of an envelope folder, each checked against its metaschema.
    ``fast`` (built-in folders only): a jsonschema-rs profile validator whose "valid" is
    trusted; anything else gets jsonschema's explaining check."""
    schema_file = folder.joinpath(SCHEMA_FILE)
    profile_file = folder.joinpath(PROFILE_FILE)
    for f in (schema_file, profile_file):
        if not f.is_file():
            raise InvalidEnvelopeError(f"{folder}: not an envelope folder (no {f.name})")
    schema = read_json(schema_file)
    if not isinstance(schema, dict):
        raise InvalidEnvelopeError(f"{schema_file}: a JSON Schema must be an object")
    trusted = fast is not None and _fast_valid(_meta_is_valid(), schema)
    error = None if trusted else _meta_problem(schema)
    if error is not None:
        raise InvalidEnvelopeError(
            f"{schema_file}: not a valid JSON Schema at {_where(error.absolute_path)}: "
            f"{_one_line(error.message)}"
        )
    if not isinstance(schema.get("$id"), str) or "://" not in schema["$id"]:
        raise InvalidEnvelopeError(f"{schema_file}: needs an absolute $id")
    if fast is not None and copies is not None:
        data = read_own_profile(profile_file, folder.name, copies)
    else:
        data = read_yaml(profile_file, own=fast is not None)
    valid = fast is not None and _fast_valid(fast.is_valid, data)
    problems = [] if valid else _profile_problems(profile_validator(), data)
    if len(problems) == 1:
        raise InvalidEnvelopeError(f"{profile_file}: invalid profile {problems[0]}")
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        more = len(problems) - len(shown)
        raise InvalidEnvelopeError(
            f"{profile_file}: invalid profile, {len(problems)} problems: "
            + "; ".join(shown)
            + (f"; … and {more} more" if more else "")
        )
    return schema, Profile.from_mapping(data)


def _meta_problem(schema: Any) -> Any:
    """jsonschema's most telling error of ``schema`` against the 2020-12 metaschema."""
    from jsonschema.exceptions import best_match

    return best_match(_meta_validator().iter_errors(schema))


@cache
def _meta_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(Draft202012Validator.META_SCHEMA)


def _meta_is_valid() -> Any:
    try:
        import jsonschema_rs

        return jsonschema_rs.meta.is_valid
    except (ImportError, AttributeError):  # pragma: no cover
        return None


#: At most this many profile problems in one message (the rest are counted).
_MAX_PROBLEMS = 10


def _profile_problems(validator: Draft202012Validator, data: Any) -> list[str]:
    """Every problem of a profile at once, ``at /pointer: message`` each, sorted by pointer.

    Each top-level error is narrowed to its most relevant cause (``best_match`` descends
    into ``oneOf``/``anyOf`` context), so one wrong value gives one line, not one per
    alternative it failed."""
    from jsonschema.exceptions import best_match

    seen: set[str] = set()
    found: list[tuple[tuple[tuple[int, int, str], ...], str]] = []
    for error in validator.iter_errors(data):
        best = best_match([error]) or error
        line = f"at {_where(best.absolute_path)}: {_one_line(best.message)}"
        if line not in seen:
            seen.add(line)
            # array indices sort as numbers (/responses/2 before /responses/10)
            key = tuple(
                (0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in best.absolute_path
            )
            found.append((key, line))
    return [line for _, line in sorted(found)]


def _where(path: Any) -> str:
    return join(path) if path else "the top level"


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_lock = threading.Lock()
_catalogue: _Catalogue | None = None


def _get() -> _Catalogue:
    global _catalogue
    if _catalogue is None:
        with _lock:
            if _catalogue is None:
                _catalogue = _Catalogue()
    return _catalogue


def envelopes() -> tuple[Envelope, ...]:
    """Every built-in envelope, ordered by id."""
    return _get().envelopes


def envelope_ids() -> tuple[str, ...]:
    """The built-in envelope ids, ordered."""
    return tuple(_get().by_id)


def registry() -> Registry[Any]:
    """The ``referencing.Registry`` holding every built-in schema (and the profile schema)."""
    return _get().sources.registry


def profile_schema() -> Mapping[str, Any]:
    """The JSON Schema that every ``profile.yaml`` is validated against."""
    return _get().profile_schema


def get_envelope(name: str | Path) -> Envelope:
    """An envelope by id, alias (case-insensitive) or path to a user envelope folder.

    Raises :class:`UnknownEnvelopeError` for an unknown name and
    :class:`InvalidEnvelopeError` for a folder that does not load.
    """
    cat = _get()
    found = cat.by_name.get(name) if type(name) is str else None
    if found is not None:
        return found
    if isinstance(name, Path) or _looks_like_path(name):
        return load_envelope(Path(name))
    key = name.strip().lower()
    key = cat.by_alias.get(key, key)
    try:
        found = cat.by_id[key]
    except KeyError:
        raise UnknownEnvelopeError(name, list(cat.by_id)) from None
    if len(cat.by_name) < _MAX_NAMES:
        cat.by_name[name] = found
    return found


def remembered(name: str) -> Envelope | None:
    """The envelope :func:`get_envelope` has already found for ``name``, else ``None``."""
    return _get().by_name.get(name)


#: Most names (``"Problem-Details "`` as given) that :func:`get_envelope` remembers.
_MAX_NAMES = 256


def _looks_like_path(name: str) -> bool:
    return "/" in name or "\\" in name or name.startswith(".")


def load_envelope(folder: Path | str) -> Envelope:
    """Load a user envelope folder with the same layout as the built-in ones
    (``envelope.schema.json`` + ``profile.yaml`` + optional ``examples/``).

    Its schema may ``$ref`` errspec's built-in schemas by their ``$id``.
    """
    path = Path(folder)
    if not path.is_dir():
        raise InvalidEnvelopeError(f"{path}: no such envelope folder")
    cat = _get()
    schema, profile = _read_folder(path, cat._profile_validator)
    return Envelope(schema, profile, path, cat.sources.with_schema(schema), builtin=False)
