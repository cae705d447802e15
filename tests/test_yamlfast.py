"""The fast YAML path (yaml-rs, vouched: errspec/_yamlfast.py) and its positions
(errspec/_yamlpos.py) against the strict reader (libyaml events) and libyaml's own marks.

The rule under test: wherever the fast path gives a tree, it is the strict reader's tree
(same types: ``1`` is not ``True``, ``1.0`` is not ``1``), and every position the scan
gives is the mark PyYAML's composer records; everywhere else the fast path says ``None``
and the strict reader reads the text, errors and all. Checked on every YAML spec of the
corpus, on GitHub's description dumped as YAML, on texts written to sit on each difference
between YAML 1.1 (errspec) and 1.2 (yaml-rs), and on generated documents: derandomized
here, ``ERRSPEC_FUZZ_EXAMPLES=N`` runs N random ones.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errspec import _specload as specload
from errspec._inputs import InputError
from errspec._pointer import compile_pointer
from errspec._specload import _FastYAMLIndex, _load_yaml, load_document
from errspec._yamlfast import fast_yaml
from errspec._yamlpos import BlockPositions, Doubt
from errspec._yamlscalars import plain as _plain

from .conftest import SHARED
from .test_specload import composer_positions, load_isolated

CORPUS = SHARED / "corpus" / "specs"
LIMITS = (specload.DEFAULT_MAX_DEPTH, specload.DEFAULT_MAX_NODES)

LONG_RUN = os.environ.get("ERRSPEC_FUZZ_EXAMPLES", "").strip()
FUZZ = settings(
    max_examples=int(LONG_RUN) if LONG_RUN else 150,
    derandomize=not LONG_RUN,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def same(a: Any, b: Any) -> bool:
    """Equal trees with equal types all the way down (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is float and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def strict(raw: bytes) -> Any:
    """The strict reader's tree, or the InputError it raises."""
    try:
        return _load_yaml(raw, "t.yaml", *LIMITS)[0]
    except InputError as exc:
        return exc


def fast(raw: bytes) -> Any:
    return fast_yaml(raw, raw.decode("utf-8"), *LIMITS, _plain)


def check(raw: bytes) -> Any:
    """The differential check on one text; returns the fast tree (or None)."""
    tree = fast(raw)
    if tree is None:
        return None
    expected = strict(raw)
    assert not isinstance(expected, InputError), (raw[:300], expected)
    assert same(tree, expected), raw[:300]
    scan = BlockPositions(raw)
    for pointer, mark in composer_positions(raw):
        with contextlib.suppress(Doubt):
            assert scan.locate(tree, compile_pointer(pointer)) == mark, (pointer, raw[:300])
    return tree


# --- the corpus -------------------------------------------------------------------------


def _yaml_specs() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []


#: The corpus specs the fast path reads: all but digitalocean.yaml, whose text has an
#: anchor where the over-approximation says a node could start (the strict reader reads it).
FAST_SPECS = {
    "airflow-v1.yaml",
    "asana.yaml",
    "figma.yaml",
    "nakadi.yaml",
    "openai.yaml",
    "stripe.yaml",
    "zaken-api.yaml",
}


@pytest.mark.parametrize("path", _yaml_specs(), ids=lambda p: p.name)
def test_corpus_fast_tree_is_the_strict_tree(path: Path) -> None:
    raw = path.read_bytes()
    tree = fast(raw)
    if path.name in FAST_SPECS:
        assert tree is not None, "the fast path should read this spec"
    if tree is not None:
        assert same(tree, strict(raw))


@pytest.mark.parametrize("name", ["nakadi.yaml", "zaken-api.yaml", "figma.yaml", "asana.yaml"])
def test_corpus_scan_positions_are_libyaml_marks(name: str) -> None:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{path} is not available (../shared is absent)")
    raw = path.read_bytes()
    doc = load_document(path)
    assert isinstance(doc._index, _FastYAMLIndex)
    scan = BlockPositions(raw)
    checked = doubts = 0
    for pointer, mark in composer_positions(raw):
        try:
            assert scan.locate(doc.data, compile_pointer(pointer)) == mark, pointer
            checked += 1
        except Doubt:
            doubts += 1
        assert doc.position(pointer) == mark, pointer  # the scan, or libyaml after a doubt
    assert checked > 2000
    assert doubts <= checked // 20


def test_github_twin(tmp_path: Path) -> None:
    """GitHub's description as YAML (bench/lint.py's twin): the fast tree, corrected where
    YAML 1.1 and 1.2 differ (``0.16001e0`` and ``012345678912345678`` are strings in 1.1),
    is the strict tree; the 3,437 response positions are libyaml's."""
    source = CORPUS / "github-full.json"
    if not source.is_file():
        pytest.skip(f"{source} is not available (../shared is absent)")
    raw = yaml.dump(
        json.loads(source.read_bytes()),
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        sort_keys=False,
    ).encode()
    tree = fast(raw)
    assert tree is not None
    expected, index = _load_yaml(raw, "t.yaml", *LIMITS)
    assert same(tree, expected)
    scan = BlockPositions(raw)
    for path, item in tree["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in operation["responses"]:
                segments = ("paths", path, method, "responses", status)
                assert scan.locate(tree, segments) == index.locate(expected, segments)


# --- where YAML 1.1 and 1.2 differ ------------------------------------------------------

#: Plain scalars errspec (YAML 1.1, PyYAML's SafeLoader) and yaml-rs (1.2) read apart, and
#: some they read alike; every one is checked as a value, a key, an item and in a flow.
TOKENS = [
    "yes", "No", "ON", "off", "y", "n", "Y", "true", "False", "null", "Null", "~", "NULL",
    "0777", "0o17", "012345678912345678", "08", "09", "-017", "+12", "0x1F", "0b101", "1_000",
    "_1", "1__0", "1:20", "-1:20", "1:20.5", "12:30:00", "1e5", "1E5", "1.5e3", "1.5e+3",
    "3e-05", "0.16001e0", ".5", "-.5", "+.5", "1.", ".inf", "-.Inf", "+.INF", ".nan", ".NaN",
    "-0", "-0.0", "0", "1", "1.0", "1.50", "200", "9" * 25, "2024-01-31",
    "2024-01-31T10:00:00Z", "=", "-", "1,000", "a:b", "x", "é",
]  # fmt: skip


def _texts(token: str) -> list[str]:
    return [
        f"openapi: 3.0.0\na: {token}\n",
        f"openapi: 3.0.0\n{token}: v\n",
        f"openapi: 3.0.0\nlist:\n- {token}\n-  {token}\n",
        f"openapi: 3.0.0\nm:\n  k:\n    {token}\n",
        f"openapi: 3.0.0\nflow: [{token}, x]\n",
        f"openapi: 3.0.0\nflow: {{k: {token}}}\n",
        f"openapi: 3.0.0\nd: 'quoted {token}'\nprose: the word\n  {token}\n",
        f"openapi: 3.0.0\nd: |\n  {token}\n  {token}: x\n",
        f"openapi: 3.0.0\nboth: '{token}'\nother: {token}\n",
    ]


@pytest.mark.parametrize("token", TOKENS)
def test_every_difference_is_caught(token: str) -> None:
    for text in _texts(token):
        check(text.encode())


def test_a_number_yaml_rs_reads_apart_is_corrected_in_the_tree() -> None:
    raw = b"openapi: 3.0.0\na: 0.16001e0\nb: [1.5, 0.16001e0]\nc: 012345678912345678\n"
    tree = check(raw)
    assert tree == {
        "openapi": "3.0.0",
        "a": "0.16001e0",
        "b": [1.5, "0.16001e0"],
        "c": "012345678912345678",
    }


def test_corrections_land_at_every_depth_and_after_empty_containers() -> None:
    raw = (
        b"openapi: 3.0.0\ne: {}\nl: []\nm:\n  a: {}\n  b: [[], 0.16001e0, {x: 0.16001e0}]\n"
        b"  c: 0.16001e0\n  d:\n  - []\n  - 1.5\n  - 0.16001e0\n"
    )
    tree = check(raw)
    assert tree is not None
    assert tree["m"] == {
        "a": {},
        "b": [[], "0.16001e0", {"x": "0.16001e0"}],
        "c": "0.16001e0",
        "d": [[], 1.5, "0.16001e0"],
    }


def test_a_number_spelled_two_ways_is_left_to_the_strict_reader() -> None:
    # 0.16001 and 0.16001e0 are the same float to yaml-rs, a float and a string to errspec
    assert fast(b"openapi: 3.0.0\na: 0.16001e0\nb: 0.16001\n") is None
    assert strict(b"openapi: 3.0.0\na: 0.16001e0\nb: 0.16001\n") == {
        "openapi": "3.0.0",
        "a": "0.16001e0",
        "b": 0.16001,
    }


def test_a_1_1_boolean_at_a_node_is_left_to_the_strict_reader() -> None:
    assert fast(b"openapi: 3.0.0\nflag: yes\n") is None
    # the same word in prose is not a node
    assert fast(b"openapi: 3.0.0\nd: is it\n  yes\n") == {"openapi": "3.0.0", "d": "is it yes"}


def test_number_keys_are_spelled_as_written() -> None:
    tree = check(b"openapi: 3.0.0\nresponses:\n  200: ok\n  '404': gone\n")
    assert tree is not None
    assert list(tree["responses"]) == ["200", "404"]
    assert fast(b"openapi: 3.0.0\nr:\n  0200: ok\n") is None
    assert fast(b"openapi: 3.0.0\nr:\n  True: ok\n") is None
    assert check(b"openapi: 3.0.0\nr:\n  true: ok\n") == {"openapi": "3.0.0", "r": {"true": "ok"}}
    # 200 and '200' are one key to errspec: a duplicate, which the strict reader reports
    assert fast(b"openapi: 3.0.0\nr:\n  200: a\n  '200': b\n") is None


@pytest.mark.parametrize(
    "text",
    [
        "openapi: 3.0.0\na: !!binary aGk=\n",  # yaml-rs drops tags silently
        "openapi: 3.0.0\na: !foo x\n",
        "openapi: 3.0.0\na: !!str 1\n",
        "openapi: 3.0.0\na: &x 1\nb: *x\n",
        "openapi: 3.0.0\na: &a [1, *a]\n",  # yaml-rs reads this alias as null
        "openapi: 3.0.0\nb: &b {x: 1}\nc:\n  <<: *b\n",
        "%YAML 1.1\n---\nopenapi: 3.0.0\n",
        "openapi: 3.0.0\n? a\n: b\n",
        "openapi: 3.0.0\na: b\tc\n",
        "openapi: 3.0.0\r\na: b\r\n",
        "openapi: 3.0.0\na: b\x85c\n",
        "openapi: 3.0.0\na: b\u2028c\n",
        "openapi: 3.0.0\na: b\x01c\n",
        "openapi: 3.0.0\na: b\x00c\n",
        "openapi: 3.0.0\na: b\ufeffc\n",
        "openapi: 3.0.0\na: 1\n---\nb: 2\n",
        "openapi: 3.0.0\na: 1\na: 2\n",
        "openapi: 3.0.0\nk" + "k" * 1100 + ": v\n",
        "openapi: 3.0.0\na: " + "9" * 5000 + "\n",
    ],
)
def test_what_yaml_rs_reads_otherwise_goes_to_the_strict_reader(text: str) -> None:
    assert fast(text.encode()) is None


@pytest.mark.parametrize(
    "text",
    [
        b"openapi: 3.0.0\na: " + b"[" * 5000 + b"!x\n",  # a tag after 5,000 brackets
        b"openapi: 3.0.0\na: " + b"[a," * 5000 + b"!x\n",
        b"openapi: 3.0.0\nd: x" + b", 0777" * 200_000 + b"\n",  # one long line of candidates
        b"openapi: 3.0.0\nd: x" + b" !a" * 200_000 + b"\n",
    ],
    ids=["brackets", "brackets-and-commas", "candidates", "tags"],
)
def test_hostile_lines_cost_linear_time_and_never_a_traceback(text: bytes) -> None:
    assert fast(text) is None or same(fast(text), strict(text))


def test_deep_block_nesting_never_reaches_yaml_rs(tmp_path: Path) -> None:
    """yaml-rs overflows its stack (a crash) near 20,000 nested block sequences."""
    path = tmp_path / "deep.yaml"
    path.write_bytes(b"openapi: 3.0.0\nx:\n" + b"- " * 50_000 + b"x\n")
    assert fast(path.read_bytes()) is None
    line = load_isolated(path)
    assert line.startswith(f"InputError: {path}:")
    assert "nested more than 128 levels" in line


_SMALL_STACK_CHILD = """
import sys, threading
threading.stack_size(128 * 1024)  # musl's default for a thread
from errspec._inputs import InputError
from errspec._specload import load_document
out = []
def load():
    try:
        out.append(load_document(sys.argv[1]))
    except InputError as exc:
        out.append(exc)
thread = threading.Thread(target=load)
thread.start()
thread.join()
print(out[0])
"""


def test_yaml_rs_reads_in_a_thread_with_a_stack_of_its_own(tmp_path: Path) -> None:
    """yaml-rs recurses once per level: in a caller's thread with a small stack, the
    deepest text the checks let through (255 columns of indentation, then nested flow
    collections) would crash the process before the depth limit is checked on its tree."""
    import subprocess
    import sys

    path = tmp_path / "deep.yaml"
    path.write_text(
        "openapi: 3.0.0\n"
        + "".join(" " * i + "k:\n" for i in range(250))
        + " " * 250
        + "v: "
        + "[" * 250
        + "]" * 250
        + "\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", _SMALL_STACK_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("nested more than 128 levels deep"), result.stdout


def test_a_node_bomb_never_reaches_yaml_rs(tmp_path: Path) -> None:
    """yaml-rs aborts the process when an allocation fails: a text over the node limit is
    refused from its bytes before it runs."""
    raw = b"openapi: 3.0.0\nx:\n" + b"- 0\n" * 1000
    assert fast_yaml(raw, raw.decode(), 128, 500, _plain) is None
    assert fast_yaml(raw, raw.decode(), 128, 5000, _plain) is not None


def test_depth_limit_on_the_fast_tree() -> None:
    raw = b"openapi: 3.0.0\na:\n  b:\n    c: 1\n"
    assert fast_yaml(raw, raw.decode(), 2, 100, _plain) is None  # the root, a, b
    assert fast_yaml(raw, raw.decode(), 3, 100, _plain) is not None


# --- positions ----------------------------------------------------------------------------


def test_scan_positions_and_doubts() -> None:
    raw = (
        b"# leading comment\n"
        b"openapi: 3.0.0\n"
        b"paths:\n"
        b"  /a:\n"
        b"    get:\n"
        b"      responses:\n"
        b"        '200':\n"
        b"          description: ok\n"
        b'        "404": {description: gone}\n'
        b"list:\n"
        b"- one\n"
        b"-   key: v\n"
        b"    other: w\n"
        b"- - nested\n"
        b"empty:\n"
        b"  -\n"
        b"    x: 1\n"
    )
    tree = check(raw)
    assert tree is not None
    scan = BlockPositions(raw)
    assert scan.root() == (2, 1)
    assert scan.locate(tree, ("paths", "/a", "get", "responses", "404")) == (9, 9)
    assert scan.locate(tree, ("list", "1", "other")) == (13, 5)
    assert scan.locate(tree, ("list", "2", "0")) == (14, 5)
    with pytest.raises(Doubt):
        scan.locate(tree, ("paths", "/a", "get", "responses", "404", "description"))
    with pytest.raises(Doubt):
        scan.locate(tree, ("empty", "0"))
    doc = load_document(_write(raw))
    for pointer, mark in composer_positions(raw):
        assert doc.position(pointer) == mark, pointer


def test_scan_places_quoted_keys_as_libyaml_does() -> None:
    """A quoted key ends at its closing quote (``''`` inside single quotes is a quote),
    whatever it holds; a double-quoted key with escapes is left to libyaml."""
    raw = (
        b"openapi: 3.0.0\n"
        b"'it''s': 1\n"
        b"'a: b, c': 2\n"
        b"\"say 'hi'\": 3\n"
        b"'''': 4\n"
        b"nested:\n"
        b"  'x''y''z':\n"
        b"    deep: 5\n"
        b"other:\n"
        b'  "esc\\t": 6\n'
    )
    tree = check(raw)
    assert tree is not None
    scan = BlockPositions(raw)
    assert scan.locate(tree, ("it's",)) == (2, 1)
    assert scan.locate(tree, ("a: b, c",)) == (3, 1)
    assert scan.locate(tree, ("say 'hi'",)) == (4, 1)
    assert scan.locate(tree, ("'",)) == (5, 1)
    assert scan.locate(tree, ("nested", "x'y'z", "deep")) == (8, 5)
    with pytest.raises(Doubt):
        scan.locate(tree, ("other", "esc\t"))
    marks = dict(composer_positions(raw))
    assert marks["/it's"] == (2, 1)
    assert marks["/nested/x'y'z/deep"] == (8, 5)


def _write(raw: bytes) -> Path:
    import tempfile

    handle = tempfile.NamedTemporaryFile(suffix=".yaml", delete=False)  # noqa: SIM115
    handle.write(raw)
    handle.close()
    return Path(handle.name)


# --- generated documents ----------------------------------------------------------------

TRICKY = st.sampled_from([*TOKENS, "a b", "x: y", "#x", "- x", "'q'", '"d"', "", " ", "é ü"])
KEYS = st.one_of(TRICKY, st.text(st.characters(codec="utf-8"), max_size=8))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    TRICKY,
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)


@FUZZ
@given(
    tree=st.dictionaries(KEYS, TREES, min_size=1, max_size=5),
    flow=st.sampled_from([False, None, True]),
    width=st.sampled_from([10, 40, 80, 10_000]),
    indent=st.sampled_from([2, 4]),
    unicode=st.booleans(),
    start=st.booleans(),
)
def test_dumped_documents(
    tree: dict[str, Any], flow: bool | None, width: int, indent: int, unicode: bool, start: bool
) -> None:
    text = yaml.dump(
        tree,
        Dumper=yaml.SafeDumper,
        default_flow_style=flow,
        width=width,
        indent=indent,
        allow_unicode=unicode,
        explicit_start=start,
        sort_keys=False,
    )
    check(text.encode("utf-8"))


LINE_VALUES = st.one_of(
    TRICKY,
    st.sampled_from(
        [
            "|\n    block\n    text",
            ">-\n    folded\n\n    text",
            "'multi\n    line'",
            '"esc\\tape\n    \\u00e9"',
            "[a, 0777, yes]",
            "{a: 1, b: [x, y]}",
            "[]",
            "{}",
            "plain\n    continued",
            "# comment only",
            "x # comment",
        ]
    ),
)


@st.composite
def handwritten(draw: st.DrawFn) -> str:
    """Block-style text written line by line, the way people write specs."""
    lines = ["openapi: 3.0.0"]
    for _ in range(draw(st.integers(1, 8))):
        key = draw(st.sampled_from(["a", "b", "200", "'q'", '"d d"', "x-y", "on", "0777"]))
        shape = draw(st.sampled_from(["scalar", "mapping", "sequence", "indentless"]))
        if shape == "scalar":
            lines.append(f"{key}: {draw(LINE_VALUES)}")
        elif shape == "mapping":
            lines.append(f"{key}:")
            for i in range(draw(st.integers(1, 3))):
                lines.append(f"  k{i}: {draw(LINE_VALUES)}")
        else:
            pad = "" if shape == "indentless" else "  "
            lines.append(f"{key}:")
            for _ in range(draw(st.integers(1, 3))):
                lines.append(f"{pad}- {draw(LINE_VALUES)}")
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), "# a comment")
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=handwritten())
def test_handwritten_documents(text: str) -> None:
    check(text.encode("utf-8"))


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64, 1 << 18])
@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"\n",
        b"a",
        b"openapi: 3.1.0\ninfo:\n  title: x\n",
        b"one-long-word-with-no-newline" * 40,
        b"a b\tc\r\nd\x0be\x0cf\n\n  g: [h, i]\n",
        b"key: value\n" * 500 + b"tail",
        b"\n" * 50 + b"x y\n",
    ],
)
def test_words_are_every_whitespace_free_word_whatever_the_block(
    monkeypatch: pytest.MonkeyPatch, text: bytes, block: int
) -> None:
    from errspec import _yamlfast

    monkeypatch.setattr(_yamlfast, "_WORDS_BLOCK", block)
    assert _yamlfast._words(text) == set(text.split())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=40))
def test_words_match_a_plain_split_on_any_bytes(text: bytes, block: int) -> None:
    from errspec import _yamlfast

    saved = _yamlfast._WORDS_BLOCK
    _yamlfast._WORDS_BLOCK = block
    try:
        assert _yamlfast._words(text) == set(text.split())
    finally:
        _yamlfast._WORDS_BLOCK = saved
