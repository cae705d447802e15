"""OpenAPI validity: the document against the OpenAPI JSON Schema of its version (always),
and openapi-spec-validator's own check (``--full-validation``), as ``openapi-invalid``.

openapi-spec-validator resolves ``$ref``s itself, so errspec first checks every
``$ref`` it would follow (:func:`_vet_refs`) and gives its resolver only documents
errspec has read and vetted (:class:`_Handlers`, private-scheme base URIs); its findings
are mapped back to file:line:col (:func:`_error_place`).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ._findings import Severity
from ._linter import _Linter, _Ref, _RefProblem
from ._pointer import escape
from ._refs import document_uri, lookup, quote_ref
from ._specload import Document

__all__: list[str] = []


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
        schema = json.loads(_oas_schema_text(key))

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


def _oas_schema_text(key: str) -> str:
    """The OpenAPI schema that openapi-spec-validator ships for ``key`` (``v3.1``), read
    from its folder without importing it: its ``__init__`` imports its whole validator
    stack (0.25 s), which only ``--full-validation`` uses."""
    parts = ("resources", "schemas", key, "schema.json")
    spec = importlib.util.find_spec("openapi_spec_validator")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder).joinpath(*parts)
        if path.is_file():
            return path.read_text(encoding="utf-8")
    from importlib.resources import files

    return files("openapi_spec_validator").joinpath(*parts).read_text(encoding="utf-8")


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
