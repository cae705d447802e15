"""``assert_error_response``: the one-line contract test, with or without pytest.

A failure is an :class:`ErrorResponseAssertion` (an ``AssertionError``) whose message is
the text reporter's lines for the findings, then the body around the first failing
pointer, so a test failure reads like ``errspec check`` output. errspec's own frames are
hidden from pytest tracebacks (``__tracebackhide__``).
"""

from __future__ import annotations

import json
import reprlib
from collections.abc import Mapping
from typing import Any

from ._adapters import checked
from ._check import EnvelopeSpec, OperationArg, SpecArg, check_response
from ._config import Config
from ._exceptions import ErrspecError
from ._findings import Finding, Report, Severity, fail_on_severity
from ._http import NO_BODY, Response
from ._plan import plan_for
from ._pointer import compile_pointer, escape, join, values
from ._registry import get_envelope
from ._reporters import finding_line, printable

__all__ = ["ErrorResponseAssertion", "assert_error_response", "body_excerpt"]

#: Lines of body shown before and after the line a finding points at.
CONTEXT_LINES = 3
#: Longest body excerpt shown when a finding has no pointer into the body.
HEAD_LINES = 12
#: Values in messages: short, whatever their size or depth (``repr`` of a body nested
#: 990 levels deep raises ``RecursionError``; of a megabyte string, is a megabyte).
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 80
_SHORT.maxlevel = 3


class ErrorResponseAssertion(AssertionError):
    """An error response that is not what the test asserted; ``.report`` has the findings."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


ErrorResponseAssertion.__module__ = "errspec"  # tracebacks name the public class


def assert_error_response(
    response: Any,
    envelope: EnvelopeSpec = "auto",
    *,
    status: int | None = None,
    code: str | int | None = None,
    spec: SpecArg = None,
    operation: OperationArg = None,
    fail_on: Severity = "error",
    config: Config | None = None,
) -> Report:
    """Assert that ``response`` is a conforming error response, and return its report.

    ``response`` is anything :func:`errspec.check_response` takes (a ``requests``,
    ``httpx``, Starlette/FastAPI, Flask, Django or aiohttp response, a record, a
    :class:`~errspec.Response`). It fails when the status is not ``status`` (or, without
    ``status``, not 4xx/5xx), when ``code`` is not the error code the body carries at its
    envelope's code member (``/type`` for problem details, ``/error/code`` for
    google-rpc; for an array of errors, any one of them), or when checking finds anything
    at or above ``fail_on``. ``spec``/``operation`` add the operation's contract, and
    ``config`` the project's rule settings (see :func:`errspec.check_response`).
    """
    __tracebackhide__ = True
    try:
        fail_on = fail_on_severity(fail_on)
        r = checked(response)
        report = check_response(r, envelope, spec=spec, operation=operation, config=config)
    except (ErrspecError, TypeError) as exc:
        # Not what the test asserted but what it gave (an unknown envelope, a spec errspec
        # cannot use, not a response): the one-line error, without errspec's frames.
        raise exc.with_traceback(None) from None
    problems: list[str] = []
    if status is not None and r.status != status:
        problems.append(f"expected HTTP {status}, got {r.status}")
    elif status is None and r.status < 400:
        problems.append(f"expected an error response (4xx or 5xx), got HTTP {r.status}")
    pointer_hint = ""
    if code is not None:
        problem, pointer_hint = _code_problem(r, report, code)
        if problem:
            problems.append(problem)
    failing = [f for f in report.findings if f.at_least(fail_on)]
    if not problems and not failing:
        return report
    raise ErrorResponseAssertion(_message(r, report, problems, failing, pointer_hint), report)


def _code_problem(r: Response, report: Report, code: str | int) -> tuple[str | None, str]:
    if report.envelope is None:
        return f"expected error code {code!r}, but the body fits no envelope", ""
    plan = plan_for(get_envelope(report.envelope))
    if plan.code is None:
        raise TypeError(f"the {report.envelope} envelope has no error code member; drop code=")
    pointer = join(plan.code)
    found = values(r.body, plan.code) if r.has_json_body else []
    scalars = [str(v) for v in found if isinstance(v, str | int | float)]
    if code in found or str(code) in scalars:
        return None, pointer
    got = ", ".join(_SHORT.repr(v) for v in found) if found else "none"
    return f"expected error code {code!r} at {pointer}, got {got}", pointer


def _message(
    r: Response,
    report: Report,
    problems: list[str],
    failing: list[Finding],
    pointer_hint: str,
) -> str:
    envelope = report.envelope or "no envelope"
    where = f" for {report.operation}" if report.operation else ""
    name = r.source
    if name.startswith("<") and r.method and r.url:  # a record that names its request
        name = f"{r.method.upper()} {r.url}"
    lines = [f"{name} is not the error response expected ({envelope}{where}):"]
    lines.extend(f"  {p}" for p in problems)
    # Every finding is shown (warnings too); the ones at or above fail_on made it fail.
    lines.extend("  " + finding_line(f"HTTP {r.status}", f) for f in report.findings)
    if failing and len(failing) < len(report.findings):
        lines.append(f"  ({len(failing)} at or above the failing severity)")
    # The excerpt: where the body is wrong; else the body that is not JSON; else the headers.
    body_pointers = [f.pointer for f in failing if f.pointer.startswith("/")]
    header_pointers = [f.pointer for f in failing if f.pointer.startswith("header:")]
    if body_pointers:
        first = body_pointers[0]
    elif not r.has_json_body and r.body_text:
        first = ""
    elif header_pointers:
        first = header_pointers[0]
    else:
        first = pointer_hint
    lines.append("")
    lines.extend(body_excerpt(r, first))
    # What the response holds (a lone surrogate, control characters) shown, not sent.
    return "\n".join(printable(line) for line in lines)


def body_excerpt(response: Response, pointer: str = "") -> list[str]:
    """The lines of the response around ``pointer``: the pretty-printed JSON body with the
    pointed-at line marked ``>``, or the headers for a ``header:`` pointer."""
    if pointer.startswith("header:"):
        name = pointer.split(":", 1)[1]
        out = [f"headers (no {name}):" if not response.has_header(name) else "headers:"]
        for key, value in response.headers:
            mark = ">" if key.lower() == name.lower() else " "
            out.append(f"{mark}   {key}: {value}")
        return out if response.headers else [*out, "    (none)"]
    if response.body is NO_BODY:
        text = response.body_text
        if not text:
            return ["body: (empty)"]
        shown = text.splitlines()[:HEAD_LINES]
        return ["body (not JSON):", *(f"    {line[:200]}" for line in shown)]
    lines, at = _pretty(response.body)
    target = _line_of(at, pointer)
    if target is None:
        window = range(min(len(lines), HEAD_LINES))
        suffix = [f"    … {len(lines) - HEAD_LINES} more lines"] if len(lines) > HEAD_LINES else []
    else:
        window = range(max(0, target - CONTEXT_LINES), min(len(lines), target + CONTEXT_LINES + 1))
        suffix = []
    head = f"body at {pointer}:" if target is not None else "body:"
    return [head, *(f"{'>' if i == target else ' '}   {lines[i]}" for i in window), *suffix]


def _line_of(at: Mapping[str, int], pointer: str) -> int | None:
    """The line of ``pointer``, or of its nearest ancestor that the body has."""
    if not pointer.startswith("/"):
        return None
    try:
        segments = compile_pointer(pointer)
    except ValueError:
        return None
    for depth in range(len(segments), 0, -1):
        key = join(segments[:depth])
        if key in at:
            return at[key]
    return None


def _pretty(body: Any, max_lines: int = 2000) -> tuple[list[str], dict[str, int]]:
    """``json.dumps(body, indent=2)`` line by line, with the line each pointer starts on."""
    lines: list[str] = []
    at: dict[str, int] = {}

    def emit(value: Any, pointer: str, indent: str, prefix: str, comma: str) -> None:
        if len(lines) >= max_lines:
            return
        at[pointer] = len(lines)
        if isinstance(value, dict) and value:
            lines.append(f"{indent}{prefix}{{")
            items = list(value.items())
            for i, (key, item) in enumerate(items):
                emit(
                    item,
                    f"{pointer}/{escape(str(key))}",
                    indent + "  ",
                    json.dumps(key, ensure_ascii=False) + ": ",
                    "," if i < len(items) - 1 else "",
                )
            lines.append(f"{indent}}}{comma}")
        elif isinstance(value, list) and value:
            lines.append(f"{indent}{prefix}[")
            for i, item in enumerate(value):
                emit(item, f"{pointer}/{i}", indent + "  ", "", "," if i < len(value) - 1 else "")
            lines.append(f"{indent}]{comma}")
        else:
            text = json.dumps(value, ensure_ascii=False)
            lines.append(f"{indent}{prefix}{text[:200]}{'…' if len(text) > 200 else ''}{comma}")

    try:
        emit(body, "", "", "", "")
    except RecursionError:  # a body nested deeper than Python's stack: show what was built
        lines.append("…")
    return lines, at
