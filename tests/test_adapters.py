"""Library responses are checked as they are: requests and httpx through the HTTPResponse
protocol, and the test clients of Starlette, FastAPI, Flask/werkzeug and Django, httpx's
AsyncClient (streams too) and aiohttp through errspec._adapters.

Real libraries and real apps, no mocks: a local server on 127.0.0.1 for requests and
aiohttp, httpx's own MockTransport and ASGITransport, each framework's own test client.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import aiohttp
import flask
import httpx
import pytest
import requests
import werkzeug.test
from aiohttp import web
from aiohttp.test_utils import TestClient as AiohttpTestClient
from aiohttp.test_utils import TestServer as AiohttpTestServer
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.test import AsyncClient as DjangoAsyncClient
from django.test import Client as DjangoClient
from django.test import override_settings
from django.urls import path
from fastapi import FastAPI, HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

import errspec
from errspec._adapters import as_response_async

from .conftest import QuietHandler, configure_django, serve

# Django is configured once per process (conftest); the settings the tests depend on are
# applied per test with override_settings (the `django_client` fixture).
configure_django(__name__)


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        body = json.dumps({"code": "NOT_FOUND", "message": "Not found: Incident 42 not found"})
        data = gzip.compress(body.encode())
        self.send_response(409)  # NOT_FOUND goes with 404 (seed 002)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(_Handler) as url:
        yield url


def test_requests_response(server: str) -> None:
    response = requests.get(f"{server}/incidents/42", timeout=10)
    assert isinstance(response, errspec.HTTPResponse)
    report = errspec.check_response(response, "code-message")
    assert report.source == f"GET {server}/incidents/42"
    assert [(f.rule, f.pointer) for f in report.findings] == [("code-status-mismatch", "/code")]
    assert errspec.detect(response).envelope == "code-message"


def _transport(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/limited":
        return httpx.Response(
            429,
            headers={"Content-Type": "application/json", "Retry-After": "12"},
            json={"error": "rate_limit_exceeded", "message": "Slow down", "retry_after": 12},
        )
    return httpx.Response(
        404,
        headers={"Content-Type": "application/problem+json"},
        content=json.dumps({"type": "about:blank", "title": "Not Found", "status": 404}).encode(),
    )


def test_httpx_response_sync() -> None:
    with httpx.Client(transport=httpx.MockTransport(_transport), base_url="https://api.test") as c:
        limited = c.get("/limited")
        missing = c.get("/tasks/1")
    assert errspec.check_response(limited).findings == ()
    assert errspec.check_response(limited).envelope == "error-string"
    report = errspec.check_response(missing)
    assert report.envelope == "problem-details"
    assert report.conforms
    assert report.source == "GET https://api.test/tasks/1"


async def _get_async() -> httpx.Response:
    transport = httpx.MockTransport(_transport)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.test") as client:
        return await client.get("/tasks/1")


def test_httpx_response_async() -> None:
    import asyncio

    response = asyncio.run(_get_async())
    assert errspec.check_response(response, "rfc9457").conforms


def test_httpx_response_without_request() -> None:
    response = httpx.Response(404, json={"type": "about:blank", "status": 500})
    report = errspec.check_response(response, "problem-details")
    assert report.source == "<response>"
    assert "status-mismatch" in report.rules()


# --- shared bodies ------------------------------------------------------------------------

PROBLEM_JSON = "application/problem+json"
#: RFC 9457 problem details for a 404: conforms.
MISSING = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "Incident 42 not found",
}
#: The same 404 whose body says 400: status-mismatch at /status.
MISMATCHED = {**MISSING, "status": 400}
#: An error-string 429; conforms only with a Retry-After header.
LIMITED = {"error": "rate_limit_exceeded", "message": "Slow down", "retry_after": 12}
LINKS = ('</docs/errors>; rel="help"', '</status>; rel="status"')


def findings(report: errspec.Report) -> list[tuple[str, str]]:
    return [(f.rule, f.pointer) for f in report.findings]


def pairs(response: errspec.Response, name: str) -> list[str]:
    """Every value of header ``name``, one per header line as received."""
    return [v for k, v in response.headers if k.lower() == name.lower()]


# --- Starlette and FastAPI: TestClient returns httpx responses ----------------------------

# Starlette 1.x's TestClient uses the httpx2 fork (a test extra; with plain httpx it
# warns): its responses are httpx2 responses, read like httpx ones.


def _starlette_test_client(app: Any) -> Any:
    from starlette.testclient import TestClient

    return TestClient(app)


async def _incident(request: Request) -> JSONResponse:
    return JSONResponse(MISSING, status_code=404, media_type=PROBLEM_JSON)


async def _task(request: Request) -> JSONResponse:
    return JSONResponse(MISMATCHED, status_code=404, media_type=PROBLEM_JSON)


async def _limited(request: Request) -> JSONResponse:
    response = JSONResponse(LIMITED, status_code=429, headers={"Retry-After": "12"})
    for link in LINKS:
        response.headers.append("Link", link)
    return response


async def _crash(request: Request) -> PlainTextResponse:
    return PlainTextResponse("Internal Server Error", status_code=500)


STARLETTE_APP = Starlette(
    routes=[
        Route("/incidents/42", _incident),
        Route("/tasks/1", _task),
        Route("/limited", _limited),
        Route("/crash", _crash),
    ]
)


def test_starlette_testclient() -> None:
    client = _starlette_test_client(STARLETTE_APP)
    ok = errspec.check_response(client.get("/incidents/42"))
    assert (ok.envelope, findings(ok), ok.conforms) == ("problem-details", [], True)
    assert ok.source == "GET http://testserver/incidents/42"
    bad = errspec.check_response(client.get("/tasks/1"))
    assert (bad.envelope, findings(bad)) == ("problem-details", [("status-mismatch", "/status")])
    assert bad.source == "GET http://testserver/tasks/1"
    crash = errspec.check_response(client.get("/crash"), "problem-details")
    assert findings(crash) == [("media-type", "header:Content-Type"), ("body-not-json", "")]


def test_starlette_repeated_headers_survive() -> None:
    response = _starlette_test_client(STARLETTE_APP).get("/limited")
    adapted = errspec.as_response(response)
    # httpx.Headers is a Mapping whose items() would join the two into one value.
    assert pairs(adapted, "link") == list(LINKS)
    assert adapted.header("Link") == ", ".join(LINKS)
    report = errspec.check_response(response)
    assert (report.envelope, findings(report)) == ("error-string", [])


def test_starlette_sync_stream_not_read() -> None:
    client = _starlette_test_client(STARLETTE_APP)
    with client.stream("GET", "/tasks/1") as response:
        with pytest.raises(TypeError) as unread:
            errspec.check_response(response)
        response.read()
        report = errspec.check_response(response)
    assert str(unread.value) == (
        "errspec cannot check an httpx streamed response whose body has not been read: "
        "call `response.read()` first"
    )
    assert findings(report) == [("status-mismatch", "/status")]
    with client.stream("GET", "/tasks/1") as closed:
        pass
    with pytest.raises(TypeError) as late:
        errspec.as_response(closed)
    assert str(late.value) == (
        "errspec cannot check this httpx streamed response: it was closed before its body was "
        "read; call `response.read()` inside the `client.stream(...)` block"
    )


class IncidentMissing(Exception):
    pass


FASTAPI_APP = FastAPI()


@FASTAPI_APP.exception_handler(IncidentMissing)
async def _incident_missing(request: Request, exc: IncidentMissing) -> JSONResponse:
    problem = {**MISSING, "detail": f"Incident {exc} not found"}
    return JSONResponse(problem, status_code=404, media_type=PROBLEM_JSON)


@FASTAPI_APP.get("/incidents/{incident_id}")
async def _fastapi_incident(incident_id: int) -> None:
    raise IncidentMissing(incident_id)


@FASTAPI_APP.get("/legacy/{incident_id}")
async def _fastapi_legacy(incident_id: int) -> None:
    raise HTTPException(404, "Incident not found")  # FastAPI's own {"detail": ...}


def test_fastapi_testclient() -> None:
    client = _starlette_test_client(FASTAPI_APP)
    ok = errspec.check_response(client.get("/incidents/42"), "problem-details")
    assert (ok.envelope, findings(ok), ok.conforms) == ("problem-details", [], True)
    assert ok.source == "GET http://testserver/incidents/42"
    # FastAPI's default HTTPException body, {"detail": ...} as application/json, shows one
    # of the members that identify problem details: not problem details (issue 10).
    legacy = errspec.check_response(client.get("/legacy/42"))
    assert (legacy.envelope, findings(legacy)) == (None, [("envelope-unknown", "")])
    named = errspec.check_response(client.get("/legacy/42"), "problem-details")
    assert findings(named) == [("media-type", "header:Content-Type"), ("envelope-schema", "")]
    # Its default 422 ({"detail": [{"loc": ..., "msg": ...}]}) is no known envelope.
    invalid = errspec.check_response(client.get("/incidents/forty-two"))
    assert (invalid.status, invalid.envelope, findings(invalid)) == (
        422,
        None,
        [("envelope-unknown", "")],
    )


# --- httpx.AsyncClient (ASGITransport): read responses and un-read streams ----------------


def test_httpx_async_client_and_streams() -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        transport = httpx.ASGITransport(app=STARLETTE_APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            out["read"] = errspec.check_response(await client.get("/incidents/42"))
            async with client.stream("GET", "/tasks/1") as streamed:
                with pytest.raises(TypeError) as unread:
                    errspec.as_response(streamed)
                out["unread"] = str(unread.value)
                out["streamed"] = errspec.check_response(await as_response_async(streamed))
                out["still"] = await streamed.aread()  # as_response_async read it, httpx kept it
            sent = await client.send(client.build_request("GET", "/limited"), stream=True)
            try:
                out["sent"] = await as_response_async(sent)
            finally:
                await sent.aclose()
            async with client.stream("GET", "/tasks/1") as closed:
                pass
            with pytest.raises(TypeError) as late:
                await as_response_async(closed)
            out["closed"] = str(late.value)
        return out

    out = asyncio.run(scenario())
    read = out["read"]
    assert (read.envelope, findings(read)) == ("problem-details", [])
    assert read.source == "GET http://testserver/incidents/42"
    assert out["unread"] == (
        "errspec cannot check an httpx streamed response whose body has not been read: "
        "`await response.aread()` first, or use `await errspec.as_response_async(response)`"
    )
    streamed = out["streamed"]
    assert (streamed.envelope, findings(streamed)) == (
        "problem-details",
        [("status-mismatch", "/status")],
    )
    assert streamed.source == "GET http://testserver/tasks/1"
    assert json.loads(out["still"]) == MISMATCHED
    sent = out["sent"]
    assert (sent.source, pairs(sent, "Link")) == ("GET http://testserver/limited", list(LINKS))
    assert findings(errspec.check_response(sent)) == []
    assert out["closed"] == (
        "errspec cannot check this httpx streamed response: it was closed before its body was "
        "read; call `await response.aread()` inside the `client.stream(...)` block"
    )


def test_as_response_async_passes_other_inputs_through() -> None:
    record = {"status": 404, "headers": {"Content-Type": PROBLEM_JSON}, "body": MISMATCHED}
    adapted = asyncio.run(as_response_async(record, "incident.json"))
    assert (adapted.source, adapted.body) == ("incident.json", MISMATCHED)
    assert findings(errspec.check_response(adapted)) == [("status-mismatch", "/status")]


# --- Flask and werkzeug: TestResponse (no .content; get_data(), Headers) -------------------

FLASK_APP = flask.Flask(__name__)


@FLASK_APP.get("/incidents/<int:incident_id>")
def _flask_incident(incident_id: int) -> flask.Response:
    return flask.Response(json.dumps(MISSING), status=404, content_type=PROBLEM_JSON)


@FLASK_APP.get("/limited")
def _flask_limited() -> flask.Response:
    response = flask.jsonify(LIMITED)  # the defect: no Retry-After header
    response.status_code = 429
    for link in LINKS:
        response.headers.add("Link", link)
    return response


@FLASK_APP.get("/stream")
def _flask_stream() -> flask.Response:
    def chunks() -> Iterator[str]:
        text = json.dumps(MISMATCHED)
        yield text[:10]
        yield text[10:]

    return flask.Response(chunks(), status=404, content_type=PROBLEM_JSON)


@FLASK_APP.get("/gzip")
def _flask_gzip() -> flask.Response:
    data = gzip.compress(json.dumps(MISSING).encode())
    headers = {"Content-Encoding": "gzip"}
    return flask.Response(data, status=404, content_type=PROBLEM_JSON, headers=headers)


def test_flask_test_client() -> None:
    client = FLASK_APP.test_client()
    response = client.get("/incidents/42")
    assert not hasattr(response, "content")  # not an HTTPResponse: errspec._adapters reads it
    ok = errspec.check_response(response)
    assert (ok.envelope, findings(ok), ok.conforms) == ("problem-details", [], True)
    assert ok.source == "GET http://localhost/incidents/42"
    limited = client.get("/limited")
    bad = errspec.check_response(limited)
    assert (bad.envelope, findings(bad)) == (
        "error-string",
        [("retry-after-missing", "header:Retry-After")],
    )
    assert pairs(errspec.as_response(limited), "link") == list(LINKS)
    # Flask's own 404 page for an unknown route is HTML.
    html = errspec.check_response(client.get("/nowhere"))
    assert (html.envelope, findings(html)) == (None, [("body-not-json", "")])


def test_flask_streamed_and_compressed_bodies() -> None:
    client = FLASK_APP.test_client()
    streamed = client.get("/stream")
    assert streamed.is_streamed
    report = errspec.check_response(streamed)
    assert findings(report) == [("status-mismatch", "/status")]
    assert streamed.get_data() == json.dumps(MISMATCHED).encode()  # still readable after
    # The test client returns the bytes the app sent: errspec undoes Content-Encoding.
    compressed = errspec.check_response(client.get("/gzip"))
    assert (compressed.envelope, findings(compressed)) == ("problem-details", [])


def _wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A bare WSGI app in the code-message envelope (NOT_FOUND goes with 404)."""
    status = "404 Not Found" if environ["PATH_INFO"] == "/orders/7" else "409 Conflict"
    body = json.dumps({"code": "NOT_FOUND", "message": "Order 7 not found"}).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Vary", "Accept"),
        ("Vary", "Accept-Language"),
    ]
    start_response(status, headers)
    return [body]


def test_werkzeug_client_bare_wsgi_app() -> None:
    client = werkzeug.test.Client(_wsgi_app)
    response = client.get("/orders/7")
    assert type(response) is werkzeug.test.TestResponse
    ok = errspec.check_response(response)
    assert (ok.envelope, findings(ok)) == ("code-message", [])
    assert ok.source == "GET http://localhost/orders/7"
    assert pairs(errspec.as_response(response), "vary") == ["Accept", "Accept-Language"]
    bad = errspec.check_response(client.get("/orders/8?verbose=1"))
    assert findings(bad) == [("code-status-mismatch", "/code")]
    assert bad.source == "GET http://localhost/orders/8?verbose=1"


# --- Django: django.test.Client / AsyncClient ---------------------------------------------


def _django_incident(request: HttpRequest) -> HttpResponse:
    return HttpResponse(json.dumps(MISSING), status=404, content_type=PROBLEM_JSON)


def _django_task(request: HttpRequest) -> HttpResponse:
    return HttpResponse(json.dumps(MISMATCHED), status=404, content_type=PROBLEM_JSON)


def _django_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(MISSING, status=404)  # application/json, not problem+json


def _django_limited(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(LIMITED, status=429, headers={"Retry-After": "12"})
    response.set_cookie("session", "abc")
    response.set_cookie("region", "eu")
    return response


def _django_stream(request: HttpRequest) -> StreamingHttpResponse:
    text = json.dumps(MISMATCHED).encode()
    return StreamingHttpResponse(
        iter([text[:10], text[10:]]), status=404, content_type=PROBLEM_JSON
    )


def _django_gzip(request: HttpRequest) -> HttpResponse:
    data = gzip.compress(json.dumps(MISSING).encode())
    headers = {"Content-Encoding": "gzip"}
    return HttpResponse(data, status=404, content_type=PROBLEM_JSON, headers=headers)


def _django_crash(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>Server Error (500)</h1>", status=500)  # text/html


async def _django_async_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield json.dumps(MISMATCHED).encode()

    return StreamingHttpResponse(chunks(), status=404, content_type=PROBLEM_JSON)


# ROOT_URLCONF is this module (see the settings at the top).
urlpatterns = [
    path("incidents/42", _django_incident),
    path("tasks/1", _django_task),
    path("json/42", _django_json),
    path("limited", _django_limited),
    path("stream", _django_stream),
    path("gzip", _django_gzip),
    path("crash", _django_crash),
    path("async-stream", _django_async_stream),
]

DJANGO_SETTINGS = {
    "ROOT_URLCONF": __name__,
    "ALLOWED_HOSTS": ["testserver"],
    "MIDDLEWARE": [],
    "DEBUG": False,
}


@pytest.fixture
def django_client() -> Iterator[DjangoClient]:
    with override_settings(**DJANGO_SETTINGS):
        yield DjangoClient()


def test_django_client(django_client: DjangoClient) -> None:
    ok = errspec.check_response(django_client.get("/incidents/42"))
    assert (ok.envelope, findings(ok), ok.conforms) == ("problem-details", [], True)
    assert ok.source == "GET http://testserver/incidents/42"
    bad = errspec.check_response(django_client.get("/tasks/1"))
    assert findings(bad) == [("status-mismatch", "/status")]
    wrong_type = errspec.check_response(django_client.get("/json/42"), "problem-details")
    assert findings(wrong_type) == [("media-type", "header:Content-Type")]
    crash = errspec.check_response(django_client.get("/crash"))
    assert (crash.envelope, findings(crash)) == (None, [("body-not-json", "")])
    compressed = errspec.check_response(django_client.get("/gzip"))
    assert (compressed.envelope, findings(compressed)) == ("problem-details", [])


def test_django_cookies_are_separate_set_cookie_headers(django_client: DjangoClient) -> None:
    response = django_client.get("/limited")
    adapted = errspec.as_response(response)
    assert pairs(adapted, "set-cookie") == ["session=abc; Path=/", "region=eu; Path=/"]
    assert adapted.header("Retry-After") == "12"
    report = errspec.check_response(response)
    assert (report.envelope, findings(report)) == ("error-string", [])


def test_django_streaming_response(django_client: DjangoClient) -> None:
    response = django_client.get("/stream")
    assert not hasattr(response, "content")
    report = errspec.check_response(response)
    assert findings(report) == [("status-mismatch", "/status")]
    assert report.source == "GET http://testserver/stream"
    # errspec put the bytes it read back: the caller can still read the stream.
    assert b"".join(response.streaming_content) == json.dumps(MISMATCHED).encode()


def test_django_request_line_fallbacks(django_client: DjangoClient) -> None:
    response = django_client.get("/incidents/42", {"verbose": "1"})
    # A host outside ALLOWED_HOSTS makes build_absolute_uri() raise DisallowedHost; the
    # URL is then built from the request's META as received.
    with override_settings(ALLOWED_HOSTS=["api.example"]):
        report = errspec.check_response(response)
    assert report.source == "GET http://testserver/incidents/42?verbose=1"
    # Without the request object, the test client's request dict still names the request.
    del response.wsgi_request
    assert response.request["PATH_INFO"] == "/incidents/42"
    assert errspec.check_response(response).source == "GET /incidents/42?verbose=1"


def test_django_async_client_async_stream() -> None:
    async def scenario() -> tuple[str, errspec.Response]:
        response = await DjangoAsyncClient().get("/async-stream")
        with pytest.raises(TypeError) as sync:
            errspec.as_response(response)
        return str(sync.value), await as_response_async(response)

    with override_settings(**DJANGO_SETTINGS):
        message, adapted = asyncio.run(scenario())
    assert message == (
        "errspec cannot read a Django StreamingHttpResponse over an async iterator "
        "synchronously: use `await errspec.as_response_async(response)`"
    )
    assert adapted.source == "GET http://testserver/async-stream"
    assert findings(errspec.check_response(adapted)) == [("status-mismatch", "/status")]


# --- aiohttp: ClientResponse (.status, a multidict, a body to await) ----------------------


async def _aiohttp_incident(request: web.Request) -> web.Response:
    return web.Response(status=404, text=json.dumps(MISSING), content_type=PROBLEM_JSON)


async def _aiohttp_task(request: web.Request) -> web.Response:
    return web.Response(status=404, text=json.dumps(MISMATCHED), content_type=PROBLEM_JSON)


async def _aiohttp_limited(request: web.Request) -> web.Response:
    response = web.json_response(LIMITED, status=429)  # the defect: no Retry-After
    for link in LINKS:
        response.headers.add("Link", link)
    return response


async def _aiohttp_crash(request: web.Request) -> web.Response:
    return web.Response(status=502, text="Bad Gateway")


async def _aiohttp_compressed(request: web.Request) -> web.Response:
    response = web.Response(status=404, text=json.dumps(MISSING), content_type=PROBLEM_JSON)
    response.enable_compression()  # deflate or gzip, as the client's Accept-Encoding allows
    return response


def _aiohttp_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/incidents/42", _aiohttp_incident)
    app.router.add_get("/tasks/1", _aiohttp_task)
    app.router.add_get("/limited", _aiohttp_limited)
    app.router.add_get("/crash", _aiohttp_crash)
    app.router.add_get("/compressed", _aiohttp_compressed)
    return app


def test_aiohttp_test_client() -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with AiohttpTestServer(_aiohttp_app(), host="127.0.0.1") as server:
            out["base"] = str(server.make_url("/")).rstrip("/")
            async with AiohttpTestClient(server) as client:
                unread = await client.get("/tasks/1")
                with pytest.raises(TypeError) as sync:
                    errspec.as_response(unread)
                out["unread"] = str(sync.value)
                out["awaited"] = errspec.check_response(await as_response_async(unread))
                out["cached"] = errspec.check_response(unread)  # read() cached the body
                read = await client.get("/incidents/42")
                await read.read()
                out["read"] = errspec.check_response(read)
                limited = await client.get("/limited")
                await limited.text()  # text() reads (and caches) the body too
                out["limited"] = errspec.as_response(limited)
                crash = await client.get("/crash")
                out["crash"] = errspec.check_response(await as_response_async(crash))
        return out

    out = asyncio.run(scenario())
    base = out["base"]
    assert base.startswith("http://127.0.0.1:")
    assert out["unread"] == (
        "errspec cannot check an aiohttp response whose body has not been read: "
        "`await response.read()` first (inside the `async with` block; aiohttp keeps the "
        "body), or use `await errspec.as_response_async(response)`"
    )
    for key in ("awaited", "cached"):
        report = out[key]
        assert (report.envelope, findings(report)) == (
            "problem-details",
            [("status-mismatch", "/status")],
        )
        assert report.source == f"GET {base}/tasks/1"
    read = out["read"]
    assert (read.envelope, findings(read), read.conforms) == ("problem-details", [], True)
    assert read.source == f"GET {base}/incidents/42"
    limited = out["limited"]
    assert pairs(limited, "Link") == list(LINKS)
    assert findings(errspec.check_response(limited)) == [
        ("retry-after-missing", "header:Retry-After")
    ]
    assert (out["crash"].envelope, findings(out["crash"])) == (None, [("body-not-json", "")])


def test_aiohttp_client_session_after_release() -> None:
    """The usual pattern: read inside `async with`, check after the response is released
    (aiohttp's read() itself would raise "Connection closed" then)."""

    async def scenario() -> tuple[str, list[errspec.Report]]:
        reports = []
        async with AiohttpTestServer(_aiohttp_app(), host="127.0.0.1") as server:
            url = str(server.make_url("/compressed"))
            async with aiohttp.ClientSession() as session:
                for auto_decompress in (True, False):
                    async with session.get(url, auto_decompress=auto_decompress) as response:
                        await response.read()
                    assert response.closed
                    with pytest.raises(aiohttp.ClientConnectionError):
                        await response.read()
                    # The header stays either way; with auto_decompress=False so does
                    # the compression: errspec decodes both.
                    assert response.headers["Content-Encoding"] in ("deflate", "gzip")
                    reports.append(errspec.check_response(response))
                    reports.append(errspec.check_response(await as_response_async(response)))
        return url, reports

    url, reports = asyncio.run(scenario())
    for report in reports:
        assert (report.envelope, findings(report)) == ("problem-details", [])
        assert report.source == f"GET {url}"
