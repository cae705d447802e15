"""Hostile specs: one clear line and exit code 2 (or a finding), never a traceback, never
a network connection, in seconds and bounded memory."""

from __future__ import annotations

import socket
import threading
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
    assert result.stdout.count("ref-refused") == 2
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
