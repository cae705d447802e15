"""errspec.contrib.schemathesis: the error_envelope_conformance check, with the real
schemathesis (CLI and pytest integration) against the example Tasks app.

The app (examples/tasks_app.py) has one planted defect: its 404 for an unknown task id says
``"status": 400``. The body still fits the spec, so schemathesis' own checks pass it; these
tests prove that errspec's check is what catches it, and that the fixed app passes all.
Every run works in a temporary directory: schemathesis and Hypothesis write
``.schemathesis/`` and ``.hypothesis/`` into the current directory.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from schemathesis.errors import FailureGroup

import errspec
from errspec.contrib import schemathesis as contrib
from errspec.contrib.schemathesis import ErrorEnvelopeFailure, error_envelope_conformance

from .conftest import REPO

pytest_plugins = ["pytester"]

EXAMPLES = REPO / "examples"
SPEC = EXAMPLES / "openapi.yaml"
DOC = REPO / "docs" / "schemathesis.md"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
AUTH = {"Authorization": "Bearer demo-token"}
STATUS_MISMATCH = "error status-mismatch body says status 400 but the HTTP status is 404 [/status]"
CHECK_TITLE = "Custom check failed: `error_envelope_conformance`"


@functools.cache
def tasks_app() -> ModuleType:
    """examples/tasks_app.py as a module (examples/ is not a package), without writing its
    bytecode into the checkout."""
    spec = importlib.util.spec_from_file_location(
        "errspec_example_tasks_app", EXAMPLES / "tasks_app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    before = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No envelope from the environment or a configuration file, none configured."""
    for name in ("ERRSPEC_ENVELOPE", "ERRSPEC_FAIL_ON", "SCHEMATHESIS_HOOKS", "TASKS_APP_DEFECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    contrib.configure()
    yield
    contrib.configure()


# -- the schemathesis CLI against the app served by uvicorn -------------------------------


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP
    # (without it every response waits for delayed ACKs, and a run takes three times longer).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def run_cli(base_url: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``schemathesis run`` as docs/schemathesis.md shows it (every built-in check plus
    errspec's, positive and negative data, bounded and seeded), with a JSON report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERRSPEC_", "SCHEMATHESIS_"))}
    env["SCHEMATHESIS_HOOKS"] = "errspec.contrib.schemathesis"
    report = cwd / "report.json"
    argv = [
        str(SCHEMATHESIS),
        "run",
        str(SPEC),
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {tasks_app().DEMO_TOKEN}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--max-examples",
        "30",
        "--seed",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    result = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    return result, json.loads(report.read_text(encoding="utf-8"))


def test_cli_finds_the_defect_and_only_errspec_does(tmp_path: Path) -> None:
    with serving(tasks_app().create_app(defect=True)) as url:
        result, report = run_cli(url, tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert report["exit_code"] == 1
    assert report["errors"] == [], out
    # Exactly one failure, errspec's, on the one operation with the defect: no built-in
    # check (status code, content type, schema, headers, auth, …) failed anywhere.
    assert [(f["code"], f["title"], f["operations"]) for f in report["failures"]] == [
        ("ST901", CHECK_TITLE, ["GET /tasks/{id}"])
    ], out
    assert set(re.findall(r"\bST\d{3}\b", out)) == {"ST901"}, out
    assert re.search(r"GET /tasks/\S+: " + re.escape(STATUS_MISMATCH), out), out
    assert "against the problem-details envelope (detected)" in out
    assert report["operations"]["tested"] == 3
    assert all(p["status"] in ("success", "failure") for p in report["phases"].values())


def test_cli_passes_the_fixed_app(tmp_path: Path) -> None:
    with serving(tasks_app().create_app(defect=False)) as url:
        result, report = run_cli(url, tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert report["failures"] == []
    assert report["errors"] == []
    assert report["operations"]["tested"] == 3
    assert "No issues found" in out
    assert "status-mismatch" not in out


# -- schemathesis' pytest integration (pytester), running the module from the docs ---------


def doc_test_module() -> str:
    """The complete pytest module that docs/schemathesis.md shows."""
    blocks: list[str] = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (module,) = [b for b in blocks if "@schema.parametrize()" in b]
    return module


def run_doc_module(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Any:
    shutil.copytree(
        EXAMPLES, pytester.path / "examples", ignore=shutil.ignore_patterns("__pycache__")
    )
    pytester.makepyfile(test_error_envelopes=doc_test_module())
    # schemathesis reads its configuration from the current directory: fewer examples.
    pytester.makefile(".toml", schemathesis="[generation]\nmax-examples = 20\n")
    monkeypatch.setenv("PYTHONPATH", str(pytester.path / "examples"))
    # Only the docs' module: the copied examples/ has a test suite of its own.
    return pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-W",
        "error",
        "--hypothesis-seed=1",
        "test_error_envelopes.py",
        timeout=180,
    )


def failed_tests(out: str) -> list[str]:
    """The parametrized tests pytest shows a failure section for."""
    return re.findall(r"^_+ (test_\S+(?: \S+)*) _+$", out, re.M)


def test_pytest_integration_fails_the_operation_with_the_defect(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_doc_module(pytester, monkeypatch)
    out = result.stdout.str()
    result.assert_outcomes(passed=2, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert failed_tests(out) == ["test_error_envelopes[GET /tasks/{id}]"], out
    assert re.search(r"GET /tasks/\S+: " + re.escape(STATUS_MISMATCH), out), out
    assert CHECK_TITLE in out


def test_pytest_integration_passes_the_fixed_app(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKS_APP_DEFECT", "0")
    result = run_doc_module(pytester, monkeypatch)
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.OK
    assert failed_tests(result.stdout.str()) == []
    assert "status-mismatch" not in result.stdout.str()


# -- which envelope, which threshold ------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> Any:
    loaded = schemathesis.openapi.from_path(SPEC)
    loaded.app = tasks_app().create_app(defect=True)
    return loaded


def failure_of(case: Any, response: Any) -> ErrorEnvelopeFailure:
    """The check's failure, through schemathesis' own validation."""
    with pytest.raises(FailureGroup) as info:
        case.validate_response(response, checks=[error_envelope_conformance])
    (failure,) = info.value.exceptions
    assert failure.title == CHECK_TITLE
    error = getattr(failure, "exception", None)  # a CustomFailure wraps the AssertionError
    assert isinstance(error, ErrorEnvelopeFailure)
    assert failure.message == str(error)
    return error


def unknown_task(schema: Any) -> tuple[Any, Any]:
    case = schema["/tasks/{id}"]["GET"].Case(path_parameters={"id": "t404"})
    return case, case.call(headers=AUTH)


def test_auto_detects_problem_details(schema: Any) -> None:
    error = failure_of(*unknown_task(schema))
    assert str(error).splitlines() == [
        "errspec: 1 finding at or above error against the problem-details envelope (detected):",
        f"GET /tasks/t404: {STATUS_MISMATCH}",
    ]
    assert error.report is not None
    assert [(f.rule, f.pointer) for f in error.report.findings] == [("status-mismatch", "/status")]


def test_environment_variable_chooses_the_envelope(
    schema: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERRSPEC_ENVELOPE", "jsonapi")
    error = failure_of(*unknown_task(schema))
    first, *lines = str(error).splitlines()
    assert first.endswith("against the json-api envelope (from ERRSPEC_ENVELOPE):")
    assert error.report is not None
    assert error.report.envelope == "json-api"
    assert error.report.rules()[0] == "media-type"
    assert "GET /tasks/t404: error media-type " in lines[0]
    assert "status-mismatch" not in error.report.rules()  # json-api's echo is /errors/*/status


def test_configure_wins_over_the_environment(schema: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERRSPEC_ENVELOPE", "jsonapi")
    contrib.configure(envelope="rfc9457")
    assert contrib.settings().envelope_from == "configure()"
    error = failure_of(*unknown_task(schema))
    assert str(error).splitlines()[0] == (
        "errspec: 1 finding at or above error against the problem-details envelope "
        "(from configure()):"
    )
    contrib.configure(envelope=errspec.get_envelope("google-rpc"))
    error = failure_of(*unknown_task(schema))
    assert "against the google-rpc envelope (from configure()):" in str(error)


def test_configuration_file_chooses_the_envelope(
    schema: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.errspec]\nenvelope = "jsonapi"\nfail-on = "warning"\n', encoding="utf-8"
    )
    chosen = contrib.settings()
    assert (chosen.envelope, chosen.fail_on) == ("jsonapi", "warning")
    assert chosen.envelope_from == f"{tmp_path / 'pyproject.toml'} [tool.errspec]"
    error = failure_of(*unknown_task(schema))
    assert (
        str(error)
        .splitlines()[0]
        .endswith(
            f"against the json-api envelope (from {tmp_path / 'pyproject.toml'} [tool.errspec]):"
        )
    )
    monkeypatch.setenv("ERRSPEC_ENVELOPE", "auto")  # the environment wins over the file
    assert "(detected)" in str(failure_of(*unknown_task(schema)))


def test_conforming_responses_pass(schema: Any) -> None:
    for path, method, kwargs in (
        ("/tasks/{id}", "GET", {"path_parameters": {"id": "t1"}}),
        ("/tasks", "GET", {}),
        ("/tasks", "POST", {"body": {"title": "x"}, "media_type": "application/json"}),
        ("/tasks", "POST", {"body": {"title": ""}, "media_type": "application/json"}),
    ):
        case = schema[path][method].Case(**kwargs)
        response = case.call(headers=AUTH)
        assert response.status_code in (200, 201, 422)
        assert error_envelope_conformance(None, response, case) is None  # type: ignore[arg-type]
    case = schema["/tasks"]["GET"].Case()
    response = case.call()  # no token: a conforming 401
    assert response.status_code == 401
    assert error_envelope_conformance(None, response, case) is None  # type: ignore[arg-type]


def test_fail_on_warning(schema: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A traceback in the body is a warning: it fails only with fail-on warning."""
    case = schema["/tasks"]["GET"].Case()
    response = schemathesis.Response(
        status_code=500,
        headers={"content-type": ["application/problem+json"]},
        content=json.dumps(LEAKY).encode(),
        request=requests.Request("GET", "http://testserver/tasks").prepare(),
        elapsed=0.01,
        verify=True,
    )
    assert error_envelope_conformance(None, response, case) is None  # type: ignore[arg-type]
    monkeypatch.setenv("ERRSPEC_FAIL_ON", "warning")
    error = failure_of(case, response)
    assert str(error).splitlines() == [
        "errspec: 1 finding at or above warning against the problem-details envelope (detected):",
        "GET /tasks: warning leaked-internals the body shows a Python traceback "
        "('Traceback (most recent call last)') [/detail]",
    ]
    contrib.configure(fail_on="error")  # configure() wins over ERRSPEC_FAIL_ON
    assert error_envelope_conformance(None, response, case) is None  # type: ignore[arg-type]


#: A problem whose detail shows a traceback: leaked-internals, a warning.
LEAKY = {
    "type": "about:blank",
    "title": "Internal Server Error",
    "status": 500,
    "detail": 'Traceback (most recent call last): File "/srv/app/tasks.py", line 12',
}


def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(errspec.UnknownEnvelopeError):
        contrib.configure(envelope="no-such-envelope")
    with pytest.raises(ValueError, match="fail_on must be 'error' or 'warning'"):
        contrib.configure(fail_on="info")  # type: ignore[arg-type]
    monkeypatch.setenv("ERRSPEC_FAIL_ON", "sometimes")
    with pytest.raises(errspec.InputError, match="ERRSPEC_FAIL_ON must be 'error' or 'warning'"):
        contrib.settings()


# -- importing ----------------------------------------------------------------------------


def test_import_without_schemathesis_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # what an absent package looks like
    monkeypatch.delitem(sys.modules, "errspec.contrib.schemathesis")
    with pytest.raises(ImportError, match=re.escape("pip install 'errspec[schemathesis]'")):
        importlib.import_module("errspec.contrib.schemathesis")


def test_import_with_schemathesis_3_says_it_needs_4(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemathesis, "__version__", "3.39.16")
    monkeypatch.delitem(sys.modules, "errspec.contrib.schemathesis")
    with pytest.raises(ImportError, match=r"needs schemathesis 4, not 3\.39\.16: pip install"):
        importlib.import_module("errspec.contrib.schemathesis")


def test_the_check_is_registered_under_its_name() -> None:
    from schemathesis.checks import CHECKS

    assert CHECKS.get_one("error_envelope_conformance") is error_envelope_conformance
