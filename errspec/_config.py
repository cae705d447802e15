"""Configuration for `errspec lint`: ``[tool.errspec]`` in pyproject.toml or errspec.toml,
inline ``x-errspec-ignore``, and baselines.

The configuration is validated against a JSON Schema; a typo is exit code 2 naming the key.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._exceptions import InputError
from ._findings import RULES, Finding, Report, Severity
from ._pointer import compile_pointer, values

__all__ = [
    "Config",
    "apply_config",
    "configured",
    "find_config",
    "ignored",
    "load_config",
    "read_baseline",
    "spec_of",
    "write_baseline",
]

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "envelope": {"type": "string"},
        "fail-on": {"enum": ["error", "warning"]},
        "strict": {"type": "boolean"},
        "spec": {"type": "string"},
        "rules": {
            "type": "object",
            "propertyNames": {"enum": sorted(RULES)},
            "additionalProperties": {"enum": ["off", "error", "warning"]},
        },
        "ignore": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["path"],
                "properties": {
                    "path": {"type": "string"},
                    "method": {"type": "string"},
                    "rules": {"type": "array", "items": {"enum": sorted(RULES)}},
                },
            },
        },
        "lint": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "count-default": {"type": "boolean"},
                "count-ranges": {"type": "boolean"},
                "require-401": {"type": "boolean"},
                "require-404": {"type": "boolean"},
                "allow-outside-refs": {"type": "boolean"},
            },
        },
    },
}


@dataclass(frozen=True)
class Ignore:
    path: str
    method: str | None = None
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The settings of ``[tool.errspec]`` (all optional). ``folder`` is the folder of the
    file they came from: a relative ``spec`` is relative to it, wherever errspec runs."""

    source: str | None = None
    folder: Path | None = None
    envelope: str | None = None
    fail_on: Severity | None = None
    #: errspec's stricter reading: report what it inferred beyond the envelope's source.
    strict: bool = False
    spec: str | None = None
    rules: Mapping[str, str] = field(default_factory=dict)
    ignore: tuple[Ignore, ...] = ()
    lint: Mapping[str, bool] = field(default_factory=dict)


#: The names of errspec's configuration files, in the order they are looked for.
CONFIG_FILES = ("errspec.toml", "pyproject.toml")


def find_config(start: Path | None = None) -> Path | None:
    """The configuration file that applies in ``start`` (the current directory): walking up
    from it, the first ``errspec.toml``, or ``pyproject.toml`` with a ``[tool.errspec]``
    table, up to the project's root (a folder with ``.git``) or the file system's root, as
    ruff and pytest find theirs. ``None`` when there is none."""
    folder = (start or Path.cwd()).resolve()
    for here in (folder, *folder.parents):
        for name in CONFIG_FILES:
            path = here / name
            if path.is_file() and (name == "errspec.toml" or _has_section(path)):
                return path
        if (here / ".git").exists():
            return None
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file to read (its parser is ~2 ms of start-up)

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None


def _has_section(path: Path) -> bool:
    data = _read_toml(path)
    tool = data.get("tool")
    return isinstance(tool, dict) and "errspec" in tool


def load_config(
    explicit: str | Path | None = None, folder: Path | None = None, *, discover: bool = True
) -> Config:
    """``--config FILE``; else, unless ``discover`` is false (``--no-config``), the file
    :func:`find_config` finds from ``folder`` (the current directory) upwards; an empty
    Config when there is none."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise InputError(f"{path}: no such configuration file")
    else:
        found = find_config(folder) if discover else None
        if found is None:
            return Config()
        path = found
    data = _read_toml(path)
    if path.name == "pyproject.toml" or "tool" in data:
        section = (
            data.get("tool", {}).get("errspec") if isinstance(data.get("tool"), dict) else None
        )
        if section is None:
            raise InputError(f"{path}: no [tool.errspec] section")
        table = "[tool.errspec]"
    else:
        section, table = data, "errspec.toml"
    return replace(_parse(section, f"{path} {table}"), folder=path.resolve().parent)


def spec_of(config: Config) -> str | None:
    """The configured ``spec``, relative to the configuration file's folder."""
    if config.spec is None:
        return None
    if config.folder is None or Path(config.spec).is_absolute():
        return config.spec
    return str(config.folder / config.spec)


def configured(report: Report, config: Config) -> Report:
    """A checked response's report with the configuration applied, as ``errspec lint``
    applies it to a spec's findings: rule severities, rules switched ``off``, and path and
    method ignores, matched against the spec operation the response was checked against
    (``--spec``; without one, ignores have no path to match)."""
    if not config.rules and not config.ignore:
        return report
    method, path = _request_of(report)
    kept: list[Finding] = []
    for finding in report.findings:
        setting = config.rules.get(finding.rule)
        if setting == "off":
            continue
        if setting in ("error", "warning"):
            finding = replace(finding, severity=setting)  # type: ignore[arg-type]
        if path is not None and any(
            fnmatch.fnmatchcase(path, ig.path)
            and (ig.method is None or (method or "").lower() == ig.method.lower())
            and (not ig.rules or finding.rule in ig.rules)
            for ig in config.ignore
        ):
            continue
        kept.append(finding)
    return replace(report, findings=tuple(kept))


def _request_of(report: Report) -> tuple[str | None, str | None]:
    """(method, path) of the operation a report names (``GET /tasks/{id}``), if any."""
    if report.operation:
        method, _, path = report.operation.partition(" ")
        return method, path or None
    return None, None


def _parse(section: Any, where: str) -> Config:
    # jsonschema only when there is a configuration to validate (start-up)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(CONFIG_SCHEMA).iter_errors(section))
    if error is not None:
        key = ".".join(str(p) for p in error.absolute_path) or "top level"
        if error.validator == "additionalProperties":
            unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            parent = "" if key == "top level" else f"{key}."
            raise InputError(f"{where}: unknown key {parent + unknown[0]!r}")
        raise InputError(f"{where}: {key}: {' '.join(error.message.split())}")
    return Config(
        source=where,
        envelope=section.get("envelope"),
        fail_on=section.get("fail-on"),
        strict=bool(section.get("strict", False)),
        spec=section.get("spec"),
        rules=dict(section.get("rules", {})),
        ignore=tuple(
            Ignore(i["path"], i.get("method"), tuple(i.get("rules", ())))
            for i in section.get("ignore", ())
        ),
        lint=dict(section.get("lint", {})),
    )


def _operation_of(pointer: str) -> tuple[str | None, str | None]:
    """``/paths/~1tasks~1{id}/get/responses/404`` → (``/tasks/{id}``, ``get``)."""
    try:
        segments = compile_pointer(pointer)
    except ValueError:
        return None, None
    if len(segments) >= 2 and segments[0] in ("paths", "webhooks"):
        return segments[1], (segments[2] if len(segments) > 2 else None)
    return None, None


def apply_config(findings: Iterable[Finding], config: Config, document: Any) -> list[Finding]:
    """Severity overrides, rules switched off, path/method ignores, and ``x-errspec-ignore``
    on an operation or response of ``document``."""
    out: list[Finding] = []
    for finding in findings:
        setting = config.rules.get(finding.rule)
        if setting == "off":
            continue
        if setting in ("error", "warning"):
            finding = replace(finding, severity=setting)  # type: ignore[arg-type]
        if ignored(finding.rule, finding.pointer, config, document):
            continue
        out.append(finding)
    return out


def ignored(rule: str, pointer: str, config: Config, document: Any) -> bool:
    """Whether ``rule`` is ignored at ``pointer`` (a place in ``document``): by a path and
    method ignore of ``config`` (when the pointer is in an operation), or by an inline
    ``x-errspec-ignore`` at the place or an object that holds it. The linter asks it per
    operation for a finding on a shared component, with the operation's pointer."""
    path, method = _operation_of(pointer)
    if path is not None and any(
        fnmatch.fnmatchcase(path, ig.path)
        and (ig.method is None or (method or "").lower() == ig.method.lower())
        and (not ig.rules or rule in ig.rules)
        for ig in config.ignore
    ):
        return True
    return _inline_ignored(rule, pointer, document)


def _inline_ignored(rule: str, pointer: str, document: Any) -> bool:
    if not pointer.startswith("/"):
        return False
    try:
        segments = compile_pointer(pointer)
    except ValueError:
        return False
    for depth in range(len(segments), 0, -1):
        found = values(document, segments[:depth])
        node = found[0] if found else None
        if isinstance(node, Mapping):
            listed = node.get("x-errspec-ignore")
            if isinstance(listed, list) and (rule in listed or "*" in listed):
                return True
    return False


def fingerprint(finding: Finding) -> str:
    """Stable across line moves: the rule and the JSON pointer (any file; see
    :class:`Baseline`, which adds the file)."""
    return f"{finding.rule} {finding.pointer}"


def _file_of(finding: Finding, folder: Path) -> str:
    """The file a finding is in, relative to ``folder`` (posix), or ``""`` if unknown."""
    if not finding.location:
        return ""
    name = finding.location.rsplit(":", 2)[0]
    try:
        return Path(os.path.relpath(Path(name).resolve(), folder.resolve())).as_posix()
    except (OSError, ValueError):
        return name


@dataclass(frozen=True)
class Baseline:
    """Findings accepted as they are (``--baseline``): rule, file and JSON pointer each,
    stable across line moves. The file is relative to the baseline's folder, so two specs
    (or two ``$ref``'d files) with the same pointer are told apart. An entry without a file
    (a baseline written before files were recorded, or a ``"rule pointer"`` fingerprint)
    matches that rule and pointer in any file."""

    folder: Path
    entries: frozenset[tuple[str, str, str]]

    @classmethod
    def of(cls, accepted: Baseline | Iterable[str] | None) -> Baseline:
        """A baseline from a :class:`Baseline`, or ``"rule pointer"`` fingerprints."""
        if isinstance(accepted, Baseline):
            return accepted
        pairs = (f.split(" ", 1) for f in accepted or ())
        return cls(Path.cwd(), frozenset((p[0], "", p[1]) for p in pairs if len(p) == 2))

    def __contains__(self, finding: object) -> bool:
        if not isinstance(finding, Finding) or not self.entries:
            return False
        anywhere = (finding.rule, "", finding.pointer)
        return anywhere in self.entries or (
            (finding.rule, _file_of(finding, self.folder), finding.pointer) in self.entries
        )


def read_baseline(path: str | Path) -> Baseline:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable errspec baseline ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InputError(f"{path}: not an errspec baseline (no 'findings' list)")
    entries = frozenset(
        (str(f.get("rule")), str(f.get("file") or ""), str(f.get("pointer")))
        for f in data["findings"]
        if isinstance(f, dict)
    )
    return Baseline(Path(path).resolve().parent, entries)


def write_baseline(path: str | Path, findings: Iterable[Finding]) -> int:
    """Write ``findings`` as a baseline: rule, file (relative to the baseline's folder)
    and pointer each."""
    folder = Path(path).resolve().parent
    items = sorted({(f.rule, _file_of(f, folder), f.pointer) for f in findings})
    Path(path).write_text(
        json.dumps(
            {
                "errspec_baseline": 2,
                "findings": [{"rule": r, "file": n, "pointer": p} for r, n, p in items],
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    return len(items)
