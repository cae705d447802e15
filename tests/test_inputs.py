"""Reading responses: records, NDJSON, raw HTTP, HAR; and every kind of bad input.

Bad input errspec cannot read is one line and exit code 2; a broken *body* is a
`body-not-json` finding, because then it is the response that is wrong.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft6Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

import errspec
from errspec._cli import cli
from errspec._inputs import ReadOptions, parse_http, read_responses

from .conftest import shared_path

PROBLEM = b'{"type":"about:blank","title":"Not Found","status":404}'


def run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, args, input=stdin)


def one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("errspec: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output


# --- raw HTTP --------------------------------------------------------------------------


def http(status_line: str, headers: dict[str, str], body: bytes, eol: str = "\r\n") -> bytes:
    head = eol.join([status_line, *(f"{k}: {v}" for k, v in headers.items())])
    return head.encode() + (eol * 2).encode() + body


def test_http11_crlf() -> None:
    data = http("HTTP/1.1 404 Not Found", {"Content-Type": "application/problem+json"}, PROBLEM)
    (r,) = parse_http(data, "x", ReadOptions())
    assert (r.status, r.media_type, r.body["title"]) == (
        404,
        "application/problem+json",
        "Not Found",
    )


def test_http2_status_line_and_lf_only() -> None:
    data = http("HTTP/2 404", {"content-type": "application/problem+json"}, PROBLEM, eol="\n")
    (r,) = parse_http(data, "x", ReadOptions())
    assert r.status == 404
    assert r.header("Content-Type") == "application/problem+json"


def test_curl_follow_redirects_checks_the_last_or_all() -> None:
    redirect = http("HTTP/1.1 302 Found", {"Location": "/tasks/2", "Content-Length": "0"}, b"")
    cont = http("HTTP/1.1 100 Continue", {}, b"")
    final = http("HTTP/1.1 404 Not Found", {"Content-Type": "application/problem+json"}, PROBLEM)
    data = cont + redirect + final
    (last,) = parse_http(data, "curl.txt", ReadOptions())
    assert last.status == 404
    every = parse_http(data, "curl.txt", ReadOptions(all_responses=True))
    assert [r.status for r in every] == [100, 302, 404]
    assert [r.source for r in every] == ["curl.txt#1", "curl.txt#2", "curl.txt#3"]


def test_content_length_cuts_the_body() -> None:
    data = http("HTTP/1.1 404 Not Found", {"Content-Length": str(len(PROBLEM))}, PROBLEM + b"junk")
    (r,) = parse_http(data, "x", ReadOptions())
    assert r.body["status"] == 404


def test_gzip_and_charset_and_bom() -> None:
    gz = http(
        "HTTP/1.1 404 Not Found",
        {"Content-Type": "application/problem+json", "Content-Encoding": "gzip"},
        gzip.compress(PROBLEM),
    )
    assert parse_http(gz, "x", ReadOptions())[0].body["status"] == 404
    latin = http(
        "HTTP/1.1 404 Not Found",
        {"Content-Type": "application/json; charset=iso-8859-1"},
        '{"error":"not_found","message":"Café"}'.encode("latin-1"),
    )
    assert parse_http(latin, "x", ReadOptions())[0].body["message"] == "Café"
    bom = http("HTTP/1.1 404 Not Found", {}, b"\xef\xbb\xbf" + PROBLEM)
    assert parse_http(bom, "x", ReadOptions())[0].body["status"] == 404
    utf16 = http("HTTP/1.1 404 Not Found", {}, PROBLEM.decode().encode("utf-16"))
    assert parse_http(utf16, "x", ReadOptions())[0].body["status"] == 404


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"error":"not_found","message":"caf\xe9"}', "not valid UTF-8 (byte 35)"),
        (b'{"status": NaN}', "NaN is not valid JSON"),
        (b'{"status": 404, "status": 500}', "duplicate key 'status'"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"<html>oops</html>", "not JSON"),
        (b"", "the body is empty"),
    ],
)
def test_broken_bodies_are_body_not_json_findings(body: bytes, problem: str) -> None:
    data = http("HTTP/1.1 500 Internal Server Error", {"Content-Type": "application/json"}, body)
    (r,) = parse_http(data, "x", ReadOptions())
    assert r.body is errspec.NO_BODY
    assert r.body_problem is not None
    assert problem in r.body_problem
    report = errspec.check_response(r, "aurion")
    assert "body-not-json" in report.rules()


def test_body_over_the_limit_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "big.http"
    path.write_bytes(http("HTTP/1.1 500 Oops", {"Content-Type": "application/json"}, b" " * 2048))
    one_line_error(run(["check", str(path), "--max-body", "1024"]), "big.http", "over the limit")
    assert run(["check", str(path), "--max-body", "4096"]).exit_code == 1  # read, then judged


# --- records, NDJSON, arrays -------------------------------------------------------------


def test_record_array_and_ndjson(tmp_path: Path) -> None:
    records = [
        {
            "status": 404,
            "headers": {"Content-Type": "application/json"},
            "body": {"error": "not_found", "message": "gone"},
        },
        {"status": 200, "headers": {}, "body": {"id": 1}},
        {
            "status": 409,
            "headers": {"Content-Type": "application/json"},
            "body": {"error": "not_found", "message": "gone"},
        },
    ]
    array = tmp_path / "records.json"
    array.write_text(json.dumps(records))
    assert [r.status for r in read_responses(str(array), ReadOptions())] == [404, 200, 409]
    nd = tmp_path / "records.ndjson"
    nd.write_text("\n".join(json.dumps(r) for r in records[:2]) + "\n\n" + json.dumps(records[2]))
    got = list(read_responses(str(nd), ReadOptions(errors_only=True)))
    assert [(r.source, r.status) for r in got] == [(f"{nd}:1", 404), (f"{nd}:4", 409)]
    result = run(["check", str(nd), "--envelope", "aurion"])
    assert result.exit_code == 1
    assert f"{nd}:4: error code-status-mismatch" in result.output


def test_ndjson_bad_line_names_the_line(tmp_path: Path) -> None:
    nd = tmp_path / "bad.ndjson"
    nd.write_text('{"status": 404, "body": {}}\n{"status": 404, "body": {"a": NaN}}\n')
    one_line_error(run(["check", str(nd)]), "bad.ndjson:2", "NaN is not valid JSON")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"hello world", "neither a response record, NDJSON, HAR nor HTTP text"),
        (b'{"headers": {}}', "neither a response record (no 'status') nor a HAR file"),
        (b'{"log": {"version": "1.2"}}', "not a HAR file (no log.entries array)"),
        (b'{"log": {"entries": [{"request": {}}]}}', "not a HAR entry (no response.status)"),
        (b"HTTP/1.1 abc\r\n\r\n{}", "no HTTP status line"),
        (b'{"status": "404", "body": {}}', "integer 'status'"),
        (b'{"status": 404, "body": {}, "body_text": "x"}', "not both"),
        (b'{"status": 404, "body": {"a": 1, "a": 2}}', "duplicate key 'a'"),
        (b'{"status": 404, "body": {"x": NaN}}', "NaN is not valid JSON"),
        (b'{"status": 404, "body": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        (b'{"status": 404, "body": "caf\xe9"}', "not valid UTF-8"),
        (b'{"status": 404,', "invalid JSON"),
    ],
)
def test_unreadable_inputs_exit_2_with_one_line(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    one_line_error(run(["check", str(path)]), "input.json", fragment)
    assert path.read_bytes() == content  # errspec never writes to what it reads


def test_directory_dev_zero_and_missing_file(tmp_path: Path) -> None:
    one_line_error(run(["check", str(tmp_path)]), "is a directory")
    one_line_error(run(["check", "/dev/zero"]), "/dev/zero", "not a regular file")
    one_line_error(run(["check", str(tmp_path / "absent.json")]), "No such file")


def test_stdin(tmp_path: Path) -> None:
    data = http("HTTP/1.1 404 Not Found", {"Content-Type": "application/json"}, PROBLEM)
    result = run(["check", "-"], stdin=data)
    assert result.exit_code == 0  # a warning: below the default --fail-on error
    assert "<stdin>: warning media-type Content-Type is application/json" in result.output
    assert run(["check", "--fail-on", "warning"], stdin=data).exit_code == 1  # no PATH: stdin


# --- HAR -------------------------------------------------------------------------------


def har_entry(status: int, body: bytes, mime: str, *, b64: bool = False, url: str = "/x") -> dict:
    content = {"size": len(body), "mimeType": mime}
    if b64:
        content.update(text=base64.b64encode(body).decode(), encoding="base64")
    else:
        content["text"] = body.decode()
    return {
        "startedDateTime": "2026-11-22T00:00:00.000Z",
        "time": 1,
        "request": {
            "method": "GET",
            "url": f"https://api.example.com{url}",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "queryString": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": "Content-Type", "value": mime}],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 1, "receive": 0},
    }


def har_document() -> dict:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "test", "version": "1"},
            "entries": [
                har_entry(200, b'{"id": 1}', "application/json", url="/tasks/1"),
                har_entry(404, PROBLEM, "application/problem+json", b64=True, url="/tasks/2"),
                har_entry(
                    429, b'{"error":"rate_limit_exceeded","message":"slow"}', "application/json"
                ),
            ],
        }
    }


def test_har_fixture_is_valid_har() -> None:
    folder = shared_path("standards", "har-schema")
    resources = []
    for path in folder.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(schema, default_specification=DRAFT6)))
    registry = Registry().with_resources(resources)
    validator = Draft6Validator({"$ref": "har.json"}, registry=registry)
    assert list(validator.iter_errors(har_document())) == []


def test_har_entries_errors_only_and_base64(tmp_path: Path) -> None:
    path = tmp_path / "traffic.har"
    path.write_text(json.dumps(har_document()))
    every = list(read_responses(str(path), ReadOptions()))
    assert [r.status for r in every] == [200, 404, 429]
    errors = list(read_responses(str(path), ReadOptions(errors_only=True)))
    assert [(r.source, r.method, r.url) for r in errors] == [
        (f"{path}#entries/1", "GET", "https://api.example.com/tasks/2"),
        (f"{path}#entries/2", "GET", "https://api.example.com/x"),
    ]
    assert errors[0].body["title"] == "Not Found"
    result = run(["check", str(path), "--errors-only", "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [r["envelope"] for r in doc["results"]] == ["problem-details", "error-string"]
    assert doc["results"][1]["findings"][0]["rule"] == "retry-after-missing"
    assert doc["summary"] == {
        "responses": 2,
        "conforming": 1,
        "errors": 1,
        "warnings": 0,
        "rules": {"retry-after-missing": 1},
    }


def test_har_bad_base64(tmp_path: Path) -> None:
    doc = har_document()
    doc["log"]["entries"][1]["response"]["content"]["text"] = "***"
    path = tmp_path / "bad.har"
    path.write_text(json.dumps(doc))
    one_line_error(run(["check", str(path)]), "bad.har#entries/1", "not valid base64")


def test_empty_input(tmp_path: Path) -> None:
    one_line_error(run(["check", "-"], stdin=b""), "<stdin>: empty input")
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"  \n")
    one_line_error(run(["check", str(empty)]), "empty.json: empty input")


def test_a_missing_path_fails_before_any_output(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"status": 404, "body": {"title": "Not Found"}}))
    result = run(["check", str(good), str(tmp_path / "missing.json"), "--format", "json"])
    one_line_error(result, "missing.json")
    assert result.stdout == ""
