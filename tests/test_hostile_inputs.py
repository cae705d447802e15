"""Hostile inputs to the response readers: each one gives responses (a broken body is a
``body_problem``, reported as ``body-not-json``) or an :class:`~errspec.InputError` of one
line naming the input — never another exception, never minutes, never gigabytes.

The memory tests run errspec in a child process that reports its peak resident size
(``VmHWM``), compared with the same command on a small input.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import errspec
from errspec._cli import cli
from errspec._inputs import (
    DEFAULT_MAX_BODY,
    InputError,
    ReadOptions,
    decode_body,
    parse_http,
    read_responses,
    response_from_record,
    responses_from_har,
    strict_json,
)

MiB = 1024 * 1024
PROBLEM = b'{"type":"about:blank","title":"Not Found","status":404}'


def run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, args, input=stdin)


def one_line_error(result: Result, *fragments: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("errspec: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def http(status_line: str, headers: dict[str, str], body: bytes, eol: str = "\r\n") -> bytes:
    head = eol.join([status_line, *(f"{k}: {v}" for k, v in headers.items())])
    return head.encode() + (eol * 2).encode() + body


def one(data: bytes, **options: Any) -> errspec.Response:
    (response,) = parse_http(data, "x.http", ReadOptions(**options))
    return response


def input_error(data: bytes, **options: Any) -> str:
    with pytest.raises(InputError) as info:
        list(read_responses("-", ReadOptions(**options), stdin=io.BytesIO(data)))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("<stdin>")
    return message


#: Run errspec in a child and write its peak resident size (VmHWM, in KiB) to a file at
#: exit. Not ``ru_maxrss``: Linux carries that across exec from the forked parent (pytest).
_MEASURED = """
import atexit, sys
def peak():
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    with open(sys.argv[1], "w") as out:
        out.write(hwm.split()[1])
atexit.register(peak)
from errspec._cli import main
main(sys.argv[2:])
"""


def peak_rss(args: list[str], cwd: Path) -> tuple[int, bytes, int]:
    """(exit code, stderr, peak resident size in bytes) of ``errspec ARGS`` in a child."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc/self/status (Linux) to measure peak memory")
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(cwd / "peak"), *args],
        capture_output=True,
        cwd=cwd,
        check=False,
    )
    return proc.returncode, proc.stderr, int((cwd / "peak").read_text()) * 1024


def gzip_of_zeros(size: int) -> bytes:
    """A gzip member of ``size`` zero bytes, built a chunk at a time (a gzip bomb)."""
    engine = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MiB)
    parts = [engine.compress(block) for _ in range(size // MiB)]
    return b"".join([*parts, engine.flush()])


# --- 1. bounded decompression ------------------------------------------------------------


def test_gzip_bomb_stops_at_max_body_in_bounded_memory(tmp_path: Path) -> None:
    bomb = gzip_of_zeros(200 * MiB)
    assert len(bomb) < 400_000
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    (tmp_path / "bomb.http").write_bytes(http("HTTP/1.1 500 Oops", headers, bomb))
    (tmp_path / "small.http").write_bytes(http("HTTP/1.1 500 Oops", headers, gzip.compress(b"{}")))
    limit = ["--max-body", str(MiB)]
    code, _, baseline = peak_rss(["check", "small.http", *limit], tmp_path)
    assert code == 1
    started = time.perf_counter()
    code, err, peak = peak_rss(["check", "bomb.http", *limit], tmp_path)
    assert time.perf_counter() - started < 10
    assert code == 2
    assert err.decode() == (
        f"errspec: error: bomb.http: body inflates to more than {MiB} bytes (--max-body)\n"
    )
    assert peak - baseline < 32 * MiB, (peak, baseline)  # inflating it all took 200 MiB+


def test_decode_body_bounds_every_coding() -> None:
    bomb = gzip_of_zeros(20 * MiB)
    with pytest.raises(InputError, match=r"^r: body inflates to more than 1000 bytes"):
        decode_body(bomb, "application/json", "gzip", max_body=1000, source="r")
    deflated = zlib.compress(bytes(20 * MiB))
    with pytest.raises(InputError, match="inflates to more than 1000 bytes"):
        decode_body(deflated, "application/json", "deflate", max_body=1000)
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw_deflate = raw.compress(bytes(20 * MiB)) + raw.flush()
    with pytest.raises(InputError, match="inflates to more than 1000 bytes"):
        decode_body(raw_deflate, "application/json", "deflate", max_body=1000)
    # the default limit applies too (library callers, adapters)
    with pytest.raises(InputError, match=f"inflates to more than {DEFAULT_MAX_BODY}"):
        decode_body(bomb, "application/json", "gzip")


def test_gzip_members_truncation_and_codings() -> None:
    first, second = b'{"status": 404, ', b'"title": "Not Found"}'
    members = gzip.compress(first) + gzip.compress(second)
    assert decode_body(members, None, "gzip")[0] == {"status": 404, "title": "Not Found"}
    padded = gzip.compress(PROBLEM) + bytes(16)  # gzip(1) allows trailing zeros
    assert decode_body(padded, None, "gzip")[0]["status"] == 404
    truncated = gzip.compress(PROBLEM * 50)[:-20]
    body, text, problem = decode_body(truncated, None, "gzip")
    assert (body, text) == (errspec.NO_BODY, None)
    assert problem == "cannot decode Content-Encoding gzip: the compressed data is truncated"
    body, _, problem = decode_body(b"not gzip at all", None, "gzip")
    assert problem is not None
    assert problem.startswith("cannot decode Content-Encoding gzip: ")
    # deflate: zlib-wrapped as RFC 9110 says, or raw as some servers send it
    assert decode_body(zlib.compress(PROBLEM), None, "deflate")[0]["status"] == 404
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert decode_body(raw.compress(PROBLEM) + raw.flush(), None, "deflate")[0]["status"] == 404
    # several codings: applied in order, so undone in reverse (RFC 9110 §8.4)
    twice = gzip.compress(zlib.compress(PROBLEM))
    assert decode_body(twice, None, "deflate, gzip")[0]["status"] == 404
    assert decode_body(gzip.compress(PROBLEM), None, "gzip, identity")[0]["status"] == 404
    assert decode_body(gzip.compress(PROBLEM), None, " GZIP ,")[0]["status"] == 404
    _, _, problem = decode_body(gzip.compress(PROBLEM), None, "br, gzip")
    assert problem == "Content-Encoding br is not supported"
    _, _, problem = decode_body(PROBLEM, None, "x" * 10_000)
    assert problem is not None
    assert len(problem) < 120
    # each coding is a pass over the body: a stack of thousands would take hours
    _, _, problem = decode_body(PROBLEM, None, ", ".join(["gzip"] * 100_000))
    assert problem == "Content-Encoding lists more than 4 codings"
    nested = PROBLEM
    for _ in range(4):
        nested = gzip.compress(nested)
    assert decode_body(nested, None, "gzip, identity, gzip, gzip, gzip")[0]["status"] == 404


# --- 2. linear raw HTTP ------------------------------------------------------------------


def test_many_interim_responses_parse_in_linear_time() -> None:
    final = http("HTTP/1.1 404 Not Found", {"Content-Type": "application/json"}, PROBLEM)
    data = b"HTTP/1.1 100 Continue\r\n\r\n" * 200_000 + final
    started = time.perf_counter()
    (last,) = parse_http(data, "curl.txt", ReadOptions())
    assert time.perf_counter() - started < 10  # a safety bound, not a benchmark (was 32 s)
    assert (last.status, last.source, last.body["status"]) == (404, "curl.txt#200001", 404)
    empty = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" * 100_000
    started = time.perf_counter()
    every = parse_http(empty, "e.txt", ReadOptions(all_responses=True))
    assert time.perf_counter() - started < 10  # was 14 s
    assert len(every) == 100_000
    assert (every[0].source, every[-1].source) == ("e.txt#1", "e.txt#100000")
    assert every[-1].body_problem == "the body is empty"


# --- 3. status codes ---------------------------------------------------------------------


@pytest.mark.parametrize("status", ["000", "099", "600", "999"])
def test_status_outside_100_599_is_an_input_error(status: str) -> None:
    data = http(f"HTTP/1.1 {status} Odd", {"Content-Type": "application/json"}, PROBLEM)
    assert input_error(data) == f"<stdin>: status {status} is not an HTTP status (100-599)"


@pytest.mark.parametrize("line", ["HTTP/1.1 4040 Not Found", "HTTP/1.1 40 x", "HTTP/1.1 404x"])
def test_status_line_with_a_malformed_code_is_an_input_error(line: str) -> None:
    data = http(line, {"Content-Type": "application/json"}, PROBLEM)
    assert input_error(data).startswith("<stdin>: no HTTP status line (found 'HTTP/1.1 40")


# --- 4. Content-Length -------------------------------------------------------------------


@pytest.mark.parametrize(
    "length",
    ["²", "1²", "١٢", "-1", "+5", "0x10", "1" * 5000, "9" * 19, "5, 6", "", "1 2"],
    ids=[
        "superscript",
        "digit-superscript",
        "arabic-indic",
        "neg",
        "plus",
        "hex",
        "5000",
        "19",
        "list",
        "empty",
        "space",
    ],
)
def test_invalid_content_length_is_an_input_error(length: str) -> None:
    head = b"HTTP/1.1 404 Not Found\r\nContent-Length: " + length.encode("utf-8") + b"\r\n\r\n"
    message = input_error(head + PROBLEM)
    assert message.startswith("<stdin>: invalid Content-Length ")
    assert len(message) < 120


def test_valid_content_lengths() -> None:
    def body_with(length: str) -> Any:
        data = f"HTTP/1.1 404 Not Found\r\nContent-Length: {length}\r\n\r\n".encode() + PROBLEM
        return one(data + b"junk").body

    assert body_with(str(len(PROBLEM)))["status"] == 404
    assert body_with(f"{len(PROBLEM)}, {len(PROBLEM)}")["status"] == 404  # RFC 9112 §6.3
    assert body_with("0" * 30 + str(len(PROBLEM)))["status"] == 404
    # longer than the input: the input was cut short, the body is what there is
    cut = one(http("HTTP/1.1 404 Not Found", {"Content-Length": "9" * 18}, PROBLEM))
    assert cut.body == json.loads(PROBLEM)


# --- 5. header line breaks ---------------------------------------------------------------


@pytest.mark.parametrize("char", ["Å", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u2028"])
def test_only_crlf_and_lf_end_a_header_line(char: str) -> None:
    value = f"{char}sa"
    data = http("HTTP/1.1 404 Not Found", {"X-Name": value, "Content-Type": "x/y"}, PROBLEM)
    response = one(data)
    # field values are octets: errspec reads them as ISO-8859-1 (RFC 9110 §5.5)
    assert response.header("X-Name") == value.encode("utf-8").decode("iso-8859-1")
    assert response.header("Content-Type") == "x/y"


def test_nul_and_bare_cr_in_a_field_value_become_spaces() -> None:
    data = b"HTTP/1.1 404 Not Found\r\nX-A: a\x00b\rc\r\nContent-Length: 2\r\n\r\n{}"
    response = one(data)
    assert response.header("X-A") == "a b c"  # RFC 9110 §5.5: replace with SP
    assert response.body == {}


def test_cr_only_line_ends_are_an_input_error() -> None:
    data = http("HTTP/1.1 404 Not Found", {"Content-Type": "application/json"}, PROBLEM, eol="\r")
    assert input_error(data).startswith("<stdin>: malformed header line ")


def test_too_many_headers_is_an_input_error() -> None:
    data = b"HTTP/1.1 404 Not Found\r\n" + b"X: 1\r\n" * 5000 + b"\r\n" + PROBLEM
    started = time.perf_counter()
    assert input_error(data) == "<stdin>: more than 1000 header lines"
    assert time.perf_counter() - started < 10


def test_records_and_har_entries_have_at_most_1000_headers() -> None:
    record = {"status": 404, "headers": {"X": ["1"] * 1001}, "body": {}}
    message = input_error(json.dumps(record).encode())
    assert message == "<stdin>: more than 1000 header lines"
    entry = har_entry(404, "{}")
    entry["response"]["headers"] = [{"name": "X", "value": "1"}] * 1001
    message = input_error(json.dumps(har([entry])).encode())
    assert message == "<stdin>#entries/0: more than 1000 header lines"


def test_header_section_is_bounded() -> None:
    data = b"HTTP/1.1 404 Not Found\r\nX: " + b"a" * (2 * MiB) + b"\r\n\r\n" + PROBLEM
    assert input_error(data) == f"<stdin>: header section larger than {MiB} bytes"


# --- 6. charsets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("rot13", "charset 'rot13' is not a text encoding"),
        ("base64", "charset 'base64' is not a text encoding"),
        ("hex", "charset 'hex' is not a text encoding"),
        ("zlib", "charset 'zlib' is not a text encoding"),
        ("uu", "charset 'uu' is not a text encoding"),
        ("undefined", "charset 'undefined' is not a text encoding"),
        ("punycode", "charset 'punycode' is not a text encoding"),
        ("idna", "charset 'idna' is not a text encoding"),
        ("no-such-charset", "unknown charset 'no-such-charset'"),
        ("\ud800", "unknown charset '\\ud800'"),
        ("a\x00b", "unknown charset 'a\\x00b'"),
        ("x" * 100_000, "unknown charset 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'"),
    ],
)
def test_a_charset_that_is_no_text_encoding_is_a_body_problem(name: str, problem: str) -> None:
    body, text, got = decode_body(PROBLEM, f"application/json; charset={name}")
    assert (body, got) == (errspec.NO_BODY, problem)
    assert text == PROBLEM.decode()


def test_an_empty_charset_is_ignored() -> None:
    assert decode_body(PROBLEM, "application/json; charset=")[0]["status"] == 404
    assert decode_body(PROBLEM, 'application/json; charset=""')[0]["status"] == 404


def test_utf16_with_an_odd_byte_count_is_a_body_problem() -> None:
    data = PROBLEM.decode().encode("utf-16-le") + b"x"
    body, text, problem = decode_body(data, "application/json; charset=utf-16-le")
    assert body is errspec.NO_BODY
    assert problem == f"not valid UTF-16-LE (byte {len(data) - 1})"
    assert text is not None
    assert text.endswith("}\ufffd")


def test_a_records_body_text_is_text_whatever_its_charset() -> None:
    for charset in ("rot13", "iso-8859-1", "utf-16", "idna"):
        record = {
            "status": 500,
            "headers": {"Content-Type": f"application/json; charset={charset}"},
            "body_text": '{"message": "Café"}',
        }
        (response,) = read_responses("-", stdin=io.BytesIO(json.dumps(record).encode()))
        assert (response.body, response.body_problem) == ({"message": "Café"}, None)


# --- 7. lone surrogates and huge numbers ---------------------------------------------------


def test_lone_surrogate_in_body_text_is_a_body_problem() -> None:
    response = response_from_record({"status": 500, "body_text": 'oops \ud800 "'}, "r")
    assert response.body is errspec.NO_BODY
    assert response.body_problem == "not valid Unicode: a lone surrogate at character 5"
    assert response.body_text == 'oops \ufffd "'
    assert response.body_text.encode("utf-8")
    data = b'{"status": 500, "body_text": "\\udfff"}'
    (read,) = read_responses("-", stdin=io.BytesIO(data))
    assert read.body_problem == "not valid Unicode: a lone surrogate at character 0"


def test_lone_surrogate_in_har_content_text_is_a_body_problem() -> None:
    entry = {
        "request": {"method": "GET", "url": "/x"},
        "response": {"status": 500, "headers": [], "content": {"text": "\ud83d!"}},
    }
    (response,) = responses_from_har({"log": {"entries": [entry]}}, "h.har", ReadOptions())
    assert response.body_problem == "not valid Unicode: a lone surrogate at character 0"
    data = json.dumps({"log": {"entries": [entry]}}).encode()
    (read,) = read_responses("-", stdin=io.BytesIO(data))
    assert read.body_problem == "not valid Unicode: a lone surrogate at character 0"


def test_lone_surrogate_in_a_json_body_is_read() -> None:
    data = http("HTTP/1.1 404 Not Found", {}, b'{"title": "\\ud800", "status": 404}')
    assert one(data).body == {"title": "\ud800", "status": 404}
    record = b'{"status": 404, "body": {"title": "\\ud800"}}'
    (read,) = read_responses("-", stdin=io.BytesIO(record))
    assert read.body == {"title": "\ud800"}


def test_integers_past_the_digit_limit() -> None:
    limit = sys.get_int_max_str_digits()
    huge = b"9" * (limit + 1)
    with pytest.raises(ValueError, match=f"^an integer with more than {limit} digits$"):
        strict_json(huge.decode())
    _, _, problem = decode_body(b'{"status": ' + huge + b"}", "application/json")
    assert problem == f"not JSON: an integer with more than {limit} digits"
    message = input_error(b'{"status": 404, "body": {"n": ' + huge + b"}}")
    assert message == f"<stdin>: invalid JSON: an integer with more than {limit} digits"
    nd = b'{"status": 404, "body": {}}\n{"status": 404, "body": ' + huge + b"}\n"
    message = input_error(nd)
    assert message == f"<stdin>:2: invalid JSON: an integer with more than {limit} digits"


def test_record_size_check_on_odd_bodies() -> None:
    # deep nesting, surrogates: measuring the body never fails
    deep = b'{"status": 404, "body": ' + b"[" * 900 + b"]" * 900 + b"}"
    (read,) = read_responses("-", stdin=io.BytesIO(deep))
    assert read.status == 404
    surrogate = b'{"status": 404, "body": "\\ud800' + b"x" * 200 + b'"}'
    message = input_error(surrogate, max_body=100)
    assert message == "<stdin>: body of 208 bytes is over the limit of 100 (--max-body)"


# --- 8. NDJSON sniffing and line numbers --------------------------------------------------


def test_ndjson_with_a_long_first_record(tmp_path: Path) -> None:
    first = {"status": 404, "body": {"title": "x" * 10_000}}
    second = {"status": 500, "body": {"title": "y"}}
    path = tmp_path / "long.ndjson"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    got = [(r.source, r.status) for r in read_responses(path)]
    assert got == [(f"{path}:1", 404), (f"{path}:2", 500)]


def test_ndjson_on_stdin_keeps_its_line_numbers() -> None:
    data = b"\n\n  \n" + b'{"status": 404, "body": {}}\n\n{"status": 500, "body": {}}\n'
    got = [(r.source, r.status) for r in read_responses("-", stdin=io.BytesIO(data))]
    assert got == [("<stdin>:4", 404), ("<stdin>:6", 500)]
    bad = b"\n\n" + b'{"status": 404, "body": {}}\n{"status": 404, "body": {"a": NaN}}\n'
    one_line_error(run(["check", "-"], stdin=bad), "<stdin>:4: invalid JSON: NaN is not valid")


def test_ndjson_leading_whitespace_over_many_chunks() -> None:
    data = b"\n" * 300_000 + b'{"status": 404, "body": {}}\n{"status": 500, "body": {}}\n'
    got = [r.source for r in read_responses("-", stdin=io.BytesIO(data))]
    assert got == ["<stdin>:300001", "<stdin>:300002"]


def test_ndjson_many_short_lines_read_in_linear_time() -> None:
    record = b'{"status": 200, "body": {}}\n'
    data = (b"\n" * 1000 + record) * 2000 + b"\n" * 30_000_000
    started = time.perf_counter()
    got = list(read_responses("-", ReadOptions(errors_only=True), stdin=io.BytesIO(data)))
    assert got == []
    assert time.perf_counter() - started < 10


# --- 9. big JSON arrays and HAR files are streamed ----------------------------------------


def har(entries: list[Any]) -> dict[str, Any]:
    return {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}}


def har_entry(status: int, text: str) -> dict[str, Any]:
    return {
        "request": {"method": "GET", "url": "https://api.example.com/x"},
        "response": {
            "status": status,
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"mimeType": "application/json", "text": text},
        },
    }


def test_a_big_record_array_is_streamed(tmp_path: Path) -> None:
    record = json.dumps({"status": 200, "headers": {"A": "b"}, "body": {"id": "x" * 2000}})
    with (tmp_path / "big.json").open("w") as out:
        out.write("[\n")
        out.write(",\n".join([record] * 20_000))
        out.write(', {"status": 404, "body": {}}]')
    assert (tmp_path / "big.json").stat().st_size > 38 * MiB
    (tmp_path / "small.json").write_text(f'[{record}, {{"status": 404, "body": {{}}}}]')
    args = ["--errors-only", "--format", "json"]
    code, _, baseline = peak_rss(["check", "small.json", *args], tmp_path)
    assert code == 1
    code, err, peak = peak_rss(["check", "big.json", *args], tmp_path)
    assert code == 1, err
    assert peak - baseline < 16 * MiB, (peak, baseline)  # loaded whole: over 100 MiB


def test_a_big_har_is_streamed(tmp_path: Path) -> None:
    entries = [har_entry(200, json.dumps({"id": "x" * 2000}))] * 20_000
    entries.append(har_entry(404, "{}"))
    (tmp_path / "big.har").write_text(json.dumps(har(entries)))
    assert (tmp_path / "big.har").stat().st_size > 38 * MiB
    (tmp_path / "small.har").write_text(json.dumps(har(entries[-2:])))
    args = ["--errors-only", "--format", "json"]
    code, _, baseline = peak_rss(["check", "small.har", *args], tmp_path)
    assert code == 1
    code, err, peak = peak_rss(["check", "big.har", *args], tmp_path)
    assert code == 1, err
    assert peak - baseline < 16 * MiB, (peak, baseline)


ENTRY = json.dumps(har_entry(404, "{}")).encode()


def test_streamed_arrays_keep_strict_json() -> None:
    ok = b'{"status": 404, "body": {}}'
    # the same message, line and column as parsing the whole document
    for data in (
        b"[" + ok + b", " + ok + b"",
        b"[" + ok + b",]",
        b"[" + ok + b"] x",
        b"[\n\n" + ok + b',\n  {"status": 404,, }]',
        b'{"status": 404,\n "body": {} "x"}',
        b'{"status": 404, 5: 1}',
        b'{"log": {"entries": [' + ENTRY + b"\n" + ENTRY + b"]}}",
    ):
        with pytest.raises(ValueError, match=r"\(line \d+, column \d+\)$") as whole:
            strict_json(data.decode())
        assert input_error(data) == f"<stdin>: invalid JSON: {whole.value}", data
    cases = [
        (b"[\n\n" + ok + b', {"a": NaN}]', "invalid JSON: NaN is not valid JSON"),
        (b"[" + ok + b', {"status": 1, "status": 2}]', "invalid JSON: duplicate key 'status'"),
        (b'{"status": 404, "status": 404}', "invalid JSON: duplicate key 'status'"),
        (b'{"log": {"entries": []}, "log": 1}', "invalid JSON: duplicate key 'log'"),
        (b'{"log": {"entries": [], "entries": []}}', "invalid JSON: duplicate key 'entries'"),
        (b'{"log": {"entries": 5}}', "not a HAR file (no log.entries array)"),
        (b'{"log": []}', "not a HAR file (no log.entries array)"),
        (b"[" + ok + b', "x"]', "<stdin>#1: a response record is a JSON object"),
        (b'[{"status": "caf\xc3"}]', "<stdin>: not valid UTF-8 (byte 16)"),
        (b"\xef\xbb\xbf[\xff]", "<stdin>: not valid UTF-8 (byte 4)"),
        (b"[" + ok + b"\xc3", "<stdin>: not valid UTF-8 (byte 28)"),
    ]
    for data, fragment in cases:
        assert fragment in input_error(data), data


def test_streamed_records_are_bounded_by_max_body() -> None:
    limit = 1000 + MiB  # one record: its body, and room for its status and headers
    huge = b'{"status": 404, "body": "' + b"x" * (2 * MiB) + b'"}'
    assert input_error(b"[" + huge + b"]", max_body=1000) == (
        f"<stdin>#0: record larger than {limit} bytes (--max-body)"
    )
    assert input_error(huge, max_body=1000) == (
        f"<stdin>: record larger than {limit} bytes (--max-body)"
    )
    entry = json.dumps(har_entry(404, "x" * (3 * MiB))).encode()
    assert input_error(b'{"log": {"entries": [' + entry + b"]}}", max_body=1000) == (
        f"<stdin>#entries/0: HAR entry larger than {1000 + 333 + MiB} bytes (--max-body)"
    )


def test_a_har_entry_may_hold_a_base64_body_up_to_max_body() -> None:
    body = b'{"title": "' + b"x" * (MiB - 13) + b'"}'
    entry = har_entry(404, base64.b64encode(body).decode())
    entry["response"]["content"]["encoding"] = "base64"
    data = json.dumps(har([entry])).encode()
    (response,) = read_responses("-", ReadOptions(max_body=MiB), stdin=io.BytesIO(data))
    assert len(response.body["title"]) == MiB - 13


# --- chunked transfer coding --------------------------------------------------------------


def test_chunked_bodies_are_dechunked_and_dechunked_ones_read_as_they_are() -> None:
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    framed = b"10;ext=1\r\n" + PROBLEM[:16] + b"\r\n" + f"{len(PROBLEM) - 16:x}".encode()
    framed += b"\r\n" + PROBLEM[16:] + b"\r\n0\r\nX-Trailer: 1\r\n\r\n"
    assert one(http("HTTP/1.1 404 Not Found", headers, framed)).body["status"] == 404
    # curl -si prints the body de-chunked but keeps the header
    assert one(http("HTTP/1.1 404 Not Found", headers, PROBLEM)).body["status"] == 404
    # a chunked response followed by the next one
    both = http("HTTP/1.1 404 Not Found", headers, framed) + http("HTTP/1.1 500 E", {}, b"{}")
    first, second = parse_http(both, "t", ReadOptions(all_responses=True))
    assert (first.body["status"], second.body) == (404, {})
    tiny = b"1\r\n \r\n" * 1_000_001 + b"0\r\n\r\n"
    started = time.perf_counter()
    assert input_error(http("HTTP/1.1 404 Not Found", headers, tiny)) == (
        "<stdin>: more than 1000000 chunks in one body"
    )
    assert time.perf_counter() - started < 10
    big = b"%x\r\n" % (2 * MiB) + b" " * (2 * MiB) + b"\r\n0\r\n\r\n"
    assert input_error(http("HTTP/1.1 404 Not Found", headers, big), max_body=MiB) == (
        f"<stdin>: body of more than {MiB} bytes is over the limit of {MiB} (--max-body)"
    )


# --- stdin and files ----------------------------------------------------------------------


def test_raw_http_text_is_bounded() -> None:
    data = b"HTTP/1.1 100 Continue\r\n\r\n" * (2 * MiB)
    assert input_error(data) == (
        f"<stdin>: HTTP text larger than {32 * MiB} bytes (raw HTTP is read whole)"
    )
    assert input_error(data[: 500_001 * 25], all_responses=False) == (
        "<stdin>: more than 500000 responses in one HTTP text"
    )
    started = time.perf_counter()
    assert input_error(data[: 200_001 * 25], all_responses=True) == (
        "<stdin>: more than 100000 responses to check (--all)"
    )
    assert time.perf_counter() - started < 10


class Trickle(io.RawIOBase):
    """A pipe that returns one byte per read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        out = self.data[self.pos : self.pos + 1]
        self.pos += len(out)
        return out


def test_short_reads() -> None:
    record = {"status": 404, "headers": {"A": "é"}, "body": {"n": 12345, "t": "ü" * 5}}
    documents = [
        json.dumps(record, ensure_ascii=False).encode(),
        b"\xef\xbb\xbf" + json.dumps([record, record], indent=1).encode(),
        json.dumps(har([har_entry(404, json.dumps(record["body"]))])).encode(),
        ((json.dumps(record) + "\n") * 2).encode(),
    ]
    for data in documents:
        stream = Trickle(data)
        responses = list(read_responses("-", stdin=stream))  # type: ignore[arg-type]
        assert {r.status for r in responses} == {404}
        assert all(r.body == record["body"] for r in responses)
    http_text = http("HTTP/1.1 404 Not Found", {}, PROBLEM)
    (response,) = read_responses("-", stdin=Trickle(http_text))  # type: ignore[arg-type]
    assert response.body["status"] == 404


def test_a_closed_stdin_is_an_input_error() -> None:
    stream = io.BytesIO(b"{}")
    stream.close()
    assert input_error_of(stream) == "<stdin>: I/O operation on closed file."


def input_error_of(stream: Any) -> str:
    with pytest.raises(InputError) as info:
        list(read_responses("-", stdin=stream))
    return str(info.value)


# --- 10. fuzzing ---------------------------------------------------------------------------

HTTP_PIECES = st.sampled_from(
    [
        b"HTTP/1.1 404 Not Found\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/2 429\n",
        b"HTTP/1.1 4040\r\n",
        b"HTTP/1.1 000 x\r\n",
        b"Content-Type: application/json; charset=utf-16\r\n",
        b"Content-Type: application/json; charset=rot13\r\n",
        b"Content-Encoding: gzip, br\r\n",
        b"Content-Encoding: deflate\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: \xb2\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"X-\x00: \x85\x0b\r\n",
        b" folded\r\n",
        b"\r\n",
        b"\n",
        b"\r",
        b'5\r\n{"a":\r\n0\r\n\r\n',
        b'{"status": 404, "title": "\\ud800"}',
        b'{"status": 404, "body": {}, "body_text": "x"}\n',
        b'{"log": {"entries": [',
        b'{"response": {"status": 404, "content": {"text": "{}", "encoding": "base64"}}}',
        b"]}}",
        b"[",
        b"]",
        b",",
        b"\xef\xbb\xbf",
        b"\x1f\x8b\x08\x00",
        gzip.compress(PROBLEM),
        gzip.compress(PROBLEM)[:-9],
        b"9" * 5000,
    ]
)
JUNK = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(HTTP_PIECES, st.binary(max_size=8)), max_size=25).map(b"".join),
)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=JUNK, all_responses=st.booleans(), errors_only=st.booleans())
def test_fuzzed_inputs_give_responses_or_an_input_error(
    data: bytes, all_responses: bool, errors_only: bool
) -> None:
    options = ReadOptions(max_body=4096, all_responses=all_responses, errors_only=errors_only)
    try:
        responses = list(read_responses("-", options, stdin=io.BytesIO(data)))
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message
        assert message.startswith("<stdin>")
        assert len(message) < 400
        return
    for response in responses:
        assert isinstance(response, errspec.Response)
        assert 100 <= response.status <= 599
        if response.body is errspec.NO_BODY:
            assert response.body_problem
        if response.body_text is not None:
            response.body_text.encode("utf-8")  # never a lone surrogate in the text shown


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    data=st.binary(max_size=200),
    content_type=st.one_of(st.none(), st.text(max_size=40)),
    coding=st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["gzip", "deflate"])),
)
def test_fuzzed_bodies_decode_or_raise_input_error(
    data: bytes, content_type: str | None, coding: str | None
) -> None:
    try:
        body, _, problem = decode_body(data, content_type, coding, max_body=4096)
    except InputError as exc:
        message = str(exc)
    else:
        assert (body is errspec.NO_BODY) == (problem is not None)
        return
    assert message == "<response>: body inflates to more than 4096 bytes (--max-body)"
