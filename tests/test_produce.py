"""The producer: ErrorInfo rendered into every envelope checks clean and parses back."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import errspec
from errspec import ErrorInfo, FieldError, parse, render, retry_delay
from errspec._produce import RETRY_STATUSES, _allowed
from errspec._registry import Envelope

from .conftest import SCHEMAS

ENVELOPES = errspec.envelope_ids()


def _statuses(env: Envelope) -> list[int]:
    p = env.profile
    found = {r.status for r in p.responses}
    if p.code is not None:
        found.update(s for statuses in p.code.catalogue.values() for s in statuses)
    return sorted(s for s in found if 400 <= s <= 599)


_text = st.text(st.characters(codec="utf-8"), max_size=30)
_field_errors = st.lists(
    st.builds(
        FieldError,
        field=st.from_regex(r"/[a-z][a-z0-9_]{0,8}", fullmatch=True),
        message=_text,
        code=st.sampled_from([None, "required", "invalid"]),
    ),
    max_size=3,
    unique_by=lambda f: f.field,
).map(tuple)


@st.composite
def infos(draw: st.DrawFn, env: Envelope) -> ErrorInfo:
    status = draw(st.sampled_from(_statuses(env)))
    p = env.profile
    codes = [c for c, s in p.code.catalogue.items() if status in s] if p.code else []
    return ErrorInfo(
        status=status,
        code=draw(st.sampled_from([None, *codes])),
        message=draw(_text),
        field_errors=draw(_field_errors),
        retry_after=draw(st.none() | st.integers(0, 3600).map(float)),
        request_id=draw(st.none() | st.from_regex(r"req-[a-z0-9]{1,8}", fullmatch=True)),
    )


def _errors(response: errspec.Response, env: Envelope | str) -> list[tuple[str, str]]:
    report = errspec.check_response(response, env)
    return [(f.rule, f.message) for f in report.findings if f.severity == "error"]


def _carries_fields(env: Envelope, status: int) -> bool:
    fe = env.profile.field_errors
    return (
        fe is not None
        and (fe.style == "map" or fe.field is not None)
        and _allowed(env.profile, fe.pointer, status)
    )


def _assert_round_trip(info: ErrorInfo, env: Envelope) -> None:
    response = render(info, env)
    back = parse(response, env)
    p = env.profile
    assert back.status == info.status
    if p.message:
        assert back.message == info.message
    if _carries_fields(env, info.status):
        assert [(f.field, f.message) for f in back.field_errors] == [
            (f.field, f.message) for f in info.field_errors
        ]
    carries_retry = p.retry_hint_header or _allowed(p, p.retry_hint_pointer, info.status)
    if info.retry_after is not None and info.status in RETRY_STATUSES and carries_retry:
        assert back.retry_after == info.retry_after
    if info.code is not None and p.code is not None:
        assert back.code == info.code


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_rendered_errors_check_clean_and_round_trip(envelope: str) -> None:
    env = errspec.get_envelope(envelope)

    @settings(max_examples=50, deadline=None, derandomize=True, database=None)
    @given(infos(env))
    def prop(info: ErrorInfo) -> None:
        response = render(info, env)
        assert _errors(response, env) == [], (response.headers, response.body)
        _assert_round_trip(info, env)

    prop()


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_every_documented_status_renders_clean(envelope: str) -> None:
    env = errspec.get_envelope(envelope)
    for status in _statuses(env):
        info = ErrorInfo(
            status,
            message="Something failed",
            field_errors=(FieldError("/name", "is required", "required"),),
            retry_after=30,
            request_id="req-1",
        )
        response = render(info, env)
        assert _errors(response, env) == [], (status, response.body)
        _assert_round_trip(info, env)


def test_render_problem_details_429() -> None:
    response = render(ErrorInfo(429, message="Slow down", retry_after=12.2, request_id="/r/1"))
    assert response.status == 429
    assert response.header("Content-Type") == "application/problem+json"
    assert response.header("Retry-After") == "13"
    # RFC 9457 §3.1.1: no code of its own is the schema's default type, written out, and
    # §4.2.1: its title is the status phrase (the profile's summary)
    body = {
        "type": "about:blank",
        "title": "Too Many Requests",
        "detail": "Slow down",
        "instance": "/r/1",
        "status": 429,
    }
    assert response.body == body
    assert parse(response).code is None


def test_render_uses_the_catalogue_code_and_required_headers() -> None:
    response = render(ErrorInfo(401, message="Who are you?"), "error-string")
    assert response.body == {"error": "unauthorized", "message": "Who are you?"}
    assert response.header("WWW-Authenticate") == "Bearer"
    google = render(ErrorInfo(404, message="gone"), "google-rpc")
    assert google.body == {"error": {"status": "NOT_FOUND", "message": "gone", "code": 404}}


def test_render_derives_schema_required_members() -> None:
    google = render(
        ErrorInfo(400, field_errors=(FieldError("name", "bad"),), request_id="r-9"), "google-rpc"
    )
    types = [d["@type"] for d in google.body["error"]["details"]]
    assert types == [
        "type.googleapis.com/google.rpc.RequestInfo",
        "type.googleapis.com/google.rpc.BadRequest",
    ]
    assert render(ErrorInfo(500), "data-error").body == {
        "error": {"message": "", "code": 500},
        "data": None,
    }
    api = render(ErrorInfo(422, message="m", field_errors=(FieldError("title", "x"),)), "json-api")
    assert api.body["errors"][1]["source"] == {"pointer": "/title"}  # a JSON pointer
    assert api.header("Content-Type") == "application/vnd.api+json"


def test_json_api_reads_the_general_item_first() -> None:
    info = ErrorInfo(422, message="m", field_errors=(FieldError("/a", "b", "c"),), request_id="r")
    back = parse(render(info, "json-api"))
    assert (back.code, back.message, back.request_id) == (None, "m", "r")
    assert back.field_errors == (FieldError("/a", "b", "c"),)
    only_fields = {
        "status": 422,
        "headers": {"Content-Type": "application/vnd.api+json"},
        "body": {
            "errors": [{"status": "422", "detail": "x", "code": "bad", "source": {"pointer": "/a"}}]
        },
    }
    assert parse(only_fields, "json-api").code == "bad"


def test_odata_echoes_its_code_in_a_header() -> None:
    response = render(ErrorInfo(409, message="taken", request_id="abc"), "odata")
    assert response.header("x-ms-error-code") == "conflict"
    assert response.header("x-ms-request-id") == "abc"
    assert parse(response).request_id == "abc"


def test_closed_catalogue_refuses_an_unknown_code() -> None:
    with pytest.raises(errspec.ErrspecError, match="closed catalogue"):
        render(ErrorInfo(404, code="NOPE"), "code-message")
    with pytest.raises(errspec.ErrspecError, match="closed catalogue"):
        render(ErrorInfo(422), "google-rpc")
    with pytest.raises(errspec.ErrspecError, match="goes with"):
        render(ErrorInfo(400, code="NOT_FOUND"), "google-rpc")
    assert render(ErrorInfo(409, code="CONFLICT"), "code-message").body["code"] == "CONFLICT"


def test_extensions_only_where_the_envelope_allows_them() -> None:
    info = ErrorInfo(403, message="no", extensions={"balance": 30})
    assert render(info).body["balance"] == 30
    assert parse(render(info)).extensions == {"balance": 30}
    assert "balance" not in render(info, "error-string").body


def test_parse_detects_the_envelope() -> None:
    record = json.loads(
        (SCHEMAS / "error-string/examples/valid/validation-error-422.json").read_text("utf-8")
    )
    info = parse(record)
    assert info.status == 422
    assert info.code == "validation_error"
    assert info.field_errors
    assert all(f.field for f in info.field_errors)


def test_house_envelope_folder_renders(tmp_path: Path) -> None:
    record = tmp_path / "422.json"
    body = {"error": "validation_error", "message": "Bad input", "status": 422}
    record.write_text(json.dumps({"status": 422, "headers": {}, "body": body}), "utf-8")
    folder = tmp_path / "acme"
    from click.testing import CliRunner

    from errspec._cli import cli

    result = CliRunner().invoke(
        cli, ["envelopes", "new", str(folder), "--from-response", str(record)]
    )
    assert result.exit_code == 0, result.output
    env = errspec.load_envelope(folder)
    for status in (400, 404, 422, 429, 500, 503):
        info = ErrorInfo(status, message="Nope", retry_after=5)
        response = render(info, env)
        assert _errors(response, env) == [], (status, response.body)
        assert response.body["status"] == status
        back = parse(response, env)
        assert (back.status, back.message) == (status, "Nope")


def _example(envelope: str, name: str) -> dict[str, Any]:
    path = SCHEMAS / envelope / "examples" / "valid" / name
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def test_retry_delay_seed_001_429_retry_after_12() -> None:
    assert retry_delay(_example("error-string", "rate-limit-exceeded-429.json")) == 12.0


def test_retry_delay_none_for_a_400() -> None:
    record = {"status": 400, "headers": {}, "body": {"error": "bad_request", "message": "x"}}
    assert retry_delay(record) is None
    assert retry_delay(render(ErrorInfo(400, message="x"), "code-message")) is None


def test_retry_delay_zero_for_a_503_without_hint() -> None:
    record = {"status": 503, "headers": {}, "body": {"error": "unavailable", "message": "x"}}
    assert retry_delay(record, "error-string") == 0.0
    assert retry_delay(render(ErrorInfo(503, message="down"), "code-message")) == 0.0


def test_retry_delay_after_reauth_or_fix_is_none() -> None:
    assert retry_delay(render(ErrorInfo(401), "code-message")) is None
    assert retry_delay(render(ErrorInfo(422), "code-message")) is None
    assert retry_delay(render(ErrorInfo(429), "google-rpc")) is None  # RESOURCE_EXHAUSTED


def test_retry_delay_http_date_and_rate_limit_reset() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    record = {
        "status": 429,
        "headers": {"Retry-After": later},
        "body": {"error": {"code": 429, "message": "x"}, "data": None},
    }
    delay = retry_delay(record, "data-error")
    assert delay is not None
    assert 100 < delay <= 120
    reset = {"status": 429, "headers": {"X-RateLimit-Reset": "60"}, "body": record["body"]}
    assert retry_delay(reset, "data-error") == 60.0
    epoch = int(datetime.now(UTC).timestamp()) + 30
    at = {"status": 429, "headers": {"X-RateLimit-Reset": str(epoch)}, "body": record["body"]}
    delay = retry_delay(at, "data-error")
    assert delay is not None
    assert 20 < delay <= 30


def test_retry_delay_reads_the_body_hint() -> None:
    record = {
        "status": 429,
        "headers": {},
        "body": {"error": "rate_limit_exceeded", "message": "x", "retry_after": 7},
    }
    assert retry_delay(record, "error-string") == 7.0
    assert parse(record, "error-string").retry_after == 7.0


def test_error_info_is_frozen() -> None:
    info = ErrorInfo(404)
    with pytest.raises(AttributeError):
        info.status = 500  # type: ignore[misc]
    assert FieldError("a", "b").code is None


def test_producing_doc_snippets_run() -> None:
    text = (SCHEMAS.parent / "docs" / "producing.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/producing.md", "exec"), {})


# --- errspec convert ---------------------------------------------------------------------

_VALID = [
    pytest.param(env.id, record, id=f"{env.id}/{record.name}")
    for env in errspec.envelopes()
    for record in env.examples()
    if record.valid and isinstance(record.data.get("body"), dict)
]


@pytest.mark.parametrize(("source", "record"), _VALID)
def test_every_shipped_valid_record_converts_into_every_envelope_cleanly(
    source: str, record: errspec.ExampleRecord
) -> None:
    """Issue: `errspec convert` turns the shipped valid records of each envelope into every
    other envelope with clean checks."""
    from errspec._produce import convert

    data = {k: record.data[k] for k in ("status", "headers", "body") if k in record.data}
    before = errspec.parse(data, source)
    for target in errspec.envelope_ids():
        out = convert(data, target, source)
        report = errspec.check_response(out, target)
        assert [f for f in report.findings if f.severity == "error"] == [], (target, out.body)
        # the same status, or the general one of its class where the target has no code
        # for it (google-rpc and 422; code-message and 402)
        general = 400 if data["status"] < 500 else 500
        assert out.status in (data["status"], general), (target, out.status)
        assert errspec.parse(out, target).status == out.status
        assert before.status == data["status"]


def test_convert_cli_writes_ndjson_that_checks_clean(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from errspec._cli import cli

    legacy = tmp_path / "legacy.json"
    legacy.write_text(
        json.dumps(
            {
                "status": 404,
                "headers": {"Content-Type": "application/json"},
                "body": {"error": {"code": "RESOURCE_NOT_FOUND", "message": "No such user."}},
            }
        )
    )
    result = CliRunner().invoke(
        cli, ["convert", str(legacy), "--from", "error-object", "--to", "rfc9457"]
    )
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    converted = json.loads(line)
    assert converted["status"] == 404
    assert converted["headers"]["Content-Type"] == "application/problem+json"
    assert converted["body"]["status"] == 404
    assert converted["body"]["detail"] == "No such user."
    out = tmp_path / "converted.json"
    out.write_text(line)
    checked = CliRunner().invoke(cli, ["check", str(out), "--envelope", "problem-details"])
    assert checked.exit_code == 0, checked.output
    unknown = CliRunner().invoke(cli, ["convert", str(legacy), "--to", "nope"])
    assert unknown.exit_code == 2
    assert "unknown envelope 'nope'" in unknown.stderr


def test_convert_says_when_the_target_cannot_express_the_status(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from errspec._cli import cli

    record = tmp_path / "422.json"
    record.write_text(
        json.dumps(
            {
                "status": 422,
                "headers": {"Content-Type": "application/json"},
                "body": {"error": "validation_error", "message": "Invalid priority"},
            }
        )
    )
    result = CliRunner().invoke(cli, ["convert", str(record), "--to", "google-rpc"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == 400
    assert result.stderr.strip() == (
        f"errspec: {record}: google-rpc has no code for HTTP 422: converted as 400"
    )


_CYCLE: dict[str, object] = {}
_CYCLE["self"] = _CYCLE


@pytest.mark.parametrize(
    ("make", "error", "phrase"),
    [
        (lambda: errspec.ErrorInfo(10**5000), errspec.ErrspecError, "an integer of 5001 digits"),
        (lambda: errspec.ErrorInfo("404"), TypeError, "status is an int"),
        (lambda: errspec.ErrorInfo(True), TypeError, "status is an int"),
        (lambda: errspec.ErrorInfo(429, retry_after=10**5000), errspec.ErrspecError, "retry_after"),
        (lambda: errspec.ErrorInfo(429, retry_after=float("nan")), errspec.ErrspecError, "not nan"),
        (lambda: errspec.ErrorInfo(429, retry_after=-5), errspec.ErrspecError, "not -5"),
        (lambda: errspec.ErrorInfo(422, field_errors=("x",)), TypeError, "FieldError"),
        (lambda: errspec.ErrorInfo(422, field_errors="name"), TypeError, "FieldError"),
        (lambda: errspec.ErrorInfo(404, message=None), TypeError, "message is a str"),
        (
            lambda: errspec.ErrorInfo(404, extensions={"x": _CYCLE}),
            errspec.ErrspecError,
            "extensions are not JSON data: it refers to itself",
        ),
        (
            lambda: errspec.ErrorInfo(404, extensions={"n": 10**5000}),
            errspec.ErrspecError,
            "extensions are not JSON data",
        ),
        (lambda: errspec.FieldError("name", 5), TypeError, "message is a str"),  # type: ignore[arg-type]
    ],
    ids=[
        "huge-status",
        "str-status",
        "bool-status",
        "huge-retry",
        "nan-retry",
        "negative-retry",
        "str-field-errors",
        "string-field-errors",
        "none-message",
        "cyclic-extensions",
        "huge-extension",
        "field-message-int",
    ],
)
def test_a_hostile_error_model_is_one_clear_error(make, error, phrase) -> None:  # type: ignore[no-untyped-def]
    """The model checks what it is given (these raised ValueError, AttributeError or a
    raw TypeError from deep inside render)."""
    with pytest.raises(error, match=re.escape(phrase)):
        make()


def test_a_list_of_field_errors_is_kept_as_a_tuple() -> None:
    info = errspec.ErrorInfo(422, field_errors=[errspec.FieldError("name", "required")])
    assert info.field_errors == (errspec.FieldError("name", "required"),)


@pytest.mark.parametrize(("value", "delay"), [("9" * 5000, math.inf), ("²", 0.0), ("30", 30.0)])
def test_retry_delay_reads_rate_limit_resets_safely(value: str, delay: float) -> None:
    """A 5,000-digit X-RateLimit-Reset raised ValueError; non-ASCII digits are no number."""
    record = {"status": 429, "headers": {"X-RateLimit-Reset": value}, "body": {}}
    assert errspec.retry_delay(record, "data-error") == delay
