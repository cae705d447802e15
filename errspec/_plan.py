"""Plans: everything about one envelope that the rules and detection need, computed once.

A plan turns a profile's pointers into compiled segments, its code casing into a regex, and
picks the rule functions that apply, so a valid response pays only for its envelope's rules.
Its :meth:`Plan.is_valid` is jsonschema-rs first (fast), jsonschema where that cannot go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._exceptions import InvalidEnvelopeError
from ._findings import Severity
from ._jsondata import with_explainable
from ._pointer import compile_pointer
from ._profile import HeaderSpec, Provenance
from ._registry import Envelope, envelopes

__all__ = [
    "CASING",
    "READING",
    "Plan",
    "Verdict",
    "all_plans",
    "basis_severity",
    "echo_typed",
    "plan_for",
]

#: Said after a finding about a requirement errspec inferred (reported only when strict).
READING = " (errspec's reading, not the source's)"

#: How a broken requirement is reported: its severity (None: not reported) and what the
#: message says after itself.
Verdict = tuple[Severity | None, str]


def basis_severity(provenance: Provenance | None, default: Severity, strict: bool) -> Verdict:
    """Severity from where a requirement comes from: what the source states is an error,
    what it recommends a warning, and what errspec inferred is not reported unless the
    user asks for errspec's stricter reading (then a warning that says so). A requirement
    without a provenance (a user's profile) keeps ``default``."""
    if provenance is None:
        return default, ""
    if provenance.basis == "stated":
        return "error", ""
    if provenance.basis == "recommended":
        return "warning", ""
    return ("warning", READING) if strict else (None, "")


#: What detection counts when the validators cannot count a body's schema errors.
UNCOUNTED_ERRORS = 10

CASING = {
    "snake_case": re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"),
    "UPPER_SNAKE_CASE": re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*"),
    "PascalCase": re.compile(r"[A-Z][a-zA-Z0-9]*"),
    "camelCase": re.compile(r"[a-z][a-zA-Z0-9]*"),
    "kebab-case": re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"),
}


class Plan:
    """Everything about an envelope that the rules need, computed once."""

    def __init__(self, envelope: Envelope, strict: bool = False) -> None:
        p = envelope.profile
        self.envelope = envelope
        self.strict = strict
        self.id = envelope.id
        self.media_types = frozenset(p.media_types)
        self.media_level: Severity = p.media_type_level
        self.echo = None if p.status_echo is None else compile_pointer(p.status_echo.pointer)
        self.echo_type = p.status_echo.type if p.status_echo else None
        self.echo_most_general = bool(p.status_echo and p.status_echo.aggregate == "most-general")
        self.code = None if p.code is None else compile_pointer(p.code.pointer)
        self.casing = CASING.get(p.code.format) if p.code else None
        self.code_format = p.code.format if p.code else None
        self.catalogue: Mapping[str, tuple[int, ...]] = p.code.catalogue if p.code else {}
        self.catalogue_open = p.code.open if p.code else True
        self.code_header = p.code.header if p.code else None
        self.conditional = [
            (compile_pointer(m.pointer), frozenset(m.only_for_status), m.level, m.pointer)
            for m in p.conditional_members
        ]
        # Severities from the profile's provenance (see basis_severity).
        self.echo_verdict = basis_severity(
            p.status_echo.provenance if p.status_echo else None, "error", strict
        )
        self.casing_verdict = basis_severity(
            p.code.provenance if p.code else None, "warning", strict
        )
        self.closed_verdict = basis_severity(
            p.code.open_provenance if p.code else None, "error", strict
        )
        self.conditional_verdicts = [
            basis_severity(m.provenance, m.level, strict) for m in p.conditional_members
        ]
        self._members = sorted(
            (
                (compile_pointer(pointer), basis_severity(prov, "error", strict))
                for pointer, prov in p.members
            ),
            key=lambda item: -len(item[0]),
        )
        self._rows: dict[str, Verdict] = {}
        self.retry_body = compile_pointer(p.retry_hint_pointer) if p.retry_hint_pointer else None
        self.markers = [compile_pointer(m) for m in p.markers]
        self.priority = p.priority
        self.declared = declared_paths(envelope.schema)
        self._headers: dict[int, tuple[HeaderSpec, ...]] = {}
        self._header_names: dict[int, tuple[tuple[str, str | None], ...]] = {}

    def is_valid(self, body: Any) -> bool:
        """Whether ``body`` fits the canonical schema. jsonschema-rs answers first; where it
        cannot (it raises ``ValueError`` on a string with a lone surrogate, and on bodies
        nested past its limits), jsonschema does; where neither can (Python's recursion
        limit), the body counts as not valid and :func:`~errspec._rules.schema_findings`
        says why."""
        try:
            return bool(self.envelope.fast_is_valid(body))
        except ValueError:
            pass
        try:
            return bool(with_explainable(self.envelope.validator.is_valid, body))
        except RecursionError:
            return False

    def error_count(self, body: Any) -> int:
        """How many schema errors ``body`` has (detection ranks near misses by it), or
        :data:`UNCOUNTED_ERRORS` when no validator can count them."""
        try:
            return self.envelope.fast_error_count(body)
        except ValueError:
            pass
        try:
            count = self.envelope.validator.iter_errors
            return with_explainable(lambda b: sum(1 for _ in count(b)), body)
        except (RecursionError, ValueError):
            return UNCOUNTED_ERRORS

    def row_verdict(self, code: str) -> Verdict:
        """How ``code-status-mismatch`` reports ``code``: from its catalogue row's basis."""
        verdict = self._rows.get(code)
        if verdict is None:
            spec = self.envelope.profile.code
            prov = spec.provenance_of_row(code) if spec is not None else None
            verdict = self._rows[code] = basis_severity(prov, "error", self.strict)
        return verdict

    def header_verdict(self, spec: HeaderSpec) -> Verdict:
        """How a missing header is reported: from its basis, else its level."""
        return basis_severity(
            spec.provenance, "error" if spec.level == "required" else "warning", self.strict
        )

    def member_verdict(self, pointer: str) -> Verdict:
        """How an ``envelope-schema`` finding at ``pointer`` is reported: from the basis of
        the closest member the profile gives provenance for (the pointer itself or its
        nearest ancestor), else an error."""
        if not self._members:
            return "error", ""
        segments = compile_pointer(pointer) if pointer else ()
        for member, verdict in self._members:
            if len(member) <= len(segments) and all(
                m == "*" or m == s for m, s in zip(member, segments, strict=False)
            ):
                return verdict
        return "error", ""

    def headers_for(self, status: int) -> tuple[HeaderSpec, ...]:
        cached = self._headers.get(status)
        if cached is None:
            cached = tuple(
                h for h in self.envelope.profile.headers_for(status) if h.level != "optional"
            )
            self._headers[status] = cached
        return cached

    def header_names_for(self, status: int) -> tuple[tuple[str, str | None], ...]:
        """:meth:`headers_for` as the lower-case name and family of each (the hot path
        asks only whether a response carries them)."""
        cached = self._header_names.get(status)
        if cached is None:
            cached = tuple((h.name.lower(), h.family) for h in self.headers_for(status))
            self._header_names[status] = cached
        return cached


_PLAN_ATTRIBUTE = "_errspec_plan"


def plan_for(envelope: Envelope, strict: bool = False) -> Plan:
    """The envelope's plan, built on first use and kept on the envelope (so a user envelope
    and its plan go away together). ``strict``: errspec's stricter reading, where what it
    inferred is reported too."""
    attribute = _PLAN_ATTRIBUTE + ("_strict" if strict else "")
    plan: Plan | None = envelope.__dict__.get(attribute)
    if plan is None:
        try:
            plan = Plan(envelope, strict)
        except ValueError as exc:  # a pointer in a user profile that is not a JSON pointer
            raise InvalidEnvelopeError(f"{envelope.location}: invalid profile: {exc}") from None
        object.__setattr__(envelope, attribute, plan)
    return plan


def all_plans() -> list[Plan]:
    """The plans of every built-in envelope."""
    return [plan_for(e) for e in envelopes()]


def declared_paths(schema: Mapping[str, Any], depth: int = 3) -> frozenset[str]:
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


def echo_typed(plan: Plan, value: Any) -> bool:
    """Whether ``value`` has the JSON type the profile declares for the status echo."""
    if plan.echo_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)
