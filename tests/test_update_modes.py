"""The update mode for expected outputs cannot make a run pass by rewriting them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import REPO


def _setup(tmp_path: Path) -> None:
    """A copy of the snapshot helpers, and a test whose snapshot differs."""
    (tmp_path / "conftest.py").write_text((REPO / "tests" / "conftest.py").read_text())
    (tmp_path / "out.txt").write_text("old\n")
    (tmp_path / "test_snap.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path
            from conftest import rewrote, updating_snapshots

            def test_snapshot():
                path = Path(__file__).parent / "out.txt"
                if updating_snapshots():
                    rewrote(path, "new\\n")
                assert path.read_text() == "new\\n"
            """
        )
    )


def _run(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    """That test, in update mode."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["ERRSPEC_UPDATE_SNAPSHOTS"] = "1"
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:errspec",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )


def test_a_rewrite_fails_the_run_and_the_next_run_passes(tmp_path: Path) -> None:
    _setup(tmp_path)
    first = _run(tmp_path, ci=False)
    assert first.returncode == 1, first.stdout
    assert "rewrote out.txt: review the diff" in first.stdout
    assert (tmp_path / "out.txt").read_text() == "new\n"
    second = _run(tmp_path, ci=False)  # nothing left to rewrite: passes
    assert second.returncode == 0, second.stdout


@pytest.mark.parametrize("ci", [True])
def test_update_mode_is_refused_under_ci(tmp_path: Path, ci: bool) -> None:
    _setup(tmp_path)
    result = _run(tmp_path, ci=ci)
    assert result.returncode == 1, result.stdout
    assert "refused under CI" in result.stdout
    assert (tmp_path / "out.txt").read_text() == "old\n"  # nothing rewritten
