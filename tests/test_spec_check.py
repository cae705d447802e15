"""Spec-aware checking: a response against what its operation documents (status, media
type, declared schema, required headers), operations matched by method and URL, and the
CLI's --spec/--operation."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

import errspec
from errspec._cli import cli

from .conftest import REPO, QuietHandler, serve

SPEC_31 = """\
openapi: 3.1.0
info: {title: Tasks, version: '1'}
servers:
  - url: https://api.example.com/{version}
    variables:
      version: {default: v1}
  - url: /internal
paths:
  /tasks:
    get:
      operationId: listTasks
      responses:
        '200':
          description: Tasks
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Task'}}
        '4XX': {$ref: '#/components/responses/Problem'}
  /tasks/mine:
    get:
      responses:
        '200': {description: Mine, content: {application/json: {schema: {type: array}}}}
        default: {$ref: '#/components/responses/Problem'}
  /tasks/{id}:
    get:
      operationId: getTask
      responses:
        '200':
          description: The task
          headers:
            ETag: {required: true, schema: {type: string}}
            X-Trace: {schema: {type: string}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Task'}
        '404': {$ref: '#/components/responses/Problem'}
        '429':
          description: Slow down
          headers:
            Retry-After: {$ref: '#/components/headers/RetryAfter'}
          content:
            application/problem+json:
              schema: {$ref: 'problem.yaml#/Problem'}
    delete:
      responses:
        '204': {description: Deleted}
        '404': {$ref: '#/components/responses/Problem'}
components:
  headers:
    RetryAfter: {required: true, schema: {type: integer}}
  responses:
    Problem:
      description: A problem
      content:
        application/problem+json:
          schema: {$ref: 'problem.yaml#/Problem'}
  schemas:
    Task:
      type: object
      required: [id, title]
      properties:
        id: {type: string}
        title: {type: string}
        due: {type: ['string', 'null']}
"""

PROBLEM = """\
Problem:
  type: object
  properties:
    type: {type: string}
    title: {type: string}
    status: {type: integer, minimum: 400}
"""

PROBLEM_HEADERS = {"Content-Type": "application/problem+json"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def spec_path(tmp_path: Path) -> Path:
    (tmp_path / "problem.yaml").write_text(PROBLEM, encoding="utf-8")
    path = tmp_path / "openapi.yaml"
    path.write_text(SPEC_31, encoding="utf-8")
    return path


def _found(report: errspec.Report) -> list[tuple[str, str]]:
    return [(f.rule, f.pointer) for f in report.findings]


def _task(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> dict:
    return {
        "status": status,
        "headers": {"ETag": '"1"', **JSON} if headers is None else headers,
        "body": {"id": "1", "title": "Write"} if body is None else body,
    }


# --- statuses ----------------------------------------------------------------------------


def test_a_documented_exact_status_conforms(spec_path: Path) -> None:
    report = errspec.check_response(_task(), spec=spec_path, operation=("GET", "/tasks/{id}"))
    assert report.findings == ()
    assert report.operation == "GET /tasks/{id}"


def test_an_undocumented_status_is_reported_with_the_documented_ones(spec_path: Path) -> None:
    record = {"status": 418, "headers": PROBLEM_HEADERS, "body": {"title": "x", "status": 418}}
    report = errspec.check_response(record, "problem-details", spec=spec_path, operation="getTask")
    assert _found(report) == [("status-undocumented", "")]
    assert report.findings[0].message == (
        "HTTP 418 is not documented for GET /tasks/{id} (documented: 200, 404, 429)"
    )


def test_a_range_and_default_document_the_status(spec_path: Path) -> None:
    problem = {"status": 409, "headers": PROBLEM_HEADERS, "body": {"title": "Conflict"}}
    assert _found(errspec.check_response(problem, spec=spec_path, operation="listTasks")) == []
    # 5xx is outside the 4XX range: undocumented for listTasks, documented by `default`.
    server = {"status": 503, "headers": PROBLEM_HEADERS, "body": {"title": "Down"}}
    report = errspec.check_response(server, spec=spec_path, operation="listTasks")
    assert _found(report) == [("status-undocumented", "")]
    assert _found(errspec.check_response(server, spec=spec_path, operation="GET /tasks/mine")) == []


def test_the_most_specific_response_wins(spec_path: Path) -> None:
    """404 has its own response; its schema (minimum 400) applies, not 200's."""
    record = {
        "status": 404,
        "headers": PROBLEM_HEADERS,
        "body": {"title": "Not Found", "status": 4},
    }
    report = errspec.check_response(record, spec=spec_path, operation="getTask")
    assert ("declared-schema", "/status") in _found(report)


# --- media types -------------------------------------------------------------------------


def test_an_undocumented_media_type(spec_path: Path) -> None:
    record = _task(headers={"ETag": "x", "Content-Type": "text/plain"})
    report = errspec.check_response(record, spec=spec_path, operation="getTask")
    assert _found(report) == [("media-type-undocumented", "header:Content-Type")]
    assert "text/plain is not documented for 200 of GET /tasks/{id}" in report.findings[0].message


def test_media_type_parameters_and_case_do_not_matter(spec_path: Path) -> None:
    record = _task(headers={"ETag": "x", "Content-Type": "Application/JSON; charset=utf-8"})
    assert _found(errspec.check_response(record, spec=spec_path, operation="getTask")) == []


def test_media_ranges_document_their_types(tmp_path: Path) -> None:
    spec = _get_a(
        tmp_path,
        """
        '200': {description: ok, content: {'application/*': {schema: {type: object}}}}
        '400': {description: bad, content: {'*/*': {}}}
        """,
        openapi="3.0.3",
    )
    ok = {"status": 200, "headers": {"Content-Type": "application/xml"}, "body_text": "<a/>"}
    assert _found(errspec.check_response(ok, spec=spec, operation="GET /a")) == []
    text = {"status": 200, "headers": {"Content-Type": "text/plain"}, "body_text": "a"}
    report = errspec.check_response(text, spec=spec, operation="GET /a")
    assert _found(report) == [("media-type-undocumented", "header:Content-Type")]
    anything = {"status": 400, "headers": {"Content-Type": "text/html"}, "body_text": "<p>"}
    assert (
        "media-type-undocumented"
        not in errspec.check_response(anything, spec=spec, operation="GET /a").rules()
    )


def test_a_body_where_none_is_documented(spec_path: Path) -> None:
    record = {"status": 204, "headers": JSON, "body": {"deleted": True}}
    report = errspec.check_response(record, spec=spec_path, operation="DELETE /tasks/{id}")
    assert _found(report) == [("media-type-undocumented", "header:Content-Type")]
    assert "204 of DELETE /tasks/{id} documents no content" in report.findings[0].message
    empty = {"status": 204, "headers": {}, "body_text": None}
    assert (
        _found(errspec.check_response(empty, spec=spec_path, operation="DELETE /tasks/{id}")) == []
    )


def test_a_body_without_content_type(spec_path: Path) -> None:
    record = {"status": 200, "headers": {"ETag": "x"}, "body": {"id": "1", "title": "t"}}
    report = errspec.check_response(record, spec=spec_path, operation="getTask")
    assert _found(report) == [("media-type-undocumented", "header:Content-Type")]
    assert report.findings[0].message.startswith("the response has no Content-Type")


# --- declared schema -----------------------------------------------------------------------


def test_declared_schema_findings_point_into_the_body(spec_path: Path) -> None:
    record = _task(body={"id": 7, "due": 3})
    report = errspec.check_response(record, spec=spec_path, operation="getTask")
    assert _found(report) == [
        ("declared-schema", ""),
        ("declared-schema", "/due"),
        ("declared-schema", "/id"),
    ]
    assert report.findings[0].message == (
        "does not match the schema documented for 200 of GET /tasks/{id}: "
        "'title' is a required property"
    )


def test_declared_schema_through_a_ref_to_another_file(spec_path: Path) -> None:
    record = {"status": 404, "headers": PROBLEM_HEADERS, "body": {"title": 404}}
    report = errspec.check_response(record, "problem-details", spec=spec_path, operation="getTask")
    assert ("declared-schema", "/title") in _found(report)
    # the envelope's own rules run too: title must be a string for problem details
    assert ("envelope-schema", "/title") in _found(report)


def test_declared_schema_findings_are_capped(tmp_path: Path) -> None:
    spec = _get_a(
        tmp_path,
        """
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
        """,
    )
    record = {"status": 200, "headers": JSON, "body": list(range(25))}
    report = errspec.check_response(record, spec=spec, operation="GET /a")
    assert report.rules() == ["declared-schema"] * 11
    assert report.findings[-1].message == "… and 15 more schema errors"


def test_openapi_30_nullable_and_read_only(tmp_path: Path) -> None:
    spec = _get_a(
        tmp_path,
        """
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: string, readOnly: true}
                  due: {type: string, nullable: true}
        """,
        openapi="3.0.3",
    )
    ok = {"status": 200, "headers": JSON, "body": {"id": "1", "due": None}}
    assert _found(errspec.check_response(ok, spec=spec, operation="GET /a")) == []
    bad = {"status": 200, "headers": JSON, "body": {"due": 5}}
    assert _found(errspec.check_response(bad, spec=spec, operation="GET /a")) == [
        ("declared-schema", ""),
        ("declared-schema", "/due"),
    ]


def test_swagger_20_schema_and_produces(tmp_path: Path) -> None:
    spec = _write(
        tmp_path,
        """
        swagger: '2.0'
        info: {title: t, version: '1'}
        basePath: /api
        produces: [application/json]
        paths:
          /things/{id}:
            get:
              parameters: [{name: id, in: path, required: true, type: string}]
              responses:
                '200': {description: ok, schema: {$ref: '#/definitions/Thing'}}
                '404': {description: missing, schema: {$ref: '#/definitions/Error'}}
        definitions:
          Thing: {type: object, required: [id], properties: {id: {type: string}}}
          Error: {type: object, required: [code, message],
                  properties: {code: {type: string}, message: {type: string}}}
        """,
    )
    record = {
        "status": 404,
        "headers": JSON,
        "body": {"code": "NOT_FOUND"},
        "request": {"method": "get", "url": "http://localhost:8080/api/things/9"},
    }
    report = errspec.check_response(record, "code-message", spec=spec)
    assert report.operation == "GET /things/{id}"
    assert ("declared-schema", "") in _found(report)
    html = {**record, "headers": {"Content-Type": "text/html"}, "body_text": "<p>"}
    del html["body"]
    assert ("media-type-undocumented", "header:Content-Type") in _found(
        errspec.check_response(html, "code-message", spec=spec)
    )


# --- headers -------------------------------------------------------------------------------


def test_a_required_declared_header_is_missing(spec_path: Path) -> None:
    record = _task(headers=JSON)
    report = errspec.check_response(record, spec=spec_path, operation="getTask")
    assert _found(report) == [("declared-header-missing", "header:ETag")]
    assert report.findings[0].message == (
        "200 of GET /tasks/{id} documents the required header ETag, which is missing"
    )


def test_required_headers_through_refs_and_any_case(spec_path: Path) -> None:
    limited = {
        "status": 429,
        "headers": PROBLEM_HEADERS,
        "body": {"type": "about:blank", "title": "Too Many Requests", "status": 429},
    }
    report = errspec.check_response(limited, spec=spec_path, operation="getTask")
    assert ("declared-header-missing", "header:Retry-After") in _found(report)
    limited["headers"] = {**PROBLEM_HEADERS, "retry-after": "5"}
    report = errspec.check_response(limited, spec=spec_path, operation="getTask")
    assert "declared-header-missing" not in report.rules()


def test_header_rules_are_skipped_when_headers_were_not_recorded(spec_path: Path) -> None:
    record = {"status": 200, "body": {"id": "1", "title": "t"}}
    assert _found(errspec.check_response(record, spec=spec_path, operation="getTask")) == []


# --- matching requests to operations -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "operation"),
    [
        ("GET", "https://api.example.com/v1/tasks/42", "GET /tasks/{id}"),
        ("get", "https://api.example.com/v1/tasks/42?fields=id#top", "GET /tasks/{id}"),
        ("GET", "http://127.0.0.1:8000/tasks/42", "GET /tasks/{id}"),
        ("GET", "/internal/tasks", "GET /tasks"),
        ("GET", "/tasks/mine", "GET /tasks/mine"),  # concrete before templated
        ("GET", "/v1/tasks/mine", "GET /tasks/mine"),
        ("DELETE", "/tasks/a%2Fb", "DELETE /tasks/{id}"),
    ],
)
def test_requests_are_matched_to_operations(
    spec_path: Path, method: str, url: str, operation: str
) -> None:
    spec = errspec.load_spec(spec_path)
    matched = spec.match(method, url)
    assert matched is not None
    assert str(matched) == operation


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/tasks"),  # no such method
        ("GET", "/tasks/1/comments"),  # a parameter is one segment
        ("GET", "/v2/tasks/1/x"),
        ("GET", None),
        (None, "/tasks"),
    ],
)
def test_unmatched_requests(spec_path: Path, method: str | None, url: str | None) -> None:
    assert errspec.load_spec(spec_path).match(method, url) is None


def test_an_unmatched_response_is_reported_not_checked(spec_path: Path) -> None:
    record = {**_task(), "request": {"method": "POST", "url": "/tasks"}}
    report = errspec.check_response(record, spec=spec_path)
    assert _found(report) == [("operation-unmatched", "")]
    assert report.findings[0].severity == "warning"
    assert report.findings[0].message == "POST /tasks matches no operation in openapi.yaml"
    bare = errspec.check_response(_task(), spec=spec_path)
    assert _found(bare) == [("operation-unmatched", "")]
    assert "records no request" in bare.findings[0].message


def test_operation_forms(spec_path: Path) -> None:
    spec = errspec.load_spec(spec_path)
    op = spec.operation("GET", "/tasks/{id}")
    assert spec.operation("get /tasks/{id}") is op
    assert spec.operation(("GET", "/tasks/{id}")) is op
    assert spec.operation("getTask") is op
    assert errspec.check_response(_task(), spec=spec, operation=op).operation == str(op)


def test_unknown_operations_name_the_near_ones(spec_path: Path) -> None:
    spec = errspec.load_spec(spec_path)
    with pytest.raises(errspec.InputError, match=r"no operation GET /task/\{id\}; did you mean"):
        spec.operation("GET /task/{id}")
    with pytest.raises(errspec.InputError, match="no operation with operationId 'getTasks'"):
        spec.operation("getTasks")
    with pytest.raises(TypeError, match="operation= needs spec="):
        errspec.check_response(_task(), operation="getTask")


def test_the_spec_envelope_is_used_when_auto(spec_path: Path) -> None:
    """No envelope given: the spec's errors are problem details, so a body in another
    envelope is judged as problem details (detection would have accepted it)."""
    record = {
        "status": 404,
        "headers": JSON,
        "body": {"error": {"code": "NotFound", "message": "no task"}},
        "request": {"method": "GET", "url": "/tasks/1"},
    }
    assert errspec.load_spec(spec_path).envelope is not None
    report = errspec.check_response(record, spec=spec_path)
    assert report.envelope == "problem-details"
    assert errspec.check_response(record).envelope == "odata"


def test_load_spec_is_cached_until_the_file_changes(spec_path: Path) -> None:
    first = errspec.load_spec(spec_path)
    assert errspec.load_spec(spec_path) is first
    spec_path.write_text(SPEC_31.replace("listTasks", "listAll"), encoding="utf-8")
    second = errspec.load_spec(spec_path)
    assert second is not first
    assert str(second.operation("listAll")) == "GET /tasks"


def test_load_spec_sees_a_change_in_a_reffed_file(spec_path: Path) -> None:
    """The cache is keyed by every file the spec has read, not the root alone: an edit of
    the shared problem.yaml is seen (a stale spec was served before)."""
    problem = {"status": 404, "headers": PROBLEM_HEADERS, "body": {"status": 404}}
    first = errspec.load_spec(spec_path)
    assert _found(errspec.check_response(problem, spec=first, operation="GET /tasks/{id}")) == []
    assert errspec.load_spec(spec_path) is first
    shared = spec_path.parent / "problem.yaml"
    shared.write_text(PROBLEM.replace("minimum: 400", "minimum: 500"), encoding="utf-8")
    second = errspec.load_spec(spec_path)
    assert second is not first
    found = _found(errspec.check_response(problem, spec=second, operation="GET /tasks/{id}"))
    assert found == [("declared-schema", "/status")]


def test_load_spec_sees_an_edit_of_the_same_size(spec_path: Path) -> None:
    """Same size, other content: the modification time alone says it changed."""
    first = errspec.load_spec(spec_path)
    text = spec_path.read_text(encoding="utf-8")
    stamp = spec_path.stat().st_mtime_ns
    spec_path.write_text(text.replace("listTasks", "listTaskz"), encoding="utf-8")
    os.utime(spec_path, ns=(stamp + 10**9, stamp + 10**9))
    second = errspec.load_spec(spec_path)
    assert second is not first
    assert str(second.operation("listTaskz")) == "GET /tasks"


def test_an_unusable_spec_is_an_input_error(tmp_path: Path) -> None:
    broken = _get_a(
        tmp_path,
        """
        '404': {$ref: '#/components/responses/Nope'}
        '400':
          description: bad
          content:
            application/json:
              schema: {allOf: [{$ref: 'https://example.com/schema.json'}]}
        '409':
          description: conflict
          content:
            application/json: {schema: {$ref: '../outside.yaml#/X'}}
        """,
    )
    (tmp_path.parent / "outside.yaml").write_text("X: {type: object}\n", encoding="utf-8")

    def check(status: int) -> None:
        record = {"status": status, "headers": JSON, "body": {"a": 1}}
        errspec.check_response(record, spec=broken, operation="GET /a")

    with pytest.raises(
        errspec.InputError, match=r"openapi.yaml:\d+:\d+: \$ref .* points to nothing"
    ):
        check(404)
    with pytest.raises(errspec.InputError, match="does not fetch URLs unless asked"):
        check(400)
    with pytest.raises(errspec.InputError, match="outside the spec's folder"):
        check(409)
    allowed = errspec.load_spec(broken, allow_outside_refs=True)
    record = {"status": 409, "headers": JSON, "body": {"a": 1}}
    # the outside schema is read and the body matches it; the body is no error envelope
    assert _found(errspec.check_response(record, spec=allowed, operation="GET /a")) == [
        ("envelope-unknown", "")
    ]
    with pytest.raises(errspec.InputError, match="not an OpenAPI document"):
        errspec.load_spec(_write(tmp_path / "x", "a: 1\n"))


# --- a real HTTP response ------------------------------------------------------------------


class _TaskHandler(QuietHandler):
    def do_GET(self) -> None:
        body = json.dumps({"type": "about:blank", "title": "Not Found", "status": 400}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_requests_response_is_matched_by_its_request(spec_path: Path) -> None:
    with serve(_TaskHandler) as url:
        response = requests.get(f"{url}/tasks/42", timeout=10)
    report = errspec.check_response(response, spec=spec_path)
    assert report.operation == "GET /tasks/{id}"
    assert report.envelope == "problem-details"
    assert _found(report) == [("status-mismatch", "/status")]


# --- the CLI -------------------------------------------------------------------------------


def _har(entries: list[tuple[str, str, int, str, str]]) -> dict:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "test", "version": "1"},
            "entries": [
                {
                    "request": {"method": method, "url": url, "headers": []},
                    "response": {
                        "status": status,
                        "headers": [{"name": "Content-Type", "value": ctype}],
                        "content": {"mimeType": ctype, "text": text},
                    },
                }
                for method, url, status, ctype, text in entries
            ],
        }
    }


def test_cli_matches_har_entries_to_operations(spec_path: Path, tmp_path: Path) -> None:
    har = tmp_path / "traffic.har"
    problem = "application/problem+json"
    har.write_text(
        json.dumps(
            _har(
                [
                    (
                        "GET",
                        "https://api.example.com/v1/tasks/1",
                        404,
                        problem,
                        '{"title": "Not Found", "status": 404}',
                    ),
                    (
                        "GET",
                        "https://api.example.com/v1/tasks/2",
                        500,
                        problem,
                        '{"title": "Oops", "status": 500}',
                    ),
                    (
                        "GET",
                        "https://api.example.com/v1/nothing",
                        404,
                        problem,
                        '{"title": "Not Found", "status": 404}',
                    ),
                ]
            )
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", str(har), "--spec", str(spec_path)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"{har}#entries/1: error status-undocumented HTTP 500 is not documented for "
        "GET /tasks/{id} (documented: 200, 404, 429)"
    )
    assert lines[1] == (
        f"{har}#entries/2: warning operation-unmatched GET https://api.example.com/v1/nothing "
        "matches no operation in openapi.yaml"
    )
    assert lines[-1] == "3 responses checked: 2 conform, 1 do not (1 error, 1 warning)"


def test_cli_json_names_the_operation(spec_path: Path, tmp_path: Path) -> None:
    record = tmp_path / "r.json"
    record.write_text(json.dumps(_task(body={"id": "1"})), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "check",
            str(record),
            "--spec",
            str(spec_path),
            "--operation",
            "GET /tasks/{id}",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    out = json.loads(result.output)
    assert out["results"][0]["operation"] == "GET /tasks/{id}"
    assert [(f["rule"], f["pointer"]) for f in out["results"][0]["findings"]] == [
        ("declared-schema", "")
    ]
    plain = CliRunner().invoke(cli, ["check", str(record), "--format", "json"])
    assert json.loads(plain.output)["results"][0]["operation"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--operation", "getTask"], "errspec: error: --operation needs --spec"),
        (["--spec", "{spec}", "--operation", "GET /nope"], "no operation GET /nope"),
        (["--spec", "{missing}"], "nope.yaml: No such file or directory"),
        (["--spec", "{record}"], "not an OpenAPI document"),
    ],
)
def test_cli_usage_errors_exit_2_in_one_line(
    spec_path: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    record = tmp_path / "r.json"
    record.write_text(json.dumps(_task()), encoding="utf-8")
    names = {"spec": str(spec_path), "missing": str(tmp_path / "nope.yaml"), "record": str(record)}
    argv = ["check", str(record), *(a.format(**names) for a in args)]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output


def test_the_worked_example_spec_checks_the_recorded_responses() -> None:
    """examples/: the recorded 404 with the wrong status, against the example spec."""
    examples = REPO / "examples"
    record = examples / "responses" / "get-task-404-wrong-status.json"
    report = errspec.check_response(
        json.loads(record.read_text(encoding="utf-8")),
        spec=examples / "openapi.yaml",
        operation="getTask",
    )
    assert _found(report) == [("status-mismatch", "/status")]


def _get_a(folder: Path, responses: str, openapi: str = "3.1.0") -> Path:
    """A spec with one operation, GET /a, whose ``responses`` are the YAML given."""
    body = textwrap.indent(textwrap.dedent(responses).strip(), " " * 8)
    head = f"openapi: {openapi}\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get:\n"
    return _write(folder, f"{head}      responses:\n{body}\n")


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "openapi.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_ref_cycles_are_input_errors_and_recursive_schemas_work(tmp_path: Path) -> None:
    spec = _write(
        tmp_path,
        """
        openapi: 3.1.0
        info: {title: t, version: '1'}
        paths:
          /loop:
            get:
              responses:
                '200':
                  description: ok
                  content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}
                '404': {$ref: '#/components/responses/B'}
          /tree:
            get:
              responses:
                '200':
                  description: ok
                  content: {application/json: {schema: {$ref: '#/components/schemas/Tree'}}}
        components:
          responses:
            B: {$ref: '#/components/responses/C'}
            C: {$ref: '#/components/responses/B'}
          schemas:
            A: {$ref: '#/components/schemas/A2'}
            A2: {$ref: '#/components/schemas/A'}
            Tree:
              type: object
              properties:
                name: {type: string}
                child: {$ref: '#/components/schemas/Tree'}
        """,
    )

    def record(status: int, body: Any) -> dict:
        return {"status": status, "headers": JSON, "body": body}

    with pytest.raises(errspec.InputError, match=r"openapi.yaml:\d+:\d+: \$ref cycle through"):
        errspec.check_response(record(200, {}), spec=spec, operation="GET /loop")
    with pytest.raises(errspec.InputError, match=r"\$ref cycle through '#/components/responses/"):
        errspec.check_response(record(404, {}), spec=spec, operation="GET /loop")
    tree = {"name": "a", "child": {"name": "b", "child": {"name": 3}}}
    report = errspec.check_response(record(200, tree), spec=spec, operation="GET /tree")
    assert _found(report) == [("declared-schema", "/child/child/name")]

    def nested(depth: int) -> tuple[dict[str, Any], dict[str, Any]]:
        top: dict[str, Any] = {}
        node = top
        for _ in range(depth):
            node["child"] = {}
            node = node["child"]
        return top, node

    # valid: passed by the compiled validator, however deep errspec checks (MAX_DEPTH)
    deep, bottom = nested(900)
    assert _found(errspec.check_response(record(200, deep), spec=spec, operation="GET /tree")) == []
    bottom["name"] = 3  # invalid at the bottom: found, too deep for jsonschema to say where
    report = errspec.check_response(record(200, deep), spec=spec, operation="GET /tree")
    assert _found(report) == [("declared-schema", "")]
    assert report.findings[0].message.endswith("too deeply for errspec to say where")
    # deeper than errspec checks: a finding that says so, never a silent pass
    deeper, _ = nested(5000)
    report = errspec.check_response(record(200, deeper), spec=spec, operation="GET /tree")
    assert _found(report) == [("declared-schema", "")]
    assert "nests more than 1000 levels deep" in report.findings[0].message


def test_cli_matches_ndjson_records_by_their_request(spec_path: Path, tmp_path: Path) -> None:
    lines = [
        {**_task(), "request": {"method": "GET", "url": "https://api.example.com/v1/tasks/1"}},
        {**_task(body={"id": "1"}), "method": "GET", "url": "/tasks/1"},
        {**_task(), "request": {"method": "PATCH", "url": "/tasks/1"}},
    ]
    ndjson = tmp_path / "traffic.ndjson"
    ndjson.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(ndjson), "--spec", str(spec_path)])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[:2] == [
        f"{ndjson}:2: error declared-schema does not match the schema documented for 200 of "
        "GET /tasks/{id}: 'title' is a required property",
        f"{ndjson}:3: warning operation-unmatched PATCH /tasks/1 matches no operation in "
        "openapi.yaml",
    ]


def test_a_malformed_operation_argument_is_a_clear_type_error(spec_path: Path) -> None:
    with pytest.raises(TypeError, match=r"a \(method, path\) pair or an Operation, not \('GET',\)"):
        errspec.check_response(_task(), spec=spec_path, operation=("GET",))  # type: ignore[arg-type]


def test_paths_match_percent_decoded_and_per_operation_servers(tmp_path: Path) -> None:
    spec_file = _write(
        tmp_path,
        """
        openapi: 3.1.0
        info: {title: t, version: '1'}
        servers: [{url: 'https://h.example/a%20b'}]
        paths:
          /café/{id}:
            get:
              responses: {'200': {description: ok}}
          /reports:
            servers: [{url: 'https://reports.example/v2'}]
            get:
              responses: {'200': {description: ok}}
          /files/{name}.json:
            get:
              responses: {'200': {description: ok}}
          /files/{name}:
            get:
              responses: {'200': {description: ok}}
        """,
    )
    spec = errspec.load_spec(spec_file)

    def matched(method: str, url: str) -> str | None:
        op = spec.match(method, url)
        return str(op) if op else None

    assert matched("GET", "https://h.example/a%20b/caf%C3%A9/1") == "GET /café/{id}"
    assert matched("GET", "/café/1") == "GET /café/{id}"  # decoded already (werkzeug)
    assert matched("GET", "/caf%C3%A9/a%2Fb") == "GET /café/{id}"  # %2F stays in its segment
    assert matched("GET", "https://reports.example/v2/reports") == "GET /reports"
    assert matched("GET", "https://h.example/a%20b/reports") is None  # not its server
    assert matched("GET", "/files/x.json") == "GET /files/{name}.json"
    assert matched("GET", "/files/x.yaml") == "GET /files/{name}"
    assert matched("HEAD", "/files/x") == "GET /files/{name}"  # HEAD is GET without content
    assert matched("POST", "/files/x") is None


def test_responses_are_resolved_per_document(tmp_path: Path) -> None:
    """Two path items $ref'd from different files at the same pointer keep their own
    responses (a cache keyed by pointer alone mixed them up)."""
    for name, member in (("a", "from_a"), ("b", "from_b")):
        (tmp_path / f"{name}.yaml").write_text(
            "item:\n  get:\n    responses:\n      '404':\n        description: gone\n"
            "        content:\n          application/json:\n            schema:\n"
            f"              {{type: object, required: [{member}]}}\n",
            encoding="utf-8",
        )
    spec = _write(
        tmp_path,
        """
        openapi: 3.1.0
        info: {title: t, version: '1'}
        paths:
          /a: {$ref: 'a.yaml#/item'}
          /b: {$ref: 'b.yaml#/item'}
        """,
    )
    for path, member in (("/a", "from_a"), ("/b", "from_b"), ("/a", "from_a")):
        record = {"status": 404, "headers": JSON, "body": {member: 1}}
        report = errspec.check_response(record, "odata", spec=spec, operation=f"GET {path}")
        assert "declared-schema" not in report.rules(), (path, report.findings)


def test_a_success_body_is_not_an_error_body_because_of_the_spec(spec_path: Path) -> None:
    """The spec's envelope is inferred, not named: a 200 whose members happen to look like
    a problem (`type`, `title`) is judged as detection would judge it."""
    record = _task(body={"id": "t1", "title": "Write", "type": "bug", "status": 2})
    report = errspec.check_response(record, spec=spec_path, operation="getTask")
    assert report.findings == ()
    named = errspec.check_response(record, "problem-details", spec=spec_path, operation="getTask")
    assert "error-with-success-status" in named.rules()


def test_a_record_with_a_non_string_request_is_an_input_error(spec_path: Path) -> None:
    for record in (
        {**_task(), "method": 5, "url": "/tasks/1"},
        {**_task(), "request": {"method": ["GET"], "url": "/tasks/1"}},
        {**_task(), "request": "GET /tasks/1"},
    ):
        with pytest.raises(errspec.InputError, match="request"):
            errspec.check_response(record, spec=spec_path)


def test_a_spec_loaded_by_a_relative_path_survives_a_chdir(
    spec_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(spec_path.parent)
    record = {"status": 404, "headers": PROBLEM_HEADERS, "body": {"title": "Not Found"}}
    errspec.check_response(record, spec="openapi.yaml", operation="getTask")
    monkeypatch.chdir(spec_path.parent.parent)
    report = errspec.check_response(_task(body={"id": 1}), spec=spec_path, operation="getTask")
    assert _found(report) == [("declared-schema", ""), ("declared-schema", "/id")]


def test_a_schema_looping_through_allof_is_named_as_such(tmp_path: Path) -> None:
    spec = _get_a(
        tmp_path,
        """
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}
        """,
        openapi="3.0.3",
    )
    text = spec.read_text(encoding="utf-8") + (
        "components:\n  schemas:\n"
        "    A: {allOf: [{$ref: '#/components/schemas/B'}]}\n"
        "    B: {allOf: [{$ref: '#/components/schemas/A'}]}\n"
    )
    spec.write_text(text, encoding="utf-8")
    record = {"status": 200, "headers": JSON, "body": {"a": 1}}
    with pytest.raises(errspec.InputError, match="the schema loops back on itself"):
        errspec.check_response(record, spec=spec, operation="GET /a")


def test_null_is_one_finding_and_swagger_x_nullable_counts(tmp_path: Path) -> None:
    openapi = _get_a(
        tmp_path / "oas30",
        """
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties: {due: {type: string}, note: {type: string, nullable: true}}
        """,
        openapi="3.0.3",
    )
    record = {"status": 200, "headers": JSON, "body": {"due": None, "note": None}}
    report = errspec.check_response(record, spec=openapi, operation="GET /a")
    assert _found(report) == [("declared-schema", "/due")]
    assert report.findings[0].message.endswith("None is not of type 'string'")
    swagger = _write(
        tmp_path / "swagger",
        """
        swagger: '2.0'
        info: {title: t, version: '1'}
        produces: [application/json]
        paths:
          /a:
            get:
              responses:
                '200':
                  description: ok
                  schema:
                    type: object
                    properties: {due: {type: string}, note: {type: string, x-nullable: true}}
        """,
    )
    report = errspec.check_response(record, spec=swagger, operation="GET /a")
    assert _found(report) == [("declared-schema", "/due")]


def test_media_type_parameters_in_content_keys_are_ignored(tmp_path: Path) -> None:
    """A `content` key with parameters (`; charset=utf-8`) documents its media type."""
    spec = _get_a(
        tmp_path,
        """
        '404':
          description: x
          content:
            'application/problem+json; charset=utf-8':
              schema: {type: object, required: [title]}
        """,
    )
    record = {"status": 404, "headers": PROBLEM_HEADERS, "body": {"status": 404}}
    found = _found(errspec.check_response(record, spec=spec, operation="GET /a"))
    assert found == [("declared-schema", "")]  # matched: the schema of that key applies


@pytest.mark.parametrize("key", ["4XX", "4xx", "4Xx"])
def test_range_keys_match_whatever_their_case(tmp_path: Path, key: str) -> None:
    spec = _get_a(
        tmp_path,
        f"""
        '{key}':
          description: x
          content:
            application/problem+json:
              schema: {{type: object, required: [title]}}
        """,
    )
    record = {"status": 409, "headers": PROBLEM_HEADERS, "body": {"status": 409}}
    found = _found(errspec.check_response(record, spec=spec, operation="GET /a"))
    assert found == [("declared-schema", "")]
    gone = {"status": 503, "headers": PROBLEM_HEADERS, "body": {"status": 503}}
    found = _found(errspec.check_response(gone, spec=spec, operation="GET /a"))
    assert found == [("status-undocumented", "")]


def test_a_path_parameter_never_matches_an_empty_segment(spec_path: Path) -> None:
    spec = errspec.load_spec(spec_path)
    assert str(spec.match("GET", "/tasks/1")) == "GET /tasks/{id}"
    assert spec.match("GET", "/tasks/") is None
    assert spec.match("GET", "https://api.example.com/tasks//") is None


# --- what the mutation run found untested (bench/mutate.py) ---------------------------------


def test_operation_lookup_messages(tmp_path: Path) -> None:
    few = _get_a(tmp_path / "few", "'404': {description: x}")
    spec = errspec.load_spec(few)
    with pytest.raises(
        errspec.InputError, match=r"no operation with operationId 'nope' \(it has none\)"
    ):
        spec.operation("nope")
    with pytest.raises(errspec.InputError, match=r"no operation GET /a b"):
        spec.operation("GET /a b")  # a path with a space: still one method and one path
    paths = "\n".join(
        f"  /p{i}:\n    get:\n      operationId: op{i}\n"
        "      responses: {'404': {description: x}}"
        for i in range(7)
    )
    many = _write(
        tmp_path / "many", f"openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}\n"
    )
    with pytest.raises(errspec.InputError, match=r"\(it has 7: op0, op1, op2, op3, op4, …\)"):
        errspec.load_spec(many).operation("zzzzzz")
    head = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
    six = _write(tmp_path / "six", head + paths.rsplit("\n  /p6", 1)[0] + "\n")
    with pytest.raises(errspec.InputError, match=r"\(it has 6: op0, op1, op2, op3, op4, …\)"):
        errspec.load_spec(six).operation("zzzzzz")


def test_odd_servers_and_variables_are_skipped(tmp_path: Path) -> None:
    spec = _write(
        tmp_path,
        """
        openapi: 3.1.0
        info: {title: t, version: '1'}
        servers:
          - just-a-string
          - {description: no url}
          - {url: 'https://h.example/{v}/api', variables: {v: 7, w: {default: x}}}
          - {url: 'https://h.example/{stage}', variables: {stage: {default: live}}}
        paths:
          /a:
            get:
              responses: {'404': {description: x}}
        """,
    )
    loaded = errspec.load_spec(spec)
    assert str(loaded.match("GET", "https://h.example/live/a")) == "GET /a"
    assert str(loaded.match("GET", "https://h.example/{v}/api/a")) == "GET /a"


def test_a_record_without_headers_uses_the_one_json_schema(tmp_path: Path) -> None:
    spec = _get_a(
        tmp_path,
        """
        '404':
          description: x
          content:
            application/problem+json:
              schema: {type: object, required: [title]}
            text/html: {}
        """,
    )
    record = {"status": 404, "body": {"status": 404}}  # no headers recorded
    found = _found(errspec.check_response(record, spec=spec, operation="GET /a"))
    assert [f for f in found if f[0] == "declared-schema"] == [("declared-schema", "")]
    two = _get_a(
        tmp_path / "two",
        """
        '404':
          description: x
          content:
            application/problem+json: {schema: {type: object, required: [title]}}
            application/json: {schema: {type: object, required: [title]}}
        """,
    )
    found = _found(errspec.check_response(record, spec=two, operation="GET /a"))
    assert [f for f in found if f[0] == "declared-schema"] == []  # which one? not guessed


def test_a_media_type_without_a_schema_checks_no_body(tmp_path: Path) -> None:
    spec = _get_a(
        tmp_path,
        """
        '404':
          description: x
          content:
            application/problem+json: {example: {title: x}}
        """,
    )
    record = {"status": 404, "headers": PROBLEM_HEADERS, "body": {"status": 404}}
    assert _found(errspec.check_response(record, spec=spec, operation="GET /a")) == []


@pytest.mark.parametrize(
    ("errors", "more"),
    [(10, None), (11, "… and 1 more schema errors"), (250, "… and 190+ more schema errors")],
)
def test_schema_findings_are_capped_at_ten(tmp_path: Path, errors: int, more: str | None) -> None:
    spec = _get_a(
        tmp_path,
        """
        '404':
          description: x
          content:
            application/json: {schema: {type: array, items: {type: string}}}
        """,
    )
    record = {"status": 404, "headers": JSON, "body": list(range(errors))}
    report = errspec.check_response(record, spec=spec, operation="GET /a")
    messages = [f.message for f in report.findings if f.rule == "declared-schema"]
    assert len(messages) == (10 if more is None else 11)
    assert (messages[-1] if more else None) == more


def test_a_deep_list_body_is_a_finding_not_a_schema_loop(tmp_path: Path) -> None:
    spec = _get_a(
        tmp_path,
        """
        '404':
          description: x
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Tree'}
        """,
    )
    spec.write_text(
        spec.read_text()
        + "components:\n  schemas:\n    Tree:\n      type: array\n"
        + "      items: {$ref: '#/components/schemas/Tree'}\n"
    )
    deep: list[Any] = []
    node = deep
    for _ in range(900):
        node.append([])
        node = node[-1]
    node.append(3)  # invalid at the bottom
    record = {"status": 404, "headers": JSON, "body": deep}
    report = errspec.check_response(record, spec=spec, operation="GET /a")
    found = [(f.rule, f.pointer, f.message[-40:]) for f in report.findings]
    assert found[0] == (
        "declared-schema",
        "",
        "e body nests too deeply for errspec to say where"[-40:],
    )
    assert [rule for rule, _, _ in found[1:]] == ["envelope-unknown"]  # an array: no envelope
