"""``$ref`` security: errspec reads no file outside the spec's folder unless
--allow-outside-refs, touches no network unless --allow-remote-refs, and never echoes the
content of a file it refused to read, in every mode (lint, lint --full-validation, check
--spec, load_spec), because every mode asks the one judge, ``errspec._refs.judge_ref``.

The files a spec refers to sit in ``api/``; beside it, outside, ``secret.yaml`` holds a
sentinel that must never appear in any output. The audit-hook test runs every mode in a
child process that records each file the process opens and each socket it connects.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import errspec
from errspec import _linter, _validity
from errspec._cli import cli
from errspec._lint import LintOptions, lint_spec
from errspec._refs import MAX_REF_LENGTH, document_uri, judge_ref
from errspec._specload import load_document

from .conftest import QuietHandler, serve

SENTINEL = "SENTINEL-7f3a-outside"
SECRET = f"{SENTINEL}: 1\nx: {{description: {SENTINEL}, type: object, required: [{SENTINEL}]}}\n"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def api(tmp_path: Path) -> Path:
    """``tmp/api/`` (the spec's folder), with ``tmp/secret.yaml`` outside it."""
    (tmp_path / "secret.yaml").write_text(SECRET, encoding="utf-8")
    folder = tmp_path / "api"
    folder.mkdir()
    return folder


def spec(folder: Path, responses: str, *, openapi: str = "3.0.3", extra: str = "") -> Path:
    """``folder/openapi.yaml`` with one operation, GET /t, whose responses are given."""
    body = textwrap.indent(textwrap.dedent(responses).strip(), " " * 8)
    text = (
        f"openapi: {openapi}\ninfo: {{title: t, version: '1'}}\npaths:\n  /t:\n    get:\n"
        f"      responses:\n        '200': {{description: ok}}\n{body}\n" + textwrap.dedent(extra)
    )
    path = folder / "openapi.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def at(path: Path, needle: str) -> str:
    """``path:line:col`` of the first ``needle`` in the file."""
    text = path.read_text(encoding="utf-8")
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    return f"{path}:{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def found(report: errspec.Report) -> list[tuple[str, str]]:
    return [(f.rule, f.pointer) for f in report.findings]


def no_secret(report: errspec.Report) -> None:
    for f in report.findings:
        assert SENTINEL not in f.message, f


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


RESPONSE_400 = "/paths/~1t/get/responses/400"


# --- the judge ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "kind", "reason"),
    [
        ("#/components/x", "local", ""),
        ("%2e%2e/secret.yaml", "refused", "outside the spec's folder"),
        ("%2E%2E/%2e%2E/%2e%2e/etc/passwd", "refused", "outside the spec's folder"),
        ("sub/%2e%2e/%2e%2e/secret.yaml#/x", "refused", "outside the spec's folder"),
        ("/etc/passwd", "refused", "outside the spec's folder"),
        ("file:///etc/passwd", "refused", "points to a URL"),
        ("FILE:secret.yaml", "refused", "points to a URL"),
        ("errspec-spec:///etc/passwd", "refused", "points to a URL"),
        ("http://127.0.0.1:9/x.yaml", "refused", "points to a URL"),
        ("\\\\server\\share\\x.yaml", "refused", "backslash"),
        ("..\\secret.yaml", "refused", "backslash"),
        ("//server/share/x.yaml", "refused", "names a host"),
        ("C:/x.yaml", "refused", "Windows drive"),
        ("c:x.yaml", "refused", "Windows drive"),
        ("..%2fsecret.yaml", "unresolved", "percent-encodes a '/'"),
        ("..%5Csecret.yaml", "unresolved", "percent-encodes a '/' or '\\'"),
        ("a\x00b.yaml", "unresolved", "NUL byte"),
        ("%00.yaml", "unresolved", "NUL byte"),
        ("#/a%00", "unresolved", "NUL byte"),
        ("a\nb.yaml", "unresolved", "control character"),
        ("\ud800.yaml", "unresolved", "lone surrogate"),
        ("#/\udc00", "unresolved", "lone surrogate"),
        ("#/%ff", "unresolved", "not UTF-8"),
        ("#anchor", "unresolved", "not a JSON pointer"),
        ("errors.yaml#NotFound", "unresolved", "not a JSON pointer"),
        ("#/a~2", "unresolved", "not a JSON pointer"),
        ("", "unresolved", "empty"),
        ("x" * (MAX_REF_LENGTH + 1), "unresolved", f"longer than {MAX_REF_LENGTH}"),
        ("errors.yaml?v=2", "unresolved", "query"),
    ],
)
def test_the_judge_decides_on_the_decoded_reference(
    api: Path, ref: str, kind: str, reason: str
) -> None:
    target = judge_ref(ref, referrer=api / "openapi.yaml", folder=api)
    assert target.kind == kind
    if kind == "local":
        assert (target.ok, target.pointer, target.path) == (True, "/components/x", None)
        return
    assert target.rule == {"refused": "ref-refused", "unresolved": "ref-unresolved"}[kind]
    assert reason in target.reason
    assert target.reason.startswith("$ref ")
    assert "\n" not in target.reason
    assert SENTINEL not in target.reason


def test_the_file_part_is_percent_decoded_exactly_once(api: Path) -> None:
    def judged(ref: str) -> Any:
        return judge_ref(ref, referrer=api / "openapi.yaml", folder=api)

    spaced = judged("problem%20details.yaml#/a%20b")
    assert (spaced.kind, spaced.path, spaced.pointer) == (
        "file",
        api / "problem details.yaml",
        "/a b",
    )
    assert judged("problem details.yaml").path == api / "problem details.yaml"
    assert judged("caf%C3%A9.yaml").path == api / "café.yaml"
    twice = judged("%252e%252e/secret.yaml")  # once: a folder named "%2e%2e"
    assert (twice.kind, twice.path) == ("file", api / "%2e%2e" / "secret.yaml")
    assert judged("sub/../errors.yaml").path == api / "errors.yaml"


def test_symlinks_are_judged_where_they_lead(api: Path) -> None:
    (api / "link.yaml").symlink_to(api.parent / "secret.yaml")
    (api.parent / "elsewhere").mkdir()
    (api / "linkdir").symlink_to(api.parent / "elsewhere")
    for ref in ("link.yaml#/x", "linkdir/errors.yaml"):
        target = judge_ref(ref, referrer=api / "openapi.yaml", folder=api)
        assert (target.kind, target.rule) == ("refused", "ref-refused"), ref
    allowed = judge_ref("link.yaml", referrer=api / "openapi.yaml", folder=api, allow_outside=True)
    assert allowed.path == api.parent / "secret.yaml"


def test_flags_allow_outside_files_and_http_only(api: Path) -> None:
    referrer = api / "openapi.yaml"
    outside = judge_ref("/etc/passwd", referrer=referrer, folder=api, allow_outside=True)
    assert (outside.kind, outside.path) == ("file", Path("/etc/passwd").resolve())
    remote = judge_ref(
        "https://h.example/e.yaml#/x", referrer=referrer, folder=api, allow_remote=True
    )
    assert (remote.kind, remote.url, remote.pointer) == ("url", "https://h.example/e.yaml", "/x")
    for ref in ("file:///etc/passwd", "ftp://h.example/e.yaml", "errspec-spec:///etc/passwd"):
        target = judge_ref(
            ref, referrer=referrer, folder=api, allow_remote=True, allow_outside=True
        )
        assert (target.kind, target.reason) == (
            "refused",
            f"$ref {ref!r}: only http(s) URLs can be fetched",
        )


def test_private_uris_round_trip_through_the_judge(tmp_path: Path) -> None:
    # What the other libraries' resolvers compute from errspec's base URIs maps back to the
    # same file, whatever its name holds: decoded once, not twice, not zero times.
    folder = tmp_path / "a b%20c#d?é"
    folder.mkdir()
    path = folder / "x%2e%2e y.yaml"
    uri = document_uri(path)
    assert uri.startswith("errspec-spec:///")
    assert " " not in uri
    assert "#" not in uri
    target = judge_ref(uri, referrer=folder / "openapi.yaml", folder=folder, internal=True)
    assert (target.kind, target.path) == ("file", path)
    outside = judge_ref(
        document_uri(tmp_path / "secret.yaml"),
        referrer=folder / "openapi.yaml",
        folder=folder,
        internal=True,
    )
    assert (outside.kind, outside.rule) == ("refused", "ref-refused")


# --- plain lint -----------------------------------------------------------------------------


def test_lint_refuses_percent_encoded_dots(api: Path) -> None:
    path = spec(api, "'400': {$ref: '%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd#/x'}")
    report = lint_spec(path)
    assert found(report) == [("ref-refused", f"{RESPONSE_400}/$ref")]
    assert report.findings[0].location == at(path, "$ref")
    assert "outside the spec's folder" in report.findings[0].message


def test_lint_follows_a_percent_encoded_file_name(api: Path) -> None:
    (api / "problem details.yaml").write_text(
        "BadRequest:\n  description: bad\n  content:\n    application/problem+json:\n"
        "      schema: {type: object, properties: {title: {type: string}, status: "
        "{type: integer}}}\n      example: {title: Bad, status: 500}\n",
        encoding="utf-8",
    )
    path = spec(api, "'400': {$ref: 'problem%20details.yaml#/BadRequest'}")
    report = lint_spec(path, LintOptions(envelope="problem-details"))
    assert (
        "status-mismatch",
        "problem details.yaml#/BadRequest/content/application~1problem+json/example",
    ) in found(report)
    assert not [f for f in report.findings if f.rule.startswith("ref-")]


@pytest.mark.parametrize(
    ("ref", "rule", "words"),
    [
        ("x\x00.yaml#/x", "ref-unresolved", "NUL byte"),
        ("#/components/responses/\x00", "ref-unresolved", "NUL byte"),
        ("\ud800.yaml", "ref-unresolved", "lone surrogate"),
        ("#/components/responses/\udfff", "ref-unresolved", "lone surrogate"),
        ("\\\\server\\share\\x.yaml", "ref-refused", "backslash"),
    ],
)
def test_hostile_refs_are_findings_in_every_mode(
    api: Path, ref: str, rule: str, words: str
) -> None:
    # Written as JSON escapes: YAML refuses these characters, JSON carries them.
    path = api / "openapi.json"
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/t": {"get": {"responses": {"200": {"description": "ok"}, "400": {"$ref": ref}}}}
        },
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    plain = lint_spec(path)
    assert found(plain) == [(rule, f"{RESPONSE_400}/$ref")]
    assert words in plain.findings[0].message
    full = lint_spec(path, LintOptions(full_validation=True))
    assert sorted((f.rule, f.severity, f.pointer) for f in full.findings) == sorted(
        [
            (rule, "error", f"{RESPONSE_400}/$ref"),
            ("openapi-invalid", "warning", f"{RESPONSE_400}/$ref"),
        ]
    )
    with pytest.raises(errspec.InputError, match=words):
        errspec.check_response(
            {"status": 400, "headers": JSON, "body": {}}, spec=path, operation="GET /t"
        )


# --- full validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    ["%2e%2e/secret.yaml", "%2e%2e/secret.yaml#/x", "sub/%2e%2e/%2e%2e/secret.yaml#/x"],
)
def test_full_validation_never_reads_outside_the_folder(api: Path, ref: str) -> None:
    path = spec(api, f"'400': {{$ref: '{ref}'}}")
    report = lint_spec(path, LintOptions(full_validation=True))
    no_secret(report)
    assert sorted((f.rule, f.severity, f.pointer) for f in report.findings) == [
        ("openapi-invalid", "warning", f"{RESPONSE_400}/$ref"),
        ("ref-refused", "error", f"{RESPONSE_400}/$ref"),
    ]
    skipped = next(f for f in report.findings if f.rule == "openapi-invalid")
    assert skipped.message.startswith("full validation skipped: $ref ")
    result = run("lint", "--full-validation", str(path))
    assert result.exit_code == 1, result.output
    assert SENTINEL not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "ref",
    [
        "%2e%2e/secret.yaml#/x",
        "FILE_URI#/x",
        "ERRSPEC_URI#/x",
        "http://127.0.0.1:9/secret.yaml#/x",
        "//localhost/secret.yaml#/x",
    ],
)
def test_the_validators_resolver_reads_only_through_errspec(
    api: Path, monkeypatch: pytest.MonkeyPatch, ref: str
) -> None:
    # Even when errspec's own pass over the $refs is bypassed, openapi-spec-validator's
    # resolver gets nothing errspec would refuse: its handlers ask the same judge.
    secret = api.parent / "secret.yaml"
    ref = ref.replace("FILE_URI", secret.as_uri()).replace("ERRSPEC_URI", document_uri(secret))
    monkeypatch.setattr(_validity, "_vet_refs", lambda linter: None)
    path = spec(api, f"'400': {{$ref: '{ref}'}}")
    report = lint_spec(path, LintOptions(full_validation=True))
    no_secret(report)
    stopped = [f for f in report.findings if f.message.startswith("full validation stopped")]
    assert [(f.rule, f.pointer) for f in stopped] == [("ref-refused", f"{RESPONSE_400}/$ref")]
    assert stopped[0].location == at(path, "$ref")


def test_the_handlers_refuse_every_other_scheme(api: Path) -> None:
    path = spec(api, "'400': {description: x}")
    linter = _linter._Linter(load_document(path), LintOptions())
    handlers = _validity._Handlers(linter)
    assert "ftp" in handlers
    assert "file" in handlers
    assert "" in handlers
    secret = api.parent / "secret.yaml"
    for uri in (
        secret.as_uri(),
        document_uri(secret),
        "http://127.0.0.1:9/x.yaml",
        "https://example.com/x.yaml",
        "ftp://example.com/x.yaml",
        "relative.yaml",
    ):
        with pytest.raises(_validity._Refused) as refused:
            handlers[uri.split(":", 1)[0] if ":" in uri else ""](uri)
        assert SENTINEL not in str(refused.value)
    (api / "errors.yaml").write_text("X: {description: x}\n", encoding="utf-8")
    assert handlers["errspec-spec"](document_uri(api / "errors.yaml")) == {
        "X": {"description": "x"}
    }


CYCLE_VIA_ALLOF = """\
components:
  schemas:
    A: {allOf: [{$ref: '#/components/schemas/A'}]}
"""
REF_CYCLE = """\
components:
  responses:
    B: {$ref: '#/components/responses/C'}
    C: {$ref: '#/components/responses/B'}
"""
ID_RELATIVE = """\
components:
  schemas:
    A:
      $id: 'http://example.com/schemas/a.json'
      type: object
      properties:
        b: {$ref: 'b.json'}
"""


@pytest.mark.parametrize(
    ("responses", "extra", "expected"),
    [
        (
            "'400': {description: x, content: {application/json: {schema: "
            "{$ref: '#/components/schemas/A'}}}}",
            CYCLE_VIA_ALLOF,
            [("ref-unresolved", f"{RESPONSE_400}/content/application~1json/schema")],
        ),
        (
            "'400': {$ref: '#/components/responses/B'}",
            REF_CYCLE,
            [
                ("openapi-invalid", "/components/responses/B"),
                ("ref-unresolved", "/components/responses/B"),
            ],
        ),
        (
            "'400': {description: x, content: {application/json: {schema: "
            "{$ref: '#/components/schemas/A'}}}}",
            ID_RELATIVE,
            [
                ("openapi-invalid", "/components/schemas/A/properties/b/$ref"),
                ("ref-unresolved", "/components/schemas/A/properties/b/$ref"),
            ],
        ),
        (
            "'400': {description: x, content: {application/json: {schema: "
            "{properties: {q: {$ref: '#foo'}}}}}}",
            "components: {schemas: {A: {$anchor: foo, type: string}}}\n",
            [
                (
                    "openapi-invalid",
                    f"{RESPONSE_400}/content/application~1json/schema/properties/q/$ref",
                ),
                (
                    "ref-unresolved",
                    f"{RESPONSE_400}/content/application~1json/schema/properties/q/$ref",
                ),
            ],
        ),
        (
            "'400': {$ref: '\\\\\\\\server\\\\share\\\\x.yaml'}",
            "",
            [("openapi-invalid", f"{RESPONSE_400}/$ref"), ("ref-refused", f"{RESPONSE_400}/$ref")],
        ),
    ],
    ids=["cycle-through-allOf", "ref-cycle", "id-relative", "anchor", "unc"],
)
def test_full_validation_turns_library_crashes_into_findings(
    api: Path, responses: str, extra: str, expected: list[tuple[str, str]]
) -> None:
    path = spec(api, responses, openapi="3.1.0", extra=extra)
    report = lint_spec(path, LintOptions(full_validation=True))
    got = sorted((f.rule, f.pointer) for f in report.findings if f.rule != "envelope-unknown")
    assert got == expected
    assert all(f.location and f.location.startswith(f"{path}:") for f in report.findings)
    result = run("lint", "--full-validation", str(path))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output


def test_full_validation_findings_keep_their_position(api: Path) -> None:
    (api / "errors.yaml").write_text(
        "NotFound:\n  description: nf\n  content:\n    application/json:\n"
        "      schema: {type: object, properties: {a: {type: strin}}}\n",
        encoding="utf-8",
    )
    path = api / "openapi.yaml"
    path.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /t/{id}:\n    get:\n"
        "      operationId: a\n      responses:\n        '200': {description: ok}\n"
        "        '404': {$ref: 'errors.yaml#/NotFound'}\n  /u:\n    get:\n"
        "      operationId: a\n      responses:\n        '200': {description: ok}\n"
        "        '400': {description: x, content: {application/json: {schema: "
        "{type: object, required: 5}}}}\n",
        encoding="utf-8",
    )
    report = lint_spec(path, LintOptions(full_validation=True))
    invalid = {(f.pointer, f.location) for f in report.findings if f.rule == "openapi-invalid"}
    text = path.read_text(encoding="utf-8")
    get_u = text.index("get:", text.index("/u:"))
    line_u = text.count("\n", 0, get_u) + 1
    assert ("/paths/~1t~1{id}/get", at(path, "get:")) in invalid  # Path parameter 'id'
    assert ("/paths/~1u/get", f"{path}:{line_u}:5") in invalid  # operationId not unique
    assert (
        "/paths/~1u/get/responses/400/content/application~1json/schema/required",
        at(path, "required: 5"),
    ) in invalid
    errors_yaml = api / "errors.yaml"
    assert (
        "errors.yaml#/NotFound/content/application~1json/schema/properties/a/type",
        at(errors_yaml, "type: strin"),
    ) in invalid


def test_full_validation_of_a_long_ref_chain(api: Path) -> None:
    chain = "".join(f"    R{i}: {{$ref: '#/components/responses/R{i + 1}'}}\n" for i in range(300))
    path = spec(
        api,
        "'400': {$ref: '#/components/responses/R0'}",
        extra=f"components:\n  responses:\n{chain}    R300: {{description: x}}\n",
    )
    report = lint_spec(path, LintOptions(full_validation=True))
    assert [(f.rule, f.severity) for f in report.findings] == [("openapi-invalid", "warning")]
    assert "chain of" in report.findings[0].message


def test_full_validation_follows_an_allowed_outside_file_through_errspec(api: Path) -> None:
    (api.parent / "shared.yaml").write_text(
        "x: {description: d, content: {application/json: {schema: {type: strin}}}}\n",
        encoding="utf-8",
    )
    path = spec(api, "'400': {$ref: '%2e%2e/shared.yaml#/x'}")
    report = lint_spec(path, LintOptions(full_validation=True, allow_outside_refs=True))
    assert ("openapi-invalid", "../shared.yaml#/x/content/application~1json/schema/type") in found(
        report
    )


def test_remote_refs_with_the_flag_resolve_relative_to_their_url(api: Path) -> None:
    documents = {
        "/errors.yaml": b"NotFound: {$ref: 'more.yaml#/NotFound'}\n",
        "/more.yaml": b"NotFound: {description: nf, content: {application/json: "
        b"{schema: {type: strin}}}}\n",
    }

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            body = documents.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"")

    with serve(Handler) as base:
        path = spec(api, f"'404': {{$ref: '{base}/errors.yaml#/NotFound'}}")
        refused = lint_spec(path)
        assert found(refused) == [("ref-refused", "/paths/~1t/get/responses/404/$ref")]
        report = lint_spec(path, LintOptions(full_validation=True, allow_remote_refs=True))
    assert (
        "openapi-invalid",
        f"{base}/more.yaml#/NotFound/content/application~1json/schema/type",
    ) in found(report)


@pytest.mark.parametrize(
    ("target", "words"),
    [("ftp://127.0.0.1:9/x.yaml", "not an http(s) URL"), ("file:///etc/passwd", "not allowed")],
)
def test_a_fetched_ref_is_not_redirected_off_http(api: Path, target: str, words: str) -> None:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()

    with serve(Handler) as base:
        path = spec(api, f"'404': {{$ref: '{base}/errors.yaml#/NotFound'}}")
        report = lint_spec(path, LintOptions(allow_remote_refs=True))
    assert found(report) == [("ref-unresolved", "/paths/~1t/get/responses/404/$ref")]
    assert words in report.findings[0].message


# --- check --spec / load_spec ---------------------------------------------------------------


def check(path: Path, status: int = 400, **flags: bool) -> errspec.Report:
    loaded = errspec.load_spec(path, **flags)
    return errspec.check_response(
        {"status": status, "headers": JSON, "body": {"a": 1}}, spec=loaded, operation="GET /t"
    )


def test_check_refuses_percent_encoded_dots(api: Path) -> None:
    path = spec(api, "'400': {$ref: '%2e%2e/secret.yaml#/x'}")
    with pytest.raises(errspec.InputError, match="outside the spec's folder") as caught:
        check(path)
    assert SENTINEL not in str(caught.value)
    assert str(caught.value).startswith(f"{at(path, '$ref')}: ")


def test_check_refuses_file_uris_in_schemas_as_lint_does(api: Path) -> None:
    # With allow_outside_refs, a file: URI used to be read by check --spec, while lint
    # refused it: both now judge it a URL.
    secret = api.parent / "secret.yaml"
    path = spec(
        api,
        f"""
        '400':
          description: bad
          content:
            application/json:
              schema: {{allOf: [{{$ref: '{secret.as_uri()}#/x'}}]}}
        """,
        openapi="3.1.0",
    )
    with pytest.raises(errspec.InputError, match="points to a URL") as caught:
        check(path, allow_outside_refs=True)
    assert SENTINEL not in str(caught.value)
    linted = lint_spec(path, LintOptions(allow_outside_refs=True))
    assert [(rule, at) for rule, at in found(linted) if rule.startswith("ref-")] == [
        ("ref-refused", f"{RESPONSE_400}/content/application~1json/schema/allOf/0/$ref")
    ]


@pytest.mark.parametrize("openapi", ["3.0.3", "3.1.0"])
def test_check_follows_percent_encoded_schema_refs(api: Path, openapi: str) -> None:
    (api / "problem details.yaml").write_text(
        "S: {type: object, properties: {a: {type: string}}}\n", encoding="utf-8"
    )
    path = spec(
        api,
        """
        '400':
          description: bad
          content:
            application/json:
              schema: {allOf: [{$ref: 'problem%20details.yaml#/S'}]}
        """,
        openapi=openapi,
    )
    assert ("declared-schema", "/a") in found(check(path))


def test_check_cli_with_a_hostile_spec_is_one_line(api: Path, tmp_path: Path) -> None:
    path = spec(api, "'400': {$ref: '%2e%2e/secret.yaml#/x'}")
    record = tmp_path / "r.json"
    record.write_text(
        json.dumps(
            {"status": 400, "headers": JSON, "body": {}, "request": {"method": "GET", "url": "/t"}}
        ),
        encoding="utf-8",
    )
    result = run("check", "--spec", str(path), str(record))
    assert result.exit_code == 2, result.output
    assert SENTINEL not in result.output
    assert result.stderr.count("\n") == 1
    assert "outside the spec's folder" in result.stderr


# --- lone surrogates and unusable names -----------------------------------------------------


def test_lone_surrogates_in_member_names_do_not_crash(api: Path) -> None:
    path = api / "openapi.json"
    path.write_text(
        '{"openapi": "3.0.3", "info": {"title": "x\\ud800", "version": "1"}, "paths": '
        '{"/t\\ud800": {"get": {"responses": {"400": {"description": "x", "content": '
        '{"application/problem+json": {"schema": {"type": "object", "properties": '
        '{"\\udc00": {"type": "string"}, "title": {"type": "string"}}}, "examples": '
        '{"\\ud800": {"value": {"\\ud800": 1, "title": 5}}}}}}}}}}, "components": '
        '{"schemas": {"\\ud800": {"type": "string", "default": 5}}}}',
        encoding="utf-8",
    )
    plain = lint_spec(path, LintOptions(envelope="problem-details"))
    example = (
        "/paths/~1t\ud800/get/responses/400/content/application~1problem+json/examples/\ud800/value"
    )
    assert ("envelope-schema", f"{example}/title") in found(plain)
    full = lint_spec(path, LintOptions(envelope="problem-details", full_validation=True))
    assert ("openapi-invalid", "/components/schemas/\ud800") in found(full)
    loaded = errspec.load_spec(path)
    problem = {"Content-Type": "application/problem+json"}
    record = {"status": 400, "headers": problem, "body": {"\ud800": "x"}}
    with pytest.raises(errspec.InputError, match="lone surrogate"):
        errspec.check_response(record, spec=loaded, operation=loaded.operations[0])


@pytest.mark.parametrize("name", ["a\x00b.yaml", "\ud800.yaml"])
def test_unusable_spec_names_are_input_errors(name: str) -> None:
    for load in (lint_spec, errspec.load_spec, load_document):
        with pytest.raises(errspec.InputError, match="not a usable file name"):
            load(name)


# --- the audit hook -------------------------------------------------------------------------

_AUDITED = r"""
import json, os, sys

folder, root, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
record = os.path.join(folder, "record.json")
opened, connected = [], []

def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        inside = path == folder or path.startswith(folder + os.sep)
        if not inside and (path.startswith(root + os.sep) or path == "/etc/passwd"):
            opened.append(path)
    elif event == "socket.connect" or (
        event == "urllib.Request" and not str(args[0]).startswith("file:")  # file: is "open"
    ):
        connected.append(repr(args)[:200])

import errspec
from errspec import _validity
from errspec._cli import main
from errspec._lint import LintOptions, lint_spec

sys.addaudithook(hook)

def quietly(call):
    try:
        call()
    except errspec.ErrspecError as exc:
        print("input error:", exc)
    except SystemExit as exc:
        print("exit", exc.code)
    except Exception as exc:  # reported after the audit
        print("CRASH", type(exc).__name__)

for spec in specs:
    for full in (False, True):
        quietly(lambda: print(lint_spec(spec, LintOptions(full_validation=full)).findings))
    # the validator's resolver alone, without errspec's pass over the $refs first
    vet = getattr(_validity, "_vet_refs", None)
    _validity._vet_refs = lambda linter: None
    quietly(lambda: print(lint_spec(spec, LintOptions(full_validation=True)).findings))
    _validity._vet_refs = vet
    for status in (400, 422):
        body = {"status": status, "headers": {"Content-Type": "application/json"}, "body": {}}
        quietly(lambda: print(errspec.check_response(body, spec=spec, operation="GET /t")))
    quietly(lambda: main(["lint", spec]))
    quietly(lambda: main(["lint", "--full-validation", spec]))
    quietly(lambda: main(["check", "--spec", spec, record]))
print("AUDIT " + json.dumps({"opened": opened, "connected": connected}))
"""


def test_no_mode_opens_a_file_outside_the_folder(api: Path, tmp_path: Path) -> None:
    """Every mode, on one spec per hostile $ref, in a child process with an audit hook
    (``sys.addaudithook``, which cannot be removed, hence the child) that records each file
    opened and each connection made: none may be outside ``api/`` (``/etc/passwd``
    included), and the sentinel is printed nowhere."""
    root = tmp_path.resolve()
    secret = root / "secret.yaml"
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "secret.yaml").write_text(SECRET, encoding="utf-8")
    (api / "link.yaml").symlink_to(secret)
    (api / "linkdir").symlink_to(root / "elsewhere")
    (api / "sub").mkdir()
    (api / "record.json").write_text(
        json.dumps(
            {"status": 400, "headers": JSON, "body": {}, "request": {"method": "GET", "url": "/t"}}
        ),
        encoding="utf-8",
    )
    hostile = [
        "%2e%2e/secret.yaml#/x",
        "%2e%2e/secret.yaml",
        "sub/%2e%2e/%2e%2e/secret.yaml#/x",
        f"{secret.as_uri()}#/x",
        f"{secret}#/x",
        f"{document_uri(secret)}#/x",
        "link.yaml#/x",
        "linkdir/secret.yaml#/x",
        "../../../../../../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "//localhost/etc/passwd",
    ]
    specs = []
    for n, ref in enumerate(hostile):
        path = spec(
            api,
            f"""
            '400': {{$ref: '{ref}'}}
            '422':
              description: bad
              content:
                application/json:
                  schema:
                    allOf: [{{$ref: '{ref}'}}]
            """,
            openapi="3.1.0" if n % 2 else "3.0.3",
        )
        specs.append(str(path.rename(api / f"openapi-{n}.yaml")))
    by_id = spec(
        api,
        f"""
        '400':
          description: error
          content:
            application/json:
              schema:
                $id: '{root.as_uri()}/'
                properties:
                  a: {{$ref: 'secret.yaml#/x'}}
        """,
        openapi="3.1.0",
    )
    specs.append(str(by_id))
    child = subprocess.run(
        [sys.executable, "-c", _AUDITED, str(api.resolve()), str(root), *specs],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert child.returncode == 0, child.stderr[-3000:]
    audit = json.loads(child.stdout.rsplit("AUDIT ", 1)[1])
    assert audit == {"opened": [], "connected": []}
    assert SENTINEL not in child.stdout + child.stderr
    assert "Traceback" not in child.stdout + child.stderr
    assert "CRASH" not in child.stdout
    # every mode did run and refuse (not, say, stop at an import error)
    assert child.stdout.count("ref-refused") >= 3 * len(hostile)
    assert "outside the spec's folder" in child.stdout


# --- fuzz -------------------------------------------------------------------------------------

_REFS = st.sampled_from(
    [
        "#/components/schemas/A",
        "#/components/responses/R",
        "other.yaml#/X",
        "other.yaml",
        "problem%20x.yaml#/X",
        "sub/../other.yaml#/X",
        "#/components/responses/Loop",
        "%2e%2e/secret.yaml",
        "#",
        "",
        "#anchor",
        "#/servers/abc",
        "#/info/title/0",
        "file:///etc/passwd",
        "//h/s",
        "\\\\h\\s",
        "C:x",
        "x\x00",
        "#%00",
        "\ud800",
        "#/%ff",
        "a?b#/X",
        "http://127.0.0.1:9/x",
        "errspec-spec:///etc/passwd",
        "#/components/schemas/A~2",
        "other.yaml#Z",
        ".",
        "/",
        "%252e%252e/x",
        "other.yaml#/X/$ref",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.sampled_from(["", "\ud800", "x", "9" * 5000, "2.0", "3.1.0", "3.0.3"]),
)
_KEYS = st.sampled_from(
    [
        "type",
        "properties",
        "allOf",
        "oneOf",
        "items",
        "required",
        "$ref",
        "$id",
        "$anchor",
        "content",
        "schema",
        "description",
        "application/json",
        "example",
        "examples",
        "value",
        "headers",
        "error",
        "status",
        "default",
        "not",
        "\ud800",
    ]
)
_NODES = st.recursive(
    _SCALARS | _REFS.map(lambda r: {"$ref": r}),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=10,
)


@st.composite
def _specs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    key, version = draw(
        st.sampled_from(
            [
                ("openapi", "3.0.3"),
                ("openapi", "3.1.0"),
                ("openapi", "3.2.0"),
                ("swagger", "2.0"),
                ("swagger", 2.0),
                ("openapi", 3.1),
                ("openapi", "x"),
                ("openapi", None),
            ]
        )
    )
    status = draw(st.sampled_from(["400", "4XX", "default", "404", "500"]))
    path = draw(st.sampled_from(["/t", "/t/{id}", "x-a", "/\ud800"]))
    doc: dict[str, Any] = {
        key: version,
        "info": draw(st.one_of(st.just({"title": "x", "version": "1"}), _NODES)),
        "paths": {path: {"get": {"responses": {status: draw(_NODES)}}}},
        "components": {
            "schemas": {"A": draw(_NODES)},
            "responses": {"R": draw(_NODES), "Loop": {"$ref": draw(_REFS)}},
        },
    }
    return doc, {"X": draw(_NODES)}


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=_specs(), full=st.booleans())
def test_lint_and_check_on_generated_specs(
    api: Path, case: tuple[dict[str, Any], dict[str, Any]], full: bool
) -> None:
    """A report or ``ErrspecError``, nothing else, and never the outside file's content."""
    doc, other = case
    (api / "other.yaml").write_text(json.dumps(other), encoding="utf-8")
    (api / "problem x.yaml").write_text(json.dumps(other), encoding="utf-8")
    path = api / "openapi.json"
    path.write_text(json.dumps(doc), encoding="utf-8")  # ASCII: \\ud800 stays an escape
    with contextlib.suppress(errspec.ErrspecError):
        no_secret(lint_spec(path, LintOptions(full_validation=full)))
    try:
        loaded = errspec.Spec(path)
        for operation in loaded.operations:
            for status in (400, 404, 500):
                record = {"status": status, "headers": JSON, "body": {"a": "\ud800"}}
                with contextlib.suppress(errspec.ErrspecError):
                    no_secret(errspec.check_response(record, spec=loaded, operation=operation))
    except errspec.ErrspecError:
        pass


def test_a_spec_refuses_urls_unless_asked_by_default(tmp_path: Path) -> None:
    """`errspec.Spec(path)` and `load_spec(path)` without flags never fetch: the default
    of allow_remote_refs is a promise (a mutation run flipped it unnoticed)."""
    path = tmp_path / "openapi.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses:\n        '404': {$ref: 'http://127.0.0.1:9/errors.yaml#/NotFound'}\n"
    )
    record = {"status": 404, "headers": {"Content-Type": "application/json"}, "body": {}}
    for spec in (errspec.Spec(path), errspec.load_spec(path)):
        with pytest.raises(errspec.InputError, match="does not fetch URLs unless asked"):
            errspec.check_response(record, spec=spec, operation="GET /a")
