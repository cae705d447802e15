"""errspec.contrib.flask with the real Flask: abort, unknown routes and methods, APIError
and unhandled exceptions answer in the installed envelope and check clean."""

from __future__ import annotations

import logging

import pytest
from flask import Flask, abort
from flask import Response as FlaskResponse
from werkzeug.test import TestResponse

import errspec
from errspec.contrib import APIError
from errspec.contrib.flask import install

#: Two standards and two seed envelopes (the FastAPI tests run all nine).
ENVELOPES = ("problem-details", "google-rpc", "code-message", "errors-array")
SECRET = "db password hunter2 at /srv/app/settings.py"


def tasks_app(envelope: str) -> Flask:
    app = Flask(__name__)

    @app.get("/tasks")
    def list_tasks() -> list[str]:
        return []

    @app.post("/tasks")
    def create_task() -> FlaskResponse:
        raise APIError(
            422,
            "The task does not fit.",
            field_errors=[errspec.FieldError("title", "is required", "required")],
        )

    @app.get("/tasks/<int:task_id>")
    def get_task(task_id: int) -> None:
        abort(404, f"There is no task {task_id}.")

    @app.get("/folders/")
    def folders() -> list[str]:
        return []

    @app.get("/private")
    def private() -> None:
        abort(401)

    @app.get("/teapot-page")
    def own_response() -> None:
        abort(FlaskResponse("<p>mine</p>", status=418, mimetype="text/html"))

    @app.get("/busy")
    def busy() -> None:
        raise APIError(429, "Slow down.", retry_after=30)

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError(SECRET)

    return install(app, envelope)


@pytest.fixture(params=ENVELOPES)
def envelope(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def conforms(response: TestResponse, envelope: str) -> errspec.ErrorInfo:
    report = errspec.check_response(response, envelope=envelope)
    assert [(f.rule, f.pointer, f.message) for f in report.findings] == []
    return errspec.parse(response, envelope)


def test_abort_with_a_description(envelope: str) -> None:
    response = tasks_app(envelope).test_client().get("/tasks/9")
    assert response.status_code == 404
    info = conforms(response, envelope)
    assert info.message == "There is no task 9."


def test_abort_without_a_description_says_the_status_phrase(envelope: str) -> None:
    response = tasks_app(envelope).test_client().get("/private")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert conforms(response, envelope).message == "Unauthorized"


def test_unknown_route_and_method(envelope: str) -> None:
    client = tasks_app(envelope).test_client()
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    conforms(missing, envelope)
    not_allowed = client.delete("/tasks")
    closed = errspec.get_envelope(envelope).profile.code
    expected = 400 if closed is not None and not closed.open else 405  # no code for 405
    assert not_allowed.status_code == expected
    assert set(not_allowed.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    conforms(not_allowed, envelope)


def test_api_error_with_field_errors(envelope: str) -> None:
    response = tasks_app(envelope).test_client().post("/tasks")
    info = conforms(response, envelope)
    status = 400 if envelope == "google-rpc" else 422
    assert (response.status_code, info.status) == (status, status)
    assert [(e.field, e.message) for e in info.field_errors] == [("title", "is required")]


def test_api_error_with_retry_after(envelope: str) -> None:
    response = tasks_app(envelope).test_client().get("/busy")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "30")
    conforms(response, envelope)
    # AIP-194: RESOURCE_EXHAUSTED is not retried automatically; the others say when.
    assert errspec.retry_delay(response, envelope) == (None if envelope == "google-rpc" else 30.0)


def test_routing_redirect_is_not_an_error() -> None:
    # werkzeug's RequestRedirect is an HTTPException too: it stays a redirect.
    response = tasks_app("problem-details").test_client().get("/folders")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/folders/")


def test_abort_with_a_ready_response_is_left_alone() -> None:
    response = tasks_app("problem-details").test_client().get("/teapot-page")
    assert (response.status_code, response.text) == (418, "<p>mine</p>")


def test_unhandled_exception_is_a_500_that_leaks_nothing(
    envelope: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = tasks_app(envelope)
    with caplog.at_level(logging.ERROR, logger="errspec.contrib"):
        response = app.test_client().get("/crash")
    assert response.status_code == 500
    info = conforms(response, envelope)
    assert info.message == "The server could not handle the request."
    for leak in ("hunter2", "settings.py", "RuntimeError", "/crash"):
        assert leak not in response.text
    [record] = [r for r in caplog.records if r.name == "errspec.contrib"]
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError


def test_request_id_from_the_request() -> None:
    client = tasks_app("problem-details").test_client()
    response = client.get("/tasks/9", headers={"X-Request-Id": "req-7"})
    assert conforms(response, "problem-details").request_id == "req-7"


def test_a_custom_request_id_reader() -> None:
    app = install(Flask(__name__), "odata", request_id=lambda request: "from-the-app")
    response = app.test_client().get("/nowhere")
    assert response.headers["x-ms-request-id"] == "from-the-app"
    conforms(response, "odata")
