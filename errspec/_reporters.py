"""Reporters: pure functions from reports to text. The CLI's ``--format`` choices are the
keys of :data:`REPORTERS`.

Each reporter consumes reports lazily and yields output chunks, so checking a stream of a
million responses never holds them all; the summary is counted on the way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .__about__ import __version__
from ._findings import Finding, Report

__all__ = ["FORMAT_VERSION", "REPORTERS", "finding_json", "render_json", "render_text"]

#: Version of the ``--format json`` document; bumped only on incompatible changes.
FORMAT_VERSION = 1

Reporter = Callable[[Iterable[Report]], Iterator[str]]


class _Counts:
    def __init__(self) -> None:
        self.responses = 0
        self.conforming = 0
        self.errors = 0
        self.warnings = 0

    def add(self, report: Report) -> None:
        self.responses += 1
        self.conforming += report.conforms
        for f in report.findings:
            if f.severity == "error":
                self.errors += 1
            else:
                self.warnings += 1

    def as_dict(self) -> dict[str, int]:
        return {
            "responses": self.responses,
            "conforming": self.conforming,
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def sentence(self) -> str:
        def plural(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        failing = self.responses - self.conforming
        return (
            f"{plural(self.responses, 'response')} checked: {self.conforming} conform, "
            f"{failing} do not ({plural(self.errors, 'error')}, {plural(self.warnings, 'warning')})"
        )


def finding_line(source: str, finding: Finding) -> str:
    """``source: severity rule message [pointer]``."""
    pointer = f" [{finding.pointer}]" if finding.pointer else ""
    return f"{source}: {finding.severity} {finding.rule} {finding.message}{pointer}"


def render_text(reports: Iterable[Report]) -> Iterator[str]:
    """One line per finding, then a summary line."""
    counts = _Counts()
    for report in reports:
        counts.add(report)
        for finding in report.findings:
            yield finding_line(report.source, finding) + "\n"
    yield counts.sentence() + "\n"


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "message": finding.message,
        "pointer": finding.pointer,
        "location": finding.location,
    }


def report_json(report: Report) -> dict[str, Any]:
    return {
        "source": report.source,
        "envelope": report.envelope,
        "conforms": report.conforms,
        "findings": [finding_json(f) for f in report.findings],
    }


def render_json(reports: Iterable[Report]) -> Iterator[str]:
    """One JSON object: ``errspec_version``, ``format_version``, ``results``, ``summary``.

    The keys never depend on verbosity or on what was found.
    """
    counts = _Counts()
    yield (
        f'{{"errspec_version": {json.dumps(__version__)}, '
        f'"format_version": {FORMAT_VERSION}, "results": ['
    )
    first = True
    for report in reports:
        counts.add(report)
        yield ("\n  " if first else ",\n  ") + json.dumps(report_json(report), ensure_ascii=False)
        first = False
    yield f'\n], "summary": {json.dumps(counts.as_dict())}}}\n'


REPORTERS: dict[str, Reporter] = {"text": render_text, "json": render_json}
