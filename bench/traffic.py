"""bench/traffic.py: how fast `errspec check` gets through a large NDJSON log.

A benchmark, not a test: it prints a Markdown table and asserts nothing. Every figure is
a ratio against an anchor measured on the same machine in the same run: a plain Python
loop that reads the same file line by line and `json.loads` each line (what any tool
that looks at a log pays at least).

    .venv/bin/python bench/traffic.py                  # 100,000 records, best of 3
    .venv/bin/python bench/traffic.py --records 20000 --repeat 1

The log cycles the shipped valid and invalid example records of the nine envelopes
(`bench/check.py` picks them and writes the file: one valid and one invalid per envelope,
each line with its own request id and URL). Rows: `errspec check --format summary` with
`--jobs 1` and `--jobs N` (N = the usable cores), and `--format json` (every finding
written out) with both. Each
row is a whole CLI run in a fresh process (start-up included), best of the repeats; peak
memory is the largest resident set of the CLI process and of its workers.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from check import pick_cases, write_ndjson  # noqa: E402 - the same records as bench/check.py

ANCHOR = """
import json, sys
n = 0
with open(sys.argv[1], "rb") as lines:
    for line in lines:
        json.loads(line)
        n += 1
print(n)
"""


_MEASURED = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run(argv: list[str]) -> tuple[float, float]:
    """Seconds and peak MiB of one fresh process: the largest resident set of it and of
    its workers (measured by a parent of its own, so each run is measured alone)."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURED, *argv], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def best(argv: list[str], repeat: int) -> tuple[float, float]:
    runs = [run(argv) for _ in range(repeat)]
    return min(s for s, _ in runs), max(m for _, m in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    python = sys.executable
    errspec = [python, "-m", "errspec", "check"]
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "traffic.ndjson"
        write_ndjson(log, pick_cases(), args.records)
        size = log.stat().st_size
        print(f"# errspec check on {args.records:,} NDJSON records ({size / 2**20:.1f} MiB)\n")
        print(
            f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Python "
            f"{platform.python_version()}; {cores} usable cores; load average "
            f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; best of {args.repeat}\n"
        )
        anchor, anchor_mib = best([python, "-c", ANCHOR, str(log)], args.repeat)
        rows = [("json.loads loop (anchor)", anchor, anchor_mib)]
        for fmt in ("summary", "json"):
            for jobs in sorted({1, cores or 1}):
                argv = [*errspec, str(log), "--format", fmt, "--jobs", str(jobs)]
                seconds, mib = best(argv, args.repeat)
                rows.append((f"errspec check --format {fmt} --jobs {jobs}", seconds, mib))
        print("| run | seconds | records/s | records/s per core | ÷ anchor | peak MiB |")
        print("|---|--:|--:|--:|--:|--:|")
        for name, seconds, mib in rows:
            jobs = int(name.rsplit(" ", 1)[1]) if "--jobs" in name else 1
            rate = args.records / seconds
            print(
                f"| {name} | {seconds:.2f} | {rate:,.0f} | {rate / jobs:,.0f} | "
                f"{seconds / anchor:.1f}x | {mib:.0f} |"
            )
        target = next(s for n, s, _ in rows if n.endswith(f"summary --jobs {cores}"))
        print(
            f"\nWhole run, `--format summary --jobs {cores}` ÷ the json.loads loop: "
            f"{target / anchor:.1f}x (target ≤ 5x)."
        )


if __name__ == "__main__":
    main()
