"""The spec's own envelope (issue 10, item 3): when no known envelope fits, lint infers the
house shape from the spec's error responses, checks consistency against it, reports
`envelope-unknown` once as a warning naming the closest envelope and the house shape, and
`errspec envelopes new DIR --from-spec SPEC` (or `--from-response FILE`) writes a house
envelope folder that loads, lints that spec without `envelope-unknown`, and exports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

import errspec
from errspec._cli import cli
from errspec._house import infer_from_body
from errspec._lint import LintOptions, infer_from_spec, lint_spec
from errspec._registry import load_envelope, profile_schema

from .conftest import SHARED

_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "integer", "example": 10003},
        "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
}


def _operation(ref: str) -> dict:
    return {
        "responses": {
            "200": {"description": "ok"},
            "400": {"$ref": ref},
            "404": {"$ref": ref},
        }
    }


def _house_spec(wrapped_op: bool = True) -> dict:
    paths: dict = {
        f"/things{i}/{{id}}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": _operation("#/components/responses/Error"),
        }
        for i in range(4)
    }
    if wrapped_op:
        paths["/legacy/{id}"] = {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "responses": {
                    "200": {"description": "ok"},
                    "404": {
                        "description": "Not found (the legacy service wraps the error)",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["error"],
                                    "properties": {"error": {"$ref": "#/components/schemas/Error"}},
                                }
                            }
                        },
                    },
                }
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "House", "version": "1"},
        "paths": paths,
        "components": {
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
            "schemas": {"Error": _ERROR},
        },
    }


def _write(tmp_path: Path, spec: dict, name: str = "openapi.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return path


def test_wrapped_outlier_is_inconsistent_at_its_response(tmp_path: Path) -> None:
    report = lint_spec(_write(tmp_path, _house_spec()))
    assert report.envelope is None
    inconsistent = [f for f in report.findings if f.rule == "envelope-inconsistent"]
    assert len(inconsistent) == 1, report.findings
    finding = inconsistent[0]
    assert finding.pointer == "/paths/~1legacy~1{id}/get/responses/404"
    assert "GET /legacy/{id} 404" in finding.message
    assert "{error: {…}}" in finding.message
    assert "bare" in finding.message


def test_house_shape_alone_is_consistent(tmp_path: Path) -> None:
    report = lint_spec(_write(tmp_path, _house_spec(wrapped_op=False)))
    assert "envelope-inconsistent" not in report.rules()


def test_missing_house_code_is_inconsistent_once_at_the_component(tmp_path: Path) -> None:
    spec = _house_spec(wrapped_op=False)
    spec["components"]["schemas"]["Other"] = {
        "type": "object",
        "properties": {"message": {"type": "string"}, "gateway": {"type": "string"}},
    }
    spec["components"]["responses"]["Other"] = {
        "description": "Gateway error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Other"}}},
    }
    for i in range(3):
        spec["paths"][f"/things{i}/{{id}}"]["get"]["responses"]["502"] = {
            "$ref": "#/components/responses/Other"
        }
    report = lint_spec(_write(tmp_path, spec))
    inconsistent = [f for f in report.findings if f.rule == "envelope-inconsistent"]
    assert len(inconsistent) == 1, report.findings
    assert inconsistent[0].pointer == "/components/responses/Other"
    assert inconsistent[0].severity == "error"
    assert "no code member 'code'" in inconsistent[0].message
    assert "only {gateway, message}" in inconsistent[0].message
    assert "(used by 3 operations)" in inconsistent[0].message


def test_part_of_the_house_shape_without_its_code_is_a_warning(tmp_path: Path) -> None:
    spec = _house_spec(wrapped_op=False)
    responses = spec["paths"]["/things0/{id}"]["get"]["responses"]
    responses["500"] = {
        "description": "Brief",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"message": {"type": "string"}}}
            }
        },
    }
    report = lint_spec(_write(tmp_path, spec))
    (finding,) = [f for f in report.findings if f.rule == "envelope-inconsistent"]
    assert finding.severity == "warning"
    assert "declares only {message} of the spec's own shape" in finding.message


def test_envelope_unknown_is_one_warning_naming_closest_and_house(tmp_path: Path) -> None:
    report = lint_spec(_write(tmp_path, _house_spec()))
    unknown = [f for f in report.findings if f.rule == "envelope-unknown"]
    assert len(unknown) == 1
    finding = unknown[0]
    assert finding.severity == "warning"
    assert "closest: " in finding.message
    assert "{code: integer, message: string" in finding.message
    assert "used by 8 of 9 error responses" in finding.message
    assert "errspec envelopes new" in finding.message


def test_infer_from_spec_pointers_and_evidence(tmp_path: Path) -> None:
    house = infer_from_spec(_write(tmp_path, _house_spec()))
    assert house.root == ""
    assert house.code is not None
    assert house.code.pointer == "/code"
    assert house.message == "/message"
    assert house.status_echo is None  # 10003 is no HTTP status
    assert house.total == 9
    assert {m.name: m.count for m in house.members}["message"] == 8


def test_infer_from_body() -> None:
    house = infer_from_body(
        {
            "error": {
                "code": "RESOURCE_NOT_FOUND",
                "message": "No such task",
                "status": 404,
                "details": [{"field": "id", "message": "unknown"}],
            }
        }
    )
    assert house.root == "/error"
    assert house.code is not None
    assert (house.code.pointer, house.code.format) == ("/error/code", "UPPER_SNAKE_CASE")
    assert house.message == "/error/message"
    assert house.status_echo == ("/error/status", "integer")
    assert house.field_errors is not None
    assert house.field_errors["pointer"] == "/error/details"


def _new(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    folder = tmp_path / "house-errors"
    result = CliRunner().invoke(cli, ["envelopes", "new", str(folder), *args])
    return result.exit_code, result.output, folder


def test_envelopes_new_from_spec_round_trip(tmp_path: Path) -> None:
    spec = _write(tmp_path, _house_spec())
    code, output, folder = _new(tmp_path, "--from-spec", str(spec))
    assert code == 0, output
    profile = yaml.safe_load((folder / "profile.yaml").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(profile_schema()).iter_errors(profile))
    assert profile["id"] == "house-errors"
    assert profile["code"]["pointer"] == "/code"
    assert profile["message"] == "/message"
    assert profile["signature"]["members"]
    schema = json.loads((folder / "envelope.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema.get("additionalProperties") is not False
    envelope = load_envelope(folder)
    assert envelope.id == "house-errors"
    assert envelope.is_valid({"code": 10003, "message": "Unknown thing", "extra": 1})
    report = lint_spec(spec, LintOptions(envelope=str(folder)))
    assert "envelope-unknown" not in report.rules()
    result = CliRunner().invoke(cli, ["components", str(folder), "--openapi", "3.1"])
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.output)
    assert document["components"]["schemas"]


def test_envelopes_new_from_response(tmp_path: Path) -> None:
    record = tmp_path / "404.json"
    record.write_text(
        json.dumps(
            {
                "status": 404,
                "headers": {"Content-Type": "application/json"},
                "body": {"error": "not_found", "message": "No such task", "status": 404},
            }
        ),
        encoding="utf-8",
    )
    code, output, folder = _new(tmp_path, "--from-response", str(record))
    assert code == 0, output
    envelope = load_envelope(folder)
    profile = envelope.profile
    assert profile.code is not None
    assert (profile.code.pointer, profile.code.format) == ("/error", "snake_case")
    assert profile.status_echo is not None
    assert profile.status_echo.pointer == "/status"
    assert 404 in [r.status for r in profile.responses]
    result = CliRunner().invoke(cli, ["check", str(record), "--envelope", str(folder)])
    assert result.exit_code == 0, result.output


def test_envelopes_new_refuses_to_overwrite(tmp_path: Path) -> None:
    spec = _write(tmp_path, _house_spec())
    folder = tmp_path / "house-errors"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    code, output, _ = _new(tmp_path, "--from-spec", str(spec))
    assert code == 2
    assert "--force" in output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    code, output, _ = _new(tmp_path, "--from-spec", str(spec), "--force")
    assert code == 0, output
    assert (folder / "profile.yaml").is_file()


def test_envelopes_new_without_a_source_scaffolds_a_valid_folder(tmp_path: Path) -> None:
    code, output, folder = _new(tmp_path)
    assert code == 0, output
    profile = yaml.safe_load((folder / "profile.yaml").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(profile_schema()).iter_errors(profile))
    envelope = errspec.get_envelope(folder)
    body = {"code": "TASK_NOT_FOUND", "message": "No such task"}
    record = {"status": 404, "headers": {"Content-Type": "application/json"}, "body": body}
    assert errspec.check_response(record, envelope).findings == ()
    exported = CliRunner().invoke(cli, ["components", str(folder), "--openapi", "3.1"])
    assert exported.exit_code == 0, exported.output


def test_envelopes_new_takes_one_source_at_most(tmp_path: Path) -> None:
    code, output, _ = _new(tmp_path, "--from-spec", "a.yaml", "--from-response", "b.json")
    assert code == 2
    assert "not both" in output


def test_envelopes_help_explains_both() -> None:
    result = CliRunner().invoke(cli, ["envelopes", "--help"])
    assert result.exit_code == 0
    assert "envelopes new DIR --from-spec" in result.output
    assert "[ID]" in result.output


def test_envelopes_id_still_works() -> None:
    result = CliRunner().invoke(cli, ["envelopes", "aurion"])
    assert result.exit_code == 0
    assert "error-string" in result.output


CORPUS = SHARED / "corpus" / "specs"


@pytest.mark.parametrize("name", ["discord.json", "figma.yaml"])
def test_corpus_house_round_trip(tmp_path: Path, name: str) -> None:
    spec = CORPUS / name
    if not spec.is_file():
        pytest.skip("corpus not available")
    report = lint_spec(spec)
    assert report.envelope is None
    (unknown,) = [f for f in report.findings if f.rule == "envelope-unknown"]
    assert unknown.severity == "warning"
    code, output, folder = _new(tmp_path, "--from-spec", str(spec))
    assert code == 0, output
    with_house = lint_spec(spec, LintOptions(envelope=str(folder)))
    assert "envelope-unknown" not in with_house.rules()


def test_message_in_array_items() -> None:
    house = infer_from_body({"errors": [{"message": "No such task", "help": "See the docs"}]})
    assert house.message == "/errors/*/message"
    assert house.code is None


def test_house_folder_summary(tmp_path: Path) -> None:
    spec = _write(tmp_path, _house_spec())
    code, output, folder = _new(tmp_path, "--from-spec", str(spec))
    assert code == 0, output
    for args in ([str(folder)], [str(folder), "--format", "json"]):
        result = CliRunner().invoke(cli, ["envelopes", *args])
        assert result.exit_code == 0, result.output
        assert "house-errors" in result.output


def test_no_common_shape_says_so(tmp_path: Path) -> None:
    spec = _house_spec(wrapped_op=False)
    schemas = [
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {"type": "object", "properties": {"b": {"type": "string"}}},
        {"type": "object", "properties": {"c": {"type": "string"}}},
    ]
    spec["paths"] = {
        f"/p{i}": {
            "get": {
                "responses": {
                    "200": {"description": "ok"},
                    "400": {
                        "description": "error",
                        "content": {"application/json": {"schema": schema}},
                    },
                }
            }
        }
        for i, schema in enumerate(schemas)
    }
    report = lint_spec(_write(tmp_path, spec))
    assert "envelope-inconsistent" not in report.rules()
    (unknown,) = [f for f in report.findings if f.rule == "envelope-unknown"]
    assert "share no shape" in unknown.message


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ('{"status": 404, "body": ' + '{"a":' * 1500 + "1" + "}" * 1500 + "}", "nested too deeply"),
        ('{"status": 404, "body": {"code": ' + "9" * 5000 + "}}", "more than 4300 digits"),
        ('{"status": 404, "body": {"code": "x"}, "headers": 7}', "'headers' must be an object"),
        ("not json", "invalid JSON"),
    ],
    ids=["deep", "huge-int", "bad-headers", "not-json"],
)
def test_envelopes_new_from_a_hostile_response_is_one_line(
    tmp_path: Path, text: str, phrase: str
) -> None:
    """It parsed JSON itself: a deep body exited 3 (RecursionError), a 5000-digit number
    printed Python's own message. Now it reads a record as `errspec check` does."""
    record = tmp_path / "response.json"
    record.write_text(text)
    code, _, folder = _new(tmp_path, "--from-response", str(record))
    result = CliRunner().invoke(
        cli, ["envelopes", "new", str(folder), "--from-response", str(record)]
    )
    assert code == result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"errspec: error: {record}")
    assert phrase in lines[0]


def test_the_house_shape_message_is_the_same_under_any_hash_seed(tmp_path: Path) -> None:
    """Member sets are sorted before they are shown: the same spec gives the same words in
    every run (hash randomisation once reordered them)."""
    import subprocess
    import sys

    schema = {
        "type": "object",
        "required": ["failure", "explanation"],
        "properties": {
            name: {"type": "string"}
            for name in ("failure", "explanation", "ts", "trace_ref", "zone")
        },
    }
    ops = {
        f"/r{i}": {
            "get": {
                "responses": {
                    "404": {"description": "x", "content": {"application/json": {"schema": schema}}}
                }
            }
        }
        for i in range(3)
    }
    spec = tmp_path / "openapi.json"
    spec.write_text(
        json.dumps({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": ops})
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-m", "errspec", "lint", str(spec), "--format", "json"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=False,
        )
        outputs.add(json.dumps(json.loads(done.stdout)["results"]))
    assert len(outputs) == 1
