"""Findings and reports: the values every check produces and every reporter renders."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._exceptions import ErrspecError

__all__ = [
    "RULES",
    "SEVERITIES",
    "Finding",
    "Report",
    "Rule",
    "Severity",
    "fail_on_severity",
    "no_surrogates",
    "printable",
    "rule_help_url",
]

Severity = Literal["error", "warning"]
#: Severities in increasing order.
SEVERITIES: tuple[Severity, ...] = ("warning", "error")
_RANK: dict[object, int] = {severity: n for n, severity in enumerate(SEVERITIES)}
HELP_BASE = "https://errspec.dev/rules/"


# Text shown to people: a response's member names and values end up in messages.

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls but tab, DEL, and lone surrogates: what a line of text must not hold.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def printable(text: str) -> str:
    """``text`` with control characters (but tab) and lone surrogates as visible escapes
    (``\\n``, ``\\x1b``, ``\\ud800``): one line that any terminal and UTF-8 can take."""
    if text.isprintable():  # the common case (False also for tab, NBSP …: checked below)
        return text
    return _UNPRINTABLE.sub(_escaped, text)


def no_surrogates(text: str) -> str:
    """``text`` with each lone surrogate as the visible text ``\\udXXX`` (UTF-8 cannot
    encode a surrogate, and strict JSON parsers reject one even escaped)."""
    return _SURROGATE.sub(_escaped, text) if _SURROGATE.search(text) else text


def fail_on_severity(value: object) -> Severity:
    """``value`` if it is a severity (``"error"`` or ``"warning"``), else an
    :class:`ErrspecError` naming the accepted values (a typo must not pass silently)."""
    if value == "error" or value == "warning":
        return "error" if value == "error" else "warning"
    shown = repr(value) if isinstance(value, str) else type(value).__name__
    raise ErrspecError(f"fail_on must be 'error' or 'warning', not {shown[:60]}")


def rule_help_url(rule: str) -> str:
    """Where a rule's documentation page lives (``docs/rules/<id>.md`` in the repository)."""
    return HELP_BASE + rule


@dataclass(frozen=True)
class Rule:
    """One entry of the rule catalogue: a stable id, its default severity, a summary, and
    where it applies: ``response`` (errspec check), ``spec`` (errspec lint), both, or
    ``contract`` (errspec check --spec: a response against its operation in a spec)."""

    id: str
    severity: Severity
    summary: str
    modes: tuple[str, ...] = ("response",)


BOTH = ("response", "spec")
SPEC = ("spec",)
CONTRACT = ("contract",)

# The rule catalogue. Ids are stable and never reused; a retired id stays here, marked.
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("body-not-json", "error", "The error body is not (valid) JSON."),
        Rule("media-type", "error", "Content-Type is not the envelope's media type.", BOTH),
        Rule("envelope-schema", "error", "The body does not match the envelope's schema.", BOTH),
        Rule(
            "status-mismatch", "error", "The status in the body differs from the HTTP status.", BOTH
        ),
        Rule(
            "code-status-mismatch", "error", "The error code goes with another HTTP status.", BOTH
        ),
        Rule("code-format", "warning", "The error code does not have the envelope's casing.", BOTH),
        Rule("unknown-code", "error", "The error code is not in the envelope's catalogue.", BOTH),
        Rule("conditional-member", "warning", "A member appears on a status it is not for.", BOTH),
        Rule(
            "retry-after-missing", "error", "A response that asks for Retry-After lacks it.", BOTH
        ),
        Rule("retry-after-invalid", "error", "Retry-After is neither delay-seconds nor a date."),
        Rule("retry-after-mismatch", "error", "Retry-After and the body's retry hint disagree."),
        Rule("www-authenticate-missing", "error", "A 401 response lacks WWW-Authenticate.", BOTH),
        Rule("error-code-header-mismatch", "error", "The error-code header differs from the code."),
        Rule("header-missing", "warning", "A header the envelope asks for is missing.", BOTH),
        Rule("error-with-success-status", "error", "An error body is sent with a 1xx-3xx status."),
        Rule("envelope-unknown", "error", "The body fits none of the known envelopes.", BOTH),
        Rule(
            "leaked-internals", "warning", "The body leaks stack traces, SQL or file paths.", BOTH
        ),
        # Spec-only rules (errspec lint).
        Rule("error-responses-missing", "error", "An operation declares no error response.", SPEC),
        Rule("envelope-inconsistent", "error", "An error response uses another envelope.", SPEC),
        Rule("openapi-invalid", "error", "The document is not valid OpenAPI.", SPEC),
        Rule("ref-unresolved", "error", "A $ref points to nothing, or loops.", SPEC),
        Rule("ref-refused", "error", "A $ref points to a URL or outside the spec's folder.", SPEC),
        # Contract rules: a response against its operation in a spec (errspec check --spec).
        Rule(
            "status-undocumented",
            "error",
            "The status is not documented for the operation.",
            CONTRACT,
        ),
        Rule(
            "media-type-undocumented",
            "error",
            "The Content-Type is not documented for it.",
            CONTRACT,
        ),
        Rule(
            "declared-schema",
            "error",
            "The body does not match the schema the spec declares.",
            CONTRACT,
        ),
        Rule(
            "declared-header-missing",
            "error",
            "A header the spec declares required is missing.",
            CONTRACT,
        ),
        Rule(
            "operation-unmatched",
            "warning",
            "No operation in the spec matches the request.",
            CONTRACT,
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a response or a spec. Immutable; output is derived from it.

    ``pointer`` is a JSON pointer into the body (``/error/code``), ``header:Name`` for a
    header, or empty for the response as a whole. ``location`` is a source position
    (``file:line:col``) when the finding comes from a document with positions.
    """

    rule: str
    severity: Severity
    message: str
    pointer: str = ""
    envelope: str | None = None
    location: str | None = None

    @property
    def help_url(self) -> str:
        return rule_help_url(self.rule)

    def at_least(self, severity: Severity) -> bool:
        """Whether this finding is ``severity`` (``"error"`` or ``"warning"``) or worse."""
        rank = _RANK.get(severity) if isinstance(severity, str) else None
        if rank is None:
            fail_on_severity(severity)  # raises, naming the severities
        return _RANK.get(self.severity, 1) >= (rank or 0)


@dataclass(frozen=True)
class Report:
    """The result of checking one response: its envelope and its findings."""

    source: str
    envelope: str | None
    findings: tuple[Finding, ...] = ()
    status: int | None = None
    detection_score: float | None = field(default=None, compare=False)
    #: "response" (errspec check) or "spec" (errspec lint).
    kind: str = "response"
    notes: tuple[str, ...] = field(default=(), compare=False)
    #: The spec operation the response was checked against (``GET /tasks/{id}``), if any.
    operation: str | None = field(default=None, compare=False)
    #: When the envelope was detected: the recognizer's evidence (score, closest envelope,
    #: members matched, type conflicts, decisive members missing, extensions, media type,
    #: envelopes ruled out and why), as ``errspec check --format json`` shows it.
    detection: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def conforms(self) -> bool:
        """No finding of severity ``error``."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def rules(self) -> list[str]:
        """The rule ids found, in order."""
        return [f.rule for f in self.findings]

    def fails(self, fail_on: Severity) -> bool:
        """Whether a finding is at or above ``fail_on`` (``"error"`` or ``"warning"``)."""
        fail_on = fail_on_severity(fail_on)
        return any(f.at_least(fail_on) for f in self.findings)


def count(reports: Iterable[Report]) -> dict[str, int]:
    """Summary counts over reports, as every reporter prints them."""
    out = {"responses": 0, "conforming": 0, "errors": 0, "warnings": 0}
    for r in reports:
        out["responses"] += 1
        out["conforming"] += r.conforms
        out["errors"] += len(r.errors)
        out["warnings"] += len(r.warnings)
    return out
