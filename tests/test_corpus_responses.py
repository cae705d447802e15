"""Real error responses from ../shared/corpus/responses (skipped when absent).

The expected verdict of each file (envelope, conforms, rule ids) is recorded in
tests/data/corpus_verdicts.json with the reason, reasoned from the response's source and
the corpus INDEX; several are deliberately broken. A change in any verdict is a reviewed
diff of that file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import errspec

from .conftest import SHARED

CORPUS = SHARED / "corpus" / "responses"
VERDICTS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "corpus_verdicts.json").read_text(encoding="utf-8")
)


def record(name: str) -> dict[str, Any]:
    """The corpus file as a response record. Per INDEX.md, `headers: {}` means "not
    recorded", so it becomes a record without headers (header rules are skipped)."""
    data = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    out = {k: data[k] for k in ("status", "headers", "body", "body_text") if k in data}
    if out.get("headers") == {}:
        del out["headers"]
    return out


@pytest.fixture(scope="module", autouse=True)
def _corpus_present() -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/responses is not available")


def test_every_corpus_file_has_a_verdict() -> None:
    files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.json"))
    assert files == sorted(VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_corpus_verdict(name: str) -> None:
    expected = VERDICTS[name]
    assert expected["why"]
    report = errspec.check_response(record(name))
    assert report.envelope == expected["envelope"]
    assert report.rules() == expected["rules"]
    assert report.conforms is expected["conforms"]


#: NON-CONFORMING files (INDEX.md) that `--envelope auto` lets through without a finding:
#: Google Maps' legacy errors in 200 bodies, `{status: "INVALID_REQUEST", error_message}`,
#: say so only in a status word that no standard defines. (Slack's `"ok": false` says it
#: itself, and is error-with-success-status under auto.)
AUTO_MISSES = {
    "flat-upper/google_maps_directions_200_invalid_request.json",
    "flat-upper/google_maps_elevation_200_request_denied.json",
    "flat-upper/google_maps_geocode_200_invalid_request.json",
}


def test_non_conforming_files_of_the_index_are_reported() -> None:
    for name in VERDICTS:
        note = json.loads((CORPUS / name).read_text(encoding="utf-8")).get("note") or ""
        if note.startswith("NON-CONFORMING") and name not in AUTO_MISSES:
            assert VERDICTS[name]["rules"], name
    for name in AUTO_MISSES:
        assert VERDICTS[name]["rules"] == [], name


def test_slack_error_in_200_with_the_envelope_given() -> None:
    for name in (
        "flat-snake/slack_200_api_test_my_error.json",
        "flat-snake/slack_200_missing_scope.json",
    ):
        report = errspec.check_response(record(name), "error-string")
        assert report.rules()[0] == "error-with-success-status"
