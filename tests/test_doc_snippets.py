"""The copy-pasteable snippets of the README and the integration docs are run, so they
cannot rot. A snippet is run when the line before its fence is a marker:

    <!-- doc-test: pytest passed=2 [failed=1] [pythonpath=examples] -->   a test module
    <!-- doc-test: python -->                                          a program (exit 0)
    <!-- doc-test: sh exit=1 -->                                       a shell command

Everything runs in a fresh process from the root of the checkout (``examples/…`` paths
work as the docs show them), with this virtual environment's ``errspec`` on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import REPO

pytest_plugins = ["pytester"]

DOCS = [
    REPO / "README.md",
    REPO / "docs" / "schemathesis.md",
    *sorted((REPO / "docs" / "frameworks").glob("*.md")),
]
_SNIPPET = re.compile(
    r"^<!-- doc-test: (?P<kind>\w+)(?P<args>[^>]*)-->\n```(?P<lang>\w*)\n(?P<code>.*?)^```",
    re.M | re.S,
)


@dataclass(frozen=True)
class Snippet:
    doc: str
    line: int
    kind: str
    args: dict[str, str]
    code: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def _snippets() -> list[Snippet]:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in _SNIPPET.finditer(text):
            args = dict(a.split("=", 1) for a in m.group("args").split())
            line = text.count("\n", 0, m.start()) + 1
            name = str(doc.relative_to(REPO))
            out.append(Snippet(name, line, m.group("kind"), args, m.group("code")))
    return out


SNIPPETS = _snippets()


def _env(pythonpath: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO / pythonpath), env.get("PYTHONPATH")) if p
        )
    env.pop("ERRSPEC_ENVELOPE", None)
    return env


def test_the_docs_have_runnable_snippets() -> None:
    kinds = {(s.doc, s.kind) for s in SNIPPETS}
    assert ("README.md", "pytest") in kinds
    assert ("README.md", "python") in kinds
    assert ("README.md", "sh") in kinds
    for snippet in SNIPPETS:
        assert snippet.kind in ("pytest", "python", "sh"), snippet.id


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.kind == "python"], ids=lambda s: s.id)
def test_python_snippet(snippet: Snippet, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(snippet.code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        cwd=REPO,
        env=_env(snippet.args.get("pythonpath")),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{snippet.id}\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.kind == "sh"], ids=lambda s: s.id)
def test_shell_snippet(snippet: Snippet) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, "-c", snippet.code],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    expected = int(snippet.args.get("exit", "0"))
    assert result.returncode == expected, f"{snippet.id}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.kind == "pytest"], ids=lambda s: s.id)
def test_pytest_snippet(
    snippet: Snippet, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The docs say "run from the root of a checkout": the snippet's folder gets the
    # checkout's examples/ (a link), so `examples/openapi.yaml` and its $refs resolve.
    (pytester.path / "examples").symlink_to(REPO / "examples", target_is_directory=True)
    pytester.makepyfile(test_snippet=snippet.code)
    pythonpath = snippet.args.get("pythonpath")
    if pythonpath:
        monkeypatch.setenv("PYTHONPATH", str(REPO / pythonpath))
    monkeypatch.delenv("ERRSPEC_ENVELOPE", raising=False)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "error", "test_snippet.py", timeout=300
    )
    counts = {k: int(v) for k, v in snippet.args.items() if k in ("passed", "failed", "errors")}
    assert counts, f"{snippet.id}: say how many tests pass or fail (passed=N failed=M)"
    result.assert_outcomes(**counts)
