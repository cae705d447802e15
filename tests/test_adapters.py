"""requests and httpx responses are checked as they are, through the HTTPResponse protocol
(real libraries: a local server on 127.0.0.1 for requests, httpx's own MockTransport)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import httpx
import pytest
import requests

import errspec

from .conftest import QuietHandler, serve


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
