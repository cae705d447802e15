"""Severity from the source (issue 15): a broken requirement is an error when the source
states it, a warning when it recommends it, and not reported when it is errspec's own
reading unless strict — in `errspec check`, `errspec lint`, the configuration and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import errspec
from errspec._cli import cli

READING = " (errspec's reading, not the source's)"


def record(status: int, body: Any, **headers: str) -> dict[str, Any]:
    return {
        "status": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": body,
    }


def shown(report: errspec.Report) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.pointer) for f in report.findings]


def test_stated_is_an_error() -> None:
    # seed 001: details "only for 422"
    body = {"error": "bad_request", "message": "m", "details": [{"field": "a", "message": "b"}]}
    report = errspec.check_response(record(400, body), "error-string")
    assert ("conditional-member", "error", "/details") in shown(report)


def test_recommended_is_a_warning() -> None:
    # JSON:API: the status member "SHOULD be provided"; the HTTP status is 404
    body = {"errors": [{"status": "400", "title": "Bad"}]}
    report = errspec.check_response(
        {"status": 404, "headers": {"Content-Type": "application/vnd.api+json"}, "body": body},
        "json-api",
    )
    assert shown(report) == [("status-mismatch", "warning", "/errors/0/status")]


@pytest.mark.parametrize(
    ("envelope", "response", "strict_findings"),
    [
        # seed 002 never says its code table is complete
        (
            "code-message",
            record(409, {"code": "ALREADY_EXISTS", "message": "Resource already exists"}),
            [("unknown-code", "warning", "/code")],
        ),
        # seed 002 shows the {code, message} shape of details only for validation errors
        (
            "code-message",
            record(409, {"code": "CONFLICT", "message": "m", "details": {"status": "Approved"}}),
            [("envelope-schema", "warning", "/details/status")],
        ),
        # seed 001 shows retry_after only in its 429 example, and never restricts it
        (
            "error-string",
            record(
                503,
                {"error": "unavailable", "message": "Down", "retry_after": 30},
                **{"Retry-After": "30"},
            ),
            [("conditional-member", "warning", "/retry_after")],
        ),
    ],
)
def test_inferred_is_reported_only_when_strict(
    envelope: str, response: dict[str, Any], strict_findings: list[tuple[str, str, str]]
) -> None:
    plain = errspec.check_response(response, envelope)
    assert [f for f in plain.findings if f.rule in {r for r, _, _ in strict_findings}] == []
    strict = errspec.check_response(response, envelope, strict=True)
    found = [f for f in strict.findings if (f.rule, f.severity, f.pointer) in strict_findings]
    assert [(f.rule, f.severity, f.pointer) for f in found] == strict_findings
    assert all(f.message.endswith(READING) for f in found)
    # the configuration's `strict` does the same; an explicit strict=False wins over it
    config = errspec._config.Config(strict=True)
    assert shown(errspec.check_response(response, envelope, config=config)) == shown(strict)
    unstrict = errspec.check_response(response, envelope, config=config, strict=False)
    assert shown(unstrict) == shown(plain)


def test_a_header_family_is_carried_by_any_of_it() -> None:
    """Seed 004's "Look at the X-RateLimit-* headers": the family, not three names."""
    body = {"data": None, "error": {"message": "Slow down.", "code": 429}}
    bare = errspec.check_response(record(429, body), "data-error")
    assert shown(bare) == [("header-missing", "warning", "header:X-RateLimit-*")]
    assert bare.findings[0].message == "a 429 response should carry an X-RateLimit-* header"
    sent = record(429, body, **{"x-ratelimit-used": "100"})
    assert errspec.check_response(sent, "data-error").findings == ()


def test_www_authenticate_is_http_s_must_for_every_envelope() -> None:
    for envelope in errspec.envelope_ids():
        env = errspec.get_envelope(envelope)
        (spec,) = [h for h in env.profile.headers if h.name == "WWW-Authenticate"]
        assert spec.provenance is not None
        assert (spec.provenance.basis, spec.provenance.document) == ("stated", "RFC 9110")
    report = errspec.check_response(
        record(401, {"error": "unauthorized", "message": "no key"}), "error-string"
    )
    (finding,) = report.findings
    assert (finding.rule, finding.severity) == ("www-authenticate-missing", "error")
    assert finding.message.endswith("(RFC 9110 §11.6.1)")


@pytest.mark.parametrize(
    ("envelope", "body", "severity"),
    [
        ("error-string", {"error": "rate_limit_exceeded", "message": "Slow down."}, "error"),
        ("code-message", {"code": "RATE_LIMITED", "message": "Slow down."}, "warning"),
    ],
)
def test_an_http_date_where_the_source_gives_seconds(
    envelope: str, body: dict[str, Any], severity: str
) -> None:
    response = record(429, body, **{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})
    report = errspec.check_response(response, envelope)
    hits = [f for f in report.findings if f.rule == "retry-after-invalid"]
    assert [(f.severity, f.pointer) for f in hits] == [(severity, "header:Retry-After")]
    assert "is an HTTP-date, but" in hits[0].message
    seconds = record(429, body, **{"Retry-After": "30"})
    assert "retry-after-invalid" not in errspec.check_response(seconds, envelope).rules()
    # error-object's source leaves the form open: an HTTP-date is fine there
    other = record(
        429,
        {"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "Slow down."}},
        **{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"},
    )
    assert errspec.check_response(other, "error-object").findings == ()


def test_a_house_profile_without_provenance_keeps_its_levels(tmp_path: Path) -> None:
    """A house envelope that gives no provenance: the levels it states decide."""
    import yaml

    from .conftest import SCHEMAS

    folder = tmp_path / "house"
    folder.mkdir()
    (folder / "envelope.schema.json").write_text(
        (SCHEMAS / "data-error" / "envelope.schema.json")
        .read_text(encoding="utf-8")
        .replace("errspec.dev/schemas/v1/data-error", "house.example/errors")
    )

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if not k.endswith("provenance")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    profile = strip(yaml.safe_load((SCHEMAS / "data-error" / "profile.yaml").read_text()))
    del profile["members"]
    profile.update(id="house", aliases=[], title="House")
    (folder / "profile.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    response = record(429, {"data": None, "error": {"message": "Slow down.", "code": 429}})
    report = errspec.check_response(response, str(folder))
    assert [(f.rule, f.severity) for f in report.findings] == [("header-missing", "warning")]


def test_cli_strict_on_check_and_lint(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(record(409, {"code": "ALREADY_EXISTS", "message": "Resource already exists"}))
    )
    runner = CliRunner()
    plain = runner.invoke(cli, ["check", str(path), "--envelope", "code-message"])
    assert (plain.exit_code, "unknown-code" in plain.stdout) == (0, False)
    strict = runner.invoke(cli, ["check", str(path), "--envelope", "code-message", "--strict"])
    assert strict.exit_code == 0  # a warning
    assert "warning unknown-code" in strict.stdout
    assert READING.strip() in strict.stdout
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\n"
        "info: {title: Incidents, version: '1'}\n"
        "paths:\n"
        "  /incidents:\n"
        "    post:\n"
        "      responses:\n"
        "        '201': {description: Created}\n"
        "        '409':\n"
        "          description: exists\n"
        "          content:\n"
        "            application/json:\n"
        "              schema:\n"
        "                type: object\n"
        "                required: [code, message]\n"
        "                properties:\n"
        "                  code: {type: string}\n"
        "                  message: {type: string}\n"
        "              example: {code: ALREADY_EXISTS, message: Resource already exists}\n",
        encoding="utf-8",
    )
    args = ["lint", str(spec), "--envelope", "code-message"]
    assert "unknown-code" not in runner.invoke(cli, args).stdout
    linted = runner.invoke(cli, [*args, "--strict"])
    assert "warning unknown-code code 'ALREADY_EXISTS' is not in the code-message catalogue" in (
        linted.stdout
    )
    assert errspec.lint(spec, envelope="code-message", strict=True).rules() == ["unknown-code"]
    assert errspec.lint(spec, envelope="code-message").rules() == []
