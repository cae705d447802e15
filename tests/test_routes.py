"""Property tests of request routing (errspec._routes): a request for any value of a
path template's parameters reaches that operation, and only a matching request does."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import errspec

from .test_fuzz import FUZZ

LITERAL = st.text(st.characters(codec="utf-8", exclude_characters="/{}?#%"), min_size=1, max_size=6)
#: A parameter's value: anything but "/" (a path segment), also characters that must be
#: percent-encoded in a URL.
VALUE = st.text(st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=8)
SEGMENT = st.one_of(LITERAL.map(lambda s: ("literal", s)), st.just(("param", "")))


def _spec(paths: list[str]) -> errspec.Spec:
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {p: {"get": {"responses": {"200": {"description": "ok"}}}} for p in paths},
    }
    with tempfile.TemporaryDirectory(prefix="errspec-routes-") as folder:
        path = Path(folder) / "openapi.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        return errspec.Spec(path)  # routing needs nothing but the loaded document


def _template(segments: list[tuple[str, str]]) -> str:
    return "/" + "/".join(
        f"{{p{i}}}" if kind == "param" else text for i, (kind, text) in enumerate(segments)
    )


@settings(FUZZ, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(segments=st.lists(SEGMENT, min_size=1, max_size=4), data=st.data())
def test_every_value_of_a_template_reaches_its_operation(
    segments: list[tuple[str, str]], data: st.DataObject
) -> None:
    template = _template(segments)
    spec = _spec([template])
    values = [data.draw(VALUE) if kind == "param" else text for kind, text in segments]
    url = "/" + "/".join(quote(v, safe="") for v in values)
    found = spec.match("GET", f"https://api.example.com{url}?q=1")
    assert found is not None, (template, url)
    assert found.path == template
    # one segment more or less, or an empty parameter, is another path
    assert spec.match("GET", url + "/extra") is None
    if len(values) > 1:
        assert spec.match("GET", "/" + "/".join(quote(v, safe="") for v in values[:-1])) is None
    if any(kind == "param" for kind, _ in segments):
        emptied = ["" if kind == "param" else quote(text, safe="") for kind, text in segments]
        assert spec.match("GET", "/" + "/".join(emptied)) is None


@settings(FUZZ, max_examples=40)
@given(literal=LITERAL, value=VALUE)
def test_a_concrete_path_wins_over_a_template(literal: str, value: str) -> None:
    """The Paths Object: concrete paths match before templated ones."""
    spec = _spec(["/items/{id}", f"/items/{literal}"])
    assert spec.match("GET", f"/items/{quote(literal, safe='')}").path == f"/items/{literal}"
    if value != literal:
        assert spec.match("GET", f"/items/{quote(value, safe='')}").path == "/items/{id}"
