"""Every ```python block of docs/adapters.md is a complete program, and runs.

Each block runs in its own interpreter (this one's, so the .venv with every library), as a
script file: the Django snippet configures Django's settings for its whole process, and
it names itself as the URLconf (``ROOT_URLCONF=__name__``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

DOC = REPO / "docs" / "adapters.md"
_HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
#: One section, each with one program, per library the adapters support.
SECTIONS = [
    "Starlette",
    "FastAPI",
    "httpx AsyncClient",
    "Flask",
    "werkzeug (any WSGI app)",
    "Django",
    "aiohttp",
]
# Any warning fails a snippet, as `filterwarnings = error` does for the tests.
WARNINGS = ["-W", "error"]


def snippets() -> list[tuple[str, str]]:
    """``(section title, code)`` for every ```python block, in order."""
    text = DOC.read_text(encoding="utf-8")
    headings = [(m.start(), m.group(1).strip()) for m in _HEADING.finditer(text)]
    out = []
    for block in _BLOCK.finditer(text):
        section = [title for start, title in headings if start < block.start()]
        out.append((section[-1] if section else "(top)", block.group(1)))
    return out


def test_one_program_per_library() -> None:
    found = snippets()
    assert [title for title, _ in found] == SECTIONS
    for title, code in found:
        assert "errspec.check_response(" in code, title
        assert re.search(r"^\s*assert ", code, re.MULTILINE), title


@pytest.mark.parametrize(("title", "code"), snippets(), ids=[t for t, _ in snippets()])
def test_snippet_runs(title: str, code: str, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this working tree's errspec
    result = subprocess.run(
        [sys.executable, *WARNINGS, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{title}:\n{result.stdout}\n{result.stderr}"
