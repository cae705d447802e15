"""The ``errspec`` command line.

Thin by design: parse options, call the library, render, exit once. Exit codes everywhere:
0 success (nothing at or above ``--fail-on``), 1 findings, 2 usage error or unreadable input
with a one-line reason on stderr, 3 an internal error (a bug in errspec: one line, and the
traceback only with ``--debug`` or ``ERRSPEC_DEBUG=1``).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click
import click._compat as click_compat

from .__about__ import __version__
from ._defaults import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_EXAMPLES,
    FORMATS,
    OPENAPI_VERSIONS,
    SUMMARY_FORMATS,
    VERBOSITY_FORMATS,
    OpenAPIVersion,
    builtin_ids,
    data_folder,
)
from ._exceptions import ErrspecError, InputError
from ._findings import RULES, SEVERITIES, Report, Severity, rule_help_url

# Everything else is imported by the command that needs it: `errspec --version` and
# `--help` load no schema library, no YAML and no envelope (start-up is measured in
# bench/startup.py).
if TYPE_CHECKING:
    from importlib.abc import Traversable

    from ._config import Config
    from ._detect import Detection
    from ._house import HouseShape
    from ._http import Response
    from ._inputs import ReadOptions
    from ._profile import Profile
    from ._registry import Envelope
    from ._scale import CheckJob, Part
    from ._spec import Operation, Spec

__all__ = ["cli", "main", "run"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
#: Where a user reports an internal error (exit code 3).
BUG_REPORT = "please report it to the errspec developers with the command and its input"


class UsageFailure(click.ClickException):
    """A one-line error for the user, exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"errspec: error: {self.format_message()}", err=True, file=file)


def _fail(message: str) -> NoReturn:
    raise UsageFailure(message)


def _envelope(name: str) -> Envelope:
    from ._registry import get_envelope

    try:
        return get_envelope(name)
    except ErrspecError as exc:
        _fail(str(exc))


def _debug_wanted() -> bool:
    """``--debug`` was given, or ``ERRSPEC_DEBUG`` is set to something other than 0/empty."""
    return _DEBUG[0] or os.environ.get("ERRSPEC_DEBUG", "").strip() not in ("", "0")


#: Set by the group's --debug option (a list, so the callback can set it without `global`).
_DEBUG = [False]


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    _DEBUG[0] = _DEBUG[0] or value
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="errspec")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="On an internal error (exit code 3), print the traceback too (or ERRSPEC_DEBUG=1).",
)
def cli() -> None:
    """errspec: the reference for HTTP API error envelopes.

    It knows nine envelopes (RFC 9457 problem details, JSON:API, Google AIP-193,
    OData/Microsoft and five vendor styles), ships their canonical JSON Schemas and
    reusable OpenAPI components, and says what each envelope means.

    Exit codes: 0 success, 1 findings, 2 usage error or unreadable input, 3 an internal
    error (a bug in errspec; --debug shows the traceback).
    """


@cli.command("envelopes")
@click.argument("args", nargs=-1, metavar="[ID] | new DIR")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--from-spec",
    "from_spec",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With `new`: infer the envelope from this OpenAPI spec's error responses.",
)
@click.option(
    "--from-response",
    "from_response",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With `new`: infer the envelope from this response record or JSON error body.",
)
@click.option("--force", is_flag=True, help="With `new`: write into a non-empty DIR.")
def envelopes_command(
    args: tuple[str, ...],
    fmt: str,
    from_spec: Path | None,
    from_response: Path | None,
    force: bool,
) -> None:
    """List the envelope catalogue, summarise one envelope, or write your own.

    \b
    errspec envelopes [ID]
      Without ID, the catalogue. ID is an envelope id or alias (e.g. `problem-details`,
      `rfc9457`, `aurion`) or the path to an envelope folder of your own (`./my-envelope/`).

    \b
    errspec envelopes new DIR --from-spec SPEC
    errspec envelopes new DIR --from-response FILE
      Write a house envelope folder (envelope.schema.json and profile.yaml) inferred from
      a spec's error responses, or from one response record or JSON error body: the
      members most error responses share, where the code lives and its casing (an open
      catalogue), the message, the status echo and the field errors, if any. DIR must be
      empty or new (--force to write anyway); its name is the envelope id. Then lint with
      `errspec lint SPEC --envelope DIR`. With neither option, a scaffold to edit: a
      valid {code, message} envelope.

    \b
    Examples:
      errspec envelopes
      errspec envelopes error-string
      errspec envelopes rfc9457 --format json
      errspec envelopes new ./acme-errors --from-spec openapi.yaml
    """
    from ._registry import envelopes
    from ._reporters import FORMAT_VERSION

    if args and args[0] == "new":
        _envelopes_new(args[1:], from_spec, from_response, force)
        return
    if from_spec is not None or from_response is not None or force:
        _fail("--from-spec, --from-response and --force go with `errspec envelopes new DIR`")
    if len(args) > 1:
        _fail(f"one envelope ID at most, not {len(args)} (or `errspec envelopes new DIR`)")
    envelope = args[0] if args else None
    if envelope is None:
        items = envelopes()
        if fmt == "json":
            click.echo(json.dumps([_summary_json(e, brief=True) for e in items], indent=2))
        else:
            click.echo(_catalogue_table(items))
        return
    env = _envelope(envelope)
    if fmt == "json":
        # One object: it carries format_version first, as every JSON document errspec
        # prints. (The catalogue above is a list, kept as it is.)
        data = {"format_version": FORMAT_VERSION, **_summary_json(env, brief=False)}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(_summary_text(env))


def _envelopes_new(
    args: tuple[str, ...], from_spec: Path | None, from_response: Path | None, force: bool
) -> None:
    """`errspec envelopes new DIR [--from-spec SPEC | --from-response FILE]`: with neither,
    a scaffold to edit, `{code, message}` (valid and loadable as it is)."""
    from ._house import infer_from_body, write_house
    from ._registry import load_envelope

    if len(args) != 1:
        _fail("usage: errspec envelopes new DIR [--from-spec SPEC | --from-response FILE]")
    folder = Path(args[0])
    if from_spec is not None and from_response is not None:
        _fail("`errspec envelopes new DIR` takes --from-spec or --from-response, not both")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())) and not force:
        _fail(f"{folder} exists and is not empty; pass --force to write into it")
    from ._lint import infer_from_spec  # as `lint` does: only when asked

    try:
        if from_spec is not None:
            house = infer_from_spec(from_spec)
            source = from_spec.name
        elif from_response is not None:
            house = _house_of_response(from_response)
            source = from_response.name
        else:  # a scaffold: the smallest useful envelope, to edit
            template = {"code": "NOT_FOUND", "message": "A human-readable description"}
            house = infer_from_body(template, 404, "application/json")
            source = "errspec's scaffold (edit envelope.schema.json and profile.yaml)"
        envelope_id = write_house(folder, house, source, force=force)
        load_envelope(folder)  # it must load as --envelope DIR does
    except (ErrspecError, ValueError, OSError) as exc:
        _fail(str(exc))
    click.echo(f"wrote {folder} (envelope {envelope_id}): {house.describe()}", err=True)
    for line in house.evidence():
        click.echo(f"  {line}", err=True)


def _house_of_response(path: Path) -> HouseShape:
    """The house shape of a response record (or of a bare JSON error body), read as
    `errspec check` reads a record: strict JSON, bounded, one line on bad input."""
    from ._house import infer_from_body
    from ._http import is_json_media_type
    from ._inputs import _load_json_document, check_path, response_from_record

    check_path(str(path))
    if path.stat().st_size > DEFAULT_MAX_BODY:
        raise InputError(f"{path}: larger than {DEFAULT_MAX_BODY} bytes")
    data = _load_json_document(path.read_bytes(), str(path))
    if isinstance(data, dict) and "body" in data and ("status" in data or "headers" in data):
        record = response_from_record(data, str(path))
        media = record.media_type if is_json_media_type(record.media_type) else None
        return infer_from_body(record.body, record.status, media)
    return infer_from_body(data)


@cli.command("components")
@click.argument("envelope", metavar="ID")
@click.option(
    "--openapi",
    "version",
    type=click.Choice(OPENAPI_VERSIONS),
    default="3.1",
    show_default=True,
    help="OpenAPI version of the document.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output (.json writes JSON, anything else YAML).",
)
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def components_command(
    envelope: str, version: OpenAPIVersion, output: Path | None, force: bool
) -> None:
    """Print (or write) the OpenAPI components of envelope ID.

    The output is a complete, valid OpenAPI document whose `components` hold the envelope
    schema, one reusable response per documented status (`NotFound`, `TooManyRequests`, …)
    with media type, headers and examples, and the headers those responses reference.
    `$ref` them from your spec by relative path:

    \b
      responses:
        '404':
          $ref: './errspec/problem-details.yaml#/components/responses/NotFound'
    """
    from ._components import components_document, components_yaml

    env = _envelope(envelope)
    try:
        if output is not None and output.suffix.lower() == ".json":
            text = json.dumps(components_document(env, version), indent=2, ensure_ascii=False)
            text += "\n"
        else:
            text = components_yaml(env, version)
    except ErrspecError as exc:
        _fail(str(exc))
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and not force:
        _fail(f"{output} exists; pass --force to overwrite it")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{output}: cannot write: {exc.strerror or exc}")
    click.echo(f"wrote {output} (OpenAPI {version} components for {env.id})", err=True)


def _known_ids() -> str:
    """The ids for --help, from the catalogue's folder names (no envelope is loaded)."""
    return ", ".join(builtin_ids()) or "see `errspec envelopes`"


_ENVELOPE_IDS = _known_ids()


def _envelope_option(ctx: click.Context, param: click.Parameter, value: str) -> Envelope | str:
    """`--envelope`: an id, alias, folder path or `auto` (choices come from the catalogue)."""
    from ._registry import get_envelope

    if value.strip().lower() == "auto":
        return "auto"
    try:
        return get_envelope(value)
    except ErrspecError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _input_names(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The inputs, each checked before any is read (a bad path fails before output)."""
    from ._inputs import check_path

    names = paths or ("-",)
    for name in names:
        if name != "-":
            check_path(name)
        elif sys.stdin is not None and sys.stdin.isatty():
            raise InputError("no input: give a PATH, or pipe responses into `-`")
    return names


def _read_all(names: tuple[str, ...], options: ReadOptions) -> Iterator[Response]:
    from ._inputs import read_responses

    stdin = getattr(sys.stdin, "buffer", None)  # None: standard input is closed
    for name in names:
        yield from read_responses(name, options, stdin=stdin)


def _output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--quiet` and `--statistics`, shared by `check` and `lint`: refused (exit 2) before
    any work with a format other than text or json."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        fmt = kwargs.get("fmt")
        if (kwargs.get("quiet") or kwargs.get("statistics")) and fmt not in VERBOSITY_FORMATS:
            _fail(f"--quiet and --statistics go with --format text or json, not {fmt}")
        return command(*args, **kwargs)

    with_statistics = click.option(
        "--statistics",
        is_flag=True,
        help="After the findings, count them per rule, most frequent first (text format; "
        "--format json always has them in summary.rules).",
    )(checked)
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Print only the summary line (text format); the exit code is unchanged and "
        "errors still go to standard error.",
    )(with_statistics)


def _render(
    fmt: str, reports: Iterable[Report], *, quiet: bool = False, statistics: bool = False
) -> None:
    """Write the reports in format ``fmt`` to standard output, chunk by chunk."""
    from ._reporters import render

    if (quiet or statistics) and fmt not in VERBOSITY_FORMATS:
        _fail(f"--quiet and --statistics go with --format text or json, not {fmt}")
    color = _color_wanted()
    for chunk in render(fmt, reports, quiet=quiet, statistics=statistics, color=color):
        click.echo(chunk, nl=False, color=color)


def _color_wanted() -> bool:
    """Colour text output when standard output is a terminal and ``NO_COLOR`` is unset or
    empty (https://no-color.org). Click's own test (``CliRunner(color=True)`` forces it)."""
    if os.environ.get("NO_COLOR", ""):
        return False
    # Looked up on the module at call time: CliRunner replaces it for `color=`.
    return not click_compat.should_strip_ansi(sys.stdout)


def _strict_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--strict``: errspec's stricter reading of the envelope's source."""
    return click.option(
        "--strict",
        is_flag=True,
        help="Also report what errspec infers beyond the envelope's source (a header name "
        "it guessed, a status the source gives a code none), as warnings that say "
        "\"errspec's reading, not the source's\". Or strict = true in [tool.errspec].",
    )(command)


def _max_examples_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-examples N`` for the summary formats (refused with the others)."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("max_examples") is not None and kwargs.get("fmt") not in SUMMARY_FORMATS:
            fmt = kwargs.get("fmt")
            _fail(f"--max-examples goes with --format summary or summary-json, not {fmt}")
        return command(*args, **kwargs)

    return click.option(
        "--max-examples",
        type=click.IntRange(min=0),
        default=None,
        metavar="N",
        help="With --format summary or summary-json: the sources shown per rule "
        f"[default: {DEFAULT_MAX_EXAMPLES}].",
    )(checked)


def _config_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--config FILE`` and ``--no-config``, the same on every command that reads one."""
    command = click.option(
        "--no-config",
        is_flag=True,
        help="Read no configuration file (not even [tool.errspec] found upwards).",
    )(command)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        help="Configuration file (default: errspec.toml or pyproject.toml [tool.errspec], "
        "found from the current folder up to the project's root).",
    )(command)


def _settings(config_path: str | None, no_config: bool) -> Config:
    """The configuration a command runs with: --config FILE, none with --no-config, or the
    one found upwards. A broken one is a usage error (exit 2)."""
    from ._config import load_config  # jsonschema: only for the commands that read one

    if config_path is not None and no_config:
        _fail("--config and --no-config exclude each other")
    try:
        return load_config(config_path, discover=not no_config)
    except ErrspecError as exc:
        _fail(str(exc))


def _defaulted(name: str) -> bool:
    """Whether the option ``name`` was left at its default (the configuration may fill it)."""
    source = click.get_current_context().get_parameter_source(name)
    return source in (None, click.core.ParameterSource.DEFAULT)


_CHECK_EPILOG = """\b
Inputs (sniffed from the content):
  record    {"status": 429, "headers": {...}, "body": {...}}   (or "body_text")
  NDJSON    one record per line, streamed
  HAR 1.2   every entry (--errors-only: status >= 400; base64 bodies decoded)
  HTTP      raw text as `curl -si` prints it (`curl -siL`: the last response, --all: each)

\b
Examples:
  errspec check response.json
  curl -si https://api.example.com/tasks/42 | errspec check - --envelope problem-details
  errspec check traffic.har --errors-only --format json
  errspec check traffic.har --spec openapi.yaml          # match entries to operations
  errspec check 404.json --spec openapi.yaml --operation 'GET /tasks/{id}'

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 unreadable input or usage error,
3 a bug in errspec (errspec --debug check … shows the traceback).
"""


@cli.command("check", epilog=_CHECK_EPILOG)
@click.argument("paths", nargs=-1, metavar="[PATH…|-]")
@click.option(
    "--envelope",
    "-e",
    callback=_envelope_option,
    default="auto",
    metavar="ID|PATH|auto",
    show_default=True,
    help="Envelope id or alias, a path to an envelope folder, or `auto` to detect it per "
    f"response. Ids: {_ENVELOPE_IDS}.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option(
    "--all", "all_responses", is_flag=True, help="Raw HTTP: check every response, not the last."
)
@click.option(
    "--errors-only", is_flag=True, help="HAR/NDJSON: check only responses with status >= 400."
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BODY,
    show_default=True,
    metavar="BYTES",
    help="Largest body to read; a larger one is an input error (exit 2).",
)
@click.option(
    "--spec",
    "spec_path",
    metavar="FILE",
    help="Also check each response against its operation in this OpenAPI document: the "
    "status, media type, schema and required headers it documents. Responses are matched "
    "to operations by their request's method and URL (records, NDJSON, HAR).",
)
@click.option(
    "--operation",
    metavar="'METHOD /path'|ID",
    help="With --spec: check every response against this operation ('GET /tasks/{id}' or "
    "an operationId) instead of matching requests.",
)
@click.option("--allow-remote-refs", is_flag=True, help="With --spec: fetch $refs to http(s) URLs.")
@click.option(
    "--allow-outside-refs", is_flag=True, help="With --spec: follow $refs outside its folder."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Check with N processes (NDJSON is parsed in them too; HAR and other formats are "
    "read by the main process). Output comes in input order, the same as with one "
    "process. Default: every core for inputs of 8 MiB or more, else 1.",
)
@_strict_option
@_max_examples_option
@_config_options
@_output_options
def check_command(
    paths: tuple[str, ...],
    envelope: Envelope | str,
    fmt: str,
    fail_on: Severity,
    all_responses: bool,
    errors_only: bool,
    max_body: int,
    spec_path: str | None,
    operation: str | None,
    allow_remote_refs: bool,
    allow_outside_refs: bool,
    jobs: int | None,
    strict: bool,
    max_examples: int | None,
    config_path: str | None,
    no_config: bool,
    quiet: bool,
    statistics: bool,
) -> None:
    """Check recorded error responses against an envelope's schema and meaning.

    Reads each PATH (or standard input for `-` or no PATH) and reports every finding:
    the body's status must equal the HTTP status, the code must go with the status,
    a 429 needs a valid Retry-After, and so on — see docs/rules/. With --spec, each
    response is also checked against what its operation documents.
    """
    from ._check import check_response
    from ._inputs import ReadOptions
    from ._reporters import summary_output
    from ._scale import CheckJob, default_jobs
    from ._spec import load_spec
    from ._summary import Summary

    options = ReadOptions(max_body=max_body, all_responses=all_responses, errors_only=errors_only)
    failed = False
    spec: Spec | None = None
    chosen: Operation | None = None
    settings = _settings(config_path, no_config)
    if strict:
        from dataclasses import replace

        settings = replace(settings, strict=True)
    # The configuration fills in what the command line leaves at its default.
    if _defaulted("envelope") and settings.envelope:
        envelope = _envelope_option(click.get_current_context(), None, settings.envelope)  # type: ignore[arg-type]
    if _defaulted("fail_on") and settings.fail_on:
        fail_on = settings.fail_on
    if spec_path is None and settings.spec:
        from ._config import spec_of

        spec_path = spec_of(settings)
        allow_outside_refs = allow_outside_refs or settings.lint.get("allow-outside-refs", False)

    def reports(names: tuple[str, ...]) -> Iterator[Report]:
        nonlocal failed
        for response in _read_all(names, options):
            report = check_response(
                response, envelope, spec=spec, operation=chosen, config=settings
            )
            del response  # a body is not kept while the next one is read
            failed = failed or report.fails(fail_on)
            yield report

    if operation is not None and spec_path is None:
        _fail("--operation needs --spec (the OpenAPI document the operation is in)")
    try:
        if spec_path is not None:
            spec = load_spec(
                spec_path,
                allow_remote_refs=allow_remote_refs,
                allow_outside_refs=allow_outside_refs,
            )
            chosen = spec.operation(operation) if operation is not None else None
        names = _input_names(paths)
        workers = jobs if jobs is not None else default_jobs(names)
        if workers > 1:
            job = CheckJob(
                envelope=_envelope_text(envelope),
                fail_on=fail_on,
                options=options,
                spec_path=spec_path,
                allow_remote_refs=allow_remote_refs,
                allow_outside_refs=allow_outside_refs,
                operation=operation,
                config=settings,
                summary=fmt in SUMMARY_FORMATS,
                max_examples=_max_examples(max_examples),
            )
            failed = _render_parts(fmt, names, job, workers, quiet=quiet, statistics=statistics)
        elif fmt in SUMMARY_FORMATS:
            summary = Summary(_max_examples(max_examples)).add_all(reports(names))
            _echo(summary_output(fmt, summary))
        else:
            _render(fmt, reports(names), quiet=quiet, statistics=statistics)
    except ErrspecError as exc:
        _fail(str(exc))
    raise click.exceptions.Exit(EXIT_FINDINGS if failed else EXIT_OK)


def _envelope_text(envelope: Envelope | str) -> str:
    """The --envelope value a worker process resolves again (an id, or a folder)."""
    if not isinstance(envelope, str):
        return envelope.id if envelope.builtin else str(envelope.location)
    return envelope


def _max_examples(value: int | None) -> int:
    return DEFAULT_MAX_EXAMPLES if value is None else value


def _echo(chunks: Iterable[str]) -> None:
    for chunk in chunks:
        click.echo(chunk, nl=False)


def _render_parts(
    fmt: str, names: tuple[str, ...], job: CheckJob, workers: int, *, quiet: bool, statistics: bool
) -> bool:
    """Output of ``check --jobs N``: the workers' parts in input order. An input error a
    part ends with is raised right after the reports before it, where one process would
    raise it (the output stops there the same way). Whether a report fails."""
    from ._reporters import summary_output
    from ._scale import checked_in_parallel
    from ._summary import Summary

    failed = False
    stdin = getattr(sys.stdin, "buffer", None)

    def parts() -> Iterator[Part]:
        nonlocal failed
        for part in checked_in_parallel(names, job, workers, stdin):
            failed = failed or part.failed
            yield part
            if part.error is not None:
                raise InputError(part.error)

    if job.summary:
        total = Summary(job.max_examples)
        for part in parts():
            if part.summary is not None:
                total.merge(part.summary)
        _echo(summary_output(fmt, total))
    else:
        _render(
            fmt,
            (report for part in parts() for report in part.reports),
            quiet=quiet,
            statistics=statistics,
        )
    return failed


_LINT_EPILOG = """\b
With no SPEC, lint looks for openapi.yaml, openapi.yml, openapi.json (then swagger.*) in
the current folder. Configuration: [tool.errspec] in pyproject.toml, or errspec.toml
(envelope, per-rule severity or "off", ignores by path glob and method); inline
`x-errspec-ignore: [rule, ...]` on an operation or response.

\b
Examples:
  errspec lint
  errspec lint api/openapi.yaml --envelope problem-details --format sarif > errspec.sarif
  errspec lint openapi.json --write-baseline .errspec-baseline.json
  errspec lint openapi.json --baseline .errspec-baseline.json   # only new findings fail

Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 unreadable spec or usage error,
3 a bug in errspec (errspec --debug lint … shows the traceback).
"""


@cli.command("lint", epilog=_LINT_EPILOG)
@click.argument("specs", nargs=-1, metavar="[SPEC…]")
@click.option(
    "--envelope",
    "-e",
    default=None,
    metavar="ID|auto",
    help="The spec's error envelope (default: the majority of its error responses). "
    f"Ids: {_ENVELOPE_IDS}.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--fail-on", type=click.Choice(["error", "warning"]), default=None, help="[default: error]"
)
@click.option(
    "--allow-remote-refs", is_flag=True, help="Fetch $refs to http(s) URLs (off: ref-refused)."
)
@click.option("--allow-outside-refs", is_flag=True, help="Follow $refs outside the spec's folder.")
@click.option(
    "--full-validation",
    is_flag=True,
    help="Validate with openapi-spec-validator too (slower; adds its semantic checks).",
)
@click.option(
    "--baseline", type=click.Path(dir_okay=False), help="Report only findings not in FILE."
)
@click.option(
    "--write-baseline", type=click.Path(dir_okay=False), help="Write the findings to FILE."
)
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="With SPEC `-` (standard input): the name findings give the spec; relative $refs "
    "resolve from its folder.",
)
@_strict_option
@_max_examples_option
@_config_options
@_output_options
def lint_command(
    specs: tuple[str, ...],
    envelope: str | None,
    config_path: str | None,
    no_config: bool,
    stdin_filename: str | None,
    fmt: str,
    fail_on: Severity | None,
    allow_remote_refs: bool,
    allow_outside_refs: bool,
    full_validation: bool,
    baseline: str | None,
    write_baseline: str | None,
    strict: bool,
    max_examples: int | None,
    quiet: bool,
    statistics: bool,
) -> None:
    """Lint OpenAPI documents: every operation's error responses against the envelope.

    Checks that operations declare error responses (a 4xx; a 401 when secured; a 404 on
    paths with parameters), that they all use one envelope with its media type, schema,
    headers (Retry-After on 429, WWW-Authenticate on 401) and codes, that examples agree
    with their status, and that the document is valid OpenAPI. Findings carry
    file:line:col.
    """
    from ._config import Baseline, read_baseline, spec_of
    from ._config import write_baseline as save_baseline
    from ._lint import lint_spec, options_for
    from ._reporters import summary_output

    started = time.perf_counter()
    try:
        config = _settings(config_path, no_config)
        options = options_for(
            config,
            envelope=envelope,
            allow_remote_refs=allow_remote_refs,
            allow_outside_refs=allow_outside_refs,
            full_validation=full_validation,
            strict=True if strict else None,
        )
        names = specs or ((str(spec_of(config)),) if config.spec else (_default_spec(),))
        known: Baseline | frozenset[str] = read_baseline(baseline) if baseline else frozenset()
        # A spec's tree is hundreds of thousands of acyclic containers: the cyclic garbage
        # collector only rescans them (30% of a lint of GitHub's description). Reference
        # counting still frees everything; the collector is back on after linting.
        gc.disable()
        try:
            reports = [
                lint_spec(_spec_input(name, stdin_filename), options, config=config, baseline=known)
                for name in names
            ]
        finally:
            gc.enable()
    except ErrspecError as exc:
        _fail(str(exc))
    if write_baseline:
        count = save_baseline(write_baseline, (f for r in reports for f in r.findings))
        click.echo(f"wrote {write_baseline} ({count} findings)", err=True)
    if fmt in SUMMARY_FORMATS:
        from ._summary import Summary

        _echo(summary_output(fmt, Summary(_max_examples(max_examples)).add_all(reports)))
    else:
        _render(fmt, reports, quiet=quiet, statistics=statistics)
    threshold: Severity = fail_on or config.fail_on or "error"
    failed = any(r.fails(threshold) for r in reports) and not write_baseline
    click.echo(f"linted in {time.perf_counter() - started:.2f} s", err=True)
    raise click.exceptions.Exit(EXIT_FINDINGS if failed else EXIT_OK)


def _spec_input(name: str, stdin_filename: str | None) -> Any:
    """A SPEC argument as lint takes it: a path, or for `-` the document on standard input
    (bounded like a file), named by --stdin-filename."""
    if name != "-":
        return name
    from ._specload import DEFAULT_MAX_BYTES, parse_document

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("-: no standard input")
    raw = stream.read(DEFAULT_MAX_BYTES + 1)
    label = stdin_filename or "<stdin>"
    if len(raw) > DEFAULT_MAX_BYTES:
        raise InputError(f"{label}: over the limit of {DEFAULT_MAX_BYTES} bytes")
    return parse_document(Path(label).resolve(), label, raw)


def _default_spec() -> str:
    for name in (
        "openapi.yaml",
        "openapi.yml",
        "openapi.json",
        "swagger.yaml",
        "swagger.yml",
        "swagger.json",
    ):
        if Path(name).is_file():
            return name
    raise InputError("no SPEC given, and no openapi.yaml/.yml/.json or swagger.* in this folder")


def _rules_pages() -> Traversable | None:
    """The folder of rule pages: ``errspec/docs/rules`` in an installed wheel, else the
    checkout's ``docs/rules`` beside the package."""
    return data_folder("docs", "rules")


def _rule_list() -> str:
    """`errspec rule --list`: id, default severity and summary of every rule."""
    width = max(len(rule_id) for rule_id in RULES)
    severity = max(len(s) for s in SEVERITIES)
    return "\n".join(
        f"{r.id:<{width}}  {r.severity:<{severity}}  {r.summary}" for r in RULES.values()
    )


@cli.command("rule")
@click.argument("rule_id", metavar="[ID]", required=False)
@click.option("--list", "list_rules", is_flag=True, help="List every rule: id, severity, summary.")
def rule_command(rule_id: str | None, list_rules: bool) -> None:
    """Print the documentation page of rule ID, or list the rules with --list.

    \b
    Examples:
      errspec rule status-mismatch
      errspec rule --list
    """
    if list_rules:
        if rule_id is not None:
            _fail("give a rule ID or --list, not both")
        click.echo(_rule_list())
        return
    if rule_id is None:
        _fail("give a rule ID (`errspec rule --list` lists them)")
    if rule_id not in RULES:
        shown = _one_line(rule_id, 60)
        import difflib

        close = difflib.get_close_matches(rule_id, list(RULES), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        _fail(f"unknown rule {shown!r}{hint} (`errspec rule --list` lists them)")
    root = _rules_pages()
    page = root.joinpath(f"{rule_id}.md") if root is not None else None
    if page is None or not page.is_file():
        _fail(  # pragma: no cover - a broken installation
            f"the page of rule {rule_id} is missing from the installation; see "
            f"{rule_help_url(rule_id)}"
        )
    text = page.read_text(encoding="utf-8")
    click.echo(text if text.endswith("\n") else text + "\n", nl=False)


@cli.command("convert")
@click.argument("paths", nargs=-1, metavar="[PATH…|-]")
@click.option("--to", "to", required=True, metavar="ID|PATH", help="The envelope to convert into.")
@click.option(
    "--from",
    "source",
    default="auto",
    show_default=True,
    metavar="ID|PATH|auto",
    help="The envelope the responses are in (auto: detected per response).",
)
@click.option(
    "--errors-only", is_flag=True, help="HAR/NDJSON: convert only responses with status >= 400."
)
def convert_command(paths: tuple[str, ...], to: str, source: str, errors_only: bool) -> None:
    """Convert error responses from one envelope into another.

    Reads records, NDJSON, HAR or raw HTTP as `errspec check` does, reads each error into
    errspec's envelope-agnostic model and renders it as the --to envelope prescribes for
    its status. Prints one JSON record per line (NDJSON: what `errspec check` reads), each
    checking clean against --to. A code the target cannot take (another vocabulary or
    casing) becomes the target's own code for the status.

    \b
    Examples:
      errspec convert legacy-404.json --to problem-details
      errspec convert traffic.ndjson --from error-object --to rfc9457 > converted.ndjson
    """
    from ._inputs import ReadOptions
    from ._produce import convert
    from ._registry import get_envelope

    try:
        target = get_envelope(to)
        origin: Envelope | str = (
            "auto" if source.strip().lower() == "auto" else get_envelope(source)
        )
        options = ReadOptions(errors_only=errors_only)
        for response in _read_all(_input_names(paths), options):
            out = convert(response, target, origin)
            if out.status != response.status:
                click.echo(
                    f"errspec: {response.source}: {target.id} has no code for HTTP "
                    f"{response.status}: converted as {out.status}",
                    err=True,
                )
            record: dict[str, Any] = {"status": out.status, "headers": dict(out.headers)}
            if response.method or response.url:
                record["request"] = {"method": response.method, "url": response.url}
            record["body"] = out.body
            click.echo(json.dumps(record, ensure_ascii=False))
    except ErrspecError as exc:
        _fail(str(exc))


@cli.command("config")
@_config_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def config_command(config_path: str | None, no_config: bool, fmt: str) -> None:
    """Show the effective settings and where each comes from.

    errspec reads one configuration: --config FILE, or else errspec.toml, or else
    [tool.errspec] in pyproject.toml, found from the current folder up to the project's
    root (the folder with .git). `check`, `lint`, the pytest fixture and the schemathesis
    check all read the same one; a relative `spec` is relative to the file's folder.
    """
    from ._config import find_config, spec_of
    from ._reporters import FORMAT_VERSION

    settings = _settings(config_path, no_config)
    source = settings.source
    if source is None:
        where = "--no-config" if no_config else f"none found from {Path.cwd()} upwards"
    else:
        where = source

    def origin(value: object) -> str:
        return source if value and source else "default"

    spec = spec_of(settings)
    rows: dict[str, dict[str, Any]] = {
        "envelope": {"value": settings.envelope or "auto", "from": origin(settings.envelope)},
        "fail-on": {"value": settings.fail_on or "error", "from": origin(settings.fail_on)},
        "strict": {"value": settings.strict, "from": origin(settings.strict)},
        "spec": {"value": spec, "from": origin(spec)},
        "rules": {"value": dict(settings.rules), "from": origin(settings.rules)},
        "ignore": {
            "value": [
                {"path": i.path, "method": i.method, "rules": list(i.rules)}
                for i in settings.ignore
            ],
            "from": origin(settings.ignore),
        },
        "lint": {"value": dict(settings.lint), "from": origin(settings.lint)},
    }
    if fmt == "json":
        from ._reporters import FORMAT_VERSION

        document = {
            "errspec_version": __version__,
            "format_version": FORMAT_VERSION,
            "configuration": source,
            "discovered": str(find_config()) if not no_config and not config_path else None,
            "settings": rows,
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    lines = [f"configuration: {where}"]
    for name, row in rows.items():
        value = row["value"]
        if isinstance(value, dict):
            shown = ", ".join(f"{k} = {v}" for k, v in value.items()) or "(none)"
        elif isinstance(value, list):
            shown = (
                "; ".join(
                    f"{i['path']}{' ' + i['method'] if i['method'] else ''}: "
                    f"{', '.join(i['rules']) or 'all rules'}"
                    for i in value
                )
                or "(none)"
            )
        else:
            shown = str(value) if value is not None else "(none)"
        lines.append(f"  {name:<9} {shown}  [{row['from']}]")
    click.echo("\n".join(lines))


@cli.command("detect")
@click.argument("paths", nargs=-1, metavar="[PATH…|-]")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--all", "all_responses", is_flag=True, help="Raw HTTP: every response, not the last."
)
def detect_command(paths: tuple[str, ...], fmt: str, all_responses: bool) -> None:
    """Say which envelope each response is in, with a score (0-1), or `none`.

    Detection ignores the HTTP status, so a broken response is still recognised.
    When two envelopes fit equally well (a bare {"error": {"code", "message"}} fits
    both odata and error-object) the profile priority decides, and the output says so.
    """
    from ._detect import detect
    from ._inputs import ReadOptions
    from ._reporters import FORMAT_VERSION

    options = ReadOptions(all_responses=all_responses)
    first = True
    try:
        names = _input_names(paths)
        if fmt == "json":
            # One document, streamed: a result a line, as `check --format json` writes it.
            click.echo(
                f'{{"errspec_version": {json.dumps(__version__)}, '
                f'"format_version": {FORMAT_VERSION}, "results": [',
                nl=False,
            )
        for response in _read_all(names, options):
            line = _detection_line(response, detect(response), fmt)
            if fmt == "json":
                line = ("\n  " if first else ",\n  ") + line
                first = False
            click.echo(line, nl=fmt != "json")
    except ErrspecError as exc:
        _fail(str(exc))
    if fmt == "json":
        click.echo("\n]}" if not first else "]}")


def _detection_line(response: Response, result: Detection, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(
            {
                "source": response.source,
                "envelope": result.envelope,
                "score": result.score,
                "tied_with": list(result.tied_with),
                "scores": dict(result.scores),
                "evidence": result.evidence_dict(),
            }
        )
    if not response.has_json_body:
        return f"{response.source}: none ({response.body_problem or 'no JSON body'})"
    if result.envelope is None:
        name, score = result.scores[0] if result.scores else ("-", 0.0)
        near = f" (closest: {name} {score:.2f}{_evidence_text(result)})" if score else ""
        ruled = next((e for e in result.evidence if e.ruled_out and e.matched), None)
        if not score and ruled is not None:
            near = f" ({ruled.envelope} ruled out: {ruled.ruled_out})"
        return f"{response.source}: none{near}"
    tie = (
        f"; tied with {', '.join(result.tied_with)}, chosen by priority" if result.tied_with else ""
    )
    evidence = _evidence_text(result)
    return f"{response.source}: {result.envelope} (score {result.score:.2f}{evidence}{tie})"


def _evidence_text(result: Detection) -> str:
    """The recognizer's evidence for the detected (or closest) envelope, one clause each."""
    parts = []
    if result.matched:
        parts.append("matched " + ", ".join(result.matched))
    if result.conflicts:
        parts.append("conflicts " + ", ".join(result.conflicts))
    if result.missing:
        parts.append("missing " + ", ".join(result.missing))
    if result.extensions:
        parts.append(f"{len(result.extensions)} extension members")
    return "".join(f"; {p}" for p in parts)


def _catalogue_table(items: tuple[Envelope, ...]) -> str:
    rows = [("ID", "TITLE", "MEDIA TYPES", "SOURCE")]
    for e in items:
        rows.append((e.id, e.title, ", ".join(e.media_types), e.profile.source.document))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row))
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _retry_word(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _cited(prov: Any, width: int = 96) -> str:
    """``stated, seed 001: "…"``: where a requirement comes from, on one line."""
    if prov is None:
        return "no provenance given"
    text = str(prov.cited())
    return text if len(text) <= width else text[: width - 2] + '…"'


_REPORTED = {
    "stated": "error",
    "recommended": "warning",
    "inferred": "not reported (--strict: warning)",
}


def _summary_text(env: Envelope) -> str:
    import textwrap

    p: Profile = env.profile
    out: list[str] = [f"{p.id} — {p.title}", "", textwrap.fill(p.description, 100), ""]

    def row(label: str, value: str, prov: Any = None) -> None:
        out.append(f"{label + ':':<14}{value}")
        if prov is not None:
            out.append(f"{'':<14}  from: {_cited(prov)}")

    if p.aliases:
        row("aliases", ", ".join(p.aliases))
    row("source", p.source.document)
    sections = ", ".join(f"{ref} {title}" if ref else title for title, ref in p.source.sections)
    row("sections", sections)
    if p.source.url:
        row("url", p.source.url)
    row("schema", env.schema_id)
    row("media types", ", ".join(p.media_types))
    echo = p.status_echo
    row(
        "status echo", f"{echo.pointer} ({echo.type})" if echo else "none", echo and echo.provenance
    )
    if p.code:
        kind = "open" if p.code.open else "closed"
        extra = f", repeated in header {p.code.header}" if p.code.header else ""
        row("code", f"{p.code.pointer} ({p.code.format}{extra})", p.code.provenance)
        row("catalogue", kind, p.code.open_provenance)
    else:
        row("code", "none")
    row("message", p.message)
    fe = p.field_errors
    if fe:
        parts = [f"{fe.pointer} ({fe.style}"]
        if fe.field:
            parts.append(f"field {fe.field}")
        parts.append(f"message {fe.message}")
        row("field errors", "; ".join(parts) + ")", fe.provenance)
    if p.request_id_pointer or p.request_id_header:
        where = [
            x
            for x in (p.request_id_pointer, p.request_id_header and "header " + p.request_id_header)
            if x
        ]
        row("request id", ", ".join(where), p.request_id_provenance)
    if p.retry_hint_header or p.retry_hint_pointer:
        where = []
        if p.retry_hint_header:
            where.append(f"header {p.retry_hint_header}")
        if p.retry_hint_pointer:
            where.append(f"body {p.retry_hint_pointer}")
        row("retry hint", ", ".join(where), p.retry_hint_provenance)
    if p.members:
        out += ["", "Members (the schema's; where each comes from):"]
        width = max(len(pointer or "(body)") for pointer, _ in p.members)
        for pointer, prov in p.members:
            out.append(f"  {pointer or '(body)':<{width}}  {_cited(prov)}")
    out += ["", *_signature_text(env)]
    if p.code and p.code.catalogue:
        out += ["", f"Codes ({p.code.catalogue_source or 'catalogue'}):"]
        if p.code.catalogue_provenance is not None:
            out.append(f"  from: {_cited(p.code.catalogue_provenance)}")
        width = max(len(c) for c in p.code.catalogue)
        for code, statuses in p.code.catalogue.items():
            said = ", ".join(map(str, statuses)) or "any 4xx/5xx (the source states no status)"
            own = p.code.row_provenance.get(code)
            out.append(f"  {code:<{width}}  {said}" + (f"  ({own.basis})" if own else ""))
    if p.conditional_members:
        out += ["", "Members allowed only on some statuses:"]
        for m in p.conditional_members:
            only = ", ".join(map(str, m.only_for_status))
            reported = _REPORTED[m.provenance.basis] if m.provenance else m.level
            out.append(f"  {m.pointer}  only on {only}: {reported}")
            if m.provenance:
                out.append(f"      from: {_cited(m.provenance)}")
    if p.headers:
        out += ["", "Headers:"]
        width = max(len(h.name) for h in p.headers)
        for h in p.headers:
            on = ", ".join(map(str, h.for_status)) if h.for_status else "every error status"
            if h.level == "optional":
                reported = "documented only"
            elif h.provenance is not None:
                reported = _REPORTED[h.provenance.basis]
            else:
                reported = "error" if h.level == "required" else "warning"
            out.append(f"  {h.name:<{width}}  on {on}: {reported}")
            if h.provenance:
                out.append(f"  {'':<{width}}    from: {_cited(h.provenance)}")
    if p.retryable:
        out += ["", "Retryable:"]
        for status, retry in sorted(p.retryable.items()):
            note = f" ({retry.note})" if retry.note else ""
            basis = f"  [{retry.provenance.basis}]" if retry.provenance else ""
            out.append(f"  {status}  {_retry_word(retry.retry)}{note}{basis}")
    out += ["", "OpenAPI responses:"]
    for response in p.responses:
        out.append(f"  {response.status}  {response.name:<22} {response.description}")
    return "\n".join(out)


def _signature_text(env: Envelope) -> list[str]:
    """How the recognizer knows the envelope: its signature, one member a line."""
    from ._plan import plan_for
    from ._recognize import signature_data

    sig = signature_data(plan_for(env))
    origin = "" if sig["declared"] else " (derived from the profile)"
    out = [f"Recognised by{origin}:"]
    width = max(len(m["pointer"]) for m in sig["members"])
    for m in sig["members"]:
        notes = [n for n in ("decisive", "required") if m[n]]
        extra = f"  ({', '.join(notes)})" if notes else ""
        out.append(f"  {m['pointer']:<{width}}  {' or '.join(m['type']) or 'any'}{extra}")
    out.append(f"  at least {sig['minimum']} of these (the dedicated media type counts as one)")
    if sig["extensions"]:
        shown = ", ".join(e or "(top level)" for e in sig["extensions"])
        out.append(f"  extension members allowed in: {shown}")
    if sig["media_type"]:
        out.append(f"  media type as evidence: {sig['media_type']}")
    return out


def _summary_json(env: Envelope, *, brief: bool) -> dict[str, Any]:
    from ._plan import plan_for
    from ._recognize import signature_data

    p = env.profile
    data: dict[str, Any] = {
        "id": p.id,
        "title": p.title,
        "aliases": list(p.aliases),
        "media_types": list(p.media_types),
        "source": p.source.document,
        "schema_id": env.schema_id,
    }
    if not brief:
        data["profile"] = dict(p.raw)
        data["signature"] = signature_data(plan_for(env))
    return data


def _one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters, writable to any UTF-8 stream."""
    flat = " ".join(text.split())
    flat = flat.encode("utf-8", "backslashreplace").decode("utf-8")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _writable_streams() -> None:
    """A lone surrogate that reaches the output is escaped instead of killing the run."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``errspec`` console script.

    Exit codes: 0, 1 findings, 2 usage or input error (one line), 3 an internal error: a bug
    in errspec, one line saying so (the traceback with ``--debug`` or ``ERRSPEC_DEBUG=1``).
    """
    _writable_streams()
    try:
        code = cli.main(args=argv, prog_name="errspec", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        click.echo("errspec: aborted", err=True)
        code = EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except ErrspecError as exc:
        click.echo(f"errspec: error: {_one_line(str(exc))}", err=True)
        code = EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`errspec check … | head`): nothing more to say to it.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_USAGE
    except (Exception, RecursionError, MemoryError) as exc:
        code = _internal_error(exc)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def run() -> NoReturn:
    """The ``errspec`` console script and ``python -m errspec``: :func:`main`, then an exit
    that does not tear the interpreter down.

    Tearing down frees every module and object one by one: ~25 ms after a lint of a small
    spec, ~50 ms after Stripe's, for nothing a finished run needs (every file errspec
    writes is closed, ``--jobs`` workers are gone). The output is flushed first; a reader
    that went away by then (``errspec check … | head``) changes nothing. Called as a
    function, :func:`main` exits as usual (``SystemExit``)."""
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code if isinstance(code, int) else EXIT_OK)


def _internal_error(exc: BaseException) -> int:
    """One line saying errspec has a bug (exit 3); the traceback only when asked for."""
    if _debug_wanted():
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
        hint = ""
    else:
        hint = " (`errspec --debug …` or ERRSPEC_DEBUG=1 shows the traceback)"
    what = _one_line(f"{type(exc).__name__}: {exc}", 200)
    click.echo(
        f"errspec: internal error: {what}: this is a bug in errspec; {BUG_REPORT}{hint}", err=True
    )
    return EXIT_INTERNAL
