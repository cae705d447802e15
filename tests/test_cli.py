"""The `errspec` command line: output, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openapi_spec_validator import OpenAPIV30SpecValidator

import errspec
from errspec._cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_envelopes_lists_the_catalogue(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["envelopes"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "MEDIA", "TYPES", "SOURCE"]
    assert [line.split()[0] for line in lines[1:]] == list(errspec.envelope_ids())
    assert "application/problem+json" in result.output


def test_envelopes_json(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["envelopes", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [d["id"] for d in data] == list(errspec.envelope_ids())
    assert set(data[0]) == {"id", "title", "aliases", "media_types", "source", "schema_id"}


def test_envelope_summary_shows_catalogue_and_headers(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["envelopes", "aurion"])
    assert result.exit_code == 0
    assert result.output.startswith("error-string — ")
    assert "idempotency_conflict  409" in result.output
    assert "Retry-After       required     on 429" in result.output
    assert "/details  only on 422" in result.output


def test_envelope_summary_json_has_profile(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["envelopes", "aip-193", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["id"] == "google-rpc"
    assert data["profile"]["code"]["catalogue"]["NOT_FOUND"] == 404


@pytest.mark.parametrize("command", [["envelopes", "nope"], ["components", "nope"]])
def test_unknown_envelope_exits_2_with_the_list(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(cli, command)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("errspec: error: unknown envelope 'nope'; known envelopes: ")
    assert "problem-details" in line


def test_components_to_stdout_is_valid_openapi(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["components", "rfc9457", "--openapi", "3.0"])
    assert result.exit_code == 0
    doc = yaml.safe_load(result.stdout)
    assert doc["openapi"] == "3.0.3"
    assert list(OpenAPIV30SpecValidator(doc).iter_errors()) == []


def test_components_output_refuses_to_overwrite(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "sub" / "aya.yaml"
    first = runner.invoke(cli, ["components", "aya", "-o", str(target)])
    assert first.exit_code == 0
    assert "wrote" in first.stderr
    assert yaml.safe_load(target.read_text())["openapi"] == "3.1.0"
    target.write_text("keep me")
    second = runner.invoke(cli, ["components", "aya", "-o", str(target)])
    assert second.exit_code == 2
    assert "exists; pass --force" in second.stderr
    assert target.read_text() == "keep me"
    third = runner.invoke(cli, ["components", "aya", "-o", str(target), "--force"])
    assert third.exit_code == 0
    assert target.read_text().startswith("# Generated from schemas/data-error/")


def test_components_json_output(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "problem.json"
    result = runner.invoke(cli, ["components", "problem-details", "-o", str(target)])
    assert result.exit_code == 0
    doc = json.loads(target.read_text())
    assert "ProblemDetails" in json.dumps(doc["components"]["schemas"]) or doc["components"]


def test_bad_openapi_version_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["components", "aya", "--openapi", "2.0"])
    assert result.exit_code == 2
    assert "'2.0' is not one of '3.0', '3.1'" in result.stderr


def test_console_script_exit_codes() -> None:
    """The real entry point (python -m errspec): one line on stderr, exit 2, no traceback."""
    ok = subprocess.run(
        [sys.executable, "-m", "errspec", "envelopes"], capture_output=True, text=True
    )
    assert ok.returncode == 0
    bad = subprocess.run(
        [sys.executable, "-m", "errspec", "envelopes", "./no/such/folder"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "errspec: error: no/such/folder: no such envelope folder"
    ]
    assert "Traceback" not in bad.stderr
    version = subprocess.run(
        [sys.executable, "-m", "errspec", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0
    assert errspec.__version__ in version.stdout


def test_pre_commit_hook_runs_errspec_lint() -> None:
    from .conftest import REPO

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "errspec-lint"
    assert hook["entry"] == "errspec lint"
    import re

    assert re.search(hook["files"], "api/openapi.yaml")
    assert not re.search(hook["files"], "docs/readme.yaml")
