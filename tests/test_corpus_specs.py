"""`errspec lint` over the real specs in ../shared/corpus/specs (skipped when absent).

Per-rule counts and the detected envelope of every spec are committed in
tests/data/corpus_lint.json, so any change in findings is a reviewed diff; nothing may
crash. MANIFEST.md there says what each spec's errors look like; the "why" of each entry
says what a reviewer should expect.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from errspec._lint import lint_spec

from .conftest import SHARED

SPECS = SHARED / "corpus" / "specs"
DATA = Path(__file__).parent / "data" / "corpus_lint.json"
EXPECTED: dict[str, dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def _corpus_present() -> None:
    if not SPECS.is_dir():
        pytest.skip("../shared/corpus/specs is not available")


def test_every_corpus_spec_has_an_expectation() -> None:
    names = sorted(p.name for p in SPECS.iterdir() if p.suffix in (".json", ".yaml"))
    assert names == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_spec(name: str) -> None:
    report = lint_spec(SPECS / name)
    counts = dict(sorted(Counter(f.rule for f in report.findings).items()))
    if os.environ.get("ERRSPEC_UPDATE_SNAPSHOTS") == "1":
        data = json.loads(DATA.read_text(encoding="utf-8"))
        data[name].update(envelope=report.envelope, counts=counts)
        DATA.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return
    assert EXPECTED[name]["why"]
    assert report.envelope == EXPECTED[name]["envelope"]
    assert counts == EXPECTED[name]["counts"]
    assert all(
        (f.location and f.location.startswith(str(SPECS / name) + ":")) or "#" in f.pointer
        for f in report.findings
    )
