"""Cheap detection decides as judging every envelope did, and shows the same evidence.

:func:`errspec._recognize.rank` judges only the envelopes a shape does not rule out
(:func:`~errspec._recognize._matches`), best bound first, skipping those whose bound is
below the best score; the rest of the evidence is judged when read
(:meth:`~errspec._recognize.Ranking.recognition`, :class:`errspec._detect.Detected`,
:class:`errspec._detect.DetectionData`). Each shortcut is checked here against judging
everything, on every shipped example body, bodies made from them and envelope schemas.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
import random
from collections.abc import Sequence
from typing import Any

import pytest

import errspec
from errspec import _detect
from errspec._detect import Detected, DetectionData, detected, detected_body
from errspec._inputs import response_from_record
from errspec._plan import Plan, all_plans, plan_for
from errspec._recognize import (
    RECOGNITION_THRESHOLD,
    Recognition,
    Shape,
    _accepts,
    _bound,
    _compiled,
    _judge,
    _matches,
    body_key,
    compatible,
    compile_plans,
    envelope_shape,
    rank,
    rank_as,
    recognize,
    shape_of_body,
)

MEDIA = [
    None,
    "application/json",
    "application/problem+json",
    "application/vnd.api+json",
    "application/foo+json",
    "text/plain",
]


def _eager(shape: Shape, plans: Sequence[Plan], media: str | None) -> Recognition:
    """The recognizer as it was: every envelope judged, then ranked."""
    compiled = [_compiled(p) for p in plans]
    judged = [_judge(c, shape, media) for c in compiled]
    order = sorted(
        range(len(compiled)),
        key=lambda i: (-judged[i].score, -compiled[i].priority, compiled[i].id),
    )
    ranked = tuple(judged[i] for i in order)
    scores = tuple((e.envelope, e.score) for e in ranked)
    if not ranked:
        return Recognition(None, 0.0, None, 0.0, (), (), ())
    best = ranked[0]
    closest = best.envelope if best.score > 0 else None
    if best.score < RECOGNITION_THRESHOLD:
        return Recognition(None, best.score, closest, best.score, (), scores, ranked)
    tied = tuple(e.envelope for e in ranked[1:] if e.score == best.score)
    return Recognition(best.envelope, best.score, best.envelope, best.score, tied, scores, ranked)


def _bodies() -> list[Any]:
    bodies = [
        ex.data["body"] for env in errspec.envelopes() for ex in env.examples() if "body" in ex.data
    ]
    rng = random.Random(20261207)
    made: list[Any] = []
    values: list[Any] = [1, "s", "NOT_FOUND", None, True, [], {}, [1, "a"], {"code": "X"}, 2.5]
    for body in bodies:
        if not isinstance(body, dict):
            continue
        for _ in range(4):
            new = json.loads(json.dumps(body))
            key = rng.choice(sorted(new)) if new else "x"
            step = rng.randrange(6)
            if step == 0:
                new.pop(key, None)
            elif step == 1:
                new[key] = rng.choice(values)
            elif step == 2:
                new = {"error": new}
            elif step == 3:
                new["errors"] = [dict(new), {"status": "400", "code": "E"}]
            elif step == 4:
                new.update({f"k{i}": i for i in range(70)})  # past the members sampled
            else:
                new["error/code"] = "X"  # a name that reads as a path
            made.append(new)
    odd: list[Any] = [
        {},
        [],
        "text",
        None,
        {"error": {"code": 1}},
        {"errors": []},
        {"errors": [[{"status": 1}]]},
        {"data": None, "error": {"code": 1, "message": "m"}},
        {"error": {"code": "A", "message": "m"}},  # error-object and odata alike
        {"\ud800": "x", "type": "\udc00", "title": "t"},
        {"type": "about:blank", "title": "Not Found", "status": 404.0},
    ]
    return bodies + made + odd


BODIES = _bodies()
SHAPES = [shape_of_body(b) for b in BODIES] + [
    envelope_shape(env.schema) for env in errspec.envelopes()
]


@pytest.mark.parametrize("media", MEDIA)
def test_rank_decides_as_judging_every_envelope(media: str | None) -> None:
    plans = all_plans()
    subsets = [plans, plans[2:6], plans[:1], [plans[3], plans[3]], []]
    for shape in SHAPES:
        for chosen in subsets:
            want = _eager(shape, chosen, media)
            ranking = rank(shape, compile_plans(chosen), media)
            assert (
                ranking.envelope,
                ranking.score,
                ranking.closest,
                ranking.closest_score,
                ranking.tied_with,
                ranking.evidence,
            ) == (want.envelope, want.score, want.closest, want.closest_score, want.tied_with,
                  want.evidence)  # fmt: skip
            assert ranking.scores == want.scores
            assert ranking.recognition() == want
            assert recognize(shape, chosen, media) == want
            # scores first, or the whole verdict first: the same
            again = rank(shape, compile_plans(chosen), media)
            assert again.recognition() == want
            assert again.scores == want.scores


@pytest.mark.parametrize("media", MEDIA)
def test_matches_is_what_judging_says(media: str | None) -> None:
    for shape in SHAPES:
        for plan in all_plans():
            c = _compiled(plan)
            judged = _judge(c, shape, media)
            matched = _matches(c, shape, media)
            if judged.ruled_out is not None:
                assert matched == -1, (c.id, judged)
                assert judged.score == 0.0
            else:
                assert matched == len(judged.matched), (c.id, judged)
                # the bound rank() skips by (less than its margin) is never below the score
                assert judged.score <= _bound(c, shape, media, matched) + 1e-6, (c.id, judged)


def _record_reports() -> list[tuple[dict[str, Any], errspec.Report]]:
    out = []
    for body in BODIES[:120]:
        for media in (None, "application/problem+json"):
            record: dict[str, Any] = {"status": 404, "body": body}
            if media:
                record["headers"] = {"Content-Type": media}
            out.append((record, errspec.check_response(record, "auto")))
    return out


def test_report_detection_is_the_detection_evidence() -> None:
    for record, report in _record_reports():
        if report.detection is None:
            continue
        full = errspec.detect(record)
        want = {"score": full.score, **full.evidence_dict()}
        assert isinstance(report.detection, DetectionData)
        assert report.detection == want
        assert want == report.detection
        assert dict(report.detection) == want
        assert list(report.detection) == list(want)
        assert repr(report.detection) == repr(want)
        assert json.dumps(dict(report.detection)) == json.dumps(want)
        assert report.detection_score == full.score


def test_report_detection_pickles_and_copies_as_a_dict() -> None:
    record = {"status": 404, "body": {"type": "about:blank", "title": "Not Found"}}
    report = errspec.check_response(record, "auto")
    want = dict(report.detection or {})
    for fresh in (
        errspec.check_response(record, "auto"),  # not read before pickling
        report,
    ):
        back = pickle.loads(pickle.dumps(fresh))
        assert type(back.detection) is dict
        assert back.detection == want
        assert back == fresh
    assert copy.deepcopy(errspec.check_response(record, "auto")).detection == want
    assert dataclasses.asdict(errspec.check_response(record, "auto"))["detection"] == want
    assert repr(errspec.check_response(record, "auto")) == repr(
        dataclasses.replace(report, detection=want)
    )


def test_detected_is_detect() -> None:
    for env in errspec.envelopes():
        for example in env.examples():
            record = {k: v for k, v in example.data.items() if k in ("status", "headers", "body")}
            response = response_from_record(record, "<r>")
            if not response.has_json_body:
                continue
            quick = detected(response)
            full = errspec.detect(record)
            assert (quick.envelope, quick.score, quick.tied_with) == (
                full.envelope,
                full.score,
                full.tied_with,
            )
            assert quick.scores == full.scores
            assert quick.detection() == full
            assert repr(quick.detection()) == repr(full)


def test_candidates_given_are_detected_alike() -> None:
    record = {"status": 404, "body": {"error": {"code": "NotFound", "message": "m"}}}
    envs = [errspec.get_envelope("odata"), errspec.get_envelope("error-object")]
    got = errspec.detect(record, candidates=envs)
    want = _eager(shape_of_body(record["body"]), [plan_for(e) for e in envs], None)
    assert (got.envelope, got.score, got.scores, got.tied_with) == (
        want.envelope,
        want.score,
        want.scores,
        want.tied_with,
    )
    assert got.evidence == want.judged
    empty = errspec.detect(record, candidates=[])
    assert (empty.envelope, empty.score, empty.scores, empty.evidence) == (None, 0.0, (), ())


def test_detected_evidence_waits_until_read() -> None:
    """A report's detection is judged when first read, not while checking."""
    record = {"status": 404, "body": {"code": "NOT_FOUND", "message": "No such thing"}}
    report = errspec.check_response(record, "auto")
    data = report.detection
    assert isinstance(data, DetectionData)
    assert data._data is None
    assert isinstance(data._detected, Detected)
    assert data["closest"] == "code-message"
    assert data._data is not None
    assert data._detected is None


def test_accepts_is_what_compatible_lets_stand() -> None:
    kinds = ["null", "boolean", "integer", "number", "string", "object", "array"]
    sets = [frozenset(k for n, k in enumerate(kinds) if mask >> n & 1) for mask in range(128)]
    for types in sets:
        accepts = _accepts(types)
        for seen in sets:
            old = bool(seen and types and seen.isdisjoint(types)) and not compatible(
                seen, types, lenient=True
            )
            assert old == bool(seen and accepts and seen.isdisjoint(accepts)), (seen, types)


def _fresh(body: Any, media: str | None) -> Detected:
    plans = [plan_for(e) for e in errspec.envelopes()]
    return rank_as(Detected, shape_of_body(body), compile_plans(plans), media)


def _same_ranking(kept: Detected, fresh: Detected) -> None:
    assert (kept.envelope, kept.score, kept.tied_with, kept.closest) == (
        fresh.envelope,
        fresh.score,
        fresh.tied_with,
        fresh.closest,
    )
    assert kept.scores == fresh.scores
    assert kept.detection() == fresh.detection()


def _reworded(body: Any, rng: random.Random) -> Any:
    """``body`` with every string but a code-like one (upper or snake case) reworded."""
    if isinstance(body, dict):
        return {k: _reworded(v, rng) for k, v in body.items()}
    if isinstance(body, list):
        return [_reworded(v, rng) for v in body]
    if isinstance(body, str) and not body.replace("_", "").isalnum():
        return f"{body} ({rng.randrange(10**6)})"
    return body


@pytest.mark.parametrize("media", MEDIA)
def test_kept_rankings_are_what_ranking_afresh_gives(media: str | None) -> None:
    """Every body, reworded copies of it and the bodies made from them, ranked in a
    shuffled order through the kept rankings, ranks as ranking it afresh does."""
    rng = random.Random(31)
    bodies = [*BODIES, *(_reworded(b, rng) for b in BODIES)]
    order = bodies * 2
    rng.shuffle(order)
    for body in order:
        _same_ranking(detected_body(body, media), _fresh(body, media))


def test_bodies_alike_but_for_their_words_share_a_ranking() -> None:
    a = {"code": "NOT_FOUND", "message": "No such order", "request_id": "r1"}
    b = {"code": "NOT_FOUND", "message": "No such user", "request_id": "r2"}
    assert detected_body(a, "application/json") is detected_body(b, "application/json")
    # what ranking reads makes another key: the code, a member, its place, a type, an
    # item, the media type
    candidates = _detect._built_in()
    for other, media in (
        ({**a, "code": "not_found"}, "application/json"),
        ({**a, "code": 404}, "application/json"),
        ({**a, "code": True}, "application/json"),
        ({**a, "details": []}, "application/json"),
        ({**a, "details": [1]}, "application/json"),
        ({"message": "m", "code": "NOT_FOUND", "request_id": "r1"}, "application/json"),
        ({**a, "request_id": 1}, "application/json"),
        ({**a, "request_id": None}, "application/json"),
        (a, "application/problem+json"),
        (a, None),
    ):
        assert body_key(other, candidates, media) != body_key(a, candidates, "application/json")
        _same_ranking(detected_body(other, media), _fresh(other, media))


def test_bodies_off_the_key_are_ranked_afresh() -> None:
    """A body that is not an object, or has too many objects and arrays, has no key."""
    candidates = _detect._built_in()
    many = {"errors": [{"code": "E", "meta": {}} for _ in range(40)]}
    for body in ([], "text", None, many):
        assert body_key(body, candidates, None) is None
        _same_ranking(detected_body(body, None), _fresh(body, None))
    few = {"errors": [{"code": "E", "meta": {}} for _ in range(3)]}
    assert body_key(few, candidates, None) is not None


@pytest.mark.parametrize("media", [None, "application/json"])
def test_equal_keys_mean_equal_shapes(media: str | None) -> None:
    """Bodies with one key have the shape ranking reads: every pair of bodies made here
    (shipped, reworded, made from them) with equal keys has equal paths, types and code
    values."""
    rng = random.Random(5)
    candidates = _detect._built_in()
    by_key: dict[Any, Shape] = {}
    for body in [*BODIES, *(_reworded(b, rng) for b in BODIES)]:
        key = body_key(body, candidates, media)
        if key is None:
            continue
        shape = shape_of_body(body)
        seen = by_key.setdefault(key, shape)
        assert (seen.paths, seen.types) == (shape.paths, shape.types)
        for c in candidates.compiled:
            if c.code is not None:
                assert seen.values.get(c.code) == shape.values.get(c.code)


def test_kept_rankings_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_detect, "MAX_RANKINGS", 3)
    _, rankings = _detect._built_in_rankings()
    for n in range(10):
        body = {"code": f"E{n}", "message": "m"}
        _same_ranking(detected_body(body, None), _fresh(body, None))
        assert len(rankings) <= 3
