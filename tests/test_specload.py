"""Loading OpenAPI documents: data, version, exact positions, and every kind of hostile file.

Positions are checked two ways: against hand-placed needles in small fixtures (``at()``
finds a needle in the text, independently of the loader), and, node by node, against the
marks PyYAML's composer records (an independent parser: libyaml via PyYAML's own
composer), on fixtures and on real specs from ../shared/corpus.

Hostile files run in a child process with a time limit and an address-space limit, so a
test proves "seconds, bounded memory, one line" without asserting a duration.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from errspec import _specload as specload
from errspec import _yamlstrict as yamlstrict
from errspec._inputs import InputError
from errspec._pointer import join
from errspec._specload import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_NODES,
    Document,
    load_document,
)

from .conftest import SHARED

CORPUS = SHARED / "corpus" / "specs"
DEEP = 100_000


def at(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based line and column (in characters) of the ``nth`` occurrence of ``needle``."""
    offset = -1
    for _ in range(nth):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def load_text(tmp_path: Path, name: str, text: str) -> Document:
    return load_document(write(tmp_path, name, text))


def composer_positions(raw: bytes) -> Iterator[tuple[str, tuple[int, int]]]:
    """``(pointer, (line, col))`` of every key and item, from PyYAML's composed nodes."""
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(raw)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    assert root is not None
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                yield join((*path, key.value)), (key.start_mark.line + 1, key.start_mark.column + 1)
                stack.append((value, (*path, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                yield join((*path, index)), (item.start_mark.line + 1, item.start_mark.column + 1)
                stack.append((item, (*path, index)))


def assert_positions_match_composer(doc: Document, raw: bytes) -> int:
    checked = 0
    for pointer, expected in composer_positions(raw):
        assert doc.position(pointer) == expected, pointer
        checked += 1
    return checked


# --- positions: YAML --------------------------------------------------------------------

YAML_SPEC = """\
# a comment first
openapi: 3.1.0
info:
  title: Pets — ünïcödé
  description: |
    A literal block
    spanning lines: with colons
  summary: >
    folded
    text
paths:
  /pets/{id}:
    get:
      tags: [pets, "public"]
      parameters:
        - name: id
          in: path
        - $ref: '#/components/parameters/Limit'
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        404:
          description: "a double-quoted
            multi-line scalar"
        default:
          description: plain
            multi-line scalar
  "a~b/c": {}
x-list:
  - - nested
    - items
  -
    - after an empty line of its own
  - {flow: map}
  - ? explicit
    : key
x-keys:
  "quoted key": 1
  'single quoted': 2
  ü: 3
"""


@pytest.mark.parametrize(
    ("pointer", "needle", "nth"),
    [
        ("/openapi", "openapi:", 1),
        ("/info", "info:", 1),
        ("/info/title", "title:", 1),
        ("/info/description", "description: |", 1),
        ("/info/summary", "summary:", 1),
        ("/paths", "paths:", 1),
        ("/paths/~1pets~1{id}", "/pets/{id}:", 1),
        ("/paths/~1pets~1{id}/get", "get:", 1),
        ("/paths/~1pets~1{id}/get/tags", "tags:", 1),
        ("/paths/~1pets~1{id}/get/tags/0", "pets,", 1),
        ("/paths/~1pets~1{id}/get/tags/1", '"public"', 1),
        ("/paths/~1pets~1{id}/get/parameters/0", "name: id", 1),
        ("/paths/~1pets~1{id}/get/parameters/0/in", "in: path", 1),
        ("/paths/~1pets~1{id}/get/parameters/1", "$ref", 1),
        ("/paths/~1pets~1{id}/get/parameters/1/$ref", "$ref", 1),
        ("/paths/~1pets~1{id}/get/responses/200", "'200'", 1),
        ("/paths/~1pets~1{id}/get/responses/200/description", "description: ok", 1),
        (
            "/paths/~1pets~1{id}/get/responses/200/content/application~1json/schema/type",
            "type: object",
            1,
        ),
        ("/paths/~1pets~1{id}/get/responses/404", "404:", 1),
        ("/paths/~1pets~1{id}/get/responses/404/description", 'description: "a double', 1),
        ("/paths/~1pets~1{id}/get/responses/default", "default:", 1),
        ("/paths/~1pets~1{id}/get/responses/default/description", "description: plain", 1),
        ("/paths/a~0b~1c", '"a~b/c"', 1),
        ("/x-list/0", "- nested", 1),
        ("/x-list/0/0", "nested", 1),
        ("/x-list/0/1", "items", 1),
        ("/x-list/1/0", "after an empty line", 1),
        ("/x-list/2", "{flow: map}", 1),
        ("/x-list/2/flow", "flow: map", 1),
        ("/x-list/3/explicit", "explicit", 1),
        ("/x-keys/quoted key", '"quoted key"', 1),
        ("/x-keys/single quoted", "'single quoted'", 1),
        ("/x-keys/ü", "ü: 3", 1),
    ],
)
def test_yaml_positions(tmp_path: Path, pointer: str, needle: str, nth: int) -> None:
    doc = load_text(tmp_path, "openapi.yaml", YAML_SPEC)
    assert doc.position(pointer) == at(YAML_SPEC, needle, nth)


@pytest.fixture(params=["fast", "strict"])
def yaml_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each YAML test using it runs twice: yaml-rs where vouched for (errspec/_yamlfast.py,
    positions by errspec/_yamlpos.py), and the strict reader alone (libyaml's marks)."""
    if request.param == "strict":
        monkeypatch.setattr(specload, "_fast_yaml", lambda *args: None)
    return str(request.param)


def test_yaml_fixture_positions_match_the_composer(tmp_path: Path, yaml_reader: str) -> None:
    path = write(tmp_path, "openapi.yaml", YAML_SPEC)
    doc = load_document(path)
    assert isinstance(doc._index, yamlstrict.YAMLIndex)  # an explicit key: the strict reader
    assert assert_positions_match_composer(doc, path.read_bytes()) > 30
    # without it, the fast path reads the fixture (unless it is switched off)
    path = write(tmp_path, "plain.yaml", YAML_SPEC.replace("- ? explicit\n    : key", "- a: key"))
    doc = load_document(path)
    assert isinstance(doc._index, yamlstrict.YAMLIndex) == (yaml_reader == "strict")
    assert assert_positions_match_composer(doc, path.read_bytes()) > 30


def test_without_libyaml_the_pure_python_parser_gives_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "openapi.yaml", YAML_SPEC)
    monkeypatch.setattr(specload, "_fast_yaml", lambda *args: None)  # the strict reader only
    with_libyaml = load_document(path)
    monkeypatch.setattr(yamlstrict, "_CSafeLoader", None)
    pure = load_document(path)
    assert isinstance(pure._index, yamlstrict.YAMLIndex)
    assert pure.data == with_libyaml.data
    assert assert_positions_match_composer(pure, path.read_bytes()) > 30
    bad = write(tmp_path, "bad.yaml", "a: b: c\n")
    assert error_of(bad).startswith(f"{bad}:1:5: invalid YAML: mapping values are not allowed")


def test_yaml_data_and_root_position(tmp_path: Path) -> None:
    doc = load_text(tmp_path, "openapi.yaml", YAML_SPEC)
    assert doc.format == "yaml"
    assert doc.position("") == (2, 1)  # the first node, after the comment
    info = doc.data["info"]
    assert info["description"] == "A literal block\nspanning lines: with colons\n"
    assert info["summary"] == "folded text\n"
    responses = doc.data["paths"]["/pets/{id}"]["get"]["responses"]
    assert list(responses) == ["200", "404", "default"]  # keys are strings, as written
    assert responses["404"]["description"] == "a double-quoted multi-line scalar"
    assert responses["default"]["description"] == "plain multi-line scalar"
    assert doc.data["x-list"][3] == {"explicit": "key"}


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    text = 'openapi: 3.0.0\ninfo: {title: "ünï", version: "1"}\n'
    assert load_text(tmp_path, "a.yaml", text).position("/info/version") == (2, 22)  # not 24
    json_text = '{"openapi": "3.0.0", "info": {"title": "ünï", "version": "1"}}'
    assert load_text(tmp_path, "a.json", json_text).position("/info/version") == (1, 47)


def test_pointer_through_an_alias_lands_in_the_anchor(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        openapi: 3.0.0
        x-base: &base
          type: object
          properties: {id: {type: string}}
        x-use: *base
        x-merged:
          <<: *base
          type: array
        """
    )
    doc = load_text(tmp_path, "a.yaml", text)
    assert doc.data["x-use"] is doc.data["x-base"]  # shared, not copied
    assert doc.position("/x-use") == at(text, "x-use")
    assert doc.position("/x-use/type") == at(text, "type: object")
    assert doc.position("/x-use/properties/id") == at(text, "id:")
    assert doc.data["x-merged"]["type"] == "array"
    assert doc.position("/x-merged/type") == at(text, "type: array")
    assert doc.position("/x-merged/properties") == at(text, "properties:")


def test_missing_and_malformed_pointers_have_no_position(tmp_path: Path) -> None:
    for name, text in (
        ("a.yaml", "openapi: 3.0.0\nlist: [a, b]\n"),
        ("a.json", '{"openapi": "3.0.0", "list": ["a", "b"]}'),
    ):
        doc = load_text(tmp_path, name, text)
        assert doc.position("/list/1") is not None
        for pointer in (
            "/nope",
            "/list/2",
            "/list/01",
            "/list/-1",
            "/list/x",
            "/openapi/0",
            "list",
        ):
            assert doc.position(pointer) is None, (name, pointer)


# --- positions: JSON --------------------------------------------------------------------

JSON_SPEC = """\
{
  "openapi": "3.0.3",
  "info": {"title": "a \\"quoted\\" [title] {with} brackets: and, commas", "version": "1"},
  "paths": {
    "/pets/{id}": {
      "get": {
        "responses": {
          "200": {"description": "ok \\\\", "content": {}},
          "404": {
            "description": "\\u00fcn\\u00efc\\u00f6d\\u00e9 \\ud83d\\ude00"
          }
        }
      }
    },
    "a~b/c": []
  },
  "x-values": [1, -2.5e3, true, false, null, "s", [], {}, [[0], {"k": [null]}]],
  "x-tail" :   "spaces before the colon",
  "ü": {"ä": 1}
}
"""


@pytest.mark.parametrize(
    ("pointer", "needle", "nth"),
    [
        ("/openapi", '"openapi"', 1),
        ("/info", '"info"', 1),
        ("/info/title", '"title"', 1),
        ("/info/version", '"version"', 1),
        ("/paths", '"paths"', 1),
        ("/paths/~1pets~1{id}", '"/pets/{id}"', 1),
        ("/paths/~1pets~1{id}/get/responses/200", '"200"', 1),
        ("/paths/~1pets~1{id}/get/responses/200/content", '"content"', 1),
        ("/paths/~1pets~1{id}/get/responses/404", '"404"', 1),
        ("/paths/~1pets~1{id}/get/responses/404/description", '"description"', 2),
        ("/paths/a~0b~1c", '"a~b/c"', 1),
        ("/x-values/0", "1,", 1),
        ("/x-values/1", "-2.5e3", 1),
        ("/x-values/2", "true", 1),
        ("/x-values/4", "null", 1),
        ("/x-values/5", '"s"', 1),
        ("/x-values/6", "[]", 2),
        ("/x-values/7", "{}", 2),
        ("/x-values/8", "[[0]", 1),
        ("/x-values/8/0/0", "0]", 1),
        ("/x-values/8/1/k/0", "null]", 1),
        ("/x-tail", '"x-tail"', 1),
        ("/ü/ä", '"ä"', 1),
    ],
)
def test_json_positions(tmp_path: Path, pointer: str, needle: str, nth: int) -> None:
    doc = load_text(tmp_path, "openapi.json", JSON_SPEC)
    assert doc.format == "json"
    assert doc.position(pointer) == at(JSON_SPEC, needle, nth)


def test_json_fixture_positions_match_the_composer(tmp_path: Path) -> None:
    # libyaml cannot read the emoji's surrogate-pair escape: compare on a copy without it
    text = JSON_SPEC.replace(" \\ud83d\\ude00", "")
    path = write(tmp_path, "openapi.json", text)
    doc = load_document(path)
    assert doc.data == json.loads(text)
    assert assert_positions_match_composer(doc, path.read_bytes()) > 30


def test_minified_json_positions(tmp_path: Path) -> None:
    data = json.loads(JSON_SPEC)
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    doc = load_text(tmp_path, "min.json", text)
    assert doc.data == data
    assert doc.position("/paths/~1pets~1{id}/get/responses/404") == at(text, '"404"')
    assert doc.position("/ü/ä") == at(text, '"ä"')
    assert doc.position("") == (1, 1)


def test_json_with_crlf_and_leading_whitespace(tmp_path: Path) -> None:
    text = '\r\n\r\n  {\r\n  "openapi": "3.0.0",\r\n  "info": {\r\n    "title": "x"}}\r\n'
    doc = load_text(tmp_path, "a.json", text)
    assert doc.position("") == (3, 3)
    assert doc.position("/info/title") == (6, 5)


def test_yaml_file_holding_json_is_read_as_json(tmp_path: Path) -> None:
    doc = load_text(tmp_path, "openapi.yaml", '{"openapi": "3.0.0", "info": {}}')
    assert doc.format == "json"
    assert doc.position("/info") == (1, 22)
    flow = load_text(tmp_path, "flow.yaml", "{openapi: 3.0.0, info: {}}")  # not JSON: YAML
    assert flow.format == "yaml"
    assert flow.data == {"openapi": "3.0.0", "info": {}}


# --- version and scalars ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("swagger: '2.0'\n", "2.0"),
        ("swagger: 2.0\n", "2.0"),  # an unquoted YAML float
        ("openapi: 3.0.3\n", "3.0.3"),
        ("openapi: 3.1.0\n", "3.1.0"),
        ("openapi: 3.2.0\n", "3.2.0"),
        ("openapi: 3.1\n", "3.1"),
        ('{"openapi": "3.1.1"}', "3.1.1"),
        ("info: {title: x}\n", None),
        ("openapi: [3]\n", None),
        ("openapi: true\n", None),
    ],
)
def test_version(tmp_path: Path, text: str, version: str | None) -> None:
    assert load_text(tmp_path, "spec.yaml", text).version == version


SCALARS = """\
bools: [yes, No, TRUE, false, on, OFF, y, n]
nulls: [~, null, Null, NULL, ]
ints: [0, 42, -7, +3, 1_000, 0b1010, 0x1F, -0x1f, 0777, 0o17, 190:20:30, 012345678]
floats: [1.5, -2., .5, 1e5, 1.0e+5, 6.8523015e+5, 685.230_15e+03, 190:20:30.15, .inf, -.Inf]
strings: ["yes", '1', 1.2.3, 3.0.3, 2024-01-31, 2001-12-14t21:59:43.10-05:00, =, <<, 0o17]
tagged: [!!str 42, !!int '42', !!float 3, !!bool 'on', !!null '', ! 12]
block: |-
  kept
"""


def test_scalars_resolve_as_pyyaml_safe_load_except_timestamps(tmp_path: Path) -> None:
    doc = load_text(tmp_path, "scalars.yaml", SCALARS)
    # PyYAML cannot construct a plain `=` or `<<` value; errspec reads them as strings
    expected = yaml.safe_load(SCALARS.replace("=, <<,", "'=', '<<',"))
    expected["strings"][4:6] = ["2024-01-31", "2001-12-14t21:59:43.10-05:00"]  # no dates
    assert doc.data == expected
    assert doc.data["strings"][4:8] == ["2024-01-31", "2001-12-14t21:59:43.10-05:00", "=", "<<"]
    assert all(type(v) is bool for v in doc.data["bools"][:6])
    assert doc.data["bools"][6:] == ["y", "n"]
    assert doc.data["ints"] == [0, 42, -7, 3, 1000, 10, 31, -31, 511, "0o17", 685230, "012345678"]
    assert doc.data["tagged"] == ["42", 42, 3.0, True, None, 12]  # `! 12`: as PyYAML


def test_nan_compares_by_kind(tmp_path: Path) -> None:
    doc = load_text(tmp_path, "nan.yaml", "x: .nan\n")
    assert math.isnan(doc.data["x"])


def test_keys_are_strings_as_written(tmp_path: Path) -> None:
    doc = load_text(tmp_path, "keys.yaml", "200: a\nyes: b\n1.50: c\n~: d\n0x1F: e\n'404': f\n")
    assert doc.data == {"200": "a", "yes": "b", "1.50": "c", "~": "d", "0x1F": "e", "404": "f"}


def test_merge_keys_follow_pyyaml(tmp_path: Path) -> None:
    # Well-defined merges only (one `<<` per mapping: a mapping or a list of mappings),
    # where the merge key type and PyYAML agree.
    text = textwrap.dedent(
        """\
        a: &a {x: 1, y: 1}
        b: &b {y: 2, z: 2}
        m1: {<<: *a, x: 0}
        m2:
          <<: [*a, *b]
        m3:
          <<: *b
          y: 3
        not-merge: {'<<': 1}
        """
    )
    doc = load_text(tmp_path, "merge.yaml", text)
    assert doc.data == yaml.safe_load(text)
    assert doc.data["m1"] == {"x": 0, "y": 1}
    assert doc.data["m2"] == {"x": 1, "y": 1, "z": 2}
    assert doc.data["m3"] == {"y": 3, "z": 2}
    assert doc.position("/m2/z") == at(text, "z: 2")
    assert doc.position("/not-merge/<<") == at(text, "'<<'")


@pytest.mark.parametrize(
    "mapping",
    [
        "m:\n  <<: *a\n  <<: *b\n",
        "m: {<<: *a, <<: *b}\n",
        "m:\n  <<: *a\n  !!merge <<: *b\n",
        "m:\n  <<: [*a]\n  <<: [*b]\n",
    ],
)
def test_two_merge_keys_in_one_mapping_are_a_duplicate_key(tmp_path: Path, mapping: str) -> None:
    # The merge key type (yaml.org/type/merge.html) allows one `<<` per mapping; what a
    # second one means is errspec's decision, not whatever the installed PyYAML does.
    text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\n" + mapping
    path = write(tmp_path, "merge.yaml", text)
    line, col = at(text, "<<", 2)
    if "!!merge" in mapping:
        line, col = at(text, "!!merge")
    assert error_of(path) == f"{path}:{line}:{col}: duplicate merge key <<"


# --- hostile files ----------------------------------------------------------------------

_CHILD = """
import resource, sys
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from errspec._inputs import InputError
from errspec._specload import load_document
try:
    doc = load_document(sys.argv[1])
except InputError as exc:
    print("InputError:", exc)
else:
    print("loaded", doc.format, len(doc.data))
"""


def load_isolated(path: Path | str, memory_mib: int = 1024, timeout: float = 120) -> str:
    """Load in a child process limited to ``memory_mib`` of address space; its one line of
    output (an InputError or "loaded"). A traceback, a hang or a crash fails the test."""
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(memory_mib * 1024 * 1024)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def error_of(path: Path, **limits: int) -> str:
    with pytest.raises(InputError) as caught:
        load_document(path, **limits)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_fails_at_the_first_alias_over_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.yaml", billion_laughs())
    line = load_isolated(path, memory_mib=512)
    assert line.startswith(f"InputError: {path}:7:")
    assert f"more than {DEFAULT_MAX_NODES} nodes once aliases are expanded (*f)" in line


def test_aliases_below_the_limit_load(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "ok.yaml", billion_laughs()), max_nodes=10**10)
    assert len(doc.data["j"]) == 9
    assert doc.data["j"][0] is doc.data["i"]


@pytest.mark.parametrize(
    ("text", "problem", "where"),
    [
        ("a: &a [1, *a]\n", "alias *a refers to a node that contains it", (1, 11)),
        ("a: *nowhere\n", "undefined alias *nowhere", (1, 4)),
    ],
)
def test_bad_aliases(tmp_path: Path, text: str, problem: str, where: tuple[int, int]) -> None:
    path = write(tmp_path, "alias.yaml", text)
    assert error_of(path) == f"{path}:{where[0]}:{where[1]}: {problem}"


def test_depth_through_aliases_counts(tmp_path: Path) -> None:
    text = "a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 80 + "*a" + "]" * 80 + "\n"
    path = write(tmp_path, "deep-alias.yaml", text)
    assert error_of(path).endswith(
        f"nested more than {DEFAULT_MAX_DEPTH} levels deep through alias *a"
    )


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        ("deep-seq.yaml", "[" * DEEP + "]" * DEEP, DEFAULT_MAX_DEPTH + 1),
        ("deep-map.yaml", '{"a":' * DEEP + "1" + "}" * DEEP, 5 * DEFAULT_MAX_DEPTH + 1),
        ("deep-seq.json", "[" * DEEP + "]" * DEEP, DEFAULT_MAX_DEPTH + 1),
        ("deep-map.json", '{"a":' * DEEP + "1" + "}" * DEEP, 5 * DEFAULT_MAX_DEPTH + 1),
        ("deep-block.yaml", "".join(f"{' ' * i}a:\n" for i in range(300)), None),
        ("deep-200.json", '{"openapi":"3.0.0","x":' + "[" * 200 + "]" * 200 + "}", 151),
    ],
)
def test_too_deep(tmp_path: Path, name: str, text: str, column: int | None) -> None:
    path = write(tmp_path, name, text)
    line = load_isolated(path, memory_mib=512)
    assert line.endswith(f"nested more than {DEFAULT_MAX_DEPTH} levels deep"), line
    if column is not None:
        assert (
            line
            == f"InputError: {path}:1:{column}: nested more than {DEFAULT_MAX_DEPTH} levels deep"
        )
    assert "RecursionError" not in line


def test_deep_but_allowed(tmp_path: Path) -> None:
    text = '{"openapi": "3.0.0", "x": ' + "[" * 100 + "]" * 100 + "}"
    doc = load_text(tmp_path, "deep.json", text)
    assert doc.position("/x" + "/0" * 99) == (1, 27 + 99)
    yaml_doc = load_text(tmp_path, "deep.yaml", "x: " + "[" * 100 + "]" * 100)
    assert yaml_doc.position("/x" + "/0" * 99) == (1, 4 + 99)


FIFTY_MB = 50_000_000


def test_fifty_megabytes_of_tiny_yaml_nodes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nodes.yaml"
    path.write_bytes(b"openapi: 3.0.0\nx:\n" + b"- 0\n" * (FIFTY_MB // 4))
    line = load_isolated(path, memory_mib=1024)
    assert line.startswith(f"InputError: {path}:")
    assert line.endswith(f"more than {DEFAULT_MAX_NODES} nodes")


def test_fifty_megabytes_of_tiny_json_nodes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nodes.json"
    path.write_bytes(b'{"openapi":"3.0.0","x":[' + b"0," * (FIFTY_MB // 2) + b"0]}")
    line = load_isolated(path, memory_mib=1024)
    nodes = 5 + FIFTY_MB // 2 + 1  # the mapping, two keys, "3.0.0", the array, its items
    assert line == f"InputError: {path}: more than {DEFAULT_MAX_NODES} nodes ({nodes})"


@pytest.mark.parametrize("name", ["big.yaml", "big.json"])
def test_fifty_megabytes_of_text_loads(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".yaml"):  # one 50 MB block scalar
        line = b"    " + b"x" * 95 + b"\n"
        path.write_bytes(b"openapi: 3.0.0\ninfo:\n  description: |\n" + line * (FIFTY_MB // 100))
    else:
        path.write_bytes(b'{"openapi":"3.0.0","info":{"description":"' + b"x" * FIFTY_MB + b'"}}')
    assert load_isolated(path, memory_mib=1024) == f"loaded {name[-4:]} 2"


def test_larger_than_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "sparse.yaml"
    with path.open("wb") as handle:  # a sparse file: no disk used, nothing read
        handle.truncate(DEFAULT_MAX_BYTES + 1)
    assert error_of(path) == (
        f"{path}: {DEFAULT_MAX_BYTES + 1} bytes, over the limit of {DEFAULT_MAX_BYTES} bytes"
    )
    small = write(tmp_path, "small.yaml", "openapi: 3.0.0\n" * 10)
    assert error_of(small, max_bytes=100) == f"{small}: 150 bytes, over the limit of 100 bytes"


def test_max_limits_are_parameters(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "openapi: 3.0.0\nx: [[[1, 2, 3]]]\n")
    assert error_of(path, max_depth=3).endswith(":2:6: nested more than 3 levels deep")
    assert error_of(path, max_nodes=4).endswith(":2:4: more than 4 nodes")  # keys count
    json_path = write(tmp_path, "a.json", '{"openapi": "3.0.0", "x": [[[1, 2, 3]]]}')
    assert error_of(json_path, max_depth=3) == f"{json_path}:1:29: nested more than 3 levels deep"
    assert error_of(json_path, max_nodes=4) == f"{json_path}: more than 4 nodes (10)"


@pytest.mark.parametrize("name", ["bad.yaml", "bad.json"])
def test_invalid_utf8(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b'{"openapi": "3.0.0",\n "info": "caf\xe9"}\n')
    assert error_of(path) == f"{path}:2:14: not valid UTF-8 (byte 0xe9 at offset 34)"


def test_utf8_bom_is_skipped(tmp_path: Path) -> None:
    for name, body in (("bom.yaml", b"openapi: 3.0.0\ninfo: {}\n"), ("bom.json", b'{"info": {}}')):
        doc = load_document(write(tmp_path, name, b"\xef\xbb\xbf" + body))
        assert doc.data["info"] == {}
        assert doc.position("/info") == ((2, 1) if name.endswith("yaml") else (1, 2))


@pytest.mark.parametrize(("encoding", "label"), [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_utf16_and_utf32_are_refused(tmp_path: Path, encoding: str, label: str) -> None:
    path = write(tmp_path, "wide.yaml", "openapi: 3.0.0\n".encode(encoding))  # with a BOM
    assert error_of(path) == f"{path}: the file is {label}; errspec reads UTF-8 only"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("dup.yaml", "openapi: 3.0.0\ninfo: {}\nopenapi: 3.1.0\n", "3:1: duplicate key 'openapi'"),
        ("dup2.yaml", "a:\n  b: 1\n  'b': 2\n", "3:3: duplicate key 'b'"),
        ("dup3.yaml", "200: a\n'200': b\n", "2:1: duplicate key '200'"),
        ("dup4.yaml", "a: &a {x: 1}\nb: {<<: *a, y: 1, y: 2}\n", "2:19: duplicate key 'y'"),
        ("dup.json", '{"a": {"b": 1},\n "c": {"b": 2, "b": 3}}', "2:16: duplicate key 'b'"),
        ("dup2.json", '{"a\\u0062": 1, "ab": 2}', "1:16: duplicate key 'ab'"),
    ],
)
def test_duplicate_keys(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = write(tmp_path, name, text)
    assert error_of(path) == f"{path}:{message}"


def test_directory(tmp_path: Path) -> None:
    assert (
        load_isolated(tmp_path)
        == f"InputError: {tmp_path}: is a directory, not an OpenAPI document"
    )


def test_dev_zero() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    assert (
        load_isolated("/dev/zero")
        == "InputError: /dev/zero: is a device or socket, not a regular file"
    )


def test_fifo_does_not_hang(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "spec.yaml"
    os.mkfifo(path)  # nobody will ever write to it
    assert (
        load_isolated(path, timeout=60)
        == f"InputError: {path}: is a FIFO (named pipe), not a regular file"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert error_of(path) == f"{path}: No such file or directory"


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("empty.yaml", "", "the file is empty"),
        ("blank.json", " \n\t\r\n", "the file is empty"),
        ("comments.yaml", "# only a comment\n", "the top level is empty (null), not a mapping"),
        ("tilde.yaml", "~\n", "the top level is empty (null), not a mapping"),
        ("list.yaml", "- a\n- b\n", "the top level is a sequence, not a mapping"),
        ("list.json", "[1, 2]", "the top level is an array, not a mapping"),
        ("scalar.yaml", "just text\n", "the top level is a string, not a mapping"),
        ("number.json", "42", "the top level is a number, not a mapping"),
        ("null.json", "null", "the top level is empty (null), not a mapping"),
        ("string.json", '"openapi"', "the top level is a string, not a mapping"),
    ],
)
def test_not_a_mapping(tmp_path: Path, name: str, text: str, problem: str) -> None:
    path = write(tmp_path, name, text)
    assert error_of(path) == f"{path}: {problem}"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("two.yaml", "a: 1\n---\nb: 2\n", "2:1: a second YAML document in the same file (---)"),
        (
            "tab.yaml",
            "a:\n\tb: 1\n",
            "2:1: invalid YAML: found character that cannot start any token"
            " (while scanning for the next token)",
        ),
        (
            "colon.yaml",
            "a: b: c\n",
            "1:5: invalid YAML: mapping values are not allowed in this context",
        ),
        ("nan.json", '{"a": [1, NaN]}', "1:11: NaN is not valid JSON"),
        ("inf.json", '{"a": -Infinity}', "1:7: -Infinity is not valid JSON"),
        (
            "nul.yaml",
            "a: \x00\n",
            "1:4: invalid YAML: control characters are not allowed (character #x0000)",
        ),
        (
            "python.yaml",
            "a: !!python/object/apply:os.system [ls]\n",
            "1:4: unsupported tag !!python/object/apply:os.system",
        ),
        (
            "binary.yaml",
            "a: !!binary aGVsbG8=\n",
            "1:4: unsupported tag !!binary",
        ),
        ("local.yaml", "a: !include other.yaml\n", "1:4: unsupported tag !include"),
        ("set.yaml", "a: !!set {x, y}\n", "1:4: unsupported tag !!set"),
        ("badint.yaml", "a: !!int x\n", "1:4: 'x' is not a valid !!int"),
        (
            "complex.yaml",
            "? [a]\n: b\n",
            "1:3: a mapping key must be a scalar, not a mapping or sequence",
        ),
        ("merge.yaml", "a: {<<: 1}\n", "1:5: a merge key << takes a mapping or a list of mappings"),
        (
            "keytag.yaml",
            "!!binary YQ==: 1\n",
            "1:1: unsupported tag !!binary on a key",
        ),
    ],
)
def test_unreadable_documents(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = write(tmp_path, name, text)
    assert error_of(path) == f"{path}:{message}"


def test_invalid_json(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{"openapi": "3.0.0",}')
    # the reason's wording changes between Python versions; the place does not
    assert error_of(path).startswith(f"{path}:1:21: invalid JSON: ")


def test_huge_integers(tmp_path: Path) -> None:
    digits = "9" * 5000
    yaml_path = write(tmp_path, "int.yaml", f"a: {digits}\n")
    assert "cannot read '99999999999999999999' as a number" in error_of(yaml_path)
    json_path = write(tmp_path, "int.json", f'{{"a": {digits}}}')
    assert "invalid JSON" in error_of(json_path)


def test_invalid_json_in_a_yaml_file_falls_back_to_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "flow.yaml", "{openapi: 3.0.0, info: {title: x}}\n")
    assert load_document(path).data["info"]["title"] == "x"
    broken = write(tmp_path, "broken.yaml", "{openapi: 3.0.0\n")
    assert error_of(broken).startswith(f"{broken}:2:1: invalid YAML: ")


# --- the corpus ---------------------------------------------------------------------------


def _corpus() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".json", ".yaml"))


class _NoTimestamps(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader without the timestamp resolver (errspec keeps them strings)."""


_NoTimestamps.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _string_keys(value: Any) -> Any:
    """PyYAML's ``200:`` key is the int 200; errspec's is the string "200"."""
    if isinstance(value, dict):
        return {str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_corpus_spec(path: Path) -> None:
    doc = load_document(path)
    raw = path.read_bytes()
    if path.suffix == ".json":
        assert doc.format == "json"
        assert doc.data == json.loads(raw)
    else:
        assert doc.format == "yaml"
        assert doc.data == _string_keys(yaml.load(raw, Loader=_NoTimestamps))
    assert doc.version is not None
    assert doc.version.startswith(("2.0", "3.0", "3.1"))
    lines = raw.decode("utf-8").splitlines()
    for pointer, key in (("/info/title", "title"), ("/paths", "paths"), ("/info", "info")):
        position = doc.position(pointer)
        assert position is not None, pointer
        line, col = position
        assert lines[line - 1][col - 1 :].lstrip("\"'").startswith(key), (pointer, position)
    first_path = next(iter(doc.data["paths"]))
    line, col = doc.position(join(("paths", first_path))) or (0, 0)
    assert lines[line - 1][col - 1 :].lstrip("\"'").startswith(first_path)


@pytest.mark.parametrize("name", ["nakadi.yaml", "zaken-api.yaml"])
def test_corpus_positions_match_the_composer_node_by_node(name: str, yaml_reader: str) -> None:
    """(JSON corpus specs: tests/test_lintspeed.py.)"""
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{path} is not available (../shared is absent)")
    doc = load_document(path)
    assert assert_positions_match_composer(doc, path.read_bytes()) > 2000
