"""Checking responses: transport → envelope → canonical schema → profile → HTTP rules.

``iter_findings()`` is the primitive; ``check_response()``, ``is_valid()``, the CLI and the
pytest plugin are views of it. The rules live in :mod:`errspec._rules`, what applies to
an envelope in its :class:`~errspec._plan.Plan`, detection in :mod:`errspec._detect`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ._adapters import checked
from ._config import Config, configured
from ._detect import Detected, DetectionData, detected, detected_body
from ._findings import Finding, Report
from ._http import NO_BODY, Response, media_type, parsed, plain_headers
from ._inputs import MAX_HEADERS, response_from_record
from ._plan import Plan, echo_typed, plan_for
from ._pointer import values
from ._recognize import not_recognised
from ._registry import Envelope, get_envelope, remembered
from ._rules import (
    Context,
    body_rules,
    echo_status,
    header_rules,
    http_header_rules,
    leak_strings,
    media_type_rule,
    no_json_message,
    quiet,
    quiet_parts,
    schema_findings,
)
from ._spec import Operation, Spec, load_spec

__all__ = ["check_response", "is_valid", "iter_findings"]

EnvelopeSpec = str | Path | Envelope
SpecArg = str | Path | Spec | None
OperationArg = str | tuple[str, str] | Operation | None


def _resolve_envelope(envelope: EnvelopeSpec) -> Envelope | None:
    if type(envelope) is str:  # the common case, an id (get_envelope remembers it) or "auto"
        if envelope == "auto":
            return None
        known = remembered(envelope)
        if known is not None:
            return known
        if envelope.strip().lower() == "auto":
            return None
        return get_envelope(envelope)
    if isinstance(envelope, Envelope):
        return envelope
    if not isinstance(envelope, str | Path):
        raise TypeError(
            "envelope is an envelope id or alias, a path to an envelope folder, an Envelope "
            f"or 'auto', not {type(envelope).__name__}"
        )
    if isinstance(envelope, str) and envelope.strip().lower() == "auto":
        return None
    return get_envelope(envelope)


def _arguments(spec: Any, operation: Any, source: Any = None) -> None:
    """``TypeError`` for arguments of the wrong type, before any work."""
    if source is not None and not isinstance(source, str):
        raise TypeError(f"source is a str naming the response, not {type(source).__name__}")
    if spec is not None and not isinstance(spec, str | Path | Spec | Mapping):
        raise TypeError(
            "spec is the path or text of an OpenAPI document, a mapping (app.openapi()) or a "
            f"Spec, not {type(spec).__name__}"
        )
    pair = (
        isinstance(operation, tuple)
        and len(operation) == 2
        and all(isinstance(part, str) for part in operation)
    )
    if operation is not None and not (pair or isinstance(operation, str | Operation)):
        shown = repr(operation) if len(repr(operation)) <= 60 else type(operation).__name__
        raise TypeError(
            "operation is 'METHOD /path', an operationId, a (method, path) pair or an "
            f"Operation, not {shown}"
        )


def _run(
    response: Response,
    env: Envelope | None,
    detection: Detected | None,
    given: bool | None = None,
    strict: bool = False,
    strings: list[str] | None = None,
) -> Iterator[Finding]:
    """The pipeline. ``detection`` is set when the envelope was detected, not given.
    ``given`` (default: no detection) says the caller named the envelope: then any body
    of it in a success response counts as an error body; otherwise (detected, or the
    spec's envelope) only one that says so itself. ``strings``: the body's strings, when
    :func:`_conforming` has judged the response and found it wanting (then a valid body
    does not ask :func:`~errspec._rules.quiet` again)."""
    if given is None:
        given = detection is None
    status = response.status
    if env is None:
        if status < 400:
            said = _says_error(response) if response.has_json_body else None
            if said is not None:
                yield Finding(
                    "error-with-success-status",
                    "error",
                    f"an error body ({said}) is sent with HTTP {status}; "
                    "errors need a 4xx or 5xx status (RFC 9110 §15)",
                )
            return
        if response.has_json_body and detection is not None and detection.envelope is None:
            closest = detection.scores[0] if detection.scores else None
            near = (
                f" (closest: {closest[0]}, score {closest[1]:.2f})"
                if closest and closest[1]
                else ""
            )
            yield Finding(
                "envelope-unknown", "error", f"the body fits none of errspec's envelopes{near}"
            )
        elif not response.has_json_body and not _bodiless(response):
            yield Finding("body-not-json", "error", no_json_message(response))
        yield from http_header_rules(response)
        return
    plan = plan_for(env, strict)
    if status >= 400 and response.has_json_body:
        body = response.body
        valid = plan.is_valid(body)
        media = response.media_type
        # named (or the spec's): an open schema may still not fit
        why = not_recognised(plan, body, media) if valid and detection is None else None
        if valid and why is None and strings is None and quiet(plan, response, media):
            return  # the common case: every rule would find nothing
    ctx = Context(plan, response, response.body, env.id, strings)
    if status < 400:
        # A success or redirect response: only an error body in it is a problem.
        looks = _looks_like_error if given else _surely_error
        if not response.has_json_body:
            return
        # The envelope's own members, or else members that say "error" in any envelope.
        said = env.id if looks(plan, response.body) else _says_error(response)
        if said is not None:
            yield ctx.finding(
                "error-with-success-status",
                f"an error body ({said}) is sent with HTTP {status}; "
                "errors need a 4xx or 5xx status (RFC 9110 §15)",
            )
            for rule in body_rules(plan):
                yield from rule(ctx)
        return
    if response.headers_known:
        yield from media_type_rule(ctx)
    if not response.has_json_body:
        if not _bodiless(response):
            yield ctx.finding("body-not-json", no_json_message(response))
        if response.headers_known:
            yield from header_rules(ctx)
        return
    if not valid:
        yield from schema_findings(ctx)
    elif why is not None:
        yield ctx.finding("envelope-schema", why)
    for rule in body_rules(plan):
        yield from rule(ctx)
    if response.headers_known:
        yield from header_rules(ctx)


def _surely_error(plan: Plan, body: Any) -> bool:
    """With a detected envelope, a success body counts as an error body only when it says
    so itself: a status echo of 400 or more, or a catalogued error code. (An ordinary
    ``{"type": "task", "title": …}`` fits the open problem-details schema.)"""
    if plan.echo is not None:
        for value in values(body, plan.echo):
            said = echo_status(plan, value)
            if said is not None and said >= 400:
                return True
    if plan.code is not None:
        for value in values(body, plan.code):
            if isinstance(value, str) and value in plan.catalogue:
                return True
    return False


#: Members of a GraphQL response (GraphQL spec §7.1) and of one of its errors (§7.1.2).
_GRAPHQL = frozenset({"data", "errors", "extensions"})
_GRAPHQL_ERROR = frozenset({"message", "locations", "path", "extensions"})
#: Members an error envelope may carry beside a top-level ``error`` object (flags, status,
#: ids, a null ``data``); any other member makes the body a resource that has an ``error``
#: (``{"id": "job_1", "status": "failed", "error": {…}}`` read with a 200 is a success).
_BESIDE_ERROR = frozenset(
    {
        "ok", "success", "error", "errors", "data", "status", "code", "message", "type",
        "meta", "details", "request_id", "requestId", "trace_id", "traceId", "timestamp",
    }
)  # fmt: skip


def _says_error(response: Response) -> str | None:
    """What makes a body an error body whatever its envelope, if it says so itself: the
    member that says it (``"ok": false``), or None. Used for 1xx-3xx responses.

    ``"ok": false`` (Slack) and ``"success": false`` are flags; a top-level ``error``
    object with only envelope members beside it; a non-empty ``errors`` array without
    ``data`` (or ``data: null``). A GraphQL response is judged by GraphQL over HTTP: with
    ``data`` it is a (partial) success, and a request error (no ``data``) is sent with
    200 when the response is ``application/json``, so only an
    ``application/graphql-response+json`` one without ``data`` is an error body."""
    body = response.body
    if not isinstance(body, dict):
        return None
    for flag in ("ok", "success"):
        if body.get(flag) is False:
            return f'"{flag}": false'
    error = body.get("error")
    if (
        isinstance(error, dict)
        and error
        and body.get("data") is None
        and all(k in _BESIDE_ERROR or v is None for k, v in body.items())
    ):
        return 'an "error" object'
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors or body.get("data") is not None:
        return None
    if not all(k in _BESIDE_ERROR or v is None for k, v in body.items()):
        return None  # {"results": [...], "errors": [...]}: a batch's partial success
    graphql = set(body) <= _GRAPHQL and all(
        isinstance(e, dict) and isinstance(e.get("message"), str) and set(e) <= _GRAPHQL_ERROR
        for e in errors
    )
    if graphql and ("data" in body or response.media_type != "application/graphql-response+json"):
        return None
    return 'an "errors" array and no "data"'


def _bodiless(response: Response) -> bool:
    """A response that never has a body: to a HEAD request (RFC 9110 §9.3.2)."""
    return (response.method or "").upper() == "HEAD" and response.body_text is None


def _looks_like_error(plan: Plan, body: Any) -> bool:
    """An error body of this envelope in a non-error response: it carries the envelope's
    code or status echo (``{"ok": false, "error": "invalid_auth"}`` is an error-string
    body; ``{"id": 1, "title": "x"}`` fits the open problem-details schema but is not)."""
    if plan.code is None and plan.echo is None:
        return bool(plan.is_valid(body))
    if plan.code is not None and any(isinstance(v, str) for v in values(body, plan.code)):
        return True
    return plan.echo is not None and any(echo_typed(plan, v) for v in values(body, plan.echo))


def _contract(
    r: Response, spec: SpecArg, operation: OperationArg
) -> tuple[Spec | None, Operation | None, list[Finding]]:
    """The spec, the operation the response is for, and the contract findings."""
    if spec is None:
        if operation is not None:
            raise TypeError("operation= needs spec= (the OpenAPI document it is in)")
        return None, None, []
    loaded = spec if isinstance(spec, Spec) else load_spec(spec)
    if isinstance(operation, Operation):
        op: Operation | None = operation
    elif operation is not None:
        op = loaded.operation(operation)
    else:
        op = loaded.match(r.method, r.url)
    if op is None:
        if r.method and r.url:
            what = f"{r.method.upper()} {r.url} matches no operation in {loaded.path.name}"
        else:
            what = "the response records no request (method and URL) to match an operation by"
        hint = "" if r.method and r.url else "; name one with --operation (operation= in Python)"
        return loaded, None, [Finding("operation-unmatched", "warning", what + hint)]
    return loaded, op, list(loaded.findings(r, op))


def _envelope_for(
    r: Response, envelope: EnvelopeSpec, spec: Spec | None, made: Detected | None = None
) -> tuple[Envelope | None, Detected | None, bool]:
    """The envelope given, else the spec's, else the detected one (with the detection;
    ``made``, when :func:`_conforming` has made it for this response), and whether it
    was given."""
    env = _resolve_envelope(envelope)
    if env is not None:
        return env, None, True
    if spec is not None and spec.envelope is not None:
        return spec.envelope, None, False
    detection = None
    if r.has_json_body:
        detection = made if made is not None else detected(r)
        if detection.envelope is not None:
            env = get_envelope(detection.envelope)
    return env, detection, False


def iter_findings(
    response: Any,
    envelope: EnvelopeSpec = "auto",
    *,
    spec: SpecArg = None,
    operation: OperationArg = None,
    strict: bool = False,
) -> Iterator[Finding]:
    """Every finding for one response, in pipeline order. The primitive all views share.

    ``response`` is a record dict, an errspec ``Response`` or an HTTP library response;
    ``envelope`` an id, alias, path to an envelope folder, an ``Envelope``, or ``"auto"``.
    With ``spec`` (a path or a :class:`~errspec.Spec`), the response is also checked
    against the operation ``operation`` (``("GET", "/tasks/{id}")``, ``"GET /tasks/{id}"``
    or an operationId; by default the one its request's method and URL match).
    """
    _arguments(spec, operation)
    env_arg = _resolve_envelope(envelope)
    r = checked(response)
    loaded, _, contract = _contract(r, spec, operation)
    yield from contract
    env, detection, given = _envelope_for(r, envelope if env_arg is None else env_arg, loaded)
    yield from _run(r, env, detection, given, strict)


def check_response(
    response: Any,
    envelope: EnvelopeSpec = "auto",
    *,
    source: str | None = None,
    spec: SpecArg = None,
    operation: OperationArg = None,
    config: Config | None = None,
    strict: bool | None = None,
) -> Report:
    """Check one response; the report says ``.conforms``, ``.envelope`` and ``.findings``.

    ``spec`` and ``operation`` add the operation's contract (see :func:`iter_findings`);
    with ``envelope="auto"`` the spec's envelope is used when it has one. ``config`` (a
    loaded ``[tool.errspec]``, as every door of errspec finds it) applies its rule
    severities, rules switched off and ignores, as ``errspec lint`` does. ``strict``
    (default: the configuration's ``strict``, else false) reports the requirements
    errspec inferred beyond the envelope's source too, as warnings that say so.
    """
    if config is not None and not isinstance(config, Config):
        raise TypeError(f"config is an errspec configuration, not {type(config).__name__}")
    if spec is not None or operation is not None or source is not None:
        _arguments(spec, operation, source)
    env_arg = _resolve_envelope(envelope)
    made: Detected | None = None
    strings: list[str] | None = None
    if spec is None and operation is None:
        if strict is None:
            strict = config.strict if config is not None else False
        quick = _conforming(response, env_arg, strict, source)
        if isinstance(quick, Report):
            return quick if config is None else configured(quick, config)
        if isinstance(quick, _Judged):  # not conforming: the general way says why
            made, strings = quick
    if strings is not None and type(response) is dict:
        # judged by the one pass: a record of plain JSON data, its fields read once more
        r = parsed(response_from_record(response, source or "<record>"))
    else:
        r = checked(response, source)
    loaded: Spec | None = None
    op: Operation | None = None
    contract: list[Finding] = []
    if spec is not None or operation is not None:
        loaded, op, contract = _contract(r, spec, operation)
    env: Envelope | None
    if env_arg is not None:
        env, detection, given = env_arg, None, True
    else:
        env, detection, given = _envelope_for(r, envelope, loaded, made)
    if strict is None:
        strict = config.strict if config is not None else False
    findings = tuple(_run(r, env, detection, given, strict, strings))
    report = _report(
        source=r.source,
        envelope=env.id if env else None,
        findings=(*contract, *findings) if contract else findings,
        status=r.status,
        detection_score=detection.score if detection else None,
        kind="response",
        notes=_tied(detection),
        operation=str(op) if op is not None else None,
        # the recognizer's evidence, judged when first read (never, by a summary)
        detection=DetectionData(detection) if detection else None,
    )
    return report if config is None else configured(report, config)


def _tied(detection: Detected | None) -> tuple[str, ...]:
    """The report's note on a detection decided by priority between equal scores."""
    if detection is None or detection.envelope is None or not detection.tied_with:
        return ()
    tied = ", ".join(detection.tied_with)
    return (f"{detection.envelope} tied with {tied} (chosen by priority)",)


class _Unjudged:
    """What :func:`_conforming` gives for a response off its common case."""


_UNJUDGED = _Unjudged()


class _Judged(NamedTuple):
    """What :func:`_conforming` gives for a response it judged and found wanting: the
    detection it made (``None`` for a named envelope) and the body's strings
    (:func:`~errspec._rules.leak_strings`), for the general way to use."""

    detection: Detected | None
    strings: list[str]


def _conforming(
    response: Any, env: Envelope | None, strict: bool, source: str | None
) -> Report | _Judged | _Unjudged:
    """The report of an error response that conforms to its envelope (``env``, else the
    one detected), judged in one pass without building a :class:`Response` for a record.
    Any other response takes the general way (:func:`checked`, :func:`_run`), where every
    problem is found and said. The common case of a contract
    test or a log: an error response with a body of plain JSON data, headers as a dict
    of strings, and nothing to find. It asks what :func:`_run` asks of it (the schema,
    :func:`not_recognised` for a named envelope, :func:`~errspec._rules.quiet_parts`),
    so the report is the one the general way gives. A response it judged and found
    wanting gives what it learnt (:class:`_Judged`); one off the common case gives
    :data:`_UNJUDGED`."""
    parts = _error_parts(response, source)
    if parts is None:
        return _UNJUDGED
    status, lower, known, body, strings, source = parts
    media = media_type(lower.get("content-type"))
    detection = None
    if env is None:
        detection = detected_body(body, media)
        if detection.envelope is None:
            return _Judged(detection, strings)  # (envelope-unknown)
        env = get_envelope(detection.envelope)
    plan = plan_for(env, strict)
    if (
        not plan.is_valid(body)
        or (detection is None and not_recognised(plan, body, media) is not None)
        or not quiet_parts(plan, status, body, lower if known else None, media, strings)
    ):
        return _Judged(detection, strings)
    if detection is not None:
        return _report(
            source=source,
            envelope=env.id,
            findings=(),
            status=status,
            detection_score=detection.score,
            kind="response",
            notes=_tied(detection),
            operation=None,
            detection=DetectionData(detection),
        )
    if source != "<record>":
        return _named_conforming(source, env.id, status)
    # Reports are immutable: every conforming record of an envelope and status, unnamed,
    # has the same one.
    key = (env.id, status)
    report = _CONFORMING.get(key)
    if report is None:
        report = _named_conforming(source, *key)
        if len(_CONFORMING) < _MAX_CONFORMING:
            _CONFORMING[key] = report
    return report


def _error_parts(
    response: Any, source: str | None
) -> tuple[int, dict[str, str], bool, Any, list[str], str] | None:
    """An error response of the common case in parts: its status, headers by lower-case
    name, whether headers were recorded, its body, the body's strings
    (:func:`~errspec._rules.leak_strings`) and its source. ``None`` for anything else: a
    record other than a dict with an error status, a body of plain JSON data and
    headers as a dict of strings; a :class:`Response` :func:`checked` has not passed."""
    if type(response) is dict:
        status = response.get("status")
        if type(status) is not int or not 400 <= status <= 599 or "body" not in response:
            return None
        if "body_text" in response or "request" in response:  # (others are not read)
            return None
        method, url = response.get("method"), response.get("url")
        if not ((method is None or type(method) is str) and (url is None or type(url) is str)):
            return None
        lower = plain_headers(response.get("headers"))
        if lower is None or len(lower) > MAX_HEADERS:
            return None
        body = response["body"]
        known = "headers" in response
        source = source or "<record>"
    elif type(response) is Response and response._checked:
        status, body = response.status, response.body
        if status < 400 or body is NO_BODY:
            return None
        lower, known, source = response._lower, response.headers_known, response.source
    else:
        return None
    strings = leak_strings(body)  # None: not plain JSON data, or a member to report
    if strings is None:
        return None
    return status, lower, known, body, strings, source


def _named_conforming(source: str, envelope: str, status: int) -> Report:
    """The report of a response that conforms to ``envelope``, named: no finding."""
    return _report(
        source=source,
        envelope=envelope,
        findings=(),
        status=status,
        detection_score=None,
        kind="response",
        notes=(),
        operation=None,
        detection=None,
    )


_CONFORMING: dict[tuple[str, int], Report] = {}
_MAX_CONFORMING = 4096


#: Report's fields, in order, when it can be built from them alone (no __post_init__).
_REPORT_FIELDS = (
    None
    if hasattr(Report, "__post_init__")
    else tuple(f.name for f in dataclasses.fields(Report) if f.init)
)


def _report(**values: Any) -> Report:
    """``Report(**values)`` given every field: the same object, built without the frozen
    dataclass's ``__init__`` (which sets each field through ``object.__setattr__``; a
    third of a valid response's check). Falls back to the constructor should Report ever
    validate or derive a field (``__post_init__``) or gain one."""
    if _REPORT_FIELDS is None or tuple(values) != _REPORT_FIELDS:
        return Report(**values)
    report = object.__new__(Report)
    report.__dict__.update(values)
    return report


def is_valid(
    response: Any,
    envelope: EnvelopeSpec = "auto",
    *,
    spec: SpecArg = None,
    operation: OperationArg = None,
) -> bool:
    """Whether a response has no error-level finding."""
    return not any(
        f.severity == "error"
        for f in iter_findings(response, envelope, spec=spec, operation=operation)
    )
