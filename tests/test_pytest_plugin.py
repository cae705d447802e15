"""The pytest plugin and errspec.assert_error_response, run for real with pytester: a
passing and a failing test file, the [tool.errspec] defaults, the rendered failure."""

from __future__ import annotations

import textwrap

import pytest

import errspec
import errspec._assertions
import errspec._config
import errspec._spec

from .conftest import REPO

# pytester runs pytest in this process and afterwards drops the modules the run imported.
# errspec imports its machinery lazily, so load it here, once, outside those runs (a real
# pytest session imports it once and keeps it).
errspec.envelopes()

pytest_plugins = ["pytester"]

NOT_FOUND = {
    "status": 404,
    "headers": {"Content-Type": "application/problem+json"},
    "body": {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Task 43 does not exist",
        "instance": "/tasks/43",
    },
    "request": {"method": "GET", "url": "http://testserver/tasks/43"},
}
WRONG_STATUS = {**NOT_FOUND, "body": {**NOT_FOUND["body"], "status": 400}}

# A small real Starlette app, imported by every pytester file below.
APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient


async def get_task(request):
    task_id = request.path_params["id"]
    if task_id == "1":
        return JSONResponse({"id": "1", "title": "Write"})
    # the defect under test: for task 43 the body's status is not the HTTP status
    body = {
        "type": "about:blank",
        "title": "Not Found",
        "status": 400 if task_id == "43" else 404,
        "detail": f"Task {task_id} does not exist",
    }
    return JSONResponse(body, 404, media_type="application/problem+json")


client = TestClient(Starlette(routes=[Route("/tasks/{id}", get_task)]))
"""


def _conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app_under_test=APP)


def test_passing_file(pytester: pytest.Pytester) -> None:
    _conftest(pytester)
    pytester.makepyfile(
        test_tasks="""
        import errspec
        from app_under_test import client


        def test_missing_task_is_a_problem():
            response = client.get("/tasks/7")
            report = errspec.assert_error_response(
                response, "problem-details", status=404, code="about:blank"
            )
            assert report.envelope == "problem-details"
            assert report.source == "GET http://testserver/tasks/7"


        def test_fixture_with_envelope_per_call(errspec_checker):
            response = client.get("/tasks/8")
            errspec_checker.assert_error_response(response, "rfc9457", status=404)


        def test_check_returns_the_findings(errspec_checker):
            report = errspec_checker.check(client.get("/tasks/43"), "problem-details")
            assert report.rules() == ["status-mismatch"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.OK


def test_failing_file_renders_findings_and_the_body(pytester: pytest.Pytester) -> None:
    _conftest(pytester)
    pytester.makepyfile(
        test_tasks="""
        import errspec
        from app_under_test import client


        def test_wrong_body_status():
            response = client.get("/tasks/43")
            errspec.assert_error_response(response, "problem-details", status=404)


        def test_success_is_not_an_error():
            errspec.assert_error_response(client.get("/tasks/1"))


        def test_wrong_code(errspec_checker):
            response = client.get("/tasks/9")
            errspec_checker.assert_error_response(
                response, "problem-details", status=404, code="https://example.com/missing"
            )
        """
    )
    # A real pytest process, as users run it (the other files run in this process).
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "E   *errspec.ErrorResponseAssertion: GET http://testserver/tasks/43 is not the error "
            "response expected (problem-details):",
            "E *HTTP 404: error status-mismatch body says status 400 but the HTTP "
            "status is 404 [[]/status[]]",
            "E *body at /status:",
            'E *"title": "Not Found",',
            'E       >     "status": 400,',
            'E *"detail": "Task 43 does not exist"',
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E   *GET http://testserver/tasks/1 is not the error response expected (*):",
            "E *expected an error response (4xx or 5xx), got HTTP 200",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E *expected error code 'https://example.com/missing' at /type, got 'about:blank'",
            "E *body at /type:",
            'E       >     "type": "about:blank",',
        ]
    )
    out = result.stdout.str()
    # errspec's own frames are hidden: the traceback stops at the test's line
    assert "_assertions.py" not in out
    assert "pytest_plugin.py" not in out
    assert '>       errspec.assert_error_response(response, "problem-details", status=404)' in out


def test_tool_errspec_defaults_reach_the_fixture(pytester: pytest.Pytester) -> None:
    _conftest(pytester)
    pytester.makepyprojecttoml(
        """
        [tool.errspec]
        envelope = "problem-details"
        spec = "api/openapi.yaml"
        """
    )
    api = pytester.mkdir("api")
    (api / "openapi.yaml").write_text(
        textwrap.dedent(
            """
            openapi: 3.1.0
            info: {title: Tasks, version: '1'}
            paths:
              /tasks/{id}:
                get:
                  responses:
                    '200':
                      description: The task
                      content:
                        application/json:
                          schema: {type: object, required: [id, title]}
                    '404':
                      description: No such task
                      content:
                        application/problem+json:
                          schema:
                            type: object
                            required: [type, title, status]
                            properties: {status: {const: 404}}
            """
        ),
        encoding="utf-8",
    )
    pytester.makepyfile(
        test_tasks="""
        from app_under_test import client


        def test_documented_404(errspec_checker):
            report = errspec_checker.assert_error_response(client.get("/tasks/7"), status=404)
            assert report.operation == "GET /tasks/{id}"
            assert report.envelope == "problem-details"


        def test_undocumented_and_mismatched(errspec_checker):
            errspec_checker.assert_error_response(client.get("/tasks/43"), status=404)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "errspec: envelope problem-details, spec */api/openapi.yaml "
            "(from */pyproject.toml [[]tool.errspec[]])",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E   *GET http://testserver/tasks/43 is not the error response expected "
            "(problem-details for GET /tasks/{id}):",
            "E *HTTP 404: error declared-schema does not match the schema documented for "
            "404 of GET /tasks/{id}: 404 was expected [[]/status[]]",
            "E *HTTP 404: error status-mismatch body says status 400 but the HTTP "
            "status is 404 [[]/status[]]",
        ]
    )


def test_command_line_options_override_the_configuration(pytester: pytest.Pytester) -> None:
    _conftest(pytester)
    pytester.makepyprojecttoml('[tool.errspec]\nenvelope = "json-api"\n')
    pytester.makepyfile(
        test_tasks="""
        from app_under_test import client


        def test_envelope(errspec_checker):
            assert errspec_checker.envelope.id == "problem-details"
            errspec_checker.assert_error_response(client.get("/tasks/7"), status=404)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--errspec-envelope", "problem-details")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["errspec: envelope problem-details (from --errspec-envelope)"])


def test_a_broken_configuration_fails_the_fixture_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.errspec]\nenvelop = "problem-details"\n')
    pytester.makepyfile(
        test_x="""
        def test_uses_fixture(errspec_checker):
            pass


        def test_does_not():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)  # the fixture's setup fails
    result.stdout.fnmatch_lines(
        ["*errspec configuration: *pyproject.toml [[]tool.errspec[]]: unknown key 'envelop'"]
    )
    assert "Traceback" not in result.stdout.str()


def test_the_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_x="""
        def test_uses_fixture(errspec_checker):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:errspec")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'errspec_checker' not found*"])


def test_the_plugin_is_registered_by_entry_point() -> None:
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="pytest11") if e.name == "errspec"]
    assert entry.value == "errspec.pytest_plugin"
    assert 'errspec = "errspec.pytest_plugin"' in (REPO / "pyproject.toml").read_text()


# --- assert_error_response without pytester ------------------------------------------------


def test_assert_error_response_returns_the_report() -> None:
    report = errspec.assert_error_response(NOT_FOUND, status=404, code="about:blank")
    assert report.envelope == "problem-details"
    assert report.findings == ()


def test_the_assertion_carries_the_report() -> None:
    with pytest.raises(errspec.ErrorResponseAssertion) as caught:
        errspec.assert_error_response(WRONG_STATUS, "problem-details")
    assert caught.value.report.rules() == ["status-mismatch"]
    assert isinstance(caught.value, AssertionError)


def test_fail_on_warning_fails_on_warnings() -> None:
    leaky = {
        "status": 500,
        "headers": {"Content-Type": "application/problem+json"},
        "body": {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": 'Traceback (most recent call last): File "/srv/app/tasks.py", line 12',
        },
    }
    assert errspec.assert_error_response(leaky).rules() == ["leaked-internals"]
    with pytest.raises(AssertionError, match="warning leaked-internals"):
        errspec.assert_error_response(leaky, fail_on="warning")


def test_code_is_the_envelopes_code_member() -> None:
    record = {
        "status": 400,
        "headers": {"Content-Type": "application/json"},
        "body": {"error": "bad_request", "message": "limit must be a positive integer"},
    }
    with pytest.raises(AssertionError, match="expected error code 'nope' at /error, got 'bad"):
        errspec.assert_error_response(record, "error-string", code="nope")
    errspec.assert_error_response(record, "error-string", code="bad_request")
    with pytest.raises(TypeError, match="the data-error envelope has no error code member"):
        errspec.assert_error_response(record, "data-error", code="x")


def test_code_matches_any_error_of_an_array() -> None:
    record = {
        "status": 422,
        "headers": {"Content-Type": "application/vnd.api+json"},
        "body": {
            "errors": [
                {"status": "422", "code": "blank", "detail": "Title must not be empty."},
                {"status": "422", "code": "too_long", "detail": "Body is too long."},
            ]
        },
    }
    errspec.assert_error_response(record, "json-api", status=422, code="too_long")
    with pytest.raises(AssertionError, match=r"got 'blank', 'too_long'"):
        errspec.assert_error_response(record, "json-api", code="missing")


@pytest.mark.parametrize(
    ("record", "shown"),
    [
        (
            {
                **NOT_FOUND,
                "headers": {},
                "status": 429,
                "body": {**NOT_FOUND["body"], "status": 429},
            },
            ["headers (no Content-Type):", "    (none)"],
        ),
        (
            {"status": 502, "headers": {"Content-Type": "text/html"}, "body_text": "<h1>Bad</h1>"},
            ["body (not JSON):", "    <h1>Bad</h1>"],
        ),
    ],
)
def test_excerpts_of_headers_and_non_json_bodies(record: dict, shown: list[str]) -> None:
    with pytest.raises(AssertionError) as caught:
        errspec.assert_error_response(record, "problem-details", fail_on="warning")
    text = str(caught.value)
    tail = text.split("\n\n", 1)[1].splitlines()
    assert tail[: len(shown)] == shown, text


def test_loading_the_plugin_is_cheap() -> None:
    """pytest loads the plugin in every session of every project that has errspec
    installed: it must not import the checking machinery until a test uses it."""
    import subprocess
    import sys

    code = (
        "import sys, pytest, errspec.pytest_plugin; "
        "print(sorted(m for m in ('jsonschema', 'yaml', 'referencing', 'errspec._check') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves() -> None:
    from errspec import _LAZY

    assert sorted(_LAZY) == sorted(n for n in errspec.__all__ if n != "__version__")
    for name in errspec.__all__:
        assert getattr(errspec, name) is not None, name
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        errspec.nope  # noqa: B018


def test_an_unknown_envelope_or_unusable_spec_fails_the_fixture_in_one_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyprojecttoml('[tool.errspec]\nenvelope = "nosuch"\n')
    pytester.makepyfile(test_x="def test_uses_fixture(errspec_checker):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*errspec configuration: *unknown envelope 'nosuch'*"])
    assert "_registry.py" not in result.stdout.str()


def test_spec_errors_at_check_time_are_one_line(pytester: pytest.Pytester) -> None:
    """A $ref the spec cannot follow surfaces when a response reaches it: one line, no
    errspec frames; outside refs are allowed by [tool.errspec.lint] allow-outside-refs."""
    _conftest(pytester)
    pytester.makepyprojecttoml('[tool.errspec]\nspec = "api/openapi.yaml"\n')
    api = pytester.mkdir("api")
    (api / "openapi.yaml").write_text(
        textwrap.dedent(
            """
            openapi: 3.1.0
            info: {title: Tasks, version: '1'}
            paths:
              /tasks/{id}:
                get:
                  responses:
                    '404': {$ref: '../shared.yaml#/NotFound'}
            """
        ),
        encoding="utf-8",
    )
    (pytester.path / "shared.yaml").write_text(
        "NotFound:\n  description: gone\n  content:\n    application/problem+json: {}\n",
        encoding="utf-8",
    )
    pytester.makepyfile(
        test_x="""
        from app_under_test import client


        def test_missing(errspec_checker):
            errspec_checker.assert_error_response(client.get("/tasks/7"), status=404)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E   *errspec.InputError: *outside the spec's folder*"])
    out = result.stdout.str()
    assert "_spec.py" not in out
    assert "_check.py" not in out
    pytester.makepyprojecttoml(
        '[tool.errspec]\nspec = "api/openapi.yaml"\n'
        "[tool.errspec.lint]\nallow-outside-refs = true\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_relative_spec_option_survives_a_chdir(pytester: pytest.Pytester) -> None:
    _conftest(pytester)
    (pytester.path / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /tasks/{id}:\n"
        "    get:\n      responses:\n        '404': {description: gone}\n",
        encoding="utf-8",
    )
    pytester.makepyfile(
        test_x="""
        from app_under_test import client


        def test_after_chdir(errspec_checker, monkeypatch, tmp_path):
            monkeypatch.chdir(tmp_path)
            report = errspec_checker.check(client.get("/tasks/7"))
            assert report.operation == "GET /tasks/{id}"
            assert report.rules() == ["media-type-undocumented"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--errspec-spec", "openapi.yaml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["errspec: envelope auto, spec */openapi.yaml (from --errspec-spec)"]
    )
