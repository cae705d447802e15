"""Validators for the schemas a spec declares, compiled once per schema.

``declared-schema`` checks a body against the schema its operation documents for its
status and media type. :class:`DeclaredSchemas` compiles one validator per schema place:
jsonschema-rs for OpenAPI 3.1/3.2 (fast, for valid bodies), and jsonschema with
openapi-schema-validator's dialects (the reference, which explains every rejection). Both
resolve ``$ref``s only through errspec: the documents' base URIs are errspec's private
ones (:func:`~errspec._refs.document_uri`), so every document a resolver asks for is
judged and loaded as ``errspec lint`` judges and loads it (:meth:`DeclaredSchemas._retrieve`).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any
from urllib.parse import quote

from ._exceptions import InputError
from ._linter import LintOptions, _Linter, _RefProblem
from ._refs import document_uri
from ._specload import Document

__all__ = ["DeclaredSchemas", "fast_valid"]


class DeclaredSchemas:
    """The compiled validators of one spec's declared schemas, by (document, pointer)."""

    def __init__(self, root: Document, version: str, linter: _Linter, options: LintOptions) -> None:
        self.root = root
        self.version = version
        self._linter = linter
        self._options = options
        self._validators: dict[tuple[int, str], Any] = {}
        self._fast: dict[tuple[int, str], Any] = {}
        self._rs_registry: Any = None

    def validator(self, doc: Document, pointer: str) -> Any:
        """jsonschema's validator (the reference) for the schema at ``pointer``."""
        return self._validator(doc, pointer)

    def fast_validator(self, doc: Document, pointer: str) -> Any:
        """jsonschema-rs's validator for the schema at ``pointer``, or ``None``."""
        return self._fast_validator(doc, pointer)

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
        found = self._linter.retrieve(uri)
        if isinstance(found, _RefProblem):
            raise InputError(found.message)
        return found


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


def fast_valid(fast: Any, body: Any) -> bool:
    """jsonschema-rs's verdict, ``False`` (let jsonschema decide) for a body it cannot take:
    a lone surrogate (``"\\ud800"`` in JSON) is no Rust string."""
    try:
        return bool(fast.is_valid(body))
    except (UnicodeEncodeError, ValueError, OverflowError):
        return False
