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
from itertools import chain, islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._config import Config, apply_config, fingerprint
from ._findings import RULES, Finding, Report, Severity
from ._http import is_json_media_type, status_of
from ._inputs import InputError
from ._jsondata import number_text
from ._plan import Plan, all_plans, echo_typed, plan_for
from ._pointer import escape, values
from ._refs import RefTarget, document_uri, judge_ref, lookup, quote_ref
from ._registry import Envelope, get_envelope
from ._rules import echo_status
from ._specload import DEFAULT_MAX_BYTES, Document, load_document, parse_document

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
    schemas_checked: set[tuple[int, str]] = field(default_factory=set)
    _judged: dict[tuple[int, str], RefTarget] = field(default_factory=dict)

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
        linter = self.linter
        target = judge_ref(
            uri.partition("#")[0],
            referrer=linter.root.path,
            folder=linter.folder,
            allow_outside=linter.options.allow_outside_refs,
            allow_remote=linter.options.allow_remote_refs,
            internal=True,
        )
        where = (linter.root, "")
        doc: Document | _RefProblem
        if target.kind == "file" and target.path is not None:
            doc = linter.document(target.path, uri, where)
        elif target.kind == "url" and target.url is not None:
            doc = linter.fetch(target.url, uri, where)
        else:
            raise _Refused(target.rule, target.reason or f"$ref {quote_ref(uri)} is not read")
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
