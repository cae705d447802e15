"""The `sarif`, `github` and `junit` reporters over real reports: exact structure, SARIF
validated against the official SARIF 2.1.0 schema, GitHub escaping, JUnit counts, and the
CLI's exit codes in every format."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator, FormatChecker

import errspec
from errspec._cli import cli
from errspec._findings import rule_help_url
from errspec._reporters import (
    REPORTERS,
    SARIF_SCHEMA,
    Place,
    finding_place,
    render_github,
    render_junit,
    render_sarif,
)

from .conftest import REPO, SHARED, shared_path

EXAMPLES = "schemas/{}/examples/{}.json"
# One error with a body pointer (code-status-mismatch at /error).
ERROR = EXAMPLES.format("error-string", "invalid/not-found-with-409")
# Two warnings, conforms (unknown-code at /error/code, header-missing x-ms-error-code).
WARNINGS = EXAMPLES.format("odata", "invalid/error-code-header-missing")
# A warning and an error (unknown-code at /error, conditional-member at /details).
MIXED = EXAMPLES.format("error-string", "invalid/details-on-400")
# An error without pointer or envelope (body-not-json).
NOT_JSON = EXAMPLES.format("data-error", "invalid/html-503")
VALID = EXAMPLES.format("error-string", "valid/rate-limit-exceeded-429")

ERROR_MESSAGE = "code 'not_found' goes with HTTP 404, not 409"
NOT_JSON_MESSAGE = "the body is text/html, not JSON"
UNKNOWN_ODATA = (
    "code 'ResourceNotFound' is not one of the 36 odata codes errspec knows "
    "(custom codes are allowed)"
)
NO_ERROR_HEADER = "a 404 response should carry x-ms-error-code"
CUSTOM = (
    "code 'bad_request' is not one of the 7 error-string codes errspec knows "
    "(custom codes are allowed)"
)
ONLY_422 = "/details is only for status 422, not 400"


def _record(path: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / path).read_text(encoding="utf-8"))
    return data


def _har_entry(record: dict[str, Any]) -> dict[str, Any]:
    text = record.get("body_text") or json.dumps(record["body"])
    headers = [{"name": k, "value": v} for k, v in record["headers"].items()]
    return {
        "request": {"method": "GET", "url": "https://api.example.com/tasks/1"},
        "response": {
            "status": record["status"],
            "headers": headers,
            "content": {"mimeType": record["headers"]["Content-Type"], "text": text},
        },
    }


#: A lint finding (spec mode): the location is another file than the report's source.
LINT_FINDING = errspec.Finding(
    "status-mismatch",
    "error",
    "the example says status 400 under the 404 response",
    "components.yaml#/components/examples/NotFound/value/status",
    "problem-details",
    "specs/components.yaml:12:7",
)


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[errspec.Report]:
    """Reports as `errspec check` makes them, one per kind of source, in this order:
    a file, two NDJSON lines, two HAR entries, standard input, a lint report."""
    monkeypatch.chdir(tmp_path)
    ndjson = "\n".join(json.dumps(_record(p)) for p in (VALID, MIXED)) + "\n"
    Path("traffic.ndjson").write_text(ndjson, encoding="utf-8")
    entries = [_har_entry(_record(p)) for p in (WARNINGS, NOT_JSON)]
    har = {"log": {"version": "1.2", "entries": entries}}
    Path("traffic.har").write_text(json.dumps(har), encoding="utf-8")
    options = errspec.ReadOptions()
    stdin = io.BytesIO(json.dumps(_record(ERROR)).encode())
    responses = [
        *errspec.read_responses("traffic.ndjson", options),
        *errspec.read_responses("traffic.har", options),
        *errspec.read_responses("-", options, stdin=stdin),
    ]
    out = [errspec.check_response(_record(ERROR), source=ERROR)]
    out += [errspec.check_response(r) for r in responses]
    out.append(errspec.Report("specs/openapi.yaml", "problem-details", (LINT_FINDING,)))
    sources = [r.source for r in out]
    assert sources == [
        ERROR,
        "traffic.ndjson:1",
        "traffic.ndjson:2",
        "traffic.har#entries/0",
        "traffic.har#entries/1",
        "<stdin>",
        "specs/openapi.yaml",
    ]
    assert [r.rules() for r in out] == [
        ["code-status-mismatch"],
        [],
        ["unknown-code", "conditional-member"],
        ["unknown-code", "header-missing"],
        ["body-not-json"],
        ["code-status-mismatch"],
        ["status-mismatch"],
    ]
    return out


def _render(reporter: str, reports: list[errspec.Report]) -> str:
    return "".join(REPORTERS[reporter](iter(reports)))


def test_registered() -> None:
    assert REPORTERS["sarif"] is render_sarif
    assert REPORTERS["github"] is render_github
    assert REPORTERS["junit"] is render_junit


# --- where a finding is --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "location", "place"),
    [
        ("a/b.json", None, Place("a/b.json")),
        ("a/b.ndjson:12", None, Place("a/b.ndjson", 12)),
        ("a/b.har#entries/3", None, Place("a/b.har", part="entries/3")),
        ("a/list.json#2", None, Place("a/list.json", part="2")),
        ("<stdin>", None, Place(None)),
        ("<stdin>:4", None, Place(None, 4)),
        ("<stdin>#entries/0", None, Place(None, part="entries/0")),
        ("GET https://api.example.com/x", None, Place(None)),
        ("a#b:c.json", None, Place("a#b:c.json")),  # only errspec's own suffixes
        ("spec.yaml", "spec.yaml:3:9", Place("spec.yaml", 3, 9)),
        ("spec.yaml", "other dir/c.yaml:3", Place("other dir/c.yaml", 3)),
        ("spec.yaml", r"C:\specs\c.yaml:3:9", Place(r"C:\specs\c.yaml", 3, 9)),
    ],
)
def test_finding_place(source: str, location: str | None, place: Place) -> None:
    finding = errspec.Finding("media-type", "error", "m", location=location)
    assert finding_place(source, finding) == place


# --- SARIF -------------------------------------------------------------------------------

_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*")


def _is_uri_reference(value: object) -> bool:
    """RFC 3986 URI-reference, strictly enough for upload-sarif (which checks the format)."""
    if not isinstance(value, str) or not _URI_CHARS.fullmatch(value):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) or ":" not in value.split("/", 1)[0]


def _sarif_validator() -> Draft4Validator:
    schema = json.loads(shared_path("standards", "sarif-schema-2.1.0.json").read_text("utf-8"))
    Draft4Validator.check_schema(schema)
    formats = FormatChecker(formats=())
    formats.checks("uri-reference")(_is_uri_reference)
    formats.checks("uri")(lambda v: _is_uri_reference(v) and bool(urlsplit(str(v)).scheme))
    return Draft4Validator(schema, format_checker=formats)


def _schema_errors(doc: Any) -> list[str]:
    """The official schema's complaints about ``doc`` (the test skips without ../shared)."""
    return sorted(f"{e.json_path}: {e.message}" for e in _sarif_validator().iter_errors(doc))


def _check_schema_if_present(doc: Any) -> None:
    if (SHARED / "standards" / "sarif-schema-2.1.0.json").is_file():
        assert _schema_errors(doc) == []


def test_sarif_validates_against_the_official_schema(reports: list[errspec.Report]) -> None:
    doc = json.loads(_render("sarif", reports))
    assert _schema_errors(doc) == []
    assert _schema_errors(json.loads(_render("sarif", []))) == []


def test_the_schema_check_can_fail(reports: list[errspec.Report]) -> None:
    doc = json.loads(_render("sarif", reports))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    artifact = doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]
    artifact["uri"] = "traffic ndjson"
    errors = _schema_errors(doc)
    assert len(errors) == 2
    assert errors[0].startswith("$.runs[0].results[0].level: 'fatal' is not one of")
    assert "is not a 'uri-reference'" in errors[1]


def test_sarif_log_run_and_rules(reports: list[errspec.Report]) -> None:
    doc = json.loads(_render("sarif", reports))
    assert list(doc) == ["$schema", "version", "runs"]
    assert doc["$schema"] == SARIF_SCHEMA
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert list(run) == ["tool", "columnKind", "results"]
    driver = run["tool"]["driver"]
    assert {k: v for k, v in driver.items() if k != "rules"} == {
        "name": "errspec",
        "version": errspec.__version__,
        "informationUri": "https://errspec.dev/",
    }
    # The whole catalogue, in catalogue order: ruleIndex is the catalogue position.
    assert [r["id"] for r in driver["rules"]] == list(errspec.RULES)
    for descriptor in driver["rules"]:
        rule = errspec.RULES[descriptor["id"]]
        assert descriptor == {
            "id": rule.id,
            "name": "".join(w.capitalize() for w in rule.id.split("-")),
            "shortDescription": {"text": rule.summary},
            "helpUri": rule_help_url(rule.id),
            "help": {"text": f"{rule.summary} See {rule_help_url(rule.id)}"},
            "defaultConfiguration": {"level": rule.severity},
        }
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def _result(
    rule: str,
    level: str,
    text: str,
    location: dict[str, Any],
    source: str,
    envelope: str | None,
    pointer: str,
) -> dict[str, Any]:
    return {
        "ruleId": rule,
        "ruleIndex": list(errspec.RULES).index(rule),
        "level": level,
        "message": {"text": text},
        "locations": [location],
        "properties": {"source": source, "envelope": envelope, "pointer": pointer},
    }


def _member(pointer: str) -> dict[str, str]:
    return {"fullyQualifiedName": pointer, "kind": "member"}


def test_sarif_results(reports: list[errspec.Report]) -> None:
    results = json.loads(_render("sarif", reports))["runs"][0]["results"]
    ndjson = {"uri": "traffic.ndjson"}
    har = {"artifactLocation": {"uri": "traffic.har"}}
    entry0 = {"name": "entries/0", "fullyQualifiedName": "traffic.har#entries/0"}
    entry1 = {"name": "entries/1", "fullyQualifiedName": "traffic.har#entries/1"}
    assert results == [
        _result(  # a whole file: the artifact, no region, the pointer as a logical location
            "code-status-mismatch",
            "error",
            f"{ERROR_MESSAGE} [/error]",
            {
                "physicalLocation": {"artifactLocation": {"uri": ERROR}},
                "logicalLocations": [_member("/error")],
            },
            ERROR,
            "error-string",
            "/error",
        ),
        _result(  # an NDJSON line: the region's start line
            "unknown-code",
            "warning",
            f"{CUSTOM} [/error]",
            {
                "physicalLocation": {"artifactLocation": ndjson, "region": {"startLine": 2}},
                "logicalLocations": [_member("/error")],
            },
            "traffic.ndjson:2",
            "error-string",
            "/error",
        ),
        _result(
            "conditional-member",
            "error",
            f"{ONLY_422} [/details]",
            {
                "physicalLocation": {"artifactLocation": ndjson, "region": {"startLine": 2}},
                "logicalLocations": [_member("/details")],
            },
            "traffic.ndjson:2",
            "error-string",
            "/details",
        ),
        _result(  # a HAR entry: the file, and the entry as a logical location
            "unknown-code",
            "warning",
            f"traffic.har#entries/0: {UNKNOWN_ODATA} [/error/code]",
            {"physicalLocation": har, "logicalLocations": [entry0, _member("/error/code")]},
            "traffic.har#entries/0",
            "odata",
            "/error/code",
        ),
        _result(
            "header-missing",
            "warning",
            f"traffic.har#entries/0: {NO_ERROR_HEADER} [header:x-ms-error-code]",
            {
                "physicalLocation": har,
                "logicalLocations": [entry0, _member("header:x-ms-error-code")],
            },
            "traffic.har#entries/0",
            "odata",
            "header:x-ms-error-code",
        ),
        _result(  # no pointer: no member
            "body-not-json",
            "error",
            f"traffic.har#entries/1: {NOT_JSON_MESSAGE}",
            {"physicalLocation": har, "logicalLocations": [entry1]},
            "traffic.har#entries/1",
            None,
            "",
        ),
        _result(  # standard input: no artifact at all
            "code-status-mismatch",
            "error",
            f"<stdin>: {ERROR_MESSAGE} [/error]",
            {
                "logicalLocations": [
                    {"name": "<stdin>", "fullyQualifiedName": "<stdin>"},
                    _member("/error"),
                ]
            },
            "<stdin>",
            "error-string",
            "/error",
        ),
        _result(  # lint: the location's file, line and column, not the report's source
            "status-mismatch",
            "error",
            f"{LINT_FINDING.message} [{LINT_FINDING.pointer}]",
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "specs/components.yaml"},
                    "region": {"startLine": 12, "startColumn": 7},
                },
                "logicalLocations": [_member(LINT_FINDING.pointer)],
            },
            "specs/openapi.yaml",
            "problem-details",
            LINT_FINDING.pointer,
        ),
    ]


def test_sarif_uris_and_rules_outside_the_catalogue() -> None:
    finding = errspec.Finding("retired-or-future-rule", "warning", "ünïcode, 100% sure")
    reports = [
        errspec.Report("recorded responses/get: task.json", None, (finding,)),
        errspec.Report("/srv/api/traffic.ndjson:7", None, (finding,)),
    ]
    out = _render("sarif", reports)
    assert out.isascii()  # non-ASCII as \\u escapes: the file is UTF-8 whatever the terminal
    doc = json.loads(out)
    _check_schema_if_present(doc)
    first, second = doc["runs"][0]["results"]
    assert "ruleIndex" not in first  # no descriptor to point at, but still a result
    assert first["ruleId"] == "retired-or-future-rule"
    assert first["message"] == {"text": "ünïcode, 100% sure"}
    uri = "recorded%20responses/get%3A%20task.json"
    assert first["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": uri}}}]
    assert second["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "file:///srv/api/traffic.ndjson"},
                "region": {"startLine": 7},
            }
        }
    ]


def test_every_format_writes_surrogates_and_controls_visibly() -> None:
    """A lone surrogate (from JSON's "\\ud800", or an undecodable byte in a file name) and
    control characters from a response reach messages and pointers; every format stays
    valid, encodable UTF-8, with one line per finding where it is line-based."""
    finding = errspec.Finding("envelope-schema", "error", "bad \ud800 \x1b[2J\nnext", "/\udc00")
    report = errspec.Report("dir/in\udcff.json", "json-api", (finding,))
    out = {name: _render(name, [report]) for name in REPORTERS}
    for text in out.values():
        text.encode("utf-8")
    assert out["text"].splitlines()[0] == (
        "dir/in\\udcff.json: error envelope-schema bad \\ud800 \\x1b[2J\\nnext [/\\udc00]"
    )
    assert out["github"].splitlines()[0] == (
        "::error file=dir/in\\udcff.json,title=envelope-schema::bad \\ud800 \\x1b[2J%0Anext "
        "[/\\udc00]"
    )
    results = json.loads(out["json"])["results"]
    assert results[0]["source"] == "dir/in\\udcff.json"
    assert results[0]["findings"][0]["message"] == "bad \\ud800 \x1b[2J\nnext"
    assert results[0]["findings"][0]["pointer"] == "/\\udc00"
    sarif = json.loads(out["sarif"])
    _check_schema_if_present(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["message"]["text"] == "bad \\ud800 \x1b[2J\nnext [/\\udc00]"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir/in%FF.json"
    case = ET.fromstring(out["junit"].encode("utf-8")).find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == "dir/in\\udcff.json"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "bad \\ud800 \\x1b[2J\nnext"


def test_sarif_without_findings_is_an_empty_run() -> None:
    report = errspec.check_response(_record(VALID), source=VALID)
    doc = json.loads(_render("sarif", [report]))
    assert doc["runs"][0]["results"] == []
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) == len(errspec.RULES)


# --- GitHub workflow commands --------------------------------------------------------------


def test_github_commands(reports: list[errspec.Report]) -> None:
    out = _render("github", reports)
    assert out.splitlines() == [
        f"::error file={ERROR},title=code-status-mismatch::{ERROR_MESSAGE} [/error]",
        f"::warning file=traffic.ndjson,line=2,title=unknown-code::{CUSTOM} [/error]",
        f"::error file=traffic.ndjson,line=2,title=conditional-member::{ONLY_422} [/details]",
        "::warning file=traffic.har,title=unknown-code::"
        f"traffic.har#entries/0: {UNKNOWN_ODATA} [/error/code]",
        "::warning file=traffic.har,title=header-missing::"
        f"traffic.har#entries/0: {NO_ERROR_HEADER} [header:x-ms-error-code]",
        f"::error file=traffic.har,title=body-not-json::traffic.har#entries/1: {NOT_JSON_MESSAGE}",
        f"::error title=code-status-mismatch::<stdin>: {ERROR_MESSAGE} [/error]",
        "::error file=specs/components.yaml,line=12,col=7,title=status-mismatch::"
        f"{LINT_FINDING.message} [{LINT_FINDING.pointer}]",
        "7 responses checked: 2 conform, 5 do not (5 errors, 3 warnings)",
    ]
    assert out.endswith("\n")
    # The summary is the text reporter's.
    assert out.splitlines()[-1] == _render("text", reports).splitlines()[-1]


def test_github_escaping() -> None:
    finding = errspec.Finding(
        "media-type",
        "warning",
        "100% wrong:\r\nsee ::error:: here, then",
        "/a",
        location="dir,1/a:b.yaml:3:4",
    )
    out = _render("github", [errspec.Report("spec.yaml", None, (finding,))])
    line = out.splitlines()[0]
    assert line == (
        "::warning file=dir%2C1/a%3Ab.yaml,line=3,col=4,title=media-type::"
        "100%25 wrong:%0D%0Asee ::error:: here, then [/a]"
    )
    # One command per finding, whatever the message holds: the output has two lines.
    assert len(out.splitlines()) == 2
    # What the runner reads back: properties split at ',', '=' and data after the first '::'
    # that follows the command, each unescaped.
    command, _, data = line[2:].partition("::")
    props = dict(p.split("=", 1) for p in command.split(" ", 1)[1].split(","))

    def unescape(s: str) -> str:
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            s = s.replace(code, char)
        return s

    assert unescape(props["file"]) == "dir,1/a:b.yaml"
    assert unescape(data) == "100% wrong:\r\nsee ::error:: here, then [/a]"


# --- JUnit XML -----------------------------------------------------------------------------


def _junit(reports: list[errspec.Report]) -> tuple[str, ET.Element]:
    out = _render("junit", reports)
    return out, ET.fromstring(out.encode("utf-8"))


def test_junit_structure_and_counts(reports: list[errspec.Report]) -> None:
    out, root = _junit(reports)
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert root.tag == "testsuites"
    assert root.attrib == {"name": "errspec", "tests": "7", "failures": "5", "errors": "0"}
    (suite,) = list(root)
    assert suite.tag == "testsuite"
    assert suite.attrib == {
        "name": "errspec",
        "tests": "7",
        "failures": "5",
        "errors": "0",
        "skipped": "0",
    }
    props = suite.find("properties")
    assert props is not None
    assert [p.attrib for p in props] == [{"name": "errspec_version", "value": errspec.__version__}]
    cases = suite.findall("testcase")
    assert [(c.get("name"), c.get("classname")) for c in cases] == [
        (ERROR, "error-string"),
        ("traffic.ndjson:1", "error-string"),
        ("traffic.ndjson:2", "error-string"),
        ("traffic.har#entries/0", "odata"),
        ("traffic.har#entries/1", "unknown"),
        ("<stdin>", "error-string"),
        ("specs/openapi.yaml", "problem-details"),
    ]
    failures = [[(f.get("type"), f.get("message")) for f in c.findall("failure")] for c in cases]
    assert failures == [
        [("code-status-mismatch", ERROR_MESSAGE)],
        [],
        [("conditional-member", ONLY_422)],
        [],
        [("body-not-json", NOT_JSON_MESSAGE)],
        [("code-status-mismatch", ERROR_MESSAGE)],
        [("status-mismatch", LINT_FINDING.message)],
    ]
    # failures counts failed test cases; each error finding is its own <failure> element.
    assert int(suite.get("failures", "")) == sum(1 for f in failures if f)
    assert sum(len(f) for f in failures) == sum(len(r.errors) for r in reports)
    assert int(suite.get("tests", "")) == len(reports)
    assert cases[0][0].text == f"{ERROR}: error code-status-mismatch {ERROR_MESSAGE} [/error]"
    assert cases[6][0].text == (
        f"specs/components.yaml:12:7: error status-mismatch {LINT_FINDING.message} "
        f"[{LINT_FINDING.pointer}]"
    )
    # Warnings do not fail: they are the test case's output, one text-reporter line each.
    outs = [[o.text for o in c.findall("system-out")] for c in cases]
    assert outs == [
        [],
        [],
        [f"traffic.ndjson:2: warning unknown-code {CUSTOM} [/error]\n"],
        [
            f"traffic.har#entries/0: warning unknown-code {UNKNOWN_ODATA} [/error/code]\n"
            f"traffic.har#entries/0: warning header-missing {NO_ERROR_HEADER} "
            "[header:x-ms-error-code]\n"
        ],
        [],
        [],
        [],
    ]
    # In a test case, <failure> elements come before <system-out> (the JUnit schema's order).
    assert [child.tag for child in cases[2]] == ["failure", "system-out"]


def test_junit_escapes_through_etree() -> None:
    nasty = "a <b> & \"c\" 'd'\n\x1b[31m \x00 é \U0001f600 ]]>"
    finding = errspec.Finding("envelope-schema", "error", nasty, "/x")
    warning = errspec.Finding("leaked-internals", "warning", nasty, "/y")
    out, root = _junit([errspec.Report("<in & out>", None, (finding, warning))])
    assert out.isascii()  # character references for everything outside ASCII
    case = root.find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == "<in & out>"
    failure = case.find("failure")
    assert failure is not None
    readable = nasty.replace("\x1b", "\\x1b").replace("\x00", "\\x00")  # XML 1.0 cannot hold them
    assert failure.get("message") == readable
    assert failure.text == f"<in & out>: error envelope-schema {readable} [/x]"
    assert case.findtext("system-out") == f"<in & out>: warning leaked-internals {readable} [/y]\n"


def test_junit_without_reports() -> None:
    _, root = _junit([])
    assert root.attrib == {"name": "errspec", "tests": "0", "failures": "0", "errors": "0"}
    assert root.findall("testsuite/testcase") == []


# --- the CLI -------------------------------------------------------------------------------

FORMATS = ["sarif", "github", "junit"]


def _invoke(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _parse(fmt: str, out: str) -> list[str]:
    """The rule ids the output reports, read the way each consumer reads it."""
    if fmt == "sarif":
        doc = json.loads(out)
        _check_schema_if_present(doc)
        return [r["ruleId"] for r in doc["runs"][0]["results"]]
    if fmt == "junit":
        root = ET.fromstring(out.encode("utf-8"))
        return [f.get("type", "") for f in root.iter("failure")]
    *commands, summary = out.splitlines()
    assert re.fullmatch(r"[0-9]+ responses? checked: .*\)", summary)
    return [line.split("title=", 1)[1].split("::", 1)[0] for line in commands]


@pytest.fixture
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.usefixtures("_repo_cwd")
@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_formats_and_exit_codes(fmt: str) -> None:
    assert fmt in REPORTERS
    code, out, err = _invoke(["check", ERROR, WARNINGS, VALID, "--format", fmt])
    assert (code, err) == (1, "")
    reported = _parse(fmt, out)
    if fmt == "junit":  # failures only: warnings are test output
        assert reported == ["code-status-mismatch"]
    else:
        assert reported == ["code-status-mismatch", "unknown-code", "header-missing"]

    code, out, _ = _invoke(["check", VALID, "--format", fmt])
    assert code == 0
    assert _parse(fmt, out) == []

    assert _invoke(["check", WARNINGS, "--format", fmt])[0] == 0
    assert _invoke(["check", WARNINGS, "--format", fmt, "--fail-on", "warning"])[0] == 1

    code, out, err = _invoke(["check", VALID, "no-such-file.json", "--format", fmt])
    assert (code, out) == (2, "")
    assert err == "errspec: error: no-such-file.json: No such file or directory\n"


@pytest.mark.usefixtures("_repo_cwd")
def test_cli_sarif_from_stdin_has_no_artifact() -> None:
    code, out, _ = _invoke(["check", "-", "--format", "sarif"], stdin=(REPO / ERROR).read_text())
    assert code == 1
    (result,) = json.loads(out)["runs"][0]["results"]
    assert "physicalLocation" not in result["locations"][0]
    assert result["properties"]["source"] == "<stdin>"


def test_cli_format_choices() -> None:
    result = CliRunner().invoke(cli, ["check", "--help"])
    # _defaults.FORMATS, which tests/test_startup.py holds equal to the REPORTERS keys
    assert "--format [github|json|junit|sarif|summary|summary-json|text]" in result.output
    code, _, err = _invoke(["check", ERROR, "--format", "xml"])
    assert code == 2
    choices = "'github', 'json', 'junit', 'sarif', 'summary', 'summary-json', 'text'"
    assert f"'xml' is not one of {choices}" in err
