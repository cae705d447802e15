"""Envelope detection: which envelope a body is in, with a score, without the status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._adapters import checked
from ._http import Response
from ._jsondata import BodyTooDeep, json_data
from ._plan import Plan, all_plans, plan_for
from ._pointer import values
from ._registry import Envelope, envelopes

__all__ = ["DETECTION_THRESHOLD", "Detection", "detect"]

#: Below this score no envelope is claimed.
DETECTION_THRESHOLD = 0.45


@dataclass(frozen=True)
class Detection:
    """Which envelope a body is in: the best ``envelope`` (or ``None``) with its ``score``
    (0-1), every candidate's score, and the envelopes it tied with (decided by priority)."""

    envelope: str | None
    score: float
    scores: tuple[tuple[str, float], ...]
    tied_with: tuple[str, ...] = ()


_REQUIRED_TOP_LEVEL: dict[str, frozenset[str]] = {}


def _required_elsewhere() -> frozenset[str]:
    """Top-level members that some envelope requires (``data``, ``errors``, ``error``, …)."""
    known = _REQUIRED_TOP_LEVEL.get("all")
    if known is None:
        known = frozenset(m for e in envelopes() for m in e.schema.get("required", ()))
        _REQUIRED_TOP_LEVEL["all"] = known
    return known


def _fit(plan: Plan, body: Mapping[str, Any]) -> float:
    """Share of the body's members that the envelope declares: top-level members, and the
    members of top-level objects (or of their items) that it declares."""
    total = declared = 0
    for key, value in body.items():
        top = f"/{key}"
        total += 1
        if top not in plan.declared:
            continue
        declared += 1
        items = value if isinstance(value, list) else [value]
        prefix = f"{top}/*" if isinstance(value, list) else top
        for item in items[:3]:
            if isinstance(item, dict):
                for k in item:
                    total += 1
                    declared += f"{prefix}/{k}" in plan.declared
    return declared / total


def _score(plan: Plan, body: Any, media: str | None) -> float:
    """How well ``body`` fits ``plan``'s envelope, 0-1 (see :func:`detect`)."""
    if not isinstance(body, dict) or not body:
        return 0.0
    hits = sum(1 for m in plan.markers if values(body, m))
    fit = _fit(plan, body)
    if hits == 0 and fit == 0:
        return 0.0
    score = 0.3 * fit
    if plan.markers and hits:
        score += 0.1 + 0.1 * hits / len(plan.markers)
    if plan.is_valid(body):
        score += 0.4
    else:
        # A near miss: less credit for each problem the schema finds.
        score += 0.25 / (1 + plan.error_count(body))
    # A member another envelope requires, which this one does not declare, is evidence
    # against (`data: null` beside `error`); so is the lack of this envelope's code and
    # status echo, the members that define it.
    if any(f"/{key}" not in plan.declared and key in _required_elsewhere() for key in body):
        score -= 0.2
    defining = [p for p in (plan.code, plan.echo) if p is not None]
    if defining and not any(values(body, p) for p in defining):
        score -= 0.2
    # A code of the wrong JSON type (an integer where this envelope has a string code)
    # points at another envelope (google-rpc and data-error carry integers there).
    if plan.code is not None and any(not isinstance(v, str) for v in values(body, plan.code)):
        score -= 0.15
    if media is not None and media != "application/json":
        if media in plan.media_types:
            score += 0.2
        elif media.endswith("+json"):
            score -= 0.2
    if plan.code is not None:
        codes = values(body, plan.code)
        if codes and isinstance(codes[0], str):
            code = codes[0]
            if plan.casing is not None:
                score += 0.05 if plan.casing.fullmatch(code) else -0.2
            if code in plan.catalogue:
                score += 0.1
    return max(0.0, min(score, 1.0))


def detect(response: Any, *, candidates: list[Envelope] | None = None) -> Detection:
    """Which envelope a response (or a bare parsed body) is in.

    Detection never looks at the HTTP status, so a broken response is recognised first
    and judged afterwards. Scores combine: fitting the canonical schema (or how nearly),
    the envelope's marker members, how many top-level members the schema declares, a
    dedicated media type, and a code in the envelope's casing and catalogue. Below
    0.45 the answer is ``None``. Equal scores are broken by the profiles' ``priority``
    (problem-details 50 … error-string 10) and reported in ``tied_with``.
    """
    if isinstance(response, Response | Mapping) and not _is_record(response):
        try:
            body, media = json_data(response), None
        except BodyTooDeep:  # as check_response: not a body errspec checks
            body, media = None, None
    else:
        r = checked(response)
        body, media = r.body, r.media_type
    if candidates is None:
        plans = all_plans()
    elif isinstance(candidates, list | tuple) and all(isinstance(e, Envelope) for e in candidates):
        plans = [plan_for(e) for e in candidates]
    else:
        raise TypeError("candidates is a list of Envelope (errspec.get_envelope(id) gives one)")
    if not plans:
        return Detection(None, 0.0, ())
    scored = sorted(
        ((round(_score(p, body, media), 6), p.priority, p.id) for p in plans),
        key=lambda t: (-t[0], -t[1], t[2]),
    )
    scores = tuple((i, s) for s, _, i in scored)
    best_score, _, best = scored[0]
    if best_score < DETECTION_THRESHOLD:
        return Detection(None, best_score, scores)
    tied = tuple(i for s, _, i in scored[1:] if s == best_score)
    return Detection(best, best_score, scores, tied)


def _is_record(value: Any) -> bool:
    return isinstance(value, Response) or (
        isinstance(value, Mapping) and "status" in value and ("body" in value or "headers" in value)
    )
