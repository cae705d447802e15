"""The fast path of check_response gives the reports the full pipeline gives.

A valid response skips the rules when :func:`errspec._rules.quiet` says every one of them
would find nothing; a conforming error response is judged in one pass, without building
a response for a record (``_check._conforming``); records are built by
:func:`errspec._http.record_response` and reports by ``_check._report``. Each of these is
checked here against the general path it stands for, on every shipped example and on
records made to miss each shortcut.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import errspec
from errspec import _check, _rules
from errspec._adapters import checked
from errspec._findings import Report
from errspec._http import Response, plain_headers, record_response
from errspec._inputs import response_from_record
from errspec._plan import plan_for
from errspec._rules import _LEAK_FAMILIES, Context, leaked_internals


def _all_fields(report: Report) -> dict[str, Any]:
    """Every field, those left out of ``==`` too (notes, detection, score)."""
    return {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}


def _records() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for env in errspec.envelopes():
        for example in env.examples():
            record = {k: v for k, v in example.data.items() if k not in ("description", "breaks")}
            out.append((env.id, example.name, record))
    return out


RECORDS = _records()


@pytest.mark.parametrize("envelope", ["named", "auto"])
def test_every_example_reports_as_the_full_pipeline(
    monkeypatch: pytest.MonkeyPatch, envelope: str
) -> None:
    fast = [
        _all_fields(errspec.check_response(r, env_id if envelope == "named" else "auto"))
        for env_id, _, r in RECORDS
    ]
    monkeypatch.setattr(_check, "quiet", lambda *_: False)
    monkeypatch.setattr(_check, "_conforming", lambda *_: None)
    monkeypatch.setattr(_check, "_report", lambda **values: Report(**values))
    slow = [
        _all_fields(errspec.check_response(dict(r), env_id if envelope == "named" else "auto"))
        for env_id, _, r in RECORDS
    ]
    assert fast == slow


def test_report_built_without_init_equals_the_constructed_one() -> None:
    values: dict[str, Any] = {
        "source": "<record>",
        "envelope": "json-api",
        "findings": (),
        "status": 422,
        "detection_score": 0.9,
        "kind": "response",
        "notes": ("a note",),
        "operation": None,
        "detection": {"score": 0.9},
    }
    fast, slow = _check._report(**values), Report(**values)
    assert type(fast) is Report
    assert fast == slow
    assert fast.__dict__ == slow.__dict__
    assert _all_fields(fast) == _all_fields(slow)


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {},
        {"Content-Type": "application/json"},
        {"Content-Type": "application/problem+json", "Retry-After": "5", "X-Id": "a"},
    ],
)
def test_record_response_equals_the_dataclass(headers: dict[str, str] | None) -> None:
    lower = plain_headers(headers)
    assert lower is not None
    pairs = tuple((headers or {}).items())
    fast = record_response(404, pairs, lower, {"a": 1}, "<r>", "GET", "/x", headers is not None)
    known = headers is not None
    slow = Response(404, pairs, {"a": 1}, source="<r>", method="GET", url="/x", headers_known=known)
    assert fast == slow
    assert fast.__dict__ == slow.__dict__
    assert fast.header("content-type") == slow.header("content-type")


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "a", "content-type": "b"},  # joined by the general path
        {"X": ["a", "b"]},
        {"X": 1},
        [("X", "a")],
        {1: "a"},
    ],
)
def test_other_headers_take_the_general_path(headers: Any) -> None:
    assert plain_headers(headers) is None


def test_records_with_unusual_headers_read_as_before() -> None:
    r = response_from_record(
        {"status": 400, "headers": {"X-A": "1", "x-a": "2"}, "body": {}}, "<r>"
    )
    assert r.header("x-a") == "1, 2"
    with pytest.raises(errspec.InputError, match="'headers' must be an object of strings"):
        response_from_record({"status": 400, "headers": {"X": 1}, "body": {}}, "<r>")
    with pytest.raises(errspec.InputError, match="'request' must be an object"):
        response_from_record({"status": 400, "request": "GET /", "body": {}}, "<r>")
    with pytest.raises(errspec.InputError, match="the request's 'method' must be a string"):
        response_from_record({"status": 400, "method": 1, "body": {}}, "<r>")


def test_every_gate_opens_the_gate_search() -> None:
    for _, gates, _ in _LEAK_FAMILIES:
        for gate in gates:
            assert _rules._ANY_GATE_KEY.search(f"some text {gate} more text"), gate


LEAKY = [
    "Traceback (most recent call last): boom",
    'File "/srv/app/main.py", line 12, in handler',
    "at com.example.Foo.bar(Foo.java:42)",
    "at Foo.bar(Foo.groovy:42) and also app.js:1:2",  # opened by another gate of the family
    "psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint",
    "SELECT * FROM users WHERE id = 1",
    "C:\\inetpub\\wwwroot\\app\\",
    "goroutine 1 [running]:",
]


@pytest.mark.parametrize("text", LEAKY)
@pytest.mark.parametrize("where", ["detail", "nested", "key"])
def test_no_leak_never_hides_a_leak(text: str, where: str) -> None:
    body: dict[str, Any] = {
        "detail": {"detail": text} if where == "nested" else text,
        "title": "Not Found",
    }
    if where == "key":
        body = {"title": "Not Found", "extra": {"stackTrace": text}}
    env = errspec.get_envelope("problem-details")
    response = response_from_record({"status": 404, "body": body}, "<r>")
    found = list(leaked_internals(Context(plan_for(env), response, body, env.id)))
    if found:
        strings = _rules.leak_strings(body)
        assert strings is None or not _rules.no_gate_open(strings)
    report = errspec.check_response({"status": 404, "body": body}, "problem-details")
    assert [f.rule for f in report.findings if f.rule == "leaked-internals"] == [
        f.rule for f in found
    ]


def test_quiet_is_false_for_each_rule_that_would_find() -> None:
    """A record made to break one rule at a time is never judged quiet."""
    base = {
        "status": 404,
        "headers": {"Content-Type": "application/problem+json"},
        "body": {"type": "about:blank", "title": "Not Found", "status": 404},
    }
    assert not errspec.check_response(base, "problem-details").findings
    broken = [
        {**base, "headers": {"Content-Type": "application/json"}},  # media type
        {**base, "body": {**base["body"], "status": 400}},  # status echo
        {**base, "status": 401, "body": {**base["body"], "status": 401}},  # WWW-Authenticate
        {**base, "headers": {**base["headers"], "Retry-After": "soon"}},  # invalid
        {**base, "body": {**base["body"], "trace": "Traceback (most recent call last)"}},
    ]
    for record in broken:
        report = errspec.check_response(record, "problem-details")
        assert report.findings, record


def test_envelope_names_are_remembered_exactly() -> None:
    env = errspec.get_envelope("problem-details")
    assert errspec.get_envelope(" Problem-Details ") is env
    assert errspec.get_envelope(" Problem-Details ") is env
    with pytest.raises(errspec.UnknownEnvelopeError):
        errspec.get_envelope("no-such-envelope")
    with pytest.raises(errspec.UnknownEnvelopeError):
        errspec.get_envelope("no-such-envelope")


def _conforming(record: dict[str, Any], envelope: str, strict: bool = False) -> Report | None:
    plan = plan_for(errspec.get_envelope(envelope), strict)
    quick = _check._conforming(record, plan.envelope, strict, None)
    return quick if isinstance(quick, Report) else None  # (judged wanting, or unjudged)


def test_conforming_records_take_the_one_pass_way() -> None:
    """Every shipped example with its envelope named that has no finding is judged by the
    one pass (else the fast path would be dead code), and every other one is left to the
    general way."""
    taken = 0
    for env_id, name, record in RECORDS:
        report = errspec.check_response(dict(record), env_id)
        quick = _conforming(dict(record), env_id)
        if quick is not None:
            assert report.findings == (), (env_id, name)
            assert _all_fields(quick) == _all_fields(report)
            taken += 1
        elif not report.findings and record["status"] >= 400 and "body" in record:
            # a conforming error record takes the general way only when the rules must
            # run there too (a Retry-After's value, a status echo given as text)
            response = checked(dict(record))
            plan = plan_for(errspec.get_envelope(env_id))
            assert not _rules.quiet(plan, response, response.media_type), name
    assert taken >= 80


BASE: dict[str, Any] = {
    "status": 404,
    "headers": {"Content-Type": "application/problem+json"},
    "body": {"type": "about:blank", "title": "Not Found", "status": 404},
}
_SHARED: dict[str, Any] = {"a": "x"}


@pytest.mark.parametrize(
    "record",
    [
        {**BASE, "status": 200},  # a success status: the general way judges it
        {**BASE, "status": True},
        {**BASE, "body_text": "{}"},
        {**BASE, "request": {"method": "GET", "url": "/x"}},
        {**BASE, "method": 1},
        {**BASE, "headers": {"Content-Type": "application/problem+json", "content-type": "x"}},
        {**BASE, "headers": {"X-Many": ["a", "b"]}},
        {**BASE, "body": {**BASE["body"], "stackTrace": "at x"}},  # a member to report
        {**BASE, "body": {**BASE["body"], "a": _SHARED, "b": _SHARED}},  # shared parts
        {**BASE, "body": {**BASE["body"], "n": float("nan")}},
        {**BASE, "body": {**BASE["body"], "t": ("a",)}},
        {**BASE, "body": {**BASE["body"], 1: "a"}},
        {**BASE, "body": {"type": "about:blank", "title": "Not Found", "status": 400}},
        {**BASE, "headers": {"Content-Type": "application/problem+json", "Retry-After": "x"}},
        {**BASE, "body": {**BASE["body"], "detail": "Traceback (most recent call last): x"}},
    ],
)
def test_records_off_the_common_case_take_the_general_way(record: dict[str, Any]) -> None:
    assert _conforming(record, "problem-details") is None


def test_the_one_pass_reads_records_as_the_general_way() -> None:
    """Headers absent, null, or in any case; a request's method and URL; strict."""
    for record in (
        BASE,
        {k: v for k, v in BASE.items() if k != "headers"},  # headers not recorded
        {**BASE, "headers": {"CONTENT-TYPE": "application/problem+json; charset=utf-8"}},
        {**BASE, "method": "GET", "url": "https://api.example.com/x", "latency_ms": 3},
    ):
        for strict in (False, True):
            quick = _conforming(dict(record), "problem-details", strict)
            assert quick is not None, record
            general = errspec.check_response(
                dict(record), "problem-details", source="<record>", strict=strict
            )
            assert _all_fields(quick) == _all_fields(general)
    # null headers are recorded as none: no Content-Type, which the general way reports
    assert _conforming({**BASE, "headers": None}, "problem-details") is None
    assert errspec.check_response({**BASE, "headers": None}, "problem-details").rules() == [
        "media-type"
    ]
    # a source names the report; unnamed reports of one envelope and status are shared
    named = errspec.check_response(dict(BASE), "problem-details", source="log:7")
    assert (named.source, named.findings) == ("log:7", ())
    assert errspec.check_response(dict(BASE), "problem-details") is errspec.check_response(
        dict(BASE), "problem-details"
    )
    # a header the envelope wants for this status, missing: the general way finds it
    unauthorized = {**BASE, "status": 401, "body": {**BASE["body"], "status": 401}}
    assert _conforming(unauthorized, "problem-details") is None
    assert (
        "www-authenticate-missing"
        in errspec.check_response(unauthorized, "problem-details").rules()
    )


def test_code_answers_kept_per_plan_are_the_rule_s(monkeypatch: pytest.MonkeyPatch) -> None:
    """A code's casing, catalogue row and status are judged once per plan and kept: the
    kept answer is what asking afresh gives, for codes right, mis-cased, unknown and with
    the wrong status, and the answers kept are bounded."""
    monkeypatch.setattr(_rules, "_MAX_CODE_ANSWERS", 5)
    for env in errspec.envelopes():
        plan = plan_for(env)
        if plan.code is None:
            continue
        plan.__dict__.pop(_rules._CODE_ANSWERS, None)  # (answers other tests left)
        codes = [*list(plan.catalogue)[:4], "not_a_code", "NOT_A_CODE", "NotACode", ""]
        for code in codes:
            for status in (400, 401, 404, 409, 422, 429, 500, 503):
                fresh = bool(
                    (plan.casing is None or plan.casing.fullmatch(code))
                    and _rules._status_fits(plan, code, status)
                    and (code in plan.catalogue or not plan.catalogue)
                )
                assert _rules._code_quiet(plan, code, status) is fresh, (env.id, code, status)
                assert _rules._code_quiet(plan, code, status) is fresh  # kept
                assert len(plan.__dict__[_rules._CODE_ANSWERS]) <= 5
