"""One configuration behind every door: `check`, `lint`, the Python API, the pytest fixture
and the schemathesis check read the same `[tool.errspec]`, found from the current folder up
to the project's root, and reach the same verdicts from the root and from a subfolder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import errspec
from errspec._config import find_config, load_config

# pytester (below) runs pytest in this process and drops the modules that run imported:
# load errspec's machinery here, once, as a real session keeps it.
errspec.envelopes()

pytest_plugins = ["pytester"]

SPEC = """\
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
            application/problem+json:
              schema: {type: object, properties: {title: {type: string}, status: {type: integer}}}
        '500':
          description: server error
          content:
            application/problem+json:
              schema: {type: object, properties: {title: {type: string}, status: {type: integer}}}
"""

#: A 500 whose detail shows a stack trace: leaked-internals, a warning by default, made an
#: error by the project's configuration.
LEAK = {
    "status": 500,
    "headers": {"Content-Type": "application/problem+json"},
    "request": {"method": "GET", "url": "https://api.example.com/tasks/1"},
    "body": {
        "title": "Internal Server Error",
        "status": 500,
        "detail": 'Traceback (most recent call last):\n  File "/srv/app/main.py", line 3',
    },
}

CONFIG = """\
[tool.errspec]
envelope = "problem-details"
spec = "api/openapi.yaml"

[tool.errspec.rules]
leaked-internals = "error"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project: .git at its root, the configuration, the spec under api/, a subfolder."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "openapi.yaml").write_text(SPEC)
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "leak.json").write_text(json.dumps(LEAK))
    return tmp_path


def _errspec(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ERRSPEC_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "errspec", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _findings(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, str]]:
    doc = json.loads(result.stdout)
    return [(f["rule"], f["severity"], f["pointer"]) for r in doc["results"] for f in r["findings"]]


def test_the_configuration_is_found_upwards_to_the_project_root(project: Path) -> None:
    assert find_config(project / "sub" / "deeper") == project / "pyproject.toml"
    beside = project.parent / f"{project.name}-beside"  # a sibling folder: not this project
    beside.mkdir(exist_ok=True)
    assert find_config(beside) != project / "pyproject.toml"
    (project / "sub" / "errspec.toml").write_text('envelope = "odata"\n')
    assert find_config(project / "sub" / "deeper") == project / "sub" / "errspec.toml"  # nearest
    (project / "sub" / "errspec.toml").unlink()
    (project / "sub" / ".git").mkdir()  # a nested repository is its own project
    assert find_config(project / "sub" / "deeper") is None


def test_check_reaches_the_same_verdict_from_the_root_and_a_subfolder(project: Path) -> None:
    verdicts = []
    for cwd in (project, project / "sub" / "deeper"):
        record = os.path.relpath(project / "leak.json", cwd)
        result = _errspec(cwd, "check", record, "--format", "json")
        assert result.returncode == 1, result.stderr
        verdicts.append(_findings(result))
        doc = json.loads(result.stdout)
        assert doc["results"][0]["operation"] == "GET /tasks/{id}"  # the configured spec
    assert verdicts[0] == verdicts[1]
    assert ("leaked-internals", "error", "/detail") in verdicts[0]
    plain = _errspec(project / "sub", "check", "../leak.json", "--no-config", "--format", "json")
    assert ("leaked-internals", "warning", "/detail") in _findings(plain)
    assert plain.returncode == 0  # only a warning without the configuration


def test_lint_reaches_the_same_verdict_from_the_root_and_a_subfolder(project: Path) -> None:
    results = [_errspec(cwd, "lint", "--format", "json") for cwd in (project, project / "sub")]
    assert [r.returncode for r in results] == [results[0].returncode] * 2
    assert _findings(results[0]) == _findings(results[1])
    assert json.loads(results[1].stdout)["results"][0]["source"].endswith("api/openapi.yaml")
    off = _errspec(project / "sub", "lint", "--no-config")
    assert off.returncode == 2  # no SPEC, no configuration, no openapi.yaml here
    assert "no SPEC given" in off.stderr


def test_the_python_api_and_config_command_agree(project: Path) -> None:
    settings = load_config(folder=project / "sub" / "deeper")
    report = errspec.check_response(LEAK, "problem-details", config=settings)
    assert [(f.rule, f.severity) for f in report.findings] == [("leaked-internals", "error")]
    shown = _errspec(project / "sub" / "deeper", "config", "--format", "json")
    assert shown.returncode == 0
    doc = json.loads(shown.stdout)
    assert doc["format_version"] == 1
    assert doc["settings"]["rules"]["value"] == {"leaked-internals": "error"}
    assert doc["settings"]["spec"]["value"] == str(project / "api" / "openapi.yaml")
    with pytest.raises(TypeError, match="config is an errspec configuration"):
        errspec.check_response(LEAK, config={"rules": {}})  # type: ignore[arg-type]


def test_the_schemathesis_check_reads_it_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("schemathesis")
    from errspec.contrib import schemathesis as errspec_schemathesis

    monkeypatch.chdir(project / "sub" / "deeper")
    config = errspec_schemathesis._file_config()
    assert config.rules == {"leaked-internals": "error"}
    assert errspec_schemathesis.settings().envelope == "problem-details"


def test_the_pytest_fixture_reads_it_from_a_subfolder(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(CONFIG.replace('spec = "api/openapi.yaml"\n', ""))
    (pytester.path / ".git").mkdir()
    sub = pytester.mkdir("sub")
    (sub / "test_leak.py").write_text(
        textwrap.dedent(
            f"""
            import pytest
            import errspec

            LEAK = {LEAK!r}

            def test_leak_is_an_error(errspec_checker):
                with pytest.raises(errspec.ErrorResponseAssertion) as caught:
                    errspec_checker.assert_error_response(LEAK)
                assert "leaked-internals" in str(caught.value)
                report = errspec_checker.check(LEAK)
                assert [(f.rule, f.severity) for f in report.findings] == [
                    ("leaked-internals", "error")
                ]
            """
        )
    )
    result = pytester.runpytest_subprocess(str(sub), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_schemathesis_check_sees_an_edited_configuration(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configuration is kept between responses, but an edit of the file is seen."""
    pytest.importorskip("schemathesis")
    from errspec.contrib import schemathesis as errspec_schemathesis

    monkeypatch.chdir(project / "sub")
    assert errspec_schemathesis._file_config().rules == {"leaked-internals": "error"}
    pyproject = project / "pyproject.toml"
    pyproject.write_text(CONFIG.replace('"error"', '"off"'))
    stamp = pyproject.stat().st_mtime_ns + 10**9
    os.utime(pyproject, ns=(stamp, stamp))
    assert errspec_schemathesis._file_config().rules == {"leaked-internals": "off"}
    (project / "sub" / "errspec.toml").write_text('envelope = "odata"\n')  # a nearer one
    assert errspec_schemathesis._file_config().envelope == "odata"
