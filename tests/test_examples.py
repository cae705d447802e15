"""Every response record shipped under schemas/<id>/examples/ is a test case.

valid/ records pass the canonical schema; invalid/ records name the rule they break, and
they fail the schema exactly when that rule is `envelope-schema` (a record that breaks a
semantic rule is structurally fine, so the schema must not be what catches it).
"""

from __future__ import annotations

import pytest

import errspec

#: Rule ids of the response-checking catalogue (docs/rules/).
RULE_IDS = set(errspec.RULES)

RECORDS = [
    pytest.param(
        env.id, record, id=f"{env.id}/{'valid' if record.valid else 'invalid'}/{record.name}"
    )
    for env in errspec.envelopes()
    for record in env.examples()
]


def test_every_envelope_has_valid_and_invalid_records() -> None:
    for env in errspec.envelopes():
        records = env.examples()
        assert any(r.valid for r in records), env.id
        invalid = [r for r in records if not r.valid]
        assert sum(r.breaks == "envelope-schema" for r in invalid) >= 3, env.id
        assert any(r.breaks == "body-not-json" for r in invalid), env.id


@pytest.mark.parametrize(("envelope_id", "record"), RECORDS)
def test_record(envelope_id: str, record: errspec.ExampleRecord) -> None:
    env = errspec.get_envelope(envelope_id)
    data = record.data
    assert isinstance(data["description"], str)
    assert data["description"]
    assert isinstance(data["source"], str)
    assert data["source"]
    assert 100 <= data["status"] <= 599
    assert isinstance(data["headers"], dict)
    assert ("body" in data) != ("body_text" in data)
    if record.valid:
        assert "breaks" not in data
        assert "body" in data
        errors = [e.message for e in env.validator.iter_errors(data["body"])]
        assert errors == []
        assert data["status"] >= 400, "valid records are error responses"
        return
    assert record.breaks in RULE_IDS
    if "body" not in data:
        assert record.breaks in {"body-not-json", "media-type"}
    elif record.breaks == "envelope-schema":
        assert not env.is_valid(data["body"])
    else:
        assert env.is_valid(data["body"]), "a semantic break must pass the schema"


@pytest.mark.parametrize("envelope_id", errspec.envelope_ids())
def test_valid_records_use_the_envelope_media_type(envelope_id: str) -> None:
    env = errspec.get_envelope(envelope_id)
    for record in env.examples():
        if not record.valid:
            continue
        headers = {k.lower(): v for k, v in record.data["headers"].items()}
        media = headers["content-type"].split(";")[0].strip().lower()
        assert media in env.media_types, record.name


@pytest.mark.parametrize("envelope_id", errspec.envelope_ids())
def test_valid_records_carry_required_headers(envelope_id: str) -> None:
    env = errspec.get_envelope(envelope_id)
    for record in env.examples():
        if not record.valid:
            continue
        present = {k.lower() for k in record.data["headers"]}
        for header in env.profile.headers_for(record.status):
            if header.level == "required":
                assert header.name.lower() in present, (record.name, header.name)
