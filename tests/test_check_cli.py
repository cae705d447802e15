"""`errspec check` and `errspec detect` as users run them: snapshots of the output, exit
codes, and `curl -si` from a real HTTP server on 127.0.0.1 piped into `errspec check -`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

import errspec
from errspec._cli import cli

from .conftest import REPO, QuietHandler, rewrote, serve, updating_snapshots

SNAPSHOTS = Path(__file__).parent / "snapshots"
INPUTS = [
    "schemas/error-string/examples/valid/rate-limit-exceeded-429.json",
    "schemas/error-string/examples/invalid/not-found-with-409.json",
    "schemas/problem-details/examples/invalid/status-echo-disagrees.json",
    "schemas/json-api/examples/invalid/application-json-content-type.json",
    "schemas/odata/examples/invalid/error-code-header-missing.json",
    "schemas/data-error/examples/invalid/html-503.json",
]


def _snapshot(name: str, text: str) -> None:
    """Compare with tests/snapshots/NAME; ERRSPEC_UPDATE_SNAPSHOTS=1 rewrites it."""
    path = SNAPSHOTS / name
    if updating_snapshots():
        rewrote(path, text)
    assert path.is_file(), f"missing snapshot {name}: run with ERRSPEC_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), f"output changed: review {name}"


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # sources in the output are the relative paths above


def test_text_output_snapshot() -> None:
    code, out, err = _invoke(["check", *INPUTS])
    assert code == 1
    assert err == ""
    _snapshot("check.txt", out)


def test_json_output_snapshot_and_contract() -> None:
    code, out, _ = _invoke(["check", *INPUTS, "--format", "json"])
    assert code == 1
    doc = json.loads(out)
    assert list(doc) == ["errspec_version", "format_version", "results", "summary"]
    assert doc["errspec_version"] == errspec.__version__
    assert doc["format_version"] == 1
    for result in doc["results"]:
        assert list(result) == [
            "source",
            "envelope",
            "operation",
            "conforms",
            "findings",
            "detection",
        ]
        assert result["operation"] is None  # checked without --spec
        for finding in result["findings"]:
            assert list(finding) == ["rule", "severity", "message", "pointer", "location"]
    assert doc["summary"] == {
        "responses": 6,
        "conforming": 2,
        "errors": 4,
        "warnings": 2,
        "rules": {
            "body-not-json": 1,
            "code-status-mismatch": 1,
            "header-missing": 1,
            "media-type": 1,
            "status-mismatch": 1,
            "unknown-code": 1,
        },
    }
    doc["errspec_version"] = "<version>"
    _snapshot("check.json", json.dumps(doc, indent=2) + "\n")


def test_detect_output_snapshot() -> None:
    code, out, _ = _invoke(["detect", *INPUTS])
    assert code == 0
    _snapshot("detect.txt", out)


def test_fail_on_warning() -> None:
    path = "schemas/json-api/examples/invalid/application-json-content-type.json"
    assert _invoke(["check", path])[0] == 1  # JSON:API says MUST: an error
    path = "schemas/problem-details/examples/invalid/application-json-content-type.json"
    assert _invoke(["check", path])[0] == 0  # RFC 9457 does not: a warning
    assert _invoke(["check", path, "--fail-on", "warning"])[0] == 1


def test_valid_inputs_exit_0() -> None:
    paths = [
        "schemas/error-string/examples/valid/rate-limit-exceeded-429.json",
        "schemas/problem-details/examples/valid/out-of-credit-403.json",
    ]
    code, out, _ = _invoke(["check", *paths])
    assert code == 0
    assert out == "2 responses checked: 2 conform, 0 do not (0 errors, 0 warnings)\n"


def test_envelope_option_errors() -> None:
    result = CliRunner().invoke(cli, ["check", INPUTS[0], "--envelope", "nope"])
    assert result.exit_code == 2
    assert "unknown envelope 'nope'; known envelopes: code-message" in result.stderr
    assert "Traceback" not in result.output


def test_help_explains_inputs_and_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["check", "--help"])
    assert result.exit_code == 0
    for text in ("curl -si", "HAR 1.2", "NDJSON", "--fail-on", "--max-body", "Exit codes"):
        assert text in result.output


# --- curl -si against a real server --------------------------------------------------------


class _Handler(QuietHandler):
    ROUTES: ClassVar[dict[str, tuple[int, dict[str, str], dict[str, object]]]] = {
        "/tasks/1": (
            404,
            {"Content-Type": "application/problem+json"},
            {"type": "about:blank", "title": "Not Found", "status": 400},
        ),
        "/limited": (
            429,
            {"Content-Type": "application/json"},
            {"error": "rate_limit_exceeded", "message": "Slow down", "retry_after": 5},
        ),
        "/fine": (
            404,
            {"Content-Type": "application/problem+json"},
            {"type": "about:blank", "title": "Not Found", "status": 404},
        ),
    }

    def do_GET(self) -> None:
        if self.path == "/old":
            self.send_response(302)
            self.send_header("Location", "/tasks/1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, headers, body = self.ROUTES[self.path]
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(_Handler) as url:
        yield url


def _curl_into_errspec(
    url: str, curl_flags: str, errspec_args: str
) -> subprocess.CompletedProcess[str]:
    curl = shutil.which("curl")
    assert curl, "curl is needed for this test (apt-get install curl)"
    errspec_cmd = f"{sys.executable} -m errspec check - {errspec_args}"
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {curl} {curl_flags} '{url}' | {errspec_cmd}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_curl_si_piped_into_check(server: str) -> None:
    result = _curl_into_errspec(f"{server}/tasks/1", "-si", "")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == (
        "<stdin>: error status-mismatch body says status 400 but the HTTP status is 404 [/status]"
    )
    fine = _curl_into_errspec(f"{server}/fine", "-si", "--envelope rfc9457")
    assert fine.returncode == 0, fine.stdout + fine.stderr


def test_curl_retry_after_missing(server: str) -> None:
    result = _curl_into_errspec(f"{server}/limited", "-si", "--envelope aurion")
    assert result.returncode == 1
    assert "error retry-after-missing a 429 response must carry Retry-After" in result.stdout


def test_curl_follow_redirect_checks_the_final_response(server: str) -> None:
    result = _curl_into_errspec(f"{server}/old", "-siL", "")
    assert result.returncode == 1
    assert "status-mismatch" in result.stdout
    every = _curl_into_errspec(f"{server}/old", "-siL", "--all --format json")
    doc = json.loads(every.stdout)
    assert [r["source"] for r in doc["results"]] == ["<stdin>#1", "<stdin>#2"]
    assert doc["results"][0]["findings"] == []  # the 302 is not an error
