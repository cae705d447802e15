"""Linting OpenAPI documents: every operation's error responses against the envelope profiles.

The same rule ids as response checking where the concept is the same (``status-mismatch``
on an example means what it means on a response), plus the spec-only rules
``error-responses-missing``, ``envelope-inconsistent``, ``openapi-invalid``,
``ref-unresolved`` and ``ref-refused``. Every finding carries ``file:line:col``.

Pipeline: load (with positions) → OpenAPI validity (a compiled JSON Schema validator over
the OpenAPI schema of the document's version) → resolve ``$ref`` (local and relative files
inside the spec's folder; nothing fetched) → every operation and error response → the
spec's envelope (configured, or the majority) → rules.

Where the parts are: the linter's state, ``$ref`` resolution and the walk over operations
in :mod:`errspec._linter`; OpenAPI validity and ``--full-validation`` in
:mod:`errspec._validity`; recognizing an envelope in :mod:`errspec._recognize`; here, the
spec's envelope and the rules on each error response.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._config import Baseline, Config, apply_config, ignored
from ._findings import Finding, Report, Severity
from ._http import is_json_media_type
from ._jsondata import number_text
from ._linter import LintOptions, _ErrorResponse, _Linter, _list, _Ref
from ._plan import Plan, Verdict, all_plans, echo_typed, plan_for
from ._pointer import escape, values
from ._recognize import (
    RECOGNITION_THRESHOLD,
    Recognition,
    Shape,
    compatible,
    envelope_shape,
    not_recognised,
    recognize,
)
from ._registry import Envelope, get_envelope
from ._rules import echo_status
from ._specload import Document, load_document
from ._validity import _full_validation, _validity

# The house shape (errspec._house) is imported by what uses it: a spec whose responses an
# envelope claims never needs it.
if TYPE_CHECKING:
    from ._house import HouseShape, Observation

__all__ = ["LintOptions", "infer_from_spec", "lint_spec", "spec_observations"]
_LEAK_MEMBERS = frozenset(
    {"stack", "stacktrace", "stack_trace", "backtrace", "traceback", "exception"}
)
#: Below this score a response schema is not claimed by any envelope (the recognizer's).
SCHEMA_MATCH_THRESHOLD = RECOGNITION_THRESHOLD


def lint_spec(
    path: str | Path | Document,
    options: LintOptions | None = None,
    *,
    config: Config | None = None,
    baseline: Baseline | frozenset[str] | set[str] = frozenset(),
) -> Report:
    """Lint one OpenAPI document; the report's findings carry ``file:line:col`` locations.

    ``config`` applies ``[tool.errspec]`` (severities, rules off, ignores) and inline
    ``x-errspec-ignore``; findings in ``baseline`` (a :class:`~errspec._config.Baseline`, or
    ``"rule pointer"`` fingerprints for any file) are dropped.
    """
    options = options or LintOptions()
    root = _root(path, options)
    linter = _Linter(root, options)
    linter.docs[root.path.resolve()] = root
    if options.full_validation:
        _full_validation(linter)
    else:
        _validity(linter)
    responses = linter.responses = list(linter.error_responses())
    envelope = _spec_envelope(linter, responses)
    for er in responses:
        with linter.operation(er):
            _response_rules(linter, er, envelope)
    with_schema = [er for er in responses if _has_schema(er)]
    if envelope is None and with_schema:
        house = _house_rules(linter, with_schema)
        linter.add(
            "envelope-unknown",
            f"the {len(with_schema)} error responses with a schema fit none of errspec's "
            f"envelopes{house}; "
            "describe it with `errspec envelopes new DIR --from-spec SPEC` and lint with "
            "--envelope DIR, or give one with --envelope ID",
            (root, "/paths" if "paths" in root.data else ""),
            "warning",
        )
    settings = config or Config()
    kept = apply_config(
        linter.results(lambda rule, op: ignored(rule, op, settings, root.data)),
        settings,
        root.data,
    )
    accepted = Baseline.of(baseline)
    findings = tuple(sorted((f for f in kept if f not in accepted), key=_order))
    return Report(
        source=str(root.path),
        envelope=envelope.id if envelope else None,
        findings=findings,
        kind="spec",
    )


def lint(
    spec: Any,
    *,
    envelope: str = "auto",
    config: Config | str | Path | None = None,
    allow_remote_refs: bool = False,
    allow_outside_refs: bool = False,
    full_validation: bool = False,
    strict: bool | None = None,
) -> Report:
    """Lint an OpenAPI document: the Python door to ``errspec lint``.

    ``spec`` is a path, the YAML or JSON text of a document, or an already-loaded mapping
    (FastAPI's ``app.openapi()``; its findings have no line and column). ``config`` is a
    loaded configuration, or a path to one (``errspec.toml``/``pyproject.toml``); by
    default none is read (the CLI finds one upwards; pass ``load_config()`` for that).
    Raises :class:`~errspec.InputError` for a document errspec cannot read. ``strict``
    (default: the configuration's) reports what errspec infers beyond an envelope's
    source too, as warnings that say so.
    """
    from ._config import load_config
    from ._specload import read_spec

    if config is not None and not isinstance(config, Config):
        config = load_config(config)
    settings = config or Config()
    root = read_spec(spec)
    options = options_for(
        settings,
        envelope=None if envelope == "auto" else envelope,
        allow_remote_refs=allow_remote_refs,
        allow_outside_refs=allow_outside_refs,
        full_validation=full_validation,
        strict=strict,
    )
    return lint_spec(root, options, config=settings)


def options_for(
    config: Config,
    *,
    envelope: str | None = None,
    allow_remote_refs: bool = False,
    allow_outside_refs: bool = False,
    full_validation: bool = False,
    strict: bool | None = None,
) -> LintOptions:
    """What lint does with a configuration and the caller's own choices (the CLI's flags,
    :func:`lint`'s arguments): an envelope given wins over the configured one; an unknown
    one is an error here, before any work."""
    chosen = envelope or config.envelope or "auto"
    if chosen != "auto":
        get_envelope(chosen)
    settings = config.lint
    return LintOptions(
        envelope=chosen,
        allow_remote_refs=allow_remote_refs,
        allow_outside_refs=allow_outside_refs or settings.get("allow-outside-refs", False),
        count_default=settings.get("count-default", True),
        count_ranges=settings.get("count-ranges", True),
        require_401=settings.get("require-401", True),
        require_404=settings.get("require-404", True),
        full_validation=full_validation,
        strict=config.strict if strict is None else strict,
    )


def _order(f: Finding) -> tuple[int, int, str]:
    parts = (f.location or "::").rsplit(":", 2)
    try:
        return int(parts[1]), int(parts[2]), f.rule
    except (ValueError, IndexError):
        return 0, 0, f.rule


# --- the spec's envelope ---------------------------------------------------------------------


#: The shape of a schema is the recognizer's (:mod:`errspec._recognize`); ``nodes`` maps
#: each member path to the schema node (a ``_Ref``) that declares it.
_Shape = Shape


def _shape(linter: _Linter, ref: _Ref, depth: int = 3) -> _Shape:
    """The shape of a response schema (through $ref/allOf/oneOf/anyOf), cached per node:
    member paths, declared types (``nullable`` adds ``null``), required paths (through
    ``allOf`` only), closed objects, and a sample value per member (``const``, the first
    ``enum`` value, ``example`` or ``default``: what an example body would carry)."""
    start = linter.deref(ref)
    if start is None:
        return _Shape()
    key = (id(start.doc), start.pointer)
    cached = linter.shapes.get(key)
    if cached is not None:
        return cached
    shape = _Shape()
    todo: list[tuple[str, _Ref, int, bool]] = [("", start, 0, True)]
    seen: set[tuple[int, str, str]] = set()
    while todo:
        where, r, level, certain = todo.pop()
        resolved = linter.deref(r)
        if resolved is None or not isinstance(resolved.node, Mapping) or level > depth:
            continue
        mark = (id(resolved.doc), resolved.pointer, where)
        if mark in seen:
            continue
        seen.add(mark)
        node = resolved.node
        declared = node.get("type")
        if where and isinstance(declared, str):  # a type list is not compared
            shape.types.setdefault(where, set()).add(declared)
            if node.get("nullable") is True:  # OpenAPI 3.0's way to say "or null"
                shape.types[where].add("null")
        if where and where not in shape.values:
            sample = _sample(node)
            if sample is not None:
                shape.values[where] = sample
        if certain and isinstance(node.get("required"), list):
            shape.required.update(f"{where}/{name}" for name in node["required"])
        if node.get("additionalProperties") is False:
            shape.closed.add(where)
        for keyword in ("allOf", "oneOf", "anyOf"):
            for i, sub in enumerate(_list(node.get(keyword))):
                sub_ref = _Ref(resolved.doc, f"{resolved.pointer}/{keyword}/{i}", sub)
                todo.append((where, sub_ref, level, certain and keyword == "allOf"))
        props = node.get("properties")
        if isinstance(props, Mapping):
            for name, sub in props.items():
                path = f"{where}/{name}"
                sub_ref = _Ref(resolved.doc, f"{resolved.pointer}/properties/{escape(name)}", sub)
                shape.paths.add(path)
                shape.nodes.setdefault(path, sub_ref)
                todo.append((path, sub_ref, level + 1, certain))
        # Array items stay at their array's level (`/errors/*/status` is two members deep),
        # but an array of arrays counts its nesting: a schema whose items are itself
        # (`Tree: {type: array, items: {$ref: Tree}}`) would otherwise never end.
        if isinstance(node.get("items"), Mapping) and where.count("*") < depth:
            items = _Ref(resolved.doc, f"{resolved.pointer}/items", node["items"])
            todo.append((f"{where}/*", items, level, certain))
    linter.shapes[key] = shape
    return shape


def _sample(node: Mapping[str, Any]) -> Any:
    """The scalar value a schema node gives as its own: ``const``, the first ``enum`` value,
    ``example``, or ``default`` (``None`` when it gives none)."""
    for value in (
        node.get("const"),
        (node.get("enum") or [None])[0] if isinstance(node.get("enum"), list) else None,
        node.get("example"),
        node.get("default"),
    ):
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return value
    return None


def _envelope_shape(plan: Plan) -> _Shape:
    """The shape of an envelope's canonical schema (its $defs resolved)."""
    return envelope_shape(plan.envelope.schema)


def _compatible(declared: set[str], expected: set[str]) -> bool:
    return compatible(declared, expected)


def _plans(plan: Plan | None = None) -> list[Plan]:
    """The built-in plans, and a configured house envelope's."""
    plans = all_plans()
    if plan is not None and all(p is not plan for p in plans):
        plans = [*plans, plan]
    return plans


def _recognition(shape: _Shape, media: str, plans: list[Plan]) -> Recognition:
    """The recognizer's verdict on one schema served as ``media`` (kept on the shape:
    specs point many responses at one schema)."""
    return recognize(shape, plans, media, cache=True)


def _match(plan: Plan, shape: _Shape, media: str, plans: list[Plan] | None = None) -> float:
    """How well a response schema's shape fits an envelope, 0-1 (0 when ruled out)."""
    judged = _recognition(shape, media, plans or _plans(plan)).of(plan.id)
    return judged.score if judged is not None else 0.0


def _fit(linter: _Linter, er: _ErrorResponse, plan: Plan, plans: list[Plan] | None = None) -> float:
    """How well the response's best-fitting JSON schema fits one envelope."""
    best = 0.0
    for media, obj in er.media:
        schema = obj.node.get("schema")
        if isinstance(schema, Mapping):
            shape = _shape(linter, _Ref(obj.doc, f"{obj.pointer}/schema", schema))
            best = max(best, _match(plan, shape, media, plans))
    return best


def _has_schema(er: _ErrorResponse) -> bool:
    return any(isinstance(obj.node.get("schema"), Mapping) for _, obj in er.media)


def _claim(linter: _Linter, er: _ErrorResponse, plans: list[Plan]) -> tuple[Plan | None, float]:
    """The envelope the recognizer gives the response's schema (its best media type), or
    ``None`` with the closest score."""
    by_id = {p.id: p for p in plans}
    best: tuple[Plan | None, float] = (None, 0.0)
    closest = 0.0
    for media, obj in er.media:
        schema = obj.node.get("schema")
        if not isinstance(schema, Mapping):
            continue
        shape = _shape(linter, _Ref(obj.doc, f"{obj.pointer}/schema", schema))
        result = _recognition(shape, media, plans)
        closest = max(closest, result.closest_score)
        if result.envelope is None:
            continue
        plan = by_id[result.envelope]
        if result.score > best[1] or (
            result.score == best[1] and best[0] is not None and plan.priority > best[0].priority
        ):
            best = (plan, result.score)
    return best if best[0] is not None else (None, closest)


def _spec_envelope(linter: _Linter, responses: list[_ErrorResponse]) -> Envelope | None:
    configured = linter.options.envelope
    plans = all_plans()
    responses = [er for er in responses if _has_schema(er)]
    claims = {id(er): _claim(linter, er, plans)[0] for er in responses}
    if configured and configured != "auto":
        envelope = get_envelope(configured)
    else:
        # The majority of the error responses decides; responses no envelope claims vote
        # too, so a few look-alikes do not impose an envelope on a spec that has its own.
        votes = Counter(p.id if p is not None else None for p in claims.values())
        if not votes:
            return None
        winner = votes.most_common(1)[0][0]
        if winner is None:
            return None
        envelope = get_envelope(winner)
    spec_plan = plan_for(envelope, linter.options.strict)
    for er in responses:
        claimed = claims[id(er)]
        if claimed is None or claimed.id == envelope.id:
            continue
        # Only a clearly better fit is another envelope: a bare {error: {code, message}}
        # fits odata and error-object equally, and a house copy of a built-in fits as well.
        if _fit(linter, er, claimed) - _fit(linter, er, spec_plan) > 0.05:
            linter.add(
                "envelope-inconsistent",
                f"{er.method.upper()} {er.path} {er.key} uses the {claimed.id} envelope; "
                f"the spec's errors are {envelope.id}",
                er.response,
                envelope=envelope.id,
            )
    if configured and configured != "auto":
        _unrecognised(linter, responses, spec_plan)
    return envelope


def _unrecognised(linter: _Linter, responses: list[_ErrorResponse], plan: Plan) -> None:
    """With an envelope named, a JSON schema its open canonical schema accepts but its
    signature rules out (``{detail}`` alone as application/json, named problem details)
    is an ``envelope-schema`` finding, once per schema."""
    judged: set[tuple[int, str, str]] = set()
    for er in responses:
        for media, obj in er.media:
            schema = obj.node.get("schema")
            if not isinstance(schema, Mapping) or not is_json_media_type(media):
                continue
            ref = _Ref(obj.doc, f"{obj.pointer}/schema", schema)
            where = linter.deref(ref) or ref
            key = (id(where.doc), where.pointer, media)
            if key in judged:
                continue
            judged.add(key)
            shape = _shape(linter, ref)
            why = not_recognised(plan, shape, media) if shape.paths else None
            if why is not None:
                linter.add(
                    "envelope-schema",
                    why.replace("the body", "the schema", 1),
                    where,
                    envelope=plan.id,
                )


# --- the spec's own envelope ------------------------------------------------------------------


def _observed(linter: _Linter, er: _ErrorResponse) -> tuple[Observation, _Ref] | None:
    """The shape of a response's first JSON schema, as an :class:`Observation`."""
    from ._house import Observation

    for media, obj in er.media:
        schema = obj.node.get("schema")
        if isinstance(schema, Mapping) and is_json_media_type(media):
            ref = _Ref(obj.doc, f"{obj.pointer}/schema", schema)
            shape = _shape(linter, ref)
            return Observation(shape, media, er.status, er.key), ref
    return None


def _root(path: str | Path | Document, options: LintOptions) -> Document:
    """The spec to lint: a loaded :class:`Document`, or the file at ``path`` (within the
    options' size limit)."""
    if isinstance(path, Document):
        return path
    limit = {} if options.max_bytes is None else {"max_bytes": options.max_bytes}
    return load_document(Path(path), **limit)


def spec_observations(path: str | Path, options: LintOptions | None = None) -> list[Observation]:
    """One :class:`Observation` per error response of a spec with a JSON schema (what
    ``errspec envelopes new --from-spec`` infers a house envelope from)."""
    options = options or LintOptions()
    root = _root(path, options)
    linter = _Linter(root, options)
    out = []
    for er in linter.error_responses():
        seen = _observed(linter, er)
        if seen is not None:
            out.append(seen[0])
    return out


def infer_from_spec(path: str | Path, options: LintOptions | None = None) -> HouseShape:
    """The house shape of a spec's error responses (their JSON schemas, as lint reads
    them); :class:`ValueError` when none declares a schema with members."""
    from ._house import infer_house

    house = infer_house(spec_observations(path, options))
    if house is None:
        raise ValueError(f"{path}: no error response declares a JSON schema with members")
    return house


def _member_name(pointer: str) -> str:
    """The last member name of a JSON pointer, unescaped."""
    return pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def _house_rules(linter: _Linter, responses: list[_ErrorResponse]) -> str:
    """With no known envelope: infer the spec's house shape, report the responses that
    clearly differ from it (``envelope-inconsistent`` at the response, once at a shared
    component), and say for ``envelope-unknown`` what the closest envelope and the house
    shape are."""
    from ._house import infer_house, root_of

    observed = [(er, *seen) for er in responses if (seen := _observed(linter, er)) is not None]
    house = infer_house([o for _, o, _ in observed])
    if house is None:
        return ""
    common = [m.name for m in house.common]
    if not common:
        return f"; they share no shape (no member is in more than half of {house.total})"
    code = _member_name(house.code.pointer) if house.code is not None else None
    said = _member_name(house.message) if house.message else None
    shown = house.describe()
    kept = f"({house.used_by} of {house.total})"
    representative: Counter[int] = Counter()
    shapes: dict[int, tuple[Shape, str]] = {}
    tops: dict[int, tuple[str, set[str]]] = {}  # per shape (many responses share one)
    for er, o, _ in observed:
        if not o.shape.paths:
            continue
        top = tops.get(id(o.shape))
        if top is None:
            root = root_of(o.shape)
            top = tops[id(o.shape)] = (
                root,
                {
                    p.rsplit("/", 1)[-1]
                    for p in o.shape.paths
                    if p.count("/") == root.count("/") + 1 and p.startswith(root + "/")
                },
            )
        root, members = top
        if root == house.root and all(n in members for n in common):
            representative[id(o.shape)] += 1
            shapes[id(o.shape)] = (o.shape, o.media)
        named = f"{er.method.upper()} {er.path} {er.key}"
        message = None
        severity: Severity | None = None
        if root != house.root:
            if not house.root:
                message = (
                    f"{named} wraps the error in {{{root[1:]}: {{…}}}}; the spec's other "
                    f"error responses are bare: {shown} {kept}"
                )
            elif not root:
                message = (
                    f"{named} is a bare error object; the spec's error responses wrap it: "
                    f"{shown} {kept}"
                )
            else:
                message = (
                    f"{named} wraps the error in {{{root[1:]}: {{…}}}}; the spec's error "
                    f"responses use {shown} {kept}"
                )
        else:
            lacking = [
                (name, role)
                for name, role in ((code, "code"), (said, "message"))
                if name is not None and name in common and name not in members
            ]
            if lacking:
                has = ", ".join(sorted(members)[:8]) + (", …" if len(members) > 8 else "")
                roles = [f"{role} member {name!r}" for name, role in lacking]
                said_no = (
                    f"no {roles[0]}"
                    if len(roles) == 1
                    else f"neither the {' nor the '.join(roles)}"
                )
                if members <= set(common):
                    # Part of the house shape, under-documented (Slack's "brief" template
                    # declares `ok` alone): a warning. Other members instead: another shape.
                    severity = "warning"
                    message = (
                        f"{named} declares only {{{has}}} of the spec's own shape, "
                        f"{said_no.replace('no ', 'not its ', 1)}: {shown} {kept}"
                    )
                else:
                    message = (
                        f"{named} has {said_no} of the spec's error responses, only "
                        f"{{{has}}}; the spec's own shape: {shown} {kept}"
                    )
        if message is not None:
            with linter.operation(er):
                linter.add("envelope-inconsistent", message, er.response, severity)
    closest = ""
    if representative:
        shape, media = shapes[representative.most_common(1)[0][0]]
        result = _recognition(shape, media, _plans())
        if result.closest is not None:
            closest = f" (closest: {result.closest}, {result.closest_score:.2f})"
        elif result.judged:
            # Every envelope ruled out: the one that shares most members, and why not it.
            near = max(result.judged, key=lambda e: len(e.matched))
            if near.matched:
                closest = f" (closest: {near.envelope}, 0.00, ruled out: {near.ruled_out})"
    return (
        f"{closest}; the spec's own shape: {shown} (used by {house.used_by} of "
        f"{house.total} error responses)"
    )


# --- rules on one error response -------------------------------------------------------------


def _response_rules(linter: _Linter, er: _ErrorResponse, envelope: Envelope | None) -> None:
    if envelope is None:
        _header_rules(linter, er, None)  # HTTP's own rules need no envelope
        return
    plan = plan_for(envelope, linter.options.strict)
    env_id = envelope.id
    media_pairs = er.media
    json_media = [(m, o) for m, o in media_pairs if is_json_media_type(m)]
    if media_pairs and not json_media:
        linter.add(
            "media-type",
            f"{er.key} response has no JSON content ({', '.join(m for m, _ in media_pairs)})",
            er.response,
            envelope=env_id,
        )
    elif json_media and not any(m in plan.media_types for m, _ in json_media):
        expected = " or ".join(sorted(plan.media_types))
        linter.add(
            "media-type",
            f"{er.key} response is {', '.join(m for m, _ in json_media)}, not {expected}",
            json_media[0][1],
            plan.media_level,
            env_id,
        )
    _header_rules(linter, er, plan)
    for _media_type, obj in json_media:
        schema = obj.node.get("schema")
        if isinstance(schema, Mapping):
            _schema_rules(linter, er, plan, _Ref(obj.doc, f"{obj.pointer}/schema", schema))
        for example_ref, bound in _examples(linter, obj):
            # An example that belongs to no one status is checked against the envelope only.
            _example_rules(linter, er if bound else replace(er, status=None), plan, example_ref)


#: What HTTP itself asks of an error response's headers, whatever its envelope: a 401
#: MUST send WWW-Authenticate (RFC 9110 §15.5.2), at the level every built-in profile gives.
_HTTP_HEADERS: dict[int, tuple[tuple[str, str], ...]] = {
    401: (("WWW-Authenticate", "required"),)  # RFC 9110 §11.6.1: MUST
}


def _header_rules(linter: _Linter, er: _ErrorResponse, plan: Plan | None) -> None:
    """The headers the profile asks for; without an envelope (``plan`` None), those HTTP
    asks for (:data:`_HTTP_HEADERS`)."""
    if er.status is None:
        return
    headers = er.response.node.get("headers")
    declared = {str(k).lower() for k in headers} if isinstance(headers, Mapping) else set()
    asked: list[tuple[str, str, Verdict]] = (
        [(name, level, ("error", "")) for name, level in _HTTP_HEADERS.get(er.status, ())]
        if plan is None
        else [
            (h.name, h.level, plan.header_verdict(h))
            for h in plan.envelope.profile.headers_for(er.status)
        ]
    )
    for header, level, (severity, suffix) in asked:
        name = header.lower()
        family = name[:-1] if name.endswith("*") else None
        if family is not None and any(d.startswith(family) for d in declared):
            continue
        if name in declared or level == "optional" or severity is None:
            continue
        if name == "retry-after":
            rule = "retry-after-missing"
        elif name == "www-authenticate":
            if not er.secured:
                continue
            rule = "www-authenticate-missing"
            if severity == "error" and not suffix:
                suffix = " (RFC 9110 §11.6.1)"  # HTTP's own MUST, whatever the envelope
        elif severity == "error":
            rule = "header-missing"  # in a spec, only a header the source states
        else:
            continue
        linter.add(
            rule,
            f"{er.key} response does not declare {header}{suffix}",
            er.response,
            severity,
            plan.id if plan is not None else None,
        )


def _schema_rules(linter: _Linter, er: _ErrorResponse, plan: Plan, schema: _Ref) -> None:
    shape = _shape(linter, schema)
    where = linter.deref(schema) or schema
    # A member the profile allows only on some statuses, required by this response's schema.
    if er.status is not None:
        for (_segments, allowed, _, pointer), (severity, suffix) in zip(
            plan.conditional, plan.conditional_verdicts, strict=True
        ):
            if er.status not in allowed and pointer in shape.required and severity is not None:
                only = ", ".join(map(str, sorted(allowed)))
                linter.add(
                    "conditional-member",
                    f"the {er.status} schema requires {pointer}, which is only for status "
                    f"{only}{suffix}",
                    where,
                    severity,
                    plan.id,
                )
    key = (id(where.doc), where.pointer)
    if not shape.paths:
        return
    judged = linter.schemas_checked.get(key)
    if judged is not None:  # a schema shared by many responses is judged once
        linter.replay(judged)
        return
    with linter.recording() as linter.schemas_checked[key]:
        _shared_schema_rules(linter, er, plan, shape, where)


def _shared_schema_rules(
    linter: _Linter, er: _ErrorResponse, plan: Plan, shape: _Shape, where: _Ref
) -> None:
    """What is wrong with a schema whatever the response it serves (judged once)."""
    env = _envelope_shape(plan)
    for member in sorted(env.required):
        parent = member.rsplit("/", 1)[0]
        if member.count("/") > 2 or member in shape.paths:
            continue
        if parent and parent not in shape.paths:
            continue  # reported at the parent already
        shown = member[1:].replace("/*/", "[].").replace("/", ".")
        linter.add(
            "envelope-schema",
            f"the schema does not declare {shown!r}, which {plan.id} requires",
            where,
            envelope=plan.id,
        )
    # Declared types that contradict the envelope's (GitHub's string `status`).
    for path, ref in shape.nodes.items():
        resolved = linter.deref(ref)
        if resolved is None or not isinstance(resolved.node, Mapping):
            continue
        declared = shape.types.get(path)
        expected = env.types.get(path)
        if declared and expected and not _compatible(declared, expected):
            linter.add(
                "envelope-schema",
                f"{path} is declared {' or '.join(sorted(declared))}; {plan.id} has "
                f"{' or '.join(sorted(expected))}",
                resolved,
                envelope=plan.id,
            )
        name = path.rsplit("/", 1)[-1]
        if name.lower() in _LEAK_MEMBERS:
            linter.add(
                "leaked-internals",
                f"the schema declares a member {name!r}",
                resolved,
                envelope=plan.id,
            )
        if (
            plan.code is not None
            and path == "/" + "/".join(plan.code)
            and isinstance(resolved.node.get("enum"), list)
        ):
            for value in resolved.node["enum"]:
                if isinstance(value, str):
                    _code_value_rules(linter, er, plan, value, resolved, status_bound=False)


def _examples(linter: _Linter, media_obj: _Ref) -> Iterator[tuple[_Ref, bool]]:
    """The examples of a media-type object (or a Swagger 2.0 response): its ``example`` and
    ``examples``, then those written on its schema (``example``, and the JSON Schema
    ``examples`` array), at the schema's place (a shared schema's, reported once there).
    With each, whether it is an example of the response's status: a schema's example is
    only when every error response that uses the schema has the same status."""
    node = media_obj.node
    if "example" in node:
        yield _Ref(media_obj.doc, f"{media_obj.pointer}/example", node["example"]), True
    for example in _media_examples(linter, media_obj):
        yield example, True
    schema = node.get("schema")
    if isinstance(schema, Mapping):
        resolved = linter.resolve(_Ref(media_obj.doc, f"{media_obj.pointer}/schema", schema))
        if isinstance(resolved, _Ref) and isinstance(resolved.node, Mapping):
            at = resolved.pointer
            bound = len(_schema_statuses(linter).get((id(resolved.doc), at), ())) == 1
            if "example" in resolved.node:
                yield _Ref(resolved.doc, f"{at}/example", resolved.node["example"]), bound
            for i, example in enumerate(_list(resolved.node.get("examples"))):
                yield _Ref(resolved.doc, f"{at}/examples/{i}", example), bound


def _schema_statuses(linter: _Linter) -> dict[tuple[int, str], set[int | None]]:
    """The statuses of the error responses that use each schema (``None`` for ``4XX`` and
    ``default``), by the schema's place; worked out once."""
    if linter.schema_statuses is None:
        linter.schema_statuses = {}
        for er in linter.responses:
            for _media_type, obj in er.media:
                schema = obj.node.get("schema")
                if not isinstance(schema, Mapping):
                    continue
                resolved = linter.resolve(_Ref(obj.doc, f"{obj.pointer}/schema", schema))
                if isinstance(resolved, _Ref):
                    place = (id(resolved.doc), resolved.pointer)
                    linter.schema_statuses.setdefault(place, set()).add(er.status)
    return linter.schema_statuses


def _media_examples(linter: _Linter, media_obj: _Ref) -> Iterator[_Ref]:
    node = media_obj.node
    examples = node.get("examples")
    if isinstance(examples, Mapping):
        for name, example in examples.items():
            ref = linter.deref(
                _Ref(media_obj.doc, f"{media_obj.pointer}/examples/{escape(name)}", example)
            )
            if ref is None or not isinstance(ref.node, Mapping) or "value" not in ref.node:
                continue
            yield _Ref(ref.doc, f"{ref.pointer}/value", ref.node["value"])


def _example_rules(linter: _Linter, er: _ErrorResponse, plan: Plan, example: _Ref) -> None:
    body = example.node
    if not isinstance(body, (dict, list)):
        return
    envelope = plan.envelope
    if not envelope.is_valid(body):
        for error in list(islice(envelope.validator.iter_errors(body), 5)):
            inside = "".join("/" + escape(p) for p in error.absolute_path)
            severity, suffix = plan.member_verdict(inside)
            if severity is None:
                continue
            linter.add(
                "envelope-schema",
                f"example: {' '.join(error.message.split())[:160]}{suffix}",
                (example.doc, example.pointer + inside),
                severity,
                envelope=plan.id,
            )
    if er.status is not None and plan.echo is not None:
        said = (echo_status(plan, v) for v in values(body, plan.echo) if echo_typed(plan, v))
        echoes = [int(v) for v in said if v is not None]
        if plan.echo_most_general and len(echoes) > 1:
            # JSON:API "Processing Errors": one of them, or the most general of a class.
            general = set(echoes) | {v // 100 * 100 for v in echoes}
            wrong = [] if er.status in general else echoes
        else:
            wrong = [v for v in echoes if v != er.status]
        severity, suffix = plan.echo_verdict
        if wrong and severity is not None:
            linter.add(
                "status-mismatch",
                f"example says status {number_text(wrong[0])} but it documents the {er.status} "
                f"response{suffix}",
                example,
                severity,
                envelope=plan.id,
            )
    if plan.code is not None:
        for value in values(body, plan.code)[:1]:
            if isinstance(value, str):
                _code_value_rules(linter, er, plan, value, example, status_bound=True)
    if er.status is not None:
        for (segments, only_for, _, pointer), (severity, suffix) in zip(
            plan.conditional, plan.conditional_verdicts, strict=True
        ):
            if er.status not in only_for and values(body, segments) and severity is not None:
                only = ", ".join(map(str, sorted(only_for)))
                linter.add(
                    "conditional-member",
                    f"example has {pointer}, which is only for status {only}, not "
                    f"{er.status}{suffix}",
                    example,
                    severity,
                    plan.id,
                )


def _code_value_rules(
    linter: _Linter, er: _ErrorResponse, plan: Plan, code: str, where: _Ref, *, status_bound: bool
) -> None:
    if plan.casing is not None and not plan.casing.fullmatch(code):
        severity, suffix = plan.casing_verdict
        if severity is not None:
            linter.add(
                "code-format",
                f"code {code!r} is not {plan.code_format}{suffix}",
                where,
                severity,
                envelope=plan.id,
            )
        if plan.catalogue_open or not plan.catalogue:
            return
    statuses = plan.catalogue.get(code)
    if statuses is None:
        if plan.catalogue:
            severity, suffix = ("warning", "") if plan.catalogue_open else plan.closed_verdict
            if severity is not None:
                linter.add(
                    "unknown-code",
                    f"code {code!r} is not in the {plan.id} catalogue{suffix}",
                    where,
                    severity,
                    plan.id,
                )
        return
    if status_bound and er.status is not None and statuses and er.status not in statuses:
        severity, suffix = plan.row_verdict(code)
        if severity is not None:
            linter.add(
                "code-status-mismatch",
                f"example code {code!r} goes with HTTP {' or '.join(map(str, statuses))}, "
                f"not the {er.status} it documents{suffix}",
                where,
                severity,
                envelope=plan.id,
            )
