"""errspec's pytest plugin, registered through the ``pytest11`` entry point.

- the ``errspec_checker`` fixture: :func:`errspec.assert_error_response` and
  :func:`errspec.check_response` with the defaults of ``[tool.errspec]`` (``envelope``,
  ``spec``, ``fail-on``) from ``errspec.toml`` or ``pyproject.toml`` in pytest's rootdir,
  overridden by ``--errspec-envelope`` / ``--errspec-spec``;
- a report header line saying which defaults apply.

``errspec.assert_error_response`` itself needs no plugin: it raises an ``AssertionError``
that reads like ``errspec check`` output anywhere. Disable the plugin with
``-p no:errspec``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# pytest imports this module in every run of every project that has errspec installed:
# errspec's checking machinery (jsonschema, the envelope registry) is imported on first use.
if TYPE_CHECKING:
    from ._check import EnvelopeSpec, OperationArg, SpecArg
    from ._config import Config
    from ._findings import Report, Severity

__all__ = ["ErrspecChecker"]

_UNSET: Any = object()


@dataclass(frozen=True)
class ErrspecChecker:
    """What the ``errspec_checker`` fixture gives a test: checks with the project's
    defaults. Every argument can still be given per call."""

    envelope: EnvelopeSpec = "auto"
    spec: SpecArg = None
    fail_on: Severity = "error"
    #: The project's [tool.errspec]: its rule severities, rules off and ignores apply too.
    config: Config | None = None
    source: str | None = None  # where the defaults came from

    def assert_error_response(
        self,
        response: Any,
        envelope: EnvelopeSpec = _UNSET,
        *,
        status: int | None = None,
        code: str | int | None = None,
        spec: SpecArg = _UNSET,
        operation: OperationArg = None,
        fail_on: Severity = _UNSET,
    ) -> Report:
        """:func:`errspec.assert_error_response` with the configured defaults."""
        __tracebackhide__ = True
        from ._assertions import assert_error_response

        return assert_error_response(
            response,
            self.envelope if envelope is _UNSET else envelope,
            status=status,
            code=code,
            spec=self.spec if spec is _UNSET else spec,
            operation=operation,
            fail_on=self.fail_on if fail_on is _UNSET else fail_on,
            config=self.config,
        )

    def check(
        self,
        response: Any,
        envelope: EnvelopeSpec = _UNSET,
        *,
        spec: SpecArg = _UNSET,
        operation: OperationArg = None,
    ) -> Report:
        """:func:`errspec.check_response` with the configured defaults (never raises on
        findings; look at ``.findings``)."""
        __tracebackhide__ = True
        from ._check import check_response
        from ._exceptions import ErrspecError

        try:
            return check_response(
                response,
                self.envelope if envelope is _UNSET else envelope,
                spec=self.spec if spec is _UNSET else spec,
                operation=operation,
                config=self.config,
            )
        except (ErrspecError, TypeError) as exc:  # without errspec's frames
            raise exc.with_traceback(None) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("errspec", "errspec: error-response contract checks")
    group.addoption(
        "--errspec-envelope",
        metavar="ID|PATH|auto",
        help="Envelope for the errspec_checker fixture (default: [tool.errspec] envelope).",
    )
    group.addoption(
        "--errspec-spec",
        metavar="FILE",
        help="OpenAPI document for the errspec_checker fixture (default: [tool.errspec] spec).",
    )


_KEY = pytest.StashKey[ErrspecChecker | str]()


def _checker(config: pytest.Config) -> ErrspecChecker | str:
    """The configured checker, or the one-line reason the configuration is unusable."""
    cached = config.stash.get(_KEY, None)
    if cached is not None:
        return cached
    root = Path(config.rootpath)
    if not _configured(config, root):
        # Nothing to read: no import of the checking machinery for a project without errspec
        # settings (this runs for the report header of every pytest session).
        config.stash[_KEY] = ErrspecChecker()
        return config.stash[_KEY]
    from ._check import _resolve_envelope
    from ._config import load_config, spec_of
    from ._exceptions import ErrspecError
    from ._spec import load_spec

    result: ErrspecChecker | str
    try:
        settings = load_config(folder=root)
        envelope_option = config.getoption("errspec_envelope")
        spec_option = config.getoption("errspec_spec")
        envelope_name = envelope_option or settings.envelope or "auto"
        # Checked now, so that a typo is one line in the header and a fixture error, not a
        # traceback in every test.
        envelope = _resolve_envelope(envelope_name) or "auto"
        spec = None
        if spec_option or settings.spec:
            # --errspec-spec is relative to where pytest runs; [tool.errspec] spec to the
            # project root (the folder of the configuration file).
            path = Path(spec_option).resolve() if spec_option else Path(str(spec_of(settings)))
            spec = load_spec(
                path, allow_outside_refs=bool(settings.lint.get("allow-outside-refs", False))
            )
        sources = [
            "--errspec-envelope" if envelope_option else None,
            "--errspec-spec" if spec_option else None,
            settings.source
            if (settings.envelope and not envelope_option) or (settings.spec and not spec_option)
            else None,
        ]
        result = ErrspecChecker(
            envelope=envelope,
            spec=spec,
            fail_on=settings.fail_on or "error",
            source=" and ".join(s for s in sources if s) or None,
            config=settings,
        )
    except ErrspecError as exc:
        result = f"errspec configuration: {exc}"
    config.stash[_KEY] = result
    return result


def _configured(config: pytest.Config, root: Path) -> bool:
    """Whether there is anything for errspec to read: options, or a configuration file in
    the rootdir or above it up to the project's root (errspec's own discovery). A quick
    look at the text, so that a project without errspec settings imports nothing."""
    if config.getoption("errspec_envelope") or config.getoption("errspec_spec"):
        return True
    for here in (root.resolve(), *root.resolve().parents):
        if (here / "errspec.toml").is_file():
            return True
        try:
            if "tool.errspec" in (here / "pyproject.toml").read_text("utf-8", errors="replace"):
                return True
        except OSError:
            pass
        if (here / ".git").exists():
            return False
    return False


def pytest_report_header(config: pytest.Config) -> str | None:
    checker = _checker(config)
    if isinstance(checker, str):
        return checker
    if checker.source is None and checker.envelope == "auto" and checker.spec is None:
        return None
    envelope = getattr(checker.envelope, "id", checker.envelope)
    spec = f", spec {getattr(checker.spec, 'path', checker.spec)}" if checker.spec else ""
    source = f" (from {checker.source})" if checker.source else ""
    return f"errspec: envelope {envelope}{spec}{source}"


@pytest.fixture
def errspec_checker(request: pytest.FixtureRequest) -> ErrspecChecker:
    """Check error responses with the project's ``[tool.errspec]`` defaults:
    ``errspec_checker.assert_error_response(response, status=404, code=...)``."""
    checker = _checker(request.config)
    if isinstance(checker, str):
        pytest.fail(checker, pytrace=False)
    return checker
