"""Hostile specs: one clear line and exit code 2 (or a finding), never a traceback, never
a network connection, in seconds and bounded memory."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from errspec._cli import cli


def lint(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args])


def one_line(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("errspec: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_yaml_alias_bomb(tmp_path: Path) -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("openapi: 3.0.3\n" + "\n".join(levels) + "\n")
    one_line(lint(str(path)), "bomb.yaml")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.json", '{"openapi": "3.0.3", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("deep.yaml", "openapi: 3.0.3\nx: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    ],
)
def test_deep_nesting(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    one_line(lint(str(path)), name)


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as handle:
        handle.write("openapi: 3.0.3\ninfo: {title: x, version: '1'}\nx-padding: |\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(66 * 1024):  # 66 MiB
            handle.write(line)
    one_line(lint(str(path)), "huge.yaml")


def test_invalid_utf8_and_duplicate_keys(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"openapi: 3.0.3\ninfo: {title: caf\xe9, version: '1'}\npaths: {}\n")
    one_line(lint(str(bad)), "latin1.yaml", "UTF-8")
    dup = tmp_path / "dup.json"
    dup.write_text('{"openapi": "3.0.3", "info": {"title": "a", "title": "b", "version": "1"}}')
    one_line(lint(str(dup)), "dup.json", "duplicate")


def test_directory_dev_zero_and_missing(tmp_path: Path) -> None:
    one_line(lint(str(tmp_path)), str(tmp_path))
    one_line(lint("/dev/zero"), "/dev/zero")
    one_line(lint(str(tmp_path / "absent.yaml")), "absent.yaml")


def test_refs_to_loopback_and_etc_passwd_are_refused_without_connecting(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    connected: list[bool] = []

    def watch() -> None:
        try:
            conn, _ = listener.accept()
            connected.append(True)
            conn.close()
        except OSError:
            pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /tasks:\n    get:\n"
        "      responses:\n        '200': {description: ok}\n"
        f"        '400': {{$ref: 'http://127.0.0.1:{port}/errors.yaml#/BadRequest'}}\n"
        "        '404': {$ref: '../../../etc/passwd#/NotFound'}\n"
    )
    result = lint(str(spec))
    watcher.join()
    listener.close()
    assert connected == []
    assert result.exit_code == 1
    assert result.stdout.count(": error ref-refused ") == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "paths",
    [
        "paths: [1, 2]",
        "paths: {/a: {get: {callbacks: [1], responses: {'400': {description: x}}}}}",
        "paths: {/a: {get: {responses: {'400': {description: x, headers: [1], content: "
        "{application/json: {schema: {properties: [1], items: 3, allOf: 4, required: 5}}}}}}}}",
        "paths: {/a: {get: {responses: {'400': {description: x, content: {application/json: "
        "{examples: [1], schema: {$ref: '#/x~2'}}}}}}}}",
        "paths: {/a: {get: {security: 5, responses: {'400': {$ref: 5}}}}}",
        "paths: {/a: {$ref: '#/paths/~1a'}}",
    ],
)
def test_invalid_documents_are_findings_not_crashes(tmp_path: Path, paths: str) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(f"openapi: 3.0.3\ninfo: {{title: x, version: '1'}}\n{paths}\n")
    result = lint(str(spec))
    assert result.exit_code == 1, result.output
    assert "openapi-invalid" in result.stdout or "ref-unresolved" in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_swagger_2_with_invalid_produces(tmp_path: Path) -> None:
    spec = tmp_path / "swagger.yaml"
    spec.write_text(
        "swagger: '2.0'\ninfo: {title: x, version: '1'}\nproduces: 7\npaths: {/a: {get: "
        "{produces: 9, responses: {'400': {description: x, schema: {type: object}}}}}}\n"
    )
    result = lint(str(spec))
    assert result.exit_code == 1
    assert "openapi-invalid" in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _findings(result: Result) -> list[tuple[str, str, str]]:
    """``(rule, pointer, line:col)`` of each finding in a ``--format json`` report."""
    (report,) = json.loads(result.stdout)["results"]
    return [
        (f["rule"], f["pointer"], ":".join(f["location"].rsplit(":", 2)[1:]))
        for f in report["findings"]
    ]


def _at(text: str, needle: str) -> str:
    """``line:col`` (1-based) of the first ``needle`` in ``text``."""
    offset = text.index(needle)
    return f"{text.count(chr(10), 0, offset) + 1}:{offset - text.rfind(chr(10), 0, offset)}"


def test_full_validation_does_not_follow_percent_encoded_dots(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    dots = "%2e%2e/" * 12
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /tasks:\n    get:\n"
        "      responses:\n        '200': {description: ok}\n"
        f"        '404': {{$ref: '{dots}etc/passwd'}}\n"
    )
    result = lint(str(spec), "--full-validation", "--format", "json")
    assert result.exit_code == 1, result.output
    pointer = "/paths/~1tasks/get/responses/404/$ref"
    where = _at(spec.read_text(), "$ref")
    assert sorted(_findings(result)) == [
        ("openapi-invalid", pointer, where),
        ("ref-refused", pointer, where),
    ]
    passwd = Path("/etc/passwd")
    if passwd.is_file():
        first = passwd.read_text(errors="replace").splitlines()[0]
        assert first not in result.output
    assert "Traceback" not in result.output


_RESPONSE = "/paths/~1a/get/responses/400"


@pytest.mark.parametrize(
    ("document", "expected", "needle"),
    [
        (  # a schema that contains itself: openapi-spec-validator recurses without end
            "paths: {/a: {get: {responses: {'400': {description: x, content: {application/json:"
            " {schema: {$ref: '#/components/schemas/A'}}}}}}}}\n"
            "components: {schemas: {A: {allOf: [{$ref: '#/components/schemas/A'}]}}}\n",
            [("ref-unresolved", f"{_RESPONSE}/content/application~1json/schema")],
            "schema:",
        ),
        (
            "paths: {/a: {get: {responses: {'400': {$ref: '#nope'}}}}}\n",
            [("openapi-invalid", f"{_RESPONSE}/$ref"), ("ref-unresolved", f"{_RESPONSE}/$ref")],
            "$ref",
        ),
        (
            "paths: {/a: {get: {responses: {'400': {$ref: '\\\\server\\share\\x.yaml'}}}}}\n",
            [("openapi-invalid", f"{_RESPONSE}/$ref"), ("ref-refused", f"{_RESPONSE}/$ref")],
            "$ref",
        ),
        (
            "paths: {/a: {get: {responses: {'400': {$ref: 'x.yaml'}}}}}\n"
            "components: {schemas: {A: {$id: 'http://example.com/a.json', properties: "
            "{b: {$ref: 'b.json'}}}}}\n",
            [("openapi-invalid", f"{_RESPONSE}/$ref"), ("ref-unresolved", f"{_RESPONSE}/$ref")],
            "$ref",
        ),
    ],
    ids=["allOf-cycle", "anchor", "unc", "id-relative"],
)
def test_full_validation_crashes_are_findings(
    tmp_path: Path, document: str, expected: list[tuple[str, str]], needle: str
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(f"openapi: 3.1.0\ninfo: {{title: x, version: '1'}}\n{document}")
    result = lint(str(spec), "--full-validation", "--format", "json")
    assert result.exit_code == 1, result.output
    where = _at(spec.read_text(), needle)
    found = [f for f in sorted(_findings(result)) if f[0] != "envelope-unknown"]
    assert found == [(rule, pointer, where) for rule, pointer in expected]
    assert "Traceback" not in result.output


def test_a_nul_byte_in_a_ref_is_a_finding(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(
        '{"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {"/a": {"get": '
        '{"responses": {"400": {"$ref": "x\\u0000.yaml"}}}}}}'
    )
    where = _at(spec.read_text(), '"$ref"')
    for full in ((), ("--full-validation",)):
        result = lint(str(spec), "--format", "json", *full)
        assert result.exit_code == 1, result.output
        assert ("ref-unresolved", f"{_RESPONSE}/$ref", where) in _findings(result)
        assert "Traceback" not in result.output


def test_non_ascii_digits_in_response_keys_and_example_echoes(tmp_path: Path) -> None:
    """`"²".isdigit()` is true but `int("²")` fails: keys and echoes of such digits are no
    statuses (they crashed the walk with exit 3)."""
    spec = tmp_path / "openapi.json"
    problem = {"type": "object", "properties": {"errors": {"type": "array"}}}
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.0.3",
                "info": {"title": "x", "version": "1"},
                "paths": {
                    "/a": {
                        "get": {
                            "responses": {
                                "²": {"description": "not a status"},
                                "404": {
                                    "description": "x",
                                    "content": {
                                        "application/vnd.api+json": {
                                            "schema": problem,
                                            "example": {"errors": [{"status": "²²²"}]},
                                        }
                                    },
                                },
                            }
                        }
                    }
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = lint(str(spec), "--format", "json", "--envelope", "json-api")
    assert result.exit_code in (0, 1), result.output
    found = _findings(result)
    assert all(pointer != "/paths/~1a/get/responses/²" for _, pointer, _ in found), found
    assert not [f for f in found if f[0] == "status-mismatch"], found


@pytest.mark.parametrize(
    "schema",
    [
        "{type: array, items: {$ref: '#/components/schemas/Tree'}}",  # items are itself
        "{allOf: [{$ref: '#/components/schemas/Tree'}], properties: {a: {type: string}}}",
    ],
    ids=["array-of-itself", "allOf-itself"],
)
def test_a_schema_made_of_itself_lints_in_bounded_time(tmp_path: Path, schema: str) -> None:
    """Lint's walk over an error schema's members stopped only at property depth: a schema
    whose array items are itself never ended (memory grew until killed)."""
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses:\n        '404':\n          description: x\n          content:\n"
        "            application/json:\n              schema: {$ref: '#/components/schemas/Tree'}\n"
        f"components:\n  schemas:\n    Tree: {schema}\n"
    )
    started = time.perf_counter()
    result = lint(str(spec), "--format", "json")
    assert time.perf_counter() - started < 10
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
