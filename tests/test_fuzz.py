"""Fuzzing the doors: generated records, raw HTTP and mutated specs through the public API
and the command line. The only acceptable outcomes are a report, or ``ErrspecError`` /
``TypeError`` (API) and exit code 0, 1 or 2 (CLI): never another exception, never exit 3.

Bounded so that `make test` stays quick: the examples are derandomized (the same inputs on
every run, so a fresh clone passes next month too). `make fuzz` runs many more, random
ones: ``ERRSPEC_FUZZ_EXAMPLES=N`` sets the count and turns derandomization off.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import io
import json
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import errspec
from errspec._cli import main

from .conftest import REPO

LONG_RUN = os.environ.get("ERRSPEC_FUZZ_EXAMPLES", "").strip()
FUZZ = settings(
    max_examples=int(LONG_RUN) if LONG_RUN else 60,
    derandomize=not LONG_RUN,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ENVELOPES = ["auto", *errspec.envelope_ids()]

# --- strategies --------------------------------------------------------------------------

#: Text with everything JSON can carry: lone surrogates, controls, non-ASCII digits.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
ODD_TEXT = st.sampled_from(
    ["", "²", "٤٠٤", "\ud800", "\x00", "9" * 4400, "1e999", " 12 ", "\xa012", "-1", "NaN"]
)
KEYS = st.one_of(
    st.sampled_from(
        [
            "error",
            "errors",
            "code",
            "message",
            "status",
            "type",
            "title",
            "detail",
            "data",
            "details",
            "field",
            "retry_after",
            "request_id",
            "@type",
            "source",
            "pointer",
        ]
    ),
    ANY_TEXT,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([404, 429, 400.0, 10**30, -0.0, 1.5]),
    st.floats(allow_nan=False, allow_infinity=False),
    ANY_TEXT,
    ODD_TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
HEADER_NAMES = st.sampled_from(
    [
        "Content-Type",
        "Retry-After",
        "WWW-Authenticate",
        "Content-Length",
        "x-ms-error-code",
        "X-RateLimit-Reset",
        "Content-Encoding",
        "X-Request-Id",
    ]
)
HEADER_VALUES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/problem+json",
            "application/vnd.api+json",
            "application/json; charset=rot13",
            "application/json; charset=utf-16",
            "text/plain; charset=idna",
            "12",
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Bearer",
            "gzip",
        ]
    ),
    ODD_TEXT,
    ANY_TEXT,
)
STATUSES = st.one_of(st.integers(min_value=100, max_value=599), st.sampled_from([0, 99, 600]))


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {"status": draw(STATUSES)}
    if draw(st.booleans()):
        record["headers"] = draw(st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4))
    if draw(st.booleans()):
        record["body"] = draw(JSON)
    elif draw(st.booleans()):
        record["body_text"] = draw(st.one_of(ANY_TEXT, st.just('{"a": "\\ud800"}')))
    return record


@st.composite
def raw_http(draw: st.DrawFn) -> bytes:
    version = draw(st.sampled_from([b"HTTP/1.1", b"HTTP/2", b"HTTP/1.0", b"HTTP/9"]))
    status = draw(st.sampled_from([b"200", b"404", b"429", b"000", b"999", b"100", b"4040"]))
    lines = [version + b" " + status + b" Reason"]
    body = json.dumps(draw(JSON)).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        lines.append(b"Content-Encoding: gzip")
        body = gzip.compress(body) if draw(st.booleans()) else body[:20]
    for _ in range(draw(st.integers(0, 4))):
        name = draw(HEADER_NAMES).encode()
        value = draw(HEADER_VALUES).encode("utf-8", "surrogatepass")
        lines.append(name + b": " + value)
    if draw(st.booleans()):
        lines.append(b"Content-Length: " + str(draw(st.integers(-5, 10**6))).encode())
    end = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
    data = end.join(lines) + end + end + body
    if draw(st.booleans()):  # a few random bytes flipped
        buf = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            buf[draw(st.integers(0, len(buf) - 1))] = draw(st.integers(0, 255))
        data = bytes(buf)
    return data


# --- the CLI, in process -----------------------------------------------------------------


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """errspec's console entry point: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        else:  # pragma: no cover - main always exits
            code = 0
    return code, out.getvalue(), err.getvalue()


def assert_no_crash(args: list[str]) -> int:
    code, out, err = run_cli(args)
    assert code in (0, 1, 2), f"errspec {' '.join(args)} -> {code}: {err[-500:]}"
    if code == 2:
        assert err.startswith("errspec: error: "), err[-500:]
        assert err.count("\n") == 1, err[-500:]
    out.encode("utf-8")  # strict: whatever is printed is valid Unicode
    return code


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="errspec-fuzz-") as folder:
        yield Path(folder)


# --- responses ---------------------------------------------------------------------------


@FUZZ
@given(record=records(), envelope=st.sampled_from(ENVELOPES), strict=st.booleans())
def test_check_response_on_generated_records(
    record: dict[str, Any], envelope: str, strict: bool
) -> None:
    try:
        report = errspec.check_response(record, envelope, strict=strict)
    except (errspec.ErrspecError, TypeError):
        return
    assert isinstance(report, errspec.Report)
    for finding in report.findings:
        assert finding.rule in errspec.RULES


@FUZZ
@given(record=records())
def test_detect_on_generated_records(record: dict[str, Any]) -> None:
    with contextlib.suppress(errspec.ErrspecError, TypeError):
        result = errspec.detect(record)
        assert 0 <= result.score <= 1


@FUZZ
@given(
    data=st.one_of(
        raw_http(), records().map(lambda r: json.dumps(r).encode("utf-8", "surrogatepass"))
    ),
    envelope=st.sampled_from(ENVELOPES),
    fmt=st.sampled_from(["text", "json", "sarif", "github", "junit", "summary", "summary-json"]),
    strict=st.sampled_from([[], ["--strict"]]),
)
def test_cli_check_on_generated_inputs(
    data: bytes, envelope: str, fmt: str, strict: list[str]
) -> None:
    with scratch() as folder:
        path = folder / "input"
        path.write_bytes(data)
        args = ["check", str(path), "--envelope", envelope, "--format", fmt, "--all", *strict]
        assert_no_crash(args)


# --- specs -------------------------------------------------------------------------------

SEED_SPECS = [REPO / "examples" / "openapi.yaml", REPO / "examples" / "legacy-api.yaml"]


def _pointers(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _pointers(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _pointers(value, (*prefix, i))


def _mutate(doc: Any, rng: random.Random, replacements: list[Any]) -> Any:
    places = [p for p in _pointers(doc) if p]
    for _ in range(rng.randint(1, 4)):
        path = rng.choice(places)
        parent = doc
        for part in path[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            with contextlib.suppress(KeyError, IndexError, TypeError):
                if rng.random() < 0.2 and isinstance(parent, dict):
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = copy.deepcopy(rng.choice(replacements))
    return doc


MUTANTS = st.sampled_from(
    [
        None,
        7,
        -1,
        1.5,
        "",
        "\ud800",
        "²",
        [],
        {},
        [1, 2],
        {"$ref": "#/nowhere"},
        {"$ref": "#"},
        {"$ref": "%2e%2e/%2e%2e/etc/passwd"},
        {"$ref": "x\x00.yaml"},
        {"$ref": "#anchor"},
        {"$ref": "//server/share/x.yaml"},
        {"$ref": "http://127.0.0.1:9/x"},
        {"type": "object", "properties": {"status": {"type": "string"}}},
        {"allOf": 4},
        {"oneOf": [{"$ref": "#/components"}]},
        "9" * 4400,
        True,
    ]
)


@FUZZ
@given(
    seed=st.sampled_from(SEED_SPECS),
    salt=st.integers(0, 2**32),
    replacements=st.lists(MUTANTS, min_size=1, max_size=4),
    as_json=st.booleans(),
    full=st.booleans(),
)
def test_cli_lint_on_mutated_specs(
    seed: Path, salt: int, replacements: list[Any], as_json: bool, full: bool
) -> None:
    doc = _mutate(yaml.safe_load(seed.read_text()), random.Random(salt), replacements)
    with scratch() as folder:
        # the seeds $ref errspec's exported components beside them: copy those along
        shutil.copytree(seed.parent / "errspec", folder / "errspec")
        spec = folder / ("openapi.json" if as_json else "openapi.yaml")
        if as_json:
            spec.write_text(json.dumps(doc, ensure_ascii=False), "utf-8", "surrogatepass")
        else:
            spec.write_text(yaml.safe_dump(doc, allow_unicode=False), "utf-8")
        args = ["lint", str(spec), "--format", "json"]
        assert_no_crash([*args, "--full-validation"] if full else args)


@pytest.mark.parametrize("seed", SEED_SPECS, ids=lambda p: p.name)
def test_the_seed_specs_lint_without_a_crash(seed: Path) -> None:
    """The unmutated seeds are the baseline the mutations start from."""
    assert assert_no_crash(["lint", str(seed)]) in (0, 1)
