"""Every provenance a profile gives (``basis``, ``document``, ``quote``) names a known
document, and every quote is verbatim in errspec's reference copy of that document
(../shared/seeds, ../shared/standards; skipped when absent). See docs/profiles.md,
"Provenance"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import SCHEMAS, SHARED

#: Document ids a provenance may name, and the reference copy its quotes are checked in
#: (None: errspec keeps no copy; the quote is not checked).
DOCUMENTS: dict[str, str | None] = {
    **{f"seed {n:03d}": f"seeds/{n:03d}_*.txt" for n in range(5)},
    "RFC 9457": "standards/rfc9457.md",
    "JSON:API 1.1": "standards/jsonapi-1.1.md",
    "AIP-193": "standards/aip-193.md",
    "AIP-194": "standards/aip-194.md",
    "google.rpc code.proto": "standards/google-rpc-codes.csv",
    "Azure guidelines": "standards/azure-guidelines-errors.md",
    "Graph guidelines": "standards/graph-guidelines-errors.md",
    "RFC 9110": None,
    "RFC 6585": None,
    "RFC 6901": None,
    "RFC 8288": None,
}


def _provenances(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}/{key}"
            if key.endswith("provenance") and isinstance(value, dict):
                yield here, value
            else:
                yield from _provenances(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _provenances(value, f"{where}/{i}")


PROFILES = sorted(SCHEMAS.glob("*/profile.yaml"))
CASES = [
    pytest.param(path.parent.name, where, prov, id=f"{path.parent.name}{where}")
    for path in PROFILES
    for where, prov in _provenances(yaml.safe_load(path.read_text(encoding="utf-8")), "")
]


def _normal(text: str) -> str:
    """Markup and spacing do not count: Markdown emphasis and code marks, quotes' curly
    forms, runs of whitespace."""
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"[*`_]", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def _text_of(document: str) -> str:
    pattern = DOCUMENTS[document]
    assert pattern is not None
    found = sorted((SHARED).glob(pattern))
    if not found:
        pytest.skip(f"{SHARED / pattern} is not available (../shared is absent)")
    return _normal(found[0].read_text(encoding="utf-8"))


@pytest.mark.parametrize(("envelope", "where", "provenance"), CASES)
def test_quote_is_verbatim_in_its_source(
    envelope: str, where: str, provenance: dict[str, Any]
) -> None:
    document = provenance.get("document")
    if provenance["basis"] == "inferred" and document is None:
        return
    assert document in DOCUMENTS, f"{envelope}{where}: unknown document {document!r}"
    if DOCUMENTS[document] is None:
        return
    text = _text_of(document)
    # "…" or "..." in a quote stands for left-out text: each piece, in order.
    pos = 0
    for piece in re.split(r"\s*(?:\.\.\.|…)\s*", provenance["quote"]):
        piece = _normal(piece)
        if not piece:
            continue
        found = text.find(piece, pos)
        assert found >= 0, f"{envelope}{where}: not in {document}: {piece!r}"
        pos = found + len(piece)


def test_the_document_table_is_the_documented_one() -> None:
    docs = (SCHEMAS.parent / "docs" / "profiles.md").read_text(encoding="utf-8")
    for document in DOCUMENTS:
        assert f"`{document}`" in docs, document


def test_shared_folder_layout() -> None:
    if not SHARED.exists():
        pytest.skip("../shared is absent")
    for document, pattern in DOCUMENTS.items():
        if pattern is not None:
            assert sorted(Path(SHARED).glob(pattern)), document


# --- every built-in requirement says where it comes from --------------------------------

import errspec  # noqa: E402
from errspec._plan import declared_paths  # noqa: E402


@pytest.mark.parametrize("envelope", errspec.envelope_ids())
def test_every_requirement_of_a_built_in_profile_has_a_provenance(envelope: str) -> None:
    """The profile schema leaves provenance optional, for house envelopes (their levels
    decide); every built-in requirement carries one (issue 15)."""
    env = errspec.get_envelope(envelope)
    p = env.profile
    missing: list[str] = []
    if p.status_echo is not None and p.status_echo.provenance is None:
        missing.append("status_echo")
    if p.code is not None:
        for name in ("provenance", "open_provenance"):
            if getattr(p.code, name) is None:
                missing.append(f"code.{name}")
        missing += [
            f"code.catalogue.{c}" for c in p.code.catalogue if p.code.provenance_of_row(c) is None
        ]
    if p.field_errors is not None and p.field_errors.provenance is None:
        missing.append("field_errors")
    if (p.request_id_pointer or p.request_id_header) and p.request_id_provenance is None:
        missing.append("request_id")
    if (p.retry_hint_pointer or p.retry_hint_header) and p.retry_hint_provenance is None:
        missing.append("retry_hint")
    missing += [f"conditional {m.pointer}" for m in p.conditional_members if m.provenance is None]
    missing += [f"header {h.name}" for h in p.headers if h.provenance is None]
    missing += [f"retryable {s}" for s, r in p.retryable.items() if r.provenance is None]
    covered = {pointer for pointer, _ in p.members}
    top = set(declared_paths(env.schema, depth=0))
    missing += [
        f"member {path}" for path in sorted(top) if path not in covered and "" not in covered
    ]
    assert missing == []
