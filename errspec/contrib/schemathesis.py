"""errspec as a schemathesis check: ``error_envelope_conformance``.

Importing this module registers the check with schemathesis (4.x). From the command line,
load it as the hooks module::

    SCHEMATHESIS_HOOKS=errspec.contrib.schemathesis schemathesis run openapi.yaml --url …

and from Python pass it to ``case.call_and_validate(checks=[…])`` or
``additional_checks=[…]``. Like every registered custom check, it is enabled by default
once imported, so a run without ``--checks`` uses it beside schemathesis' own checks.

Each response goes through :func:`errspec.check_response`; when it has findings at or
above the threshold (``error`` unless told otherwise), the check raises
:class:`ErrorEnvelopeFailure`, an ``AssertionError`` whose message has one
``source: severity rule message [pointer]`` line per finding. The envelope is, first
found: :func:`configure`, the ``ERRSPEC_ENVELOPE`` environment variable, ``envelope`` in
``[tool.errspec]`` of ``errspec.toml`` / ``pyproject.toml`` in the current directory,
``"auto"`` (detected per response). The threshold: :func:`configure`, ``ERRSPEC_FAIL_ON``,
``fail-on`` in the same configuration, ``"error"``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

try:
    import schemathesis
except ImportError as exc:  # pragma: no cover - exercised with schemathesis hidden
    raise ImportError(
        "errspec.contrib.schemathesis needs schemathesis 4: pip install 'errspec[schemathesis]'"
    ) from exc
from errspec import Envelope, InputError, Report, Severity, check_response, get_envelope
from errspec._config import CONFIG_FILES, Config, find_config, load_config
from errspec._reporters import finding_line

_MAJOR = schemathesis.__version__.partition(".")[0]
if not _MAJOR.isdigit() or int(_MAJOR) < 4:  # schemathesis 3 calls checks as (response, case)
    raise ImportError(
        f"errspec.contrib.schemathesis needs schemathesis 4, not {schemathesis.__version__}: "
        "pip install 'errspec[schemathesis]'"
    )

__all__ = [
    "ENVELOPE_VARIABLE",
    "FAIL_ON_VARIABLE",
    "ErrorEnvelopeFailure",
    "Settings",
    "configure",
    "error_envelope_conformance",
    "settings",
]

#: Environment variable naming the envelope (an id, alias, folder path, or ``auto``).
ENVELOPE_VARIABLE: Final = "ERRSPEC_ENVELOPE"
#: Environment variable with the lowest severity that fails the check.
FAIL_ON_VARIABLE: Final = "ERRSPEC_FAIL_ON"
_SEVERITIES: tuple[Severity, ...] = ("error", "warning")

EnvelopeSpec = str | Path | Envelope


@dataclass(frozen=True)
class Settings:
    """What the check uses, and where each value came from (for its failure message)."""

    envelope: EnvelopeSpec
    envelope_from: str
    fail_on: Severity
    fail_on_from: str


class ErrorEnvelopeFailure(AssertionError):
    """The check's failure: ``str()`` is the message schemathesis shows, ``report`` the
    :class:`errspec.Report` it comes from."""

    def __init__(self, message: str, report: Report | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class _Configured:
    envelope: EnvelopeSpec | None = None
    fail_on: Severity | None = None


_configured = _Configured()


def configure(*, envelope: EnvelopeSpec | None = None, fail_on: Severity | None = None) -> None:
    """Set the envelope and threshold for every later check in this process.

    ``None`` (the default) leaves that setting to the environment variable, the
    configuration file, or the default. An unknown envelope raises
    :class:`errspec.UnknownEnvelopeError` here, not in the middle of a run.
    """
    if envelope is not None:
        _resolve(envelope)
    if fail_on is not None and fail_on not in _SEVERITIES:
        raise ValueError(f"fail_on must be 'error' or 'warning', not {fail_on!r}")
    _configured.envelope = envelope
    _configured.fail_on = fail_on


def settings() -> Settings:
    """The envelope and threshold the check uses now, resolved in the documented order."""
    envelope: EnvelopeSpec | None = _configured.envelope
    envelope_from = "configure()"
    fail_on: Severity | None = _configured.fail_on
    fail_on_from = "configure()"
    config: Config | None = None
    if envelope is None and os.environ.get(ENVELOPE_VARIABLE, "").strip():
        envelope, envelope_from = os.environ[ENVELOPE_VARIABLE].strip(), ENVELOPE_VARIABLE
    if fail_on is None and os.environ.get(FAIL_ON_VARIABLE, "").strip():
        value = os.environ[FAIL_ON_VARIABLE].strip().lower()
        if value not in _SEVERITIES:
            raise InputError(f"{FAIL_ON_VARIABLE} must be 'error' or 'warning', not {value!r}")
        fail_on, fail_on_from = ("error" if value == "error" else "warning"), FAIL_ON_VARIABLE
    if envelope is None or fail_on is None:
        config = _file_config()
    if envelope is None:
        if config is not None and config.envelope:
            envelope, envelope_from = config.envelope, config.source or "configuration"
        else:
            envelope, envelope_from = "auto", "default"
    if fail_on is None:
        if config is not None and config.fail_on:
            fail_on, fail_on_from = config.fail_on, config.source or "configuration"
        else:
            fail_on, fail_on_from = "error", "default"
    return Settings(envelope, envelope_from, fail_on, fail_on_from)


def _file_config() -> Config:
    """The ``[tool.errspec]`` errspec finds from the current directory upwards (as every
    door of errspec finds it). Asked for every response: kept while the files that could
    hold it are unchanged, so a check costs a few ``stat`` calls, not a TOML parse per
    folder."""
    here = Path.cwd()
    return _load_config(here, _stamps(here))


def _stamps(here: Path) -> tuple[tuple[str, int], ...]:
    """(path, mtime) of every configuration file from ``here`` up to the project's root."""
    out: list[tuple[str, int]] = []
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            stamp = _mtime(folder / name)
            if stamp is not None:
                out.append((str(folder / name), stamp))
        if (folder / ".git").exists():
            break
    return tuple(out)


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


@lru_cache(maxsize=8)
def _load_config(here: Path, stamps: tuple[tuple[str, int], ...]) -> Config:
    found = find_config(here)
    return load_config(found) if found is not None else Config()


def _resolve(envelope: EnvelopeSpec) -> EnvelopeSpec:
    """An Envelope, or ``"auto"``; raises for an unknown id or a broken folder."""
    if isinstance(envelope, Envelope):
        return envelope
    if isinstance(envelope, str) and envelope.strip().lower() == "auto":
        return "auto"
    return _envelope(str(envelope))


@lru_cache(maxsize=32)
def _envelope(name: str) -> Envelope:
    return get_envelope(name)


def _source(response: schemathesis.Response, case: schemathesis.Case[Any]) -> str:
    """``METHOD /path?query`` of the request that got the response."""
    request = response.request
    method = request.method or case.method
    parts = urlsplit(request.url or "")
    target = parts.path or case.formatted_path
    if parts.query:
        target += "?" + parts.query
    return f"{method} {target}"


def _message(report: Report, chosen: Settings, source: str) -> str:
    failing = [f for f in report.findings if f.at_least(chosen.fail_on)]
    if report.envelope is None:
        envelope = "no envelope"
    elif isinstance(chosen.envelope, str) and chosen.envelope == "auto":
        envelope = f"the {report.envelope} envelope (detected)"
    else:
        envelope = f"the {report.envelope} envelope (from {chosen.envelope_from})"
    count = f"{len(failing)} finding{'' if len(failing) == 1 else 's'}"
    lines = [f"errspec: {count} at or above {chosen.fail_on} against {envelope}:"]
    lines.extend(finding_line(source, f) for f in failing)
    return "\n".join(lines)


@schemathesis.check
def error_envelope_conformance(
    ctx: schemathesis.CheckContext,
    response: schemathesis.Response,
    case: schemathesis.Case[Any],
) -> bool | None:
    """The response's error envelope conforms: errspec finds nothing at or above the
    threshold (the body's status is the HTTP status, the media type and schema are the
    envelope's, a 401 says WWW-Authenticate, a 429's Retry-After is valid, …)."""
    chosen = settings()
    source = _source(response, case)
    report = check_response(
        response, _resolve(chosen.envelope), source=source, config=_file_config()
    )
    if any(f.at_least(chosen.fail_on) for f in report.findings):
        raise ErrorEnvelopeFailure(_message(report, chosen, source), report)
    return None
