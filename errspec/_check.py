"""Checking responses: transport → envelope → canonical schema → profile → HTTP rules.

``iter_findings()`` is the primitive; ``check_response()``, ``is_valid()``, the CLI and the
pytest plugin are views of it. Each rule is a small generator function over a
:class:`_Context`; which rules apply to an envelope is worked out once, in its
:class:`_Plan`, so a valid response pays only for the rules its envelope has.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from ._findings import RULES, Finding, Report, Severity
from ._http import NO_BODY, HTTPResponse, Response, headers_from, is_json_media_type
from ._http import parse_retry_after as _parse_retry_after
from ._inputs import decode_body, response_from_record
from ._pointer import compile_pointer, join, resolve, values
from ._profile import HeaderSpec
from ._registry import Envelope, envelopes, get_envelope

__all__ = [
    "Detection",
    "as_response",
    "check_response",
    "detect",
    "is_valid",
    "iter_findings",
]

#: At most this many `envelope-schema` findings per response (the rest are counted).
MAX_SCHEMA_FINDINGS = 10
#: At most this many `leaked-internals` findings per response.
MAX_LEAK_FINDINGS = 5
#: Detection: below this score no envelope is claimed.
DETECTION_THRESHOLD = 0.45

EnvelopeSpec = str | Path | Envelope

_CASING = {
    "snake_case": re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"),
    "UPPER_SNAKE_CASE": re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*"),
    "PascalCase": re.compile(r"[A-Z][a-zA-Z0-9]*"),
    "camelCase": re.compile(r"[a-z][a-zA-Z0-9]*"),
    "kebab-case": re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"),
}


# --- adapting inputs ---------------------------------------------------------------------


def as_response(response: Any, source: str | None = None) -> Response:
    """Adapt a response record (dict), a :class:`Response`, or any object with
    ``status_code``, ``headers`` and ``content`` (``requests``, ``httpx``, …)."""
    if isinstance(response, Response):
        return response
    if isinstance(response, Mapping):
        return response_from_record(response, source or "<record>")
    if isinstance(response, HTTPResponse):
        headers = headers_from(response.headers)
        lookup = Response(status=int(response.status_code), headers=headers)
        # requests and httpx have already undone Content-Encoding in `.content`.
        body, text, problem = decode_body(response.content, lookup.header("content-type"))
        method, url = _request_line(response)
        name = source or (f"{method} {url}" if method and url else "<response>")
        return Response(lookup.status, headers, body, text, problem, name, method, url)
    raise TypeError(
        "errspec checks a response record (dict), an errspec Response, or an HTTP library "
        f"response with status_code/headers/content, not {type(response).__name__}"
    )


def _request_line(response: Any) -> tuple[str | None, str | None]:
    try:
        request = response.request
    except Exception:  # httpx raises RuntimeError when the response has no request
        return None, None
    method = getattr(request, "method", None)
    url = getattr(request, "url", None) or getattr(response, "url", None)
    return (str(method) if method else None), (str(url) if url else None)


# --- plans: what applies to one envelope -------------------------------------------------


class _Plan:
    """Everything about an envelope that the rules need, computed once."""

    def __init__(self, envelope: Envelope) -> None:
        p = envelope.profile
        self.envelope = envelope
        self.id = envelope.id
        self.is_valid = envelope.fast_is_valid
        self.media_types = frozenset(p.media_types)
        self.media_level: Severity = p.media_type_level
        self.echo = None if p.status_echo is None else compile_pointer(p.status_echo.pointer)
        self.echo_type = p.status_echo.type if p.status_echo else None
        self.echo_most_general = bool(p.status_echo and p.status_echo.aggregate == "most-general")
        self.code = None if p.code is None else compile_pointer(p.code.pointer)
        self.casing = _CASING.get(p.code.format) if p.code else None
        self.code_format = p.code.format if p.code else None
        self.catalogue: Mapping[str, tuple[int, ...]] = p.code.catalogue if p.code else {}
        self.catalogue_open = p.code.open if p.code else True
        self.code_header = p.code.header if p.code else None
        self.conditional = [
            (compile_pointer(m.pointer), frozenset(m.only_for_status), m.level, m.pointer)
            for m in p.conditional_members
        ]
        self.retry_body = compile_pointer(p.retry_hint_pointer) if p.retry_hint_pointer else None
        self.markers = [compile_pointer(m) for m in p.markers]
        self.priority = p.priority
        self.declared = _declared_paths(envelope.schema)
        self._headers: dict[int, tuple[HeaderSpec, ...]] = {}
        self.rules = self._rules()

    def headers_for(self, status: int) -> tuple[HeaderSpec, ...]:
        cached = self._headers.get(status)
        if cached is None:
            cached = tuple(
                h for h in self.envelope.profile.headers_for(status) if h.level != "optional"
            )
            self._headers[status] = cached
        return cached

    def _rules(self) -> tuple[Callable[[_Context], Iterator[Finding]], ...]:
        rules: list[Callable[[_Context], Iterator[Finding]]] = []
        if self.echo is not None:
            rules.append(_status_mismatch)
        if self.code is not None:
            rules.append(_code_rules)
        if self.conditional:
            rules.append(_conditional_members)
        rules.append(_leaked_internals)
        return tuple(rules)


_plans: dict[int, _Plan] = {}
_plans_lock = threading.Lock()


def _plan(envelope: Envelope) -> _Plan:
    # Plans are cached per envelope object: built-in envelopes live as long as the process.
    plan = _plans.get(id(envelope))
    if plan is None or plan.envelope is not envelope:
        with _plans_lock:
            plan = _Plan(envelope)
            _plans[id(envelope)] = plan
    return plan


def _all_plans() -> list[_Plan]:
    return [_plan(e) for e in envelopes()]


# --- context and findings ----------------------------------------------------------------


@dataclass
class _Context:
    plan: _Plan
    response: Response
    body: Any
    envelope: str

    def finding(
        self, rule: str, message: str, pointer: str = "", severity: Severity | None = None
    ) -> Finding:
        return Finding(
            rule, severity or RULES[rule].severity, message, pointer, envelope=self.envelope
        )


# --- rules -------------------------------------------------------------------------------


def _status_mismatch(ctx: _Context) -> Iterator[Finding]:
    """status-mismatch: the body's status echo must equal the HTTP status."""
    plan = ctx.plan
    assert plan.echo is not None
    status = ctx.response.status
    found = values(ctx.body, plan.echo)
    if len(found) == 1 and found[0] == status and type(found[0]) is int:
        return  # the common case: one integer echo, equal to the status
    echoes: list[tuple[str, int]] = []
    for pointer, value in resolve(ctx.body, plan.echo):
        if plan.echo_type == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                echoes.append((pointer, value))
        elif isinstance(value, str) and value.isdigit() and len(value) == 3:
            echoes.append((pointer, int(value)))
    if not echoes:
        return
    distinct = {v for _, v in echoes}
    if plan.echo_most_general and len(echoes) > 1:
        allowed = distinct | {v // 100 * 100 for v in distinct}
        if status not in allowed:
            pointer = echoes[0][0]
            yield ctx.finding(
                "status-mismatch",
                f"HTTP status {status} is neither the errors' status "
                f"({', '.join(map(str, sorted(distinct)))}) nor the most general one for them",
                pointer,
            )
        return
    for pointer, value in echoes:
        if value != status:
            yield ctx.finding(
                "status-mismatch",
                f"body says status {value} but the HTTP status is {status}",
                pointer,
            )


def _code_rules(ctx: _Context) -> Iterator[Finding]:
    """code-format, code-status-mismatch, unknown-code, error-code-header-mismatch."""
    plan = ctx.plan
    assert plan.code is not None
    status = ctx.response.status
    codes = [c for c in values(ctx.body, plan.code) if isinstance(c, str)]
    if not codes:
        return  # no code, or one of the wrong type: the schema says so
    code = codes[0]  # the first code speaks for the response
    if (
        (plan.casing is None or plan.casing.fullmatch(code))
        and status in plan.catalogue.get(code, (status,) if plan.catalogue_open else ())
        and (plan.code_header is None or ctx.response.header(plan.code_header) in (None, code))
        and (code in plan.catalogue or not plan.catalogue)
    ):
        return  # the common case: nothing to report
    for pointer, code in resolve(ctx.body, plan.code):
        if not isinstance(code, str):
            continue
        if plan.casing is not None and not plan.casing.fullmatch(code):
            yield ctx.finding("code-format", f"code {code!r} is not {plan.code_format}", pointer)
            if plan.catalogue_open or not plan.catalogue:
                break  # an open catalogue: a mis-cased code is not also "unknown"
        statuses = plan.catalogue.get(code)
        if statuses is not None:
            if status not in statuses:
                expected = " or ".join(map(str, statuses))
                yield ctx.finding(
                    "code-status-mismatch",
                    f"code {code!r} goes with HTTP {expected}, not {status}",
                    pointer,
                )
        elif plan.catalogue:
            yield from _unknown_code(ctx, code, pointer)
        if plan.code_header:
            header = ctx.response.header(plan.code_header)
            if header is not None and header.strip() != code:
                yield ctx.finding(
                    "error-code-header-mismatch",
                    f"{plan.code_header} is {header.strip()!r} but the body's code is {code!r}",
                    f"header:{plan.code_header}",
                )
        break  # the first code speaks for the response


def _unknown_code(ctx: _Context, code: str, pointer: str) -> Iterator[Finding]:
    plan = ctx.plan
    near = next((c for c in plan.catalogue if c.lower() == code.lower()), None)
    hint = f"; did you mean {near!r}?" if near else ""
    if plan.catalogue_open:
        yield ctx.finding(
            "unknown-code",
            f"code {code!r} is not one of the {len(plan.catalogue)} {ctx.envelope} codes "
            f"errspec knows (custom codes are allowed){hint}",
            pointer,
            "warning",
        )
    else:
        yield ctx.finding(
            "unknown-code",
            f"code {code!r} is not in the closed {ctx.envelope} catalogue{hint}",
            pointer,
            "error",
        )


def _conditional_members(ctx: _Context) -> Iterator[Finding]:
    """conditional-member: members the profile allows only on some statuses."""
    status = ctx.response.status
    for segments, allowed, level, _ in ctx.plan.conditional:
        if status in allowed or not values(ctx.body, segments):
            continue
        for pointer, _value in resolve(ctx.body, segments):
            only = ", ".join(map(str, sorted(allowed)))
            yield ctx.finding(
                "conditional-member",
                f"{pointer} is only for status {only}, not {status}",
                pointer,
                level,
            )


_HEADER_RULES = {
    "retry-after": "retry-after-missing",
    "www-authenticate": "www-authenticate-missing",
}


def _header_rules(ctx: _Context) -> Iterator[Finding]:
    """retry-after-missing, www-authenticate-missing, header-missing, retry-after-invalid,
    retry-after-mismatch."""
    response = ctx.response
    for spec in ctx.plan.headers_for(response.status):
        if not response.has_header(spec.name):
            severity: Severity = "error" if spec.level == "required" else "warning"
            rule = _HEADER_RULES.get(spec.name.lower(), "header-missing")
            yield ctx.finding(
                rule,
                f"a {response.status} response should carry {spec.name}"
                if severity == "warning"
                else f"a {response.status} response must carry {spec.name}",
                f"header:{spec.name}",
                severity,
            )
    yield from _retry_after(ctx)


def _retry_after_syntax(response: Response, envelope: str | None) -> Iterator[Finding]:
    """retry-after-invalid: an HTTP rule, checked whatever the envelope."""
    value = response.header("retry-after")
    if value is not None and _parse_retry_after(value) is None:
        yield Finding(
            "retry-after-invalid",
            "error",
            f"Retry-After {value!r} is neither delay-seconds nor an HTTP-date (RFC 9110 §10.2.3)",
            "header:Retry-After",
            envelope,
        )


def _retry_after(ctx: _Context) -> Iterator[Finding]:
    value = ctx.response.header("retry-after")
    if value is None:
        return
    seconds = _parse_retry_after(value)
    if seconds is None:
        yield from _retry_after_syntax(ctx.response, ctx.envelope)
        return
    plan = ctx.plan
    if plan.retry_body is None or not isinstance(seconds, int) or ctx.body is NO_BODY:
        return
    if not values(ctx.body, plan.retry_body):
        return
    for pointer, hint in resolve(ctx.body, plan.retry_body):
        if isinstance(hint, int | float) and not isinstance(hint, bool) and hint != seconds:
            yield ctx.finding(
                "retry-after-mismatch",
                f"Retry-After says {seconds} s but the body says {hint}",
                pointer,
            )


# leaked-internals: each family has literal gates (cheap `in` tests over all the body's
# text at once) and a regex that runs only on the strings of a family whose gate opened.
# Valid bodies are the common case, and almost none opens a gate.
_LEAK_FAMILIES: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = [
    (
        "a Python traceback",
        ("Traceback", '", line '),
        re.compile(r'Traceback \(most recent call last\)|File "[^"\n]+", line \d+'),
    ),
    (
        "a stack frame",
        (".java:", ".kt:", ".scala:", ":line ", ".js:", ".ts:", ".mjs:", "goroutine ", ".php("),
        re.compile(
            r"\bat [\w$.]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)"  # Java
            r"|\) in [^\n]+:line \d+"  # .NET
            r"|\bat [^()\n]{1,200} \((?:/|[A-Za-z]:\\|file:)[^)\s]+:\d+:\d+\)"  # Node
            r"|goroutine \d+ \["  # Go
            r"|#\d+ \S+\.php\(\d+\)"  # PHP
        ),
    ),
    ("a PHP stack trace", ("Stack trace:",), re.compile(r"Stack trace:\s*#0")),
    (
        "an exception class name",
        (
            "Exception",
            "KeyError",
            "AttributeError",
            "ZeroDivisionError",
            "IndexError",
            "UnboundLocalError",
            "java.",
            "javax.",
            "System.",
            "Microsoft.",
            "psycopg2",
            "sqlalchemy",
            "django.",
            "werkzeug",
            "org.",
        ),
        re.compile(
            r"\b(?:java|javax|org|com|System|Microsoft|psycopg2|sqlalchemy|django|werkzeug)"
            r"\.[\w.]*?(?:Exception|Error)\b"
            r"|\b(?:NullPointerException|NullReferenceException|IllegalArgumentException"
            r"|IllegalStateException|ClassCastException|ArgumentNullException|KeyError"
            r"|AttributeError|ZeroDivisionError|IndexError|UnboundLocalError)\b"
        ),
    ),
    (
        "SQL",
        (
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "SQLSTATE",
            "ORA-",
            "syntax error",
            "duplicate key",
            "SQL syntax",
        ),
        re.compile(
            r"\bSELECT\s+[\w*.,\s\"`]+?\s+FROM\s+\w|\bINSERT\s+INTO\s+\w"
            r"|\bUPDATE\s+\w+\s+SET\s|\bDELETE\s+FROM\s+\w|SQLSTATE\[?\w|\bORA-\d{5}\b"
            r"|syntax error at or near|duplicate key value violates unique constraint"
            r"|error in your SQL syntax"
        ),
    ),
    (
        "a server file path",
        (
            "/home/",
            "/usr/",
            "/var/",
            "/opt/",
            "/srv/",
            "/root/",
            "/Users/",
            "/etc/",
            ":\\",
            ".py:",
            '.py"',
            ".rb:",
            ".go:",
            ".cs:",
            ".rs:",
            ".cpp:",
            ".pl:",
            ".ex:",
            ".exs:",
        ),
        re.compile(
            r"(?<![\w.:/])/(?:home|usr|var|opt|srv|root|Users|etc)/[\w.\-/]+"
            r"|\.(?:py|java|js|ts|rb|php|go|cs|rs|cpp|kt|scala|exs?|pl)(?::\d+|\", line \d+)"
            r"|\b[A-Za-z]:\\(?:[\w .\-]+\\)+"
        ),
    ),
]
_LEAK_KEYS = frozenset(
    {"stack", "stacktrace", "stack_trace", "backtrace", "traceback", "exception"}
)
_LEAK_KEY_SPELLINGS = frozenset(
    spelling
    for key in ("stack", "stack_trace", "backtrace", "traceback", "exception", "stacktrace")
    for spelling in (key, key.upper(), key.capitalize(), key.replace("trace", "Trace"))
) | {"StackTrace", "stackTrace", "Stack_Trace"}
_CONTAINERS = (str, dict, list)
_Path = tuple[Any, ...]  # (parent path, key): pointers are built only for findings


def _pointer_of(path: _Path | None) -> str:
    parts: list[str] = []
    while path is not None:
        path, key = path
        parts.append(str(key).replace("~", "~0").replace("/", "~1"))
    return "".join("/" + p for p in reversed(parts))


def _leaked_internals(ctx: _Context) -> Iterator[Finding]:
    """leaked-internals: stack traces, exception class names, SQL or server file paths,
    and members named like a stack trace."""
    found = 0
    strings: list[tuple[_Path | None, str]] = []
    todo: list[tuple[_Path | None, Any]] = [(None, ctx.body)]
    while todo:
        path, node = todo.pop()
        kind = type(node)
        if kind is str:
            if len(node) >= 8:
                strings.append((path, node))
        elif kind is dict:
            for key, value in node.items():
                if value and key in _LEAK_KEY_SPELLINGS and key.lower() in _LEAK_KEYS:
                    yield ctx.finding(
                        "leaked-internals",
                        f"the body has a member {key!r}",
                        _pointer_of((path, key)),
                    )
                    found += 1
                    if found >= MAX_LEAK_FINDINGS:
                        return
                elif type(value) in _CONTAINERS:
                    todo.append(((path, key), value))
        elif kind is list:
            todo.extend(((path, i), v) for i, v in enumerate(node))
    if not strings:
        return
    text = "\n".join([s for _, s in strings])
    open_families = []
    for family, gates, regex in _LEAK_FAMILIES:
        for gate in gates:
            if gate in text:
                open_families.append((family, regex))
                break
    if not open_families:
        return
    for path, value in reversed(strings):  # document order
        for family, regex in open_families:
            match = regex.search(value)
            if match is None:
                continue
            shown = match.group(0).strip()[:60]
            yield ctx.finding(
                "leaked-internals", f"the body shows {family} ({shown!r})", _pointer_of(path)
            )
            found += 1
            if found >= MAX_LEAK_FINDINGS:
                return
            break


def _schema_findings(ctx: _Context) -> Iterator[Finding]:
    """envelope-schema: what the canonical schema says is wrong, with a pointer each."""
    validator = ctx.plan.envelope.validator
    try:
        errors = sorted(validator.iter_errors(ctx.body), key=lambda e: list(e.absolute_path))
    except RecursionError:
        yield ctx.finding("envelope-schema", "the body is nested too deeply to validate")
        return
    for n, error in enumerate(errors):
        if n == MAX_SCHEMA_FINDINGS:
            yield ctx.finding("envelope-schema", f"… and {len(errors) - n} more schema errors", "")
            return
        detail = _explain(error)
        pointer = join(detail.absolute_path)
        message = _schema_message(detail)
        if detail.validator == "required":
            missing = _missing_member(detail)
            if missing is not None:
                pointer = f"{pointer}/{missing.replace('~', '~0').replace('/', '~1')}"
                message = f"missing required member {missing!r}"
        yield ctx.finding("envelope-schema", _one_line(message), pointer)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number" if isinstance(value, float) else "an integer"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _short_json(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _schema_message(error: ValidationError) -> str:
    """A JSON-worded message for the common keywords (jsonschema's are Python-worded)."""
    kind, instance = error.validator, error.instance
    value: Any = error.validator_value
    if kind == "type":
        types = [value] if isinstance(value, str) else list(value)
        return f"expected {' or '.join(types)}, got {_json_type(instance)}"
    if kind == "enum":
        return f"{_short_json(instance)} is not one of {_short_json(value, 100)}"
    if kind == "const":
        return f"must be {_short_json(value)}, not {_short_json(instance)}"
    if kind == "not":
        reason = value.get("description") if isinstance(value, dict) else None
        return f"forbidden here: {reason}" if reason else "matches a shape the envelope forbids"
    if kind == "minItems":
        return f"needs at least {value} item{'s' if value != 1 else ''}"
    if kind == "minProperties":
        return f"needs at least {value} member{'s' if value != 1 else ''}"
    if kind == "minLength":
        return "must not be empty" if value == 1 else f"must have at least {value} characters"
    if kind == "pattern":
        return f"{_short_json(instance)} does not match {value}"
    return error.message


def _explain(error: ValidationError) -> ValidationError:
    """The most telling sub-error of an anyOf/oneOf failure."""
    while error.context:
        best = best_match(error.context)
        if best is None:
            break
        error = best
    return error


_REQUIRED_MESSAGE = re.compile(r"^'(.+)' is a required property$", re.S)


def _missing_member(error: ValidationError) -> str | None:
    match = _REQUIRED_MESSAGE.match(error.message)
    if match:
        return match.group(1)
    instance = error.instance
    if isinstance(instance, dict) and isinstance(error.validator_value, list):
        for name in error.validator_value:
            if name not in instance:
                return str(name)
    return None


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- detection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Detection:
    """Which envelope a body is in: the best ``envelope`` (or ``None``) with its ``score``
    (0-1), every candidate's score, and the envelopes it tied with (decided by priority)."""

    envelope: str | None
    score: float
    scores: tuple[tuple[str, float], ...]
    tied_with: tuple[str, ...] = ()


def _declared_paths(schema: Mapping[str, Any], depth: int = 3) -> frozenset[str]:
    """Member paths a schema declares, down to ``depth`` (``/error/code``; ``*`` for items)."""
    defs = schema.get("$defs", {})
    out: set[str] = set()
    todo: list[tuple[str, Any, int]] = [("", schema, 0)]
    seen: set[tuple[str, int]] = set()
    while todo:
        where, node, level = todo.pop()
        if not isinstance(node, Mapping) or level > depth:
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            key = (where + "@" + ref, level)
            if key not in seen:
                seen.add(key)
                todo.append((where, defs.get(ref.split("/")[-1], {}), level))
        for keyword in ("allOf", "anyOf", "oneOf"):
            todo.extend((where, sub, level) for sub in node.get(keyword, ()))
        for name, sub in node.get("properties", {}).items():
            path = f"{where}/{name}"
            out.add(path)
            todo.append((path, sub, level + 1))
        if isinstance(node.get("items"), Mapping):
            todo.append((f"{where}/*", node["items"], level))
    return frozenset(out)


_REQUIRED_TOP_LEVEL: dict[str, frozenset[str]] = {}


def _required_elsewhere() -> frozenset[str]:
    """Top-level members that some envelope requires (``data``, ``errors``, ``error``, …)."""
    known = _REQUIRED_TOP_LEVEL.get("all")
    if known is None:
        known = frozenset(m for e in envelopes() for m in e.schema.get("required", ()))
        _REQUIRED_TOP_LEVEL["all"] = known
    return known


def _fit(plan: _Plan, body: Mapping[str, Any]) -> float:
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


def _score(plan: _Plan, body: Any, media: str | None) -> float:
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
        score += 0.25 / (1 + plan.envelope.fast_error_count(body))
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


def _echo_typed(plan: _Plan, value: Any) -> bool:
    if plan.echo_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


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
        body, media = response, None
    else:
        r = as_response(response)
        body, media = r.body, r.media_type
    plans = [_plan(e) for e in candidates] if candidates is not None else _all_plans()
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


# --- the pipeline ------------------------------------------------------------------------


def _resolve_envelope(envelope: EnvelopeSpec) -> Envelope | None:
    if isinstance(envelope, Envelope):
        return envelope
    if isinstance(envelope, str) and envelope.strip().lower() == "auto":
        return None
    return get_envelope(envelope)


def _run(
    response: Response, env: Envelope | None, detection: Detection | None
) -> Iterator[Finding]:
    """The pipeline. ``detection`` is set when the envelope was detected, not given."""
    status = response.status
    if env is None:
        if status < 400:
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
            yield Finding("body-not-json", "error", _no_json_message(response))
        yield from _retry_after_syntax(response, None)
        return
    plan = _plan(env)
    ctx = _Context(plan, response, response.body, env.id)
    if status < 400:
        # A success or redirect response: only an error body in it is a problem.
        looks = _looks_like_error if detection is None else _surely_error
        if response.has_json_body and looks(plan, response.body):
            yield ctx.finding(
                "error-with-success-status",
                f"an error body ({env.id}) is sent with HTTP {status}; "
                "errors need a 4xx or 5xx status (RFC 9110 §15)",
            )
            for rule in plan.rules:
                yield from rule(ctx)
        return
    if response.headers_known:
        yield from _media_type(ctx)
    if not response.has_json_body:
        if not _bodiless(response):
            yield ctx.finding("body-not-json", _no_json_message(response))
        if response.headers_known:
            yield from _header_rules(ctx)
        return
    if not plan.is_valid(response.body):
        yield from _schema_findings(ctx)
    for rule in plan.rules:
        yield from rule(ctx)
    if response.headers_known:
        yield from _header_rules(ctx)


def _surely_error(plan: _Plan, body: Any) -> bool:
    """With a detected envelope, a success body counts as an error body only when it says
    so itself: a status echo of 400 or more, or a catalogued error code. (An ordinary
    ``{"type": "task", "title": …}`` fits the open problem-details schema.)"""
    if plan.echo is not None:
        for value in values(body, plan.echo):
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if _echo_typed(plan, value) and isinstance(value, int) and value >= 400:
                return True
    if plan.code is not None:
        for value in values(body, plan.code):
            if isinstance(value, str) and value in plan.catalogue:
                return True
    return False


def _bodiless(response: Response) -> bool:
    """A response that never has a body: to a HEAD request (RFC 9110 §9.3.2)."""
    return (response.method or "").upper() == "HEAD" and response.body_text is None


def _looks_like_error(plan: _Plan, body: Any) -> bool:
    """An error body of this envelope in a non-error response: it carries the envelope's
    code or status echo (``{"ok": false, "error": "invalid_auth"}`` is an error-string
    body; ``{"id": 1, "title": "x"}`` fits the open problem-details schema but is not)."""
    if plan.code is None and plan.echo is None:
        return bool(plan.is_valid(body))
    if plan.code is not None and any(isinstance(v, str) for v in values(body, plan.code)):
        return True
    return plan.echo is not None and any(_echo_typed(plan, v) for v in values(body, plan.echo))


def _no_json_message(response: Response) -> str:
    media = response.media_type
    problem = response.body_problem or "the body is not JSON"
    if media is not None and not is_json_media_type(media) and problem.startswith("not JSON"):
        return f"the body is {media}, not JSON"
    return f"{problem} ({media or 'no Content-Type'})"


def _media_type(ctx: _Context) -> Iterator[Finding]:
    """media-type: the Content-Type must be the envelope's (or at least JSON)."""
    media = ctx.response.media_type
    plan = ctx.plan
    if media in plan.media_types:
        return
    expected = " or ".join(sorted(plan.media_types))
    if media is None:
        if ctx.response.has_json_body:
            yield ctx.finding(
                "media-type",
                f"no Content-Type; expected {expected}",
                "header:Content-Type",
                "warning",
            )
        return
    if not is_json_media_type(media):
        if ctx.response.has_json_body or ctx.response.body_text:
            yield ctx.finding(
                "media-type", f"Content-Type is {media}, not {expected}", "header:Content-Type"
            )
        return
    yield ctx.finding(
        "media-type",
        f"Content-Type is {media}, not {expected}",
        "header:Content-Type",
        plan.media_level,
    )


def iter_findings(response: Any, envelope: EnvelopeSpec = "auto") -> Iterator[Finding]:
    """Every finding for one response, in pipeline order. The primitive all views share.

    ``response`` is a record dict, an errspec ``Response`` or an HTTP library response;
    ``envelope`` an id, alias, path to an envelope folder, an ``Envelope``, or ``"auto"``.
    """
    r = as_response(response)
    env = _resolve_envelope(envelope)
    detection = None
    if env is None and r.has_json_body:
        detection = detect(r)
        if detection.envelope is not None:
            env = get_envelope(detection.envelope)
    yield from _run(r, env, detection)


def check_response(
    response: Any, envelope: EnvelopeSpec = "auto", *, source: str | None = None
) -> Report:
    """Check one response; the report says ``.conforms``, ``.envelope`` and ``.findings``."""
    r = as_response(response, source)
    env = _resolve_envelope(envelope)
    detection = None
    notes: list[str] = []
    if env is None and r.has_json_body:
        detection = detect(r)
        if detection.envelope is not None:
            env = get_envelope(detection.envelope)
            if detection.tied_with:
                notes.append(
                    f"{detection.envelope} tied with {', '.join(detection.tied_with)} "
                    "(chosen by priority)"
                )
    findings = tuple(_run(r, env, detection))
    return Report(
        source=r.source,
        envelope=env.id if env else None,
        findings=findings,
        status=r.status,
        detection_score=detection.score if detection else None,
        notes=tuple(notes),
    )


def is_valid(response: Any, envelope: EnvelopeSpec = "auto") -> bool:
    """Whether a response has no error-level finding."""
    return not any(f.severity == "error" for f in iter_findings(response, envelope))
