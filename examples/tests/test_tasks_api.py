"""The Tasks API's contract tests: errspec in all three of its uses.

1. The spec `$ref`s errspec's exported problem-details components (openapi.yaml).
2. `errspec lint` keeps the spec's error responses right.
3. Every error path of the app is checked: the envelope (problem details, from
   [tool.errspec] in pyproject.toml) and the spec's contract for the operation (status,
   media type, declared schema, required headers); schemathesis generates the rest.

The app has one planted defect (see tasks_app.py), which these tests catch.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import schemathesis
from starlette.testclient import TestClient
from tasks_app import DEMO_TOKEN, VALIDATION_ERROR, create_app

from errspec.contrib.schemathesis import error_envelope_conformance
from errspec.pytest_plugin import ErrspecChecker

HERE = Path(__file__).resolve().parent.parent
SPEC = HERE / "openapi.yaml"


# --- 1 and 2: the spec -----------------------------------------------------------------------


def test_error_responses_ref_errspec_components() -> None:
    text = SPEC.read_text(encoding="utf-8")
    components = "./errspec/problem-details.openapi-3.1.yaml#/components/responses"
    assert f"'404': {{$ref: '{components}/NotFound'}}" in text


def test_the_spec_lints_clean() -> None:
    lint = subprocess.run(
        [sys.executable, "-m", "errspec", "lint", str(SPEC)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "1 document linted: 1 conform" in lint.stdout


# --- 3: the error paths ------------------------------------------------------------------------


def test_missing_token_is_401(anonymous: TestClient, errspec_checker: ErrspecChecker) -> None:
    response = anonymous.get("/tasks")
    errspec_checker.assert_error_response(response, status=401, code="about:blank")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_wrong_token_is_401(anonymous: TestClient, errspec_checker: ErrspecChecker) -> None:
    response = anonymous.get("/tasks/t1", headers={"Authorization": "Bearer nope"})
    errspec_checker.assert_error_response(response, status=401)


def test_invalid_task_is_422(client: TestClient, errspec_checker: ErrspecChecker) -> None:
    response = client.post("/tasks", json={"title": "", "priority": "asap"})
    errspec_checker.assert_error_response(response, status=422, code=VALIDATION_ERROR)
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/title", "#/priority"]


def test_malformed_json_is_400(client: TestClient, errspec_checker: ErrspecChecker) -> None:
    response = client.post(
        "/tasks", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    errspec_checker.assert_error_response(response, status=400)


def test_unknown_method_is_405_with_allow(
    client: TestClient, errspec_checker: ErrspecChecker
) -> None:
    # Answered by errspec's handlers (routing raises it), in the envelope like the rest.
    response = client.delete("/tasks")
    assert response.headers["Allow"] == "GET, HEAD, POST"
    report = errspec_checker.check(response)
    assert [f.rule for f in report.findings if f.severity == "error"] == []


def test_unknown_task_is_404(client: TestClient, errspec_checker: ErrspecChecker) -> None:
    # This is the test that catches the planted defect: the body says "status": 400.
    errspec_checker.assert_error_response(client.get("/tasks/t404"), status=404)


def test_success_bodies_keep_the_contract(
    client: TestClient, errspec_checker: ErrspecChecker
) -> None:
    created = client.post("/tasks", json={"title": "Ship it", "priority": "high"})
    for response in (created, client.get(created.headers["Location"]), client.get("/tasks")):
        report = errspec_checker.check(response)
        assert report.operation is not None
        assert report.findings == (), report.findings


# --- 3, generated: schemathesis with errspec's check -------------------------------------------

schema = schemathesis.openapi.from_path(SPEC)
schema.app = create_app()


@schema.parametrize()
def test_generated_requests(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
        checks=[error_envelope_conformance],
    )
