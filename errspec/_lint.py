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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib.resources import files
from itertools import chain, islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._config import Config, apply_config, fingerprint, ignored
from ._findings import RULES, Finding, Report, Severity
from ._http import is_json_media_type, status_of
from ._inputs import InputError
from ._jsondata import number_text
from ._plan import Plan, all_plans, echo_typed, plan_for
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
from ._refs import RefTarget, document_uri, judge_ref, lookup, quote_ref
from ._registry import Envelope, get_envelope
from ._rules import echo_status
from ._specload import DEFAULT_MAX_BYTES, Document, load_document, parse_document

__all__ = ["LintOptions", "lint_spec"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LEAK_MEMBERS = frozenset(
    {"stack", "stacktrace", "stack_trace", "backtrace", "traceback", "exception"}
)
#: Below this score a response schema is not claimed by any envelope (the recognizer's).
SCHEMA_MATCH_THRESHOLD = RECOGNITION_THRESHOLD


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


@dataclass(frozen=True)
class _Use:
    """An operation that a finding concerns. ``op`` names the operation (what is counted);
    ``at`` is its response's pointer (``/paths/~1tasks/get/responses/401``: what path and
    method ignores and ``x-errspec-ignore`` are judged by). ``neutral`` is the message
    without the operation's name; ``general`` also without the response's key (the same
    problem at a component used as a 400 by one operation and as a 422 by another)."""

    op: str
    at: str
    neutral: str
    general: str

    @classmethod
    def of(cls, er: _ErrorResponse, message: str) -> _Use:
        op = er.op_pointer
        if not op.startswith(("/paths/", "/webhooks/")):  # in a path item elsewhere
            op = f"/paths/{escape(er.path)}/{er.method}"
        named = f"{er.method.upper()} {er.path} "
        neutral = message[len(named) :] if message.startswith(named) else message
        general = neutral
        if neutral.startswith(f"{er.key} "):
            rest = neutral[len(er.key) + 1 :]
            general = f"the {rest}" if rest.startswith("response ") else f"the response {rest}"
        return cls(op, f"{op}/responses/{escape(er.key)}", neutral, general)


@dataclass
class _RefProblem:
    """Why a ``$ref`` chain stopped: the finding :meth:`_Linter.deref` reports."""

    rule: str
    message: str
    where: _Ref | tuple[Document, str]


@dataclass
class _Linter:
    root: Document
    options: LintOptions
    findings: list[Finding] = field(default_factory=list)
    #: Documents loaded, by resolved path (the root included); fetched ones by URL.
    docs: dict[Path, Document] = field(default_factory=dict)
    remote: dict[str, Document] = field(default_factory=dict)
    urls: dict[int, str] = field(default_factory=dict)  # id(fetched document) -> its URL
    shapes: dict[tuple[int, str], _Shape] = field(default_factory=dict)
    #: A schema judged once: the indexes in ``findings`` of what it gave (replayed for
    #: every other response that uses it, so each finding counts its operations).
    schemas_checked: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    _judged: dict[tuple[int, str], RefTarget] = field(default_factory=dict)
    #: The error response whose rules run now (findings are added for its operation).
    current: _ErrorResponse | None = None
    #: Beside each of ``findings``: the operation it concerns (:class:`_Use`), if any.
    uses: list[_Use | None] = field(default_factory=list)
    #: The indexes of the findings added while recording (see :meth:`recording`).
    recorded: list[int] | None = None
    responses: list[_ErrorResponse] = field(default_factory=list)
    #: The statuses of the error responses that use each schema (see _schema_statuses).
    schema_statuses: dict[tuple[int, str], set[int | None]] | None = None
    _at_place: dict[tuple[int, str], list[_ErrorResponse]] | None = None

    def __post_init__(self) -> None:
        #: The root spec's folder: no $ref leaves it unless --allow-outside-refs.
        self.folder = self.root.path.resolve().parent
        self.docs.setdefault(self.root.path.resolve(), self.root)

    # --- locations and findings ----------------------------------------------------------

    def location(self, doc: Document, pointer: str) -> str:
        position = doc.position(pointer)
        while position is None and pointer:
            pointer = pointer.rsplit("/", 1)[0]
            position = doc.position(pointer)
        line, col = position or (1, 1)
        return f"{self.urls.get(id(doc), doc.path)}:{line}:{col}"

    def add(
        self,
        rule: str,
        message: str,
        where: _Ref | tuple[Document, str],
        severity: Severity | None = None,
        envelope: str | None = None,
    ) -> None:
        doc, pointer = (where.doc, where.pointer) if isinstance(where, _Ref) else where
        if doc is self.root:
            named = pointer
        else:
            named = f"{self.urls.get(id(doc)) or doc.path.name}#{pointer}"
        if self.recorded is not None:
            self.recorded.append(len(self.findings))
        self.findings.append(
            Finding(
                rule,
                severity or RULES[rule].severity,
                message,
                named,
                envelope,
                self.location(doc, pointer),
            )
        )
        er = self.current or self._said_by(doc, pointer, message)
        self.uses.append(None if er is None else _Use.of(er, message))

    def _said_by(self, doc: Document, pointer: str, message: str) -> _ErrorResponse | None:
        """Outside a response's rules: the error response at ``(doc, pointer)`` whose
        operation a message names first (``GET /tasks 404 uses …``), if one does."""
        if not self.responses:
            return None
        if self._at_place is None:
            self._at_place = {}
            for er in self.responses:
                place = (id(er.response.doc), er.response.pointer)
                self._at_place.setdefault(place, []).append(er)
        for er in self._at_place.get((id(doc), pointer), ()):
            if message.startswith(f"{er.method.upper()} {er.path} "):
                return er
        return None

    @contextmanager
    def operation(self, er: _ErrorResponse) -> Iterator[None]:
        """Findings added inside concern ``er``'s operation."""
        self.current, before = er, self.current
        try:
            yield
        finally:
            self.current = before

    @contextmanager
    def recording(self) -> Iterator[list[int]]:
        """The indexes of the findings added inside (they can be :meth:`replay`-ed)."""
        self.recorded, before = [], self.recorded
        try:
            yield self.recorded
        finally:
            if before is not None:
                before.extend(self.recorded)
            self.recorded = before

    def replay(self, indexes: list[int]) -> None:
        """The findings at ``indexes`` again, for the current operation (a shared schema
        judged once concerns every operation that uses it)."""
        if self.current is None:
            return
        for index in indexes:
            finding = self.findings[index]
            if self.recorded is not None:
                self.recorded.append(len(self.findings))
            self.findings.append(finding)
            self.uses.append(_Use.of(self.current, finding.message))

    def results(self, ignored: Callable[[str, str], bool]) -> list[Finding]:
        """One finding per rule, place and problem: at a place that several operations
        share, with how many use it (``… (used by 97 operations)``). ``ignored(rule,
        pointer)`` says whether an operation ignores a rule at its response's pointer:
        such operations are not counted, and a finding they all ignore is dropped."""
        groups: dict[tuple[str, str, str], tuple[Finding, dict[str, tuple[_Use, str]]]] = {}
        for finding, use in zip(self.findings, self.uses, strict=True):
            key = (finding.rule, finding.pointer, finding.message if use is None else use.general)
            group = groups.setdefault(key, (finding, {}))
            if use is not None:
                group[1].setdefault(use.op, (use, finding.message))
        out: list[Finding] = []
        for (rule, _, general), (finding, uses) in groups.items():
            if uses:
                kept = [(use, said) for use, said in uses.values() if not ignored(rule, use.at)]
                if not kept:
                    continue
                if len(kept) == 1:
                    message = kept[0][1]  # as said for that operation
                else:
                    neutral = {use.neutral for use, _ in kept}
                    text = neutral.pop() if len(neutral) == 1 else general
                    message = f"{text} (used by {len(kept)} operations)"
                finding = replace(finding, message=message)
            out.append(finding)
        return out

    # --- $ref ------------------------------------------------------------------------------
    # Every $ref is judged by errspec._refs.judge_ref (what it names, whether it may be
    # read); the same judge serves --full-validation's resolver and spec-aware checking.

    def deref(self, ref: _Ref) -> _Ref | None:
        """Follow ``$ref`` chains from ``ref``; report unresolvable, refused and cyclic refs."""
        result = self.resolve(ref)
        if isinstance(result, _RefProblem):
            self.add(result.rule, result.message, result.where)
            return None
        return result

    def resolve(self, ref: _Ref) -> _Ref | _RefProblem:
        """:meth:`deref` without findings: the resolved node, or what stopped the chain."""
        seen: set[tuple[int, str]] = set()
        while isinstance(ref.node, Mapping) and isinstance(ref.node.get("$ref"), str):
            target = ref.node["$ref"]
            key = (id(ref.doc), ref.pointer)
            if key in seen:
                return _RefProblem("ref-unresolved", f"$ref cycle through {quote_ref(target)}", ref)
            seen.add(key)
            nxt = self._follow(ref, target)
            if isinstance(nxt, _RefProblem):
                return nxt
            ref = nxt
        return ref

    def judge(self, doc: Document, target: str) -> RefTarget:
        """What ``target``, a ``$ref`` written in ``doc``, names (cached per document)."""
        if target.startswith("#"):  # the common case: no file system involved
            return judge_ref(target, referrer=doc.path, folder=self.folder)
        key = (id(doc), target)
        decision = self._judged.get(key)
        if decision is None:
            decision = judge_ref(
                target,
                referrer=self.urls.get(id(doc), doc.path),
                folder=self.folder,
                allow_outside=self.options.allow_outside_refs,
                allow_remote=self.options.allow_remote_refs,
            )
            self._judged[key] = decision
        return decision

    def _follow(self, ref: _Ref, target: str) -> _Ref | _RefProblem:
        where = (ref.doc, f"{ref.pointer}/$ref")
        decision = self.judge(ref.doc, target)
        doc: Document | _RefProblem = ref.doc
        if decision.kind == "file":
            assert decision.path is not None
            doc = self.document(decision.path, target, where)
        elif decision.kind == "url":
            assert decision.url is not None
            doc = self.fetch(decision.url, target, where)
        elif decision.kind != "local":
            return _RefProblem(decision.rule, decision.reason, where)
        if isinstance(doc, _RefProblem):
            return doc
        found, node = lookup(doc.data, decision.pointer)
        if not found:
            return _RefProblem(
                "ref-unresolved", f"$ref {quote_ref(target)} points to nothing", where
            )
        return _Ref(doc, decision.pointer, node)

    def document(
        self, path: Path, target: str, where: tuple[Document, str]
    ) -> Document | _RefProblem:
        """The document at ``path`` (judged by :func:`judge_ref`), loaded once."""
        doc = self.docs.get(path)
        if doc is not None:
            return doc
        try:
            doc = load_document(path, **self._load_args())
        except InputError as exc:
            return _RefProblem("ref-unresolved", f"$ref {quote_ref(target)}: {exc}", where)
        self.docs[path] = doc
        return doc

    def fetch(self, url: str, target: str, where: tuple[Document, str]) -> Document | _RefProblem:
        """Only with --allow-remote-refs (:func:`judge_ref` says so): fetch a referenced
        document (http/https, 10 s, the size limit of local files), once per URL."""
        doc = self.remote.get(url)
        if doc is not None:
            return doc
        if not self.options.allow_remote_refs:  # pragma: no cover - judge_ref refuses first
            return _RefProblem("ref-refused", f"$ref {quote_ref(target)} points to a URL", where)
        import urllib.request

        class HTTPOnly(urllib.request.HTTPRedirectHandler):
            """Redirects to http(s) only (urllib would follow one to ftp:)."""

            def redirect_request(self, *args: Any) -> Any:
                newurl = str(args[-1])
                if urlsplit(newurl).scheme.lower() not in ("http", "https"):
                    raise OSError(f"redirected to {newurl[:100]!r}, not an http(s) URL")
                return super().redirect_request(*args)

        limit = self.options.max_bytes or DEFAULT_MAX_BYTES
        try:
            with urllib.request.build_opener(HTTPOnly).open(url, timeout=10) as answer:
                data = answer.read(limit + 1)
        except (OSError, ValueError) as exc:
            reason = " ".join(str(exc).split())[:200]
            return _RefProblem(
                "ref-unresolved", f"$ref {quote_ref(target)}: cannot fetch: {reason}", where
            )
        try:
            if len(data) > limit:
                raise InputError(f"{url}: over the limit of {limit} bytes")
            doc = parse_document(Path(urlsplit(url).path or "/"), url, data)
        except InputError as exc:
            return _RefProblem("ref-unresolved", f"$ref {quote_ref(target)}: {exc}", where)
        self.remote[url] = doc
        self.urls[id(doc)] = url
        return doc

    def retrieve(self, uri: str) -> Document | _RefProblem:
        """The document another library's resolver asks for by an absolute URI it computed
        from errspec's private base URIs (openapi-spec-validator's, jsonschema's): judged
        by :func:`judge_ref` and loaded as every ``$ref`` is, or why not."""
        target = judge_ref(
            uri.partition("#")[0],
            referrer=self.root.path,
            folder=self.folder,
            allow_outside=self.options.allow_outside_refs,
            allow_remote=self.options.allow_remote_refs,
            internal=True,
        )
        where = (self.root, "")
        if target.kind == "file" and target.path is not None:
            return self.document(target.path, uri, where)
        if target.kind == "url" and target.url is not None:
            return self.fetch(target.url, uri, where)
        return _RefProblem(
            target.rule, target.reason or f"$ref {quote_ref(uri)} is not read", where
        )

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
            status = status_of(key)
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
        has_4xx = generic or any(400 <= (status_of(k) or 0) <= 499 for k in keys)
        where = (op.doc, op.pointer)
        if not has_4xx:
            # For a webhook or a callback the API is the client: which errors the receiver
            # may send back is advice to document, not a defect of the API.
            self.add(
                "error-responses-missing",
                f"{op.pointer.rsplit('/', 1)[-1].upper()} {path} declares no 4xx error response"
                + ("" if served else " (a webhook or callback: what the receiver may answer)"),
                where,
                None if served else "warning",
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
    responses = linter.responses = list(linter.error_responses())
    envelope = _spec_envelope(linter, responses)
    for er in responses:
        with linter.operation(er):
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
    settings = config or Config()
    kept = apply_config(
        linter.results(lambda rule, op: ignored(rule, op, settings, root.data)),
        settings,
        root.data,
    )
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


def _oas_validator(version: str, *, python: bool = False) -> Any:
    """A compiled validator for the OpenAPI schema of ``version`` (the schemas that
    openapi-spec-validator ships), built once: jsonschema-rs, or with ``python`` the
    jsonschema one (for documents jsonschema-rs cannot take)."""
    key = (
        "v2.0"
        if version.startswith("2")
        else "v3." + version[2]
        if version[2:3] in "12"
        else "v3.0"
    )
    validator = _VALIDATORS.get(key + "/python" * python)
    if validator is None:
        schema = json.loads(
            files("openapi_spec_validator")
            .joinpath("resources", "schemas", key, "schema.json")
            .read_text()
        )

        def refuse(uri: str) -> Any:
            raise ValueError(f"errspec does not fetch {uri}")

        if python:
            from jsonschema.validators import validator_for
            from referencing import Registry

            registry: Registry[Any] = Registry(retrieve=refuse)  # type: ignore[call-arg]
            validator = validator_for(schema)(schema, registry=registry)
        else:
            import jsonschema_rs

            validator = jsonschema_rs.validator_for(
                schema, retriever=refuse, validate_formats=False
            )
        _VALIDATORS[key + "/python" * python] = validator
    return validator


def _full_validation(linter: _Linter) -> None:
    """openapi-spec-validator's own check, the reference, on request.

    Its resolver is not errspec's: left alone it opens whatever ``file:`` or http(s) URI a
    ``$ref`` (or a ``$id``) leads it to. So it runs only after errspec has followed every
    ``$ref`` of every document the root reaches, with the judge and loader of the lint (a
    refused, broken or looping ``$ref`` skips it, with a warning at that ``$ref``), and it
    resolves through errspec alone: the root gets a private-scheme base URI
    (:func:`~errspec._refs.document_uri`), and its retrieval handlers send every URI, of
    any scheme, to :func:`~errspec._refs.judge_ref` and errspec's loader; what errspec
    would not read raises. Its findings are placed where it was looking: the path of the
    keyword validator at work, followed through errspec's ``$ref`` resolution to a
    document and pointer.
    """
    problem = _vet_refs(linter)
    if problem is not None:
        linter.add(
            "openapi-invalid",
            f"full validation skipped: {problem.message}",
            problem.where,
            "warning",
        )
        return
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.settings import get_resolved_cache_maxsize

    root = linter.root
    errors: Iterator[Any] = iter(())
    try:
        spec_path = SchemaPath.from_dict(
            root.data,
            base_uri=document_uri(root.path.resolve()),
            handlers=_Handlers(linter),
            resolved_cache_maxsize=get_resolved_cache_maxsize(),
        )
        errors = _spec_validator_class(root.version or "")(spec_path).iter_errors()
        for count, error in enumerate(errors, 1):
            doc, pointer = _error_place(linter, error)
            message = " ".join(str(getattr(error, "message", "")).split())
            linter.add("openapi-invalid", message[:200], (doc, pointer))
            if count == 50:
                break
    except RecursionError as exc:
        linter.add(
            "ref-unresolved",
            "$ref cycle: full validation stopped, openapi-spec-validator recursed without "
            "end (a schema that contains itself through allOf, anyOf, oneOf or not?)",
            _error_place(linter, exc),
        )
    except Exception as exc:  # a library's failure is a finding, never a crash
        linter.add(*_stopped(linter, exc))
    finally:
        close = getattr(errors, "close", None)
        if close is not None:
            close()


def _stopped(linter: _Linter, exc: Exception) -> tuple[str, str, tuple[Document, str], Severity]:
    """The finding for an exception that stopped openapi-spec-validator. Its text is never
    shown (``referencing``'s errors print the whole document they looked in): only the
    ``$ref`` and errspec's own reason."""
    from referencing.exceptions import Unresolvable

    where = _error_place(linter, exc)
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, _Refused):
        where = _ref_place(where, getattr(cause, "ref", None)) or where
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, _Refused):
        return cause.rule, f"full validation stopped: {cause.reason}", where, "error"
    if isinstance(exc, Unresolvable):
        ref = quote_ref(getattr(exc, "ref", ""))
        return (
            "ref-unresolved",
            f"full validation stopped: openapi-spec-validator cannot resolve $ref {ref} "
            "(a $id or $anchor errspec does not follow?)",
            where,
            "error",
        )
    return (
        "openapi-invalid",
        f"full validation stopped: openapi-spec-validator failed ({type(exc).__name__})",
        where,
        "warning",
    )


#: Longest chain of $refs to $refs that full validation is given (openapi-spec-validator
#: follows one with a recursive call per $ref).
MAX_REF_CHAIN = 200


def _ref_place(where: tuple[Document, str], ref: object) -> tuple[Document, str] | None:
    """The ``$ref`` member with the value ``ref`` at or under ``where``, if there is one."""
    if not isinstance(ref, str):
        return None
    doc, pointer = where
    found, node = lookup(doc.data, pointer)
    if not found:
        return None
    for at, holder in _ref_nodes(node):
        if holder["$ref"] == ref:
            return doc, f"{pointer}{at}/$ref"
    return None


def _vet_refs(linter: _Linter) -> _RefProblem | None:
    """Follow every ``$ref`` of the root and of every document it reaches, one step each,
    as the lint follows them (loading those documents): the first that is refused or
    broken, then the first chain of ``$ref`` to ``$ref`` that loops or is longer than
    :data:`MAX_REF_CHAIN`."""
    done: set[int] = set()
    todo = [linter.root]
    refs: dict[tuple[int, str], _Ref] = {}
    steps: dict[tuple[int, str], tuple[int, str]] = {}  # a $ref to a $ref: to that one
    while todo:
        doc = todo.pop()
        done.add(id(doc))
        for pointer, node in _ref_nodes(doc.data):
            ref = _Ref(doc, pointer, node)
            target = linter._follow(ref, node["$ref"])
            if isinstance(target, _RefProblem):
                return target
            refs[(id(doc), pointer)] = ref
            if isinstance(target.node, dict) and isinstance(target.node.get("$ref"), str):
                steps[(id(doc), pointer)] = (id(target.doc), target.pointer)
        for loaded in chain(linter.docs.values(), linter.remote.values()):
            if id(loaded) not in done and loaded not in todo:
                todo.append(loaded)
    length: dict[tuple[int, str], int] = {}
    for start in steps:
        path: list[tuple[int, str]] = []
        on_path: set[tuple[int, str]] = set()
        key = start
        while key in steps and key not in length:
            if key in on_path:
                problem = linter.resolve(refs[start])  # reports it as the lint does
                assert isinstance(problem, _RefProblem)
                return problem
            on_path.add(key)
            path.append(key)
            key = steps[key]
        hops = length.get(key, 0)
        for key in reversed(path):
            hops += 1
            length[key] = hops
        if hops > MAX_REF_CHAIN:
            where = refs[start]
            return _RefProblem(
                "openapi-invalid",
                f"$ref {quote_ref(where.node['$ref'])} starts a chain of {hops} $refs to $refs, "
                f"more than openapi-spec-validator can follow ({MAX_REF_CHAIN})",
                (where.doc, f"{where.pointer}/$ref"),
            )
    return None


def _ref_nodes(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(pointer, node)`` of every object with a string ``$ref`` member, in a tree, in
    document order."""
    todo: list[tuple[str, Any]] = [("", data)]
    while todo:
        pointer, node = todo.pop()
        if type(node) is dict:
            if isinstance(node.get("$ref"), str):
                yield pointer, node
            todo.extend(
                (f"{pointer}/{escape(k)}", v)
                for k, v in reversed(node.items())
                if type(v) in (dict, list)
            )
        elif type(node) is list:
            todo.extend(
                (f"{pointer}/{i}", node[i])
                for i in reversed(range(len(node)))
                if type(node[i]) in (dict, list)
            )


class _Refused(Exception):
    """Raised to openapi-spec-validator's resolver for a URI errspec does not read."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


class _Handlers(dict[str, Any]):
    """jsonschema-path's retrieval handlers, by URI scheme. Every scheme is "handled"
    (it would pass a scheme it has no handler for to ``urllib.request.urlopen``), and every
    one by :meth:`retrieve`."""

    def __init__(self, linter: _Linter) -> None:
        super().__init__()
        self.linter = linter

    def __contains__(self, scheme: object) -> bool:
        return True

    def __missing__(self, scheme: str) -> Any:
        return self.retrieve

    def retrieve(self, uri: str) -> Any:
        doc = self.linter.retrieve(uri)
        if isinstance(doc, _RefProblem):
            raise _Refused(doc.rule, doc.message)
        return doc.data


_TRACKED: dict[str, type[Any]] = {}


def _spec_validator_class(version: str) -> type[Any]:
    """openapi-spec-validator's validator for ``version``, its keyword validators wrapped
    to note on each error (and exception) the path of the object they were validating."""
    from openapi_spec_validator import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
        OpenAPIV32SpecValidator,
    )

    base: type[Any] = (
        OpenAPIV2SpecValidator
        if version.startswith("2")
        else OpenAPIV32SpecValidator
        if version.startswith("3.2")
        else OpenAPIV31SpecValidator
        if version.startswith("3.1")
        else OpenAPIV30SpecValidator
    )
    cls = _TRACKED.get(base.__name__)
    if cls is None:
        dialect = {
            "OpenAPIV2SpecValidator": "2.0",
            "OpenAPIV31SpecValidator": "3.1",
            "OpenAPIV32SpecValidator": "3.2",
        }.get(base.__name__, "3.0")
        keywords = {name: _tracked(kw) for name, kw in base.keyword_validators.items()}

        def iter_errors(self: Any) -> Iterator[Any]:
            # The library's own is cached per validator for the life of the process (an
            # lru_cache on the method): it would keep every linted spec in memory.
            try:
                schema_errors = list(islice(self.schema_validator.iter_errors(self.schema), 50))
            except UnicodeEncodeError:  # a lone surrogate: see _validity
                python = _oas_validator(dialect, python=True)
                schema_errors = list(islice(python.iter_errors(self.schema), 50))
            yield from schema_errors
            yield from self.root_validator(self.schema_path)

        cls = type(
            f"Errspec{base.__name__}",
            (base,),
            {"keyword_validators": keywords, "iter_errors": iter_errors},
        )
        _TRACKED[base.__name__] = cls
    return cls


def _tracked(keyword: type[Any]) -> type[Any]:
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.validation.keywords import SchemaValidator

    # A schema validator's errors come from checking the schema itself: their own path is
    # inside it. Other validators' errors are about a value elsewhere (a default, an
    # example): they stay at the object being validated.
    inside = issubclass(keyword, SchemaValidator)

    def call(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        at = next((a for a in args if isinstance(a, SchemaPath)), None)
        parts = tuple(at.parts) if at is not None else None
        try:
            for error in keyword.__call__(self, *args, **kwargs):
                if parts is not None and getattr(error, "_errspec_at", None) is None:
                    relative = tuple(getattr(error, "path", ())) if inside else ()
                    error._errspec_at = parts + relative
                yield error
        except Exception as exc:
            if parts is not None and getattr(exc, "_errspec_at", None) is None:
                exc._errspec_at = parts  # type: ignore[attr-defined]
            raise

    return type(keyword.__name__, (keyword,), {"__call__": call})


def _error_place(linter: _Linter, error: BaseException) -> tuple[Document, str]:
    """Where an openapi-spec-validator error (or exception) is: the path a keyword
    validator noted, or the error's own path in the root document (the OpenAPI schema
    check), followed through errspec's $ref resolution."""
    at = getattr(error, "_errspec_at", None)
    if at is None:
        at = tuple(getattr(error, "absolute_path", ()) or ())
    ref = _Ref(linter.root, "", linter.root.data)
    for part in at:
        resolved = linter.resolve(ref)
        if isinstance(resolved, _RefProblem):
            break
        ref = resolved
        key = str(part)
        found, node = lookup(ref.node, "/" + escape(key))
        if not found:
            break
        ref = _Ref(ref.doc, f"{ref.pointer}/{escape(key)}", node)
    return ref.doc, ref.pointer


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
    try:
        errors = [
            (error.instance_path, error.message)
            for error in islice(_oas_validator(version).iter_errors(root.data), 50)
        ]
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800" in JSON) is no Rust string: jsonschema-rs cannot take
        # the document. jsonschema (Python strings) can, more slowly.
        errors = [
            (list(error.absolute_path), error.message)
            for error in islice(_oas_validator(version, python=True).iter_errors(root.data), 50)
        ]
    for path, text in errors:
        pointer = "".join("/" + escape(p) for p in path)
        message = " ".join(str(text).split())
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
    for media, obj in _media(er):
        schema = obj.node.get("schema")
        if isinstance(schema, Mapping):
            shape = _shape(linter, _Ref(obj.doc, f"{obj.pointer}/schema", schema))
            best = max(best, _match(plan, shape, media, plans))
    return best


def _has_schema(er: _ErrorResponse) -> bool:
    return any(isinstance(obj.node.get("schema"), Mapping) for _, obj in _media(er))


def _claim(linter: _Linter, er: _ErrorResponse, plans: list[Plan]) -> tuple[Plan | None, float]:
    """The envelope the recognizer gives the response's schema (its best media type), or
    ``None`` with the closest score."""
    by_id = {p.id: p for p in plans}
    best: tuple[Plan | None, float] = (None, 0.0)
    closest = 0.0
    for media, obj in _media(er):
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
    if configured and configured != "auto":
        _unrecognised(linter, responses, spec_plan)
    return envelope


def _unrecognised(linter: _Linter, responses: list[_ErrorResponse], plan: Plan) -> None:
    """With an envelope named, a JSON schema its open canonical schema accepts but its
    signature rules out (``{detail}`` alone as application/json, named problem details)
    is an ``envelope-schema`` finding, once per schema."""
    judged: set[tuple[int, str, str]] = set()
    for er in responses:
        for media, obj in _media(er):
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


# --- rules on one error response -------------------------------------------------------------


def _response_rules(linter: _Linter, er: _ErrorResponse, envelope: Envelope | None) -> None:
    if envelope is None:
        _header_rules(linter, er, None)  # HTTP's own rules need no envelope
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
        for example_ref, bound in _examples(linter, obj):
            # An example that belongs to no one status is checked against the envelope only.
            _example_rules(linter, er if bound else replace(er, status=None), plan, example_ref)


#: What HTTP itself asks of an error response's headers, whatever its envelope: a 401
#: MUST send WWW-Authenticate (RFC 9110 §15.5.2), at the level every built-in profile gives.
_HTTP_HEADERS: dict[int, tuple[tuple[str, str], ...]] = {
    401: (("WWW-Authenticate", "recommended"),)
}


def _header_rules(linter: _Linter, er: _ErrorResponse, plan: Plan | None) -> None:
    """The headers the profile asks for; without an envelope (``plan`` None), those HTTP
    asks for (:data:`_HTTP_HEADERS`)."""
    if er.status is None:
        return
    headers = er.response.node.get("headers")
    declared = {str(k).lower() for k in headers} if isinstance(headers, Mapping) else set()
    asked = (
        _HTTP_HEADERS.get(er.status, ())
        if plan is None
        else [(h.name, h.level) for h in plan.envelope.profile.headers_for(er.status)]
    )
    for header, level in asked:
        name = header.lower()
        if name in declared:
            continue
        if name == "retry-after":
            # A documented 429 should declare the header its server sends (RFC 6585 §4),
            # whatever the profile; on other statuses the profile's level decides.
            if level == "optional" and er.status != 429:
                continue
            severity: Severity | None = "error" if level == "required" else "warning"
            rule = "retry-after-missing"
        elif name == "www-authenticate":
            if not er.secured or level == "optional":
                continue
            severity = "error" if level == "required" else "warning"
            rule = "www-authenticate-missing"
        elif level == "required":
            severity, rule = "error", "header-missing"
        else:
            continue
        linter.add(
            rule,
            f"{er.key} response does not declare {header}",
            er.response,
            severity,
            plan.id if plan is not None else None,
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
            for _media_type, obj in _media(er):
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
            pointer = example.pointer + "".join("/" + escape(p) for p in error.absolute_path)
            linter.add(
                "envelope-schema",
                f"example: {' '.join(error.message.split())[:160]}",
                (example.doc, pointer),
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
        if wrong:
            linter.add(
                "status-mismatch",
                f"example says status {number_text(wrong[0])} but it documents the {er.status} "
                "response",
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
