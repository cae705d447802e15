"""The rules: small generator functions that yield findings for one response.

Each takes a :class:`Context` (the response, its body, the envelope's :class:`Plan`) and
yields :class:`Finding` values; rule ids and default severities are in
:data:`errspec._findings.RULES`, and each rule has a page in ``docs/rules/``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._findings import RULES, Finding, Severity
from ._http import NO_BODY, Response, is_json_media_type
from ._http import parse_retry_after as _parse_retry_after
from ._jsondata import number_text, plain_strings, with_explainable
from ._plan import Plan, Verdict
from ._pointer import escape, join, resolve, values
from ._profile import HeaderSpec

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = [
    "Context",
    "body_rules",
    "code_rules",
    "conditional_members",
    "echo_status",
    "header_rules",
    "http_header_rules",
    "leak_strings",
    "leaked_internals",
    "media_type_rule",
    "no_gate_open",
    "no_json_message",
    "quiet",
    "quiet_parts",
    "retry_after_syntax",
    "schema_findings",
    "status_mismatch",
]

#: At most this many `envelope-schema` findings per response (the rest are counted).
MAX_SCHEMA_FINDINGS = 10
#: At most this many `leaked-internals` findings per response.
MAX_LEAK_FINDINGS = 5


@dataclass
class Context:
    plan: Plan
    response: Response
    body: Any
    envelope: str
    #: What :func:`leak_strings` gives for ``body``, when it has been asked already.
    strings: list[str] | None = None

    def finding(
        self, rule: str, message: str, pointer: str = "", severity: Severity | None = None
    ) -> Finding:
        return Finding(
            rule, severity or RULES[rule].severity, message, pointer, envelope=self.envelope
        )

    def judged(self, rule: str, message: str, pointer: str, verdict: Verdict) -> Iterator[Finding]:
        """The finding for a broken requirement, at the severity its basis gives (none for
        an inferred one unless strict; then the message says it is errspec's reading)."""
        severity, suffix = verdict
        if severity is not None:
            yield self.finding(rule, message + suffix, pointer, severity)


RuleFunction = Callable[[Context], Iterator[Finding]]


def body_rules(plan: Plan) -> tuple[RuleFunction, ...]:
    """The profile rules that apply to bodies of ``plan``'s envelope: only those its profile
    gives a pointer for, so a valid response pays only for its envelope's rules."""
    rules: list[RuleFunction] = []
    if plan.echo is not None:
        rules.append(status_mismatch)
    if plan.code is not None:
        rules.append(code_rules)
    if plan.conditional:
        rules.append(conditional_members)
    rules.append(leaked_internals)
    return tuple(rules)


_THREE_DIGITS = re.compile(r"[0-9]{3}")  # ASCII: "²²²" and "٤٠٤" are not statuses


def echo_status(plan: Plan, value: Any) -> int | float | None:
    """The status a status echo says, when it is one: an integer (or an integral number,
    see :func:`status_mismatch`) for an integer echo, three ASCII digits for a string one."""
    if plan.echo_type == "integer":
        if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, float) and value.is_integer():
            return value
        return None
    if isinstance(value, str) and _THREE_DIGITS.fullmatch(value):
        return int(value)
    return None


def status_mismatch(ctx: Context) -> Iterator[Finding]:
    """status-mismatch: the body's status echo must equal the HTTP status.

    A profile's echo ``type`` is the JSON type the body must use. For ``integer``, JSON
    Schema counts ``404.0`` as an integer, so the canonical schema lets it through; but the
    profile means a JSON integer, and clients that read the echo into an integer type fail
    on ``404.0``. Such a value gets an ``envelope-schema`` finding for its type, and is
    still compared as the number it is: ``400.0`` with HTTP 404 is also a mismatch. A
    number with a fraction (``404.5``) is no status at all: the schema reports it, this
    rule does not compare it. For ``string``, only three ASCII digits are a status; any
    other string is the schema's to report.
    """
    plan = ctx.plan
    assert plan.echo is not None
    status = ctx.response.status
    found = values(ctx.body, plan.echo)
    if len(found) == 1 and found[0] == status and type(found[0]) is int:
        return  # the common case: one integer echo, equal to the status
    echoes: list[tuple[str, int | float]] = []
    for pointer, value in resolve(ctx.body, plan.echo):
        said = echo_status(plan, value)
        if said is None:
            continue
        if isinstance(said, float):
            yield ctx.finding(
                "envelope-schema",
                f"expected integer, got a number ({said!r}): {ctx.envelope} echoes the HTTP "
                "status as a JSON integer",
                pointer,
            )
        echoes.append((pointer, said))
    if not echoes:
        return
    distinct = {v for _, v in echoes}
    if plan.echo_most_general and len(echoes) > 1:
        allowed = distinct | {v // 100 * 100 for v in distinct}
        if status not in allowed:
            pointer = echoes[0][0]
            statuses = ", ".join(number_text(v) for v in sorted(distinct))
            yield from ctx.judged(
                "status-mismatch",
                f"HTTP status {status} is neither the errors' status ({statuses}) nor the most "
                "general one for them",
                pointer,
                plan.echo_verdict,
            )
        return
    for pointer, value in echoes:
        if value != status:
            yield from ctx.judged(
                "status-mismatch",
                f"body says status {number_text(value)} but the HTTP status is {status}",
                pointer,
                plan.echo_verdict,
            )


def _quoted(text: str, limit: int = 80) -> str:
    """``repr(text)``, cut to about ``limit`` characters: a message stays short whatever
    the response holds (``repr`` also escapes control characters and lone surrogates)."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 1]) + "…"


def code_rules(ctx: Context) -> Iterator[Finding]:
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
        and _status_fits(plan, code, status)
        and (plan.code_header is None or ctx.response.header(plan.code_header) in (None, code))
        and (code in plan.catalogue or not plan.catalogue)
    ):
        return  # the common case: nothing to report
    for pointer, code in resolve(ctx.body, plan.code):
        if not isinstance(code, str):
            continue
        if plan.casing is not None and not plan.casing.fullmatch(code):
            yield from ctx.judged(
                "code-format",
                f"code {_quoted(code)} is not {plan.code_format}",
                pointer,
                plan.casing_verdict,
            )
            if plan.catalogue_open or not plan.catalogue:
                break  # an open catalogue: a mis-cased code is not also "unknown"
        statuses = plan.catalogue.get(code)
        if statuses is not None:
            if statuses and status not in statuses:  # () : the source states no status
                expected = " or ".join(map(str, statuses))
                yield from ctx.judged(
                    "code-status-mismatch",
                    f"code {_quoted(code)} goes with HTTP {expected}, not {status}",
                    pointer,
                    plan.row_verdict(code),
                )
        elif plan.catalogue:
            yield from _unknown_code(ctx, code, pointer)
        if plan.code_header:
            header = ctx.response.header(plan.code_header)
            if header is not None and header.strip() != code:
                yield ctx.finding(
                    "error-code-header-mismatch",
                    f"{plan.code_header} is {_quoted(header.strip())} but the body's code is "
                    f"{_quoted(code)}",
                    f"header:{plan.code_header}",
                )
        break  # the first code speaks for the response


def _status_fits(plan: Plan, code: str, status: int) -> bool:
    """Whether ``status`` goes with ``code``: a status its catalogue row states, any status
    for a known code whose source states none, any for an unknown code of an open one."""
    statuses = plan.catalogue.get(code)
    if statuses is None:
        return plan.catalogue_open
    return not statuses or status in statuses


def _unknown_code(ctx: Context, code: str, pointer: str) -> Iterator[Finding]:
    plan = ctx.plan
    near = next((c for c in plan.catalogue if c.lower() == code.lower()), None)
    hint = f"; did you mean {near!r}?" if near else ""
    if plan.catalogue_open:
        yield ctx.finding(
            "unknown-code",
            f"code {_quoted(code)} is not one of the {len(plan.catalogue)} {ctx.envelope} codes "
            f"errspec knows (custom codes are allowed){hint}",
            pointer,
            "warning",
        )
    else:
        yield from ctx.judged(
            "unknown-code",
            f"code {_quoted(code)} is not in the closed {ctx.envelope} catalogue{hint}",
            pointer,
            plan.closed_verdict,
        )


def conditional_members(ctx: Context) -> Iterator[Finding]:
    """conditional-member: members the profile allows only on some statuses."""
    status = ctx.response.status
    plan = ctx.plan
    for (segments, allowed, _, _), verdict in zip(
        plan.conditional, plan.conditional_verdicts, strict=True
    ):
        if status in allowed or not values(ctx.body, segments):
            continue
        for pointer, _value in resolve(ctx.body, segments):
            only = ", ".join(map(str, sorted(allowed)))
            yield from ctx.judged(
                "conditional-member",
                f"{pointer} is only for status {only}, not {status}",
                pointer,
                verdict,
            )


#: HTTP's own rule, said where it is an error: a 401 MUST carry the challenge.
_RFC_CHALLENGE = " (RFC 9110 §11.6.1)"

_HEADER_RULES = {
    "retry-after": "retry-after-missing",
    "www-authenticate": "www-authenticate-missing",
}


def header_rules(ctx: Context) -> Iterator[Finding]:
    """retry-after-missing, www-authenticate-missing, header-missing, retry-after-invalid,
    retry-after-mismatch."""
    response = ctx.response
    for spec in ctx.plan.headers_for(response.status):
        if not _carries(response, spec):
            verdict = ctx.plan.header_verdict(spec)
            rule = _HEADER_RULES.get(spec.name.lower(), "header-missing")
            what = f"an {spec.name} header" if spec.family else spec.name
            message = (
                f"a {response.status} response must carry {what}"
                if verdict[0] == "error"
                else f"a {response.status} response should carry {what}"
            )
            if rule == "www-authenticate-missing" and verdict[0] == "error":
                message += _RFC_CHALLENGE
            yield from ctx.judged(rule, message, f"header:{spec.name}", verdict)
    yield from _retry_after(ctx)


def _carries(response: Response, spec: HeaderSpec) -> bool:
    """Whether the response has the header (or, for a family, one of it)."""
    if spec.family is None:
        return response.has_header(spec.name)
    return spec.carried_by(name for name, _ in response.headers)


def http_header_rules(response: Response) -> Iterator[Finding]:
    """The header rules HTTP itself sets, for a response no envelope fits: a 401 MUST send
    WWW-Authenticate (RFC 9110 §11.6.1, §15.5.2: an error, as every built-in profile
    states it), and retry-after-invalid."""
    if (
        response.status == 401
        and response.headers_known
        and not response.has_header("www-authenticate")
    ):
        yield Finding(
            "www-authenticate-missing",
            "error",
            "a 401 response must carry WWW-Authenticate" + _RFC_CHALLENGE,
            "header:WWW-Authenticate",
        )
    yield from retry_after_syntax(response, None)


def retry_after_syntax(response: Response, envelope: str | None) -> Iterator[Finding]:
    """retry-after-invalid: an HTTP rule, checked whatever the envelope."""
    value = response.header("retry-after")
    if value is not None and _parse_retry_after(value) is None:
        yield Finding(
            "retry-after-invalid",
            "error",
            f"Retry-After {_quoted(value)} is neither delay-seconds nor an HTTP-date "
            "(RFC 9110 §10.2.3)",
            "header:Retry-After",
            envelope,
        )


def _retry_after(ctx: Context) -> Iterator[Finding]:
    value = ctx.response.header("retry-after")
    if value is None:
        return
    seconds = _parse_retry_after(value)
    if seconds is None:
        yield from retry_after_syntax(ctx.response, ctx.envelope)
        return
    plan = ctx.plan
    if math.isnan(seconds):  # an HTTP-date: fine for HTTP, not where the source says seconds
        yield from _retry_after_date(ctx, value)
    if plan.retry_body is None or math.isnan(seconds) or ctx.body is NO_BODY:
        return  # NaN: an HTTP-date, which a hint in seconds cannot be compared with
    if not values(ctx.body, plan.retry_body):
        return
    if math.isinf(seconds):  # more digits than any delay: say how many
        digits = value.strip(" \t").lstrip("0")
        said = f"a delay of {len(digits)} digits"
    else:
        said = f"{seconds} s"
    for pointer, hint in resolve(ctx.body, plan.retry_body):
        if isinstance(hint, int | float) and not isinstance(hint, bool) and hint != seconds:
            yield ctx.finding(
                "retry-after-mismatch",
                f"Retry-After says {said} but the body says {number_text(hint)}",
                pointer,
            )


def _retry_after_date(ctx: Context, value: str) -> Iterator[Finding]:
    """retry-after-invalid for an HTTP-date where the envelope's source gives Retry-After as
    delay-seconds only (its header schema is an integer: seed 001 and 002, whose clients
    read it with ``int(...)``), at the basis of that header."""
    for spec in ctx.plan.headers_for(ctx.response.status):
        if spec.name.lower() == "retry-after" and _integer_only(spec.schema):
            yield from ctx.judged(
                "retry-after-invalid",
                f"Retry-After {_quoted(value)} is an HTTP-date, but {ctx.envelope} gives "
                "it in seconds (an integer)",
                "header:Retry-After",
                ctx.plan.header_verdict(spec),
            )
            return


def _integer_only(schema: Any) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind == "integer" or kind == ["integer"]


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
        parts.append(key)
    return join(reversed(parts))


def leaked_internals(ctx: Context) -> Iterator[Finding]:
    """leaked-internals: stack traces, exception class names, SQL or server file paths,
    and members named like a stack trace."""
    quick = ctx.strings if ctx.strings is not None else leak_strings(ctx.body)
    if quick is not None and no_gate_open(quick):
        return  # the common case, read without building a path for every string
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


# The literal gates, as one search that costs a fraction of testing each gate: every gate
# contains one of these keys (a gate that contains none is added whole), so a text that
# holds a gate holds a key. Keys start with characters rare in prose (a search tries a
# match at each place its first characters occur): "g." stands for "org.", "zeug" for
# "werkzeug". A key found is no finding: the gates are then tested one by one.
_GATE_KEYS = (
    "Traceback", '", line ', "java", "kt:", ".scala:", ":line ", "js:", ".ts:",
    "goroutine ", ".php(", "Stack trace:", "Exception", "KeyError", "AttributeError",
    "ZeroDivisionError", "IndexError", "UnboundLocalError", "System.", "Microsoft.", "g2",
    "qlalchemy", "jango.", "zeug", "g.", "SELECT", "INSERT", "UPDATE", "DELETE", "SQL",
    "ORA-", "x error", "key", "/home/", "/usr/", "/var/", "/opt/", "/srv/", "/root/",
    "/Users/", "/etc/", ":\\", ".py", ".rb:", ".go:", ".cs:", ".rs:", ".cpp:", ".pl:", ".ex",
)  # fmt: skip


def _alternatives(keys: list[str]) -> re.Pattern[str]:
    """A regex for "any of ``keys``", grouped by first character (one test per group)."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(key[0], []).append(key[1:])
    return re.compile(
        "|".join(
            re.escape(first)
            + "(?:"
            + "|".join(re.escape(rest) for rest in sorted(set(rests), key=len, reverse=True))
            + ")"
            for first, rests in groups.items()
        )
    )


_ANY_GATE_KEY = _alternatives(
    [
        *_GATE_KEYS,
        *(
            gate
            for _, gates, _ in _LEAK_FAMILIES
            for gate in gates
            if not any(key in gate for key in _GATE_KEYS)
        ),
    ]
)


def leak_strings(body: Any) -> list[str] | None:
    """The strings :func:`leaked_internals` scans (those of 8 characters or more), read in
    the pass that holds ``body`` to plain JSON data; ``None`` when the rule must run
    anyway (a member named like a stack trace) or the body is not plain data (shared
    parts: the rule then reads it as it is)."""
    return plain_strings(body, _LEAK_KEY_SPELLINGS, 8)


def no_gate_open(strings: list[str]) -> bool:
    """Whether no leak family's gate is open on ``strings`` (from :func:`leak_strings`):
    then :func:`leaked_internals` certainly finds nothing in them."""
    if not strings:
        return True
    text = "\n".join(strings)
    if _ANY_GATE_KEY.search(text) is None:
        return True
    for _, gates, _ in _LEAK_FAMILIES:
        for gate in gates:
            if gate in text:
                return False
    return True


def quiet(plan: Plan, response: Response, media: str | None) -> bool:
    """Whether the rules that follow the schema for an error response with a JSON body
    (:func:`media_type_rule`, :func:`body_rules`, :func:`header_rules`) certainly yield
    nothing (:func:`quiet_parts`, for a :class:`Response`)."""
    strings = leak_strings(response.body)
    return strings is not None and quiet_parts(
        plan,
        response.status,
        response.body,
        response._lower if response.headers_known else None,
        media,
        strings,
    )


#: Per plan, (code, status) -> whether :func:`code_rules` finds nothing in the code alone
#: (its casing, its catalogue row, the status): a pure function of the plan, asked for
#: the same few codes over and over; at most this many answers kept per plan.
_MAX_CODE_ANSWERS = 4096
_CODE_ANSWERS = "_errspec_quiet_codes"


def _code_quiet(plan: Plan, code: str, status: int) -> bool:
    answers: dict[tuple[str, int], bool] | None = plan.__dict__.get(_CODE_ANSWERS)
    if answers is None:
        answers = plan.__dict__[_CODE_ANSWERS] = {}
    key = (code, status)
    answer = answers.get(key)
    if answer is None:
        answer = bool(
            (plan.casing is None or plan.casing.fullmatch(code))
            and _status_fits(plan, code, status)
            and (code in plan.catalogue or not plan.catalogue)
        )
        if len(answers) >= _MAX_CODE_ANSWERS:
            answers.clear()
        answers[key] = answer
    return answer


def _any_starts(names: Mapping[str, str], prefix: str) -> bool:
    return any(name.startswith(prefix) for name in names)


def quiet_parts(
    plan: Plan,
    status: int,
    body: Any,
    lower: Mapping[str, str] | None,
    media: str | None,
    strings: list[str],
) -> bool:
    """Whether the rules that follow the schema for an error response with a JSON body
    (:func:`media_type_rule`, :func:`body_rules`, :func:`header_rules`) certainly yield
    nothing: each rule's common case, read as the rule reads it, without building a
    finding. ``False`` means "run them": it never decides a finding, only skips rules
    that would find nothing, so a valid response pays for one pass, not the pipeline.

    The response in parts, so that a record is judged without building its
    :class:`Response`: ``lower`` is its headers by lower-case name (``None`` when the
    input recorded no headers), ``media`` its media type, ``strings`` what
    :func:`leak_strings` gave for ``body``."""
    if lower is not None and media not in plan.media_types:
        return False
    if plan.echo is not None:
        found = values(body, plan.echo)
        if found and not (len(found) == 1 and found[0] == status and type(found[0]) is int):
            return False
    if plan.code is not None:
        for code in values(body, plan.code):
            if isinstance(code, str):  # the first code speaks (see code_rules)
                if not _code_quiet(plan, code, status) or not (
                    plan.code_header is None
                    or lower is None
                    or lower.get(plan.code_header.lower()) in (None, code)
                ):
                    return False
                break
    for segments, allowed, _, _ in plan.conditional:
        if status not in allowed and values(body, segments):
            return False
    if lower is not None:
        for name, family in plan.header_names_for(status):
            if name not in lower if family is None else not _any_starts(lower, family):
                return False
        if "retry-after" in lower:
            return False
    return no_gate_open(strings)


def schema_findings(ctx: Context) -> Iterator[Finding]:
    """envelope-schema: what the canonical schema says is wrong, with a pointer each.

    jsonschema explains errors best; where it finds none that jsonschema-rs found (a
    ``$`` in a ``pattern`` matches before a final newline in Python's ``re``, not in
    Rust's) or cannot go (a body nested past Python's recursion limit), jsonschema-rs's
    errors are reported instead.
    """
    validator = ctx.plan.envelope.validator
    try:
        errors = with_explainable(
            lambda body: sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)),
            ctx.body,
        )
    except RecursionError:
        yield from _fast_schema_findings(ctx, deep=True)
        return
    if not errors:
        yield from _fast_schema_findings(ctx, deep=False)
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
                pointer = f"{pointer}/{escape(missing)}"
                message = f"missing required member {missing!r}"
        yield from ctx.judged(
            "envelope-schema", _one_line(message), pointer, ctx.plan.member_verdict(pointer)
        )


def _fast_schema_findings(ctx: Context, deep: bool) -> Iterator[Finding]:
    """envelope-schema findings from jsonschema-rs's errors, worded as errspec words them."""
    fast = ctx.plan.envelope._fast
    try:
        errors = [] if fast is None else list(fast.iter_errors(ctx.body))
        found = [(join(e.instance_path), _fast_message(e)) for e in errors]
    except ValueError:  # a lone surrogate, or an instance nested past jsonschema-rs's limit
        found = []
    if not found:
        reason = (
            "the body nests too deeply for errspec to explain what the schema finds wrong"
            if deep
            else "the body does not match the envelope's schema"
        )
        yield ctx.finding("envelope-schema", reason)
        return
    found.sort(key=lambda f: f[0])
    for n, (pointer, message) in enumerate(found):
        if n == MAX_SCHEMA_FINDINGS:
            yield ctx.finding("envelope-schema", f"… and {len(found) - n} more schema errors", "")
            return
        yield from ctx.judged(
            "envelope-schema", _one_line(message), pointer, ctx.plan.member_verdict(pointer)
        )


def _fast_message(error: Any) -> str:
    kind = error.kind
    if kind.name == "pattern":
        return f"{_short_json(error.instance)} does not match {kind.pattern}"
    if kind.name == "type":
        return f"expected {' or '.join(kind.types)}, got {_json_type(error.instance)}"
    return str(error.message)


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
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):  # nested past Python's limit
        return _json_type(value)
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
    from jsonschema.exceptions import best_match  # only when there is an error to explain

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


def no_json_message(response: Response) -> str:
    media = response.media_type
    problem = response.body_problem or "the body is not JSON"
    if media is not None and not is_json_media_type(media) and problem.startswith("not JSON"):
        return f"the body is {media}, not JSON"
    return f"{problem} ({media or 'no Content-Type'})"


def media_type_rule(ctx: Context) -> Iterator[Finding]:
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
