"""`errspec.lint()`: the Python door to lint, for a path, the text of a document, or an
already-loaded mapping (FastAPI's `app.openapi()`); and specs as mappings for checks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

import errspec
from errspec._lint import lint_spec

SPEC = textwrap.dedent(
    """\
    openapi: 3.1.0
    info: {title: Tasks, version: '1'}
    paths:
      /tasks/{id}:
        parameters: [{name: id, in: path, required: true, schema: {type: string}}]
        get:
          responses:
            '200': {description: ok}
            '404':
              description: no such task
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      type: {type: string}
                      title: {type: string}
                      status: {type: string}
    """
)


def _found(report: errspec.Report) -> list[tuple[str, str]]:
    return [(f.rule, f.pointer) for f in report.findings]


def test_a_path_lints_as_errspec_lint_does(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text(SPEC)
    report = errspec.lint(path)
    assert _found(report) == _found(lint_spec(path))
    assert (
        "envelope-schema",
        "/paths/~1tasks~1{id}/get/responses/404/content/application~1json/schema/properties/status",
    ) in _found(report)
    assert errspec.lint(str(path)).findings == report.findings


def test_text_lints_with_positions(tmp_path: Path) -> None:
    report = errspec.lint(SPEC)
    status = next(f for f in report.findings if f.rule == "envelope-schema")
    assert status.location is not None
    name, line, col = status.location.rsplit(":", 2)
    assert name.endswith("<string>")
    assert SPEC.splitlines()[int(line) - 1].lstrip().startswith("status:")
    assert int(col) > 1


def test_a_mapping_lints_without_positions() -> None:
    data = yaml.safe_load(SPEC)
    report = errspec.lint(data)
    assert sorted(_found(report)) == sorted(_found(errspec.lint(SPEC)))  # all at 1:1
    assert all(f.location and f.location.endswith("<mapping>:1:1") for f in report.findings)


def test_options_and_configuration(tmp_path: Path) -> None:
    config = tmp_path / "errspec.toml"
    config.write_text('[rules]\nenvelope-schema = "off"\nmedia-type = "off"\n')
    report = errspec.lint(SPEC, envelope="problem-details", config=config)
    assert report.envelope == "problem-details"
    assert "envelope-schema" not in report.rules()
    with pytest.raises(errspec.UnknownEnvelopeError):
        errspec.lint(SPEC, envelope="nope")


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (42, TypeError),
        ({"openapi": "3.1.0", 1: "x"}, errspec.InputError),
        ({"openapi": "3.1.0", "x": {1, 2}}, errspec.InputError),
        ("openapi: [unclosed\n", errspec.InputError),
        ("no-such-file.yaml", errspec.InputError),
    ],
    ids=["int", "non-string-key", "set-value", "broken-yaml", "missing-file"],
)
def test_what_cannot_be_linted(spec: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        errspec.lint(spec)


def test_fastapi_app_openapi_is_linted_and_checked_against_in_one_call() -> None:
    fastapi = pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    app = fastapi.FastAPI()

    @app.get("/tasks/{task_id}")
    def get_task(task_id: int) -> dict[str, int]:
        raise fastapi.HTTPException(status_code=404, detail="Task not found")

    report = errspec.lint(app.openapi())
    assert report.kind == "spec"
    # FastAPI documents its 422 (a 4xx), not the 404 a path with parameters gives
    missing = [f for f in report.findings if f.rule == "error-responses-missing"]
    assert [(f.severity, f.message.endswith("declares no 404")) for f in missing] == [
        ("warning", True)
    ]
    spec = errspec.load_spec(app.openapi())
    assert errspec.load_spec(app.openapi()) is spec  # the same object: loaded once
    assert str(spec.operation("GET /tasks/{task_id}")) == "GET /tasks/{task_id}"
    response = TestClient(app).get("/tasks/1")
    checked = errspec.check_response(response, spec=app.openapi())
    assert "status-undocumented" in checked.rules()  # FastAPI does not document its 404


def test_lint_reads_a_spec_from_standard_input(tmp_path: Path) -> None:
    import subprocess
    import sys

    def lint_stdin(*args: str, text: str = SPEC) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "errspec", "lint", "-", *args],
            input=text,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )

    named = lint_stdin("--stdin-filename", "api/openapi.yaml")
    assert named.returncode == 1, named.stderr
    first = named.stdout.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'api' / 'openapi.yaml'}:")
    assert "envelope-schema" in named.stdout
    unnamed = lint_stdin()
    assert unnamed.stdout.splitlines()[0].startswith(f"{tmp_path / '<stdin>'}:")
    empty = lint_stdin(text="")
    assert empty.returncode == 2
    assert empty.stderr.strip() == "errspec: error: <stdin>: the file is empty"
