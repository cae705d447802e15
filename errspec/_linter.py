"""The linter's state: a spec's documents, ``$ref`` resolution, the walk over operations
and their error responses, and the findings with where they are and whose they are.

:class:`_Linter` is what every part of linting shares: :meth:`_Linter.deref` follows a
``$ref`` chain (every ``$ref`` judged by :func:`~errspec._refs.judge_ref`, documents
loaded once), :meth:`_Linter.error_responses` walks paths, webhooks and callbacks to
every error response, and :meth:`_Linter.add` records a finding for the operation whose
rules are running, so a shared component's finding is reported once with its count
(:meth:`_Linter.results`). The rules are in :mod:`errspec._lint`, OpenAPI validity in
:mod:`errspec._validity`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._exceptions import InputError
from ._findings import RULES, Finding, Severity
from ._http import status_of
from ._pointer import escape
from ._recognize import Shape
from ._refs import RefTarget, judge_ref, lookup, quote_ref
from ._specload import DEFAULT_MAX_BYTES, Document, load_document, parse_document

__all__ = ["LintOptions"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


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
    #: errspec's stricter reading: report what it inferred beyond an envelope's source.
    strict: bool = False


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

    @cached_property
    def media(self) -> tuple[tuple[str, _Ref], ...]:
        """(media type, media-type object) pairs of the response (OpenAPI 3) or a Swagger 2
        view; read once (several rules ask)."""
        doc, pointer, node = self.response.doc, self.response.pointer, self.response.node
        content = node.get("content")
        if isinstance(content, Mapping):
            return tuple(
                (
                    str(media).split(";")[0].strip().lower(),
                    _Ref(doc, f"{pointer}/content/{escape(media)}", obj),
                )
                for media, obj in content.items()
                if isinstance(obj, Mapping)
            )
        if "schema" not in node:
            return ()
        # Swagger 2.0: the media type comes from `produces`, the examples are by media type
        view: dict[str, Any] = {"schema": node["schema"]}
        examples = node.get("examples")
        if isinstance(examples, Mapping):
            view["examples"] = {k: {"value": v} for k, v in examples.items()}
        return ((self.produces, _Ref(doc, pointer, view)),)


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
    shapes: dict[tuple[int, str], Shape] = field(default_factory=dict)
    #: A schema judged once: the indexes in ``findings`` of what it gave (replayed for
    #: every other response that uses it, so each finding counts its operations).
    schemas_checked: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    _judged: dict[tuple[int, str], RefTarget] = field(default_factory=dict)
    #: Local ``$ref`` targets judged (what ``#...`` names depends on nothing else), and
    #: pointers looked up per document: a spec points thousands of $refs at a few dozen
    #: shared components.
    _local: dict[str, RefTarget] = field(default_factory=dict)
    _looked: dict[tuple[int, str], tuple[bool, Any]] = field(default_factory=dict)
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
            named = f"{self.urls.get(id(doc)) or self._relative(doc)}#{pointer}"
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

    def _relative(self, doc: Document) -> str:
        """A ``$ref``'d document's name in pointers: its path from the spec's folder
        (``v1/errors.yaml``), so two files of one name stay apart."""
        try:
            return Path(os.path.relpath(doc.path.resolve(), self.folder)).as_posix()
        except (OSError, ValueError):  # another drive: no relative path
            return doc.path.name

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
            decision = self._local.get(target)
            if decision is None:
                decision = self._local[target] = judge_ref(
                    target, referrer=doc.path, folder=self.folder
                )
            return decision
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
        place = (id(doc), decision.pointer)
        looked = self._looked.get(place)
        if looked is None:
            looked = self._looked[place] = lookup(doc.data, decision.pointer)
        found, node = looked
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
