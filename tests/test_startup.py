"""`errspec --version` and `--help` import no schema library, no YAML parser and no
envelope: every pre-commit run and CI step pays the start-up (bench/startup.py times it;
this guards what is imported, which cannot flake)."""

from __future__ import annotations

import json
import subprocess
import sys

from errspec._defaults import FORMATS, builtin_ids

from .conftest import REPO

HEAVY = ("jsonschema", "jsonschema_rs", "referencing", "yaml", "openapi_spec_validator")


def _modules_after(args: list[str]) -> set[str]:
    code = (
        "import json, sys\n"
        "from errspec._cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
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


def test_the_light_constants_match_what_they_stand_for() -> None:
    import errspec
    from errspec._reporters import REPORTERS

    assert tuple(sorted(REPORTERS)) == FORMATS
    assert builtin_ids() == errspec.envelope_ids()
