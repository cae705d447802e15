"""Envelope detection: which envelope a body is in, with a score, without the status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._adapters import checked
from ._http import Response
from ._jsondata import BodyTooDeep, json_data
from ._plan import all_plans, plan_for
from ._recognize import RECOGNITION_THRESHOLD, Evidence, recognize, shape_of_body
from ._registry import Envelope

__all__ = ["DETECTION_THRESHOLD", "Detection", "detect"]

#: Below this score no envelope is claimed (the recognizer's, shared with lint).
DETECTION_THRESHOLD = RECOGNITION_THRESHOLD


@dataclass(frozen=True)
class Detection:
    """Which envelope a body is in: the best ``envelope`` (or ``None``) with its ``score``
    (0-1), every candidate's score, the envelopes it tied with (decided by priority), and
    the recognizer's evidence for the envelope (or, when none is claimed, the ``closest``):
    the identifying members ``matched``, the members of another type (``conflicts``), the
    decisive members ``missing``, the members allowed as ``extensions``, the ``media_type``
    the response was served with, and the ``evidence`` of every candidate."""

    envelope: str | None
    score: float
    scores: tuple[tuple[str, float], ...]
    tied_with: tuple[str, ...] = ()
    closest: str | None = None
    matched: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    media_type: str | None = None
    evidence: tuple[Evidence, ...] = ()

    def evidence_dict(self) -> dict[str, Any]:
        """The evidence as JSON-ready data (``errspec detect --format json``, check)."""
        return {
            "closest": self.closest,
            "matched": list(self.matched),
            "conflicts": list(self.conflicts),
            "missing": list(self.missing),
            "extensions": list(self.extensions),
            "media_type": self.media_type,
            "ruled_out": {e.envelope: e.ruled_out for e in self.evidence if e.ruled_out},
        }


def detect(response: Any, *, candidates: list[Envelope] | None = None) -> Detection:
    """Which envelope a response (or a bare parsed body) is in.

    Detection never looks at the HTTP status, so a broken response is recognised first
    and judged afterwards. The body's shape is judged by the recognizer lint uses for
    schemas (:func:`errspec._recognize.recognize`): against each profile's signature, a
    decisive member of another type rules an envelope out; the rest score on the members
    the envelope declares and requires, its identifying members, extensions allowed, the
    dedicated media type, and a code in the envelope's casing and catalogue. Below 0.5
    the answer is ``None``. Equal scores are broken by the profiles' ``priority``
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
        return Detection(None, 0.0, (), media_type=media)
    result = recognize(shape_of_body(body), plans, media)
    chosen = result.evidence
    return Detection(
        result.envelope,
        result.score,
        result.scores,
        result.tied_with,
        closest=result.closest,
        matched=chosen.matched if chosen else (),
        conflicts=chosen.conflicts if chosen else (),
        missing=chosen.missing if chosen else (),
        extensions=chosen.extensions if chosen else (),
        media_type=media,
        evidence=result.judged,
    )


def _is_record(value: Any) -> bool:
    return isinstance(value, Response) or (
        isinstance(value, Mapping) and "status" in value and ("body" in value or "headers" in value)
    )
