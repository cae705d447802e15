"""Every example body in the seed documents and the standards is a valid record of its envelope.

The JSON examples are extracted from the texts in ../shared (skipped when absent), so an
example added to a source, or a record dropped from an envelope, fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import errspec

from .conftest import shared_path


def json_objects(text: str) -> list[Any]:
    """Every top-level JSON object embedded in a prose text, in order."""
    decoder = json.JSONDecoder()
    found = []
    i = 0
    while (i := text.find("{", i)) != -1:
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            i += 1
            continue
        found.append(value)
        i = end
    return found


def repaired_json(block: str) -> Any:
    """Parse a fenced example that has an obvious typo: a trailing comma (Azure's example)
    or missing closing braces (Graph's first example). The records say they are repaired."""
    text = re.sub(r",(\s*[}\]])", r"\1", block.strip())
    for _ in range(3):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            text += "}"
    return None


def bodies(envelope_id: str) -> list[Any]:
    return [
        r.data["body"]
        for r in errspec.get_envelope(envelope_id).examples()
        if r.valid and "body" in r.data
    ]


SEEDS = {
    "000": "errors-array",
    "001": "error-string",
    "002": "code-message",
    "003": "error-object",
    "004": "data-error",
}


def _seed(number: str) -> Path:
    folder = shared_path("seeds")
    (path,) = folder.glob(f"{number}_*.txt")
    return path


@pytest.mark.parametrize(("number", "envelope_id"), sorted(SEEDS.items()))
def test_every_seed_example_is_a_valid_record(number: str, envelope_id: str) -> None:
    env = errspec.get_envelope(envelope_id)
    required = set(env.schema["required"])
    # Objects that carry the envelope's required members; code samples' dicts
    # (headers, `{}` defaults) do not. Seed 002's format block is a template
    # (`"details": { ... }`) and does not parse.
    examples = [
        e
        for e in json_objects(_seed(number).read_text(encoding="utf-8"))
        if isinstance(e, dict) and required <= set(e)
    ]
    assert len(examples) >= 2
    shipped = bodies(envelope_id)
    for example in examples:
        assert env.is_valid(example), example
        assert example in shipped, f"seed {number} example missing from valid records: {example}"


def _fenced_json(text: str) -> list[Any]:
    """JSON values inside ``` fences (standards are Markdown)."""
    out = []
    for _fence, block in re.findall(r"(```|~~~)[^\n]*\n(.*?)\1", text, flags=re.S):
        out += json_objects(block)
    return out


def _http_examples(text: str, media_type: str) -> list[Any]:
    """Bodies of HTTP response examples that declare ``media_type``."""
    out = []
    for _fence, block in re.findall(r"(```|~~~)[^\n]*\n(HTTP/.*?)\1", text, flags=re.S):
        if media_type in block:
            out += json_objects(block)
    return out


def test_rfc9457_examples_are_valid_problem_details_records() -> None:
    text = shared_path("standards", "rfc9457.md").read_text(encoding="utf-8")
    examples = _http_examples(text, "application/problem+json")
    assert len(examples) == 2  # the §3 out-of-credit (403) and validation-error (422) responses
    shipped = bodies("problem-details")
    for example in examples:
        assert example in shipped, example


def test_jsonapi_error_object_members_are_the_standard_ones() -> None:
    """JSON:API 1.1 "Error Objects" shows no example bodies (the records come from the
    jsonapi.org examples page); what the text fixes is the member list, which the schema
    must match exactly (error objects are closed)."""
    text = shared_path("standards", "jsonapi-1.1.md").read_text(encoding="utf-8")
    section = text[text.index('id="error-objects"') : text.index('id="appendix"')]
    members = re.findall(r"^\* `([a-z]+)`:", section, flags=re.M)
    source_members = re.findall(r"^  \* `([a-z]+)`:", section, flags=re.M)
    assert members == ["id", "links", "status", "code", "title", "detail", "source", "meta"]
    schema = errspec.get_envelope("json-api").schema
    (error_object,) = [d for d in schema["$defs"].values() if "detail" in d.get("properties", {})]
    assert sorted(error_object["properties"]) == sorted(members)
    assert error_object["additionalProperties"] is False
    (source,) = [d for d in schema["$defs"].values() if "pointer" in d.get("properties", {})]
    assert set(source["properties"]) == {"pointer", "parameter", "header"}
    assert {"pointer", "parameter", "header"} <= set(source_members)


def test_aip193_examples_are_valid_google_rpc_records() -> None:
    text = shared_path("standards", "aip-193.md").read_text(encoding="utf-8")
    examples = [e for e in _fenced_json(text) if isinstance(e, dict) and "error" in e]
    assert examples
    shipped = bodies("google-rpc")
    for example in examples:
        assert example in shipped, example


@pytest.mark.parametrize("name", ["azure-guidelines-errors.md", "graph-guidelines-errors.md"])
def test_microsoft_examples_are_valid_odata_records(name: str) -> None:
    text = shared_path("standards", name).read_text(encoding="utf-8")
    blocks = [b for _f, b in re.findall(r"(```|~~~)[^\n]*\n(.*?)\1", text, flags=re.S)]
    examples = [repaired_json(b) for b in blocks if '"error"' in b]
    examples = [e for e in examples if isinstance(e, dict) and isinstance(e.get("error"), dict)]
    assert len(examples) >= 1
    shipped = bodies("odata")
    env = errspec.get_envelope("odata")
    for example in examples:
        assert env.is_valid(example), example
        assert example in shipped, example
