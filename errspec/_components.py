"""OpenAPI components for an envelope, generated from its schema and profile.

``components_document(envelope, "3.1")`` returns a complete OpenAPI document whose
``components`` hold the envelope schema (its ``$defs`` hoisted beside it), one reusable
response per documented status with the envelope's media type, headers and examples, and
the headers and examples those responses reference. The 3.0 variant is real 3.0: type
arrays become ``nullable``, ``const`` becomes a one-value ``enum``, ``examples`` becomes
``example``, and keywords 3.0 lacks are refused rather than silently dropped.

The committed ``schemas/<id>/openapi-3.{0,1}.yaml`` files are this module's output;
``python -m errspec._generate`` rewrites them and ``--check`` reports stale ones.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, Literal

import yaml

from ._exceptions import InvalidEnvelopeError
from ._registry import Envelope

__all__ = ["OPENAPI_VERSIONS", "components_document", "components_yaml", "header_component_name"]

OpenAPIVersion = Literal["3.0", "3.1"]
OPENAPI_VERSIONS: tuple[OpenAPIVersion, ...] = ("3.0", "3.1")
_FULL_VERSION = {"3.0": "3.0.3", "3.1": "3.1.0"}
_SCHEMA_VERSION = "1.0.0"  # the version in the canonical $id (v1); bumped with breaking edits

# Keywords a canonical envelope schema may use, with how each maps to OpenAPI 3.0.
_SCHEMA_KEYWORDS = {
    "$schema", "$id", "$comment", "$ref", "$defs", "title", "description", "type", "enum",
    "const", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "uniqueItems", "minLength", "maxLength", "pattern", "minimum", "maximum", "multipleOf",
    "minProperties", "maxProperties", "format", "oneOf", "anyOf", "allOf", "not", "examples",
    "default", "readOnly", "writeOnly", "deprecated",
}  # fmt: skip
_DROPPED = ("$schema", "$id", "$comment")

_HEADER = (
    "# Generated from schemas/{id}/envelope.schema.json and profile.yaml (schema v{version}).\n"
    "# Do not edit: run `make generate` (python -m errspec._generate) instead.\n"
)


def header_component_name(name: str) -> str:
    """``Retry-After`` → ``RetryAfter``; ``x-ms-error-code`` → ``XMsErrorCode``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


def components_document(envelope: Envelope, openapi: OpenAPIVersion) -> dict[str, Any]:
    """A complete OpenAPI ``openapi`` (3.0 or 3.1) document holding the envelope's components."""
    if openapi not in OPENAPI_VERSIONS:
        raise ValueError(f"openapi must be one of {', '.join(OPENAPI_VERSIONS)}, not {openapi!r}")
    profile = envelope.profile
    name = profile.schema_name
    schema = copy.deepcopy(dict(envelope.schema))
    defs = schema.pop("$defs", {})
    where = f"{envelope.id}/envelope.schema.json"

    def convert(node: dict[str, Any], path: str) -> dict[str, Any]:
        node = _rewrite_refs(node, name, where)
        return _to_openapi30(node, path, where) if openapi == "3.0" else _strip(node)

    schemas: dict[str, Any] = {name: convert(schema, "#")}
    for def_name, sub in defs.items():
        schemas[name + def_name] = convert(sub, f"#/$defs/{def_name}")

    headers: dict[str, Any] = {}
    for h in profile.headers:
        key = header_component_name(h.name)
        if key in headers:
            continue
        header: dict[str, Any] = {"description": h.description}
        if h.level == "required":
            header["required"] = True
        header["schema"] = copy.deepcopy(dict(h.schema))
        if h.example is not None:
            header["example"] = h.example
        headers[key] = header

    examples: dict[str, Any] = {}
    by_status: dict[int, list[str]] = {}
    for record in envelope.examples():
        if not record.valid or "body" not in record.data:
            continue
        examples[record.name] = {
            "summary": str(record.data.get("description", record.name)),
            "value": record.data["body"],
        }
        by_status.setdefault(record.status, []).append(record.name)

    media_type = profile.media_types[0]
    responses: dict[str, Any] = {}
    for spec in profile.responses:
        response: dict[str, Any] = {"description": spec.description}
        response_headers = {
            h.name: {"$ref": f"#/components/headers/{header_component_name(h.name)}"}
            for h in profile.headers_for(spec.status)
        }
        if response_headers:
            response["headers"] = response_headers
        content: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{name}"}}
        names = by_status.get(spec.status, [])
        if names:
            content["examples"] = {n: {"$ref": f"#/components/examples/{n}"} for n in names}
        response["content"] = {media_type: content}
        responses[spec.name] = response

    components: dict[str, Any] = {"schemas": schemas, "responses": responses}
    if headers:
        components["headers"] = headers
    if examples:
        components["examples"] = examples
    source = profile.source.document
    doc: dict[str, Any] = {
        "openapi": _FULL_VERSION[openapi],
        "info": {
            "title": f"errspec components: {profile.title}",
            "version": _SCHEMA_VERSION,
            "description": (
                f"Reusable OpenAPI {openapi} components for the `{profile.id}` error envelope "
                f"({source}). Canonical schema: {envelope.schema_id}. `$ref` the responses "
                "from your operations, e.g. `$ref: './this-file.yaml#/components/responses/"
                f"{profile.responses[0].name}'`."
            ),
        },
        "paths": {},
        "components": components,
    }
    return doc


def components_yaml(envelope: Envelope, openapi: OpenAPIVersion) -> str:
    """The components document as YAML, with a generated-file header."""
    body = yaml.safe_dump(
        components_document(envelope, openapi),
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return _HEADER.format(version=_SCHEMA_VERSION, id=envelope.id) + body


def _rewrite_refs(node: Any, name: str, where: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref":
                if not (isinstance(v, str) and v.startswith("#/$defs/") and v.count("/") == 2):
                    raise InvalidEnvelopeError(
                        f"{where}: only local `#/$defs/Name` references can be exported, not {v!r}"
                    )
                out[k] = f"#/components/schemas/{name}{v[len('#/$defs/') :]}"
            elif k in ("enum", "const", "examples", "default"):
                out[k] = v
            else:
                out[k] = _rewrite_refs(v, name, where)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, name, where) for v in node]
    return node


def _strip(node: dict[str, Any]) -> dict[str, Any]:
    for key in _DROPPED:
        node.pop(key, None)
    return node


def _to_openapi30(node: Mapping[str, Any], path: str, where: str) -> dict[str, Any]:
    """Convert one draft 2020-12 schema (errspec's keyword subset) to an OpenAPI 3.0 Schema."""
    unknown = set(node) - _SCHEMA_KEYWORDS
    if unknown:
        raise InvalidEnvelopeError(
            f"{where}: {path} uses {', '.join(sorted(unknown))}, which OpenAPI 3.0 cannot express"
        )
    out: dict[str, Any] = {}
    nullable = False
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "type":
            types = [value] if isinstance(value, str) else list(value)
            if "null" in types:
                nullable = True
                types.remove("null")
            if len(types) == 1:
                out["type"] = types[0]
            elif len(types) > 1:
                out["oneOf"] = [{"type": t} for t in types]
        elif key == "const":
            out["enum"] = [value]
        elif key == "examples":
            if value:
                out["example"] = value[0]
        elif key == "properties":
            out[key] = {
                k: _to_openapi30(v, f"{path}/properties/{k}", where) for k, v in value.items()
            }
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = _to_openapi30(value, f"{path}/{key}", where)
        elif key in ("oneOf", "anyOf", "allOf"):
            out[key] = [_to_openapi30(v, f"{path}/{key}/{i}", where) for i, v in enumerate(value)]
        else:
            out[key] = value
    if nullable:
        if "type" not in out and "oneOf" not in out:
            # `{"type": "null"}`: 3.0 needs a type beside `nullable`; the enum admits only null.
            out["type"] = "object"
            out["enum"] = [None]
        out["nullable"] = True
    if "$ref" in out and len(out) > 1:
        # 3.0 ignores siblings of $ref: keep them meaningful by wrapping the reference.
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}], **out}
    return out
