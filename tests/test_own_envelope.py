"""The README's "Your own envelope" example, end to end: a house envelope whose schema
builds on problem details by `$ref`ing its id loads, checks responses, exports components
(the built-in schema brought in), and a spec that `$ref`s those components lints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import errspec
from errspec._cli import cli

from .conftest import REPO

BUILT_IN = "https://errspec.dev/schemas/v1/problem-details/envelope.schema.json"


@pytest.fixture
def my_envelope(tmp_path: Path) -> Path:
    """my-envelope/ as the README describes it: problem details plus a required trace_id."""
    folder = tmp_path / "my-envelope"
    folder.mkdir()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://acme.example/errors/v1/envelope.schema.json",
        "allOf": [{"$ref": BUILT_IN}],
        "required": ["trace_id"],
        "properties": {"trace_id": {"type": "string"}},
    }
    (folder / "envelope.schema.json").write_text(json.dumps(schema, indent=2))
    profile = yaml.safe_load((REPO / "schemas" / "problem-details" / "profile.yaml").read_text())
    profile.update(id="acme-problem", aliases=[], title="Acme problem details")
    profile["openapi"] = {"schema_name": "AcmeProblem"}
    (folder / "profile.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


def test_it_loads_and_checks_responses(my_envelope: Path) -> None:
    envelope = errspec.get_envelope(my_envelope)
    assert envelope.id == "acme-problem"
    ok = {
        "status": 404,
        "headers": {"Content-Type": "application/problem+json"},
        "body": {"type": "about:blank", "title": "Not Found", "status": 404, "trace_id": "t-1"},
    }
    assert errspec.check_response(ok, envelope).findings == ()
    missing = {**ok, "body": {"title": "Not Found", "status": 404}}
    report = errspec.check_response(missing, str(my_envelope))
    assert [(f.rule, f.pointer) for f in report.findings] == [("envelope-schema", "/trace_id")]


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_its_components_export_and_a_spec_refs_them(
    my_envelope: Path, tmp_path: Path, version: str
) -> None:
    exported = tmp_path / "api" / "errors.yaml"
    exported.parent.mkdir()
    result = CliRunner().invoke(
        cli, ["components", str(my_envelope), "--openapi", version, "-o", str(exported)]
    )
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(exported.read_text())
    schemas = document["components"]["schemas"]
    assert "AcmeProblem" in schemas
    assert "AcmeProblemProblemDetails" in schemas  # the built-in schema, brought in
    refs = re.findall(r"\$ref: '?([^'\n]+)", exported.read_text())
    assert refs
    assert all(r.startswith("#/components/") for r in refs), refs  # no URL left
    spec = tmp_path / "api" / "openapi.yaml"
    spec.write_text(
        f"openapi: {version}.0\ninfo: {{title: Acme, version: '1'}}\npaths:\n"
        "  /tasks/{id}:\n    parameters: [{name: id, in: path, required: true, "
        "schema: {type: string}}]\n    get:\n      responses:\n"
        "        '200': {description: ok}\n"
        "        '404': {$ref: 'errors.yaml#/components/responses/NotFound'}\n"
    )
    report = errspec.lint(spec, envelope=str(my_envelope))
    assert report.envelope == "acme-problem"
    assert [f.rule for f in report.findings if f.severity == "error"] == []
