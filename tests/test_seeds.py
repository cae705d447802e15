"""One conformance folder per seed document (issue 15, item 5): tests/data/seeds/<id>/.

- ``responses/``: every example body of the seed, as a response record with the status
  (and headers) the seed gives it. Each conforms; its findings are exactly its optional
  ``"findings"`` (``[rule, pointer, severity]``: a recommended requirement the seed's own
  example leaves out), none by default.
- ``breaks/``: a realistic response breaking one requirement of the profile, named by
  ``"breaks"``, whose ``"basis"`` (stated or recommended) gives the severity of that rule;
  ``"findings"`` is every finding errspec reports, in order.
- ``strict/``: a response breaking one requirement errspec inferred: no finding by
  default, exactly ``"strict_findings"`` with ``strict=True``, each saying it is errspec's
  reading.
- ``openapi.yaml``: an API that follows the seed, whose error responses ``$ref`` the
  components exported beside it (``errspec.openapi-3.1.yaml``); it lints clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import errspec
from errspec._cli import cli

SEEDS = Path(__file__).parent / "data" / "seeds"
SEED_ENVELOPES = {
    "seed 000": "errors-array",
    "seed 001": "error-string",
    "seed 002": "code-message",
    "seed 003": "error-object",
    "seed 004": "data-error",
}
ENVELOPES = sorted(SEED_ENVELOPES.values())
READING = "(errspec's reading, not the source's)"
SEVERITY = {"stated": "error", "recommended": "warning"}
COMPONENTS = "errspec.openapi-3.1.yaml"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _records(kind: str) -> list[Any]:
    params = []
    for envelope in ENVELOPES:
        folder = SEEDS / envelope / kind
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            case = f"{envelope}/{path.stem}"
            params.append(pytest.param(envelope, path.stem, _load(path), id=case))
    return params


def _response(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in ("status", "headers", "body") if key in record}


def _shown(report: errspec.Report) -> list[tuple[str, str, str]]:
    return [(f.rule, f.pointer, f.severity) for f in report.findings]


# --- the folders ---------------------------------------------------------------------------


def test_one_folder_per_seed_envelope() -> None:
    assert sorted(p.name for p in SEEDS.iterdir() if p.is_dir()) == ENVELOPES
    for document, envelope in SEED_ENVELOPES.items():
        source = errspec.get_envelope(envelope).profile.source
        assert source.document.startswith(f"{document} "), envelope
        folder = SEEDS / envelope
        assert list((folder / "responses").glob("*.json")), envelope
        assert list((folder / "breaks").glob("*.json")), envelope
        assert (folder / "openapi.yaml").is_file()
        assert (folder / COMPONENTS).is_file()


@pytest.mark.parametrize("kind", ["responses", "breaks", "strict"])
def test_record_names_and_fields(kind: str) -> None:
    for envelope in ENVELOPES:
        folder = SEEDS / envelope / kind
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            record = _load(path)
            assert path.stem.split("-", 1)[0] == str(record["status"]), path
            assert {"description", "source", "status", "headers", "body"} <= set(record), path
            assert record["source"].startswith("seed 00"), path
            if kind == "breaks":
                assert record["basis"] in SEVERITY, path
            if kind == "strict":
                assert record["basis"] == "inferred", path
            if kind != "responses":
                assert record["requirement"], path


# --- responses: the seed's own examples ----------------------------------------------------


@pytest.mark.parametrize(("envelope", "name", "record"), _records("responses"))
def test_seed_example_conforms(envelope: str, name: str, record: dict[str, Any]) -> None:
    report = errspec.check_response(_response(record), envelope)
    assert report.envelope == envelope
    assert report.conforms, (
        f"seed example {envelope}/{name} ({record['description']}) does not conform: "
        f"{[(f.rule, f.pointer, f.severity, f.message) for f in report.findings]}"
    )
    expected = [tuple(f) for f in record.get("findings", [])]
    assert _shown(report) == expected, f"{envelope}/{name}: {[f.message for f in report.findings]}"
    # a warning on a seed's own example comes only from what the seed recommends
    assert all(not f.message.endswith(READING) for f in report.findings)


@pytest.mark.parametrize(("envelope", "name", "record"), _records("responses"))
def test_seed_example_is_detected(envelope: str, name: str, record: dict[str, Any]) -> None:
    assert errspec.detect(_response(record)).envelope == envelope, name


# --- breaks: one requirement of the profile each -------------------------------------------


@pytest.mark.parametrize(("envelope", "name", "record"), _records("breaks"))
def test_break_gives_its_findings(envelope: str, name: str, record: dict[str, Any]) -> None:
    report = errspec.check_response(_response(record), envelope)
    expected = [tuple(pair) for pair in record["findings"]]
    assert [(f.rule, f.pointer) for f in report.findings] == expected, _shown(report)
    severity = SEVERITY[record["basis"]]
    hits = [f for f in report.findings if f.rule == record["breaks"]]
    assert hits, record["breaks"]
    assert {f.severity for f in hits} == {severity}, (record["requirement"], _shown(report))
    assert report.conforms is (severity != "error")
    # strict keeps every finding and adds only errspec's own readings
    strict = errspec.check_response(_response(record), envelope, strict=True).findings
    assert [f for f in strict if not f.message.endswith(READING)] == list(report.findings)


# --- strict: what errspec inferred, reported only when asked --------------------------------


@pytest.mark.parametrize(("envelope", "name", "record"), _records("strict"))
def test_inferred_requirement_only_with_strict(
    envelope: str, name: str, record: dict[str, Any]
) -> None:
    default = errspec.check_response(_response(record), envelope)
    assert default.conforms
    assert default.findings == (), _shown(default)
    strict = errspec.check_response(_response(record), envelope, strict=True)
    assert strict.conforms
    assert _shown(strict) == [tuple(f) for f in record["strict_findings"]]
    assert record["strict_findings"]
    for finding in strict.findings:
        assert finding.severity == "warning"
        assert finding.message.endswith(READING), finding.message


# --- the spec of an API that follows the seed ----------------------------------------------


def _without_examples(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_examples(v) for k, v in node.items() if k != "examples"}
    if isinstance(node, list):
        return [_without_examples(v) for v in node]
    return node


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_components_file_is_the_current_export(envelope: str) -> None:
    """The schemas, responses and headers are the profile's current ones (the examples,
    drawn from schemas/<id>/examples/, may move on without the spec changing)."""
    committed = yaml.safe_load((SEEDS / envelope / COMPONENTS).read_text(encoding="utf-8"))
    current = yaml.safe_load(errspec.components_yaml(envelope, "3.1"))
    assert _without_examples(committed) == _without_examples(current), (
        f"re-export: errspec components {envelope} --openapi 3.1 "
        f"-o tests/data/seeds/{envelope}/{COMPONENTS}"
    )


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_spec_error_responses_ref_the_exported_components(envelope: str) -> None:
    spec = yaml.safe_load((SEEDS / envelope / "openapi.yaml").read_text(encoding="utf-8"))
    exported = yaml.safe_load((SEEDS / envelope / COMPONENTS).read_text(encoding="utf-8"))
    local = spec.get("components", {}).get("responses", {})
    refs = []
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                ref = response["$ref"]
                if ref.startswith("#/components/responses/"):
                    # a response of the API's own (a status the profile has none for):
                    # its schema is still the exported envelope schema
                    own = local[ref.rsplit("/", 1)[-1]]
                    for media in own["content"].values():
                        refs.append(media["schema"]["$ref"])
                    continue
                refs.append(ref)
    assert refs
    for ref in refs:
        target, _, pointer = ref.partition("#")
        assert target == f"./{COMPONENTS}", ref
        section, name = pointer.split("/")[2:4]
        assert name in exported["components"][section], ref


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_spec_lints_clean(envelope: str) -> None:
    path = SEEDS / envelope / "openapi.yaml"
    report = errspec.lint(str(path), envelope=envelope)
    shown = [(f.rule, f.severity, f.location, f.message) for f in report.findings]
    assert not [f for f in report.findings if f.at_least("warning")], shown


@pytest.mark.parametrize("envelope", ENVELOPES)
def test_spec_lints_clean_with_the_cli(envelope: str) -> None:
    path = SEEDS / envelope / "openapi.yaml"
    result = CliRunner().invoke(
        cli, ["lint", str(path), "--envelope", envelope, "--fail-on", "warning"]
    )
    assert result.exit_code == 0, result.output
