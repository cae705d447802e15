"""One recognizer for bodies and schemas (issue 10, items 1, 2 and 7): the patterns that
real APIs showed, as small authored records and specs, each judged alike by check
(``errspec.detect``) and lint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import errspec
from errspec._lint import LintOptions, lint_spec

from .conftest import SHARED, shared_path


def _spec(tmp_path: Path, schema: dict[str, Any], media: str = "application/json") -> Path:
    """A one-operation OpenAPI 3.1 spec whose 404 and 400 answer with ``schema``."""
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {"description": "ok"},
                        "400": {"$ref": "#/components/responses/Error"},
                        "404": {"$ref": "#/components/responses/Error"},
                    },
                }
            }
        },
        "components": {
            "responses": {
                "Error": {
                    "description": "error",
                    "content": {media: {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
            "schemas": {"Error": schema},
        },
    }
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _record(body: Any, media: str = "application/json") -> dict[str, Any]:
    return {"status": 404, "headers": {"Content-Type": media}, "body": body}


def _object(**members: Any) -> dict[str, Any]:
    return {"type": "object", "properties": members}


S, INT = {"type": "string"}, {"type": "integer"}

PROBLEM_WITH_EXTENSIONS = {
    "type": "https://example.com/probs/invalid",
    "title": "Invalid request",
    "status": 404,
    "detail": "No such thing",
    "instance": "/things/1",
    "errorCode": "E1001",
    "invalidFields": [{"name": "id", "reason": "unknown"}],
    "requestId": "r-1",
    "traceId": "t-1",
}
PROBLEM_WITH_EXTENSIONS_SCHEMA = _object(
    type=S,
    title=S,
    status=INT,
    detail=S,
    instance=S,
    errorCode=S,
    invalidFields={"type": "array", "items": _object(name=S, reason=S)},
    requestId=S,
    traceId=S,
)


def test_problem_details_with_extensions_as_plain_json_is_problem_details(
    tmp_path: Path,
) -> None:
    """RFC 9457 §3.2 extension members never dilute the score (issue 10: 0.43-0.47 and
    envelope-unknown before); served as application/json it is a media-type finding."""
    detection = errspec.detect(_record(PROBLEM_WITH_EXTENSIONS))
    assert detection.envelope == "problem-details"
    assert set(detection.matched) == {"/type", "/title", "/status", "/detail", "/instance"}
    assert {"/errorCode", "/requestId", "/traceId"} <= set(detection.extensions)
    report = lint_spec(_spec(tmp_path, PROBLEM_WITH_EXTENSIONS_SCHEMA))
    assert report.envelope == "problem-details"
    assert "envelope-unknown" not in report.rules()
    assert "media-type" in report.rules()


def test_problem_details_with_a_string_status_is_a_near_miss_claimed(tmp_path: Path) -> None:
    body = {"type": "about:blank", "title": "Not Found", "status": "404", "detail": "x"}
    detection = errspec.detect(_record(body))
    assert detection.envelope == "problem-details"
    assert detection.conflicts == ("/status: string, not integer",)
    report = errspec.check_response(_record(body))
    assert report.envelope == "problem-details"
    assert "envelope-schema" in report.rules()
    schema = _object(type=S, title=S, status=S, detail=S, instance=S)
    linted = lint_spec(_spec(tmp_path, schema))
    assert linted.envelope == "problem-details"
    assert any(
        f.rule == "envelope-schema" and "/status is declared string" in f.message
        for f in linted.findings
    )


def test_an_integer_error_status_is_not_google_rpc(tmp_path: Path) -> None:
    """google-rpc's `error.status` is decisive (a string): an integer there rules it out,
    in check and in lint alike (issue 10: lint said google-rpc, check said unknown)."""
    body = {"error": {"status": 404, "message": "No such thing"}}
    detection = errspec.detect(_record(body))
    assert detection.envelope != "google-rpc"
    ruled = {e.envelope: e.ruled_out for e in detection.evidence}
    assert ruled["google-rpc"] is not None
    assert "/error/status" in ruled["google-rpc"]
    linted = lint_spec(_spec(tmp_path, _object(error=_object(status=INT, message=S))))
    assert linted.envelope != "google-rpc"
    assert linted.envelope == detection.envelope


def test_one_shared_type_member_is_not_problem_details(tmp_path: Path) -> None:
    body = {"type": "error", "error": {"type": "not_found_error", "message": "No such thing"}}
    assert errspec.detect(_record(body)).envelope != "problem-details"
    schema = _object(type=S, error=_object(type=S, message=S))
    assert lint_spec(_spec(tmp_path, schema)).envelope != "problem-details"


def test_framework_default_detail_is_not_problem_details(tmp_path: Path) -> None:
    """FastAPI, Starlette and DRF answer {"detail": "Not Found"} as application/json."""
    detection = errspec.detect(_record({"detail": "Not Found"}))
    assert detection.envelope is None
    evidence = next(e for e in detection.evidence if e.envelope == "problem-details")
    assert evidence.ruled_out is not None
    assert "it takes 2" in evidence.ruled_out
    assert lint_spec(_spec(tmp_path, _object(detail=S))).envelope is None
    # Served as application/problem+json, the media type is the second piece of evidence.
    assert errspec.detect(_record({"detail": "x"}, "application/problem+json")).envelope == (
        "problem-details"
    )


SAME_SHAPES = [
    pytest.param(PROBLEM_WITH_EXTENSIONS, PROBLEM_WITH_EXTENSIONS_SCHEMA, id="problem-ext"),
    pytest.param(
        {"error": {"code": "NOT_FOUND", "message": "m"}},
        _object(error=_object(code={"type": "string", "example": "NOT_FOUND"}, message=S)),
        id="error-object",
    ),
    pytest.param(
        {"error": {"code": 404, "message": "m", "status": "NOT_FOUND"}},
        _object(
            error=_object(code=INT, message=S, status={"type": "string", "enum": ["NOT_FOUND"]})
        ),
        id="google-rpc",
    ),
    pytest.param(
        {"error": {"status": 404, "message": "m"}},
        _object(error=_object(status=INT, message=S)),
        id="integer-status",
    ),
    pytest.param({"detail": "Not Found"}, _object(detail=S), id="detail-only"),
    pytest.param(
        {"errors": [{"message": "m", "status": 404}], "message": "m"},
        _object(errors={"type": "array", "items": _object(message=S, status=INT)}, message=S),
        id="errors-array",
    ),
]


@pytest.mark.parametrize(("body", "schema"), SAME_SHAPES)
def test_a_body_and_a_schema_of_one_shape_get_one_envelope(
    tmp_path: Path, body: dict[str, Any], schema: dict[str, Any]
) -> None:
    assert lint_spec(_spec(tmp_path, schema)).envelope == errspec.detect(_record(body)).envelope


def test_framework_default_detail_named_as_problem_details_is_reported(tmp_path: Path) -> None:
    """Named, {"detail"} alone as application/json fits the open canonical schema but
    not the signature: an envelope-schema error, in check and in lint; as
    application/problem+json the media type makes it problem details."""
    report = errspec.check_response(_record({"detail": "Not Found"}), "problem-details")
    hit = [f for f in report.findings if f.rule == "envelope-schema"]
    assert len(hit) == 1
    assert "not recognisably problem-details" in hit[0].message
    assert not report.conforms
    served = errspec.check_response(
        _record({"detail": "Not Found"}, "application/problem+json"), "problem-details"
    )
    assert served.findings == ()
    linted = lint_spec(_spec(tmp_path, _object(detail=S)), LintOptions(envelope="problem-details"))
    schema_findings = [f for f in linted.findings if f.rule == "envelope-schema"]
    assert len(schema_findings) == 1
    assert "not recognisably problem-details" in schema_findings[0].message


def test_detect_shows_its_evidence() -> None:
    body = {"type": "about:blank", "title": "Not Found", "status": "404", "traceId": "t"}
    detection = errspec.detect(_record(body))
    assert detection.evidence_dict() == {
        "closest": "problem-details",
        "matched": ["/type", "/title"],
        "conflicts": ["/status: string, not integer"],
        "missing": [],
        "extensions": ["/traceId"],
        "media_type": "application/json",
        "ruled_out": {
            e.envelope: e.ruled_out for e in detection.evidence if e.ruled_out is not None
        },
    }
    report = errspec.check_response(_record(body))
    assert report.detection is not None
    assert report.detection["matched"] == ["/type", "/title"]


# --- the corpus property: a schema's example body is recognised as the schema is -----------

CORPUS_SPECS = SHARED / "corpus" / "specs"


def _example(linter: Any, ref: Any, depth: int = 3, level: int = 0) -> Any:
    """An example body for a schema: every declared member (through ``$ref``, ``allOf``,
    ``oneOf`` and ``anyOf``, as lint's shape merges them) with the schema's own value
    (``const``, first ``enum``, ``example``, ``default``) or a value of its declared type;
    prose for a string, ``null`` where no type is declared."""
    from errspec._lint import _list, _Ref, _sample

    props: dict[str, Any] = {}
    items: list[Any] = []
    kinds: list[str] = []
    sample: Any = None
    todo, seen = [ref], set()
    while todo:
        resolved = linter.deref(todo.pop(0))
        if resolved is None or not isinstance(resolved.node, dict):
            continue
        mark = (id(resolved.doc), resolved.pointer)
        if mark in seen:
            continue
        seen.add(mark)
        node = resolved.node
        declared = node.get("type")
        kinds += [declared] if isinstance(declared, str) else list(_list(declared))
        if sample is None:
            sample = _sample(node)
        for keyword in ("allOf", "oneOf", "anyOf"):
            for i, sub in enumerate(_list(node.get(keyword))):
                todo.append(_Ref(resolved.doc, f"{resolved.pointer}/{keyword}/{i}", sub))
        if isinstance(node.get("properties"), dict) and level <= depth:
            for name, sub in node["properties"].items():
                sub_ref = _Ref(resolved.doc, f"{resolved.pointer}/properties/{name}", sub)
                props.setdefault(name, sub_ref)
        if isinstance(node.get("items"), dict) and not items:
            items.append(_Ref(resolved.doc, f"{resolved.pointer}/items", node["items"]))
    kind = next((k for k in kinds if k != "null"), "null" if kinds else None)
    if props or kind == "object":
        return {name: _example(linter, sub, depth, level + 1) for name, sub in props.items()}
    if items or kind == "array":
        return [_example(linter, items[0], depth, level)] if items else []
    if sample is not None:
        return sample
    return {"string": "example text", "integer": 0, "number": 0.5, "boolean": True}.get(kind or "")


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in CORPUS_SPECS.glob("*") if p.suffix in (".json", ".yaml"))
    if CORPUS_SPECS.is_dir()
    else ["(no corpus)"],
)
def test_corpus_schema_examples_are_recognised_as_lint_recognises_the_schema(name: str) -> None:
    """Issue 10, item 7: for every error response of every corpus spec, a body generated
    from its schema is detected (check) as lint recognises that schema, or both none."""
    from errspec._lint import (
        LintOptions,
        _Linter,
        _plans,
        _recognition,
        _Ref,
        _shape,
    )
    from errspec._specload import load_document

    spec = shared_path("corpus", "specs", name)
    linter = _Linter(load_document(spec), LintOptions())
    judged: set[tuple[int, str, str]] = set()
    disagreements = []
    for er in linter.error_responses():
        for media, obj in er.media:
            schema = obj.node.get("schema")
            if not isinstance(schema, dict) or "json" not in media:
                continue
            ref = _Ref(obj.doc, f"{obj.pointer}/schema", schema)
            where = linter.deref(ref) or ref
            key = (id(where.doc), where.pointer, media)
            if key in judged:
                continue
            judged.add(key)
            linted = _recognition(_shape(linter, ref), media, _plans()).envelope
            body = _example(linter, ref)
            detected = errspec.detect(_record(body, media)).envelope
            if detected != linted:
                disagreements.append((where.pointer, media, linted, detected))
    assert disagreements == []


def test_the_quick_check_never_keeps_what_the_recognizer_rules_out() -> None:
    """``not_recognised`` reads the signature's members off a body before building its
    shape; it may only skip the recognizer when the recognizer would keep the envelope."""
    from errspec._plan import all_plans
    from errspec._recognize import _compiled, _judge, _shows_enough, shape_of_body

    bodies = [dict(r.data).get("body") for e in errspec.envelopes() for r in e.examples()]
    bodies += [{"detail": "Not Found"}, {"type": "x"}, {"errors": []}, {"errors": [{}]}]
    # every member, top-level and one below, in each JSON type (null too)
    kinds: list[Any] = [None, 1, 1.5, True, "s", [], {}, [{}]]
    for body in list(bodies):
        if isinstance(body, dict):
            for key, value in body.items():
                bodies += [{**body, key: kind} for kind in kinds]
                if isinstance(value, dict):
                    bodies += [{**body, key: {**value, k: kind}} for k in value for kind in kinds]
    for plan in all_plans():
        c = _compiled(plan)
        for body in bodies:
            for media in (None, "application/json", *sorted(plan.media_types)):
                if _shows_enough(c, body, media):
                    assert _judge(c, shape_of_body(body), media).ruled_out is None, (
                        plan.id,
                        body,
                    )


def test_an_envelope_schema_made_of_itself_has_a_finite_shape() -> None:
    """A user's envelope folder is input: `$defs` whose array items, or `allOf`, are
    themselves must give a shape, not loop."""
    from errspec._recognize import envelope_shape

    schema = {
        "$defs": {
            "Tree": {"type": "array", "items": {"$ref": "#/$defs/Tree"}},
            "Self": {"allOf": [{"$ref": "#/$defs/Self"}], "properties": {"x": {"type": "string"}}},
        },
        "allOf": [{"$ref": "#/$defs/Self"}],
        "properties": {"tree": {"$ref": "#/$defs/Tree"}},
    }
    shape = envelope_shape(schema)
    assert {"/tree", "/x"} <= shape.paths
    assert {p for p in shape.paths if p.startswith("/tree")} <= {"/tree", "/tree/*"}
