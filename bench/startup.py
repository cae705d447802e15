"""bench/startup.py: how long errspec takes to start, beside Python's own start.

A benchmark, not a test: it prints a Markdown table and asserts nothing. Each command runs
as a fresh process (best of N, interleaved with `python -c pass` so both see the same
machine); the column that matters is the difference to `python -c pass`: what errspec
adds. The target (issue "Lint at the speed of parsing"): within 150 ms for
`errspec --version` and for `errspec lint` of a small spec.

    .venv/bin/python bench/startup.py            # best of 10
    .venv/bin/python bench/startup.py --repeat 30
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The console script users run (pip writes it beside the interpreter: `from errspec._cli
#: import main`); `python -m errspec` where there is none. `-m` also imports runpy (~5 ms),
#: so one row shows it too.
_SCRIPT = Path(sys.executable).with_name("errspec.exe" if os.name == "nt" else "errspec")
ERRSPEC = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "errspec"]
COMMANDS = {
    "python -c pass (anchor)": [sys.executable, "-c", "pass"],
    "errspec --version": [*ERRSPEC, "--version"],
    "errspec --help": [*ERRSPEC, "--help"],
    "errspec lint examples/openapi.yaml": [*ERRSPEC, "lint", "examples/openapi.yaml"],
    "errspec check examples/responses/get-task-404.json": [
        *ERRSPEC,
        "check",
        "examples/responses/get-task-404.json",
    ],
    "python -m errspec lint examples/openapi.yaml": [
        sys.executable,
        "-m",
        "errspec",
        "lint",
        "examples/openapi.yaml",
    ],
}


def once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def compile_bytecode() -> None:
    """Write errspec's bytecode first, as an install does (with PYTHONDONTWRITEBYTECODE set,
    a source checkout would recompile every edited module on every run)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "errspec")],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    compile_bytecode()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):  # interleaved: every command sees the same load
        for name, argv in COMMANDS.items():
            times[name].append(once(argv))
    print("# errspec start-up\n")
    print(
        f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Python "
        f"{platform.python_version()}; load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; best of {args.repeat}"
    )
    print(f"- `errspec` is `{' '.join(ERRSPEC)}`\n")
    anchor = min(times["python -c pass (anchor)"])
    print("| command | best ms | median ms | errspec adds (ms) | ≤ 150 ms |")
    print("|---|--:|--:|--:|:-:|")
    for name, runs in times.items():
        best = min(runs)
        median = sorted(runs)[len(runs) // 2]
        added = (best - anchor) * 1000
        met = "—" if name.startswith("python") else ("yes" if added <= 150 else "**no**")
        print(f"| `{name}` | {best * 1000:.0f} | {median * 1000:.0f} | {added:.0f} | {met} |")


if __name__ == "__main__":
    main()
