"""`errspec rule`, the rule links in text output, `--quiet` and `--statistics` on `check`
and `lint`, and one JSON document (with `format_version`) from every JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import errspec
from errspec._cli import cli
from errspec._findings import RULES, Finding, Report
from errspec._reporters import render, render_json, render_text

from .conftest import REPO

NOT_FOUND_409 = "schemas/error-string/examples/invalid/not-found-with-409.json"
ODATA_404 = "schemas/odata/examples/invalid/error-code-header-missing.json"
VALID_429 = "schemas/error-string/examples/valid/rate-limit-exceeded-429.json"

LINE_409 = (
    f"{NOT_FOUND_409}: error code-status-mismatch code 'not_found' goes with HTTP 404, "
    "not 409 [/error]"
)
LINES_ODATA = [
    f"{ODATA_404}: warning unknown-code code 'ResourceNotFound' is not one of the 36 odata codes "
    "errspec knows (custom codes are allowed) [/error/code]",
    f"{ODATA_404}: warning header-missing a 404 response should carry x-ms-error-code "
    "[header:x-ms-error-code]",
]
SUMMARY = "2 responses checked: 1 conform, 1 do not (1 error, 2 warnings)"


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # sources in the output are the relative paths above


# --- errspec rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["status-mismatch", "retry-after-missing", "ref-refused"])
def test_rule_prints_its_page(rule: str) -> None:
    code, out, err = _invoke(["rule", rule])
    assert (code, err) == (0, "")
    assert out == (REPO / "docs" / "rules" / f"{rule}.md").read_text(encoding="utf-8")
    assert out.startswith(f"# `{rule}`\n")


def test_every_rule_has_a_page() -> None:
    for rule in RULES:
        code, out, _ = _invoke(["rule", rule])
        assert code == 0, rule
        assert out.startswith(f"# `{rule}`\n"), rule


def test_rule_list() -> None:
    code, out, err = _invoke(["rule", "--list"])
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == len(RULES)
    assert lines[0] == "body-not-json               error    The error body is not (valid) JSON."
    assert lines[3] == (
        "status-mismatch             error    The status in the body differs from the HTTP status."
    )
    assert lines[-1] == (
        "operation-unmatched         warning  No operation in the spec matches the request."
    )
    assert [line.split()[:2] for line in lines] == [[r.id, r.severity] for r in RULES.values()]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["rule", "status-mismatc"],
            "unknown rule 'status-mismatc'; did you mean status-mismatch, code-status-mismatch, "
            "retry-after-mismatch? (`errspec rule --list` lists them)",
        ),
        (["rule", "nope"], "unknown rule 'nope' (`errspec rule --list` lists them)"),
        (["rule"], "give a rule ID (`errspec rule --list` lists them)"),
        (["rule", "media-type", "--list"], "give a rule ID or --list, not both"),
    ],
)
def test_rule_usage_errors_exit_2_in_one_line(args: list[str], message: str) -> None:
    code, out, err = _invoke(args)
    assert (code, out) == (2, "")
    assert err == f"errspec: error: {message}\n"


# --- text output: the rule's docs link ------------------------------------------------------


def test_text_findings_end_with_one_link_per_rule_found() -> None:
    code, out, err = _invoke(["check", NOT_FOUND_409, ODATA_404, ODATA_404])
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        LINE_409,
        *LINES_ODATA,
        *LINES_ODATA,
        "see: https://errspec.dev/rules/code-status-mismatch",
        "see: https://errspec.dev/rules/unknown-code",
        "see: https://errspec.dev/rules/header-missing",
        "3 responses checked: 2 conform, 1 do not (1 error, 4 warnings)",
    ]


def test_text_links_are_the_sarif_help_uris() -> None:
    report = Report("r.json", None, (Finding("media-type", "error", "m"),))
    text = "".join(render_text([report]))
    sarif = json.loads("".join(render("sarif", [report])))
    uris = {r["id"]: r["helpUri"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert f"see: {uris['media-type']}\n" in text
    assert text.splitlines()[1] == "see: https://errspec.dev/rules/media-type"


def test_no_findings_no_links() -> None:
    code, out, _ = _invoke(["check", VALID_429])
    assert code == 0
    assert out == "1 response checked: 1 conform, 0 do not (0 errors, 0 warnings)\n"


# --- --quiet and --statistics ---------------------------------------------------------------


def test_check_quiet_prints_only_the_summary() -> None:
    code, out, err = _invoke(["check", NOT_FOUND_409, ODATA_404, "--quiet"])
    assert (code, out, err) == (1, SUMMARY + "\n", "")
    code, out, _ = _invoke(["check", ODATA_404, "-q"])
    assert (code, out) == (0, "1 response checked: 1 conform, 0 do not (0 errors, 2 warnings)\n")
    code, out, _ = _invoke(["check", ODATA_404, "-q", "--fail-on", "warning"])
    assert code == 1


def test_check_quiet_still_reports_errors_on_stderr() -> None:
    code, out, err = _invoke(["check", "missing.json", "--quiet"])
    assert (code, out) == (2, "")
    assert err == "errspec: error: missing.json: No such file or directory\n"


def test_check_statistics_after_the_findings() -> None:
    code, out, err = _invoke(["check", NOT_FOUND_409, ODATA_404, ODATA_404, "--statistics"])
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        LINE_409,
        *LINES_ODATA,
        *LINES_ODATA,
        "see: https://errspec.dev/rules/code-status-mismatch",
        "see: https://errspec.dev/rules/unknown-code",
        "see: https://errspec.dev/rules/header-missing",
        "2  header-missing        A header the envelope asks for is missing.",
        "2  unknown-code          The error code is not in the envelope's catalogue.",
        "1  code-status-mismatch  The error code goes with another HTTP status.",
        "3 responses checked: 2 conform, 1 do not (1 error, 4 warnings)",
    ]


def test_check_quiet_with_statistics() -> None:
    code, out, _ = _invoke(["check", NOT_FOUND_409, ODATA_404, "-q", "--statistics"])
    assert code == 1
    assert out == (
        "1  code-status-mismatch  The error code goes with another HTTP status.\n"
        "1  header-missing        A header the envelope asks for is missing.\n"
        "1  unknown-code          The error code is not in the envelope's catalogue.\n"
        f"{SUMMARY}\n"
    )


def test_statistics_without_findings_is_only_the_summary() -> None:
    code, out, _ = _invoke(["check", VALID_429, "--statistics"])
    assert (code, out) == (0, "1 response checked: 1 conform, 0 do not (0 errors, 0 warnings)\n")


def test_json_summary_rules_never_depend_on_verbosity() -> None:
    outputs = [
        _invoke(["check", NOT_FOUND_409, ODATA_404, ODATA_404, "--format", "json", *extra])
        for extra in ([], ["--quiet"], ["--statistics"], ["-q", "--statistics"])
    ]
    assert {(code, err) for code, _, err in outputs} == {(1, "")}
    assert len({out for _, out, _ in outputs}) == 1
    doc = json.loads(outputs[0][1])
    assert list(doc) == ["errspec_version", "format_version", "results", "summary"]
    assert doc["summary"] == {
        "responses": 3,
        "conforming": 2,
        "errors": 1,
        "warnings": 4,
        "rules": {"header-missing": 2, "unknown-code": 2, "code-status-mismatch": 1},
    }
    assert list(doc["summary"]["rules"]) == [
        "header-missing",
        "unknown-code",
        "code-status-mismatch",
    ]


def test_json_summary_rules_is_present_when_empty() -> None:
    doc = json.loads("".join(render_json([Report("r.json", None)])))
    assert doc["summary"] == {
        "responses": 1,
        "conforming": 1,
        "errors": 0,
        "warnings": 0,
        "rules": {},
    }


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit"])
@pytest.mark.parametrize("command", ["check", "lint"])
@pytest.mark.parametrize("flag", ["--quiet", "--statistics"])
def test_quiet_and_statistics_refuse_other_formats(
    command: str, fmt: str, flag: str, tmp_path: Path
) -> None:
    target = NOT_FOUND_409 if command == "check" else str(REPO / "examples" / "openapi.yaml")
    code, out, err = _invoke([command, target, "--format", fmt, flag])
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == (
        f"errspec: error: --quiet and --statistics go with --format text or json, not {fmt}"
    )


SPEC = """\
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /tasks:
    get:
      responses:
        '200': {description: ok}
  /things:
    get:
      responses:
        '200': {description: ok}
"""


def _lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, str]:
    (tmp_path / "api.yaml").write_text(SPEC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["lint", "api.yaml", *extra], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_lint_text_links_quiet_and_statistics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = _lint(tmp_path, monkeypatch)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("api.yaml:5:5: error error-responses-missing ")
    assert lines[1].startswith("api.yaml:9:5: error error-responses-missing ")
    assert lines[2:] == [
        "see: https://errspec.dev/rules/error-responses-missing",
        "1 document linted: 0 conform, 1 do not (2 errors, 0 warnings)",
    ]
    code, out = _lint(tmp_path, monkeypatch, "--quiet")
    assert (code, out) == (1, "1 document linted: 0 conform, 1 do not (2 errors, 0 warnings)\n")
    code, out = _lint(tmp_path, monkeypatch, "-q", "--statistics")
    assert (code, out) == (
        1,
        "2  error-responses-missing  An operation declares no error response.\n"
        "1 document linted: 0 conform, 1 do not (2 errors, 0 warnings)\n",
    )
    code, out = _lint(tmp_path, monkeypatch, "--format", "json", "--quiet")
    assert code == 1
    assert json.loads(out)["summary"] == {
        "responses": 1,
        "conforming": 0,
        "errors": 2,
        "warnings": 0,
        "rules": {"error-responses-missing": 2},
    }


# --- one JSON document, with format_version -------------------------------------------------


def test_detect_json_is_one_document() -> None:
    code, out, err = _invoke(["detect", VALID_429, NOT_FOUND_409, "--format", "json"])
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert list(doc) == ["errspec_version", "format_version", "results"]
    assert doc["errspec_version"] == errspec.__version__
    assert doc["format_version"] == 1
    assert [r["source"] for r in doc["results"]] == [VALID_429, NOT_FOUND_409]
    for result in doc["results"]:
        assert list(result) == ["source", "envelope", "score", "tied_with", "scores", "evidence"]
        assert result["envelope"] == "error-string"
    assert out.count("\n") == 4  # the opening line, one line a result, the closing line


def test_envelope_summary_json_carries_format_version_and_the_list_stays_a_list() -> None:
    code, out, _ = _invoke(["envelopes", "rfc9457", "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    assert list(doc)[:2] == ["format_version", "id"]
    assert (doc["format_version"], doc["id"]) == (1, "problem-details")
    code, out, _ = _invoke(["envelopes", "--format", "json"])
    assert code == 0
    assert isinstance(json.loads(out), list)


# --- colour on a terminal -------------------------------------------------------------------

RED = "\x1b[31m\x1b[1m"
YELLOW = "\x1b[33m\x1b[1m"
BOLD = "\x1b[1m"
RESET = "\x1b[0m"


def test_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = CliRunner().invoke(cli, ["check", NOT_FOUND_409, ODATA_404], color=True)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{NOT_FOUND_409}: {RED}error{RESET} {BOLD}code-status-mismatch{RESET} code 'not_found' "
        "goes with HTTP 404, not 409 [/error]",
        f"{ODATA_404}: {YELLOW}warning{RESET} {BOLD}unknown-code{RESET} code 'ResourceNotFound' is "
        "not one of the 36 odata codes errspec knows (custom codes are allowed) [/error/code]",
        f"{ODATA_404}: {YELLOW}warning{RESET} {BOLD}header-missing{RESET} a 404 response should "
        "carry x-ms-error-code [header:x-ms-error-code]",
        "see: https://errspec.dev/rules/code-status-mismatch",
        "see: https://errspec.dev/rules/unknown-code",
        "see: https://errspec.dev/rules/header-missing",
        SUMMARY,
    ]


@pytest.mark.parametrize(
    ("env", "color"), [({"NO_COLOR": "1"}, True), ({"NO_COLOR": ""}, False), ({}, False)]
)
def test_no_colour_with_no_color_or_off_a_terminal(
    env: dict[str, str], color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = CliRunner().invoke(cli, ["check", NOT_FOUND_409, ODATA_404], color=color, env=env)
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    assert result.stdout.splitlines()[0] == LINE_409


def test_colour_keeps_a_response_s_escapes_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    finding = Finding("envelope-schema", "warning", "bad \x1b[2J\nnext", "/x\x1b")
    out = "".join(render_text([Report("in\x1b.json", None, (finding,))], color=True))
    assert out.splitlines()[0] == (
        f"in\\x1b.json: {YELLOW}warning{RESET} {BOLD}envelope-schema{RESET} "
        "bad \\x1b[2J\\nnext [/x\\x1b]"
    )
