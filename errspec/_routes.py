"""Which operation of a spec a request was for: the operations, found by method and path.

:class:`Routes` walks a spec's ``paths`` once and indexes every operation by method and
number of path segments, after each server's base path: :meth:`Routes.match` turns a
recorded request (method, URL) into its :class:`Operation` as a server would route it,
and :meth:`Routes.operation` finds one by ``'GET /tasks/{id}'`` or its ``operationId``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ._exceptions import InputError
from ._pointer import escape
from ._specload import Document

__all__ = ["Operation", "Routes"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

#: How routes follow a ``$ref`` (a path item may be one): the spec's own resolution.
Deref = Callable[[Document, str, Any], tuple[Document, str, Any]]


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


@dataclass(frozen=True)
class _Template:
    """An operation's path template, segment by segment: a literal (compared with the
    request's percent-decoded segment) or a pattern for a segment with ``{parameters}``."""

    operation: Operation
    segments: tuple[str | re.Pattern[str], ...]
    literal: int  # characters outside {parameters}: more literal = more specific


class Routes:
    """The operations of a spec, indexed for matching requests to them."""

    def __init__(self, root: Document, deref: Deref, name: Path) -> None:
        self.root = root
        self.path = name  # as the user named the spec, for messages
        self._deref = deref
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


def _near(text: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(text, names, n=3, cutoff=0.6)
    if close:
        return f"; did you mean {', '.join(close)}?"
    if not names:
        return " (it has none)"
    return f" (it has {len(names)}: {', '.join(names[:5])}{', …' if len(names) > 5 else ''})"
