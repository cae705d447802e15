"""The built wheel ships the schema catalogue: build it, install it in a fresh venv, use it."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow

PROBE = """
import importlib.resources, json, sys
import errspec
root = importlib.resources.files("errspec").joinpath("schemas")
assert root.is_dir(), "schemas missing from the wheel"
ids = [e.id for e in errspec.envelopes()]
for env in errspec.envelopes():
    assert env.is_valid(env.schema["examples"][0]), env.id
    for version in ("3.0", "3.1"):
        assert root.joinpath(env.id, f"openapi-{version}.yaml").is_file()
    assert env.examples(), env.id
# the rule pages ship too (`errspec rule ID` reads them), inside the installed package
from errspec._findings import RULES
pages = importlib.resources.files("errspec").joinpath("docs").joinpath("rules")
assert pages.is_dir(), "rule pages missing from the wheel"
assert str(pages).startswith(str(importlib.resources.files("errspec"))), str(pages)
missing = [rule for rule in RULES if not pages.joinpath(f"{rule}.md").is_file()]
assert not missing, f"rule pages missing from the wheel: {missing}"
assert pages.joinpath("status-mismatch.md").read_text(encoding="utf-8").startswith(
    "# `status-mismatch`"
)
# the pytest plugin's entry point (pytest loads it) and the schemathesis integration ship; without
# schemathesis installed, the integration says how to get it
from importlib.metadata import entry_points
plugins = [e.value for e in entry_points(group="pytest11") if e.name == "errspec"]
assert plugins == ["errspec.pytest_plugin"], plugins
try:
    import errspec.contrib.schemathesis
except ImportError as exc:
    hint = str(exc)
else:
    hint = "imported"
print(json.dumps({"ids": ids, "file": errspec.__file__, "root": str(root), "hint": hint}))
"""


def test_wheel_installs_and_loads_every_envelope(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = dist.glob("errspec-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    clean_env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    # The runtime dependencies with the pins `make test` uses (ERRSPEC_LOCK, set by the
    # Makefile; empty under `make test-latest`): the wheel's own ranges stay loose.
    lock = os.environ.get("ERRSPEC_LOCK", str(REPO / "constraints" / "lock.txt"))
    pins = ["--constraint", lock] if lock else []
    install = subprocess.run(
        [
            str(python),
            *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *pins,
            str(wheel),
        ],
        capture_output=True,
        text=True,
        env=clean_env,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-2000:]

    probe = subprocess.run(
        [str(python), "-c", PROBE], capture_output=True, text=True, cwd=tmp_path, env=clean_env
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    import json

    data = json.loads(probe.stdout)
    assert len(data["ids"]) == 9
    assert str(env_dir) in data["file"], "imported errspec from the source tree, not the wheel"
    assert str(env_dir) in data["root"]
    assert data["hint"] == (
        "errspec.contrib.schemathesis needs schemathesis 4: pip install 'errspec[schemathesis]'"
    )

    cli = subprocess.run(
        [str(bindir / "errspec"), "envelopes"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env,
    )
    assert cli.returncode == 0, cli.stderr
    assert "problem-details" in cli.stdout
    assert "application/problem+json" in cli.stdout
