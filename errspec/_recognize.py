"""Envelope recognition: one judge for a *shape*, whether it comes from a body or a schema.

A :class:`Shape` says which members something has (``/error/code``; ``*`` for array items),
their JSON types, which are required, which objects are closed, and a sample value per
member. :func:`shape_of_body` builds one from a parsed JSON body; the linter builds one
from an OpenAPI schema through its own ``$ref`` resolution. :func:`recognize` judges a
shape against every envelope's *signature* (declared in its profile: identifying members
and their types, which are decisive, which objects allow extension members, the dedicated
media type) and returns the envelope with its evidence. ``errspec.detect()`` (check) and
lint's choice of a spec's envelope both call it, so they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple, TypeVar, cast

from ._plan import Plan
from ._pointer import compile_pointer, values
from ._profile import Signature, SignatureMember

__all__ = [
    "RECOGNITION_THRESHOLD",
    "Candidates",
    "Evidence",
    "Ranking",
    "Recognition",
    "Shape",
    "compile_plans",
    "envelope_shape",
    "not_recognised",
    "rank",
    "rank_as",
    "recognize",
    "shape_of_body",
    "signature_data",
    "signature_of",
]

#: Below this score no envelope is claimed (for bodies and schemas alike).
RECOGNITION_THRESHOLD = 0.5

#: How deep a shape goes: members of objects nested up to this level (array items do not
#: count as a level), as the linter has always walked schemas.
DEPTH = 3
#: Items of one array that a body's shape samples, and members of one object it lists.
_ITEMS = 3
_MEMBERS = 64


@dataclass
class Shape:
    """What a body has or a schema declares: member ``paths`` (``/error/code``, ``*`` for
    array items), the JSON ``types`` of each, the ``required`` paths (all of a body's),
    the paths of objects ``closed`` to other members, a sample value per path (a body's
    first scalar; a schema's ``const``, first ``enum`` value, ``example`` or ``default``),
    and, for schemas, the node that declares each path (``nodes``, the linter's)."""

    paths: set[str] = field(default_factory=set)
    types: dict[str, set[str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    closed: set[str] = field(default_factory=set)
    values: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, Any] = field(default_factory=dict)
    cache: dict[tuple[tuple[int, ...], str | None], Recognition] = field(default_factory=dict)


class Evidence(NamedTuple):
    """Why a shape is (or is not) one envelope: the identifying members it shows with the
    right type (``matched``), those it shows with another type (``conflicts``), the
    decisive members it lacks (``missing``), the members the envelope allows as
    extensions (``extensions``), the media type and whether it is the envelope's own
    (``media``: ``dedicated``, ``json``, ``other`` or ``None`` when unknown), and, when
    the envelope is ruled out, why (``ruled_out``)."""

    envelope: str
    score: float
    matched: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    media_type: str | None = None
    media: str | None = None
    ruled_out: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "envelope": self.envelope,
            "score": self.score,
            "matched": list(self.matched),
            "conflicts": list(self.conflicts),
            "missing": list(self.missing),
            "extensions": list(self.extensions),
            "media_type": self.media_type,
            "media": self.media,
            "ruled_out": self.ruled_out,
        }


@dataclass(frozen=True)
class Recognition:
    """The envelope a shape is in (or ``None``) with its ``score``; the ``closest``
    envelope and its score (the best one even below the threshold); the envelopes it tied
    with (decided by priority); every envelope's score; and the evidence per envelope
    (``evidence`` is the chosen one's, else the closest one's)."""

    envelope: str | None
    score: float
    closest: str | None
    closest_score: float
    tied_with: tuple[str, ...]
    scores: tuple[tuple[str, float], ...]
    judged: tuple[Evidence, ...]

    @property
    def evidence(self) -> Evidence | None:
        want = self.envelope or self.closest
        return next((e for e in self.judged if e.envelope == want), None)

    def of(self, envelope: str) -> Evidence | None:
        """The evidence for one envelope."""
        return next((e for e in self.judged if e.envelope == envelope), None)


# --- shapes ------------------------------------------------------------------------------


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "string"


def shape_of_body(body: Any) -> Shape:
    """The shape of a parsed JSON body: every member down to :data:`DEPTH` (the first few
    items of each array), its type and its first scalar value; all of them required."""
    shape = Shape()
    if type(body) is not dict and not isinstance(body, Mapping):
        return shape
    # (a body's type sets are frozensets, shared: read like the sets of a schema's shape,
    # never added to)
    paths, types, values = shape.paths, cast(dict[str, Any], shape.types), shape.values
    todo: list[tuple[str, Any, int]] = [("", body, 0)]
    push, pop, kinds, scalars, single = todo.append, todo.pop, _TYPES, _SCALARS, _ONE_TYPE
    # (_note inlined: a body is walked once per detection. A value of an exact JSON type
    # takes the short way; anything else the general one, as _note and json_type say.
    # A body's type sets are frozen, shared while they hold one type.)
    while todo:
        where, node, level = pop()
        if type(node) is not dict and isinstance(node, list):
            path = f"{where}/*"
            for item in node[:_ITEMS]:
                t = type(item)
                kind = kinds.get(t) or json_type(item)
                known = types.get(path)
                if known is None:
                    types[path] = single[kind]
                elif kind not in known:
                    types[path] = known | single[kind]
                if kind in scalars and path not in values:
                    values[path] = item
                if t is dict or t is list or (t not in kinds and isinstance(item, Mapping | list)):
                    push((path, item, level))
            continue
        if level > DEPTH:
            continue
        members = (
            node.items()
            if type(node) is dict and len(node) <= _MEMBERS
            else islice(node.items(), _MEMBERS)
        )
        for key, value in members:
            path = f"{where}/{key}"
            paths.add(path)
            t = type(value)
            kind = kinds.get(t) or json_type(value)
            known = types.get(path)
            if known is None:
                types[path] = single[kind]
            elif kind not in known:
                types[path] = known | single[kind]
            if kind in scalars:
                if path not in values:
                    values[path] = value
            elif (t is dict or t is list) or (
                (kind == "object" or kind == "array") and isinstance(value, Mapping | list)
            ):
                push((path, value, level + 1))
    shape.required = paths
    return shape


def _note(types: dict[str, set[str]], values: dict[str, Any], path: str, value: Any) -> str:
    """Record a value's JSON type (and a scalar's value) at ``path``; return the type."""
    kind = _TYPES.get(type(value)) or json_type(value)
    known = types.get(path)
    if known is None:
        types[path] = {kind}
    else:
        known.add(kind)
    if kind in _SCALARS and path not in values:
        values[path] = value
    return kind


_TYPES: dict[type, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
    dict: "object",
    list: "array",
}
_SCALARS = frozenset({"string", "integer", "number", "boolean"})
#: Each JSON type alone, as a body's shape holds it.
_ONE_TYPE = {kind: frozenset({kind}) for kind in (*_TYPES.values(),)}


_ENVELOPE_SHAPES: dict[int, tuple[Mapping[str, Any], Shape]] = {}


_BUILT_IN: dict[str, Mapping[str, Any]] = {}


def _built_in_schemas() -> Mapping[str, Mapping[str, Any]]:
    """errspec's own envelope schemas by ``$id`` (a house schema may ``$ref`` one)."""
    if not _BUILT_IN:
        from ._registry import envelopes

        _BUILT_IN.update((e.schema_id, e.schema) for e in envelopes())
    return _BUILT_IN


def envelope_shape(schema: Mapping[str, Any]) -> Shape:
    """The shape of an envelope's canonical schema (its ``$defs`` resolved), kept."""
    kept = _ENVELOPE_SHAPES.get(id(schema))
    if kept is not None and kept[0] is schema:
        return kept[1]
    shape = Shape()
    # (place, node, level, certain, the $defs its local refs name): a house schema may
    # build on a built-in one by its $id, whose own refs are local to it.
    todo: list[tuple[str, Any, int, bool, Mapping[str, Any]]] = [
        ("", schema, 0, True, schema.get("$defs", {}))
    ]
    # A user's envelope folder is input too: a schema reached twice at one place (an
    # `allOf` that includes itself) is walked once, and arrays of arrays count their nesting.
    seen: set[tuple[int, str, bool]] = set()
    while todo:
        where, node, level, certain, defs = todo.pop()
        hops = 0
        while isinstance(node, Mapping) and "$ref" in node and hops < 16:
            ref = str(node["$ref"])
            other = _built_in_schemas().get(ref.partition("#")[0]) if "://" in ref else None
            if other is not None:
                defs = other.get("$defs", {})
                node = defs.get(ref.rsplit("/", 1)[-1], {}) if "/$defs/" in ref else other
            else:
                node = defs.get(ref.rsplit("/", 1)[-1], {})
            hops += 1
        if not isinstance(node, Mapping) or level > DEPTH:
            continue
        if (id(node), where, certain) in seen:
            continue
        seen.add((id(node), where, certain))
        declared = node.get("type")
        if where and declared is not None:
            shape.types.setdefault(where, set()).update(
                [declared] if isinstance(declared, str) else declared
            )
        if certain and isinstance(node.get("required"), list):
            shape.required.update(f"{where}/{name}" for name in node["required"])
        if node.get("additionalProperties") is False:
            shape.closed.add(where)
        for keyword in ("allOf", "oneOf", "anyOf"):
            subs = node.get(keyword)
            for sub in subs if isinstance(subs, list) else ():
                todo.append((where, sub, level, certain and keyword == "allOf", defs))
        for name, sub in (node.get("properties") or {}).items():
            shape.paths.add(f"{where}/{name}")
            todo.append((f"{where}/{name}", sub, level + 1, certain, defs))
        if isinstance(node.get("items"), Mapping) and where.count("*") < DEPTH:
            todo.append((f"{where}/*", node["items"], level, certain, defs))
    _ENVELOPE_SHAPES[id(schema)] = (schema, shape)
    return shape


def compatible(declared: Iterable[str], expected: Iterable[str], *, lenient: bool = False) -> bool:
    """Whether a declared (or seen) JSON type set agrees with an expected one. ``lenient``
    (recognition) also lets a ``number`` stand for an ``integer``: a schema declaring the
    status ``number`` is the envelope with a finding, not another envelope."""
    if not isinstance(declared, set | frozenset):
        declared = set(declared)
    if not isinstance(expected, set | frozenset):
        expected = set(expected)
    if not declared.isdisjoint(expected):
        return True
    if "integer" in declared and "number" in expected:
        return True
    return lenient and "number" in declared and "integer" in expected


# --- signatures --------------------------------------------------------------------------


def _path(pointer: str) -> str:
    """A profile pointer as a shape path (unescaped segments)."""
    return "".join("/" + s for s in compile_pointer(pointer))


def signature_of(plan: Plan) -> Signature:
    """The envelope's signature: declared in its profile, or derived from the profile's
    code, status echo, message and markers (a house envelope without a ``signature``)."""
    declared = plan.envelope.profile.signature
    if declared is not None:
        return declared
    p = plan.envelope.profile
    env = envelope_shape(plan.envelope.schema)
    pointers: list[tuple[str, bool]] = []
    if p.code is not None:
        pointers.append((p.code.pointer, True))
    if p.status_echo is not None:
        pointers.append((p.status_echo.pointer, True))
    pointers.append((p.message, False))
    pointers.extend((m, False) for m in p.markers)
    members: list[SignatureMember] = []
    seen: set[str] = set()
    for pointer, decisive in pointers:
        if pointer in seen:
            continue
        seen.add(pointer)
        types = env.types.get(_path(pointer))
        if types is None and p.status_echo is not None and pointer == p.status_echo.pointer:
            types = {p.status_echo.type}
        members.append(SignatureMember(pointer, tuple(sorted(types or ())), decisive))
    dedicated = next((m for m in p.media_types if m != "application/json"), None)
    return Signature(members=tuple(members), minimum=1, media_type=dedicated)


@dataclass(frozen=True)
class _Compiled:
    """A plan's signature and canonical shape, ready for :func:`_judge`."""

    id: str
    priority: int
    members: tuple[tuple[str, frozenset[str], bool, bool], ...]
    member_paths: frozenset[str]
    #: ``members`` with, for types, what :func:`compatible` (lenient) accepts for them.
    checks: tuple[tuple[str, frozenset[str], bool, bool], ...]
    #: (member as in ``checks``, segments), decisive and required members first
    #: (:func:`_shows_enough`).
    quick: tuple[tuple[tuple[str, frozenset[str], bool, bool], tuple[str, ...]], ...]
    #: The members the signature requires (any missing rules the envelope out).
    needs: frozenset[str]
    #: The most a shape showing ``n`` of the members can score (index ``n``) on its
    #: structure: every share whole, no penalty (:func:`_bound` adds the rest).
    bounds: tuple[float, ...]
    minimum: int
    media_type: str | None
    media_types: frozenset[str]
    open: frozenset[str]  # objects ("/error/details/*", "" for the top) that take anything
    declared: frozenset[str]
    types: Mapping[str, set[str]]
    required: frozenset[str]
    closed: frozenset[str]
    defining: tuple[str, ...]
    defining_set: frozenset[str]
    #: Declared members with a type, other than the signature's (type conflicts).
    typed: frozenset[str]
    code: str | None
    casing: Any
    catalogue: Mapping[str, tuple[int, ...]]
    #: Whether a body the canonical schema accepts can still be ruled out: the schema
    #: requires fewer identifying members than the signature's minimum, or not all of
    #: the signature's required ones.
    schema_open: bool


_COMPILED = "_errspec_recognizer"


def _compiled(plan: Plan) -> _Compiled:
    kept: _Compiled | None = plan.__dict__.get(_COMPILED)
    if kept is not None:
        return kept
    sig = signature_of(plan)
    env = envelope_shape(plan.envelope.schema)
    # Objects the envelope declares without members of their own (a free-form `meta`, a
    # map of field errors) take any members, as do the signature's extension objects.
    free = {
        p
        for p, types in env.types.items()
        if "object" in types and not any(q.startswith(p + "/") for q in env.paths)
    }
    opened = {_path(e) for e in sig.extensions} | free
    defining = tuple("/" + "/".join(s) for s in (plan.code, plan.echo) if s is not None)
    member_paths = frozenset(_path(m.pointer) for m in sig.members)
    kept = _Compiled(
        id=plan.id,
        priority=plan.priority,
        members=tuple(
            (_path(m.pointer), frozenset(m.types), m.decisive, m.required) for m in sig.members
        ),
        member_paths=member_paths,
        checks=tuple(
            (_path(m.pointer), _accepts(frozenset(m.types)), m.decisive, m.required)
            for m in sig.members
        ),
        quick=tuple(
            sorted(
                (
                    (
                        (_path(m.pointer), _accepts(frozenset(m.types)), m.decisive, m.required),
                        compile_pointer(m.pointer),
                    )
                    for m in sig.members
                ),
                key=lambda q: not (q[0][2] or q[0][3]),
            )
        ),
        needs=frozenset(_path(m.pointer) for m in sig.members if m.required),
        bounds=tuple(
            0.6 + (0.25 * n / len(sig.members) if sig.members else 0.0)
            for n in range(len(sig.members) + 1)
        ),
        minimum=sig.minimum,
        media_type=sig.media_type,
        media_types=plan.media_types,
        open=frozenset(opened),
        declared=frozenset(env.paths),
        types=env.types,
        required=frozenset(r for r in env.required if r.count("/") <= 2),
        closed=frozenset(env.closed),
        defining=defining,
        defining_set=frozenset(defining),
        typed=frozenset(
            p for p, t in env.types.items() if t and p in env.paths and p not in member_paths
        ),
        code=None if plan.code is None else "/" + "/".join(plan.code),
        casing=plan.casing,
        catalogue=plan.catalogue,
        schema_open=_schema_open(sig, env),
    )
    plan.__dict__[_COMPILED] = kept
    return kept


def _accepts(types: frozenset[str]) -> frozenset[str]:
    """The seen types that agree with ``types`` for :func:`compatible` with ``lenient``:
    a seen set conflicts with ``types`` exactly when it shares none of these."""
    more = set(types)
    if "number" in types:
        more.add("integer")
    if "integer" in types:
        more.add("number")
    return frozenset(more)


def _schema_open(sig: Signature, env: Shape) -> bool:
    required = {_path(m.pointer) for m in sig.members if m.required}
    by_schema = {_path(m.pointer) for m in sig.members} & env.required
    return not required <= env.required or len(by_schema) < sig.minimum


# --- judging -----------------------------------------------------------------------------


def _opened(path: str, open_objects: frozenset[str]) -> bool:
    """Whether ``path`` lies inside one of the objects open to extension members."""
    while path:
        path = path[: path.rfind("/")]
        if path in open_objects:
            return True
    return False


#: A member seen only as ``null`` (or declared untyped) is present, of no known type.
_NULL = {"null"}
_PROSE = re.compile(r"\s")


def _shown(types: Iterable[str]) -> str:
    return " or ".join(sorted(types))


def _judge(c: _Compiled, shape: Shape, media: str | None, tops: set[str] | None = None) -> Evidence:
    paths = shape.paths
    matched: list[str] = []
    conflicts: list[str] = []
    missing: list[str] = []
    ruled_out: str | None = None
    for path, types, decisive, required in c.members:
        if path in paths:
            seen = shape.types.get(path)
            if (
                seen
                and types
                and seen.isdisjoint(types)
                and seen != _NULL
                and not compatible(seen, types, lenient=True)
            ):
                conflicts.append(f"{path}: {_shown(seen)}, not {_shown(types)}")
                if decisive and ruled_out is None:
                    ruled_out = f"{path} is {_shown(seen)}; {c.id} has {_shown(types)}"
            else:
                matched.append(path)
        elif decisive or required:
            missing.append(path)
            if required and ruled_out is None:
                ruled_out = f"no {path}, which {c.id} requires"
    kind = _media_kind(c, media)
    shown = len(matched) + (kind == "dedicated")
    if ruled_out is None and shown < c.minimum:
        names = ", ".join(m[0] for m in c.members)
        ruled_out = (
            f"{len(matched)} of the members that identify {c.id} ({names}); it takes {c.minimum}"
        )
    if not c.open or ruled_out is not None:
        extensions: list[str] = []
    elif "" in c.open:  # open at the top: every member it does not declare
        extensions = sorted(paths - c.declared)
    else:
        extensions = sorted(p for p in paths - c.declared if _opened(p, c.open))
    score = (
        0.0
        if ruled_out is not None or not paths
        else _score(c, shape, kind, media, len(matched), extensions, tops)
    )
    return Evidence(
        c.id,
        score,
        tuple(matched),
        tuple(conflicts),
        tuple(missing),
        tuple(extensions),
        media,
        kind,
        ruled_out,
    )


def _score(
    c: _Compiled,
    shape: Shape,
    kind: str | None,
    media: str | None,
    matched: int,
    extensions: Collection[str],
    tops: set[str] | None = None,
) -> float:
    """The score of a shape no rule excludes (see :func:`recognize`), given how many
    identifying members it shows with the right type (``matched``) and its extension
    members (in any order). ``tops``: the shape's top-level paths, when the caller has
    them."""
    paths = shape.paths
    declared = c.declared
    if tops is None:
        tops = _tops(paths)
    # An extension member never counts against the envelope, but neither does it count
    # as the envelope: a top-level one weighs half in the shares (its own members, none),
    # so a few shared names among many extensions are not the envelope.
    top_extensions = len(tops.intersection(extensions)) if extensions else 0
    allowed = 0.5 * top_extensions
    # Extensions are members the envelope does not declare: the declared members counted
    # are all of the shape's, and the rest are either extensions or other members.
    considered = len(paths) - len(extensions)
    top = len(tops) - top_extensions
    inside_paths = paths & declared
    inside = len(inside_paths)
    top_inside = len(tops & declared)
    other_conflicts = intruders = 0
    # A conflict on an identifying member already costs it its share of identity.
    if c.typed:
        for p in inside_paths & c.typed:
            seen = shape.types.get(p)
            if seen and seen != _NULL and not compatible(seen, c.types[p]):
                other_conflicts += 1
    if c.closed:
        skip = set(extensions)
        for p in paths - declared:
            if p not in skip and p[: p.rfind("/")] in c.closed:
                intruders += 1
    shared = inside / (considered + allowed) if considered else 0.0
    top_shared = top_inside / (top + allowed) if top or allowed else 0.0
    identity = matched / len(c.members) if c.members else 0.0
    has_required = len(c.required & paths) / len(c.required) if c.required else identity
    score = 0.25 * shared + 0.2 * top_shared + 0.15 * has_required + 0.25 * identity
    if other_conflicts or intruders:
        score -= 0.15 * min(other_conflicts, 2) + 0.1 * min(intruders, 2)
    score = _beyond_structure(c, shape, kind, media, score)
    # Structure makes at most 0.85, so the code's casing and catalogue still rank two
    # envelopes of the same shape (odata and error-object) below the cap.
    # (round(max(0.0, min(score, 1.0)), 6), the clamps written out.)
    if score > 1.0:
        return 1.0
    return round(score, 6) if score > 0.0 else 0.0


def _tops(paths: Set[str]) -> set[str]:
    """The top-level members among a shape's paths."""
    return {p for p in paths if p.count("/") == 1}


def recognize(
    shape: Shape, plans: Sequence[Plan], media: str | None = None, *, cache: bool = False
) -> Recognition:
    """Which envelope ``shape`` is in, judged against every plan's signature.

    A decisive member with another type, or fewer identifying members than the
    signature's ``minimum`` (the dedicated media type counts as one), rules an envelope
    out. The others score 0-1: the share of the shape's members the envelope declares
    (extension members excluded), the same for top-level members, the envelope's required
    members present, the identifying members present, less type conflicts, members in
    closed objects and a missing code or status echo; more for the dedicated media type
    and a code in the envelope's casing and catalogue. Below
    :data:`RECOGNITION_THRESHOLD` no envelope is claimed; equal scores go to the higher
    profile priority and are reported in ``tied_with``.
    """
    key = (tuple(id(p) for p in plans), media)
    if cache:
        kept = shape.cache.get(key)
        if kept is not None:
            return kept
    result = rank(shape, compile_plans(plans), media).recognition()
    if cache:
        shape.cache[key] = result
    return result


class Candidates(NamedTuple):
    """Plans ready for :func:`rank`: their compiled signatures, and their indexes in the
    order that breaks equal scores (higher ``priority``, then id), with each index's place
    in it, and the segments of their code members (what :func:`body_key` reads of values)."""

    compiled: tuple[_Compiled, ...]
    order: tuple[int, ...]
    place: tuple[int, ...]
    codes: tuple[tuple[str, ...], ...] = ()


#: Most objects and arrays a body may have for :func:`body_key` to key it.
MAX_KEYED_CONTAINERS = 64
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def body_key(body: Any, candidates: Candidates, media: str | None) -> Hashable | None:
    """A key for everything :func:`rank_as` (and every evidence it judges later) reads of
    a body of JSON data, read without building its :class:`Shape`: two bodies with the
    same key have the same shape as far as ranking goes, so they rank alike and may share
    a ranking. The key holds the body's whole structure (each object's member names and
    the type of each value, each array's length and item types, depth first: finer than
    the shape, which samples), the media type, and every value at each candidate's code
    member
    (:func:`_beyond_structure` judges a code by its text; a body's other values, its
    messages and ids, are never read). ``None`` for a body that is not an object, or has
    more than :data:`MAX_KEYED_CONTAINERS` objects and arrays (it is ranked afresh)."""
    if type(body) is not dict:
        return None
    parts: list[Any] = [media]
    append = parts.append
    todo: list[Any] = [body]  # (depth first: the order is the body's, whatever it is)
    pop, push = todo.pop, todo.append
    left = MAX_KEYED_CONTAINERS
    while todo:
        node = pop()
        left -= 1
        if left < 0:
            return None
        if type(node) is dict:
            append(tuple(node))
            node = node.values()
        else:
            append(len(node))
        for value in node:
            kind = type(value)
            append(kind)
            if kind is dict or kind is list:
                push(value)
    scalars = _JSON_SCALARS
    for segments in candidates.codes:
        if segments and segments[0] != "*" and segments[0] not in body:
            parts.append(None)  # (the common case: another envelope's code member)
        else:
            found = values(body, segments)
            parts.append(tuple(v if type(v) in scalars else type(v) for v in found))
    return tuple(parts)


def compile_plans(plans: Sequence[Plan]) -> Candidates:
    """The plans as :func:`rank` takes them (what is static about them, computed once)."""
    compiled = tuple(p.__dict__.get(_COMPILED) or _compiled(p) for p in plans)
    # sorted() is stable: a plan given twice keeps its order, as the ranking always did.
    order = tuple(
        sorted(range(len(compiled)), key=lambda i: (-compiled[i].priority, compiled[i].id))
    )
    place = [0] * len(order)
    for n, i in enumerate(order):
        place[i] = n
    codes = tuple(dict.fromkeys(p.code for p in plans if p.code is not None))
    return Candidates(compiled, order, tuple(place), codes)


class Ranking:
    """What :func:`recognize` decides, before any evidence is built: the ``envelope``
    (or ``None``) with its ``score``, the ``closest`` one with its score and the envelopes
    tied with it; the chosen (else the closest) envelope's ``evidence`` and every
    envelope's ``scores`` (best first) when first read; :meth:`recognition` judges every
    envelope's evidence: the same :class:`Recognition` as judging them all at once.

    An envelope ruled out scores 0 whatever its evidence says, and one whose bound is
    below the best score can neither win nor tie, so deciding needs neither their
    evidence nor their score; the envelopes kept are scored without their evidence
    (:func:`_kept_score`, the score :func:`_judge` gives)."""

    __slots__ = (
        "_candidates",
        "_complete",
        "_evidence",
        "_media",
        "_order",
        "_positive",
        "_scored",
        "_shape",
        "_unscored",
        "closest",
        "closest_score",
        "envelope",
        "score",
        "tied_with",
    )

    envelope: str | None
    score: float
    closest: str | None
    closest_score: float
    tied_with: tuple[str, ...]

    def __init__(
        self,
        candidates: Candidates,
        scored: dict[int, float],
        positive: list[tuple[float, int, int]],
        unscored: list[tuple[int, int]],
        shape: Shape,
        media: str | None,
    ) -> None:
        """``scored``: the score of each candidate scored (by index; the others score 0
        or wait in ``unscored``); ``positive``: (-score, place, index) of those above 0;
        ``unscored``: (index, members matched) of those kept whose bound is below the
        best."""
        self._candidates, self._scored, self._unscored = candidates, scored, unscored
        self._shape, self._media = shape, media
        self._order: list[int] | None = None
        self._complete: Recognition | None = None
        self._evidence: Evidence | None = None
        self.tied_with = ()
        self.envelope = None
        if len(positive) > 1:
            positive.sort()  # best score first, then by priority and id (the place)
        self._positive = positive
        if not positive:
            self.closest, self.score, self.closest_score = None, 0.0, 0.0
            return
        best = scored[positive[0][2]]
        compiled = candidates.compiled
        self.closest, self.score, self.closest_score = compiled[positive[0][2]].id, best, best
        if best >= RECOGNITION_THRESHOLD:
            self.envelope = self.closest
            if len(positive) > 1:
                self.tied_with = tuple(
                    compiled[i].id for _, _, i in positive[1:] if scored[i] == best
                )

    @property
    def evidence(self) -> Evidence | None:
        """The chosen (else the closest) envelope's evidence (:attr:`Recognition.evidence`)."""
        if self._evidence is None and self._positive:
            self._evidence = _judge(
                self._candidates.compiled[self._positive[0][2]], self._shape, self._media
            )
        return self._evidence

    def _ranked(self) -> list[int]:
        """Every candidate's index, best first: the positive scores sorted, then every
        zero (ruled out or not) in the order that breaks ties."""
        if self._order is None:
            positive = self._positive
            if self._unscored:
                compiled, scored, place = (
                    self._candidates.compiled,
                    self._scored,
                    self._candidates.place,
                )
                tops = _tops(self._shape.paths)
                positive = list(positive)
                for i, matched in self._unscored:
                    score = scored[i] = _kept_score(
                        compiled[i], self._shape, self._media, matched, tops
                    )
                    if score > 0:
                        positive.append((-score, place[i], i))
                positive.sort()
            first = [i for _, _, i in positive]
            self._order = first + [i for i in self._candidates.order if i not in first]
        return self._order

    @property
    def scores(self) -> tuple[tuple[str, float], ...]:
        """Every candidate's score, best first (:attr:`Recognition.scores`)."""
        order = self._ranked()
        compiled, scored = self._candidates.compiled, self._scored
        return tuple((compiled[i].id, scored.get(i, 0.0)) for i in order)

    def recognition(self) -> Recognition:
        """The whole verdict, every envelope's evidence judged (once)."""
        if self._complete is None:
            order = self._ranked()
            compiled, shape, media = self._candidates.compiled, self._shape, self._media
            chosen = self.evidence
            first = self._positive[0][2] if self._positive else -1
            ranked = tuple(
                chosen if i == first and chosen is not None else _judge(compiled[i], shape, media)
                for i in order
            )
            self._complete = Recognition(
                self.envelope,
                self.score,
                self.closest,
                self.closest_score,
                self.tied_with,
                tuple((e.envelope, e.score) for e in ranked),
                ranked,
            )
        return self._complete


def rank(shape: Shape, candidates: Candidates, media: str | None = None) -> Ranking:
    """:func:`recognize`'s verdict (see :func:`rank_as`)."""
    return rank_as(Ranking, shape, candidates, media)


_R = TypeVar("_R", bound=Ranking)


def rank_as(into: type[_R], shape: Shape, candidates: Candidates, media: str | None) -> _R:
    """:func:`recognize`'s verdict as a :class:`Ranking` (or the subclass ``into``),
    scoring only the envelopes the signature's members do not rule out (:func:`_matches`,
    a few lookups in the shape each), best bound first, and of those only the ones whose
    score could still reach the best one so far (:func:`_bound`); the scores of the
    others, and every evidence, wait for :attr:`Ranking.scores`, :attr:`Ranking.evidence`
    and :meth:`Ranking.recognition`."""
    paths = shape.paths
    compiled = candidates.compiled
    kept: list[tuple[int, int]] = []
    for i, c in enumerate(compiled):
        # (a required member missing, the common way out, tested here first)
        if c.needs <= paths:
            matched = _matches(c, shape, media)
            if matched >= 0:
                kept.append((i, matched))
    scored: dict[int, float] = {}
    positive: list[tuple[float, int, int]] = []
    unscored: list[tuple[int, int]] = []
    if kept:
        tops = _tops(paths)
        place = candidates.place
        if len(kept) == 1:
            i, matched = kept[0]
            score = scored[i] = _kept_score(compiled[i], shape, media, matched, tops)
            if score > 0:
                positive.append((-score, place[i], i))
        else:
            # highest bound first (then by priority and id, the candidates' place)
            order = sorted((-_bound(compiled[i], shape, media, n), place[i], i, n) for i, n in kept)
            best = 0.0
            for minus_bound, at, i, matched in order:
                # Scores are rounded to 6 places: a bound this far below the best cannot
                # tie it.
                if _MARGIN - minus_bound < best:
                    unscored.append((i, matched))
                    continue
                score = scored[i] = _kept_score(compiled[i], shape, media, matched, tops)
                if score > 0:
                    positive.append((-score, at, i))
                    if score > best:
                        best = score
    return into(candidates, scored, positive, unscored, shape, media)


def _kept_score(
    c: _Compiled, shape: Shape, media: str | None, matched: int, tops: set[str]
) -> float:
    """The score :func:`_judge` gives an envelope it does not rule out, showing
    ``matched`` of its members, without building the evidence."""
    paths = shape.paths
    if not paths:
        return 0.0
    kind = _media_kind(c, media)
    if not c.open:
        extensions: Collection[str] = ()
    elif "" in c.open:
        extensions = paths - c.declared
    else:
        extensions = [p for p in paths - c.declared if _opened(p, c.open)]
    return _score(c, shape, kind, media, matched, extensions, tops)


def _bound(c: _Compiled, shape: Shape, media: str | None, matched: int) -> float:
    """The most :func:`_score` can give ``c`` on a shape showing ``matched`` of its
    members: every share whole and no penalty for other members, the rest as it will be
    (identity, a missing code or status echo, the media type, the code's casing and
    catalogue)."""
    return _beyond_structure(c, shape, _media_kind(c, media), media, c.bounds[matched])


def _media_kind(c: _Compiled, media: str | None) -> str | None:
    """The media type as evidence for ``c``: ``None`` (none recorded), ``json``, the
    envelope's own (``dedicated``) or ``other``."""
    if media is None or media == "application/json":
        return None if media is None else "json"
    if media == c.media_type or media in c.media_types:
        return "dedicated"
    return "other"


def _beyond_structure(
    c: _Compiled, shape: Shape, kind: str | None, media: str | None, score: float
) -> float:
    """``score`` with what counts beyond the shares of members: a missing defining member,
    the media type, the code's casing and catalogue. :func:`_score` and :func:`_bound`
    both apply it, in the same order, so a bound is never below the score it bounds."""
    if c.defining and c.defining_set.isdisjoint(shape.paths):
        score -= 0.1
    if kind == "dedicated":
        score += 0.2
    elif kind == "other" and media is not None and media.endswith("+json"):
        score -= 0.2
    if c.code is not None:
        code = shape.values.get(c.code)
        # Prose ("Not Found") in the code's place says nothing about the code's casing.
        if isinstance(code, str) and not _PROSE.search(code):
            if c.casing is not None:
                score += 0.05 if c.casing.fullmatch(code) else -0.1
            if code in c.catalogue:
                score += 0.1
    return score


#: Below the best score by more than this, an envelope's bound says it cannot tie.
_MARGIN = 1e-3


def _matches(c: _Compiled, shape: Shape, media: str | None) -> int:
    """How many of the signature's members :func:`_judge` finds with the right type
    (``matched``), or -1 when it rules ``c`` out (sets ``ruled_out``), read off the
    signature's members without building the evidence: a required member missing, a
    decisive one of another type, fewer than ``minimum`` shown (the dedicated media type
    counts as one)."""
    paths, types_of = shape.paths, shape.types
    if not c.needs <= paths:
        return -1
    dedicated = (
        media is not None
        and media != "application/json"
        and (media == c.media_type or media in c.media_types)
    )
    # Nothing required (problem details): too few members at all rules it out at once.
    if not c.needs and len(c.member_paths & paths) + dedicated < c.minimum:
        return -1
    matched = 0
    # (accepts: the member's types and what compatible(lenient=True) lets stand for them)
    for path, accepts, decisive, required in c.checks:
        if path in paths:
            seen = types_of.get(path)
            if seen and accepts and seen.isdisjoint(accepts) and seen != _NULL:
                if decisive:
                    return -1
            else:
                matched += 1
        elif required:
            return -1
    return -1 if matched + dedicated < c.minimum else matched


def not_recognised(plan: Plan, body: Any, media: str | None) -> str | None:
    """Why a body (or a schema's :class:`Shape`) that the envelope's schema accepts is
    still not recognisably that envelope (a named envelope whose signature rules it out),
    or ``None``. Only an open schema lets this happen: problem details' members are all
    optional, so FastAPI's ``{"detail": "Not Found"}`` validates but shows one of its
    five members."""
    c = _compiled(plan)
    if not c.schema_open:
        return None
    if not isinstance(body, Shape):
        if _shows_enough(c, body, media):
            return None  # the common case, without building the whole shape
        body = shape_of_body(body)
    judged = _judge(c, body, media)
    if judged.ruled_out is None:
        return None
    served = f" served as {media}" if media else ""
    return f"the body{served} is not recognisably {c.id}: {judged.ruled_out}"


def _shows_enough(c: _Compiled, body: Any, media: str | None) -> bool:
    """Whether :func:`_judge` would keep the envelope, read off the signature's members
    alone (as :func:`shape_of_body` samples them: the first items of an array): every
    required member present, no decisive one of another type, ``minimum`` of them with
    the right type. ``False`` means "judge the whole shape"."""
    dedicated = media not in (None, "application/json") and (
        media == c.media_type or media in c.media_types
    )
    shown = 1 if dedicated else 0
    # Decisive and required members first: after them, enough shown is enough.
    for (_, accepts, decisive, required), segments in c.quick:
        if shown >= c.minimum and not (decisive or required):
            return True
        if "*" in segments:
            nodes = [body]
            for segment in segments:
                step: list[Any] = []
                for node in nodes:
                    if segment == "*" and isinstance(node, list):
                        step.extend(node[:_ITEMS])
                    elif isinstance(node, Mapping) and segment in node:
                        step.append(node[segment])
                nodes = step
        else:  # one member or none: the common case, read without lists or sets
            node = body
            for segment in segments:
                if (type(node) is dict or isinstance(node, Mapping)) and segment in node:
                    node = node[segment]
                else:
                    break
            else:
                kind = _TYPES.get(type(node)) or json_type(node)
                # (accepts: what compatible(lenient=True) lets stand for the member's types)
                if accepts and kind not in accepts and kind != "null":
                    if decisive:
                        return False
                    continue
                shown += 1
                continue
            if required:
                return False
            continue
        if not nodes:
            if required:
                return False
            continue
        seen = {_TYPES.get(type(n)) or json_type(n) for n in nodes}
        if accepts and seen.isdisjoint(accepts) and seen != _NULL:
            if decisive:
                return False
            continue
        shown += 1
    return shown >= c.minimum


def signature_data(plan: Plan) -> dict[str, Any]:
    """The effective signature (declared, or derived from the profile) as JSON-ready data,
    as ``errspec envelopes ID`` shows it."""
    sig = signature_of(plan)
    return {
        "declared": plan.envelope.profile.signature is not None,
        "members": [
            {
                "pointer": m.pointer,
                "type": list(m.types),
                "decisive": m.decisive,
                "required": m.required,
            }
            for m in sig.members
        ],
        "minimum": sig.minimum,
        "extensions": list(sig.extensions),
        "media_type": sig.media_type,
    }
