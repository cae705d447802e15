"""The GitHub Action (action.yml), the pre-commit hook and the release metadata.

The action's structure is checked as data, and its lint step's script is run locally, as
written, by bash: ``errspec`` on the PATH is a shim for ``sys.executable -m errspec``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft4Validator, FormatChecker

from .conftest import REPO, shared_path

ACTION = REPO / "action.yml"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_INPUT_REF = re.compile(r"\binputs\.([A-Za-z0-9_-]+)")


def _action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


def _input_refs(node: Any) -> set[str]:
    """Inputs referenced in ``${{ … }}`` expressions and in ``if:`` conditions."""
    refs: set[str] = set()
    for text in _strings(node):
        for expr in _EXPR.findall(text):
            refs.update(_INPUT_REF.findall(expr))
    return refs


def _lint_step(action: dict[str, Any]) -> dict[str, Any]:
    steps = [s for s in action["runs"]["steps"] if s.get("id") == "lint"]
    assert len(steps) == 1
    step: dict[str, Any] = steps[0]
    return step


def test_action_is_a_composite_action_with_the_documented_inputs() -> None:
    action = _action()
    assert action["name"]
    assert action["description"]
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert set(inputs) >= {"specs", "envelope", "fail-on", "version", "sarif"}
    assert inputs["specs"]["default"] == ""
    # empty: the project's [tool.errspec] decides (an explicit default would override it)
    assert inputs["envelope"]["default"] == ""
    assert inputs["fail-on"]["default"] == ""
    assert inputs["version"]["default"] == ""
    assert inputs["sarif"]["default"] == "true"
    for name, spec in inputs.items():
        assert spec.get("description"), name
        assert isinstance(spec.get("default"), str), name


def test_action_steps_are_well_formed() -> None:
    action = _action()
    steps = action["runs"]["steps"]
    assert steps
    uses = [s["uses"] for s in steps if "uses" in s]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            # a composite action's run steps must name their shell
            assert step.get("shell") == "bash", step
        else:
            assert "shell" not in step, step
        # inputs reach scripts through env, never by expansion inside the script
        assert not _EXPR.search(step.get("run", "")), step
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/"))
    assert upload["if"].startswith("always()")
    assert "inputs.sarif == 'true'" in upload["if"]
    # the last step fails the job with errspec's own exit code
    last = steps[-1]
    assert "ERRSPEC_EXIT_CODE" in last["run"]
    assert "steps.lint.outputs.exit-code" in last["env"]["ERRSPEC_EXIT_CODE"]
    assert "pip install" in next(s["run"] for s in steps if s.get("name") == "Install errspec")


def test_action_inputs_are_all_used_and_all_declared() -> None:
    action = _action()
    used = _input_refs(action["runs"]) | _input_refs(action.get("outputs", {}))
    declared = set(action["inputs"])
    assert used - declared == set(), "steps reference undeclared inputs"
    assert declared - used == set(), "inputs no step uses"


def test_action_outputs_name_existing_steps() -> None:
    action = _action()
    ids = {s["id"] for s in action["runs"]["steps"] if "id" in s}
    for name, output in action["outputs"].items():
        for expr in _EXPR.findall(output["value"]):
            match = re.match(r"steps\.([A-Za-z0-9_-]+)\.outputs\.", expr)
            assert match is not None, name
            assert match.group(1) in ids, name


def _substitute(text: str, inputs: dict[str, str], runner_temp: Path) -> str:
    def one(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr == "runner.temp":
            return str(runner_temp)
        raise AssertionError(f"the test does not know the expression {expr!r}")

    return _EXPR.sub(one, text)


def _run_lint_step(tmp_path: Path, **overrides: str) -> tuple[int, dict[str, str], str]:
    """Run the lint step's script, as written, with the inputs' defaults plus ``overrides``."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not available")
    action = _action()
    inputs = {name: spec["default"] for name, spec in action["inputs"].items()}
    inputs.update(overrides)
    step = _lint_step(action)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    shim = shim_dir / "errspec"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m errspec "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    github_output = tmp_path / "github-output"
    github_output.write_text("", encoding="utf-8")
    env = dict(os.environ)
    env.update({k: _substitute(str(v), inputs, runner_temp) for k, v in step["env"].items()})
    env["PATH"] = f"{shim_dir}{os.pathsep}{env.get('PATH', '')}"
    env["GITHUB_OUTPUT"] = str(github_output)
    env["PYTHONPATH"] = str(REPO)
    script = tmp_path / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    proc = subprocess.run(
        # how GitHub runs a step with `shell: bash`
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # the step itself never fails: it records errspec's exit code for the last step
    assert proc.returncode == 0, proc.stderr
    outputs = dict(
        line.split("=", 1) for line in github_output.read_text(encoding="utf-8").splitlines()
    )
    return int(outputs["exit-code"]), outputs, proc.stdout


def _sarif_validator() -> Draft4Validator:
    schema = json.loads(shared_path("standards", "sarif-schema-2.1.0.json").read_text("utf-8"))
    formats = FormatChecker(formats=())
    formats.checks("uri")(lambda v: isinstance(v, str) and bool(urlsplit(v).scheme))
    return Draft4Validator(schema, format_checker=formats)


def test_action_lint_step_runs_locally_and_writes_valid_sarif(tmp_path: Path) -> None:
    code, outputs, _ = _run_lint_step(tmp_path, specs="examples/openapi.yaml")
    assert code == 0
    sarif_file = Path(outputs["sarif-file"])
    assert sarif_file.parent == tmp_path / "runner-temp"
    sarif = json.loads(sarif_file.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "errspec"
    errors = sorted(f"{e.json_path}: {e.message}" for e in _sarif_validator().iter_errors(sarif))
    assert errors == []


def test_action_lint_step_keeps_errspec_exit_code_and_annotates(tmp_path: Path) -> None:
    bad = tmp_path / "openapi.yaml"
    bad.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /things:\n    get:\n      responses:\n"
        "        '200': {description: ok}\n",
        encoding="utf-8",
    )
    first = tmp_path / "first"
    first.mkdir()
    code, outputs, stdout = _run_lint_step(first, specs=str(bad), sarif="false")
    assert code == 1
    assert outputs["sarif-file"] == ""
    assert "::error " in stdout
    # unusable input: exit code 2 and no SARIF to upload
    second = tmp_path / "second"
    second.mkdir()
    code, outputs, _ = _run_lint_step(second, specs="missing.yaml")
    assert code == 2
    assert outputs["sarif-file"] == ""


def _readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _yaml_blocks(section: str) -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)]


def test_readme_workflow_example_uses_the_action_inputs() -> None:
    (workflow,) = _yaml_blocks(_readme_section("CI: GitHub Action"))
    steps = workflow["jobs"]["lint"]["steps"]
    ours = [
        s
        for s in steps
        if re.fullmatch(r"[\w.-]+/errspec@v\d+\.\d+\.\d+|.*@vX\.Y\.Z", s.get("uses", ""))
    ]
    assert len(ours) == 1
    assert set(ours[0]["with"]) <= set(_action()["inputs"])
    assert workflow["permissions"]["security-events"] == "write"


def _pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def test_project_urls() -> None:
    urls = _pyproject()["project"]["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    for name, url in urls.items():
        assert url.startswith("https://errspec.dev/"), name


def test_pre_commit_hook_is_consistent() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "errspec-lint"
    assert hook["entry"] == "errspec lint"
    assert hook["language"] == "python"
    assert set(hook["types_or"]) == {"yaml", "json"}
    files = re.compile(hook["files"])
    matching = ("openapi.yaml", "api/openapi.yml", "openapi.json", "swagger.json", "a/swagger.yaml")
    for path in (*matching, "api/openapi-v2.yaml"):
        assert files.search(path), path
    for path in ("config.yaml", "openapi.txt", "docs/notes.json", "my-openapi.yaml.bak"):
        assert not files.search(path), path
    # the entry is a real command: errspec's console script runs `lint`
    assert _pyproject()["project"]["scripts"]["errspec"] == "errspec._cli:run"


def test_release_tags_and_pinned_pre_commit_snippet() -> None:
    section = _readme_section("Releases")
    assert "`vX.Y.Z`" in section
    (config,) = _yaml_blocks(section)
    (repo,) = config["repos"]
    assert repo["rev"] == "vX.Y.Z"
    assert repo["repo"] == _pyproject()["project"]["urls"]["Source"]
    assert [h["id"] for h in repo["hooks"]] == ["errspec-lint"]
    # the version a tag names is errspec's version
    about = (REPO / "errspec" / "__about__.py").read_text(encoding="utf-8")
    version = re.search(r'__version__ = "([^"]+)"', about)
    assert version is not None
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|(a|b|rc)\d+)?", version.group(1))
