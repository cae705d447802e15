"""Every rule has a docs page whose bad and good records the tests run (as pylint runs
its docs' bad.py/good.py): a bad record must produce the rule, a good one must not."""

from __future__ import annotations

import json
import re

import pytest

import errspec

from .conftest import REPO

DOCS = REPO / "docs" / "rules"


def _page(rule: str) -> str:
    path = DOCS / f"{rule}.md"
    assert path.is_file(), f"docs/rules/{rule}.md is missing"
    return path.read_text(encoding="utf-8")


def _records(page: str, heading: str) -> list[dict]:
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", page, flags=re.M | re.S)
    assert match, f"no '## {heading}' section"
    blocks = re.findall(r"```json\n(.*?)```", match.group(1), flags=re.S)
    assert blocks, f"no json record under '## {heading}'"
    return [json.loads(b) for b in blocks]


def test_every_rule_has_a_page_and_the_index_lists_it() -> None:
    pages = sorted(p.stem for p in DOCS.glob("*.md") if p.stem != "README")
    assert pages == sorted(errspec.RULES)
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for rule in errspec.RULES:
        assert f"[`{rule}`]({rule}.md)" in index, rule


@pytest.mark.parametrize("rule", sorted(errspec.RULES))
def test_page_states_the_default_severity(rule: str) -> None:
    page = _page(rule)
    assert page.startswith(f"# `{rule}`\n")
    assert f"| Severity | {errspec.RULES[rule].severity}" in page


@pytest.mark.parametrize("rule", sorted(errspec.RULES))
def test_bad_records_break_the_rule(rule: str) -> None:
    for record in _records(_page(rule), "Bad"):
        envelope = record.pop("envelope", "auto")
        report = errspec.check_response(record, envelope)
        assert rule in report.rules(), (record, report.findings)


@pytest.mark.parametrize("rule", sorted(errspec.RULES))
def test_good_records_do_not(rule: str) -> None:
    for record in _records(_page(rule), "Good"):
        envelope = record.pop("envelope", "auto")
        report = errspec.check_response(record, envelope)
        assert rule not in report.rules(), (record, report.findings)
        assert report.conforms, report.findings


def test_pages_quote_their_source() -> None:
    for rule in errspec.RULES:
        assert "| Source |" in _page(rule), rule
