"""The envelope catalogue: nine envelopes, their schemas, profiles, aliases and registry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

import errspec
from errspec import InvalidEnvelopeError, UnknownEnvelopeError

from .conftest import SCHEMAS

IDS = [
    "code-message",
    "data-error",
    "error-object",
    "error-string",
    "errors-array",
    "google-rpc",
    "json-api",
    "odata",
    "problem-details",
]
ALIASES = {
    "rfc9457": "problem-details",
    "rfc7807": "problem-details",
    "jsonapi": "json-api",
    "aip-193": "google-rpc",
    "azure": "odata",
    "microsoft": "odata",
    "aiven": "errors-array",
    "aurion": "error-string",
    "aya": "data-error",
}


def test_catalogue_has_the_nine_envelopes_of_the_design() -> None:
    assert list(errspec.envelope_ids()) == IDS
    assert [e.id for e in errspec.envelopes()] == IDS


def test_every_schema_folder_is_in_the_catalogue() -> None:
    folders = sorted(p.name for p in SCHEMAS.iterdir() if p.is_dir())
    assert folders == IDS


@pytest.mark.parametrize(("alias", "envelope_id"), sorted(ALIASES.items()))
def test_alias_resolves(alias: str, envelope_id: str) -> None:
    assert errspec.get_envelope(alias).id == envelope_id
    assert errspec.get_envelope(alias.upper()).id == envelope_id


def test_unknown_envelope_names_the_known_ones() -> None:
    with pytest.raises(UnknownEnvelopeError) as info:
        errspec.get_envelope("problem-detail")
    message = str(info.value)
    assert "'problem-detail'" in message
    assert "problem-details" in message
    assert "\n" not in message
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize("envelope_id", IDS)
def test_schema_is_2020_12_with_absolute_versioned_id(envelope_id: str) -> None:
    env = errspec.get_envelope(envelope_id)
    schema = env.schema
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://errspec.dev/schemas/v1/{envelope_id}/envelope.schema.json"
    assert schema["title"]
    assert schema["description"]
    assert schema["examples"], "examples taken from the source"
    for example in schema["examples"]:
        assert env.is_valid(example), example


@pytest.mark.parametrize("envelope_id", IDS)
def test_profile_matches_folder_and_validates(envelope_id: str) -> None:
    env = errspec.get_envelope(envelope_id)
    validator = Draft202012Validator(errspec.profile_schema())
    assert list(validator.iter_errors(dict(env.profile.raw))) == []
    assert env.profile.id == envelope_id
    assert env.media_types, "at least one media type"
    # Every documented response status is unique and named once.
    statuses = [r.status for r in env.profile.responses]
    names = [r.name for r in env.profile.responses]
    assert len(set(statuses)) == len(statuses)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("envelope_id", IDS)
def test_profile_pointers_point_at_something_real(envelope_id: str) -> None:
    """Each pointer in a profile names a member the canonical schema declares, or an
    extension member that the source's own examples carry (RFC 9457's `errors`)."""
    env = errspec.get_envelope(envelope_id)
    p = env.profile
    pointers = [p.message]
    if p.status_echo:
        pointers.append(p.status_echo.pointer)
    if p.code:
        pointers.append(p.code.pointer)
    if p.field_errors:
        pointers.append(p.field_errors.pointer)
    if p.retry_hint_pointer:
        pointers.append(p.retry_hint_pointer)
    if p.request_id_pointer:
        pointers.append(p.request_id_pointer)
    pointers += [m.pointer for m in p.conditional_members]
    bodies = [r.data["body"] for r in env.examples() if r.valid]
    for pointer in pointers:
        assert _schema_declares(env.schema, pointer) or any(
            _resolves(body, pointer) for body in bodies
        ), f"{envelope_id}: {pointer}"


def _resolves(body: object, pointer: str) -> bool:
    nodes = [body]
    for segment in pointer.split("/")[1:]:
        nxt: list[object] = []
        for node in nodes:
            if segment == "*":
                nxt += node if isinstance(node, list) else []
                nxt += list(node.values()) if isinstance(node, dict) else []
            elif isinstance(node, dict) and segment in node:
                nxt.append(node[segment])
        nodes = nxt
    return bool(nodes)


def _schema_declares(schema: dict, pointer: str) -> bool:
    defs = schema.get("$defs", {})

    def deref(node: dict) -> dict:
        while "$ref" in node:
            node = defs[node["$ref"].split("/")[-1]]
        return node

    def candidates(node: dict) -> list[dict]:
        node = deref(node)
        found = [node]
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in node.get(key, []):
                found += candidates(sub)
        return found

    nodes = [schema]
    for segment in pointer.split("/")[1:]:
        nxt = []
        for node in nodes:
            for cand in candidates(node):
                if segment == "*":
                    for key in ("items", "additionalProperties"):
                        if isinstance(cand.get(key), dict):
                            nxt.append(cand[key])
                elif segment in cand.get("properties", {}):
                    nxt.append(cand["properties"][segment])
        if not nxt:
            return False
        nodes = nxt
    return True


CASED = [e.id for e in errspec.envelopes() if e.profile.code and e.profile.code.format != "any"]


def test_cased_envelopes() -> None:
    assert CASED == ["code-message", "error-object", "error-string", "google-rpc"]


@pytest.mark.parametrize("envelope_id", CASED)
def test_catalogue_codes_have_the_declared_casing(envelope_id: str) -> None:
    code = errspec.get_envelope(envelope_id).profile.code
    assert code is not None
    pattern = {
        "snake_case": r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$",
        "UPPER_SNAKE_CASE": r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$",
        "PascalCase": r"^[A-Z][A-Za-z0-9]*$",
        "camelCase": r"^[a-z][A-Za-z0-9]*$",
        "kebab-case": r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
    }[code.format]
    for name in code.catalogue:
        assert re.match(pattern, name), name


def test_error_string_catalogue_is_seed_001_table() -> None:
    code = errspec.get_envelope("aurion").profile.code
    assert code is not None
    assert code.pointer == "/error"
    assert code.open is True
    assert dict(code.catalogue) == {
        "unauthorized": (401,),
        "forbidden": (403,),
        "not_found": (404,),
        "validation_error": (422,),
        "rate_limit_exceeded": (429,),
        "idempotency_conflict": (409,),
        "internal_error": (500,),
    }


def test_code_message_catalogue_is_seed_002_tables() -> None:
    code = errspec.get_envelope("code-message").profile.code
    assert code is not None
    assert dict(code.catalogue) == {
        "UNAUTHORIZED": (401,),
        "INVALID_CREDENTIALS": (401,),
        "SESSION_EXPIRED": (401,),
        "INVALID_SIGNATURE": (401,),
        "FORBIDDEN": (403,),
        "CSRF_VALIDATION_FAILED": (403,),
        "ACCOUNT_DISABLED": (403,),
        "NOT_FOUND": (404,),
        "BAD_REQUEST": (400,),
        "CONFLICT": (409,),
        "UNPROCESSABLE_ENTITY": (422,),
        "VALIDATION_ERROR": (422,),
        "RATE_LIMIT_EXCEEDED": (429,),
        "INTERNAL_ERROR": (500,),
        "DATABASE_ERROR": (500,),
        "SERVICE_UNAVAILABLE": (503,),
    }


def test_code_message_retryability_keeps_seed_002_nuances() -> None:
    retry = errspec.get_envelope("code-message").profile.retryable
    assert retry[401].retry == "after-reauth"
    assert retry[422].retry == "after-fix"
    assert retry[429].retry is True
    assert retry[500].retry is True
    assert retry[503].retry is True
    assert retry[400].retry is False
    assert retry[404].retry is False


def test_error_object_catalogue_is_open_with_seed_003_codes() -> None:
    code = errspec.get_envelope("error-object").profile.code
    assert code is not None
    assert code.open is True
    expected = {
        "INVALID_REQUEST": 400,
        "UNAUTHENTICATED": 401,
        "PERMISSION_DENIED": 403,
        "RESOURCE_NOT_FOUND": 404,
        "RATE_LIMIT_EXCEEDED": 429,
        "INTERNAL_SERVER_ERROR": 500,
        "SERVICE_UNAVAILABLE": 503,
    }
    for name, status in expected.items():
        assert code.catalogue[name] == (status,)


def test_google_rpc_catalogue_is_closed_and_matches_code_proto() -> None:
    from .conftest import shared_path

    rows = shared_path("standards", "google-rpc-codes.csv").read_text().splitlines()[1:]
    table = {name: int(http) for name, _num, http in (r.split(",") for r in rows)}
    profile = errspec.get_envelope("aip-193").profile
    assert profile.code is not None
    assert profile.code.open is False
    assert profile.code.pointer == "/error/status"
    assert profile.status_echo is not None
    assert profile.status_echo.pointer == "/error/code"
    for name, statuses in profile.code.catalogue.items():
        assert statuses == (table[name],), name
    # Every canonical error code (all but OK) is in the catalogue.
    assert set(table) - set(profile.code.catalogue) <= {"OK"}


@pytest.mark.parametrize(
    ("envelope_id", "pointer", "json_type"),
    [
        ("problem-details", "/status", "integer"),
        ("json-api", "/errors/*/status", "string"),
        ("google-rpc", "/error/code", "integer"),
        ("errors-array", "/errors/*/status", "integer"),
        ("data-error", "/error/code", "integer"),
    ],
)
def test_status_echo(envelope_id: str, pointer: str, json_type: str) -> None:
    echo = errspec.get_envelope(envelope_id).profile.status_echo
    assert echo is not None
    assert (echo.pointer, echo.type) == (pointer, json_type)


@pytest.mark.parametrize("envelope_id", ["error-string", "code-message", "error-object", "odata"])
def test_no_status_echo(envelope_id: str) -> None:
    assert errspec.get_envelope(envelope_id).profile.status_echo is None


@pytest.mark.parametrize(
    ("envelope_id", "header", "status", "level"),
    [
        ("error-string", "Retry-After", 429, "required"),
        ("code-message", "Retry-After", 429, "recommended"),
        ("data-error", "X-RateLimit-*", 429, "recommended"),
        ("odata", "x-ms-error-code", 404, "recommended"),
        ("error-string", "WWW-Authenticate", 401, "recommended"),
        ("problem-details", "WWW-Authenticate", 401, "recommended"),
    ],
)
def test_headers_by_status(envelope_id: str, header: str, status: int, level: str) -> None:
    profile = errspec.get_envelope(envelope_id).profile
    found = {h.name.lower(): h.level for h in profile.headers_for(status)}
    assert found.get(header.lower()) == level


def test_error_string_conditional_members() -> None:
    members = errspec.get_envelope("aurion").profile.conditional_members
    assert [(m.pointer, m.only_for_status) for m in members] == [
        ("/details", (422,)),
        ("/retry_after", (429,)),
    ]


def test_odata_code_is_repeated_in_x_ms_error_code() -> None:
    code = errspec.get_envelope("azure").profile.code
    assert code is not None
    assert code.header is not None
    assert code.header.lower() == "x-ms-error-code"


def test_media_types() -> None:
    assert errspec.get_envelope("rfc9457").media_types[0] == "application/problem+json"
    assert errspec.get_envelope("jsonapi").media_types[0] == "application/vnd.api+json"


def test_registry_resolves_every_schema_offline() -> None:
    reg = errspec.registry()
    for env in errspec.envelopes():
        assert reg.contents(env.schema_id) == env.schema
    assert reg.contents("https://errspec.dev/schemas/v1/profile.schema.json")["title"]
    with pytest.raises(Unresolvable):
        reg.resolver().lookup("https://example.com/not-in-the-registry.json")


def _write_envelope(folder: Path, profile: str, schema: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    schema = schema or {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.com/house/envelope.schema.json",
        "title": "House envelope",
        "description": "problem details plus a mandatory trace id",
        "allOf": [{"$ref": "https://errspec.dev/schemas/v1/problem-details/envelope.schema.json"}],
        "required": ["trace_id"],
        "properties": {"trace_id": {"type": "string"}},
    }
    (folder / "envelope.schema.json").write_text(json.dumps(schema))
    (folder / "profile.yaml").write_text(profile)
    return folder


HOUSE_PROFILE = """\
id: house
title: House problem details
description: Problem details with a trace id.
source: {document: our style guide, sections: [{title: Errors}]}
media_types: [application/problem+json]
status_echo: {pointer: /status, type: integer}
code: null
message: /detail
headers: []
retryable: {"503": {retry: true}}
responses: [{status: 404, name: NotFound, description: Not found}]
openapi: {schema_name: HouseProblem}
"""


def test_user_envelope_folder_loads_and_refs_builtin_schemas(tmp_path: Path) -> None:
    folder = _write_envelope(tmp_path / "house", HOUSE_PROFILE)
    env = errspec.get_envelope(str(folder))
    assert env.id == "house"
    assert env.builtin is False
    assert env.is_valid({"status": 404, "title": "Not Found", "trace_id": "abc"})
    assert not env.is_valid({"status": 404, "title": "Not Found"})  # trace_id required
    assert not env.is_valid({"status": "404", "trace_id": "abc"})  # problem-details types
    assert errspec.load_envelope(folder).profile.schema_name == "HouseProblem"


def test_user_envelope_with_invalid_profile_names_the_key(tmp_path: Path) -> None:
    folder = _write_envelope(tmp_path / "bad", HOUSE_PROFILE.replace("type: integer", "type: int"))
    with pytest.raises(InvalidEnvelopeError) as info:
        errspec.get_envelope(str(folder))
    message = str(info.value)
    assert "profile.yaml" in message
    assert "/status_echo" in message
    assert "\n" not in message


def test_user_envelope_refusing_yaml_aliases(tmp_path: Path) -> None:
    bomb = HOUSE_PROFILE + "x: &a [1, 2]\ny: [*a, *a]\n"
    folder = _write_envelope(tmp_path / "bomb", bomb)
    with pytest.raises(InvalidEnvelopeError, match="aliases are not allowed"):
        errspec.load_envelope(folder)


def test_user_envelope_with_invalid_json_schema(tmp_path: Path) -> None:
    folder = _write_envelope(
        tmp_path / "bad-schema",
        HOUSE_PROFILE,
        {"$id": "https://example.com/x.json", "type": "objekt"},
    )
    with pytest.raises(InvalidEnvelopeError, match="not a valid JSON Schema at /type"):
        errspec.load_envelope(folder)


def test_missing_envelope_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidEnvelopeError, match="no such envelope folder"):
        errspec.get_envelope(str(tmp_path / "absent"))


def test_built_in_folders_pass_the_explaining_checks_too() -> None:
    """The registry trusts jsonschema-rs's "valid" for errspec's own folders (start-up);
    jsonschema, which explains problems, must agree on every one of them."""
    import yaml

    from errspec._registry import _profile_problems

    profile_schema = json.loads((SCHEMAS / "profile.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(profile_schema)
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    for envelope in errspec.envelope_ids():
        folder = SCHEMAS / envelope
        schema = json.loads((folder / "envelope.schema.json").read_text(encoding="utf-8"))
        assert list(meta.iter_errors(schema)) == [], envelope
        profile = yaml.safe_load((folder / "profile.yaml").read_text(encoding="utf-8"))
        assert _profile_problems(validator, profile) == [], envelope


def test_built_in_profiles_have_no_yaml_aliases() -> None:
    """The registry skips the alias pass for errspec's own profiles; none may have one."""
    import yaml

    for envelope in errspec.envelope_ids():
        text = (SCHEMAS / envelope / "profile.yaml").read_text(encoding="utf-8")
        events = yaml.parse(text, Loader=yaml.CSafeLoader)
        assert not any(isinstance(e, yaml.AliasEvent) for e in events), envelope


def test_the_json_copy_of_the_profiles_is_the_yaml_they_come_from() -> None:
    """schemas/profiles.json (read at start-up instead of YAML) holds every profile exactly
    as YAML reads it, with the digest of its text; a stale entry is never used."""
    import hashlib

    import yaml

    copies = json.loads((SCHEMAS / "profiles.json").read_text(encoding="utf-8"))
    assert sorted(copies) == sorted(errspec.envelope_ids())
    for envelope, entry in copies.items():
        text = (SCHEMAS / envelope / "profile.yaml").read_text(encoding="utf-8")
        assert entry["sha256"] == hashlib.sha256(text.encode()).hexdigest(), envelope
        assert entry["profile"] == yaml.safe_load(text), envelope


def test_a_stale_json_copy_is_not_used(tmp_path: Path) -> None:
    from errspec._resources import read_own_profile

    profile = tmp_path / "profile.yaml"
    profile.write_text("id: x\n", encoding="utf-8")
    stale = {"x": {"sha256": "0" * 64, "profile": {"id": "stale"}}}
    assert read_own_profile(profile, "x", stale) == {"id": "x"}
