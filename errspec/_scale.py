"""Checking traffic at scale.

:func:`check_records` is the pure entry point for engines that distribute work (Dask,
PySpark): records in, reports or a mergeable :class:`~errspec.Summary` out; it and
everything it returns pickle. :func:`checked_in_parallel` is ``errspec check --jobs N``:
NDJSON is cut into blocks of whole lines in the main process, and the workers split,
parse and check them (other formats are read in the main process and checked by the
workers); results come
back in input order, the same as one process gives.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ._check import EnvelopeSpec, OperationArg, check_response
from ._config import Config
from ._defaults import DEFAULT_MAX_BODY
from ._exceptions import ErrspecError
from ._findings import Report, Severity
from ._http import Response, parsed
from ._inputs import (
    InputError,
    ReadOptions,
    block_lines,
    check_path,
    ndjson_blocks,
    ndjson_record,
    ndjson_response,
    read_responses,
    record_response_of,
    response_from_record,
)
from ._spec import Spec, load_spec
from ._summary import DEFAULT_MAX_EXAMPLES, Summary

__all__ = ["PARALLEL_THRESHOLD", "CheckJob", "check_records", "checked_in_parallel", "default_jobs"]

#: Inputs at least this large (bytes, all files together) are checked with every core
#: when ``--jobs`` is not given.
PARALLEL_THRESHOLD = 8 << 20
#: Responses per task sent to a worker, for inputs read in the main process.
_CHUNK_RECORDS = 500
#: Bytes of NDJSON per task sent to a worker (whole lines: a few thousand records).
_TASK_BYTES = 1 << 20


def check_records(
    records: Iterable[Mapping[str, Any] | str | bytes],
    envelope: EnvelopeSpec = "auto",
    *,
    spec: str | Path | Spec | None = None,
    operation: OperationArg = None,
    summary: bool = False,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    source: str = "records",
    errors_only: bool = False,
    max_body: int = DEFAULT_MAX_BODY,
    config: Config | None = None,
) -> list[Report] | Summary:
    """Check response records: mappings (``{"status", "headers", "body", "request"}``, as
    ``errspec check`` reads them) or NDJSON lines (``str``/``bytes``, blank lines skipped).

    Returns the reports in order, or with ``summary=True`` a :class:`~errspec.Summary`
    that merges with others (:meth:`~errspec.Summary.merge`). Sources are ``source#i``
    for mappings and ``source:LINE`` for lines (1-based). ``spec`` may be a path, loaded
    once per process. A record errspec cannot read raises :class:`~errspec.InputError`,
    as ``errspec check`` exits 2 on it.
    """
    loaded = _spec(spec)
    counted = Summary(max_examples) if summary else None
    reports: list[Report] = []
    options = ReadOptions(max_body=max_body, errors_only=errors_only)
    for i, item in enumerate(records):
        if isinstance(item, str | bytes):
            line = item.encode("utf-8", "surrogatepass") if isinstance(item, str) else item
            if not line.strip():
                continue
            read = ndjson_response(i + 1, line, source, options)
        elif isinstance(item, Mapping):
            read = response_from_record(item, f"{source}#{i}")
            if errors_only and read.status < 400:
                read = None
        else:
            raise TypeError(
                f"a record is a mapping or an NDJSON line (str or bytes), not {type(item).__name__}"
            )
        if read is None:
            continue
        response = parsed(read)
        report = check_response(response, envelope, spec=loaded, operation=operation, config=config)
        if counted is not None:
            counted.add(report)
        else:
            reports.append(report)
    return counted if counted is not None else reports


_SPECS: dict[tuple[str, bool, bool], Spec] = {}


def _spec(
    spec: str | Path | Spec | None, *, remote: bool = False, outside: bool = False
) -> Spec | None:
    """A spec given by path is loaded once per process (a Dask or Spark worker checks many
    partitions with it)."""
    if spec is None or isinstance(spec, Spec):
        return spec
    key = (str(spec), remote, outside)
    if key not in _SPECS:
        _SPECS[key] = load_spec(spec, allow_remote_refs=remote, allow_outside_refs=outside)
    return _SPECS[key]


# --------------------------------------------------------------------------- --jobs


@dataclass(frozen=True)
class CheckJob:
    """What every worker needs to check a response as ``errspec check`` would."""

    envelope: str
    fail_on: Severity = "error"
    options: ReadOptions = field(default_factory=ReadOptions)
    spec_path: str | None = None
    allow_remote_refs: bool = False
    allow_outside_refs: bool = False
    operation: str | None = None
    config: Config | None = None
    summary: bool = False
    max_examples: int = DEFAULT_MAX_EXAMPLES


@dataclass
class Part:
    """A worker's answer for one task: reports (or a summary of them), whether one fails,
    and the input error that stopped it (after the reports before it)."""

    reports: list[Report]
    summary: Summary | None
    failed: bool
    error: str | None = None


_JOB: CheckJob | None = None
_STATE: dict[str, Any] = {}


def _start(job: CheckJob) -> None:
    """Worker initializer: the job, and its spec loaded once."""
    global _JOB
    _JOB = job
    spec = _spec(job.spec_path, remote=job.allow_remote_refs, outside=job.allow_outside_refs)
    _STATE["spec"] = spec
    _STATE["operation"] = (
        spec.operation(job.operation) if spec is not None and job.operation else None
    )


def _check_task(task: tuple[str, str, list[Any]]) -> Part:
    """Check one task: ``("blocks", name, [(lines before, block)…])`` or ``("responses",
    name, [Response…])``."""
    job = _JOB
    assert job is not None
    kind, name, items = task
    spec, operation = _STATE.get("spec"), _STATE.get("operation")
    part = Part([], Summary(job.max_examples) if job.summary else None, False)
    try:
        for item in items:
            if kind == "blocks":
                before, block = item
                for lineno, line in block_lines(block, before):
                    if line.strip():
                        _check_line(lineno, line, name, job, spec, operation, part)
            else:
                _check_one(item, job, spec, operation, part)
    except ErrspecError as exc:  # InputError and the like: reported in order by the caller
        part.error = str(exc)
    return part


def _check_line(
    lineno: int, line: bytes, name: str, job: CheckJob, spec: Any, operation: Any, part: Part
) -> None:
    """Check one NDJSON line. Its record goes to ``check_response`` as it was parsed (a
    conforming one is then judged without building its response), unless what the line
    holds must be read first: ``--errors-only`` (the status), a spec (the request), or
    anything but an object (which ``response_from_record`` refuses in its words)."""
    where, data = ndjson_record(lineno, line, name, job.options)
    if job.options.errors_only or spec is not None or type(data) is not dict:
        read = record_response_of(where, data, job.options)
        if read is not None:  # (None: --errors-only)
            _check_one(parsed(read), job, spec, operation, part)
        return
    _check_one(data, job, spec, operation, part, where)


def _check_one(
    response: Response | dict[str, Any],
    job: CheckJob,
    spec: Any,
    operation: Any,
    part: Part,
    source: str | None = None,
) -> None:
    report = check_response(
        response, job.envelope, source=source, spec=spec, operation=operation, config=job.config
    )
    part.failed = part.failed or report.fails(job.fail_on)
    if part.summary is not None:
        part.summary.add(report)
    else:
        part.reports.append(report)


def _tasks(names: Iterable[str], job: CheckJob, stdin: IO[bytes] | None) -> Iterator[Any]:
    """Tasks in input order: NDJSON in blocks of about ``_TASK_BYTES``, other inputs in
    ``_CHUNK_RECORDS`` responses."""
    for name in names:
        shown = "<stdin>" if name == "-" else name
        handle: IO[bytes] | None = None
        if name != "-":
            try:
                handle = check_path(name).open("rb")
            except OSError as exc:
                raise InputError(f"{name}: {exc.strerror or 'cannot read'}") from None
            blocks = ndjson_blocks(handle, name, job.options)
        else:
            blocks = None  # standard input cannot be read twice: read it the usual way
        try:
            if blocks is not None:
                chunk: list[Any] = []
                size = 0
                try:
                    for before, block in blocks:
                        chunk.append((before, block))
                        size += len(block)
                        if size >= _TASK_BYTES:
                            yield ("blocks", shown, chunk)
                            chunk, size = [], 0
                except ErrspecError:  # a line too long: the lines before it come first
                    if chunk:
                        yield ("blocks", shown, chunk)
                    raise
                if chunk:
                    yield ("blocks", shown, chunk)
                continue
            responses: list[Response] = []
            for response in read_responses(name, job.options, stdin=stdin):
                responses.append(response)
                if len(responses) >= _CHUNK_RECORDS:
                    yield ("responses", shown, responses)
                    responses = []
            if responses:
                yield ("responses", shown, responses)
        finally:
            if handle is not None:
                handle.close()


def _context() -> Any:
    """fork where it is safe (POSIX, one thread: nothing is imported twice), else the
    platform's safe start method."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def checked_in_parallel(
    names: Iterable[str], job: CheckJob, jobs: int, stdin: IO[bytes] | None = None
) -> Iterator[Part]:
    """The parts of ``errspec check --jobs N``, in input order. At most ``2 * jobs`` tasks
    are in flight, so memory stays bounded whatever the input size. An input error in the
    main process (a missing file, a malformed HAR) is raised after the parts before it."""
    context = _context()
    with context.Pool(jobs, initializer=_start, initargs=(job,)) as pool:
        pending: deque[Any] = deque()
        try:
            for task in _tasks(names, job, stdin):
                pending.append(pool.apply_async(_check_task, (task,)))
                while len(pending) >= 2 * jobs:
                    yield pending.popleft().get()
        except ErrspecError as exc:
            while pending:
                yield pending.popleft().get()
            yield Part([], None, False, str(exc))
            return
        while pending:
            yield pending.popleft().get()


def default_jobs(names: Iterable[str]) -> int:
    """Every usable core when the inputs are large (files of ``PARALLEL_THRESHOLD`` bytes
    or more in all), else 1: for small inputs, starting processes costs more than it
    saves."""
    total = 0
    for name in names:
        if name == "-":
            continue
        try:
            total += Path(name).stat().st_size
        except (OSError, ValueError):
            continue
    if total < PARALLEL_THRESHOLD:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
