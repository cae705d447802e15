"""`errspec --version` and `--help` import no schema library, no YAML parser and no
envelope: every pre-commit run and CI step pays the start-up (bench/startup.py times it;
this guards what is imported, which cannot flake)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from errspec._defaults import FORMATS, builtin_ids

from .conftest import REPO

HEAVY = ("jsonschema", "jsonschema_rs", "referencing", "yaml", "openapi_spec_validator")


def _modules_after(args: list[str], *, top: bool = True, cwd: Path = REPO) -> set[str]:
    """The modules imported by running the CLI with ``args`` (top-level packages only,
    unless ``top`` is false)."""
    names = "{m.split('.')[0] for m in sys.modules}" if top else "set(sys.modules)"
    code = (
        "import json, sys\n"
        "from errspec._cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted({names})), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_version_and_help_import_nothing_heavy() -> None:
    for args in (["--version"], ["--help"], ["check", "--help"], ["lint", "--help"]):
        assert _modules_after(args) & set(HEAVY) == set(), args


def test_lint_and_check_of_valid_input_import_no_schema_library() -> None:
    """jsonschema and referencing explain problems; a clean lint or check never needs them
    (jsonschema-rs answers), nor openapi-spec-validator without --full-validation."""
    heavy = {"jsonschema", "referencing", "openapi_spec_validator"}
    assert _modules_after(["lint", "examples/openapi.yaml"]) & heavy == set()
    record = "examples/responses/get-task-404.json"
    assert _modules_after(["check", record, "--envelope", "problem-details"]) & heavy == set()


def test_lint_of_a_plain_yaml_spec_imports_only_what_it_uses(tmp_path: Path) -> None:
    """A spec the fast path reads needs no PyYAML (the strict reader's); errspec's own
    files on disk need no importlib.resources; no configuration file, no TOML parser;
    text output, no XML. Each is milliseconds of every pre-commit run."""
    shutil.copytree(REPO / "examples", tmp_path / "examples")  # the files it $refs too
    imported = _modules_after(["lint", "examples/openapi.yaml"], top=False, cwd=tmp_path)
    unused = {"yaml", "importlib.resources", "tomllib", "xml.etree.ElementTree", "difflib"}
    assert imported & unused == set()
    assert "yaml_rs" in imported  # the fast path did read it


def test_the_light_constants_match_what_they_stand_for() -> None:
    import errspec
    from errspec._reporters import REPORTERS

    assert tuple(sorted(REPORTERS)) == FORMATS
    assert builtin_ids() == errspec.envelope_ids()
