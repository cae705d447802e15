"""examples/: the Tasks API app and its own test suite, run as `make demo` runs them (a
real pytest process in the example project, with its [tool.errspec] settings). The suite
must catch the app's planted defect, and only it: fixed, everything passes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

EXAMPLES = REPO / "examples"
#: The tests that the planted defect (a 404 whose body says "status": 400) fails.
CATCHING = [
    "tests/test_tasks_api.py::test_generated_requests",  # schemathesis: GET /tasks/{id}
    "tests/test_tasks_api.py::test_unknown_task_is_404",
]


def _run_suite(tmp_path: Path, defect: bool) -> subprocess.CompletedProcess[str]:
    # A copy, so that the run writes nothing (Hypothesis' cache) into the checkout.
    project = tmp_path / "examples"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns(".hypothesis", "__pycache__"))
    env = {**os.environ, "TASKS_APP_DEFECT": "1" if defect else "0"}
    env.pop("ERRSPEC_ENVELOPE", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rf"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_the_suite_catches_the_planted_defect(tmp_path: Path) -> None:
    result = _run_suite(tmp_path, defect=True)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    failed = sorted(re.findall(r"^FAILED (\S+)", out, flags=re.M))
    assert failed == CATCHING, out
    assert "test_generated_requests[GET /tasks/{id}]" in out  # the one operation that fails
    assert re.search(r"=+ 2 failed, 10 passed in", out), out
    # both say why, in errspec's words
    assert out.count("status-mismatch body says status 400 but the HTTP status is 404") >= 2
    assert "errspec: envelope problem-details, spec" in out  # the [tool.errspec] header


@pytest.mark.slow
def test_without_the_defect_the_suite_passes(tmp_path: Path) -> None:
    result = _run_suite(tmp_path, defect=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"=+ 12 passed in", result.stdout), result.stdout
