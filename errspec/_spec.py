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

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from ._declared import DeclaredSchemas, fast_valid
from ._exceptions import InputError
from ._findings import Finding
from ._http import Response, is_json_media_type
from ._http import media_type as _media_type
from ._jsondata import TOO_DEEP
from ._linter import LintOptions, _Linter, _Ref
from ._pointer import escape, join
from ._registry import Envelope
from ._routes import Operation, Routes
from ._specload import Document, _is_text, load_document, read_spec

__all__ = ["Operation", "Spec", "load_spec"]

#: At most this many ``declared-schema`` findings per response (the first errors by path).
MAX_SCHEMA_FINDINGS = 10


@dataclass
class _Declared:
    """A documented response, resolved: its media types (with where each one's media type
    object is; Swagger 2.0: the schema), and the headers it requires."""

    where: str  # "404 of GET /tasks/{id}"
    media: dict[str, tuple[Document, str, Any] | None]
    swagger: bool
    required_headers: tuple[str, ...]
    schemas: dict[str, tuple[Document, str] | None] = field(default_factory=dict)


class Spec:
    """An OpenAPI document loaded for checking responses against it.

    Load it once with :func:`load_spec` (calls with the same path share a cached copy).
    """

    def __init__(
        self,
        path: str | Path | Mapping[str, Any] | Document,
        *,
        allow_remote_refs: bool = False,
        allow_outside_refs: bool = False,
    ) -> None:
        if not isinstance(path, str | os.PathLike) or _is_text(str(path)):
            # the text of a document, an already-loaded mapping, or a Document
            loaded = read_spec(path)
            path = loaded.path
        else:
            loaded = None
        self.path = Path(path)
        # Loaded by the name given (its errors name it so), then kept by absolute path: the
        # spec is cached and reused, also after the working directory changes.
        self.root = replace(loaded or load_document(self.path), path=self.path.resolve())
        if self.root.version is None:
            raise InputError(
                f"{self.path}: no `openapi` or `swagger` version: not an OpenAPI document"
            )
        self.version: str = self.root.version
        self._options = LintOptions(
            allow_remote_refs=allow_remote_refs, allow_outside_refs=allow_outside_refs
        )
        self._linter = _Linter(self.root, self._options, docs=_Stamped())
        self._linter.docs[self.root.path] = self.root  # stamped as every document it reads
        #: Which operation a request was for (paths, servers, operationIds).
        self.routes = Routes(self.root, self._deref, self.path)
        self.operations: tuple[Operation, ...] = self.routes.operations
        #: The compiled validators of the schemas the operations declare.
        self.schemas = DeclaredSchemas(self.root, self.version, self._linter, self._options)
        self._declared_cache: dict[tuple[int, str, str], _Declared | None] = {}
        self._envelope: Envelope | bool | None = False  # False: not computed yet

    def __repr__(self) -> str:
        return f"<Spec {self.path} (OpenAPI {self.version}, {len(self.operations)} operations)>"

    def unchanged(self) -> bool:
        """Whether every file this spec has read so far (the root and each ``$ref``'d one)
        is as it was when read: :func:`load_spec` serves a cached spec only then."""
        docs = self._linter.docs
        return isinstance(docs, _Stamped) and docs.unchanged()

    # --- finding operations (errspec._routes) ---------------------------------------------

    def operation(self, method: str | Sequence[str], path: str | None = None) -> Operation:
        """The operation ``("GET", "/tasks/{id}")``, ``"GET /tasks/{id}"`` or an
        ``operationId``; :class:`~errspec.InputError` naming the near misses otherwise."""
        return self.routes.operation(method, path)

    def match(self, method: str | None, url: str | None) -> Operation | None:
        """The operation a request was for (see :meth:`errspec._routes.Routes.match`), or
        ``None``."""
        return self.routes.match(method, url)

    # --- the spec's envelope --------------------------------------------------------------

    @property
    def envelope(self) -> Envelope | None:
        """The envelope most of the spec's error responses use (as ``errspec lint`` finds
        it), or ``None`` when they fit none."""
        if self._envelope is False:
            from ._lint import _spec_envelope  # the envelope decision: only when asked

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
        fast = self.schemas.fast_validator(*schema_at)
        if fast is not None and fast_valid(fast, response.body):
            return
        validator = self.schemas.validator(*schema_at)
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
        before = len(self._linter.findings)
        ref = self._linter.deref(_Ref(doc, pointer, node))
        if ref is None:
            problem = self._linter.findings[before]
            raise InputError(f"{problem.location}: {problem.message}")
        return ref.doc, ref.pointer, ref.node

    # --- the walk -------------------------------------------------------------------------


# --- helpers ---------------------------------------------------------------------------------


class _Stamped(dict[Path, Document]):
    """The documents a spec has read, each with its file's (mtime, size) when it was read."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: dict[Path, tuple[int, int] | None] = {}

    def __setitem__(self, path: Path, doc: Document) -> None:
        super().__setitem__(path, doc)
        self.stamps[path] = _stamp(path)

    def unchanged(self) -> bool:
        return all(_stamp(path) == stamp for path, stamp in self.stamps.items())


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except (OSError, ValueError):
        return None
    return info.st_mtime_ns, info.st_size


_CACHE: dict[tuple[Path, bool, bool], Spec] = {}
#: Specs loaded from objects (mappings, text), by the object's id, with the object.
_OBJECTS: dict[int, tuple[Any, Spec]] = {}


def load_spec(
    path: str | Path | Mapping[str, Any],
    *,
    allow_remote_refs: bool = False,
    allow_outside_refs: bool = False,
) -> Spec:
    """Load an OpenAPI document for spec-aware checking; cached while the file and every
    file it ``$ref``s are unchanged (so a test suite that passes ``spec="openapi.yaml"``
    to every check loads it once, and an edit of a shared ``errors.yaml`` is seen).

    ``path`` may also be an already-loaded mapping (FastAPI's ``app.openapi()``, kept
    while it is the same object) or the YAML/JSON text of a document."""
    if not isinstance(path, str | os.PathLike) or _is_text(str(path)):
        key_object = id(path)
        kept = _OBJECTS.get(key_object)
        if kept is not None and kept[0] is path:
            return kept[1]
        spec = Spec(
            path, allow_remote_refs=allow_remote_refs, allow_outside_refs=allow_outside_refs
        )
        if len(_OBJECTS) >= 8:
            _OBJECTS.pop(next(iter(_OBJECTS)))
        _OBJECTS[key_object] = (path, spec)  # the object is kept, so its id stays its own
        return spec
    try:
        resolved = Path(path).resolve()
    except (OSError, ValueError):  # ValueError: a NUL byte or lone surrogate in the name
        return Spec(
            path, allow_remote_refs=allow_remote_refs, allow_outside_refs=allow_outside_refs
        )
    key = (resolved, allow_remote_refs, allow_outside_refs)
    cached = _CACHE.get(key)
    if cached is not None and cached.unchanged():
        return cached
    spec = Spec(path, allow_remote_refs=allow_remote_refs, allow_outside_refs=allow_outside_refs)
    _CACHE.pop(key, None)
    if len(_CACHE) >= 16:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = spec
    return spec


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
