"""The checker judges every shipped response record as its source says.

valid/ records: no error-level finding (open catalogues may warn `unknown-code` on a
custom code, which the sources allow). invalid/ records: the rule in "breaks" is found,
with the envelope given explicitly and, where detection recognises the envelope, with
``--envelope auto`` too.
"""

from __future__ import annotations

from typing import Any

import pytest

import errspec

RECORDS = [
    pytest.param(
        env.id, record, id=f"{env.id}/{'valid' if record.valid else 'invalid'}/{record.name}"
    )
    for env in errspec.envelopes()
    for record in env.examples()
]

#: Invalid records whose broken body another envelope fits better (or none does), with
#: the envelope detection picks. Each is ambiguous by construction: the member that
#: would tell the envelopes apart is the one the record breaks.
DETECTED_ELSEWHERE = {
    ("code-message", "missing-code"): None,  # {"message"} alone: no envelope
    # {"code": <int>, "message"}: a numeric code is a house shape (Discord's), not seed 002
    ("code-message", "code-not-a-string"): None,
    ("data-error", "missing-error"): None,  # {"data": null} alone
    ("error-object", "code-is-an-integer"): "data-error",  # {"error": {"code": 500, …}}
    ("error-object", "code-pascal-case"): "odata",  # PascalCase code: odata's style
    ("error-object", "error-is-a-string"): "error-string",  # {"error": "x", "message"}
    ("error-object", "flat-code-message"): "code-message",  # {"code", "message"}
    # {"error": {"code"}, "message"}: an error object with a code, the odata family
    ("error-string", "error-not-a-string"): "odata",
    ("errors-array", "empty-errors-array"): None,  # no item carries a status
    ("errors-array", "message-not-a-string"): None,
    ("errors-array", "missing-errors-array"): None,  # {"message"} alone
    ("json-api", "errors-not-an-array"): None,
    ("odata", "code-not-a-string"): "data-error",  # {"error": {"code": 404, …}}
    ("odata", "details-not-an-array"): "error-object",
    ("odata", "no-error-wrapper"): "code-message",  # {"code", "message"} unwrapped
    ("problem-details", "body-is-an-array"): None,  # an array is no envelope
    # google-rpc's `error.code` is decisive (an integer): a string there rules it out
    ("google-rpc", "code-is-a-string"): "odata",
}


@pytest.mark.parametrize(("envelope_id", "record"), RECORDS)
def test_explicit_envelope(envelope_id: str, record: errspec.ExampleRecord) -> None:
    report = errspec.check_response(dict(record.data), envelope_id)
    assert report.envelope == envelope_id
    if record.valid:
        assert report.conforms, report.findings
        others = [f for f in report.findings if f.rule != "unknown-code"]
        assert others == []
        assert all(f.severity == "warning" for f in report.findings)
    else:
        # the complete findings, in order, with their pointers: not just "somewhere"
        expected = [tuple(pair) for pair in record.data["findings"]]
        assert [(f.rule, f.pointer) for f in report.findings] == expected
        assert record.breaks in report.rules()
        hit = next(f for f in report.findings if f.rule == record.breaks)
        assert hit.envelope == envelope_id
        assert hit.help_url.endswith(f"/rules/{record.breaks}")


@pytest.mark.parametrize(("envelope_id", "record"), RECORDS)
def test_detection(envelope_id: str, record: errspec.ExampleRecord) -> None:
    if "body" not in record.data:
        assert errspec.detect(dict(record.data)).envelope is None
        return
    expected = DETECTED_ELSEWHERE.get((envelope_id, record.name), envelope_id)
    detection = errspec.detect(dict(record.data))
    assert detection.envelope == expected, detection.scores[:3]
    if record.valid:
        assert detection.score >= 0.6
    if expected == envelope_id:
        report = errspec.check_response(dict(record.data))
        assert report.envelope == envelope_id
        if not record.valid:
            assert record.breaks in report.rules()


def test_detected_elsewhere_table_is_current() -> None:
    names = {(e.id, r.name) for e in errspec.envelopes() for r in e.examples()}
    assert set(DETECTED_ELSEWHERE) <= names


def test_detection_never_needs_the_status() -> None:
    """A record is detected the same whatever its HTTP status says."""
    for env in errspec.envelopes():
        for record in env.examples():
            if "body" not in record.data:
                continue
            first = errspec.detect(dict(record.data)).envelope
            for status in (200, 404, 500):
                assert errspec.detect({**record.data, "status": status}).envelope == first


def test_bare_error_code_message_tie_is_decided_and_reported() -> None:
    """{"error": {"code", "message"}} fits odata and error-object; casing decides, and an
    exact tie goes to the higher profile priority (odata 15 > error-object 12)."""
    upper = errspec.detect({"error": {"code": "NOT_FOUND", "message": "No such task"}})
    assert upper.envelope == "error-object"
    pascal = errspec.detect({"error": {"code": "TaskNotFound", "message": "No such task"}})
    assert pascal.envelope == "odata"
    scores = dict(upper.scores)
    assert scores["odata"] < scores["error-object"]
    # An exact tie: a code both casings accept equally (no catalogue entry, no casing rule
    # for odata, error-object's casing matches digits-free upper too) is reported.
    tie = errspec.detect(
        {"error": {"code": "X", "message": "m"}},
        candidates=[errspec.get_envelope("odata"), errspec.get_envelope("odata")],
    )
    assert tie.envelope == "odata"
    assert tie.tied_with == ("odata",)


def test_success_response_is_not_checked_as_an_error() -> None:
    ok = errspec.check_response({"status": 200, "headers": {}, "body": {"id": 1, "title": "x"}})
    assert ok.conforms
    assert ok.findings == ()
    explicit = errspec.check_response(
        {"status": 200, "headers": {}, "body": {"id": 1}}, "problem-details"
    )
    assert explicit.findings == ()


def test_error_body_with_success_status() -> None:
    report = errspec.check_response(
        {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": {"data": None, "error": {"message": "Unauthorized", "code": 401}},
        }
    )
    assert report.envelope == "data-error"
    assert report.rules()[:2] == ["error-with-success-status", "status-mismatch"]
    assert not report.conforms


def test_unknown_envelope_for_a_foreign_error_body() -> None:
    report = errspec.check_response(
        {
            "status": 404,
            "headers": {"Content-Type": "application/json"},
            "body": {"id": "not_found", "message": "The resource was not found."},
        }
    )
    assert report.envelope is None
    assert report.rules() == ["envelope-unknown"]
    assert not report.conforms


def test_headers_not_recorded_skip_header_rules() -> None:
    body = {"error": "rate_limit_exceeded", "message": "Slow down"}
    unknown = errspec.check_response({"status": 429, "body": body}, "aurion")
    assert unknown.findings == ()
    empty = errspec.check_response({"status": 429, "headers": {}, "body": body}, "aurion")
    assert "retry-after-missing" in empty.rules()
    assert "media-type" in empty.rules()


def test_json_api_most_general_status() -> None:
    body = {"errors": [{"status": "403"}, {"status": "422"}]}
    headers = {"Content-Type": "application/vnd.api+json"}
    ok = errspec.check_response({"status": 400, "headers": headers, "body": body}, "jsonapi")
    assert "status-mismatch" not in ok.rules()
    bad = errspec.check_response({"status": 500, "headers": headers, "body": body}, "jsonapi")
    assert bad.rules() == ["status-mismatch"]
    assert bad.findings[0].pointer == "/errors/0/status"
    single = errspec.check_response(
        {"status": 400, "headers": headers, "body": {"errors": [{"status": "422"}]}}, "jsonapi"
    )
    assert single.rules() == ["status-mismatch"]


def test_iter_findings_and_is_valid_are_views_of_one_pipeline() -> None:
    record = {
        "status": 409,
        "headers": {"Content-Type": "application/json"},
        "body": {"error": "not_found", "message": "Resource not found"},
    }
    findings = list(errspec.iter_findings(record, "aurion"))
    assert [(f.rule, f.pointer) for f in findings] == [("code-status-mismatch", "/error")]
    assert errspec.check_response(record, "aurion").findings == tuple(findings)
    assert errspec.is_valid(record, "aurion") is False
    assert errspec.is_valid({**record, "status": 404}, "aurion") is True


def test_schema_findings_point_at_the_member() -> None:
    report = errspec.check_response(
        {
            "status": 404,
            "headers": {"Content-Type": "application/problem+json"},
            "body": {"type": 42, "status": "404"},
        },
        "rfc9457",
    )
    assert [(f.rule, f.pointer) for f in report.findings if f.rule == "envelope-schema"] == [
        ("envelope-schema", "/status"),
        ("envelope-schema", "/type"),
    ]


def test_leaked_internals_finds_stack_and_sql_but_not_uri_paths() -> None:
    base = {"status": 500, "headers": {"Content-Type": "application/problem+json"}}
    leaky = errspec.check_response(
        {
            **base,
            "body": {
                "status": 500,
                "detail": "Traceback (most recent call last):\n"
                "  File \"/srv/app/views.py\", line 12, in get\nKeyError: 'id'",
            },
        },
        "problem-details",
    )
    assert [f.pointer for f in leaky.findings if f.rule == "leaked-internals"] == ["/detail"]
    sql = errspec.check_response(
        {**base, "body": {"status": 500, "detail": 'ERROR: syntax error at or near "FROM"'}},
        "problem-details",
    )
    assert "leaked-internals" in sql.rules()
    stack_member = errspec.check_response(
        {**base, "body": {"status": 500, "stack": ["at x (y.js:1:2)"]}}, "problem-details"
    )
    assert [f.pointer for f in stack_member.findings] == ["/stack"]
    clean = errspec.check_response(
        {
            **base,
            "body": {
                "status": 500,
                "title": "Internal Server Error",
                "instance": "/account/12345/msgs/abc",
                "detail": "Select a plan from the list and try again.",
            },
        },
        "problem-details",
    )
    assert clean.findings == ()


def test_python_api_rejects_what_it_cannot_check() -> None:
    with pytest.raises(TypeError, match="not int"):
        errspec.check_response(42)
    with pytest.raises(errspec.InputError, match="integer 'status'"):
        errspec.check_response({"status": "404", "body": {}})
    with pytest.raises(errspec.UnknownEnvelopeError):
        errspec.check_response({"status": 404, "body": {}}, "nope")


@pytest.mark.parametrize(
    "body",
    [
        {"id": 7, "type": "task", "title": "Write docs", "status": "open"},
        {"id": 1, "type": "invoice", "title": "Invoice 1"},
        {"code": "OK", "message": "success", "data": {"id": 42}},
    ],
)
def test_ordinary_success_bodies_are_not_errors_under_auto(body: dict) -> None:
    report = errspec.check_response(
        {"status": 200, "headers": {"Content-Type": "application/json"}, "body": body}
    )
    assert report.findings == ()


def test_success_body_that_says_it_is_an_error_under_auto() -> None:
    report = errspec.check_response(
        {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": {"code": "NOT_FOUND", "message": "Not found: Incident 1 not found"},
        }
    )
    assert report.rules() == ["error-with-success-status", "code-status-mismatch"]


def test_json_api_several_errors_of_one_status_may_use_the_general_status() -> None:
    body = {"errors": [{"status": "422", "detail": "a"}, {"status": "422", "detail": "b"}]}
    report = errspec.check_response(
        {"status": 400, "headers": {"Content-Type": "application/vnd.api+json"}, "body": body},
        "json-api",
    )
    assert report.findings == ()


def test_closed_catalogue_reports_a_mis_cased_code_as_unknown_too() -> None:
    report = errspec.check_response(
        {
            "status": 404,
            "headers": {"Content-Type": "application/json"},
            "body": {"error": {"code": 404, "message": "Book not found", "status": "not_found"}},
        },
        "google-rpc",
    )
    assert report.rules() == ["code-format", "unknown-code"]
    assert report.findings[1].severity == "error"
    assert "did you mean 'NOT_FOUND'?" in report.findings[1].message


def test_open_catalogue_unknown_code_message() -> None:
    report = errspec.check_response(
        {
            "status": 404,
            "headers": {
                "Content-Type": "application/json",
                "x-ms-error-code": "ResourceNotFound",
                "x-ms-request-id": "1",
            },
            "body": {
                "error": {"code": "ResourceNotFound", "message": "The resource does not exist."}
            },
        },
        "odata",
    )
    (finding,) = report.findings
    assert finding.rule == "unknown-code"
    assert finding.severity == "warning"
    assert "custom codes are allowed" in finding.message
    assert "spelling" not in finding.message


def test_a_code_the_source_shows_is_known_at_the_status_it_states() -> None:
    """Azure's guidelines show BlobNotFound with a 404: known, and bound to 404 (issue 15);
    ContainerBeingDeleted without a status: known, fine with any error status."""

    def record(status: int, code: str) -> dict[str, Any]:
        return {
            "status": status,
            "headers": {
                "Content-Type": "application/json",
                "x-ms-error-code": code,
                "x-ms-request-id": "1",
            },
            "body": {"error": {"code": code, "message": "m"}},
        }

    assert errspec.check_response(record(404, "BlobNotFound"), "odata").findings == ()
    wrong = errspec.check_response(record(409, "BlobNotFound"), "odata")
    assert [(f.rule, f.severity) for f in wrong.findings] == [("code-status-mismatch", "error")]
    assert errspec.check_response(record(409, "ContainerBeingDeleted"), "odata").findings == ()
    assert errspec.check_response(record(400, "ContainerBeingDeleted"), "odata").findings == ()


def test_head_response_has_no_body_to_judge() -> None:
    record = {
        "status": 404,
        "headers": {"Content-Type": "application/problem+json"},
        "method": "HEAD",
    }
    assert errspec.check_response(record, "problem-details").findings == ()
    assert errspec.check_response(record).findings == ()
    get = {**record, "method": "GET"}
    assert errspec.check_response(get, "problem-details").rules() == ["body-not-json"]


def test_retry_after_syntax_is_checked_when_no_envelope_fits() -> None:
    report = errspec.check_response(
        {
            "status": 503,
            "headers": {"Content-Type": "application/json", "Retry-After": "soon"},
            "body": {"message": "down"},
        }
    )
    assert report.rules() == ["envelope-unknown", "retry-after-invalid"]


def test_envelope_unknown_names_no_closest_when_nothing_is_close() -> None:
    report = errspec.check_response(
        {"status": 404, "headers": {"Content-Type": "application/json"}, "body": []}
    )
    assert report.findings[0].message == "the body fits none of errspec's envelopes"


@pytest.mark.parametrize(
    ("body", "pointer", "message"),
    [
        ({"errors": None}, "/errors", "expected array, got null"),
        ({"errors": [{"status": 422}]}, "/errors/0/status", "expected string, got an integer"),
        ({"errors": [{}]}, "/errors/0", "needs at least 1 member"),
        (
            {"errors": [{"status": "422"}], "data": {"type": "x"}},
            "",
            'forbidden here: Top Level: "The members data and errors MUST NOT coexist',
        ),
    ],
)
def test_schema_messages_speak_json(body: dict, pointer: str, message: str) -> None:
    report = errspec.check_response(
        {"status": 422, "headers": {"Content-Type": "application/vnd.api+json"}, "body": body},
        "json-api",
    )
    found = [(f.pointer, f.message) for f in report.findings if f.rule == "envelope-schema"]
    assert any(p == pointer and m.startswith(message) for p, m in found), found


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("12", True),
        ("0", True),
        ("Fri, 31 Dec 1999 23:59:59 GMT", True),
        ("Friday, 31-Dec-99 23:59:59 GMT", True),
        ("Fri Dec 31 23:59:59 1999", True),
        ("Fri, 31 Dec 1999 23:59:59 +0100", False),
        ("soon", False),
        ("-1", False),
        ("1.5", False),
        ("", False),
    ],
)
def test_retry_after_syntax(value: str, valid: bool) -> None:
    report = errspec.check_response(
        {
            "status": 429,
            "headers": {"Content-Type": "application/json", "Retry-After": value},
            "body": {"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "slow down"}},
        },
        # seed 003 leaves the form open (error-string's seed gives seconds only)
        "error-object",
    )
    assert ("retry-after-invalid" in report.rules()) is not valid


#: Bodies that say they are errors whatever their envelope (issue 10, item 4): with a
#: 1xx-3xx status they are error-with-success-status under auto, and why is in the message.
SAYS_ERROR = [
    ({"ok": False, "error": "invalid_auth"}, "application/json", '"ok": false'),
    ({"ok": False, "error": "missing_scope", "needed": "x"}, "application/json", '"ok": false'),
    ({"success": False, "message": "Card declined"}, "application/json", '"success": false'),
    ({"error": {"reason": "Gone", "hint": "x"}}, "application/json", 'an "error" object'),
    (
        {"data": None, "error": {"reason": "Gone"}, "request_id": "r1"},
        "application/json",
        'an "error" object',
    ),
    (
        {"errors": [{"detail": "Name is taken"}]},
        "application/json",
        'an "errors" array and no "data"',
    ),
    (
        {"errors": [{"reason": "x"}], "data": None},
        "application/json",
        'an "errors" array and no "data"',
    ),
    (
        {"errors": [{"message": "Cannot query field 'x'", "locations": [{"line": 1}]}]},
        "application/graphql-response+json",
        'an "errors" array and no "data"',
    ),
]


@pytest.mark.parametrize(("body", "media", "said"), SAYS_ERROR)
def test_a_body_that_says_it_is_an_error_is_reported_with_a_success_status(
    body: dict, media: str, said: str
) -> None:
    for status in (200, 302):
        report = errspec.check_response(
            {"status": status, "headers": {"Content-Type": media}, "body": body}
        )
        finding = report.findings[0]
        assert finding.rule == "error-with-success-status"
        assert finding.severity == "error"
        assert f"HTTP {status}" in finding.message
        if report.envelope is None:
            assert report.rules() == ["error-with-success-status"]
            assert finding.message.startswith(f"an error body ({said}) is sent with HTTP {status}")


@pytest.mark.parametrize(
    ("body", "media"),
    [
        # GraphQL partial success, and a request error sent as application/json (GraphQL
        # over HTTP: 200 for a well-formed request), are success responses.
        (
            {"data": {"hero": None}, "errors": [{"message": "x", "path": ["hero"]}]},
            "application/json",
        ),
        (
            {"data": None, "errors": [{"message": "x", "path": ["hero"]}]},
            "application/graphql-response+json",
        ),
        (
            {"errors": [{"message": "Cannot query field 'x'", "locations": [{"line": 1}]}]},
            "application/json",
        ),
        (
            {"data": [{"id": "1"}], "errors": [{"title": "Not Found Error", "detail": "x"}]},
            "application/json",
        ),
        ({"errors": []}, "application/json"),
        # a batch's partial success: results beside the errors of some items
        ({"results": [{"id": 1}], "errors": [{"message": "item 2 failed"}]}, "application/json"),
        ({"ok": True, "channel": "C1"}, "application/json"),
        ({"success": True}, "application/json"),
        ({"data": {"id": "prf_42"}, "error": None}, "application/json"),
        ({"data": {"id": "prf_42"}, "error": {"reason": "stale"}}, "application/json"),
        # A resource that has an error (a failed job, read successfully).
        (
            {"id": "job_1", "status": "failed", "error": {"code": "oom", "message": "x"}},
            "application/json",
        ),
        ({"error": {}}, "application/json"),
        ({"ok": 0}, "application/json"),
    ],
)
def test_success_bodies_that_mention_errors_are_not_error_bodies(body: dict, media: str) -> None:
    report = errspec.check_response(
        {"status": 200, "headers": {"Content-Type": media}, "body": body}
    )
    assert "error-with-success-status" not in report.rules()


def test_retry_after_syntax_on_a_429_whose_body_fits_nothing() -> None:
    report = errspec.check_response(
        {
            "status": 429,
            "headers": {"Content-Type": "application/json", "Retry-After": "in a minute"},
            "body": {"failure": True},
        }
    )
    assert report.envelope is None
    assert report.rules() == ["envelope-unknown", "retry-after-invalid"]
    assert report.findings[1].severity == "error"


def test_www_authenticate_is_checked_when_no_envelope_fits() -> None:
    body = {"failure": True, "explanation": "no token"}
    report = errspec.check_response(
        {"status": 401, "headers": {"Content-Type": "application/json"}, "body": body}
    )
    assert report.envelope is None
    assert report.rules() == ["envelope-unknown", "www-authenticate-missing"]
    finding = report.findings[1]
    assert finding.severity == "error"  # RFC 9110 §11.6.1: MUST, whatever the envelope
    assert finding.pointer == "header:WWW-Authenticate"
    assert finding.message == "a 401 response must carry WWW-Authenticate (RFC 9110 §11.6.1)"
    sent = {"Content-Type": "application/json", "WWW-Authenticate": "Bearer"}
    assert errspec.check_response({"status": 401, "headers": sent, "body": body}).rules() == [
        "envelope-unknown"
    ]
    # Headers not recorded: no header rule.
    assert errspec.check_response({"status": 401, "body": body}).rules() == ["envelope-unknown"]


def test_a_body_that_says_it_is_an_error_names_why_with_any_envelope() -> None:
    record = {
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "body": {"ok": False, "error": "invalid_auth"},
    }
    detected = errspec.check_response(record)  # error-string, or none: either way
    assert detected.findings[0].rule == "error-with-success-status"
    assert detected.findings[0].message.startswith('an error body ("ok": false) is sent')
    named = errspec.check_response(record, "error-string")
    assert named.findings[0].message.startswith("an error body (error-string) is sent")
    other = errspec.check_response(record, "problem-details")
    assert other.rules() == ["error-with-success-status"]
    assert other.findings[0].severity == "error"
    assert other.findings[0].message.startswith('an error body ("ok": false) is sent')


@pytest.mark.parametrize("status", [400, 402, 409, 422, 500])
def test_a_code_its_source_binds_to_no_status_fits_any(status: int) -> None:
    """Seed 003 shows INSUFFICIENT_BALANCE with no status: any 4xx or 5xx conforms (errspec
    used to bind it to 422, so the seed's own example failed at 400, 402 or 409)."""
    body = {"error": {"code": "INSUFFICIENT_BALANCE", "message": "Your balance is too low."}}
    record = {"status": status, "headers": {"Content-Type": "application/json"}, "body": body}
    assert errspec.check_response(record, "error-object").findings == ()
    stated = {"error": {"code": "RESOURCE_NOT_FOUND", "message": "No such user."}}
    report = errspec.check_response({**record, "body": stated}, "error-object")
    expected = [] if status == 404 else [("code-status-mismatch", "/error/code")]
    assert [(f.rule, f.pointer) for f in report.findings] == expected


def test_a_stated_only_for_is_an_error_when_broken() -> None:
    """Seed 001: details are "Field-level validation errors (only for 422)"."""
    body = {"error": "not_found", "message": "x", "details": [{"field": "a", "message": "b"}]}
    record = {"status": 404, "headers": {"Content-Type": "application/json"}, "body": body}
    report = errspec.check_response(record, "error-string")
    assert [(f.rule, f.severity, f.pointer) for f in report.findings] == [
        ("conditional-member", "error", "/details")
    ]
    assert report.conforms is False
