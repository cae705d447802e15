"""examples/openapi.yaml: valid OpenAPI whose error responses resolve to errspec's components."""

from __future__ import annotations

import subprocess
import sys

import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

import errspec
from errspec._components import components_document

from .conftest import REPO

SPEC = REPO / "examples" / "openapi.yaml"


def test_example_spec_is_valid_with_relative_component_refs() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    errors = [
        e.message for e in OpenAPIV31SpecValidator(spec, base_uri=SPEC.as_uri()).iter_errors()
    ]
    assert errors == []


def test_every_error_response_refs_an_exported_component() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    exported = components_document(errspec.get_envelope("problem-details"), "3.1")
    refs = []
    for item in spec["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    refs.append(response["$ref"])
    assert refs
    for ref in refs:
        target, _, pointer = ref.partition("#")
        assert target == "./errspec/problem-details.openapi-3.1.yaml"
        name = pointer.rsplit("/", 1)[-1]
        assert name in exported["components"]["responses"], ref


def test_demo_script_prints_the_resolved_responses() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "validate_example.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "valid OpenAPI 3.1.0" in result.stdout
    assert "TooManyRequests" in result.stdout
    assert "Retry-After" in result.stdout


EXAMPLE_VERDICTS = {
    "create-task-401.json": ["media-type", "www-authenticate-missing"],
    "create-task-500.http": ["leaked-internals"],
    "get-task-404-wrong-status.json": ["status-mismatch"],
    "get-task-404.json": [],
    "get-task-503.http": ["media-type", "body-not-json", "retry-after-invalid"],
}


def test_example_responses_give_the_findings_the_demo_shows() -> None:
    folder = REPO / "examples" / "responses"
    assert sorted(p.name for p in folder.iterdir()) == sorted(EXAMPLE_VERDICTS)
    for name, rules in EXAMPLE_VERDICTS.items():
        (response,) = errspec.read_responses(str(folder / name), errspec.ReadOptions())
        report = errspec.check_response(response, "problem-details")
        assert report.rules() == rules, name


def test_example_specs_lint_as_the_demo_shows() -> None:
    from errspec._lint import lint_spec

    assert lint_spec(REPO / "examples" / "openapi.yaml").findings == ()
    legacy = lint_spec(REPO / "examples" / "legacy-api.yaml")
    assert [f.rule for f in legacy.findings] == [
        "error-responses-missing",
        "www-authenticate-missing",
        "media-type",
        "status-mismatch",
        "ref-refused",
        "envelope-schema",
        "leaked-internals",
    ]
    assert all(
        f.location and f.location.startswith(str(REPO / "examples")) for f in legacy.findings
    )
