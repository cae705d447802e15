"""Generated OpenAPI components: fresh, valid OpenAPI, and faithful to the canonical schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator, OAS31Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

import errspec
from errspec._components import components_document, components_yaml, header_component_name
from errspec._generate import TABLE_START, write_all
from errspec._registry import load_envelope

from .conftest import REPO, SCHEMAS

CASES = [(e, v) for e in errspec.envelope_ids() for v in ("3.0", "3.1")]


@pytest.mark.parametrize(("envelope_id", "version"), CASES)
def test_committed_components_file_is_fresh(envelope_id: str, version: str) -> None:
    committed = SCHEMAS / envelope_id / f"openapi-{version}.yaml"
    assert committed.is_file(), f"run `make generate` to create {committed}"
    expected = components_yaml(errspec.get_envelope(envelope_id), version)  # type: ignore[arg-type]
    assert committed.read_text(encoding="utf-8") == expected, "stale: run `make generate`"


def test_no_derived_file_is_stale() -> None:
    """README's envelope table and the example's exported components included."""
    stale = [str(p.relative_to(REPO)) for p in write_all(REPO, check=True)]
    assert stale == [], "run `make generate`"


def test_readme_has_the_generated_envelope_table() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert TABLE_START in text
    for envelope_id in errspec.envelope_ids():
        assert f"| `{envelope_id}` |" in text


@pytest.mark.parametrize(("envelope_id", "version"), CASES)
def test_components_document_is_valid_openapi(envelope_id: str, version: str) -> None:
    doc = yaml.safe_load((SCHEMAS / envelope_id / f"openapi-{version}.yaml").read_text())
    validator = OpenAPIV30SpecValidator if version == "3.0" else OpenAPIV31SpecValidator
    errors = [e.message for e in validator(doc).iter_errors()]
    assert errors == []
    assert doc["openapi"] == {"3.0": "3.0.3", "3.1": "3.1.0"}[version]
    assert doc["paths"] == {}


def _walk_schemas(node: Any):
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key in ("properties",):
                for sub in value.values():
                    yield from _walk_schemas(sub)
            elif key in ("items", "not", "additionalProperties") and isinstance(value, dict):
                yield from _walk_schemas(value)
            elif key in ("allOf", "oneOf", "anyOf"):
                for sub in value:
                    yield from _walk_schemas(sub)


@pytest.mark.parametrize("envelope_id", errspec.envelope_ids())
def test_openapi_30_schemas_use_only_30_keywords(envelope_id: str) -> None:
    doc = components_document(errspec.get_envelope(envelope_id), "3.0")
    for schema in doc["components"]["schemas"].values():
        for node in _walk_schemas(schema):
            assert not {"const", "$schema", "$id", "examples", "$defs"} & set(node), node
            assert not isinstance(node.get("type"), list), node
            if "$ref" in node:
                assert set(node) == {"$ref"}, "3.0 ignores siblings of $ref"


@pytest.mark.parametrize("envelope_id", errspec.envelope_ids())
def test_responses_cover_profile_with_headers_and_examples(envelope_id: str) -> None:
    env = errspec.get_envelope(envelope_id)
    doc = components_document(env, "3.1")
    comps = doc["components"]
    schema_ref = f"#/components/schemas/{env.profile.schema_name}"
    assert list(comps["responses"]) == [r.name for r in env.profile.responses]
    for spec in env.profile.responses:
        response = comps["responses"][spec.name]
        media = response["content"][env.media_types[0]]
        assert media["schema"] == {"$ref": schema_ref}
        declared = {name.lower() for name in response.get("headers", {})}
        for header in env.profile.headers_for(spec.status):
            if header.family is not None:  # X-RateLimit-*: no one header to declare
                continue
            assert header.name.lower() in declared, (spec.name, header.name)
            ref = response["headers"][header.name]["$ref"]
            assert ref.split("/")[-1] in comps["headers"]
        for ex in media.get("examples", {}).values():
            assert ex["$ref"].split("/")[-1] in comps["examples"]
    # Every valid example record reaches the components (as a named example).
    shipped = {
        r.name
        for r in env.examples()
        if r.valid and r.status in {s.status for s in env.profile.responses}
    }
    assert shipped <= set(comps.get("examples", {}))


def test_retry_after_is_required_on_error_string_429() -> None:
    doc = components_document(errspec.get_envelope("error-string"), "3.0")
    too_many = doc["components"]["responses"]["TooManyRequests"]
    assert too_many["headers"] == {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    assert doc["components"]["headers"]["RetryAfter"]["required"] is True
    assert "Retry-After" not in doc["components"]["responses"]["NotFound"].get("headers", {})


def _validator(envelope_id: str, version: str):
    """A validator for the envelope's component schema, as a client of the document sees it."""
    env = errspec.get_envelope(envelope_id)
    doc = components_document(env, version)  # type: ignore[arg-type]
    uri = f"urn:errspec-test:{envelope_id}:{version}"
    spec = DRAFT4 if version == "3.0" else DRAFT202012
    registry = Registry().with_resource(
        uri, Resource.from_contents(doc, default_specification=spec)
    )
    cls = OAS30Validator if version == "3.0" else OAS31Validator
    ref = {"$ref": f"{uri}#/components/schemas/{env.profile.schema_name}"}
    return env, cls(ref, registry=registry)


@pytest.mark.parametrize(("envelope_id", "version"), CASES)
def test_components_schema_judges_records_like_the_canonical_schema(
    envelope_id: str, version: str
) -> None:
    env, validator = _validator(envelope_id, version)
    records = [r for r in env.examples() if "body" in r.data]
    assert records
    for record in records:
        canonical = env.is_valid(record.data["body"])
        assert validator.is_valid(record.data["body"]) == canonical, record.name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Retry-After", "RetryAfter"),
        ("WWW-Authenticate", "WWWAuthenticate"),
        ("x-ms-error-code", "XMsErrorCode"),
        ("X-RateLimit-Reset", "XRateLimitReset"),
    ],
)
def test_header_component_name(name: str, expected: str) -> None:
    assert header_component_name(name) == expected


def test_unknown_openapi_version_is_refused() -> None:
    with pytest.raises(ValueError, match=r"3\.0, 3\.1"):
        components_document(errspec.get_envelope("aya"), "2.0")  # type: ignore[arg-type]


# Instructions meant for errspec's developers, which must not reach users' files.
_DEVELOPER_WORDS = ("make generate", "do not edit", "errspec._generate", "python -m errspec")


@pytest.mark.parametrize(("envelope_id", "version"), CASES)
def test_exported_components_carry_no_developer_instructions(
    envelope_id: str, version: str
) -> None:
    text = components_yaml(errspec.get_envelope(envelope_id), version)  # type: ignore[arg-type]
    assert text.startswith(f"# Generated by errspec from the {envelope_id} envelope (")
    lowered = text.lower()
    for words in _DEVELOPER_WORDS:
        assert words not in lowered, words
    committed = SCHEMAS / envelope_id / f"openapi-{version}.yaml"
    assert committed.read_text(encoding="utf-8") == text


# Generic HTTP error formats fit any error status; the seed envelopes list only the statuses
# their seed names (409 in seeds 000, 001, 002 and 004; none names 405 or 415).
_GENERIC = {"problem-details", "json-api", "odata"}


@pytest.mark.parametrize("envelope_id", sorted(_GENERIC))
def test_generic_envelopes_offer_405_409_415(envelope_id: str) -> None:
    env = errspec.get_envelope(envelope_id)
    for version in ("3.0", "3.1"):
        comps = components_document(env, version)["components"]  # type: ignore[arg-type]
        by_status = {r.status: r.name for r in env.profile.responses}
        assert {405, 409, 415} <= set(by_status)
        assert by_status[405] == "MethodNotAllowed"
        assert by_status[409] == "Conflict"
        assert by_status[415] == "UnsupportedMediaType"
        # RFC 9110 §15.5.6: a 405 carries Allow; only the 405 declares it
        allow = comps["responses"]["MethodNotAllowed"]["headers"]["Allow"]
        assert allow == {"$ref": "#/components/headers/Allow"}
        assert comps["headers"]["Allow"]["required"] is True
        for name, response in comps["responses"].items():
            if name != "MethodNotAllowed":
                assert "Allow" not in response.get("headers", {}), name


def test_google_rpc_offers_only_statuses_its_codes_map_to() -> None:
    env = errspec.get_envelope("google-rpc")
    mapped = {s for statuses in env.profile.code.catalogue.values() for s in statuses}
    assert {r.status for r in env.profile.responses} <= mapped
    assert 409 in mapped
    assert not {405, 415} & mapped  # no google.rpc.Code maps to them, so no such component


@pytest.mark.parametrize(
    ("envelope_id", "statuses"),
    [
        ("errors-array", {409}),  # seed 000
        ("error-string", {409}),  # seed 001
        ("code-message", {409}),  # seed 002
        ("error-object", set()),  # seed 003 names none of them
        ("data-error", {409}),  # seed 004
    ],
)
def test_seed_envelopes_offer_only_what_their_seed_names(
    envelope_id: str, statuses: set[int]
) -> None:
    env = errspec.get_envelope(envelope_id)
    assert {r.status for r in env.profile.responses} & {405, 409, 415} == statuses


def _object_schemas(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        types = node.get("type")
        if (
            "properties" in node
            or types == "object"
            or (isinstance(types, list) and "object" in types)
        ) and "enum" not in node:  # 3.0's `{type: object, enum: [null], nullable: true}`
            found.append(node)
        for key, value in node.items():
            if key not in ("enum", "const", "examples", "example", "default"):
                found.extend(_object_schemas(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_object_schemas(value))
    return found


@pytest.mark.parametrize(("envelope_id", "version"), CASES)
def test_component_files_pass_redocly_recommended_checks(envelope_id: str, version: str) -> None:
    """What Redocly's recommended ruleset asks of a components file, checked without Redocly:
    servers present (no-empty-servers), a license (info-license), and open objects saying
    so, since no-invalid-*-examples reads an absent additionalProperties as false."""
    env = errspec.get_envelope(envelope_id)
    doc = components_document(env, version)  # type: ignore[arg-type]
    assert doc["servers"] == [{"url": "/"}]  # OpenAPI's own default, written out
    assert doc["info"]["license"]["name"] == "MIT"
    assert ("identifier" in doc["info"]["license"]) == (version == "3.1")
    schemas = _object_schemas(doc["components"]["schemas"])
    assert schemas
    for schema in schemas:
        assert "additionalProperties" in schema, schema


def test_own_envelope_components_claim_no_license(tmp_path: Path) -> None:
    folder = tmp_path / "house"
    shutil.copytree(SCHEMAS / "problem-details", folder)
    env = load_envelope(folder)
    assert env.builtin is False
    assert "license" not in components_document(env, "3.1")["info"]


def test_components_document_takes_an_id_an_alias_or_a_folder() -> None:
    """`components_document("problem-details", …)` raised AttributeError: it took only an
    Envelope object."""
    by_object = errspec.components_document(errspec.get_envelope("problem-details"), "3.1")
    assert errspec.components_document("problem-details", "3.1") == by_object
    assert errspec.components_document("rfc9457") == by_object  # 3.1 by default
    assert errspec.components_yaml("rfc9457", "3.0").startswith("# Generated by errspec")
    with pytest.raises(TypeError, match="envelope is an Envelope, an envelope id"):
        errspec.components_document(42)  # type: ignore[arg-type]
    with pytest.raises(errspec.UnknownEnvelopeError):
        errspec.components_document("nope")


@pytest.mark.parametrize("envelope_id", errspec.envelope_ids())
@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_every_exported_components_file_lints_clean_at_warning(
    envelope_id: str, version: str, tmp_path: Path
) -> None:
    """Alone, and used by a spec that $refs every response of it: no finding at all, so
    `--fail-on warning` passes (the components carry only source examples, or examples
    that check clean)."""
    components = tmp_path / f"errspec.openapi-{version}.yaml"
    components.write_text(errspec.components_yaml(envelope_id, version), encoding="utf-8")
    assert errspec.lint(components, envelope=envelope_id).findings == ()
    env = errspec.get_envelope(envelope_id)
    responses = {
        str(spec.status): {"$ref": f"./{components.name}#/components/responses/{spec.name}"}
        for spec in env.profile.responses
    }
    responses["200"] = {"description": "OK"}
    spec = {
        "openapi": "3.1.0" if version == "3.1" else "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": responses,
                }
            }
        },
    }
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    report = errspec.lint(path, envelope=envelope_id)
    assert [(f.rule, f.severity, f.message) for f in report.findings] == []
