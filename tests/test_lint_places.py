"""`errspec lint`: one finding per place (issue 10, items 4, 5 and 6).

A problem in a shared component is reported once, at the component, with how many
operations use it; header rules that need no envelope run without one; a webhook's or
callback's missing 4xx is a warning; examples written on schemas are read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from errspec._config import Config, Ignore
from errspec._findings import Finding
from errspec._lint import LintOptions, lint_spec

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
#: A house shape no envelope claims (errspec reports envelope-unknown).
HOUSE_SCHEMA = {
    "type": "object",
    "required": ["failure", "explanation"],
    "properties": {
        "failure": {"type": "boolean"},
        "explanation": {"type": "string"},
        "ticket": {"type": "integer"},
    },
}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
HOUSE = {"application/json": {"schema": {"$ref": "#/components/schemas/House"}}}


def _doc(
    paths: dict[str, Any], components: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "1"},
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": PROBLEM_SCHEMA, "House": HOUSE_SCHEMA},
            **(components or {}),
        },
        **extra,
    }


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "openapi.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def _ops(responses: dict[str, Any], *names: str) -> dict[str, Any]:
    """One GET operation per name (``/a``, ``/b`` …), all with ``responses`` and a 200."""
    return {
        f"/{name}": {"get": {"responses": {"200": {"description": "ok"}, **responses}}}
        for name in names
    }


def _found(findings: tuple[Finding, ...], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


UNAUTHORIZED = {"$ref": "#/components/responses/Unauthorized"}


# --- item 4: rules that need no envelope always run ------------------------------------------


def test_www_authenticate_is_checked_when_no_envelope_fits(tmp_path: Path) -> None:
    doc = _doc(
        {
            "/tasks": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "401": {"description": "no token", "content": HOUSE},
                    }
                }
            }
        }
    )
    report = lint_spec(_write(tmp_path, doc))
    assert report.envelope is None
    assert [f.rule for f in _found(report.findings, "envelope-unknown")] == ["envelope-unknown"]
    (finding,) = _found(report.findings, "www-authenticate-missing")
    assert finding.pointer == "/paths/~1tasks/get/responses/401"
    assert finding.severity == "error"  # RFC 9110 §11.6.1: MUST, whatever the envelope
    assert finding.envelope is None
    assert finding.message == "401 response does not declare WWW-Authenticate (RFC 9110 §11.6.1)"


def test_www_authenticate_without_an_envelope_on_a_shared_response(tmp_path: Path) -> None:
    doc = _doc(
        _ops({"401": UNAUTHORIZED}, "a", "b", "c"),
        {"responses": {"Unauthorized": {"description": "no token", "content": HOUSE}}},
    )
    report = lint_spec(_write(tmp_path, doc))
    (finding,) = _found(report.findings, "www-authenticate-missing")
    assert finding.pointer == "/components/responses/Unauthorized"
    assert finding.severity == "error"
    assert finding.message == (
        "401 response does not declare WWW-Authenticate (RFC 9110 §11.6.1) (used by 3 operations)"
    )


def test_public_operations_need_no_www_authenticate_without_an_envelope(tmp_path: Path) -> None:
    doc = _doc(
        {
            "/tasks": {
                "get": {
                    "security": [],
                    "responses": {
                        "200": {"description": "ok"},
                        "401": {"description": "no token", "content": HOUSE},
                    },
                }
            }
        }
    )
    assert _found(lint_spec(_write(tmp_path, doc)).findings, "www-authenticate-missing") == []


# --- item 5: one finding per place ----------------------------------------------------------


def _shared_401(tmp_path: Path, count: int = 3, **extra: Any) -> Path:
    names = "abcdefgh"[:count]
    doc = _doc(
        _ops({"401": UNAUTHORIZED}, *names),
        {
            "responses": {
                "Unauthorized": {
                    "description": "no token",
                    "content": {"application/json": PROBLEM["application/problem+json"]},
                }
            }
        },
        **extra,
    )
    return _write(tmp_path, doc)


def test_a_shared_response_is_reported_once_with_its_count(tmp_path: Path) -> None:
    report = lint_spec(_shared_401(tmp_path), LintOptions(envelope="problem-details"))
    (www,) = _found(report.findings, "www-authenticate-missing")
    assert www.pointer == "/components/responses/Unauthorized"
    assert www.severity == "error"
    assert www.message == (
        "401 response does not declare WWW-Authenticate (RFC 9110 §11.6.1) (used by 3 operations)"
    )
    (media,) = _found(report.findings, "media-type")
    assert media.pointer == "/components/responses/Unauthorized/content/application~1json"
    assert media.severity == "warning"
    assert media.message.endswith("(used by 3 operations)")
    assert "\n" not in media.message


def test_envelope_inconsistent_on_a_shared_response_is_reported_once(tmp_path: Path) -> None:
    google = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "status"],
                "properties": {
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                    "status": {"type": "string"},
                    "details": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
    }
    doc = _doc(
        {
            **_ops({"404": {"$ref": "#/components/responses/Gone"}}, "a", "b", "c"),
            **_ops({"400": {"description": "bad", "content": PROBLEM}}, "d"),
        },
        {
            "schemas": {"Problem": PROBLEM_SCHEMA, "Google": google},
            "responses": {
                "Gone": {
                    "description": "gone",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Google"}}
                    },
                }
            },
        },
        security=[],
    )
    report = lint_spec(_write(tmp_path, doc), LintOptions(envelope="problem-details"))
    (finding,) = _found(report.findings, "envelope-inconsistent")
    assert finding.pointer == "/components/responses/Gone"
    assert finding.severity == "error"
    assert finding.message.endswith("(used by 3 operations)")
    assert "GET /a" not in finding.message


def test_a_shared_schema_is_reported_once_with_its_count(tmp_path: Path) -> None:
    broken = {**PROBLEM_SCHEMA, "properties": {**PROBLEM_SCHEMA["properties"]}}
    broken["properties"]["status"] = {"type": "string"}
    doc = _doc(
        {
            **_ops({"404": {"description": "x", "content": PROBLEM}}, "a"),
            **_ops({"400": {"description": "y", "content": PROBLEM}}, "b"),
        },
        {"schemas": {"Problem": broken}},
        security=[],
    )
    report = lint_spec(_write(tmp_path, doc))
    assert report.envelope == "problem-details"
    (finding,) = _found(report.findings, "envelope-schema")
    assert finding.pointer == "/components/schemas/Problem/properties/status"
    assert finding.severity == "error"
    assert finding.message == (
        "/status is declared string; problem-details has integer (used by 2 operations)"
    )


def test_a_problem_of_one_operation_is_reported_there_without_a_count(tmp_path: Path) -> None:
    inline = {
        "description": "x",
        "content": {
            "application/problem+json": {"schema": PROBLEM_SCHEMA, "example": {"status": 500}}
        },
    }
    doc = _doc(_ops({"404": inline}, "a"), security=[])
    report = lint_spec(_write(tmp_path, doc))
    (finding,) = _found(report.findings, "status-mismatch")
    assert (
        finding.pointer == "/paths/~1a/get/responses/404/content/application~1problem+json/example"
    )
    assert finding.severity == "error"
    assert finding.message == "example says status 500 but it documents the 404 response"


def test_ignores_count_only_the_operations_that_do_not_ignore(tmp_path: Path) -> None:
    path = _shared_401(tmp_path)
    one = lint_spec(
        path,
        LintOptions(envelope="problem-details"),
        config=Config(ignore=(Ignore("/a", "get", ("www-authenticate-missing",)),)),
    )
    (www,) = _found(one.findings, "www-authenticate-missing")
    assert www.pointer == "/components/responses/Unauthorized"
    assert www.message == (
        "401 response does not declare WWW-Authenticate (RFC 9110 §11.6.1) (used by 2 operations)"
    )
    # The other rules at the component keep their full count.
    (media,) = _found(one.findings, "media-type")
    assert media.message.endswith("(used by 3 operations)")
    two = lint_spec(
        path,
        LintOptions(envelope="problem-details"),
        config=Config(ignore=(Ignore("/a"), Ignore("/b", "get"))),
    )
    (www,) = _found(two.findings, "www-authenticate-missing")
    assert www.message == "401 response does not declare WWW-Authenticate (RFC 9110 §11.6.1)"
    every = lint_spec(
        path, LintOptions(envelope="problem-details"), config=Config(ignore=(Ignore("/*"),))
    )
    assert _found(every.findings, "www-authenticate-missing") == []
    assert _found(every.findings, "media-type") == []


def test_inline_ignores_on_operations_using_a_shared_component(tmp_path: Path) -> None:
    doc = json.loads(_shared_401(tmp_path).read_text())
    doc["paths"]["/a"]["get"]["x-errspec-ignore"] = ["www-authenticate-missing"]
    doc["paths"]["/b"]["x-errspec-ignore"] = ["*"]  # on the path item
    report = lint_spec(_write(tmp_path, doc), LintOptions(envelope="problem-details"))
    (www,) = _found(report.findings, "www-authenticate-missing")
    assert www.pointer == "/components/responses/Unauthorized"
    assert www.message == "401 response does not declare WWW-Authenticate (RFC 9110 §11.6.1)"
    (media,) = _found(report.findings, "media-type")
    assert media.message.endswith("(used by 2 operations)")
    doc["paths"]["/c"]["get"]["x-errspec-ignore"] = ["www-authenticate-missing"]
    none = lint_spec(_write(tmp_path, doc), LintOptions(envelope="problem-details"))
    assert _found(none.findings, "www-authenticate-missing") == []
    # On the component itself: suppressed for every operation.
    doc = json.loads(_shared_401(tmp_path).read_text())
    doc["components"]["responses"]["Unauthorized"]["x-errspec-ignore"] = ["media-type"]
    at_component = lint_spec(_write(tmp_path, doc), LintOptions(envelope="problem-details"))
    assert _found(at_component.findings, "media-type") == []
    assert len(_found(at_component.findings, "www-authenticate-missing")) == 1


def test_a_baseline_drops_a_shared_finding_by_rule_and_pointer(tmp_path: Path) -> None:
    path = _shared_401(tmp_path)
    report = lint_spec(
        path,
        LintOptions(envelope="problem-details"),
        baseline={"www-authenticate-missing /components/responses/Unauthorized"},
    )
    assert _found(report.findings, "www-authenticate-missing") == []
    assert len(_found(report.findings, "media-type")) == 1


# --- item 6: webhooks, callbacks, examples on schemas ------------------------------------------


def test_a_webhook_or_callback_without_a_4xx_is_a_warning(tmp_path: Path) -> None:
    ok_only = {"responses": {"200": {"description": "ok"}}}
    doc = _doc(
        {
            "/tasks": {
                "post": {
                    "responses": {
                        "201": {"description": "ok"},
                        "400": {"description": "bad", "content": PROBLEM},
                    },
                    "callbacks": {"done": {"{$request.body#/url}": {"post": ok_only}}},
                },
                "get": ok_only,
            }
        },
        webhooks={"taskDone": {"post": ok_only}},
        security=[],
    )
    report = lint_spec(_write(tmp_path, doc))
    found = {(f.pointer, f.severity) for f in _found(report.findings, "error-responses-missing")}
    assert found == {
        ("/paths/~1tasks/get", "error"),
        ("/paths/~1tasks/post/callbacks/done/{$request.body#~1url}/post", "warning"),
        ("/webhooks/taskDone/post", "warning"),
    }


def test_an_example_on_a_shared_schema_is_read_once(tmp_path: Path) -> None:
    schema = {**PROBLEM_SCHEMA, "example": {"type": "about:blank", "status": 500}}
    doc = _doc(
        _ops({"404": {"description": "x", "content": PROBLEM}}, "a", "b"),
        {"schemas": {"Problem": schema}},
        security=[],
    )
    report = lint_spec(_write(tmp_path, doc))
    (finding,) = _found(report.findings, "status-mismatch")
    assert finding.pointer == "/components/schemas/Problem/example"
    assert finding.severity == "error"
    assert finding.message == (
        "example says status 500 but it documents the 404 response (used by 2 operations)"
    )


def test_examples_array_on_a_schema_is_read(tmp_path: Path) -> None:
    schema = {**PROBLEM_SCHEMA, "examples": [{"status": 404}, {"status": 503}]}
    doc = _doc(
        _ops({"404": {"description": "x", "content": PROBLEM}}, "a"),
        {"schemas": {"Problem": schema}},
        security=[],
    )
    report = lint_spec(_write(tmp_path, doc))
    (finding,) = _found(report.findings, "status-mismatch")
    assert finding.pointer == "/components/schemas/Problem/examples/1"
    assert finding.message == "example says status 503 but it documents the 404 response"


def test_swagger_2_definition_example_is_read(tmp_path: Path) -> None:
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "status"],
                "properties": {
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                    "status": {"type": "string"},
                },
            }
        },
        "example": {"error": {"code": 500, "message": "boom", "status": "INTERNAL"}},
    }
    doc = {
        "swagger": "2.0",
        "info": {"title": "x", "version": "1"},
        "produces": ["application/json"],
        "paths": {
            f"/{name}": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "404": {"description": "x", "schema": {"$ref": "#/definitions/Error"}},
                    }
                }
            }
            for name in "abc"
        },
        "definitions": {"Error": error},
    }
    report = lint_spec(_write(tmp_path, doc), LintOptions(envelope="google-rpc"))
    (finding,) = _found(report.findings, "status-mismatch")
    assert finding.pointer == "/definitions/Error/example"
    assert finding.severity == "error"
    assert finding.message == (
        "example says status 500 but it documents the 404 response (used by 3 operations)"
    )


def test_a_shared_response_used_under_several_keys_is_one_finding(tmp_path: Path) -> None:
    invalid = {"$ref": "#/components/responses/Invalid"}
    doc = _doc(
        {**_ops({"400": invalid}, "a"), **_ops({"422": invalid}, "b", "c")},
        {
            "responses": {
                "Invalid": {
                    "description": "invalid",
                    "content": {"application/json": PROBLEM["application/problem+json"]},
                }
            }
        },
        security=[],
    )
    report = lint_spec(_write(tmp_path, doc), LintOptions(envelope="problem-details"))
    (media,) = _found(report.findings, "media-type")
    assert media.pointer == "/components/responses/Invalid/content/application~1json"
    assert media.severity == "warning"
    assert media.message == (
        "the response is application/json, not application/problem+json (used by 3 operations)"
    )


def test_an_ignore_beside_the_ref_of_one_operation_counts(tmp_path: Path) -> None:
    doc = json.loads(_shared_401(tmp_path).read_text())
    doc["paths"]["/a"]["get"]["responses"]["401"] = {
        **UNAUTHORIZED,
        "x-errspec-ignore": ["www-authenticate-missing"],
    }
    report = lint_spec(_write(tmp_path, doc), LintOptions(envelope="problem-details"))
    (www,) = _found(report.findings, "www-authenticate-missing")
    assert www.pointer == "/components/responses/Unauthorized"
    assert www.message == (
        "401 response does not declare WWW-Authenticate (RFC 9110 §11.6.1) (used by 2 operations)"
    )


def test_an_example_on_a_schema_of_several_statuses_is_not_tied_to_one(tmp_path: Path) -> None:
    """A shared error schema's example shows one status; the schema serves 400 and 404:
    the example is checked against the envelope, not against either status."""
    schema = {**PROBLEM_SCHEMA, "example": {"type": "about:blank", "status": 400, "title": 7}}
    doc = _doc(
        {
            **_ops({"404": {"description": "x", "content": PROBLEM}}, "a"),
            **_ops({"400": {"description": "y", "content": PROBLEM}}, "b"),
        },
        {"schemas": {"Problem": schema}},
        security=[],
    )
    report = lint_spec(_write(tmp_path, doc))
    assert _found(report.findings, "status-mismatch") == []
    (finding,) = _found(report.findings, "envelope-schema")
    assert finding.pointer == "/components/schemas/Problem/example/title"
    assert finding.severity == "error"
    assert finding.message == "example: 7 is not of type 'string' (used by 2 operations)"
