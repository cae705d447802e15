"""`errspec lint` over the real specs in ../shared/corpus/specs (skipped when absent).

Per-rule counts and the detected envelope of every spec are committed in
tests/data/corpus_lint.json, so any change in findings is a reviewed diff; nothing may
crash. MANIFEST.md there says what each spec's errors look like; the "why" of each entry
says what a reviewer should expect.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from errspec._lint import lint_spec

from .conftest import SHARED, rewrote, updating_snapshots

SPECS = SHARED / "corpus" / "specs"
DATA = Path(__file__).parent / "data" / "corpus_lint.json"
EXPECTED: dict[str, dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def _corpus_present() -> None:
    if not SPECS.is_dir():
        pytest.skip("../shared/corpus/specs is not available")


def test_every_corpus_spec_has_an_expectation() -> None:
    names = sorted(p.name for p in SPECS.iterdir() if p.suffix in (".json", ".yaml"))
    assert names == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_spec(name: str) -> None:
    report = lint_spec(SPECS / name)
    counts = dict(sorted(Counter(f.rule for f in report.findings).items()))
    if updating_snapshots():
        data = json.loads(DATA.read_text(encoding="utf-8"))
        data[name].update(envelope=report.envelope, counts=counts)
        rewrote(DATA, json.dumps(data, indent=2) + "\n")
        return
    assert EXPECTED[name]["why"]
    assert report.envelope == EXPECTED[name]["envelope"]
    assert counts == EXPECTED[name]["counts"]
    # a few exact findings a reviewer checked, each with its reason: counts alone could
    # stay equal while the findings move elsewhere
    found = {(f.rule, f.pointer) for f in report.findings}
    for pin in EXPECTED[name].get("pinned", []):
        assert pin["why"]
        assert (pin["rule"], pin["pointer"]) in found, pin
    assert all(
        (f.location and f.location.startswith(str(SPECS / name) + ":")) or "#" in f.pointer
        for f in report.findings
    )


#: The specs added for the recognition patterns (MANIFEST.md, "Added later"): small enough
#: to validate fully in the suite. One starts with a UTF-8 BOM.
ADDED_LATER = [
    "airflow-v1.yaml",
    "azure-contentsafety.json",
    "dialogporten-serviceowner.json",
    "discord.json",
    "figma.yaml",
    "ory-kratos.json",
]

_AUDIT = r"""
import json, os, sys
folder, allowed = sys.argv[1], sys.argv[2:]
outside = []

from urllib.parse import unquote, urlsplit

def judge(path):
    path = os.path.realpath(path)
    if not any(path == a or path.startswith(a.rstrip(os.sep) + os.sep) for a in allowed):
        outside.append(path)

def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        judge(os.fsdecode(args[0]))
    elif event == "urllib.Request" and str(args[0]).startswith("file:"):
        judge(unquote(urlsplit(str(args[0])).path))  # a library reading its own files
    elif event in ("socket.connect", "urllib.Request"):
        outside.append("network: " + repr(args)[:100])

from errspec._lint import LintOptions, lint_spec
sys.addaudithook(hook)
verdicts = {}
for name in sorted(os.listdir(folder)):
    if name in json.loads(os.environ["ERRSPEC_SPECS"]):
        spec = os.path.join(folder, name)
        plain = lint_spec(spec, LintOptions())
        full = lint_spec(spec, LintOptions(full_validation=True))
        verdicts[name] = [len(plain.findings), len(full.findings)]
print(json.dumps({"outside": outside, "verdicts": verdicts}))
"""


def test_added_specs_under_the_hostile_input_rules() -> None:
    """The six added specs, linted plainly and with --full-validation in a child process
    whose audit hook records every file opened: none outside the corpus folder but
    Python's and errspec's own files, no connection, no crash (the BOM one included)."""
    import mimetypes
    import subprocess
    import sys
    import sysconfig

    allowed = {
        str(SPECS.resolve()),
        str(Path(sys.prefix).resolve()),
        str(Path(sys.base_prefix).resolve()),
        str(Path(__file__).resolve().parent.parent / "errspec"),
        str(Path(__file__).resolve().parent.parent / "schemas"),
        str(Path(sysconfig.get_paths()["purelib"]).resolve()),
        "/dev",
        "/proc",
        *mimetypes.knownfiles,  # urllib's file: handler guesses the type of a library's file
    }
    child = subprocess.run(
        [sys.executable, "-c", _AUDIT, str(SPECS.resolve()), *sorted(allowed)],
        capture_output=True,
        text=True,
        env={**os.environ, "ERRSPEC_SPECS": json.dumps(ADDED_LATER)},
        timeout=300,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    result = json.loads(child.stdout.splitlines()[-1])
    assert result["outside"] == []
    assert sorted(result["verdicts"]) == ADDED_LATER
    for name, (plain, full) in result["verdicts"].items():
        assert full >= plain, name  # full validation only adds openapi-invalid findings
