"""errspec.contrib.fastapi with the real FastAPI and Starlette: every error path of an app
answers in the installed envelope, checks clean, parses back, and the app's generated
OpenAPI lints clean."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.security import HTTPBearer
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import errspec
from errspec.contrib import APIError
from errspec.contrib.fastapi import install

from .conftest import SCHEMAS

ALL = [e.id for e in errspec.envelopes()]
#: Open catalogues without a code for some statuses the handlers send (405, 422, 503): render
#: makes one in the envelope's casing, and check warns that it is not among the known codes.
#: Every other envelope's answers have no finding at all.
INVENTS_CODES = ("error-object", "error-string")
SECRET = "db password hunter2 at /srv/app/settings.py"


class ProblemDetails(BaseModel):  # an app's own model, named like errspec's schema
    anything: int


class Task(BaseModel):
    title: str
    tags: list[int] = []


def tasks_app(envelope: str) -> FastAPI:
    app = FastAPI(title="Tasks", version="1")
    bearer = HTTPBearer()

    @app.get("/tasks")
    def list_tasks(limit: int = Query(10, le=100)) -> list[Task]:
        return []

    @app.post("/tasks", status_code=201)
    def create_task(task: Task) -> Task:
        return task

    @app.get("/tasks/{task_id}", responses={404: {"description": "No such task"}})
    def get_task(task_id: int) -> Task:
        raise HTTPException(404, f"There is no task {task_id}.")

    @app.delete("/tasks/{task_id}", status_code=204, dependencies=[Depends(bearer)])
    def delete_task(task_id: int) -> None:
        return None

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError(SECRET)

    @app.get("/cached")
    def cached() -> None:
        raise HTTPException(304, headers={"ETag": '"v1"'})

    @app.get("/busy")
    def busy() -> None:
        raise APIError(503, "Down for maintenance.", retry_after=7.2)

    @app.get("/conflict")
    def conflict() -> None:
        raise APIError(
            409,
            "The task changed meanwhile.",
            field_errors=[errspec.FieldError("title", "was changed by someone else")],
        )

    return install(app, envelope)


@pytest.fixture(params=ALL)
def envelope(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(envelope: str) -> Iterator[TestClient]:
    with TestClient(tasks_app(envelope), raise_server_exceptions=False) as c:
        yield c


def conforms(response: object, envelope: str) -> errspec.Report:
    report = errspec.check_response(response, envelope=envelope)
    errors = [(f.rule, f.pointer, f.message) for f in report.findings if f.severity == "error"]
    assert errors == [], errors
    rest = [(f.rule, f.severity) for f in report.findings]
    if envelope in INVENTS_CODES:
        assert set(rest) <= {("unknown-code", "warning")}
    else:
        assert rest == []
    return report


def test_http_exception_keeps_status_and_detail(client: TestClient, envelope: str) -> None:
    response = client.get("/tasks/7")
    assert response.status_code == 404
    conforms(response, envelope)
    info = errspec.parse(response, envelope)
    assert (info.status, info.message) == (404, "There is no task 7.")
    media_type = errspec.get_envelope(envelope).profile.media_types[0]
    assert response.headers["content-type"].split(";")[0] == media_type


def test_unknown_route_is_404(client: TestClient, envelope: str) -> None:
    response = client.get("/nothing/here")
    assert response.status_code == 404
    conforms(response, envelope)


def test_405_allows_every_method_of_the_path(client: TestClient, envelope: str) -> None:
    response = client.put("/tasks")
    # Starlette alone would say "GET" or "POST": the first route that matched the path.
    assert response.headers["allow"] == "GET, HEAD, POST"
    expressible = errspec.get_envelope(envelope).profile.code
    assert response.status_code in (405, 400)
    if response.status_code == 400:  # a closed catalogue without a code for 405
        assert expressible is not None
        assert not expressible.open
    conforms(response, envelope)


def test_validation_errors_become_field_errors(client: TestClient, envelope: str) -> None:
    response = client.post("/tasks", json={"tags": [1, "x"]})
    producer_status = 400 if envelope == "google-rpc" else 422  # google-rpc has no 422
    assert response.status_code == producer_status
    conforms(response, envelope)
    info = errspec.parse(response, envelope)
    fields = {e.field: e.message for e in info.field_errors}
    carries = errspec.get_envelope(envelope).profile.field_errors is not None
    if carries:  # error-string carries them at 422 only, which is what it is sent with
        expected = {
            "problem-details": {"#/title", "#/tags/1"},
            "json-api": {"/title", "/tags/1"},
        }.get(envelope, {"title", "tags[1]"})
        assert set(fields) == expected
        assert fields[next(f for f in expected if "title" in f)] == "Field required"


def test_a_body_that_is_not_json_is_no_field_error(client: TestClient, envelope: str) -> None:
    """pydantic's json_invalid error puts a character offset where a field goes: it is the
    message, not a field error at "#/10"."""
    response = client.post(
        "/tasks", content=b'{"title": ', headers={"Content-Type": "application/json"}
    )
    conforms(response, envelope)
    info = errspec.parse(response, envelope)
    assert info.field_errors == ()
    assert info.message.startswith("The request body is not valid JSON")


def test_query_validation_names_the_parameter(client: TestClient, envelope: str) -> None:
    response = client.get("/tasks", params={"limit": "1000"})
    conforms(response, envelope)
    fields = [e.field for e in errspec.parse(response, envelope).field_errors]
    if errspec.get_envelope(envelope).profile.field_errors is not None:
        assert fields in (["limit"], ["/limit"])


def test_missing_credentials_are_401_with_a_challenge(client: TestClient, envelope: str) -> None:
    response = client.delete("/tasks/3")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    conforms(response, envelope)


def test_unhandled_exception_is_a_500_that_leaks_nothing(
    client: TestClient, envelope: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="errspec.contrib"):
        response = client.get("/crash", headers={"X-Request-Id": "req-81"})
    assert response.status_code == 500
    conforms(response, envelope)
    for leak in ("hunter2", "settings.py", "RuntimeError", "Traceback", "/crash"):
        assert leak not in response.text
    assert errspec.parse(response, envelope).message == "The server could not handle the request."
    [record] = [r for r in caplog.records if r.name == "errspec.contrib"]
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError
    assert "GET /crash" in record.getMessage()
    assert "req-81" in record.getMessage()


def test_api_error_carries_retry_after(client: TestClient, envelope: str) -> None:
    response = client.get("/busy")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "8"  # whole seconds, rounded up
    conforms(response, envelope)
    assert errspec.retry_delay(response, envelope) == 8.0
    assert errspec.parse(response, envelope).retry_after == 8.0


def test_a_status_below_400_is_not_an_error(client: TestClient) -> None:
    response = client.get("/cached")
    assert (response.status_code, response.headers["etag"], response.content) == (304, '"v1"', b"")


def test_api_error_with_field_errors(client: TestClient, envelope: str) -> None:
    response = client.get("/conflict")
    assert response.status_code == 409
    conforms(response, envelope)
    assert errspec.parse(response, envelope).message == "The task changed meanwhile."


def test_request_id_is_echoed_where_the_envelope_has_one(client: TestClient, envelope: str) -> None:
    response = client.get("/tasks/7", headers={"X-Request-Id": "req-42"})
    conforms(response, envelope)
    profile = errspec.get_envelope(envelope).profile
    info = errspec.parse(response, envelope)
    if profile.request_id_pointer is not None:
        assert info.request_id == "req-42"
    if profile.request_id_header is not None:
        given = profile.request_id_header
        fresh = client.get("/tasks/7", headers={given: "mine-1"})
        assert fresh.headers[given] == "mine-1"
        assert len(client.get("/tasks/7").headers[given]) == 36  # a new UUID


# --- the generated OpenAPI ----------------------------------------------------------------


def test_generated_openapi_lints_clean(envelope: str) -> None:
    app = tasks_app(envelope)
    document = app.openapi()
    report = errspec.lint(document, envelope=envelope)
    assert [(f.rule, f.pointer, f.message) for f in report.findings] == []
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    profile = errspec.get_envelope(envelope).profile
    assert profile.schema_name in schemas
    create = document["paths"]["/tasks"]["post"]["responses"]
    validation = "400" if envelope == "google-rpc" else "422"
    assert set(create) >= {"201", validation, "default"}
    assert validation == "422" or "422" not in create
    delete = document["paths"]["/tasks/{task_id}"]["delete"]["responses"]
    assert {"401", "404", "default"} <= set(delete)
    # The user's own description of the 404 is kept beside errspec's response.
    assert document["paths"]["/tasks/{task_id}"]["get"]["responses"]["404"]["description"] == (
        "No such task"
    )
    assert app.openapi() is document  # generated once


def test_generated_openapi_is_detected_as_the_envelope() -> None:
    document = tasks_app("problem-details").openapi()
    report = errspec.lint(document)
    assert report.envelope == "problem-details"
    assert list(report.findings) == []


def test_without_openapi_the_document_is_fastapis() -> None:
    app = install(FastAPI(), "problem-details", openapi=False)

    @app.post("/items")
    def create(task: Task) -> Task:
        return task

    schemas = app.openapi()["components"]["schemas"]
    assert "HTTPValidationError" in schemas


def test_a_name_clash_in_components_is_refused() -> None:
    app = install(FastAPI(), "problem-details")

    @app.get("/p")
    def p() -> ProblemDetails:
        return ProblemDetails(anything=1)

    with pytest.raises(errspec.ErrspecError, match=r"components/schemas/ProblemDetails"):
        app.openapi()


def test_an_unknown_envelope_fails_at_install() -> None:
    with pytest.raises(errspec.ErrspecError, match="no-such-envelope"):
        install(FastAPI(), "no-such-envelope")


# --- plain Starlette ---------------------------------------------------------------------


def test_starlette_app() -> None:
    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"hello": "world"})

    async def crash(request: Request) -> JSONResponse:
        raise ValueError(SECRET)

    app = Starlette(routes=[Route("/hello", hello), Route("/crash", crash)])
    install(app, "google-rpc")
    with TestClient(app, raise_server_exceptions=False) as client:
        missing = client.get("/nope")
        not_allowed = client.post("/hello")
        crashed = client.get("/crash")
    assert (missing.status_code, not_allowed.status_code, crashed.status_code) == (404, 400, 500)
    assert not_allowed.headers["allow"] == "GET, HEAD"
    assert "hunter2" not in crashed.text
    for response in (missing, not_allowed, crashed):
        assert list(errspec.check_response(response, envelope="google-rpc").findings) == []
    assert errspec.parse(missing).code == "NOT_FOUND"


# --- a house envelope ----------------------------------------------------------------------


@pytest.fixture
def house_envelope(tmp_path: Path) -> Path:
    """Problem details plus a required ``trace_id``, which is the request id (body and
    ``X-Trace-Id`` header): the producer fills it from the request, or makes one."""
    folder = tmp_path / "acme"
    folder.mkdir()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://acme.example/errors/v1/envelope.schema.json",
        "allOf": [{"$ref": "https://errspec.dev/schemas/v1/problem-details/envelope.schema.json"}],
        "required": ["trace_id"],
        "properties": {"trace_id": {"type": "string", "minLength": 1}},
    }
    (folder / "envelope.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    profile = yaml.safe_load((SCHEMAS / "problem-details" / "profile.yaml").read_text())
    profile.update(id="acme-problem", aliases=[], title="Acme problem details")
    profile["openapi"] = {"schema_name": "AcmeProblem"}
    profile["request_id"] = {"body": "/trace_id", "header": "X-Trace-Id"}
    (folder / "profile.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return folder


def test_a_house_envelope_folder(house_envelope: Path) -> None:
    app = tasks_app(str(house_envelope))
    with TestClient(app, raise_server_exceptions=False) as client:
        responses = [
            client.get("/tasks/7", headers={"X-Trace-Id": "t-1"}),
            client.post("/tasks", json={}),
            client.put("/tasks"),
            client.get("/crash"),
        ]
    assert [r.status_code for r in responses] == [404, 422, 405, 500]
    assert responses[0].json()["trace_id"] == "t-1"
    for response in responses:
        report = errspec.check_response(response, envelope=house_envelope)
        assert [(f.rule, f.pointer) for f in report.findings] == []
        assert response.json()["trace_id"] == response.headers["x-trace-id"]
    report = errspec.lint(app.openapi(), envelope=house_envelope)
    assert [(f.rule, f.pointer, f.message) for f in report.findings] == []
    assert "AcmeProblem" in app.openapi()["components"]["schemas"]
