"""errspec imports no web framework: the handlers' modules import theirs only when used."""

from __future__ import annotations

import json
import subprocess
import sys

FRAMEWORKS = ("fastapi", "starlette", "flask", "werkzeug", "django", "rest_framework")


def _imported_after(statement: str) -> list[str]:
    code = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({FRAMEWORKS!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return list(json.loads(out))


def test_errspec_and_errspec_contrib_import_no_framework() -> None:
    assert _imported_after("import errspec, errspec.contrib; errspec.contrib.APIError") == []
    assert _imported_after("import errspec; errspec.render; errspec.parse") == []


def test_each_handler_module_imports_only_its_framework() -> None:
    assert _imported_after("import errspec.contrib.flask") == ["flask", "werkzeug"]
    assert "fastapi" not in _imported_after("import errspec.contrib.django")
