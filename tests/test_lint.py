"""`errspec lint`: the rules in spec mode, positions, $ref policy, configuration, baselines."""

from __future__ import annotations

import json
import socket
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from errspec._cli import cli
from errspec._config import Config, Ignore
from errspec._lint import LintOptions, lint_spec

PROBLEM = {"$ref": "#/components/schemas/Problem"}

BASE = """\
openapi: 3.1.0
info: {title: Tasks, version: '1'}
security: [{bearer: []}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Problem:
      type: object
      properties:
        type: {type: string}
        title: {type: string}
        status: {type: integer}
        detail: {type: string}
  headers:
    RetryAfter: {schema: {type: integer}}
    WWWAuthenticate: {schema: {type: string}}
"""


def spec(
    tmp_path: Path, paths: str, extra: str = "", name: str = "openapi.yaml", base: str = BASE
) -> Path:
    path = tmp_path / name
    path.write_text(base + extra + "paths:\n" + textwrap.indent(textwrap.dedent(paths), "  "))
    return path


def problem(
    status: str,
    example: dict | None = None,
    media: str = "application/problem+json",
    headers: str = "",
) -> str:
    lines = [
        f"'{status}':",
        "  description: error",
        "  content:",
        f"    {media}:",
        "      schema: {$ref: '#/components/schemas/Problem'}",
    ]
    if example is not None:
        lines.append(f"      example: {json.dumps(example)}")
    if headers:
        lines.append("  headers:")
        lines += [
            f"    {h}: {{$ref: '#/components/headers/{h.replace('-', '')}'}}"
            for h in headers.split(",")
        ]
    return "\n".join(lines)


def operation(*responses: str, method: str = "get", path: str = "/tasks/{id}") -> str:
    body = "\n".join(textwrap.indent(r, "      ") for r in responses)
    return f"{path}:\n  {method}:\n    responses:\n      '200': {{description: ok}}\n{body}\n"


def rules(report) -> list[tuple[str, str]]:
    return [(f.rule, f.pointer) for f in report.findings]


GOOD = operation(
    problem(
        "401",
        {"type": "about:blank", "title": "Unauthorized", "status": 401},
        headers="WWW-Authenticate",
    ),
    problem("404", {"type": "about:blank", "title": "Not Found", "status": 404}),
    problem(
        "429",
        {"type": "about:blank", "title": "Too Many Requests", "status": 429},
        headers="Retry-After",
    ),
)


def test_a_clean_spec_has_no_findings(tmp_path: Path) -> None:
    report = lint_spec(spec(tmp_path, GOOD))
    assert report.envelope == "problem-details"
    assert report.findings == ()
    assert report.kind == "spec"


def test_error_responses_missing(tmp_path: Path) -> None:
    path = spec(tmp_path, "/tasks/{id}:\n  get:\n    responses:\n      '200': {description: ok}\n")
    report = lint_spec(path)
    assert rules(report) == [("error-responses-missing", "/paths/~1tasks~1{id}/get")]
    assert report.findings[0].location == f"{path}:20:5"


def test_secured_operation_without_401_and_path_without_404(tmp_path: Path) -> None:
    report = lint_spec(spec(tmp_path, operation(problem("400"))))
    found = [
        (f.rule, f.severity, f.message.split(" declares")[0].split(" has")[0])
        for f in report.findings
    ]
    assert ("error-responses-missing", "error", "GET /tasks/{id} is secured but") in [
        (r, s, m[: len("GET /tasks/{id} is secured but")]) for r, s, m in found
    ]
    assert any(r == "error-responses-missing" and s == "warning" for r, s, _ in found)


def test_default_and_ranges_count_as_error_responses(tmp_path: Path) -> None:
    report = lint_spec(spec(tmp_path, operation(problem("default"))))
    assert [r for r, _ in rules(report)] == []
    strict = lint_spec(
        spec(tmp_path, operation(problem("default"))), LintOptions(count_default=False)
    )
    assert ("error-responses-missing", "/paths/~1tasks~1{id}/get") in rules(strict)


def test_retry_after_follows_the_profile_even_on_a_429(tmp_path: Path) -> None:
    """RFC 9457 only says a problem type MAY use Retry-After, and RFC 6585 §4 that a 429
    MAY include it: a problem-details 429 without it is no finding (it once was, as
    errspec's own reading). error-string states it (seed 001): an error there."""
    report = lint_spec(
        spec(
            tmp_path,
            operation(problem("401", headers="WWW-Authenticate"), problem("404"), problem("429")),
        )
    )
    assert report.findings == ()


def test_retry_after_header_name_is_case_insensitive(tmp_path: Path) -> None:
    lower = GOOD.replace("Retry-After: {$ref", "retry-after: {$ref")
    assert lint_spec(spec(tmp_path, lower)).findings == ()


def test_www_authenticate_only_on_secured_operations(tmp_path: Path) -> None:
    no_header = operation(problem("401"), problem("404"))
    report = lint_spec(spec(tmp_path, no_header))
    assert ("www-authenticate-missing", "/paths/~1tasks~1{id}/get/responses/401") in rules(report)
    public = no_header.replace("  get:\n", "  get:\n    security: []\n")
    assert "www-authenticate-missing" not in [
        r for r, _ in rules(lint_spec(spec(tmp_path, public)))
    ]


def test_example_status_and_media_type(tmp_path: Path) -> None:
    paths = operation(
        problem("401", headers="WWW-Authenticate"),
        problem(
            "404",
            {"type": "about:blank", "title": "Not Found", "status": 400},
            media="application/json",
        ),
    )
    report = lint_spec(spec(tmp_path, paths))
    got = rules(report)
    assert (
        "status-mismatch",
        "/paths/~1tasks~1{id}/get/responses/404/content/application~1json/example",
    ) in got
    media = [f for f in report.findings if f.rule == "media-type"]
    assert media
    assert media[0].severity == "warning"


def test_envelope_schema_and_inconsistent_envelope(tmp_path: Path) -> None:
    extra = """\
x-other:
  Legacy:
    type: object
    required: [error]
    properties:
      error: {type: object, properties: {code: {type: string}, message: {type: string}}}
"""
    legacy = (
        "'500':\n  description: legacy\n  content:\n    application/json:\n"
        "      schema: {$ref: '#/x-other/Legacy'}"
    )
    string_status = BASE.replace("status: {type: integer}", "status: {type: string}")
    report = lint_spec(
        spec(
            tmp_path,
            operation(problem("401", headers="WWW-Authenticate"), problem("404"), legacy),
            extra,
        )
    )
    assert ("envelope-inconsistent", "/paths/~1tasks~1{id}/get/responses/500") in rules(report)
    typed = lint_spec(spec(tmp_path, GOOD, name="typed.yaml", base=string_status))
    assert ("envelope-schema", "/components/schemas/Problem/properties/status") in rules(typed)


def test_leaked_internals_in_a_schema(tmp_path: Path) -> None:
    base = BASE.replace(
        "        detail: {type: string}\n",
        "        detail: {type: string}\n        stackTrace: {type: string}\n",
    )
    report = lint_spec(spec(tmp_path, GOOD, base=base))
    assert ("leaked-internals", "/components/schemas/Problem/properties/stackTrace") in rules(
        report
    )


def test_code_rules_on_examples_and_enums(tmp_path: Path) -> None:
    doc = {
        **_head("3.0.3"),
        "paths": {
            "/tasks": {
                "post": {
                    "responses": {
                        "409": {
                            "description": "c",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Err"},
                                    "example": {"error": "not_found", "message": "gone"},
                                }
                            },
                        },
                        "429": {
                            "description": "r",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Err"}}
                            },
                        },
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Err": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "enum": ["not_found", "NotFound"]},
                        "message": {"type": "string"},
                    },
                }
            }
        },
    }
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(doc, indent=2))
    report = lint_spec(path, LintOptions(envelope="aurion"))
    got = rules(report)
    assert (
        "code-status-mismatch",
        "/paths/~1tasks/post/responses/409/content/application~1json/example",
    ) in got
    assert ("code-format", "/components/schemas/Err/properties/error") in got
    assert ("retry-after-missing", "/paths/~1tasks/post/responses/429") in got
    assert all(f.location and f.location.startswith(f"{path}:") for f in report.findings)


def test_refs_outside_remote_and_unresolved(tmp_path: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.close()  # nothing listens: a connection attempt would fail, not hang
    paths = operation(
        "'401': {$ref: '../outside.yaml#/components/responses/Unauthorized'}",
        f"'404': {{$ref: 'http://127.0.0.1:{port}/responses.yaml#/NotFound'}}",
        "'500': {$ref: '#/components/responses/Nope'}",
    )
    report = lint_spec(spec(tmp_path, paths))
    got = rules(report)
    assert ("ref-refused", "/paths/~1tasks~1{id}/get/responses/401/$ref") in got
    assert ("ref-refused", "/paths/~1tasks~1{id}/get/responses/404/$ref") in got
    assert ("ref-unresolved", "/paths/~1tasks~1{id}/get/responses/500/$ref") in got


def test_relative_file_refs_inside_the_folder_and_cycles(tmp_path: Path) -> None:
    (tmp_path / "errors.yaml").write_text(
        "NotFound:\n  description: nf\n  content:\n    application/problem+json:\n"
        "      schema: {type: object, properties:\n"
        "        {title: {type: string}, status: {type: integer}}}\n"
        "      example: {title: Not Found, status: 500}\n"
        "Loop: {$ref: '#/Loop'}\n"
    )
    paths = operation(
        problem("401", headers="WWW-Authenticate"),
        "'404': {$ref: 'errors.yaml#/NotFound'}",
        "'500': {$ref: 'errors.yaml#/Loop'}",
    )
    report = lint_spec(spec(tmp_path, paths))
    found = {(f.rule, f.pointer) for f in report.findings}
    assert (
        "status-mismatch",
        "errors.yaml#/NotFound/content/application~1problem+json/example",
    ) in found
    assert any(
        r == "ref-unresolved" and "cycle" in f.message for f in report.findings for r in [f.rule]
    )
    located = next(f for f in report.findings if f.rule == "status-mismatch")
    assert located.location == f"{tmp_path / 'errors.yaml'}:7:7"


def test_openapi_invalid(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n")
    report = lint_spec(path)
    assert [f.rule for f in report.findings] == ["openapi-invalid"]
    assert report.findings[0].pointer == "/info"
    assert report.findings[0].location == f"{path}:2:1"


def test_configuration_and_inline_ignores(tmp_path: Path) -> None:
    paths = operation(problem("401"), problem("404")).replace(
        "'401':\n", "'401':\n        x-errspec-ignore: [www-authenticate-missing]\n", 1
    )
    path = spec(tmp_path, paths)
    inline = rules(lint_spec(path))
    assert "www-authenticate-missing" not in [r for r, _ in inline]
    bare = spec(tmp_path, operation(problem("400")), name="bare.yaml")
    off = lint_spec(bare, config=Config(rules={"error-responses-missing": "off"}))
    assert "error-responses-missing" not in [r for r, _ in rules(off)]
    ignored = lint_spec(bare, config=Config(ignore=(Ignore("/tasks/*", "get"),)))
    assert ignored.findings == ()
    warned = lint_spec(bare, config=Config(rules={"error-responses-missing": "warning"}))
    assert {f.severity for f in warned.findings if f.rule == "error-responses-missing"} == {
        "warning"
    }


# --- the CLI ------------------------------------------------------------------------------------


def run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


def test_cli_text_output_and_exit_codes(tmp_path: Path) -> None:
    path = spec(tmp_path, "/tasks/{id}:\n  get:\n    responses:\n      '200': {description: ok}\n")
    result = run(["lint", str(path)])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(
        f"{path}:20:5: error error-responses-missing GET /tasks/{{id}} declares"
    )
    assert (
        result.stdout.splitlines()[-1]
        == "1 document linted: 0 conform, 1 do not (1 error, 0 warnings)"
    )
    assert "linted in" in result.stderr
    clean = spec(tmp_path, GOOD, name="clean.yaml")
    assert run(["lint", str(clean)]).exit_code == 0


def test_cli_finds_openapi_yaml_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    missing = run(["lint"])
    assert missing.exit_code == 2
    assert "no SPEC given" in missing.stderr
    spec(tmp_path, GOOD)
    assert run(["lint"]).exit_code == 0


def test_cli_config_typo_is_exit_2_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec(tmp_path, GOOD)
    (tmp_path / "pyproject.toml").write_text('[tool.errspec]\nenveloppe = "problem-details"\n')
    result = run(["lint"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"errspec: error: {tmp_path / 'pyproject.toml'} [tool.errspec]: unknown key 'enveloppe'"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.errspec.rules]\nleaked-internal = "off"\n')
    assert "leaked-internal" in run(["lint"]).stderr


def test_cli_baseline(tmp_path: Path) -> None:
    path = spec(tmp_path, operation(problem("400")))
    base = tmp_path / "baseline.json"
    written = run(["lint", str(path), "--write-baseline", str(base)])
    assert written.exit_code == 0
    assert "wrote" in written.stderr
    assert run(["lint", str(path), "--baseline", str(base)]).exit_code == 0
    worse = spec(
        tmp_path,
        operation(problem("400"))
        + "/other:\n  get:\n    responses:\n      '200': {description: ok}\n",
    )
    again = run(["lint", str(worse), "--baseline", str(base)])
    assert again.exit_code == 1
    assert "/other" in again.stdout
    assert "/tasks" not in again.stdout.split("\n")[0]


def test_cli_sarif_has_regions(tmp_path: Path) -> None:
    path = spec(tmp_path, "/tasks/{id}:\n  get:\n    responses:\n      '200': {description: ok}\n")
    result = run(["lint", str(path), "--format", "sarif"])
    doc = json.loads(result.stdout)
    region = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (20, 5)


def _head(version: str) -> dict:
    """The version and info members every test document starts with."""
    key = "swagger" if version.startswith("2") else "openapi"
    return {key: version, "info": {"title": "x", "version": "1"}}


def _write(tmp_path: Path, doc: dict, name: str = "openapi.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def _problem_response(status: int) -> dict:
    return {
        "description": "problem",
        "content": {
            "application/problem+json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                    },
                }
            }
        },
    }


def test_anonymous_alternative_is_not_secured_and_webhooks_need_no_401(tmp_path: Path) -> None:
    doc = {
        **_head("3.1.0"),
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/tasks/{id}": {
                "get": {
                    "security": [{"bearer": []}, {}],
                    "responses": {"200": {"description": "ok"}, "404": _problem_response(404)},
                }
            }
        },
        "webhooks": {
            "taskDone": {
                "post": {"responses": {"200": {"description": "ok"}, "400": _problem_response(400)}}
            }
        },
    }
    assert lint_spec(_write(tmp_path, doc)).findings == ()


def test_percent_encoded_ref_fragments_resolve(tmp_path: Path) -> None:
    doc = {
        **_head("3.0.3"),
        "paths": {
            "/users/{userId}": {
                "get": {"responses": {"200": {"description": "ok"}, "404": _problem_response(404)}}
            },
            "/people/{userId}": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "404": {"$ref": "#/paths/~1users~1%7BuserId%7D/get/responses/404"},
                    }
                }
            },
        },
    }
    assert lint_spec(_write(tmp_path, doc)).findings == ()


def test_swagger_2_produces_and_openapi_3_0_nullable(tmp_path: Path) -> None:
    swagger = {
        **_head("2.0"),
        "produces": ["application/problem+json"],
        "paths": {
            "/tasks": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "400": {
                            "description": "bad",
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "type": {"type": "string"},
                                    "title": {"type": "string"},
                                    "status": {"type": "integer"},
                                },
                            },
                        },
                    }
                }
            }
        },
    }
    assert lint_spec(_write(tmp_path, swagger, "swagger.json")).findings == ()
    nullable = {
        **_head("3.0.3"),
        "paths": {
            "/tasks": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "400": {
                            "description": "bad",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["data", "error"],
                                        "properties": {
                                            "data": {"type": "object", "nullable": True},
                                            "error": {
                                                "type": "object",
                                                "required": ["message", "code"],
                                                "properties": {
                                                    "message": {"type": "string"},
                                                    "code": {"type": "integer"},
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                    }
                }
            }
        },
    }
    report = lint_spec(_write(tmp_path, nullable), LintOptions(envelope="aya"))
    assert [f.rule for f in report.findings] == []


def test_equal_fits_are_not_inconsistent(tmp_path: Path) -> None:
    bare = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    }
    doc = {
        **_head("3.0.3"),
        "paths": {
            "/tasks": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "400": {
                            "description": "bad",
                            "content": {"application/json": {"schema": bare}},
                        },
                    }
                }
            }
        },
    }
    report = lint_spec(_write(tmp_path, doc), LintOptions(envelope="error-object"))
    assert "envelope-inconsistent" not in [f.rule for f in report.findings]


def test_descriptions_only_are_not_an_unknown_envelope(tmp_path: Path) -> None:
    doc = {
        **_head("3.0.3"),
        "paths": {
            "/tasks": {
                "get": {
                    "responses": {
                        "200": {"description": "ok"},
                        "400": {"description": "Bad request"},
                    }
                }
            }
        },
    }
    assert lint_spec(_write(tmp_path, doc)).findings == ()


def test_json_api_example_may_use_the_most_general_status(tmp_path: Path) -> None:
    doc = {
        **_head("3.0.3"),
        "paths": {
            "/tasks": {
                "post": {
                    "responses": {
                        "201": {"description": "ok"},
                        "400": {
                            "description": "bad",
                            "content": {
                                "application/vnd.api+json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["errors"],
                                        "properties": {
                                            "errors": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "status": {"type": "string"},
                                                        "detail": {"type": "string"},
                                                    },
                                                },
                                            }
                                        },
                                    },
                                    "example": {
                                        "errors": [
                                            {"status": "403", "detail": "a"},
                                            {"status": "422", "detail": "b"},
                                        ]
                                    },
                                }
                            },
                        },
                    }
                }
            }
        },
    }
    report = lint_spec(_write(tmp_path, doc), LintOptions(envelope="json-api"))
    assert "status-mismatch" not in [f.rule for f in report.findings]


def test_errors_array_example_echoes_must_all_match(tmp_path: Path) -> None:
    doc = {
        **_head("3.0.3"),
        "paths": {
            "/tasks": {
                "post": {
                    "responses": {
                        "201": {"description": "ok"},
                        "400": {
                            "description": "bad",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["errors", "message"],
                                        "properties": {
                                            "message": {"type": "string"},
                                            "errors": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "message": {"type": "string"},
                                                        "status": {"type": "integer"},
                                                    },
                                                },
                                            },
                                        },
                                    },
                                    "example": {
                                        "message": "Bad request",
                                        "errors": [
                                            {"message": "a", "status": 400},
                                            {"message": "b", "status": 422},
                                        ],
                                    },
                                }
                            },
                        },
                    }
                }
            }
        },
    }
    report = lint_spec(_write(tmp_path, doc), LintOptions(envelope="errors-array"))
    (finding,) = [f for f in report.findings if f.rule == "status-mismatch"]
    assert finding.message == "example says status 422 but it documents the 400 response"


def test_full_validation_uses_openapi_spec_validator(tmp_path: Path) -> None:
    doc = {
        **_head("3.0.3"),
        "paths": {
            "/t/{id}": {
                "get": {"responses": {"200": {"description": "ok"}, "404": _problem_response(404)}}
            }
        },
    }
    path = _write(tmp_path, doc)
    assert lint_spec(path).findings == ()  # the schema check cannot see this
    full = lint_spec(path, LintOptions(full_validation=True))
    assert [f.rule for f in full.findings] == ["openapi-invalid"]
    assert "Path parameter 'id'" in full.findings[0].message


def test_a_baseline_tells_two_specs_apart(tmp_path: Path) -> None:
    """Fingerprints were rule + pointer only: a baseline written for one spec hid the same
    finding in another spec (issue: a baseline hides new findings elsewhere)."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    first = spec(one, "/tasks/{id}:\n  get:\n    responses:\n      '200': {description: ok}\n")
    second = spec(two, "/tasks/{id}:\n  get:\n    responses:\n      '200': {description: ok}\n")
    base = tmp_path / "baseline.json"
    assert run(["lint", str(first), "--write-baseline", str(base)]).exit_code == 0
    entries = json.loads(base.read_text())["findings"]
    assert {e["file"] for e in entries} == {"one/openapi.yaml"}
    assert run(["lint", str(first), "--baseline", str(base)]).exit_code == 0
    other = run(["lint", str(second), "--baseline", str(base)])
    assert other.exit_code == 1
    assert "error-responses-missing" in other.stdout
    both = run(["lint", str(first), str(second), "--baseline", str(base)])
    assert both.exit_code == 1
    assert str(second) in both.stdout
    assert str(first) not in both.stdout.replace(str(second), "")


def test_a_baseline_written_before_files_were_recorded_matches_any_file(tmp_path: Path) -> None:
    path = spec(tmp_path, "/tasks/{id}:\n  get:\n    responses:\n      '200': {description: ok}\n")
    base = tmp_path / "old-baseline.json"
    assert run(["lint", str(path), "--write-baseline", str(base)]).exit_code == 0
    old = json.loads(base.read_text())
    for entry in old["findings"]:
        del entry["file"]  # the version 1 format: rule and pointer
    base.write_text(json.dumps({"errspec_baseline": 1, "findings": old["findings"]}))
    assert run(["lint", str(path), "--baseline", str(base)]).exit_code == 0


def test_two_reffed_files_of_one_name_keep_their_findings(tmp_path: Path) -> None:
    """`v1/errors.yaml` and `v2/errors.yaml` were both named `errors.yaml#…` in pointers,
    and findings were de-duplicated by pointer: one file's finding was lost."""
    for version in ("v1", "v2"):
        (tmp_path / version).mkdir()
        (tmp_path / version / "errors.yaml").write_text(
            "NotFound:\n  description: nf\n  content:\n    application/problem+json:\n"
            "      schema: {type: object, properties:\n"
            "        {title: {type: string}, status: {type: integer}}}\n"
            "      example: {title: Not Found, status: 500}\n"
        )
    paths = (
        "/v1/tasks/{id}:\n  get:\n    responses:\n"
        "      '404': {$ref: 'v1/errors.yaml#/NotFound'}\n"
        "/v2/tasks/{id}:\n  get:\n    responses:\n"
        "      '404': {$ref: 'v2/errors.yaml#/NotFound'}\n"
    )
    report = lint_spec(spec(tmp_path, paths))
    mismatches = sorted(f.pointer for f in report.findings if f.rule == "status-mismatch")
    example = "#/NotFound/content/application~1problem+json/example"
    assert mismatches == [f"v1/errors.yaml{example}", f"v2/errors.yaml{example}"]


@pytest.mark.parametrize("key", ["4XX", "4xx", "4Xx"])
def test_range_keys_count_as_error_responses_whatever_their_case(tmp_path: Path, key: str) -> None:
    """A `4XX` range is a 4xx error response, in any case: OpenAPI allows only the uppercase
    `X` (so `4xx` is openapi-invalid), but errspec still counts what the author meant. With
    count-ranges = false it is not one."""
    path = spec(tmp_path, operation(problem(key)))
    expected = [] if key == "4XX" else ["openapi-invalid"]
    assert [r for r, _ in rules(lint_spec(path))] == expected
    strict = lint_spec(path, LintOptions(count_ranges=False))
    assert ("error-responses-missing", "/paths/~1tasks~1{id}/get") in rules(strict)
    missing = [f for f in strict.findings if f.rule == "error-responses-missing"]
    assert [f.message.endswith("declares no 4xx error response") for f in missing] == [True]


def test_a_5xx_range_alone_is_no_4xx(tmp_path: Path) -> None:
    report = lint_spec(spec(tmp_path, operation(problem("5XX"))))
    assert rules(report) == [("error-responses-missing", "/paths/~1tasks~1{id}/get")]
    assert report.findings[0].message.endswith("declares no 4xx error response")


# --- what the mutation run found untested in lint (bench/mutate.py) --------------------------


def test_a_configured_envelope_overrides_the_majority(tmp_path: Path) -> None:
    path = spec(tmp_path, GOOD)
    assert lint_spec(path).envelope == "problem-details"
    other = lint_spec(path, LintOptions(envelope="google-rpc"))
    assert other.envelope == "google-rpc"
    assert "envelope-schema" in {f.rule for f in other.findings}


def _plain(status: str, schema: str, example: str = "", headers: str = "") -> str:
    lines = [f"'{status}':", "  description: error"]
    if headers:
        lines += ["  headers:", f"    {headers}: {{schema: {{type: string}}}}"]
    lines += ["  content:", "    application/json:", f"      schema: {schema}"]
    if example:
        lines.append(f"      example: {example}")
    return "\n".join(lines)


def test_a_required_header_missing_is_an_error_and_a_recommended_one_a_warning(
    tmp_path: Path,
) -> None:
    """error-string states Retry-After on a 429 (seed 001), and RFC 9110 states
    WWW-Authenticate on a 401: both are errors."""
    schema = (
        "{type: object, required: [error, message],"
        " properties: {error: {type: string}, message: {type: string}}}"
    )
    paths = operation(_plain("401", schema), _plain("404", schema), _plain("429", schema))
    report = lint_spec(spec(tmp_path, paths), LintOptions(envelope="error-string"))
    severities = {f.rule: f.severity for f in report.findings}
    assert severities["retry-after-missing"] == "error"
    assert severities["www-authenticate-missing"] == "error"


def test_a_mis_cased_code_in_an_open_catalogue_is_no_unknown_code(tmp_path: Path) -> None:
    schema = (
        "{type: object, properties: {error: {type: object, required: [code, message],"
        " properties: {code: {type: string}, message: {type: string}}}}}"
    )
    example = '{error: {code: resourceNotFound, message: "No such task"}}'
    paths = operation(_plain("404", schema, example))
    report = lint_spec(spec(tmp_path, paths), LintOptions(envelope="error-object"))
    codes = sorted(f.rule for f in report.findings if f.rule in ("code-format", "unknown-code"))
    assert codes == ["code-format"]  # open: a mis-cased code is not also unknown


def test_a_named_problem_details_schema_that_is_not_recognisably_one(tmp_path: Path) -> None:
    """FastAPI's {detail} schema linted with problem-details named: one envelope-schema
    finding at the schema saying why it is not recognisably problem details."""
    schema = "{type: object, properties: {detail: {type: string}}}"
    report = lint_spec(
        spec(tmp_path, operation(_plain("404", schema))), LintOptions(envelope="problem-details")
    )
    messages = [f.message for f in report.findings if f.rule == "envelope-schema"]
    assert len(messages) == 1
    assert "not recognisably problem-details" in messages[0]
