"""Envelope detection: which envelope a body is in, with a score, without the status."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ._adapters import checked
from ._http import Response
from ._jsondata import BodyTooDeep, json_data
from ._plan import plan_for
from ._recognize import (
    RECOGNITION_THRESHOLD,
    Candidates,
    Evidence,
    Ranking,
    body_key,
    compile_plans,
    rank_as,
    shape_of_body,
)
from ._registry import Envelope, envelopes

__all__ = [
    "DETECTION_THRESHOLD",
    "Detected",
    "Detection",
    "DetectionData",
    "detect",
    "detected",
    "detected_body",
]

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
        chosen = _built_in()
    elif isinstance(candidates, list | tuple) and all(isinstance(e, Envelope) for e in candidates):
        chosen = compile_plans([plan_for(e) for e in candidates])
    else:
        raise TypeError("candidates is a list of Envelope (errspec.get_envelope(id) gives one)")
    return rank_as(Detected, shape_of_body(body), chosen, media).detection()


class Detected(Ranking):
    """A detection as ``check_response`` uses it: the recognizer's :class:`Ranking` of
    the body's shape against the envelopes (``envelope`` or ``None``, ``score``,
    ``tied_with``, ``scores``), decided without judging the evidence. :meth:`detection`
    is the whole :class:`Detection` (every envelope's evidence), judged when first asked
    for: the same as :func:`detect` gives."""

    __slots__ = ("_detection",)

    _detection: Detection

    def detection(self) -> Detection:
        """The whole detection, every envelope's evidence judged (once)."""
        try:
            return self._detection
        except AttributeError:
            pass
        media = self._media
        if not self._candidates.compiled:
            self._detection = Detection(None, 0.0, (), media_type=media)
            return self._detection
        chosen = self.evidence
        self._detection = Detection(
            self.envelope,
            self.score,
            self.scores,
            self.tied_with,
            closest=self.closest,
            matched=chosen.matched if chosen else (),
            conflicts=chosen.conflicts if chosen else (),
            missing=chosen.missing if chosen else (),
            extensions=chosen.extensions if chosen else (),
            media_type=media,
            evidence=self.recognition().judged,
        )
        return self._detection


def detected(response: Response) -> Detected:
    """``detect(response)`` for a checked response against the built-in envelopes, the
    evidence left to be judged when read (:class:`Detected`, :class:`DetectionData`).

    A log holds the same few error shapes many times over: a ranking is kept by its
    :func:`~errspec._recognize.body_key` (the body's structure, the media type and the
    code, never a message or an id) and shared by every body with that key, at most
    :data:`MAX_RANKINGS` of them."""
    return detected_body(response.body, response.media_type)


def detected_body(body: Any, media: str | None) -> Detected:
    """:func:`detected` for a body of JSON data served as ``media``."""
    candidates, rankings = _built_in_rankings()
    key = body_key(body, candidates, media)
    if key is not None:
        found = rankings.get(key)
        if found is not None:
            return found
    found = rank_as(Detected, shape_of_body(body), candidates, media)
    if key is not None:
        if len(rankings) >= MAX_RANKINGS:
            rankings.clear()  # (a log of ever new shapes pays what it paid before)
        rankings[key] = found
    return found


#: Most rankings :func:`detected` keeps.
MAX_RANKINGS = 4096


class DetectionData(Mapping[str, Any]):
    """A report's ``detection``: ``{"score": …, **Detection.evidence_dict()}``, built when
    first read (a summary never reads it). Equal to that dict, shown as it, and pickled
    (or copied) as it."""

    __slots__ = ("_data", "_detected")

    def __init__(self, detected: Detected) -> None:
        self._detected: Detected | None = detected
        self._data: dict[str, Any] | None = None

    def _dict(self) -> dict[str, Any]:
        data = self._data
        if data is None:
            assert self._detected is not None
            found = self._detected.detection()
            data = self._data = {"score": found.score, **found.evidence_dict()}
            self._detected = None
        return data

    def __getitem__(self, key: str) -> Any:
        return self._dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __eq__(self, other: object) -> bool:
        return self._dict() == (dict(other) if isinstance(other, DetectionData) else other)

    def __repr__(self) -> str:
        return repr(self._dict())

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self._dict(),))


#: The built-in envelopes ready for the recognizer, with the registry's tuple they came
#: from (rebuilt should it ever change).
_BUILT_IN: list[tuple[tuple[Envelope, ...], Candidates, dict[Hashable, Detected]]] = []


def _built_in() -> Candidates:
    return _built_in_rankings()[0]


def _built_in_rankings() -> tuple[Candidates, dict[Hashable, Detected]]:
    """The built-in envelopes as candidates, and the rankings kept against them."""
    everything = envelopes()
    if _BUILT_IN and _BUILT_IN[0][0] is everything:
        return _BUILT_IN[0][1], _BUILT_IN[0][2]
    candidates = compile_plans([plan_for(e) for e in everything])
    rankings: dict[Hashable, Detected] = {}
    _BUILT_IN[:] = [(everything, candidates, rankings)]
    return candidates, rankings


def _is_record(value: Any) -> bool:
    return isinstance(value, Response) or (
        isinstance(value, Mapping) and "status" in value and ("body" in value or "headers" in value)
    )
