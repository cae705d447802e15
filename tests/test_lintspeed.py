"""Issue 14's faster lint paths give what the plain ones give.

- JSON read by orjson (``_specload._fast_json``) is the tree :func:`json.loads` gives, and
  everything orjson would get wrong or refuse goes to the strict reader, which reports it
  as before: duplicate keys (also escaped ones, and keys with escaped quotes), integers
  beyond 64 bits, lone surrogates, ``NaN``, numbers too large for a float.
- JSON positions found by the targeted scan (``_specload._JSONIndex``) are libyaml's
  marks, node by node, on text written to trip a scanner: escaped quotes and backslashes
  before a closing quote, non-ASCII keys (raw and escaped), minified text, CRLF.

Speed itself is measured by ``bench/lint.py``, never asserted here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from errspec._inputs import InputError
from errspec._specload import _fast_json, load_document

from .test_specload import CORPUS, assert_positions_match_composer, at, write

LIMITS = {"max_depth": 128, "max_nodes": 3_000_000}


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "b": [1, 2.5, -0, -0.0, 1e-400, 18446744073709551615, -9223372036854775808]}',
        '{"a\\"": 1, "c\\\\": "\\\\\\"", "d": "\\\\", "e": "\\u0022\\"", "f": "x:y"}',
        '{"k": {"k": {"k": []}}, "l": [[{}], [[]], ""], "\\u00fc": "ü", "ä": "\\ud83d\\ude00"}',
        '{"a\\u003a": ":", "b": "\\u003a"}',
        "[1, 2, 3]",
    ],
)
def test_fast_json_is_json_loads(text: str) -> None:
    raw = text.encode()
    fast = _fast_json(raw, **LIMITS)
    assert fast is not None
    assert fast == json.loads(text)
    assert json.dumps(fast) == json.dumps(json.loads(text))  # types too: ints stay ints


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '[{"b": 1}, {"b": 2, "b": 3}]',
        '{"a\\u0062": 1, "ab": 2}',
        '{"a\\"": 1, "a\\"": 2}',
        '{"a\\\\": 1, "a\\\\": 2}',
        '{"x": "y:z", "x": "w"}',
        '{"a": 123456789012345678901}',
        '{"a": -9223372036854775809}',
        '{"a": 1e19}',  # a float, but one orjson would also give for a long integer
        '{"a": NaN}',
        '{"a": 1e400}',
        '{"a": "\\ud800"}',
        '{"a": [' * 130 + "]}" * 130,
    ],
)
def test_fast_json_leaves_what_it_cannot_vouch_for_to_the_strict_reader(text: str) -> None:
    assert _fast_json(text.encode(), **LIMITS) is None


def test_fast_json_stays_within_the_node_limit() -> None:
    assert _fast_json(b'{"a": [1, 2, 3]}', max_depth=128, max_nodes=3) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": {"b": 1},\n "c": {"b": 2, "b": 3}}', "2:16: duplicate key 'b'"),
        ('{"a\\"": 1, "a\\"": 2}', "1:12: duplicate key 'a\"'"),
        ('{"a": [1, NaN]}', "1:11: NaN is not valid JSON"),
    ],
)
def test_what_orjson_would_pass_is_still_reported(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "spec.json", text)
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(caught.value) == f"{path}:{message}"


def test_long_integers_and_lone_surrogates_load_as_json_loads_reads_them(tmp_path: Path) -> None:
    text = '{"openapi": "3.0.0", "big": 123456789012345678901234567890, "s": "\\ud800"}'
    doc = load_document(write(tmp_path, "spec.json", text))
    assert doc.data == json.loads(text)
    assert doc.data["big"] == 123456789012345678901234567890


TRICKY = """\
{
  "openapi": "3.0.3",
  "info": {"title": "quote \\" and backslash \\\\", "version": "1\\\\"},
  "x-\\u00fc": {"\\"k\\"": [1, {"\\\\": "v"}], "é": {"ü": [[], {}, [{"z": null}]]}},
  "paths": {
    "/a/{id}": {"get": {"responses": {"404": {"description": "\\\\\\"x"}}}},
    "/b": {"post": {"responses": {"default": {"description": "y"}}}}
  },
  "tail" :  [ 1 , -2.5e3 , true , "s" ]
}
"""


@pytest.mark.parametrize("variant", ["pretty", "minified", "crlf"])
def test_json_positions_match_the_composer(tmp_path: Path, variant: str) -> None:
    text = TRICKY
    if variant == "minified":
        text = json.dumps(json.loads(TRICKY), separators=(",", ":"), ensure_ascii=False)
    elif variant == "crlf":
        text = TRICKY.replace("\n", "\r\n")
    path = write(tmp_path, "spec.json", text)
    doc = load_document(path)
    assert doc.format == "json"
    assert doc.data == json.loads(text)
    assert assert_positions_match_composer(doc, path.read_bytes()) > 25
    # asked again, and in another order, from what the scan already knows
    assert doc.position("/tail/3") == at(text, '"s"')
    assert doc.position("/paths/~1a~1{id}/get/responses/404") == at(text, '"404"')
    assert doc.position("/x-ü/é/ü/2/0/z") == at(text, '"z"')
    assert doc.position("/openapi") == at(text, '"openapi"')


def test_json_positions_of_what_is_not_there(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "spec.json", TRICKY))
    for pointer in ("/nope", "/tail/4", "/tail/01", "/tail/-1", "/openapi/x", "/info/title/0"):
        assert doc.position(pointer) is None, pointer
    assert doc.position("/tail/0") == at(TRICKY, "1 ,")


@pytest.mark.parametrize("name", ["paypal-orders.json", "ory-kratos.json"])
def test_corpus_json_positions_match_the_composer(name: str) -> None:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{path} is not available (../shared is absent)")
    doc = load_document(path)
    assert assert_positions_match_composer(doc, path.read_bytes()) > 2000
