"""Hostile input to the Python API: what a caller, a server or a fuzzer can hand errspec.

errspec's promise: bad input gives a one-line ``ErrspecError`` or a ``TypeError`` saying
what was expected; never another exception, never a hang, never unbounded memory. And
whatever a report holds, every reporter writes it as text that encodes to UTF-8.
"""

from __future__ import annotations

import collections
import json
import math
import re
import types
import unittest.mock
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import errspec
from errspec import ErrspecError, Finding, Report
from errspec._http import parse_retry_after
from errspec._pointer import compile_pointer, escape, join, resolve, values
from errspec._reporters import REPORTERS

ENVELOPES = list(errspec.envelope_ids())


def _rendered(reports: list[Report]) -> dict[str, str]:
    """Every reporter's output for ``reports``, proven writable to a UTF-8 stdout."""
    out = {}
    for name, reporter in REPORTERS.items():
        text = "".join(reporter(iter(reports)))
        text.encode("utf-8")  # strict: a lone surrogate raises UnicodeEncodeError
        out[name] = text
    return out


def _pairs(report: Report) -> list[tuple[str, str, str]]:
    return [(f.rule, f.pointer, f.message) for f in report.findings]


# --- 1. lone surrogates ---------------------------------------------------------------------

SURROGATE_BODY = json.loads('{"type": "about:blank", "\\ud800x": "a", "title": "\\udc00"}')


@pytest.mark.parametrize("envelope", ["auto", "problem-details"])
def test_lone_surrogates_in_a_valid_body(envelope: str) -> None:
    assert SURROGATE_BODY == {"type": "about:blank", "\ud800x": "a", "title": "\udc00"}
    report = errspec.check_response({"status": 404, "body": SURROGATE_BODY}, envelope)
    assert report.envelope == "problem-details"
    assert report.findings == ()
    assert errspec.detect({"status": 404, "body": SURROGATE_BODY}).envelope == "problem-details"


def test_lone_surrogates_in_a_pattern_constrained_string() -> None:
    # json-api's status echo has `pattern`: jsonschema-rs raises on the surrogate.
    record = {"status": 404, "body": {"errors": [{"status": "\ud800", "title": "x"}]}}
    for envelope in ("auto", "json-api"):
        report = errspec.check_response(record, envelope)
        assert report.envelope == "json-api"
        assert _pairs(report) == [
            ("envelope-schema", "/errors/0/status", '"\ud800" does not match ^[1-5][0-9][0-9]$')
        ]
    assert not errspec.is_valid(record, "json-api")


def test_lone_surrogates_in_pointers_and_messages_are_escaped_by_every_reporter() -> None:
    body = {"code": "NOT_FOUND", "message": "m", "details": {"\ud800": {"code": 5}}}
    # code-message's field → {code, message} shape of details is errspec's reading of seed
    # 002: reported under strict, as a warning that says so
    report = errspec.check_response(
        {"status": 404, "body": body}, "code-message", source="in\udcff.json", strict=True
    )
    reading = " (errspec's reading, not the source's)"
    assert _pairs(report) == [
        (
            "envelope-schema",
            "/details/\ud800/message",
            "missing required member 'message'" + reading,
        ),
        ("envelope-schema", "/details/\ud800/code", "expected string, got an integer" + reading),
    ]
    out = _rendered([report])
    assert out["text"].splitlines()[1] == (
        "in\\udcff.json: warning envelope-schema expected string, got an integer"
        f"{reading} [/details/\\ud800/code]"
    )
    assert out["github"].splitlines()[1] == (
        "::warning file=in\\udcff.json,title=envelope-schema::"
        f"expected string, got an integer{reading} [/details/\\ud800/code]"
    )
    doc = json.loads(out["json"])
    assert doc["results"][0]["source"] == "in\\udcff.json"
    assert doc["results"][0]["findings"][1]["pointer"] == "/details/\\ud800/code"
    sarif = json.loads(out["sarif"])
    result = sarif["runs"][0]["results"][1]
    assert result["properties"]["pointer"] == "/details/\\ud800/code"
    assert result["message"]["text"] == (
        f"expected string, got an integer{reading} [/details/\\ud800/code]"
    )
    # The file as it is on disk: Python reads an undecodable byte 0xFF as "\udcff".
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "in%FF.json"
    junit = ET.fromstring(out["junit"].encode("utf-8"))
    assert junit.find("testsuite/testcase").get("name") == "in\\udcff.json"  # type: ignore[union-attr]


def test_reporters_escape_control_characters_in_text_lines() -> None:
    finding = Finding("envelope-schema", "error", "a\nb\x1b[31m\udc80", "/x\ny")
    out = _rendered([Report("<record>", None, (finding,))])
    assert out["text"].splitlines() == [
        "<record>: error envelope-schema a\\nb\\x1b[31m\\udc80 [/x\\ny]",
        "see: https://errspec.dev/rules/envelope-schema",
        "1 response checked: 0 conform, 1 do not (1 error, 0 warnings)",
    ]
    assert out["github"].splitlines()[0] == (
        "::error title=envelope-schema::<record>: a%0Ab\\x1b[31m\\udc80 [/x%0Ay]"
    )


def test_assertion_message_of_a_surrogate_body_is_writable() -> None:
    body = {"errors": [{"status": "\ud800", "title": "\udc00"}]}
    with pytest.raises(errspec.ErrorResponseAssertion) as caught:
        errspec.assert_error_response({"status": 404, "body": body}, "json-api")
    message = str(caught.value)
    message.encode("utf-8")
    assert '"\\ud800" does not match ^[1-5][0-9][0-9]$ [/errors/0/status]' in message
    assert '>         "status": "\\ud800",' in message


# --- 2. deep bodies -------------------------------------------------------------------------


def _nested(depth: int, kind: str, leaf: Any = "x") -> Any:
    body = leaf
    for _ in range(depth):
        body = {"a": body} if kind == "dict" else [body]
    return body


DEPTHS = [256, 500, 990]


@pytest.mark.parametrize("kind", ["dict", "list"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_bodies_inside_an_envelope(depth: int, kind: str) -> None:
    body = {"type": "about:blank", "title": "Not Found", "status": 404}
    body["debug"] = _nested(depth, kind)
    for envelope in ("auto", "problem-details"):
        report = errspec.check_response({"status": 404, "body": body}, envelope)
        assert (report.envelope, report.findings) == ("problem-details", ())
    wrapped = {"errors": [{"status": "404", "meta": {"trace": _nested(depth, kind)}}]}
    for envelope in ("auto", "json-api"):
        report = errspec.check_response({"status": 404, "body": wrapped}, envelope)
        assert (report.envelope, report.findings) == ("json-api", ())


@pytest.mark.parametrize("kind", ["dict", "list"])
@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_bare_bodies_give_a_report_with_every_envelope(depth: int, kind: str) -> None:
    # Depth changes nothing that errspec says: the same findings as for a shallow body.
    body, shallow = _nested(depth, kind), _nested(3, kind)
    report = errspec.check_response({"status": 404, "body": body})
    assert (report.envelope, report.rules()) == (None, ["envelope-unknown"])
    for envelope in ENVELOPES:
        report = errspec.check_response({"status": 404, "body": body}, envelope)
        expected = errspec.check_response({"status": 404, "body": shallow}, envelope)
        assert report.envelope == envelope
        assert _pairs(report) == _pairs(expected)


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_recursive_schema_member(depth: int) -> None:
    # odata's innererror chain is recursive in the schema: validators follow it all the way.
    inner: dict[str, Any] = {"code": "Deepest"}
    for _ in range(depth):
        inner = {"code": "Inner", "innererror": inner}
    body: dict[str, Any] = {"error": {"code": "BadArgument", "message": "m", "innererror": inner}}
    shallow = {"error": {"code": "BadArgument", "message": "m", "innererror": {"code": "X"}}}
    record = {"status": 400, "headers": {"x-ms-error-code": "BadArgument"}, "body": body}
    expected = errspec.check_response({**record, "body": shallow}, "odata")
    assert expected.rules() == ["media-type", "header-missing"]  # no schema finding
    for envelope in ("auto", "odata"):
        report = errspec.check_response(record, envelope)
        assert (report.envelope, _pairs(report)) == ("odata", _pairs(expected))
    # A wrong type at the bottom of the chain: a finding, whatever the validator can explain.
    bottom = body["error"]["innererror"]
    for _ in range(depth):
        bottom = bottom["innererror"]
    bottom["code"] = 5
    report = errspec.check_response(record, "odata")
    assert report.rules() == ["media-type", "envelope-schema", "header-missing"]
    pointer = "/error" + "/innererror" * (depth + 1) + "/code"
    assert _pairs(report)[1] == ("envelope-schema", pointer, "expected string, got an integer")


DEEP_FINDING = (
    "body-not-json",
    "",
    "the body nests more than 1000 levels deep, deeper than errspec checks (no Content-Type)",
)


@pytest.mark.parametrize("kind", ["dict", "list"])
def test_a_body_deeper_than_errspec_checks(kind: str) -> None:
    body = _nested(5000, kind)
    for wrap in (False, True):
        record = {"status": 404, "body": {"type": "about:blank", "x": body} if wrap else body}
        for envelope in ["auto", *ENVELOPES]:
            report = errspec.check_response(record, envelope)
            assert _pairs(report) == [DEEP_FINDING], envelope
            assert report.envelope == (None if envelope == "auto" else envelope)
        detection = errspec.detect(record)
        assert (detection.envelope, detection.score) == (None, 0.0)
    assert errspec.detect({"error": _nested(1001, kind)}).envelope is None


# --- 3. digits, numbers and Retry-After ------------------------------------------------------


@pytest.mark.parametrize("echo", ["²", "²²²", "٤٠٤", "4\u0660\u0664", "404\n", " 404"])
def test_non_ascii_digit_status_echo(echo: str) -> None:
    record = {"status": 404, "body": {"errors": [{"status": echo, "title": "x"}]}}
    for envelope in ("auto", "json-api"):
        report = errspec.check_response(record, envelope)
        assert report.envelope == "json-api"
        shown = json.dumps(echo, ensure_ascii=False)
        assert _pairs(report) == [
            ("envelope-schema", "/errors/0/status", f"{shown} does not match ^[1-5][0-9][0-9]$")
        ]


def test_non_ascii_digit_status_echo_in_a_success_response() -> None:
    """ "²²²" is no status: the body is an error body by its `errors` array alone (a JSON:API
    document with errors and no data), never by reading "²²²" as a number."""
    for echo in ("²²²", "٤٠٤"):
        record = {"status": 200, "body": {"errors": [{"status": echo, "title": "x"}]}}
        findings = errspec.check_response(record).findings
        assert [(f.rule, f.pointer) for f in findings] == [("error-with-success-status", "")]
        assert 'an "errors" array and no "data"' in findings[0].message
        assert echo not in findings[0].message


def test_ints_longer_than_python_converts_are_refused_with_one_line() -> None:
    big = 10**5000
    for body in ({"type": "about:blank", "status": big}, {"errors": [{"status": big}]}, big):
        for envelope in ("auto", "problem-details", "json-api"):
            with pytest.raises(ErrspecError) as caught:
                errspec.check_response({"status": 404, "body": body}, envelope)
            message = str(caught.value)
            assert "\n" not in message
            assert message.startswith("the body is not JSON data: ")
            assert message.endswith(
                "is an integer of 5001 digits (errspec reads integers of up to 4300 digits)"
            )
    with pytest.raises(ErrspecError, match=r"^the body is not JSON data: /status is an integer"):
        errspec.check_response({"status": 404, "body": {"status": -(10**4300)}})
    # 4300 digits is fine: the schema says the echo is out of range.
    report = errspec.check_response(
        {"status": 404, "body": {"status": 10**4299}}, "problem-details"
    )
    assert report.rules() == ["envelope-schema", "status-mismatch"]
    assert report.findings[1].message == (
        "body says status an integer of 4300 digits but the HTTP status is 404"
    )


def test_a_float_status_echo() -> None:
    def check(echo: Any, status: int) -> list[tuple[str, str, str]]:
        body = {"data": None, "error": {"message": "m", "code": echo}}
        return _pairs(errspec.check_response({"status": status, "body": body}, "data-error"))

    def typed(echo: float) -> tuple[str, str, str]:
        return (
            "envelope-schema",
            "/error/code",
            f"expected integer, got a number ({echo!r}): data-error echoes the HTTP status "
            "as a JSON integer",
        )

    assert check(404.0, 404) == [typed(404.0)]
    assert check(400.0, 404) == [
        typed(400.0),
        ("status-mismatch", "/error/code", "body says status 400.0 but the HTTP status is 404"),
    ]
    assert check(404, 404) == []
    # A fraction is not an integer at all: the schema says so, and nothing more.
    assert check(404.5, 404) == [
        ("envelope-schema", "/error/code", "expected integer, got a number")
    ]
    record = {"status": 404, "body": {"type": "about:blank", "status": 400.0}}
    assert errspec.check_response(record).rules() == ["envelope-schema", "status-mismatch"]


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "٤٠",
        "\u00a012\u00a0",
        "12\u2003",
        "1 2",
        "-1",
        "+5",
        "1.5",
        "",
        "Foo, 06 Nov 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "sun, 06 nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37",
        "Sunday 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994 +0500",
        "Sun Nov  6 08:49:37 PST 1994",
        "Sun Nov 6 08:49:37 1994",
        "Sun, Nov  6 08:49:37 1994",
        "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
    ],
)
def test_retry_after_invalid(value: str) -> None:
    assert parse_retry_after(value) is None
    record = {
        "status": 429,
        "headers": {"Retry-After": value},
        "body": {"error": "rate_limit_exceeded", "message": "slow down", "retry_after": 12},
    }
    report = errspec.check_response(record, "error-string")
    assert report.rules() == ["media-type", "retry-after-invalid"]
    assert report.findings[1].message == (
        f"Retry-After {value!r} is neither delay-seconds nor an HTTP-date (RFC 9110 §10.2.3)"
    )


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun Nov 16 08:49:37 1994",
        "Sun Nov 06 08:49:37 1994",
        " Sun, 06 Nov 1994 08:49:37 GMT\t",
        "Tue, 30 Jun 2015 23:59:60 GMT",  # a leap second
        "Thu, 29 Feb 2024 00:00:00 GMT",
    ],
)
def test_retry_after_dates(value: str) -> None:
    seconds = parse_retry_after(value)
    assert seconds is not None
    assert math.isnan(seconds)  # a date, not a delay


def test_retry_after_delay_seconds() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0120 ") == 120
    long = "1" * 5000  # valid delay-seconds (1*DIGIT), longer than int() converts
    assert parse_retry_after(long) == float("inf")
    record: dict[str, Any] = {
        "status": 429,
        "headers": {"Retry-After": long, "Content-Type": "application/json"},
        "body": {"error": "rate_limit_exceeded", "message": "slow down", "retry_after": 12},
    }
    report = errspec.check_response(record, "error-string")
    assert _pairs(report) == [
        (
            "retry-after-mismatch",
            "/retry_after",
            "Retry-After says a delay of 5000 digits but the body says 12",
        )
    ]
    record["headers"]["Retry-After"] = "²"
    assert errspec.check_response(record, "error-string").rules() == ["retry-after-invalid"]
    record["headers"]["Retry-After"] = "12"
    record["body"]["retry_after"] = 10**4000
    report = errspec.check_response(record, "error-string")
    assert _pairs(report) == [
        (
            "retry-after-mismatch",
            "/retry_after",
            "Retry-After says 12 s but the body says an integer of 4001 digits",
        )
    ]


# The grammar of RFC 9110 §5.6.7, written out independently of errspec's.
DAY = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DAY_L = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_D = "[0-9]"
_TIME = f"({_D}{{2}}):({_D}{{2}}):({_D}{{2}})"
GRAMMAR = [
    re.compile(f"({'|'.join(DAY)}), ({_D}{{2}}) ({'|'.join(MONTH)}) ({_D}{{4}}) {_TIME} GMT"),
    re.compile(f"({'|'.join(DAY_L)}), ({_D}{{2}})-({'|'.join(MONTH)})-({_D}{{2}}) {_TIME} GMT"),
    re.compile(
        f"({'|'.join(DAY)}) ({'|'.join(MONTH)}) ({_D}{{2}}| {_D}) {_TIME} ({_D}{{4}})",
    ),
]


def _real_date(text: str) -> bool:
    """Whether a grammatical HTTP-date names a real day and time (second 60: a leap second)."""
    for n, regex in enumerate(GRAMMAR):
        m = regex.fullmatch(text)
        if m is None:
            continue
        if n == 2:
            _, month, day, hh, mm, ss, year = m.groups()
        else:
            _, day, month, year, hh, mm, ss = m.groups()
        if n == 1:  # RFC 9110: not more than 50 years in the future
            now = datetime.now(UTC).year
            year = str(now - now % 100 + int(year))
            year = str(int(year) - 100) if int(year) > now + 50 else year
        try:
            datetime(int(year), MONTH.index(month) + 1, int(day))
        except ValueError:
            return False
        return int(hh) < 24 and int(mm) < 60 and int(ss) <= 60
    return False


def _fmt(n: int, when: datetime, day: int) -> str:
    t = when.strftime("%H:%M:%S")
    d, m = DAY[when.weekday()], MONTH[when.month - 1]
    if n == 0:
        return f"{d}, {day:02d} {m} {when.year:04d} {t} GMT"
    if n == 1:
        return f"{DAY_L[when.weekday()]}, {day:02d}-{m}-{when.year % 100:02d} {t} GMT"
    return f"{d} {m} {day:2d} {t} {when.year:04d}"


_HTTP_CHARS = st.sampled_from(list("0123456789 ,:-GMTSunMonNov\t²٤\u00a0+"))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    when=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
    form=st.integers(0, 2),
    day=st.integers(0, 39),
    noise=st.text(_HTTP_CHARS, max_size=3),
    at=st.integers(0, 40),
)
def test_retry_after_matches_the_grammar(
    when: datetime, form: int, day: int, noise: str, at: int
) -> None:
    text = _fmt(form, when, day or when.day)
    mutated = text[:at] + noise + text[at + len(noise) :]
    for value in (text, mutated):
        stripped = value.strip(" \t")  # optional whitespace around a field value
        expected = _real_date(stripped) or re.fullmatch("[0-9]+", stripped) is not None
        result = parse_retry_after(value)
        assert (result is not None) is expected, value


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(st.sampled_from("0123456789²\u0660 \t\u00a0x"), max_size=12))
def test_retry_after_delay_seconds_are_ascii_digits(value: str) -> None:
    digits = value.strip(" \t")
    result = parse_retry_after(value)
    if re.fullmatch("[0-9]+", digits):
        assert result == int(digits)
    else:
        assert result is None


def test_utc_dates_round_trip_through_the_imf_form() -> None:
    when = datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC) + timedelta(seconds=1)
    assert parse_retry_after(when.strftime("%a, %d %b %Y %H:%M:%S GMT")) is not None


# --- 4. what the Python API is given ---------------------------------------------------------

NOT_JSON = "the body is not JSON data: "


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a": 1}', "it is bytes (give parsed JSON as 'body', or the raw text as 'body_text')"),
        (
            bytearray(b"{}"),
            "it is bytearray (give parsed JSON as 'body', or the raw text as 'body_text')",
        ),
        ({"a": b"x"}, "/a is bytes"),
        ({"a": [1, 2j]}, "/a/1 is complex"),
        ({"a": {1, 2}}, "/a is set"),
        ({"a": object()}, "/a is object"),
        ({"a": float("nan")}, "/a is nan, not a finite number"),
        ({"a": [float("-inf")]}, "/a/0 is -inf, not a finite number"),
        ({1: "x"}, "the top-level object has a key of type int (JSON object keys are strings)"),
        ({"a": {None: 1}}, "/a has a key of type NoneType (JSON object keys are strings)"),
        ({"a~/b": {(1, 2): 1}}, "/a~0~1b has a key of type tuple (JSON object keys are strings)"),
        (unittest.mock.Mock(), "it is Mock"),
    ],
)
def test_bodies_that_are_not_json_data(body: Any, message: str) -> None:
    for call in (errspec.check_response, errspec.is_valid, errspec.detect):
        with pytest.raises(ErrspecError) as caught:
            call({"status": 404, "body": body})
        assert str(caught.value) == NOT_JSON + message
    with pytest.raises(ErrspecError, match=r"^the body is not JSON data: "):
        list(errspec.iter_findings({"status": 404, "body": body}, "json-api"))
    with pytest.raises(ErrspecError, match=r"^the body is not JSON data: "):
        errspec.assert_error_response({"status": 404, "body": body})


def test_not_json_data_messages_are_one_line() -> None:
    # Found by fuzzing: a member name with a newline made the "one line" two.
    with pytest.raises(ErrspecError) as caught:
        errspec.check_response({"status": 404, "body": {"a\nb": [b"x"], "\udc00": 1}})
    assert str(caught.value) == NOT_JSON + "/a\\nb/0 is bytes"


def test_assertion_messages_show_deep_values_briefly() -> None:
    body = {"error": _nested(990, "dict"), "message": "m"}
    with pytest.raises(errspec.ErrorResponseAssertion) as caught:
        errspec.assert_error_response({"status": 404, "body": body}, "error-string", code="x")
    assert str(caught.value).splitlines()[1] == (
        "  expected error code 'x' at /error, got {'a': {'a': {'a': {...}}}}"
    )


def test_a_body_that_refers_to_itself_is_refused_at_once() -> None:
    d: dict[str, Any] = {"type": "about:blank"}
    d["self"] = d
    for envelope in ("auto", "problem-details"):
        with pytest.raises(ErrspecError) as caught:
            errspec.check_response({"status": 404, "body": d}, envelope)
        assert str(caught.value) == NOT_JSON + "it refers to itself at /self"
    loop: list[Any] = [1]
    loop.append([{"x": loop}])
    with pytest.raises(
        ErrspecError, match=r"^the body is not JSON data: it refers to itself at /1/0/x$"
    ):
        errspec.detect({"status": 404, "body": loop})
    wide: list[Any] = []
    wide.extend([wide] * 1000)
    with pytest.raises(ErrspecError, match=r"refers to itself at /0$"):
        errspec.check_response({"status": 404, "body": wide})


def test_shared_values_are_data_but_exponential_sharing_is_bounded() -> None:
    item = {"status": "404", "title": "x"}
    report = errspec.check_response({"status": 404, "body": {"errors": [item, item]}})
    assert (report.envelope, report.findings) == ("json-api", ())
    bomb: list[Any] = ["x"]
    for _ in range(64):
        bomb = [bomb, bomb]
    with pytest.raises(ErrspecError) as caught:
        errspec.check_response({"status": 404, "body": bomb})
    assert str(caught.value) == (
        NOT_JSON + "it shares objects and arrays so much that it would unfold into more than "
        "1000000 values"
    )


def test_json_data_of_python_subclasses_and_mappings_is_checked_as_json() -> None:
    body = collections.OrderedDict(
        [("error", "NotFound"), ("message", types.MappingProxyType({"x": 1}))]
    )
    report = errspec.check_response({"status": 404, "body": body}, "error-string")
    assert _pairs(report) == [
        ("envelope-schema", "/message", "expected string, got an object"),
        ("code-format", "/error", "code 'NotFound' is not snake_case"),
    ]
    body2 = collections.OrderedDict(errors=(collections.OrderedDict(status="422"),))
    report = errspec.check_response({"status": 404, "body": body2})
    assert report.envelope == "json-api"
    assert _pairs(report) == [
        ("status-mismatch", "/errors/0/status", "body says status 422 but the HTTP status is 404")
    ]


class _Fake:
    """A requests-like response object."""

    def __init__(self, status_code: Any = 404, headers: Any = None, content: Any = b"{}") -> None:
        self.status_code = status_code
        self.headers = {} if headers is None else headers
        self.content = content


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            unittest.mock.Mock(),
            "errspec cannot read this Mock as a response: its status_code is a Mock, not an int",
        ),
        (
            unittest.mock.MagicMock(),
            "errspec cannot read this MagicMock as a response: its status_code is a MagicMock, "
            "not an int",
        ),
        (
            unittest.mock.Mock(status_code=404, headers={}, content=None),
            "errspec cannot read this Mock as a response: its content is None, not bytes",
        ),
        (
            _Fake(content=None),
            "errspec cannot read this _Fake as a response: its content is None, not bytes",
        ),
        (
            _Fake(content="{}"),
            "errspec cannot read this _Fake as a response: its content is a str, not bytes",
        ),
        (
            _Fake(status_code="404"),
            "errspec cannot read this _Fake as a response: its status_code is a str, not an int",
        ),
        (
            _Fake(status_code=True),
            "errspec cannot read this _Fake as a response: its status_code is a bool, not an int",
        ),
        (
            _Fake(headers={"Retry-After": 12}),
            "header values are strings, not int (Retry-After)",
        ),
        (
            errspec.Response(status="404"),  # type: ignore[arg-type]
            "a response's status is an int (100-599), not str",
        ),
        (
            errspec.Response(status=False),
            "a response's status is an int (100-599), not bool",
        ),
        (errspec.Response(404, source=7), "a response's source is a str, not int"),
        (errspec.Response(404, method=b"GET"), "a response's method is a str, not bytes"),
        (
            42,
            "errspec checks a response record (dict), an errspec Response, or an HTTP library "
            "response with status_code/headers/content, not int",
        ),
    ],
)
def test_objects_that_are_not_responses_are_type_errors(response: Any, message: str) -> None:
    for call in (errspec.check_response, errspec.is_valid, errspec.detect):
        with pytest.raises(TypeError) as caught:
            call(response)
        assert str(caught.value) == message
    with pytest.raises(TypeError):
        errspec.assert_error_response(response)


def test_a_configured_mock_is_read_like_a_response() -> None:
    mock = unittest.mock.Mock(
        status_code=404,
        headers={"Content-Type": "application/problem+json"},
        content=b'{"type": "about:blank", "title": "Not Found", "status": 404}',
        spec=["status_code", "headers", "content"],
    )
    report = errspec.check_response(mock)
    assert (report.envelope, report.findings) == ("problem-details", ())


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        ("404", ErrspecError, "<record>: a response record needs an integer 'status' (100-599)"),
        (True, ErrspecError, "<record>: a response record needs an integer 'status' (100-599)"),
        pytest.param(
            10**5000,
            ErrspecError,
            "<record>: a response record needs an integer 'status' (100-599)",
            id="huge",
        ),
    ],
)
def test_record_statuses(status: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        errspec.check_response({"status": status, "body": {}})
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (1000, "the response's status is 1000, not an HTTP status (100-599)"),
        (-404, "the response's status is -404, not an HTTP status (100-599)"),
        pytest.param(
            10**5000,
            "the response's status is an integer of 5001 digits, not an HTTP status (100-599)",
            id="huge",
        ),
    ],
)
def test_response_statuses_out_of_range(status: int, message: str) -> None:
    for call in (errspec.check_response, errspec.is_valid, errspec.detect):
        with pytest.raises(ErrspecError) as caught:
            call(errspec.Response(status=status))
        assert str(caught.value) == message


def test_an_int_enum_status_is_an_int() -> None:
    import http

    report = errspec.check_response(
        {"status": http.HTTPStatus.NOT_FOUND, "body": {"type": "about:blank", "status": 404}}
    )
    assert (report.status, type(report.status), report.findings) == (404, int, ())


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": 12}, {1: "x"}, {"X": None}, {"X": b"y"}, [("X", 1)], {"X": ["a", 2]}],
)
def test_headers_that_are_not_strings(headers: Any) -> None:
    with pytest.raises(ErrspecError) as caught:
        errspec.check_response({"status": 404, "headers": headers, "body": {}})
    assert str(caught.value) == "<record>: 'headers' must be an object of strings"


def test_response_headers_that_are_not_string_pairs() -> None:
    with pytest.raises(TypeError, match=r"^header values are strings, not int \(X\)$"):
        errspec.Response(404, headers=(("X", 1),))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^header names are strings, not int$"):
        errspec.Response(404, headers=((1, "x"),))  # type: ignore[arg-type]
    # A mapping is taken as the name -> value pairs it holds.
    r = errspec.Response(404, headers={"Retry-After": "1"})  # type: ignore[arg-type]
    assert (r.headers, r.header("retry-after")) == ((("Retry-After", "1"),), "1")


def test_unknown_fail_on() -> None:
    record = {"status": 404, "body": {"type": "about:blank", "status": 404}}
    message = "fail_on must be 'error' or 'warning', not 'fatal'"
    with pytest.raises(ErrspecError) as caught:
        errspec.assert_error_response(record, fail_on="fatal")  # type: ignore[arg-type]
    assert str(caught.value) == message
    report = errspec.check_response(record)
    with pytest.raises(ErrspecError) as caught:
        report.fails("fatal")  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert report.fails("warning") is False
    finding = Finding("media-type", "warning", "m")
    with pytest.raises(ErrspecError) as caught:
        finding.at_least("fatal")  # type: ignore[arg-type]
    assert str(caught.value) == message
    with pytest.raises(ErrspecError, match=r"^fail_on must be 'error' or 'warning', not list$"):
        finding.at_least([])  # type: ignore[arg-type]
    assert (finding.at_least("warning"), finding.at_least("error")) == (True, False)


@pytest.mark.parametrize("envelope", [123, None, ["json-api"], b"json-api"])
def test_envelope_argument_of_the_wrong_type(envelope: Any) -> None:
    with pytest.raises(TypeError) as caught:
        errspec.check_response({"status": 404, "body": {}}, envelope)
    assert str(caught.value) == (
        "envelope is an envelope id or alias, a path to an envelope folder, an Envelope or "
        f"'auto', not {type(envelope).__name__}"
    )


# --- 5. pointers ---------------------------------------------------------------------------


def test_values_and_resolve_agree_on_mappings() -> None:
    doc = collections.OrderedDict(a=types.MappingProxyType({"b": [collections.OrderedDict(c=1)]}))
    for pointer in ("/a/b/0/c", "/a/*/*/c", "/*/b/0/*"):
        segments = compile_pointer(pointer)
        assert values(doc, segments) == [v for _, v in resolve(doc, segments)] == [1]
    assert resolve(doc, compile_pointer("/a/*/*/c")) == [("/a/b/0/c", 1)]


@pytest.mark.parametrize("segment", ["²", "\u0660", "01", "-1", "+1", " 1", "1 "])
def test_array_indexes_are_ascii_digits_without_leading_zeros(segment: str) -> None:
    doc = {"a": ["zero", "one"]}
    segments = ("a", segment)
    assert values(doc, segments) == resolve(doc, segments) == []
    assert values(doc, ("a", "1")) == ["one"]


@pytest.mark.parametrize("pointer", ["/a~2", "/a~", "/~x/b", "a"])
def test_malformed_pointers(pointer: str) -> None:
    with pytest.raises(ValueError, match="JSON pointer"):
        compile_pointer(pointer)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.text(st.sampled_from("~01/a*"), max_size=6), max_size=5))
def test_pointer_escape_round_trip(segments: list[str]) -> None:
    assert compile_pointer(join(segments)) == tuple(segments)
    for s in segments:
        assert compile_pointer("/" + escape(s)) == (s,)


def test_pointer_unescape_order() -> None:
    # RFC 6901 §4: ~1 to / first, then ~0 to ~: "~01" is "~1", never "/".
    assert compile_pointer("/~01") == ("~1",)
    assert compile_pointer("/~10") == ("/0",)
    assert compile_pointer("/~0~1") == ("~/",)
    assert escape("~1") == "~01"


# --- 6. fuzzing check_response ------------------------------------------------------------

_CHARS = st.characters(codec=None, exclude_categories=())  # surrogates and controls too
_TEXT = st.text(_CHARS, max_size=12)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
    | st.sampled_from(
        ["404", "²²²", "٤٠٤", "NOT_FOUND", "not_found", "about:blank", "at x.java:1)"]
    )
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["error", "errors", "code", "status", "message", "details", "type"])
            | _TEXT,
            inner,
            max_size=4,
        )
    ),
    max_leaves=16,
)
_EXAMPLE_BODIES = [
    ex.data["body"] for env in errspec.envelopes() for ex in env.examples() if "body" in ex.data
]
_HEADER_VALUES = (
    st.sampled_from(
        [
            "120",
            "0",
            "²",
            "٤",
            "1" * 5000,
            "\u00a012",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Foo, 06 Nov 1994 08:49:37 GMT",
            "application/json",
            "application/problem+json; charset=utf-8",
            "application/vnd.api+json",
            "text/html",
            'Bearer realm="x"',
            "",
            "NotFound",
        ]
    )
    | _TEXT
)
_HEADERS = st.dictionaries(
    st.sampled_from(
        ["Retry-After", "Content-Type", "WWW-Authenticate", "x-ms-error-code", "X-RateLimit-Limit"]
    )
    | _TEXT,
    _HEADER_VALUES,
    max_size=4,
)


def _mutate(body: Any, data: st.DataObject) -> Any:
    """``body`` with one value somewhere replaced by arbitrary JSON."""
    body = json.loads(json.dumps(body))
    node = body
    for _ in range(data.draw(st.integers(0, 3))):
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], dict | list) or not node[key]:
                node[key] = data.draw(_JSON)
                return body
            node = node[key]
        elif isinstance(node, list) and node:
            i = data.draw(st.integers(0, len(node) - 1))
            if not isinstance(node[i], dict | list) or not node[i]:
                node[i] = data.draw(_JSON)
                return body
            node = node[i]
    if isinstance(node, dict):
        node[data.draw(_TEXT)] = data.draw(_JSON)
    elif isinstance(node, list):
        node.append(data.draw(_JSON))
    return body


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.integers(0, 3))
    record: dict[str, Any] = {"status": draw(st.integers(100, 599))}
    if draw(st.booleans()):
        record["headers"] = draw(_HEADERS)
    if kind == 0:
        record["body"] = draw(_JSON)
    elif kind == 1:
        record["body"] = draw(st.sampled_from(_EXAMPLE_BODIES))
    elif kind == 2:
        record["body"] = _mutate(draw(st.sampled_from(_EXAMPLE_BODIES)), draw(st.data()))
    else:
        record["body_text"] = draw(_TEXT | st.sampled_from(["{", "[1,", '{"a": NaN}', "null"]))
    if draw(st.booleans()):
        record["method"] = draw(st.sampled_from(["GET", "HEAD", "POST"]))
        record["url"] = "https://api.example.com/x"
    return record


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(record=_records(), envelope=st.sampled_from(["auto", *ENVELOPES]))
def test_fuzz_check_response(record: dict[str, Any], envelope: str) -> None:
    try:
        report = errspec.check_response(record, envelope)
    except (ErrspecError, TypeError) as exc:
        refused: Exception | None = exc
    else:
        refused = None
    if refused is not None:
        assert "\n" not in str(refused)
        return
    assert isinstance(report, Report)
    assert all(f.rule in errspec.RULES for f in report.findings)
    assert errspec.is_valid(record, envelope) == report.conforms
    _rendered([report])


def _all_reports() -> Iterator[Report]:
    for env in errspec.envelopes():
        for ex in env.examples():
            yield errspec.check_response(dict(ex.data), env.id, source=ex.name)


def test_every_reporter_over_every_example_report_is_utf8() -> None:
    _rendered(list(_all_reports()))


@pytest.mark.parametrize("envelope", errspec.envelope_ids())
def test_envelope_is_valid_answers_for_lone_surrogates(envelope: str) -> None:
    """`Envelope.is_valid` is public and used by lint on examples: jsonschema-rs raises on
    a lone surrogate, so jsonschema answers instead (it used to raise UnicodeEncodeError)."""
    env = errspec.get_envelope(envelope)
    valid = env.schema["examples"][0]
    for body in ({**valid, "\ud800": "x"}, {**valid, "x-\udc00": ["\ud800"]}, {"\ud800": 1}):
        assert env.is_valid(body) is env.validator.is_valid(body)


class _NoContent:
    status_code = 404
    headers: dict[str, str] = {}  # noqa: RUF012 - a stand-in's class attributes
    content = None


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        (_NoContent(), "its content is None, not bytes"),
        (unittest.mock.Mock(), "its status_code is a Mock, not an int"),
        (unittest.mock.MagicMock(), "its status_code is a MagicMock, not an int"),
    ],
    ids=["content-None", "Mock", "MagicMock"],
)
def test_as_response_says_what_a_stand_in_lacks(response: object, problem: str) -> None:
    """The public `errspec.as_response()` itself, not only `check_response()`, refuses a
    stand-in with the wrong types with a TypeError saying which (AttributeError before)."""
    with pytest.raises(TypeError, match=re.escape(problem)):
        errspec.as_response(response)


def test_an_index_one_past_the_end_names_nothing() -> None:
    """`/errors/2` of a two-item array is no value (an off-by-one there raised IndexError)."""
    body = {"errors": [{"status": "404"}, {"status": "409"}]}
    assert values(body, compile_pointer("/errors/1/status")) == ["409"]
    assert values(body, compile_pointer("/errors/2/status")) == []
    assert resolve(body, compile_pointer("/errors/2")) == []
    assert values(body, compile_pointer("/errors/99999999999999999999")) == []


@pytest.mark.parametrize(
    ("value", "is_json"),
    [
        ("application/json", True),
        ("application/problem+json", True),
        ("application/vnd.api+json", True),
        ("text/html", False),
        ("application/xml", False),
        ("text/json-ish", False),
        (None, False),
    ],
)
def test_json_media_types(value: str | None, is_json: bool) -> None:
    """Killed the surviving mutant that turned `and` into `or` (any media type was JSON)."""
    from errspec._http import is_json_media_type

    assert is_json_media_type(value) is is_json


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("Sun, 06 Nov 1994 23:59:59 GMT", True),
        ("Sun, 06 Nov 1994 08:49:60 GMT", True),  # a leap second
        ("Sun, 06 Nov 1994 24:00:00 GMT", False),
        ("Sun, 06 Nov 1994 08:60:37 GMT", False),
        ("Sun, 06 Nov 1994 08:49:61 GMT", False),
    ],
)
def test_retry_after_time_of_day_bounds(value: str, valid: bool) -> None:
    """Hours below 24, minutes below 60, seconds up to 60 (RFC 9110 §5.6.7)."""
    assert (parse_retry_after(value) is not None) is valid
