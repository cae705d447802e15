"""Exit codes 0/1/2/3 of the real console entry point, and what an internal error prints.

An internal error (a bug in errspec) must be told apart from findings (1) and bad input
(2): exit code 3, one line on stderr, the traceback only with --debug or ERRSPEC_DEBUG=1.
These tests plant a bug (a function that raises) in a fresh interpreter and run `main()`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import REPO

RECORD = {"status": 404, "headers": {"Content-Type": "application/problem+json"}, "body": {}}

#: Runs errspec's console entry point with `check_response` replaced by one that raises
#: (the command imports it from errspec._check when it runs).
PLANTED_BUG = textwrap.dedent(
    """
    import sys
    import errspec._check
    import errspec._cli as cli

    def broken(*args, **kwargs):
        raise KeyError("planted\\nbug")

    errspec._check.check_response = broken
    cli.main(sys.argv[1:])
    """
)


def _run(args: list[str], *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ERRSPEC_DEBUG"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", PLANTED_BUG, *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


@pytest.fixture
def record(tmp_path: Path) -> Path:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(RECORD))
    return path


def test_an_internal_error_exits_3_with_one_line(record: Path) -> None:
    result = _run(["check", str(record)])
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("errspec: internal error: KeyError: 'planted\\nbug'")
    assert "this is a bug in errspec" in lines[0]
    assert "--debug" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--debug", "check"], {}), (["check"], {"ERRSPEC_DEBUG": "1"})],
    ids=["--debug", "ERRSPEC_DEBUG=1"],
)
def test_debug_shows_the_traceback(record: Path, args: list[str], env: dict[str, str]) -> None:
    result = _run([*args, str(record)], env=env)
    assert result.returncode == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "in broken" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("errspec: internal error: KeyError")


def test_errspec_debug_0_means_off(record: Path) -> None:
    result = _run(["check", str(record)], env={"ERRSPEC_DEBUG": "0"})
    assert result.returncode == 3
    assert "Traceback" not in result.stderr


def test_input_errors_stay_exit_2_and_findings_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    env = {k: v for k, v in os.environ.items() if k != "ERRSPEC_DEBUG"}
    main = [sys.executable, "-m", "errspec"]
    broken = subprocess.run(
        [*main, "check", str(bad)], capture_output=True, text=True, env=env, check=False
    )
    assert broken.returncode == 2
    assert broken.stderr.count("\n") == 1
    assert broken.stderr.startswith(f"errspec: error: {bad}: invalid JSON")
    mismatch = tmp_path / "mismatch.json"
    mismatch.write_text(json.dumps({**RECORD, "body": {"title": "Not Found", "status": 400}}))
    found = subprocess.run(
        [*main, "check", str(mismatch), "--envelope", "problem-details"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert found.returncode == 1
    assert "status-mismatch" in found.stdout


def test_a_lone_surrogate_in_an_error_message_is_escaped(tmp_path: Path) -> None:
    missing = tmp_path / "no\udcffsuch.json"  # an undecodable byte in a file name
    env = {k: v for k, v in os.environ.items() if k != "ERRSPEC_DEBUG"}
    result = subprocess.run(
        [sys.executable, "-m", "errspec", "check", os.fsencode(missing)],
        capture_output=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    line = result.stderr.decode("utf-8")  # strict: the output is valid UTF-8
    assert line.startswith("errspec: error: ")
    assert "No such file" in line


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_lone_surrogates_in_findings_reach_stdout_as_valid_utf8(tmp_path: Path, fmt: str) -> None:
    """A member name and a value with lone surrogates end up in findings: stdout (strict
    UTF-8 here) gets them escaped, never a UnicodeEncodeError (exit 3)."""
    record = tmp_path / "r.json"
    record.write_text(
        '{"status": 500, "headers": {"Content-Type": "application/problem+json"}, '
        '"body": {"title": "x", "status": 400, "\\ud800stack": "\\udc00"}}'
    )
    env = {k: v for k, v in os.environ.items() if k != "ERRSPEC_DEBUG"}
    env["PYTHONIOENCODING"] = "utf-8:strict"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "errspec",
            "check",
            str(record),
            "--format",
            fmt,
            "--envelope",
            "problem-details",
        ],
        capture_output=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    text = result.stdout.decode("utf-8")  # strict
    assert "status-mismatch" in text


def _records(tmp_path: Path, count: int) -> Path:
    """An NDJSON file of ``count`` records, each with one finding (a status mismatch)."""
    record = {**RECORD, "body": {"title": "Not Found", "status": 400}}
    path = tmp_path / "many.ndjson"
    path.write_text("".join(json.dumps(record) + "\n" for _ in range(count)))
    return path


#: A child's environment with its output buffered, as a user's is (PYTHONUNBUFFERED would
#: hide an output never flushed).
_BUFFERED = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "ERRSPEC_DEBUG")}


def test_the_console_script_flushes_everything_before_its_fast_exit(tmp_path: Path) -> None:
    """`python -m errspec` (and the `errspec` script) end with os._exit after main(): what
    was written to a pipe arrives whole, and the exit code is main()'s."""
    many = _records(tmp_path, 2000)
    command = [sys.executable, "-m", "errspec", "check", str(many), "--format", "json"]
    done = subprocess.run(
        [*command, "--envelope", "problem-details"],
        env=_BUFFERED,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    reports = json.loads(done.stdout)["results"]
    assert len(reports) == 2000
    assert {f["rule"] for r in reports for f in r["findings"]} == {"status-mismatch"}
    output = tmp_path / "components.yaml"
    written = subprocess.run(
        [sys.executable, "-m", "errspec", "components", "problem-details", "-o", str(output)],
        env=_BUFFERED,
        capture_output=True,
        text=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    shipped = REPO / "schemas" / "problem-details" / "openapi-3.1.yaml"
    assert output.read_bytes() == shipped.read_bytes()


def test_a_reader_that_leaves_early_gets_no_error_from_the_exit(tmp_path: Path) -> None:
    """`errspec check … | head -1`: the rest of the output has nowhere to go; the exit says
    nothing about it (Python's own exit would print "Exception ignored" and exit 120)."""
    many = _records(tmp_path, 20000)
    with subprocess.Popen(
        [sys.executable, "-m", "errspec", "check", str(many), "--envelope", "problem-details"],
        env=_BUFFERED,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        first = child.stdout.readline()
        child.stdout.close()  # the reader goes away
        stderr = child.stderr.read().decode()
        code = child.wait(timeout=60)
    assert b"status-mismatch" in first
    assert code in (1, 2)  # findings, or the broken pipe noticed while writing
    assert "Exception ignored" not in stderr
    assert "Traceback" not in stderr


def test_main_called_as_a_function_still_raises_system_exit(record: Path) -> None:
    from errspec._cli import main

    with pytest.raises(SystemExit) as exited:
        main(["check", str(record), "--envelope", "problem-details", "--quiet"])
    assert exited.value.code == 1


def test_run_flushes_what_was_left_in_the_buffers_and_keeps_the_exit_code() -> None:
    """run() ends with os._exit, which writes nothing still buffered: it flushes first."""
    planted = textwrap.dedent(
        """
        import sys
        import errspec._cli as cli

        def main():
            sys.stdout.write("left in the buffer")  # no newline, no flush
            sys.stderr.write("and here")
            sys.exit(7)

        cli.main = main
        cli.run()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", planted], env=_BUFFERED, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (7, "left in the buffer", "and here")
