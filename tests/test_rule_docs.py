"""Every rule has a docs page whose examples the tests run (as pylint runs its docs'
bad.py/good.py): a bad example must produce the rule, a good one must not and must have no
error at all.

Rules that `errspec check` applies (``"response"`` in their modes) have ``## Bad`` and
``## Good`` sections of JSON response records. Rules that `errspec lint` applies
(``"spec"``) have ``## Bad spec`` and ``## Good spec`` sections of YAML OpenAPI documents,
each linted as ``openapi.yaml`` in a folder of its own. Contract rules (``"contract"``:
`errspec check --spec`) have one ``## Spec`` and ``## Bad``/``## Good`` records, each
checked against it; a record's ``operation`` names its operation, or its ``request`` is
matched. A spec's optional first line
``# errspec lint --envelope ID`` gives the envelope (otherwise ``auto``). ``ID`` may be
``./<built-in id>-strict/``: a copy of the built-in envelope folder whose ``recommended``
requirements are ``stated`` (and headers ``required``), which the test writes beside the
spec.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import errspec
from errspec._lint import LintOptions, lint_spec

from .conftest import REPO, SCHEMAS

DOCS = REPO / "docs" / "rules"
RESPONSE_RULES = sorted(r.id for r in errspec.RULES.values() if "response" in r.modes)
SPEC_RULES = sorted(r.id for r in errspec.RULES.values() if "spec" in r.modes)
CONTRACT_RULES = sorted(r.id for r in errspec.RULES.values() if "contract" in r.modes)
ENVELOPE_LINE = re.compile(r"# errspec lint --envelope (\S+)\n")


def _page(rule: str) -> str:
    path = DOCS / f"{rule}.md"
    assert path.is_file(), f"docs/rules/{rule}.md is missing"
    return path.read_text(encoding="utf-8")


def _blocks(page: str, heading: str, language: str) -> list[str]:
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", page, flags=re.M | re.S)
    assert match, f"no '## {heading}' section"
    blocks = re.findall(rf"```{language}\n(.*?)```", match.group(1), flags=re.S)
    assert blocks, f"no {language} block under '## {heading}'"
    return blocks


def _records(page: str, heading: str) -> list[dict]:
    return [json.loads(b) for b in _blocks(page, heading, "json")]


def _specs(page: str, heading: str, tmp_path: Path) -> list[tuple[str, Path, LintOptions]]:
    """(text, path, options) for each spec under ``heading``, written to a folder of its own."""
    out = []
    for i, text in enumerate(_blocks(page, heading, "yaml")):
        folder = tmp_path / f"{heading.replace(' ', '-').lower()}-{i}"
        folder.mkdir()
        path = folder / "openapi.yaml"
        path.write_text(text, encoding="utf-8")
        match = ENVELOPE_LINE.match(text)
        envelope = _envelope(match.group(1), folder) if match else "auto"
        out.append((text, path, LintOptions(envelope=envelope)))
    return out


def _envelope(option: str, folder: Path) -> str:
    strict = re.fullmatch(r"\./([a-z-]+)-strict/", option)
    if strict is None:
        return option
    target = folder / f"{strict.group(1)}-strict"
    shutil.copytree(SCHEMAS / strict.group(1), target)
    profile = target / "profile.yaml"
    text = profile.read_text(encoding="utf-8")
    text = text.replace("level: recommended", "level: required")
    profile.write_text(text.replace("basis: recommended", "basis: stated"), encoding="utf-8")
    return str(target)


def _shown(report: errspec.Report) -> list[str]:
    return [f"{f.location} {f.severity} {f.rule} {f.message}" for f in report.findings]


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
def test_applies_to_names_the_modes(rule: str) -> None:
    row = next(
        (line for line in _page(rule).splitlines() if line.startswith("| Applies to |")), None
    )
    assert row is not None, "no '| Applies to |' row"
    modes = errspec.RULES[rule].modes
    assert ("responses (`errspec check" in row) == ("response" in modes), row
    assert ("specs (`errspec lint" in row) == ("spec" in modes), row
    assert ("checked against a spec (`errspec check --spec" in row) == ("contract" in modes), row
    assert "once linting lands" not in row


@pytest.mark.parametrize("rule", RESPONSE_RULES)
def test_bad_records_break_the_rule(rule: str) -> None:
    for record in _records(_page(rule), "Bad"):
        envelope = record.pop("envelope", "auto")
        report = errspec.check_response(record, envelope)
        assert rule in report.rules(), (record, report.findings)


@pytest.mark.parametrize("rule", RESPONSE_RULES)
def test_good_records_do_not(rule: str) -> None:
    for record in _records(_page(rule), "Good"):
        envelope = record.pop("envelope", "auto")
        report = errspec.check_response(record, envelope)
        assert rule not in report.rules(), (record, report.findings)
        assert report.conforms, report.findings


@pytest.mark.parametrize("rule", sorted(set(RESPONSE_RULES) & set(SPEC_RULES)))
def test_pages_of_both_modes_say_what_the_rule_does_in_a_spec(rule: str) -> None:
    checks = re.search(r"^## What it checks\n(.*?)(?=^## )", _page(rule), flags=re.M | re.S)
    assert checks, "no '## What it checks' section"
    assert "**In a spec**" in checks.group(1), "no 'In a spec' paragraph"


@pytest.mark.parametrize("rule", SPEC_RULES)
def test_bad_specs_break_the_rule(rule: str, tmp_path: Path) -> None:
    for text, path, options in _specs(_page(rule), "Bad spec", tmp_path):
        report = lint_spec(path, options)
        assert rule in report.rules(), (text, _shown(report))


@pytest.mark.parametrize("rule", SPEC_RULES)
def test_good_specs_do_not(rule: str, tmp_path: Path) -> None:
    for text, path, options in _specs(_page(rule), "Good spec", tmp_path):
        report = lint_spec(path, options)
        assert rule not in report.rules(), (text, _shown(report))
        assert report.conforms, (text, _shown(report))


def test_pages_quote_their_source() -> None:
    for rule in errspec.RULES:
        assert "| Source |" in _page(rule), rule


def _contract(rule: str, tmp_path: Path, heading: str) -> list[errspec.Report]:
    page = _page(rule)
    (spec_text,) = _blocks(page, "Spec", "yaml")
    path = tmp_path / "openapi.yaml"
    path.write_text(spec_text, encoding="utf-8")
    reports = []
    for record in _records(page, heading):
        envelope = record.pop("envelope", "auto")
        operation = record.pop("operation", None)
        reports.append(errspec.check_response(record, envelope, spec=path, operation=operation))
    return reports


@pytest.mark.parametrize("rule", CONTRACT_RULES)
def test_bad_records_break_the_contract_rule(rule: str, tmp_path: Path) -> None:
    for report in _contract(rule, tmp_path, "Bad"):
        assert rule in report.rules(), report.findings


@pytest.mark.parametrize("rule", CONTRACT_RULES)
def test_good_records_keep_the_contract(rule: str, tmp_path: Path) -> None:
    for report in _contract(rule, tmp_path, "Good"):
        assert rule not in report.rules(), report.findings
        assert report.conforms, report.findings
        contract = [f for f in report.findings if "contract" in errspec.RULES[f.rule].modes]
        assert contract == [], contract
