"""Detection cost, before and after a change, in the same run on the same machine.

Times ``errspec.detect()`` and ``errspec.check_response(record, "auto")`` over every
shipped example record (``schemas/*/examples``), for two revisions of errspec: the
working tree and a git revision (default: the last commit before the recognizer). Each
revision runs in its own interpreter (a ``git archive`` of it on ``PYTHONPATH``), the two
alternating round by round, so machine noise hits both alike. Prints, per envelope, the
median microseconds of each and the ratio new/old.

    python bench/detect.py                      # working tree vs the default base
    python bench/detect.py --base HEAD~3 --rounds 7
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The last commit before one recognizer replaced the two scorers (detect and lint).
DEFAULT_BASE = "84dfdd5"

PROBE = r"""
import json, sys, time
from pathlib import Path
import errspec

records = []
for path in sorted(Path(sys.argv[1]).glob("*/examples/*/*.json")):
    data = json.loads(path.read_text(encoding="utf-8"))
    keep = {k: data[k] for k in ("status", "headers", "body", "body_text") if k in data}
    records.append((path.parts[-4], keep))

def best_of_three(call, n=50):
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(n):
            call()
        best = min(best, (time.perf_counter() - started) / n)
    return best * 1e6

out = {}
for envelope, record in records:
    for kind, call in (
        ("detect", lambda r=record: errspec.detect(r)),
        ("check", lambda r=record: errspec.check_response(r, "auto")),
    ):
        call()  # warm: plans and validators are built once
        out.setdefault(f"{kind} {envelope}", []).append(best_of_three(call))
assert Path(errspec.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve().parent)
print(json.dumps({k: sum(v) / len(v) for k, v in out.items()}))
"""


def _tree(base: str, folder: Path) -> Path:
    target = folder / "base"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", base], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def _probe(root: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(root / "schemas")],
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        cwd=root,  # `python -c` puts the current folder first on sys.path
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="the revision to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="errspec-detect-") as folder:
        old_root = _tree(args.base, Path(folder))
        runs: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
        for _ in range(args.rounds):
            for name, root in (("old", old_root), ("new", REPO)):
                for key, value in _probe(root).items():
                    runs[name].setdefault(key, []).append(value)
    keys = sorted(set(runs["old"]) & set(runs["new"]))
    print(
        f"detection, µs per call (median of {args.rounds} alternating rounds), "
        f"{args.base} vs working tree"
    )
    print(f"{'call / envelope of the records':<34}{'before':>9}{'after':>9}{'ratio':>8}")
    ratios: dict[str, list[float]] = {"detect": [], "check": []}
    for key in keys:
        old = statistics.median(runs["old"][key])
        new = statistics.median(runs["new"][key])
        ratios[key.split()[0]].append(new / old)
        print(f"{key:<34}{old:>9.1f}{new:>9.1f}{new / old:>7.2f}x")
    for kind, values in ratios.items():
        if values:
            print(f"{kind}: geometric mean ratio {statistics.geometric_mean(values):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
