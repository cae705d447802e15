"""Spec-aware checking: a response against what its OpenAPI operation documents.

``check_response(response, spec=..., operation=...)`` and ``errspec check --spec`` add to
the envelope's rules the contract of the operation that produced the response:

- ``status-undocumented``: the status has no response in the operation (an exact code,
  a ``4XX``-style range or ``default``: the most specific wins, as the Responses Object says);
- ``media-type-undocumented``: the Content-Type is not a key of that response's
  ``content`` (media ranges ``type/*`` and ``*/*`` included), or a body is sent where the
  response documents none; Swagger 2.0: the operation's ``produces``;
- ``declared-schema``: the JSON body does not match the schema documented for that
  status and media type (OpenAPI 3.0 and Swagger 2.0 schemas read as the 3.0 dialect for
  responses: ``nullable``, ``readOnly``; 3.1/3.2 as JSON Schema 2020-12);
- ``declared-header-missing``: a header the response documents with ``required: true``
  is absent;
- ``operation-unmatched``: no operation of the spec matches the request's method and URL
  (or the response recorded no request), so nothing above could be checked.

The spec is loaded and resolved with the loader and ``$ref`` rules of ``errspec lint``:
nothing is fetched and nothing outside the spec's folder is read unless allowed. A spec
that cannot be used (unreadable, a ``$ref`` that points nowhere) is an
:class:`~errspec.InputError`, not a finding about the response.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ._findings import Finding
from ._http import Response, is_json_media_type
from ._http import media_type as _media_type
from ._inputs import InputError
from ._jsondata import TOO_DEEP
from ._pointer import escape, join
from ._refs import document_uri, judge_ref, quote_ref
from ._registry import Envelope
from ._specload import Document, load_document

__all__ = ["Operation", "Spec", "load_spec"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
#: At most this many ``declared-schema`` findings per response (the first errors by path).
MAX_SCHEMA_FINDINGS = 10
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class Operation:
    """One operation of a spec: ``GET /tasks/{id}``, where it is, and its parts."""

    method: str  # upper case
    path: str  # the path template, as written in the spec
    pointer: str  # JSON pointer of the operation object in its document
    operation_id: str | None
    node: Mapping[str, Any] = field(repr=False, compare=False)
    doc: Document = field(repr=False, compare=False)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class _Declared:
    """A documented response, resolved: its media types (with where each one's media type
    object is; Swagger 2.0: the schema), and the headers it requires."""

    where: str  # "404 of GET /tasks/{id}"
    media: dict[str, tuple[Document, str, Any] | None]
    swagger: bool
    required_headers: tuple[str, ...]
    schemas: dict[str, tuple[Document, str] | None] = field(default_factory=dict)


@dataclass(frozen=True)
class _Template:
    """An operation's path template, segment by segment: a literal (compared with the
    request's percent-decoded segment) or a pattern for a segment with ``{parameters}``."""

    operation: Operation
    segments: tuple[str | re.Pattern[str], ...]
    literal: int  # characters outside {parameters}: more literal = more specific


class Spec:
    """An OpenAPI document loaded for checking responses against it.

    Load it once with :func:`load_spec` (calls with the same path share a cached copy).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        allow_remote_refs: bool = False,
        allow_outside_refs: bool = False,
    ) -> None:
        from ._lint import LintOptions, _Linter

        self.path = Path(path)
        # Loaded by the name given (its errors name it so), then kept by absolute path: the
        # spec is cached and reused, also after the working directory changes.
        self.root = replace(load_document(self.path), path=self.path.resolve())
        if self.root.version is None:
            raise InputError(
                f"{self.path}: no `openapi` or `swagger` version: not an OpenAPI document"
            )
        self.version: str = self.root.version
        self._options = LintOptions(
            allow_remote_refs=allow_remote_refs, allow_outside_refs=allow_outside_refs
        )
        self._linter = _Linter(self.root, self._options)
        self._op_prefixes: dict[str, list[tuple[str, ...]]] = {}
        self.operations: tuple[Operation, ...] = tuple(self._walk())
        self._by_key = {(op.method, op.path): op for op in self.operations}
        self._by_id = {op.operation_id: op for op in self.operations if op.operation_id}
        # (method, number of path segments) -> (base path segments, template) to try
        root_prefixes = _base_paths(self.root.data)
        self._index: dict[tuple[str, int], list[tuple[tuple[str, ...], _Template]]] = {}
        for op in self.operations:
            template = _template(op)
            for prefix in self._op_prefixes.get(op.pointer) or root_prefixes:
                key = (op.method, len(prefix) + len(template.segments))
                self._index.setdefault(key, []).append((prefix, template))
        self._validators: dict[tuple[int, str], Any] = {}
        self._declared_cache: dict[tuple[int, str, str], _Declared | None] = {}
        self._fast: dict[tuple[int, str], Any] = {}
        self._rs_registry: Any = None
        self._envelope: Envelope | bool | None = False  # False: not computed yet

    def __repr__(self) -> str:
        return f"<Spec {self.path} (OpenAPI {self.version}, {len(self.operations)} operations)>"

    # --- finding operations ---------------------------------------------------------------

    def operation(self, method: str | Sequence[str], path: str | None = None) -> Operation:
        """The operation ``("GET", "/tasks/{id}")``, ``"GET /tasks/{id}"`` or an
        ``operationId``; :class:`~errspec.InputError` naming the near misses otherwise."""
        if not isinstance(method, str):
            if not (
                isinstance(method, Sequence)
                and len(method) == 2
                and all(isinstance(part, str) for part in method)
            ):
                raise TypeError(
                    "operation is ('GET', '/tasks/{id}'), 'GET /tasks/{id}' or an operationId, "
                    f"not {method!r}"
                )
            method, path = method
        if path is None:
            text = method.strip()
            if len(text.split()) == 1:
                found = self._by_id.get(text)
                if found is not None:
                    return found
                raise InputError(
                    f"{self.path}: no operation with operationId {text!r}"
                    + _near(text, list(self._by_id))
                )
            method, path = text.split(None, 1)
        key = (method.strip().upper(), path.strip())
        found = self._by_key.get(key)
        if found is None:
            raise InputError(
                f"{self.path}: no operation {key[0]} {key[1]}"
                + _near(f"{key[0]} {key[1]}", [str(op) for op in self.operations])
            )
        return found

    def match(self, method: str | None, url: str | None) -> Operation | None:
        """The operation a request was for: its method, and the URL's path (percent-decoded
        segment by segment) matched against the path templates after a server's base path
        (``servers[].url`` of the operation, its path item or the document, variables at
        their ``default``; Swagger 2.0 ``basePath``; or none). The longest base path wins,
        then concrete paths over templated ones (the Paths Object). A ``HEAD`` request
        without a ``head`` operation is matched to the ``get`` one (RFC 9110 §9.3.2: HEAD is
        GET without content)."""
        if not isinstance(method, str) or not isinstance(url, str) or not method or not url:
            return None
        path = urlsplit(url).path if _URL_SCHEME.match(url) or url.startswith("//") else url
        path = path.split("?", 1)[0].split("#", 1)[0] or "/"
        segments = _path_segments(path)
        method = method.upper()
        found = self._match(method, segments)
        if found is None and method == "HEAD":
            found = self._match("GET", segments)
        return found

    def _match(self, method: str, segments: list[str]) -> Operation | None:
        best: tuple[int, int, Operation] | None = None
        for prefix, template in self._index.get((method, len(segments)), ()):
            if tuple(segments[: len(prefix)]) != prefix:
                continue
            if all(
                want == got if isinstance(want, str) else want.fullmatch(got)
                for want, got in zip(template.segments, segments[len(prefix) :], strict=True)
            ):
                rank = (len(prefix), template.literal)
                if best is None or rank > best[:2]:
                    best = (*rank, template.operation)
        return best[2] if best else None

    # --- the spec's envelope --------------------------------------------------------------

    @property
    def envelope(self) -> Envelope | None:
        """The envelope most of the spec's error responses use (as ``errspec lint`` finds
        it), or ``None`` when they fit none."""
        if self._envelope is False:
            from ._lint import _Linter, _spec_envelope

            linter = _Linter(
                self.root,
                self._options,
                docs=dict(self._linter.docs),
                remote=dict(self._linter.remote),
                urls=dict(self._linter.urls),
            )
            self._envelope = _spec_envelope(linter, list(linter.error_responses()))
        return self._envelope if isinstance(self._envelope, Envelope) else None

    # --- checking -------------------------------------------------------------------------

    def findings(self, response: Response, operation: Operation) -> Iterator[Finding]:
        """The contract findings for ``response`` to ``operation``."""
        responses = operation.node.get("responses")
        responses = responses if isinstance(responses, Mapping) else {}
        key = _response_key(responses, response.status)
        if key is None:
            documented = ", ".join(str(k) for k in responses) or "none"
            yield Finding(
                "status-undocumented",
                "error",
                f"HTTP {response.status} is not documented for {operation} "
                f"(documented: {documented})",
            )
            return
        declared = self._declared(operation, key, responses[key])
        if declared is None:
            return
        yield from self._media_and_schema(response, declared)
        if response.headers_known:
            for name in declared.required_headers:
                if not response.has_header(name):
                    yield Finding(
                        "declared-header-missing",
                        "error",
                        f"{declared.where} documents the required header {name}, which is missing",
                        f"header:{name}",
                    )

    def _declared(self, operation: Operation, key: str, node: Any) -> _Declared | None:
        """What the response ``key`` of ``operation`` documents, resolved once."""
        cache_key = (id(operation.doc), operation.pointer, key)
        if cache_key in self._declared_cache:
            return self._declared_cache[cache_key]
        doc, pointer, resolved = self._deref(
            operation.doc, f"{operation.pointer}/responses/{escape(key)}", node
        )
        declared: _Declared | None = None
        if isinstance(resolved, Mapping):
            media: dict[str, tuple[Document, str, Any] | None] = {}
            if self.version.startswith("2"):
                # Swagger 2.0: one schema, for every type the operation `produces`.
                produces = operation.node.get("produces", self.root.data.get("produces"))
                if "schema" in resolved:
                    schema_at = (doc, f"{pointer}/schema", resolved["schema"])
                    types = [str(m) for m in produces] if isinstance(produces, list) else []
                    media = dict.fromkeys(types, schema_at) or {"*/*": schema_at}
            else:
                content = resolved.get("content")
                if isinstance(content, Mapping):
                    for name, obj in content.items():
                        media[str(name)] = (doc, f"{pointer}/content/{escape(name)}", obj)
            headers = resolved.get("headers")
            required: list[str] = []
            if isinstance(headers, Mapping):
                for name, header in headers.items():
                    if str(name).lower() == "content-type":
                        continue  # Response Object: a "Content-Type" definition "SHALL be ignored"
                    _, _, value = self._deref(doc, f"{pointer}/headers/{escape(name)}", header)
                    if isinstance(value, Mapping) and value.get("required") is True:
                        required.append(str(name))
            declared = _Declared(
                where=f"{key} of {operation}",
                media=media,
                swagger=self.version.startswith("2"),
                required_headers=tuple(required),
            )
        self._declared_cache[cache_key] = declared
        return declared

    def _media_and_schema(self, response: Response, declared: _Declared) -> Iterator[Finding]:
        has_body = response.has_json_body or bool(response.body_text)
        media = response.media_type
        where = declared.where
        keys = list(declared.media)
        if not response.headers_known:
            # No headers recorded: nothing to say about the media type; the schema is the
            # one of the JSON media type documented, if there is exactly one.
            json_keys = [k for k in keys if is_json_media_type(_media_type(k)) or k == "*/*"]
            chosen = json_keys[0] if len(json_keys) == 1 else None
        elif not keys:
            if has_body:
                yield Finding(
                    "media-type-undocumented",
                    "error",
                    f"a body ({media or 'no Content-Type'}) is sent, but {where} documents "
                    "no content",
                    "header:Content-Type",
                )
            return
        else:
            chosen = _media_key(keys, media)
            if has_body and media is None:
                yield Finding(
                    "media-type-undocumented",
                    "error",
                    f"the response has no Content-Type; {where} documents {', '.join(keys)}",
                    "header:Content-Type",
                )
                return
            if has_body and chosen is None:
                yield Finding(
                    "media-type-undocumented",
                    "error",
                    f"Content-Type {media} is not documented for {where} "
                    f"(documented: {', '.join(keys)})",
                    "header:Content-Type",
                )
                return
        if chosen is None:
            return
        if not response.has_json_body:
            if response.body_problem == TOO_DEEP and self._schema_of(declared, chosen):
                # JSON, but too deep to check: never a silent pass against a schema
                yield Finding(
                    "declared-schema",
                    "error",
                    f"cannot be checked against the schema documented for {where}: {TOO_DEEP}",
                    "",
                )
            return
        schema_at = self._schema_of(declared, chosen)
        if schema_at is None:
            return
        fast = self._fast_validator(*schema_at)
        if fast is not None and _fast_valid(fast, response.body):
            return
        validator = self._validator(*schema_at)
        shown = f"{schema_at[0].path.name}#{schema_at[1]}"
        try:
            errors = sorted(
                islice(validator.iter_errors(response.body), 200),
                key=lambda e: (list(map(str, e.absolute_path)), str(e.message)),
            )
        except RecursionError:
            if _depth(response.body, 100) < 100:  # a shallow body: the schema loops
                raise InputError(
                    f"{shown}: the schema loops back on itself (a $ref cycle through "
                    "allOf/anyOf/oneOf or properties), so no body can be checked against it"
                ) from None
            # invalid (the compiled validator said so), but too deep to say where
            yield Finding(
                "declared-schema",
                "error",
                f"does not match the schema documented for {where}; the body nests too "
                "deeply for errspec to say where",
                "",
            )
            return
        except Exception as exc:  # referencing.exceptions.Unresolvable and kin
            raise InputError(f"{shown}: the schema cannot be resolved: {_reason(exc)}") from None
        for error in errors[:MAX_SCHEMA_FINDINGS]:
            yield Finding(
                "declared-schema",
                "error",
                f"does not match the schema documented for {where}: {_short(str(error.message))}",
                join(error.absolute_path),
            )
        if len(errors) > MAX_SCHEMA_FINDINGS:
            more = len(errors) - MAX_SCHEMA_FINDINGS
            yield Finding(
                "declared-schema",
                "error",
                f"… and {more}{'+' if len(errors) == 200 else ''} more schema errors",
            )

    def _schema_of(self, declared: _Declared, media: str) -> tuple[Document, str] | None:
        """Where the schema for ``media`` is (resolved and checked once), or ``None``."""
        if media in declared.schemas:
            return declared.schemas[media]
        entry = declared.media[media]
        found: tuple[Document, str] | None = None
        if entry is not None:
            doc, pointer, node = entry
            schema_at: tuple[Document, str, Any] | None = entry if declared.swagger else None
            if not declared.swagger:
                media_doc, media_pointer, media_obj = self._deref(doc, pointer, node)
                if isinstance(media_obj, Mapping) and "schema" in media_obj:
                    schema_at = (media_doc, f"{media_pointer}/schema", media_obj["schema"])
            if schema_at is not None:
                # A schema that is only a $ref chain looping back on itself is a spec error
                # (reported with its place); a recursive schema with content (a tree) is fine.
                self._deref(*schema_at)
                found = (schema_at[0], schema_at[1])
        declared.schemas[media] = found
        return found

    # --- resolution -----------------------------------------------------------------------

    def _deref(self, doc: Document, pointer: str, node: Any) -> tuple[Document, str, Any]:
        from ._lint import _Ref

        before = len(self._linter.findings)
        ref = self._linter.deref(_Ref(doc, pointer, node))
        if ref is None:
            problem = self._linter.findings[before]
            raise InputError(f"{problem.location}: {problem.message}")
        return ref.doc, ref.pointer, ref.node

    def _validator(self, doc: Document, pointer: str) -> Any:
        key = (id(doc), pointer)
        validator = self._validators.get(key)
        if validator is None:
            validator = self._build_validator(doc, pointer)
            self._validators[key] = validator
        return validator

    def _fast_validator(self, doc: Document, pointer: str) -> Any:
        """A compiled jsonschema-rs validator for an OpenAPI 3.1/3.2 schema (JSON Schema
        2020-12; the OpenAPI keywords are annotations), to pass valid bodies quickly: ~9 µs
        for a list of 20 tasks where jsonschema takes ~3 ms. jsonschema (the reference)
        still decides and explains every body this one rejects. ``None`` for 3.0/2.0
        schemas (``nullable`` is not JSON Schema) or when it cannot compile (a ``$ref``
        errspec refuses to follow): then jsonschema alone decides."""
        if not self.version.startswith(("3.1", "3.2")):
            return None
        key = (id(doc), pointer)
        if key in self._fast:
            return self._fast[key]
        import jsonschema_rs

        try:
            if self._rs_registry is None:

                def retrieve(uri: str) -> Any:
                    return self._retrieve(uri.partition("#")[0]).data

                self._rs_registry = jsonschema_rs.Registry(
                    self._resources(),
                    draft=jsonschema_rs.Draft202012,
                    retriever=retrieve,
                )
            uri = self._schema_uri(doc, pointer)
            fast = jsonschema_rs.Draft202012Validator(
                {"$ref": uri}, registry=self._rs_registry, validate_formats=False
            )
        except Exception:  # a refused or broken $ref, a lone surrogate: jsonschema decides
            fast = None
        self._fast[key] = fast
        return fast

    def _uri(self, doc: Document) -> str:
        """A loaded document's base URI for the JSON Schema resolvers: its URL if it was
        fetched, else errspec's private one (so that they resolve every relative ``$ref``
        to a URI that only :meth:`_retrieve`, that is :func:`judge_ref`, can read)."""
        return self._linter.urls.get(id(doc)) or document_uri(doc.path.resolve())

    def _schema_uri(self, doc: Document, pointer: str) -> str:
        """The URI of the schema at ``pointer`` in ``doc``, for the resolvers."""
        try:
            fragment = quote(pointer, safe="/~")
        except UnicodeEncodeError:  # a member name with a lone surrogate ("\\ud800")
            raise InputError(
                f"{doc.path.name}#{pointer!r}: the schema's place in the document is not valid "
                "Unicode (a lone surrogate in a member name), so no resolver can name it"
            ) from None
        return f"{self._uri(doc)}#{fragment}"

    def _resources(self) -> list[tuple[str, Any]]:
        """``(base URI, data)`` of every document loaded so far."""
        linter = self._linter
        return [(self._uri(d), d.data) for d in chain(linter.docs.values(), linter.remote.values())]

    def _build_validator(self, doc: Document, pointer: str) -> Any:
        from openapi_schema_validator import OAS31Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4, DRAFT202012

        modern = self.version.startswith(("3.1", "3.2"))
        specification = DRAFT202012 if modern else DRAFT4

        def retrieve(uri: str) -> Resource[Any]:
            return specification.create_resource(self._retrieve(uri).data)

        resources = [(uri, specification.create_resource(data)) for uri, data in self._resources()]
        registry: Registry[Any] = Registry(retrieve=retrieve).with_resources(resources)  # type: ignore[call-arg]
        uri = self._schema_uri(doc, pointer)
        cls = OAS31Validator if modern else _oas30_validator(self.version.startswith("2"))
        return cls({"$ref": uri}, registry=registry)

    def _retrieve(self, uri: str) -> Document:
        """The document a schema ``$ref`` leads the JSON Schema resolvers to (``uri`` is
        absolute: the documents' base URIs are errspec's private ones), judged and loaded
        as ``errspec lint`` judges and loads every ``$ref``."""
        from ._lint import _RefProblem

        linter = self._linter
        target = judge_ref(
            uri.partition("#")[0],
            referrer=self.root.path,
            folder=linter.folder,
            allow_outside=self._options.allow_outside_refs,
            allow_remote=self._options.allow_remote_refs,
            internal=True,
        )
        where = (self.root, "")
        found: Document | _RefProblem
        if target.kind == "file" and target.path is not None:
            found = linter.document(target.path, uri, where)
        elif target.kind == "url" and target.url is not None:
            found = linter.fetch(target.url, uri, where)
        else:
            raise InputError(target.reason or f"$ref {quote_ref(uri)} is not read")
        if isinstance(found, _RefProblem):
            raise InputError(found.message)
        return found

    # --- the walk -------------------------------------------------------------------------

    def _walk(self) -> Iterator[Operation]:
        paths = self.root.data.get("paths")
        if not isinstance(paths, Mapping):
            return
        for path, item in paths.items():
            if str(path).startswith("x-"):
                continue
            doc, pointer, node = self._deref(self.root, f"/paths/{escape(path)}", item)
            if not isinstance(node, Mapping):
                continue
            for method in _METHODS:
                op = node.get(method)
                if isinstance(op, Mapping):
                    op_id = op.get("operationId")
                    servers = op.get("servers") or node.get("servers")
                    if isinstance(servers, list) and servers:
                        self._op_prefixes[f"{pointer}/{method}"] = _base_paths({"servers": servers})
                    yield Operation(
                        method.upper(),
                        str(path),
                        f"{pointer}/{method}",
                        op_id if isinstance(op_id, str) else None,
                        op,
                        doc,
                    )


# --- helpers ---------------------------------------------------------------------------------

_CACHE: dict[tuple[Path, int, int, bool, bool], Spec] = {}


def load_spec(
    path: str | Path, *, allow_remote_refs: bool = False, allow_outside_refs: bool = False
) -> Spec:
    """Load an OpenAPI document for spec-aware checking; cached while the file is unchanged
    (so a test suite that passes ``spec="openapi.yaml"`` to every check loads it once)."""
    try:
        resolved = Path(path).resolve()
        stat = resolved.stat()
    except (OSError, ValueError):  # ValueError: a NUL byte or lone surrogate in the name
        return Spec(
            path, allow_remote_refs=allow_remote_refs, allow_outside_refs=allow_outside_refs
        )
    key = (resolved, stat.st_mtime_ns, stat.st_size, allow_remote_refs, allow_outside_refs)
    spec = _CACHE.get(key)
    if spec is None:
        spec = Spec(
            path, allow_remote_refs=allow_remote_refs, allow_outside_refs=allow_outside_refs
        )
        if len(_CACHE) >= 16:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = spec
    return spec


def _path_segments(path: str) -> list[str]:
    """``/tasks/caf%C3%A9`` -> ``['tasks', 'café']`` (``/`` -> ``['']``)."""
    return (
        [unquote(segment) for segment in path.split("/")[1:]]
        if path.startswith("/")
        else [unquote(segment) for segment in path.split("/")]
    )


def _template(op: Operation) -> _Template:
    segments: list[str | re.Pattern[str]] = []
    literal = 0
    for segment in op.path.split("/")[1:] if op.path.startswith("/") else op.path.split("/"):
        parts = re.split(r"(\{[^{}]*\})", segment)
        if len(parts) == 1:
            segments.append(segment)
            literal += len(segment)
            continue
        segments.append(
            re.compile(
                "".join(
                    ".+" if part.startswith("{") and part.endswith("}") else re.escape(part)
                    for part in parts
                ),
                re.S,
            )
        )
        literal += sum(len(p) for p in parts if not p.startswith("{"))
    return _Template(op, tuple(segments), literal)


def _base_paths(data: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The path parts of the servers' URLs (variables at their ``default``) and Swagger
    2.0's ``basePath``, as decoded segments, longest first, then ``()``: a URL given
    relative to the API root (a test client's)."""
    prefixes: set[tuple[str, ...]] = {()}
    paths: list[str] = []
    servers = data.get("servers")
    if isinstance(servers, list):
        for server in servers:
            if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
                continue
            url = server["url"]
            variables = server.get("variables")
            if isinstance(variables, Mapping):
                for name, var in variables.items():
                    if isinstance(var, Mapping) and "default" in var:
                        url = url.replace(f"{{{name}}}", str(var["default"]))
            paths.append(
                urlsplit(url).path if _URL_SCHEME.match(url) or url.startswith("//") else url
            )
    base = data.get("basePath")
    if isinstance(base, str):
        paths.append(base)
    for path in paths:
        path = path.split("?", 1)[0].rstrip("/")
        if path:
            prefixes.add(tuple(_path_segments(path if path.startswith("/") else "/" + path)))
    return sorted(prefixes, key=len, reverse=True)


def _response_key(responses: Mapping[str, Any], status: int) -> str | None:
    """The documented response for ``status``: exact code, then ``4XX``, then ``default``."""
    keys = {str(k): str(k) for k in responses}
    if str(status) in keys:
        return keys[str(status)]
    for key in keys:
        if key.upper() == f"{str(status)[0]}XX":
            return key
    return keys.get("default")


def _media_key(keys: list[str], media: str | None) -> str | None:
    """The ``content`` key a media type falls under: exact, then ``type/*``, then ``*/*``."""
    if media is None:
        return None
    normal = {k.split(";", 1)[0].strip().lower(): k for k in keys}
    main = media.split("/", 1)[0]
    for candidate in (media, f"{main}/*", "*/*"):
        if candidate in normal:
            return normal[candidate]
    return None


def _near(text: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(text, names, n=3, cutoff=0.6)
    if close:
        return f"; did you mean {', '.join(close)}?"
    if not names:
        return " (it has none)"
    return f" (it has {len(names)}: {', '.join(names[:5])}{', …' if len(names) > 5 else ''})"


_OAS30: dict[bool, Any] = {}


def _oas30_validator(swagger: bool) -> Any:
    """openapi-schema-validator's ``OAS30ReadValidator`` (responses: ``readOnly`` members
    may appear, ``writeOnly`` ones may not), with ``null`` reported once (it says both
    "None for not nullable" and "None is not of type …"), and for Swagger 2.0 the
    ``x-nullable: true`` extension read as OpenAPI 3.0's ``nullable: true``."""
    cls = _OAS30.get(swagger)
    if cls is None:
        from jsonschema.validators import extend
        from openapi_schema_validator import OAS30ReadValidator

        oas_type = OAS30ReadValidator.VALIDATORS["type"]

        def type_(validator: Any, data_type: Any, instance: Any, schema: Any) -> Iterator[Any]:
            if instance is None:
                if schema.get("nullable") is True or (swagger and schema.get("x-nullable") is True):
                    return
                for error in oas_type(validator, data_type, instance, schema):
                    if error.message != "None for not nullable":
                        yield error
                return
            yield from oas_type(validator, data_type, instance, schema)

        cls = extend(OAS30ReadValidator, {"type": type_})  # type: ignore[no-untyped-call]
        _OAS30[swagger] = cls
    return cls


def _fast_valid(fast: Any, body: Any) -> bool:
    """jsonschema-rs's verdict, ``False`` (let jsonschema decide) for a body it cannot take:
    a lone surrogate (``"\\ud800"`` in JSON) is no Rust string."""
    try:
        return bool(fast.is_valid(body))
    except (UnicodeEncodeError, ValueError, OverflowError):
        return False


def _depth(value: Any, limit: int) -> int:
    """How deep ``value`` nests, counted up to ``limit`` (iteratively)."""
    deepest, todo = 0, [(value, 1)]
    while todo and deepest < limit:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            todo.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            todo.extend((v, depth + 1) for v in node)
    return deepest


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reason(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        nxt = exc.__cause__ or exc.__context__
        assert nxt is not None
        exc = nxt
    return _short(str(exc))
