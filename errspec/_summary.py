"""What a large run found, in a table: counts per envelope x status x rule (and per
operation when responses were matched to a spec), a few example sources per rule, totals
and rates. Memory is flat in the number of reports: the keys are bounded by the envelopes,
statuses and rules there are, and only the first ``max_examples`` sources of a rule are
kept.

Summaries merge (:meth:`Summary.merge`), so they can be counted in parts (one per process,
per file, per Dask partition) and added up; merged in input order, the examples are the
same as one summary counted in one pass. A summary is plain data: it pickles, and
:meth:`Summary.as_json` / :meth:`Summary.from_json` round-trip it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._defaults import DEFAULT_MAX_EXAMPLES
from ._findings import RULES, Report

__all__ = ["DEFAULT_MAX_EXAMPLES", "Summary"]


# (envelope or None, status or None, rule, severity) -> count
_Cell = tuple[str | None, int | None, str, str]
# (operation, status or None, rule, severity) -> count
_OpCell = tuple[str, int | None, str, str]


@dataclass
class Summary:
    """Counts of a run's reports; add reports with :meth:`add`, parts with :meth:`merge`."""

    max_examples: int = DEFAULT_MAX_EXAMPLES
    kind: str = "response"
    reports: int = 0
    conforming: int = 0
    errors: int = 0
    warnings: int = 0
    #: envelope (None: none fitted) -> [reports, conforming]
    envelopes: dict[str | None, list[int]] = field(default_factory=dict)
    cells: dict[_Cell, int] = field(default_factory=dict)
    operations: dict[_OpCell, int] = field(default_factory=dict)
    #: (rule, severity) -> the first sources it was found in
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.max_examples, bool) or not isinstance(self.max_examples, int):
            raise TypeError("max_examples is an int >= 0")
        if self.max_examples < 0:
            raise ValueError("max_examples is an int >= 0")

    def add(self, report: Report) -> None:
        """Count one report."""
        self.kind = report.kind
        self.reports += 1
        conforms = report.conforms
        self.conforming += conforms
        counts = self.envelopes.get(report.envelope)
        if counts is None:
            counts = self.envelopes[report.envelope] = [0, 0]
        counts[0] += 1
        counts[1] += conforms
        status = report.status
        seen: set[tuple[str, str]] = set()
        for f in report.findings:
            if f.severity == "error":
                self.errors += 1
            else:
                self.warnings += 1
            key = (report.envelope, status, f.rule, f.severity)
            self.cells[key] = self.cells.get(key, 0) + 1
            if report.operation is not None:
                op = (report.operation, status, f.rule, f.severity)
                self.operations[op] = self.operations.get(op, 0) + 1
            example = (f.rule, f.severity)
            if example not in seen:
                seen.add(example)
                kept = self.examples.setdefault(example, [])
                if len(kept) < self.max_examples:
                    kept.append(report.source)

    def add_all(self, reports: Iterable[Report]) -> Summary:
        for report in reports:
            self.add(report)
        return self

    def merge(self, other: Summary) -> Summary:
        """Add ``other``'s counts to this summary (in place) and return it. Merging parts
        in input order keeps the examples of a single pass."""
        if other.reports:
            self.kind = other.kind
        self.reports += other.reports
        self.conforming += other.conforming
        self.errors += other.errors
        self.warnings += other.warnings
        for envelope, (n, ok) in other.envelopes.items():
            counts = self.envelopes.setdefault(envelope, [0, 0])
            counts[0] += n
            counts[1] += ok
        for cell, n in other.cells.items():
            self.cells[cell] = self.cells.get(cell, 0) + n
        for op, n in other.operations.items():
            self.operations[op] = self.operations.get(op, 0) + n
        for example, sources in other.examples.items():
            kept = self.examples.setdefault(example, [])
            kept.extend(sources[: max(0, self.max_examples - len(kept))])
        return self

    # -- reading it ------------------------------------------------------------------

    @property
    def failing(self) -> int:
        return self.reports - self.conforming

    def by_rule(self) -> dict[tuple[str, str], int]:
        """(rule, severity) -> findings, most frequent first."""
        totals: dict[tuple[str, str], int] = {}
        for (_, _, rule, severity), n in self.cells.items():
            totals[rule, severity] = totals.get((rule, severity), 0) + n
        return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))

    def rows(self) -> list[tuple[str | None, int | None, str, str, int]]:
        """(envelope, status, rule, severity, count), most frequent first."""
        return sorted(
            ((*cell, n) for cell, n in self.cells.items()),
            key=lambda row: (-row[4], str(row[0]), row[1] or 0, row[2], row[3]),
        )

    def operation_rows(self) -> list[tuple[str, int | None, str, str, int]]:
        return sorted(
            ((*cell, n) for cell, n in self.operations.items()),
            key=lambda row: (-row[4], row[0], row[1] or 0, row[2], row[3]),
        )

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON data (``errspec check --format summary-json``)."""
        rate = (self.conforming / self.reports) if self.reports else None
        return {
            "kind": self.kind,
            "totals": {
                "reports": self.reports,
                "conforming": self.conforming,
                "failing": self.failing,
                "conforming_rate": rate,
                "errors": self.errors,
                "warnings": self.warnings,
            },
            "envelopes": [
                {"envelope": env, "reports": n, "conforming": ok}
                for env, (n, ok) in sorted(
                    self.envelopes.items(), key=lambda item: (-item[1][0], str(item[0]))
                )
            ],
            "findings": [
                {"envelope": env, "status": status, "rule": rule, "severity": sev, "count": n}
                for env, status, rule, sev, n in self.rows()
            ],
            "operations": [
                {"operation": op, "status": status, "rule": rule, "severity": sev, "count": n}
                for op, status, rule, sev, n in self.operation_rows()
            ],
            "rules": [
                {
                    "rule": rule,
                    "severity": sev,
                    "count": n,
                    "summary": RULES[rule].summary if rule in RULES else "",
                    "examples": list(self.examples.get((rule, sev), ())),
                }
                for (rule, sev), n in self.by_rule().items()
            ],
            "max_examples": self.max_examples,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        """The summary :meth:`as_json` wrote (to merge summaries kept as JSON)."""
        summary = cls(max_examples=int(data["max_examples"]), kind=str(data["kind"]))
        totals = data["totals"]
        summary.reports = int(totals["reports"])
        summary.conforming = int(totals["conforming"])
        summary.errors = int(totals["errors"])
        summary.warnings = int(totals["warnings"])
        for item in data["envelopes"]:
            summary.envelopes[item["envelope"]] = [int(item["reports"]), int(item["conforming"])]
        for item in data["findings"]:
            key = (item["envelope"], item["status"], item["rule"], item["severity"])
            summary.cells[key] = int(item["count"])
        for item in data["operations"]:
            op = (item["operation"], item["status"], item["rule"], item["severity"])
            summary.operations[op] = int(item["count"])
        for item in data["rules"]:
            if item["examples"]:
                example = (item["rule"], item["severity"])
                summary.examples.setdefault(example, []).extend(item["examples"])
        return summary

    def lines(self, max_rows: int = 20) -> Iterator[str]:
        """The summary as text: one screen for any number of reports (the ``max_rows``
        most frequent rows of each table; the JSON form has them all)."""
        what = "documents" if self.kind == "spec" else "responses"
        if self.reports == 1:
            what = what[:-1]
        verb = "linted" if self.kind == "spec" else "checked"
        rate = f" ({100 * self.conforming / self.reports:.1f} %)" if self.reports else ""
        yield (
            f"{self.reports:,} {what} {verb}: {self.conforming:,} conform{rate}, "
            f"{self.failing:,} do not; {_plural(self.errors, 'error')}, "
            f"{_plural(self.warnings, 'warning')}"
        )
        if self.kind != "spec" and self.envelopes:
            yield ""
            table: list[tuple[str, ...]] = [("envelope", f"{what}", "conform", "rate")]
            for env, (n, ok) in sorted(
                self.envelopes.items(), key=lambda item: (-item[1][0], str(item[0]))
            ):
                table.append((env or "(none fits)", f"{n:,}", f"{ok:,}", f"{100 * ok / n:.1f} %"))
            yield from _table(table, right=(1, 2, 3))
        by_rule = self.by_rule()
        if by_rule:
            yield ""
            table = [("rule", "severity", "count", "first found in")]
            for (rule, severity), n in by_rule.items():
                shown = ", ".join(self.examples.get((rule, severity), ()))
                table.append((rule, severity, f"{n:,}", shown))
            yield from _table(table, right=(2,))
        rows = self.rows()
        if rows:
            yield ""
            head = ("envelope", "status", "rule", "severity", "count")
            table = [
                head,
                *(
                    (env or "(none fits)", "" if st is None else str(st), rule, sev, f"{n:,}")
                    for env, st, rule, sev, n in rows[:max_rows]
                ),
            ]
            yield from _table(table, right=(1, 4))
            yield from _more(len(rows) - max_rows)
        ops = self.operation_rows()
        if ops:
            yield ""
            table = [
                ("operation", "status", "rule", "severity", "count"),
                *(
                    (op, "" if st is None else str(st), rule, sev, f"{n:,}")
                    for op, st, rule, sev, n in ops[:max_rows]
                ),
            ]
            yield from _table(table, right=(1, 4))
            yield from _more(len(ops) - max_rows)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _more(hidden: int) -> Iterator[str]:
    if hidden > 0:
        yield f"… and {hidden:,} more rows (--format summary-json has them all)"


def _table(rows: Sequence[Sequence[str]], right: tuple[int, ...] = ()) -> Iterator[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        yield "  ".join(cells).rstrip()
