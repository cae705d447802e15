"""Linting OpenAPI documents: every operation's error responses against the envelope profiles.

The same rule ids as response checking where the concept is the same (``status-mismatch``
on an example means what it means on a response), plus the spec-only rules
``error-responses-missing``, ``envelope-inconsistent``, ``openapi-invalid``,
``ref-unresolved`` and ``ref-refused``. Every finding carries ``file:line:col``.

Pipeline: load (with positions) → OpenAPI validity (a compiled JSON Schema validator over
the OpenAPI schema of the document's version) → resolve ``$ref`` (local and relative files
inside the spec's folder; nothing fetched) → every operation and error response → the
spec's envelope (configured, or the majority) → rules.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ._config import Config, apply_config, fingerprint
from ._findings import RULES, Finding, Report, Severity
from ._http import is_json_media_type
from ._inputs import InputError
from ._plan import Plan, all_plans, echo_typed, plan_for
from ._pointer import compile_pointer, escape, values
from ._registry import Envelope, get_envelope
from ._specload import Document, load_document

__all__ = ["LintOptions", "lint_spec"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LEAK_MEMBERS = frozenset(
    {"stack", "stacktrace", "stack_trace", "backtrace", "traceback", "exception"}
)
#: Below this score a response schema is not claimed by any envelope.
SCHEMA_MATCH_THRESHOLD = 0.5


@dataclass(frozen=True)
class LintOptions:
    """What `errspec lint` checks, and how (defaults are the documented policy)."""

    envelope: str = "auto"
    allow_remote_refs: bool = False
    allow_outside_refs: bool = False
    #: Which response keys count as error responses: numeric 4xx/5xx always; these two add
    #: the ranges (``4XX``, ``5XX``) and ``default``.
    count_ranges: bool = True
    count_default: bool = True
    require_401: bool = True  # on operations whose effective security is non-empty
    require_404: bool = True  # on paths with path parameters (a warning)
    max_bytes: int | None = None
    #: Also run openapi-spec-validator's full check (semantic checks such as undeclared
    #: path parameters; ~11 s on GitHub's 13 MB description, so not by default).
    full_validation: bool = False


@dataclass
class _Ref:
    """A resolved node: where it lives (document and pointer) and what it is."""

    doc: Document
    pointer: str
    node: Any


@dataclass
class _ErrorResponse:
    key: str  # "404", "4XX", "default"
    response: _Ref
    op_pointer: str
    method: str
    path: str
    secured: bool
    status: int | None  # the numeric status, when the key is one
    produces: str = "application/json"  # Swagger 2.0: the operation's (or document's) type


@dataclass
class _Linter:
    root: Document
    options: LintOptions
    findings: list[Finding] = field(default_factory=list)
    docs: dict[Path, Document] = field(default_factory=dict)
    shapes: dict[tuple[int, str], _Shape] = field(default_factory=dict)
    schemas_checked: set[tuple[int, str]] = field(default_factory=set)

    # --- locations and findings ----------------------------------------------------------

    def location(self, doc: Document, pointer: str) -> str:
        position = doc.position(pointer)
        while position is None and pointer:
            pointer = pointer.rsplit("/", 1)[0]
            position = doc.position(pointer)
        line, col = position or (1, 1)
        return f"{doc.path}:{line}:{col}"

    def add(
        self,
        rule: str,
        message: str,
        where: _Ref | tuple[Document, str],
        severity: Severity | None = None,
        envelope: str | None = None,
    ) -> None:
        doc, pointer = (where.doc, where.pointer) if isinstance(where, _Ref) else where
        shown = pointer if doc is self.root else f"{doc.path.name}#{pointer}"
        self.findings.append(
            Finding(
                rule,
                severity or RULES[rule].severity,
                message,
                shown,
                envelope,
                self.location(doc, pointer),
            )
        )

    # --- $ref ------------------------------------------------------------------------------

    def deref(self, ref: _Ref) -> _Ref | None:
        """Follow ``$ref`` chains from ``ref``; report unresolvable, refused and cyclic refs."""
        seen: list[tuple[Path, str]] = []
        while isinstance(ref.node, Mapping) and isinstance(ref.node.get("$ref"), str):
            target = ref.node["$ref"]
            key = (ref.doc.path, ref.pointer)
            if key in seen:
                self.add("ref-unresolved", f"$ref cycle through {target!r}", ref)
                return None
            seen.append(key)
            nxt = self._follow(ref, target)
            if nxt is None:
                return None
            ref = nxt
        return ref

    def _follow(self, ref: _Ref, target: str) -> _Ref | None:
        file_part, _, fragment = target.partition("#")
        doc = ref.doc
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", file_part):
            if not self.options.allow_remote_refs:
                self.add(
                    "ref-refused",
                    f"$ref {target!r} points to a URL, which errspec does not fetch unless "
                    "asked (--allow-remote-refs)",
                    (ref.doc, f"{ref.pointer}/$ref"),
                )
                return None
            fetched = self._fetch(ref, file_part)
            if fetched is None:
                return None
            doc = fetched
        elif file_part:
            doc_or_none = self._document(ref, file_part)
            if doc_or_none is None:
                return None
            doc = doc_or_none
        pointer = unquote(fragment)  # RFC 6901 §6: a fragment is percent-encoded
        try:
            segments = compile_pointer(pointer)
        except ValueError:
            self.add(
                "ref-unresolved",
                f"$ref {target!r} is not a JSON pointer",
                (ref.doc, f"{ref.pointer}/$ref"),
            )
            return None
        found = values(doc.data, segments)
        if not found:
            self.add(
                "ref-unresolved",
                f"$ref {target!r} points to nothing",
                (ref.doc, f"{ref.pointer}/$ref"),
            )
            return None
        return _Ref(doc, pointer, found[0])

    def _document(self, ref: _Ref, file_part: str) -> Document | None:
        base = ref.doc.path.parent
        path = (base / file_part).resolve()
        root_folder = self.root.path.resolve().parent
        if not self.options.allow_outside_refs and not path.is_relative_to(root_folder):
            self.add(
                "ref-refused",
                f"$ref {file_part!r} is outside the spec's folder (--allow-outside-refs)",
                (ref.doc, f"{ref.pointer}/$ref"),
            )
            return None
        if path in self.docs:
            return self.docs[path]
        try:
            doc = load_document(path, **self._load_args())
        except InputError as exc:
            self.add(
                "ref-unresolved", f"$ref {file_part!r}: {exc}", (ref.doc, f"{ref.pointer}/$ref")
            )
            return None
        self.docs[path] = doc
        return doc

    def _fetch(self, ref: _Ref, url: str) -> Document | None:
        """Only with --allow-remote-refs: fetch a referenced document (http/https, 10 s,
        the size limit of local files), once per URL."""
        key = Path("/__remote__") / url
        if key in self.docs:
            return self.docs[key]
        import tempfile
        import urllib.request

        where = (ref.doc, f"{ref.pointer}/$ref")
        if not url.startswith(("http://", "https://")):
            self.add("ref-refused", f"$ref {url!r}: only http(s) URLs can be fetched", where)
            return None
        limit = self.options.max_bytes or 64 * 1024 * 1024
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                data = answer.read(limit + 1)
        except (OSError, ValueError) as exc:
            self.add("ref-unresolved", f"$ref {url!r}: cannot fetch: {exc}", where)
            return None
        suffix = ".json" if data.lstrip()[:1] in (b"{", b"[") else ".yaml"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"remote{suffix}"
            path.write_bytes(data[: limit + 1])
            try:
                doc = load_document(path, **self._load_args())
            except InputError as exc:
                self.add("ref-unresolved", f"$ref {url!r}: {exc}", where)
                return None
        self.docs[key] = doc
        return doc

    def _load_args(self) -> dict[str, Any]:
        return {} if self.options.max_bytes is None else {"max_bytes": self.options.max_bytes}

    # --- the walk --------------------------------------------------------------------------

    def error_responses(self) -> Iterator[_ErrorResponse]:
        data = self.root.data
        global_security = _secured(data.get("security"))
        # (base pointer, path items, whether the API is the server there): for webhooks and
        # callbacks the API is the caller, so 401/404 requirements do not apply.
        containers: list[tuple[str, Any, bool]] = [("/paths", data.get("paths"), True)]
        if isinstance(data.get("webhooks"), Mapping):
            containers.append(("/webhooks", data["webhooks"], False))
        while containers:
            base, items, served = containers.pop(0)
            if not isinstance(items, Mapping):
                continue
            for path, item in items.items():
                if str(path).startswith("x-"):
                    continue
                item_ref = self.deref(_Ref(self.root, f"{base}/{escape(path)}", item))
                if item_ref is None or not isinstance(item_ref.node, Mapping):
                    continue
                for method in METHODS:
                    op = item_ref.node.get(method)
                    if not isinstance(op, Mapping):
                        continue
                    op_pointer = f"{item_ref.pointer}/{method}"
                    op_ref = _Ref(item_ref.doc, op_pointer, op)
                    security = op.get("security")
                    secured = _secured(security) if security is not None else global_security
                    yield from self._operation(
                        op_ref, method, str(path), secured and served, served
                    )
                    callbacks = op.get("callbacks")
                    if not isinstance(callbacks, Mapping):
                        continue  # absent, or invalid (openapi-invalid says so)
                    for name, callback in callbacks.items():
                        cb = self.deref(
                            _Ref(item_ref.doc, f"{op_pointer}/callbacks/{escape(name)}", callback)
                        )
                        if cb is not None and isinstance(cb.node, Mapping):
                            containers.append((cb.pointer, cb.node, False))

    def _operation(
        self, op: _Ref, method: str, path: str, secured: bool, served: bool
    ) -> Iterator[_ErrorResponse]:
        responses = op.node.get("responses")
        if not isinstance(responses, Mapping):
            return
        errors: list[_ErrorResponse] = []
        for key, response in responses.items():
            key = str(key)
            status = int(key) if key.isdigit() else None
            counts = (
                (status is not None and 400 <= status <= 599)
                or (self.options.count_ranges and key.upper() in ("4XX", "5XX"))
                or (self.options.count_default and key == "default")
            )
            if not counts:
                continue
            ref = self.deref(_Ref(op.doc, f"{op.pointer}/responses/{escape(key)}", response))
            if ref is None or not isinstance(ref.node, Mapping):
                continue
            produces = _list(op.node.get("produces")) or _list(self.root.data.get("produces"))
            media = next((str(m) for m in produces if "json" in str(m)), "application/json")
            errors.append(
                _ErrorResponse(key, ref, op.pointer, method, path, secured, status, media)
            )
        self._required_responses(op, responses, path, secured, served)
        yield from errors

    def _required_responses(
        self, op: _Ref, responses: Mapping[str, Any], path: str, secured: bool, served: bool
    ) -> None:
        keys = {str(k).upper() for k in responses}
        generic = ("DEFAULT" in keys and self.options.count_default) or (
            "4XX" in keys and self.options.count_ranges
        )
        has_4xx = generic or any(k.isdigit() and 400 <= int(k) <= 499 for k in keys)
        where = (op.doc, op.pointer)
        if not has_4xx:
            self.add(
                "error-responses-missing",
                f"{op.pointer.rsplit('/', 1)[-1].upper()} {path} declares no 4xx error response",
                where,
            )
            return
        if self.options.require_401 and secured and "401" not in keys and not generic:
            self.add(
                "error-responses-missing",
                f"{op.pointer.rsplit('/', 1)[-1].upper()} {path} is secured but declares no 401",
                where,
            )
        if (
            self.options.require_404
            and served
            and "{" in path
            and "404" not in keys
            and not generic
        ):
            self.add(
                "error-responses-missing",
                f"{op.pointer.rsplit('/', 1)[-1].upper()} {path} has path parameters "
                "but declares no 404",
                where,
                "warning",
            )


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else ``[]``: an invalid document (already reported as
    ``openapi-invalid``) must not stop the walk."""
    return value if isinstance(value, list) else []


def _secured(requirements: Any) -> bool:
    """Non-empty security, and no `{}` alternative (anonymous access allowed)."""
    if not isinstance(requirements, list) or not requirements:
        return False
    return all(isinstance(r, Mapping) and r for r in requirements)


def lint_spec(
    path: str | Path,
    options: LintOptions | None = None,
    *,
    config: Config | None = None,
    baseline: frozenset[str] | set[str] = frozenset(),
) -> Report:
    """Lint one OpenAPI document; the report's findings carry ``file:line:col`` locations.

    ``config`` applies ``[tool.errspec]`` (severities, rules off, ignores) and inline
    ``x-errspec-ignore``; findings whose fingerprint is in ``baseline`` are dropped.
    """
    options = options or LintOptions()
    root = load_document(
        Path(path), **({} if options.max_bytes is None else {"max_bytes": options.max_bytes})
    )
    linter = _Linter(root, options)
    linter.docs[root.path.resolve()] = root
    if options.full_validation:
        _full_validation(linter)
    else:
        _validity(linter)
    responses = list(linter.error_responses())
    envelope = _spec_envelope(linter, responses)
    for er in responses:
        _response_rules(linter, er, envelope)
    with_schema = [er for er in responses if _has_schema(er)]
    if envelope is None and with_schema:
        linter.add(
            "envelope-unknown",
            f"the {len(with_schema)} error responses with a schema fit none of errspec's "
            "envelopes; "
            "give one with --envelope ID or a folder of your own",
            (root, "/paths" if "paths" in root.data else ""),
        )
    unique: dict[tuple[str, str, str], Finding] = {}
    for finding in linter.findings:
        unique.setdefault((finding.rule, finding.pointer, finding.message), finding)
    kept = apply_config(unique.values(), config or Config(), root.data)
    findings = tuple(sorted((f for f in kept if fingerprint(f) not in baseline), key=_order))
    return Report(
        source=str(root.path),
        envelope=envelope.id if envelope else None,
        findings=findings,
        kind="spec",
    )


def _order(f: Finding) -> tuple[int, int, str]:
    parts = (f.location or "::").rsplit(":", 2)
    try:
        return int(parts[1]), int(parts[2]), f.rule
    except (ValueError, IndexError):
        return 0, 0, f.rule


# --- validity ------------------------------------------------------------------------------

_VALIDATORS: dict[str, Any] = {}


def _oas_validator(version: str) -> Any:
    """A compiled validator for the OpenAPI schema of ``version`` (the schemas that
    openapi-spec-validator ships), built once."""
    key = (
        "v2.0"
        if version.startswith("2")
        else "v3." + version[2]
        if version[2:3] in "12"
        else "v3.0"
    )
    validator = _VALIDATORS.get(key)
    if validator is None:
        import jsonschema_rs

        schema = json.loads(
            files("openapi_spec_validator")
            .joinpath("resources", "schemas", key, "schema.json")
            .read_text()
        )

        def refuse(uri: str) -> Any:
            raise ValueError(f"errspec does not fetch {uri}")

        validator = jsonschema_rs.validator_for(schema, retriever=refuse, validate_formats=False)
        _VALIDATORS[key] = validator
    return validator


def _full_validation(linter: _Linter) -> None:
    """openapi-spec-validator's own check, the reference, on request. It resolves every
    $ref itself, so it runs only when the document has no $ref to a URL (errspec never
    lets a library fetch one)."""
    from openapi_spec_validator import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
    )

    root = linter.root
    version = root.version or ""
    folder = root.path.resolve().parent
    refs = [v for v in _ref_values(root.data) if isinstance(v, str)]
    remote = any(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", v) for v in refs)
    outside = not linter.options.allow_outside_refs and any(
        not (folder / v.partition("#")[0]).resolve().is_relative_to(folder)
        for v in refs
        if v.partition("#")[0]
    )
    if remote or outside:
        linter.add(
            "openapi-invalid",
            "full validation skipped: the document has $refs to URLs or outside its folder, "
            "which errspec does not let openapi-spec-validator follow",
            (root, ""),
            "warning",
        )
        return
    cls = (
        OpenAPIV2SpecValidator
        if version.startswith("2")
        else OpenAPIV31SpecValidator
        if version.startswith("3.1")
        else OpenAPIV30SpecValidator
    )
    validator = cls(root.data, base_uri=root.path.resolve().as_uri())
    for shown, error in enumerate(validator.iter_errors()):
        if shown == 50:
            break
        path = list(getattr(error, "path", ()) or ())
        pointer = "".join("/" + escape(str(p)) for p in path)
        message = " ".join(str(getattr(error, "message", error)).split())
        linter.add("openapi-invalid", message[:200], (root, pointer))


def _ref_values(data: Any) -> Iterator[Any]:
    todo = [data]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            todo.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            todo.extend(v for v in node if isinstance(v, dict | list))


def _validity(linter: _Linter) -> None:
    root = linter.root
    version = root.version
    if version is None:
        linter.add(
            "openapi-invalid",
            "no `openapi` or `swagger` version: not an OpenAPI document",
            (root, ""),
        )
        return
    if not re.match(r"^(2\.0|3\.[012]\.\d+)", version):
        linter.add(
            "openapi-invalid",
            f"OpenAPI version {version!r} is not one errspec knows",
            (root, "/openapi"),
        )
        return
    validator = _oas_validator(version)
    for shown, error in enumerate(validator.iter_errors(root.data)):
        if shown == 50:
            break
        pointer = "".join("/" + escape(p) for p in error.instance_path)
        message = " ".join(str(error.message).split())
        linter.add("openapi-invalid", message[:200], (root, pointer))


# --- the spec's envelope ---------------------------------------------------------------------


def _media(er: _ErrorResponse) -> list[tuple[str, _Ref]]:
    """(media type, media-type object) pairs of a response (OpenAPI 3) or a Swagger 2 view."""
    node = er.response.node
    content = node.get("content")
    out: list[tuple[str, _Ref]] = []
    if isinstance(content, Mapping):
        for media, obj in content.items():
            if isinstance(obj, Mapping):
                out.append(
                    (
                        str(media).split(";")[0].strip().lower(),
                        _Ref(
                            er.response.doc, f"{er.response.pointer}/content/{escape(media)}", obj
                        ),
                    )
                )
    elif "schema" in node:  # Swagger 2.0: the media type comes from `produces`
        produces = er.produces
        out.append(
            (
                produces,
                _Ref(
                    er.response.doc,
                    er.response.pointer,
                    {
                        "schema": node["schema"],
                        **(
                            {
                                "examples": {
                                    k: {"value": v} for k, v in node.get("examples", {}).items()
                                }
                            }
                            if isinstance(node.get("examples"), Mapping)
                            else {}
                        ),
                    },
                ),
            )
        )
    return out


@dataclass
class _Shape:
    """What a schema declares: member paths (``/error/code``, ``*`` for items), the JSON
    type(s) of each, the required paths, and the paths of objects closed to other members."""

    paths: set[str] = field(default_factory=set)
    types: dict[str, set[str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    closed: set[str] = field(default_factory=set)
    nodes: dict[str, _Ref] = field(default_factory=dict)
    matches: dict[tuple[str, str], float] = field(default_factory=dict)


def _shape(linter: _Linter, ref: _Ref, depth: int = 3) -> _Shape:
    """The shape of a response schema (through $ref/allOf/oneOf/anyOf), cached per node."""
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
        if where and isinstance(declared, str):
            shape.types.setdefault(where, set()).add(declared)
            if node.get("nullable") is True:  # OpenAPI 3.0's way to say "or null"
                shape.types[where].add("null")
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
        if isinstance(node.get("items"), Mapping):
            items = _Ref(resolved.doc, f"{resolved.pointer}/items", node["items"])
            todo.append((f"{where}/*", items, level, certain))
    linter.shapes[key] = shape
    return shape


_ENVELOPE_SHAPES: dict[str, _Shape] = {}


def _envelope_shape(plan: Plan) -> _Shape:
    """The shape of an envelope's canonical schema (its $defs resolved)."""
    shape = _ENVELOPE_SHAPES.get(plan.id)
    if shape is not None:
        return shape
    schema = plan.envelope.schema
    defs = schema.get("$defs", {})
    shape = _Shape()
    todo: list[tuple[str, Any, int, bool]] = [("", schema, 0, True)]
    while todo:
        where, node, level, certain = todo.pop()
        while isinstance(node, Mapping) and "$ref" in node:
            node = defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
        if not isinstance(node, Mapping) or level > 3:
            continue
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
            for sub in _list(node.get(keyword)):
                todo.append((where, sub, level, certain and keyword == "allOf"))
        for name, sub in (node.get("properties") or {}).items():
            shape.paths.add(f"{where}/{name}")
            todo.append((f"{where}/{name}", sub, level + 1, certain))
        if isinstance(node.get("items"), Mapping):
            todo.append((f"{where}/*", node["items"], level, certain))
    _ENVELOPE_SHAPES[plan.id] = shape
    return shape


def _compatible(declared: set[str], expected: set[str]) -> bool:
    if declared & expected:
        return True
    return "integer" in declared and "number" in expected


def _match(plan: Plan, shape: _Shape, media: str) -> float:
    """How well a response schema's shape fits an envelope, 0-1 (kept on the shape: specs
    point many responses at one schema)."""
    key = (plan.id, media)
    score = shape.matches.get(key)
    if score is None:
        score = shape.matches[key] = _match_uncached(plan, shape, media)
    return score


def _match_uncached(plan: Plan, shape: _Shape, media: str) -> float:
    paths = shape.paths
    if not paths:
        return 0.0
    env = _envelope_shape(plan)
    top = {p for p in paths if p.count("/") == 1}
    shared = len(paths & env.paths) / len(paths)
    top_shared = len(top & env.paths) / max(len(top), 1)
    reachable = {r for r in env.required if r.count("/") <= 2}
    has_required = len(reachable & paths) / len(reachable) if reachable else 0.5
    conflicts = sum(
        1
        for p in paths & env.paths
        if p in shape.types and p in env.types and not _compatible(shape.types[p], env.types[p])
    )
    intruders = sum(1 for p in paths - env.paths if p.rsplit("/", 1)[0] in env.closed)
    score = 0.35 * shared + 0.25 * top_shared + 0.3 * has_required
    score -= 0.15 * min(conflicts, 2) + 0.1 * min(intruders, 2)
    # The members that define the envelope: its code and its status echo.
    defining = ["/" + "/".join(p) for p in (plan.code, plan.echo) if p is not None]
    if defining and not any(d in paths for d in defining):
        score -= 0.1
    if media != "application/json" and media in plan.media_types:
        score += 0.2
    return score


def _fit(linter: _Linter, er: _ErrorResponse, plan: Plan) -> float:
    """How well the response's best-fitting JSON schema fits one envelope."""
    best = 0.0
    for media, obj in _media(er):
        schema = obj.node.get("schema")
        if isinstance(schema, Mapping):
            shape = _shape(linter, _Ref(obj.doc, f"{obj.pointer}/schema", schema))
            best = max(best, _match(plan, shape, media))
    return best


def _has_schema(er: _ErrorResponse) -> bool:
    return any(isinstance(obj.node.get("schema"), Mapping) for _, obj in _media(er))


def _claim(linter: _Linter, er: _ErrorResponse, plans: list[Plan]) -> tuple[Plan | None, float]:
    best: tuple[Plan | None, float] = (None, 0.0)
    for media, obj in _media(er):
        schema = obj.node.get("schema")
        if not isinstance(schema, Mapping):
            continue
        shape = _shape(linter, _Ref(obj.doc, f"{obj.pointer}/schema", schema))
        for plan in plans:
            score = _match(plan, shape, media)
            if score > best[1] or (
                score == best[1] and best[0] is not None and plan.priority > best[0].priority
            ):
                best = (plan, score)
    return best if best[1] >= SCHEMA_MATCH_THRESHOLD else (None, best[1])


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
    spec_plan = plan_for(envelope)
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
    return envelope


# --- rules on one error response -------------------------------------------------------------


def _response_rules(linter: _Linter, er: _ErrorResponse, envelope: Envelope | None) -> None:
    if envelope is None:
        return
    plan = plan_for(envelope)
    env_id = envelope.id
    media_pairs = _media(er)
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
        for example_ref in _examples(linter, obj):
            _example_rules(linter, er, plan, example_ref)


def _header_rules(linter: _Linter, er: _ErrorResponse, plan: Plan) -> None:
    if er.status is None:
        return
    headers = er.response.node.get("headers")
    declared = {str(k).lower() for k in headers} if isinstance(headers, Mapping) else set()
    for spec in plan.envelope.profile.headers_for(er.status):
        name = spec.name.lower()
        if name in declared:
            continue
        if name == "retry-after":
            # A documented 429 should declare the header its server sends (RFC 6585 §4),
            # whatever the profile; on other statuses the profile's level decides.
            if spec.level == "optional" and er.status != 429:
                continue
            severity: Severity | None = "error" if spec.level == "required" else "warning"
            rule = "retry-after-missing"
        elif name == "www-authenticate":
            if not er.secured or spec.level == "optional":
                continue
            severity = "error" if spec.level == "required" else "warning"
            rule = "www-authenticate-missing"
        elif spec.level == "required":
            severity, rule = "error", "header-missing"
        else:
            continue
        linter.add(
            rule, f"{er.key} response does not declare {spec.name}", er.response, severity, plan.id
        )


def _schema_rules(linter: _Linter, er: _ErrorResponse, plan: Plan, schema: _Ref) -> None:
    shape = _shape(linter, schema)
    where = linter.deref(schema) or schema
    # A member the profile allows only on some statuses, required by this response's schema.
    if er.status is not None:
        for _segments, allowed, level, pointer in plan.conditional:
            if er.status not in allowed and pointer in shape.required:
                only = ", ".join(map(str, sorted(allowed)))
                linter.add(
                    "conditional-member",
                    f"the {er.status} schema requires {pointer}, which is only for status {only}",
                    where,
                    level,
                    plan.id,
                )
    key = (id(where.doc), where.pointer)
    if not shape.paths or key in linter.schemas_checked:
        return  # a schema shared by many responses is judged once
    linter.schemas_checked.add(key)
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


def _examples(linter: _Linter, media_obj: _Ref) -> Iterator[_Ref]:
    node = media_obj.node
    if "example" in node:
        yield _Ref(media_obj.doc, f"{media_obj.pointer}/example", node["example"])
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
        for error in list(envelope.validator.iter_errors(body))[:5]:
            pointer = example.pointer + "".join("/" + escape(p) for p in error.absolute_path)
            linter.add(
                "envelope-schema",
                f"example: {' '.join(error.message.split())[:160]}",
                (example.doc, pointer),
                envelope=plan.id,
            )
    if er.status is not None and plan.echo is not None:
        echoes = [
            int(v) if isinstance(v, str) else v
            for v in values(body, plan.echo)
            if echo_typed(plan, v) and (not isinstance(v, str) or v.isdigit())
        ]
        if plan.echo_most_general and len(echoes) > 1:
            # JSON:API "Processing Errors": one of them, or the most general of a class.
            general = set(echoes) | {v // 100 * 100 for v in echoes}
            wrong = [] if er.status in general else echoes
        else:
            wrong = [v for v in echoes if v != er.status]
        if wrong:
            linter.add(
                "status-mismatch",
                f"example says status {wrong[0]} but it documents the {er.status} response",
                example,
                envelope=plan.id,
            )
    if plan.code is not None:
        for value in values(body, plan.code)[:1]:
            if isinstance(value, str):
                _code_value_rules(linter, er, plan, value, example, status_bound=True)
    if er.status is not None:
        for segments, only_for, level, pointer in plan.conditional:
            if er.status not in only_for and values(body, segments):
                only = ", ".join(map(str, sorted(only_for)))
                linter.add(
                    "conditional-member",
                    f"example has {pointer}, which is only for status {only}, not {er.status}",
                    example,
                    level,
                    plan.id,
                )


def _code_value_rules(
    linter: _Linter, er: _ErrorResponse, plan: Plan, code: str, where: _Ref, *, status_bound: bool
) -> None:
    if plan.casing is not None and not plan.casing.fullmatch(code):
        linter.add(
            "code-format", f"code {code!r} is not {plan.code_format}", where, envelope=plan.id
        )
        if plan.catalogue_open or not plan.catalogue:
            return
    statuses = plan.catalogue.get(code)
    if statuses is None:
        if plan.catalogue:
            severity: Severity = "warning" if plan.catalogue_open else "error"
            linter.add(
                "unknown-code",
                f"code {code!r} is not in the {plan.id} catalogue",
                where,
                severity,
                plan.id,
            )
        return
    if status_bound and er.status is not None and er.status not in statuses:
        linter.add(
            "code-status-mismatch",
            f"example code {code!r} goes with HTTP {' or '.join(map(str, statuses))}, "
            f"not the {er.status} it documents",
            where,
            envelope=plan.id,
        )
