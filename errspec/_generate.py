"""Regenerate the committed OpenAPI components files: ``python -m errspec._generate [--check]``.

Maintainers' tool (``make generate``); the test suite fails when a committed file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ._components import OPENAPI_VERSIONS, components_yaml
from ._registry import envelopes


def write_all(root: Path, *, check: bool = False) -> list[Path]:
    """Write (or with ``check``, compare) every built-in envelope's components files.

    Returns the files that were stale.
    """
    stale = []
    for envelope in envelopes():
        for version in OPENAPI_VERSIONS:
            target = root / envelope.id / f"openapi-{version}.yaml"
            text = components_yaml(envelope, version)
            current = target.read_text(encoding="utf-8") if target.is_file() else None
            if current != text:
                stale.append(target)
                if not check:
                    target.write_text(text, encoding="utf-8")
    return stale


def _main(argv: list[str]) -> int:
    check = "--check" in argv
    root = Path(__file__).resolve().parent.parent / "schemas"
    stale = write_all(root, check=check)
    for path in stale:
        print(f"{'stale' if check else 'wrote'}: {path}")
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
