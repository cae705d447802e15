"""Reporters: pure functions from reports to text. The CLI's ``--format`` choices are the
keys of :data:`REPORTERS`.

Each reporter consumes reports lazily and yields output chunks, so checking a stream of a
million responses never holds them all; the summary is counted on the way. (``junit`` is
the exception: its counts come first in the XML, so it keeps one small element per report
until the end.)

Where a finding is comes from two strings: the report's ``source`` (``path``, ``path:LINE``
for an NDJSON record, ``path#entries/3`` for a HAR entry, ``path#2`` for an item of a JSON
array or the second of several HTTP responses, ``<stdin>``) and, for findings in documents
with positions (``errspec lint``), the finding's ``location`` (``path:LINE:COL``), which
wins when present. :func:`finding_place` splits them once for every reporter.

Whatever a response holds ends up in messages and pointers, so every reporter's output must
still encode to UTF-8 and keep its structure: a lone surrogate (JSON's ``"\\ud800"``
parses to one; so does an undecodable byte in a file name) is written as the visible text
``\\ud800`` in every format; text and GitHub output also write control characters as
``\\n``, ``\\x1b`` …, so one finding stays one line and a terminal shows what was sent.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_from_bytes

import click

from .__about__ import __version__
from ._defaults import DEFAULT_MAX_EXAMPLES, SUMMARY_FORMATS, VERBOSITY_FORMATS
from ._findings import RULES, Finding, Report, no_surrogates, printable, rule_help_url

if TYPE_CHECKING:  # the summary formats import it when they run
    from ._summary import Summary

__all__ = [
    "FORMAT_VERSION",
    "REPORTERS",
    "SARIF_SCHEMA",
    "SUMMARY_FORMATS",
    "VERBOSITY_FORMATS",
    "Place",
    "finding_json",
    "finding_place",
    "printable",
    "render",
    "render_github",
    "render_json",
    "render_junit",
    "render_sarif",
    "render_summary",
    "render_summary_json",
    "render_text",
    "summary_output",
]

#: Version of the ``--format json`` document; bumped only on incompatible changes.
FORMAT_VERSION = 1

Reporter = Callable[[Iterable[Report]], Iterator[str]]


class _Counts:
    def __init__(self) -> None:
        self.kind = "response"
        self.responses = 0
        self.conforming = 0
        self.errors = 0
        self.warnings = 0
        self.rules: dict[str, int] = {}

    def add(self, report: Report) -> None:
        self.kind = report.kind
        self.responses += 1
        self.conforming += report.conforms
        for f in report.findings:
            self.rules[f.rule] = self.rules.get(f.rule, 0) + 1
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

    def by_rule(self) -> dict[str, int]:
        """Findings per rule, most frequent first (then by rule id)."""
        return dict(sorted(self.rules.items(), key=lambda item: (-item[1], item[0])))

    def statistics(self) -> list[str]:
        """``--statistics``: one line per rule found, ``COUNT  RULE  summary``."""
        counts = self.by_rule()
        if not counts:
            return []
        width = max(len(str(n)) for n in counts.values())
        rule_width = max(len(rule) for rule in counts)
        lines = []
        for rule, n in counts.items():
            summary = RULES[rule].summary if rule in RULES else ""
            lines.append(f"{n:>{width}}  {rule:<{rule_width}}  {summary}".rstrip())
        return lines

    def sentence(self) -> str:
        def plural(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        failing = self.responses - self.conforming
        what = "document" if self.kind == "spec" else "response"
        verb = "linted" if self.kind == "spec" else "checked"
        return (
            f"{plural(self.responses, what)} {verb}: {self.conforming} conform, "
            f"{failing} do not ({plural(self.errors, 'error')}, {plural(self.warnings, 'warning')})"
        )


def finding_line(source: str, finding: Finding) -> str:
    """``source: severity rule message [pointer]`` (for a spec, the source is
    ``path:line:col``). As it is: :func:`printable` makes it one line for a terminal."""
    pointer = f" [{finding.pointer}]" if finding.pointer else ""
    return f"{source}: {finding.severity} {finding.rule} {finding.message}{pointer}"


#: ``color``: how the text reporter styles a finding's severity.
_SEVERITY_STYLE: dict[str, dict[str, Any]] = {
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow", "bold": True},
}


def _coloured(source: str, finding: Finding) -> str:
    """:func:`finding_line` made printable, with its severity coloured and its rule bold
    (ANSI escapes only around text errspec wrote itself, never around the response's)."""
    pointer = f" [{finding.pointer}]" if finding.pointer else ""
    severity = click.style(finding.severity, **_SEVERITY_STYLE.get(finding.severity, {}))
    rule = click.style(printable(finding.rule), bold=True)
    return f"{printable(source)}: {severity} {rule} {printable(finding.message + pointer)}"


def render_text(
    reports: Iterable[Report],
    *,
    quiet: bool = False,
    statistics: bool = False,
    color: bool = False,
) -> Iterator[str]:
    """One line per finding; after them, ``see: URL`` with the documentation page of each
    rule found (in the order first found); then a summary line.

    ``quiet``: no finding lines, only the summary line. ``statistics``: after the findings,
    the number of findings per rule, most frequent first, one rule a line. ``color``: the
    severity in red (error) or yellow (warning) and the rule in bold (ANSI escapes, for a
    terminal).
    """
    counts = _Counts()
    for report in reports:
        counts.add(report)
        if quiet:
            continue
        for finding in report.findings:
            source = finding.location or report.source
            if color:
                yield _coloured(source, finding) + "\n"
            else:
                yield printable(finding_line(source, finding)) + "\n"
    if not quiet:  # counts.rules keeps the order in which rules were first found
        yield "".join(printable(f"see: {rule_help_url(rule)}") + "\n" for rule in counts.rules)
    if statistics:
        yield "".join(printable(line) + "\n" for line in counts.statistics())
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
    out: dict[str, Any] = {"source": report.source, "envelope": report.envelope}
    if report.kind == "response":
        # The spec operation checked against (errspec check --spec), else null.
        out["operation"] = report.operation
    out["conforms"] = report.conforms
    out["findings"] = [finding_json(f) for f in report.findings]
    if report.kind == "response":
        # The recognizer's evidence when the envelope was detected, else null.
        out["detection"] = None if report.detection is None else dict(report.detection)
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_text(text: str) -> str:
    """JSON text (``ensure_ascii=False``) with each lone surrogate as the visible text
    ``\\udXXX``: a surrogate can only be inside a JSON string, where that text is
    written ``\\\\udXXX``."""
    if not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub(lambda m: f"\\\\u{ord(m.group()):04x}", text)


def _no_surrogates_in(value: Any) -> Any:
    """A small JSON value (a SARIF result) with :func:`no_surrogates` applied to its strings."""
    if isinstance(value, str):
        return no_surrogates(value)
    if isinstance(value, dict):
        return {key: _no_surrogates_in(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_no_surrogates_in(item) for item in value]
    return value


def render_json(
    reports: Iterable[Report], *, quiet: bool = False, statistics: bool = False
) -> Iterator[str]:
    """One JSON object: ``errspec_version``, ``format_version``, ``results``, ``summary``.

    The keys never depend on verbosity or on what was found: ``quiet`` and ``statistics``
    change nothing, and ``summary.rules`` (findings per rule, most frequent first) is
    always there.
    """
    counts = _Counts()
    yield (
        f'{{"errspec_version": {json.dumps(__version__)}, '
        f'"format_version": {FORMAT_VERSION}, "results": ['
    )
    first = True
    for report in reports:
        counts.add(report)
        text = json.dumps(report_json(report), ensure_ascii=False)
        yield ("\n  " if first else ",\n  ") + _json_text(text)
        first = False
    summary = {**counts.as_dict(), "rules": counts.by_rule()}
    yield f'\n], "summary": {json.dumps(summary)}}}\n'


# --- where a finding is -------------------------------------------------------------------

_LOCATION = re.compile(r"(?P<file>.+?):(?P<line>[0-9]+)(?::(?P<col>[0-9]+))?")
_SOURCE = re.compile(r"(?P<file>.+?)(?::(?P<line>[0-9]+)|#(?P<part>(?:entries/)?[0-9]+))?")


@dataclass(frozen=True)
class Place:
    """Where a finding is, split out of ``Report.source`` and ``Finding.location``.

    ``file`` is a file path, or None when there is no file (``<stdin>``, ``<record>``, a
    library response named ``GET https://…``). ``part`` names a response inside the file
    (``entries/3``, ``2``) when there is one. ``whole`` is true when file, line and column
    say everything the source says, so a message need not repeat it.
    """

    file: str | None
    line: int | None = None
    column: int | None = None
    part: str | None = None

    @property
    def whole(self) -> bool:
        return self.file is not None and self.part is None


def _is_file(name: str) -> bool:
    pseudo = name.startswith("<") and name.endswith(">")  # <stdin>, <record>, <response>
    return not pseudo and "://" not in name  # "GET https://…" names a library response


def finding_place(source: str, finding: Finding) -> Place:
    """Split ``finding.location`` (``file:line[:col]``) or else ``source`` into a :class:`Place`.

    Only a trailing ``:LINE`` and a ``#N`` or ``#entries/N`` are taken as suffixes, the
    forms errspec writes; any other ``:`` or ``#`` stays part of the file name.
    """
    if finding.location:
        m = _LOCATION.fullmatch(finding.location)
        if m is None:
            return Place(finding.location if _is_file(finding.location) else None)
        file, line, col = m.group("file", "line", "col")
        return Place(file if _is_file(file) else None, int(line), int(col) if col else None)
    m = _SOURCE.fullmatch(source)
    if m is None:  # only the empty string
        return Place(None)
    file, line, part = m.group("file", "line", "part")
    return Place(file if _is_file(file) else None, int(line) if line else None, None, part)


def _message(source: str, finding: Finding, place: Place) -> str:
    """The finding's message with its pointer, and its source when the place does not show it
    (a HAR entry, standard input): what a code-scanning alert or an annotation shows."""
    prefix = "" if place.whole else f"{finding.location or source}: "
    pointer = f" [{finding.pointer}]" if finding.pointer else ""
    return f"{prefix}{finding.message}{pointer}"


# --- SARIF 2.1.0 ---------------------------------------------------------------------------

#: The ``$schema`` of SARIF output: the OASIS SARIF 2.1.0 (errata01) schema.
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://errspec.dev/"


def _pascal(rule_id: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in rule_id.split("-"))


def _sarif_rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": _pascal(rule.id),
        "shortDescription": {"text": rule.summary},
        "helpUri": rule_help_url(rule.id),
        "help": {"text": f"{rule.summary} See {rule_help_url(rule.id)}"},
        "defaultConfiguration": {"level": rule.severity},
    }


def _artifact_uri(path: str) -> str:
    """A URI reference for a file path: relative paths stay relative (``/``-separated and
    percent-encoded, which code scanning resolves against the repository root); absolute
    paths become ``file://`` URIs. A name with bytes that are not UTF-8 (which Python
    reads as surrogates) is encoded as the bytes it has on disk."""
    pure = PurePath(path)
    try:
        if pure.is_absolute():
            return pure.as_uri()
        return quote_from_bytes(os.fsencode(pure.as_posix()), safe="/")
    except (UnicodeError, ValueError):  # a surrogate that no file system byte stands for
        return quote(no_surrogates(pure.as_posix()), safe="/")


def _sarif_result(
    source: str, envelope: str | None, finding: Finding, rule_index: dict[str, int]
) -> dict[str, Any]:
    place = finding_place(source, finding)
    location: dict[str, Any] = {}
    if place.file is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _artifact_uri(place.file)}}
        if place.line is not None:
            region = {"startLine": place.line}
            if place.column is not None:
                region["startColumn"] = place.column
            physical["region"] = region
        location["physicalLocation"] = physical
    logical: list[dict[str, Any]] = []
    if not place.whole:
        # Not a whole file: an entry of a HAR file, an item of a JSON array, <stdin>, …
        where = finding.location or source
        logical.append({"name": place.part or where, "fullyQualifiedName": where})
    if finding.pointer:
        logical.append({"fullyQualifiedName": finding.pointer, "kind": "member"})
    if logical:
        location["logicalLocations"] = logical
    result: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    result["level"] = finding.severity
    result["message"] = {"text": _message(source, finding, place)}
    result["locations"] = [location]
    result["properties"] = {
        "source": source,
        "envelope": finding.envelope or envelope,
        "pointer": finding.pointer,
    }
    return result


def render_sarif(reports: Iterable[Report]) -> Iterator[str]:
    """One SARIF 2.1.0 log with one run, streamed: one result per finding, on its own line.

    ``tool.driver.rules`` is the whole rule catalogue in catalogue order, so it can be
    written before the first result, ``ruleIndex`` is the catalogue position, and a run
    without results still says which rules were applied. Each result's level is the
    finding's severity (a profile may change it); the rule's is its default. The file of
    the response (or of the finding's ``location``) is the artifact, with a region when a
    line is known; the JSON pointer is a logical location, and so is a response that is
    not a whole file (``path#entries/3``, ``<stdin>``, which has no artifact at all).
    """
    rule_index = {rule_id: i for i, rule_id in enumerate(RULES)}
    rules = ",\n".join(" " * 12 + json.dumps(_sarif_rule(rule_id)) for rule_id in RULES)
    yield (
        "{\n"
        f'  "$schema": {json.dumps(SARIF_SCHEMA)},\n'
        '  "version": "2.1.0",\n'
        '  "runs": [\n'
        "    {\n"
        '      "tool": {\n'
        '        "driver": {\n'
        '          "name": "errspec",\n'
        f'          "version": {json.dumps(__version__)},\n'
        f'          "informationUri": {json.dumps(INFORMATION_URI)},\n'
        f'          "rules": [\n{rules}\n          ]\n'
        "        }\n"
        "      },\n"
        '      "columnKind": "unicodeCodePoints",\n'
        '      "results": ['
    )
    first = True
    for report in reports:
        for finding in report.findings:
            result = _sarif_result(report.source, report.envelope, finding, rule_index)
            yield ("\n        " if first else ",\n        ") + json.dumps(_no_surrogates_in(result))
            first = False
    yield ("\n      " if not first else "") + "]\n    }\n  ]\n}\n"


# --- GitHub Actions workflow commands ------------------------------------------------------


def _escape_data(text: str) -> str:
    """Escape a workflow command's message as @actions/core does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Escape a workflow command's property value: also ``:`` and ``,``."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(source: str, finding: Finding) -> str:
    """``::error file=PATH,line=N,col=M,title=RULE::MESSAGE`` for one finding."""
    place = finding_place(source, finding)
    props: list[tuple[str, str]] = []
    if place.file is not None:
        props.append(("file", place.file))
        if place.line is not None:
            props.append(("line", str(place.line)))
            if place.column is not None:
                props.append(("col", str(place.column)))
    props.append(("title", finding.rule))
    properties = ",".join(f"{key}={printable(_escape_property(value))}" for key, value in props)
    message = printable(_escape_data(_message(source, finding, place)))
    return f"::{finding.severity} {properties}::{message}"


def render_github(reports: Iterable[Report]) -> Iterator[str]:
    """One GitHub Actions ``::error``/``::warning`` command per finding (an annotation on
    the file and line when they are known), then the text reporter's summary line."""
    counts = _Counts()
    for report in reports:
        counts.add(report)
        for finding in report.findings:
            yield github_command(report.source, finding) + "\n"
    yield counts.sentence() + "\n"


# --- JUnit XML -----------------------------------------------------------------------------

# Characters XML 1.0 cannot carry, not even as character references (XML 1.0 §2.2 allows
# #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF: this is the rest,
# written as itself because the complement takes `re` ~6 ms to compile at every start).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text safe for XML 1.0: a control character becomes a visible ``\\xNN`` escape, a
    lone surrogate ``\\udXXX``."""
    return _NOT_XML.sub(_escaped_xml, text)


def _escaped_xml(match: re.Match[str]) -> str:  # as printable() writes them
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def render_junit(reports: Iterable[Report]) -> Iterator[str]:
    """A JUnit XML report: ``<testsuites>`` holding one ``<testsuite name="errspec">``.

    One ``<testcase>`` per report, named by its source, classname its envelope (or
    ``unknown``); one ``<failure type=RULE message=MESSAGE>`` per error-level finding.
    Warnings do not fail a response, so they are ``<system-out>`` lines in the text
    reporter's form, which CI test views show beside the test case. ``tests`` counts
    responses and ``failures`` the responses with at least one failure (as JUnit counts
    failed tests, not failure elements). The XML is ASCII with character references, so
    it stays valid UTF-8 whatever the terminal's encoding.
    """
    import xml.etree.ElementTree as ET  # only for this format

    counts = _Counts()
    suite = ET.Element("testsuite", name="errspec")
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="errspec_version", value=__version__)
    for report in reports:
        counts.add(report)
        case = ET.SubElement(
            suite,
            "testcase",
            name=_xml_text(report.source),
            classname=_xml_text(report.envelope or "unknown"),
        )
        warnings: list[str] = []
        for finding in report.findings:
            line = finding_line(finding.location or report.source, finding)
            if finding.severity == "error":
                failure = ET.SubElement(
                    case, "failure", type=finding.rule, message=_xml_text(finding.message)
                )
                failure.text = _xml_text(line)
            else:
                warnings.append(line)
        if warnings:
            ET.SubElement(case, "system-out").text = _xml_text("\n".join(warnings) + "\n")
    failed = str(counts.responses - counts.conforming)
    totals = {"tests": str(counts.responses), "failures": failed, "errors": "0"}
    for key, value in {**totals, "skipped": "0"}.items():
        suite.set(key, value)
    root = ET.Element("testsuites", {"name": "errspec", **totals})
    root.append(suite)
    ET.indent(root)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield ET.tostring(root, encoding="us-ascii").decode("ascii") + "\n"


def summary_output(fmt: str, summary: Summary) -> Iterator[str]:
    """A counted :class:`Summary` as ``summary`` (text) or ``summary-json``."""
    if fmt == "summary-json":
        doc = {
            "errspec_version": __version__,
            "format_version": FORMAT_VERSION,
            "summary": summary.as_json(),
        }
        yield json.dumps(_no_surrogates_in(doc), indent=2, ensure_ascii=False) + "\n"
        return
    for line in summary.lines():
        yield printable(line) + "\n"


def render_summary(
    reports: Iterable[Report], *, max_examples: int = DEFAULT_MAX_EXAMPLES
) -> Iterator[str]:
    """``--format summary``: counts per envelope x status x rule (and per operation), the
    first sources of each rule, totals and rates; memory flat in the number of reports."""
    from ._summary import Summary

    return summary_output("summary", Summary(max_examples).add_all(reports))


def render_summary_json(
    reports: Iterable[Report], *, max_examples: int = DEFAULT_MAX_EXAMPLES
) -> Iterator[str]:
    """``--format summary-json``: the summary as one JSON document."""
    from ._summary import Summary

    return summary_output("summary-json", Summary(max_examples).add_all(reports))


REPORTERS: dict[str, Reporter] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
    "summary": render_summary,
    "summary-json": render_summary_json,
}


def render(
    fmt: str,
    reports: Iterable[Report],
    *,
    quiet: bool = False,
    statistics: bool = False,
    color: bool = False,
) -> Iterator[str]:
    """The output of reporter ``fmt``; ``quiet``, ``statistics`` and ``color`` apply to the
    text format (any other format but json refuses the first two: a ``ValueError``)."""
    if fmt == "text":
        return render_text(reports, quiet=quiet, statistics=statistics, color=color)
    if (quiet or statistics) and fmt not in VERBOSITY_FORMATS:
        raise ValueError(f"--quiet and --statistics go with --format text or json, not {fmt}")
    return REPORTERS[fmt](reports)
