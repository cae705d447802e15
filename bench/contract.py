"""What checking against a spec costs: errspec.check_response() with and without spec=.

Responses of the example Tasks API (examples/openapi.yaml), each timed three ways in the
same run, as ratios against the anchor ``json.loads`` of the body (these machines are
noisy; only same-run ratios mean anything):

- envelope only: ``check_response(response, "problem-details")``;
- with the spec: ``check_response(response, "problem-details", spec=spec)`` (the request
  matched to its operation, status/media type/declared schema/required headers checked);

Nothing is asserted. Run: ``.venv/bin/python bench/contract.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import errspec

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "examples" / "openapi.yaml"
PROBLEM = {"Content-Type": "application/problem+json"}

CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "404 problem (conforms)",
        {
            "request": {"method": "GET", "url": "http://127.0.0.1:8000/tasks/t404"},
            "status": 404,
            "headers": PROBLEM,
            "body": {"type": "about:blank", "title": "Not Found", "status": 404},
        },
    ),
    (
        "404 problem, body says 400",
        {
            "request": {"method": "GET", "url": "http://127.0.0.1:8000/tasks/t404"},
            "status": 404,
            "headers": PROBLEM,
            "body": {"type": "about:blank", "title": "Not Found", "status": 400},
        },
    ),
    (
        "422 with errors[]",
        {
            "request": {"method": "POST", "url": "http://127.0.0.1:8000/tasks"},
            "status": 422,
            "headers": PROBLEM,
            "body": {
                "type": "https://errspec.dev/examples/tasks/problems/validation-error",
                "title": "Your request is not valid.",
                "status": 422,
                "errors": [
                    {"detail": "is required", "pointer": "#/title"},
                    {"detail": "must be one of low, medium, high, urgent", "pointer": "#/x"},
                ],
            },
        },
    ),
    (
        "200 list of 20 tasks",
        {
            "request": {"method": "GET", "url": "http://127.0.0.1:8000/tasks"},
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": [{"id": f"t{i}", "title": f"Task {i}", "priority": "low"} for i in range(20)],
        },
    ),
]


def best(fn: Callable[[], object], repeat: int) -> float:
    """Best of ``repeat`` rounds of enough calls for ~50 ms; seconds per call."""
    calls, elapsed = 1, 0.0
    while elapsed < 0.05:
        calls *= 2
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - start) / calls)
    return min(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds per measurement")
    args = parser.parse_args()
    spec = errspec.load_spec(SPEC)
    print(
        f"errspec {errspec.__version__}, Python {platform.python_version()}, {platform.machine()}"
    )
    print(f"spec: {SPEC.relative_to(REPO)} ({len(spec.operations)} operations)\n")
    print(
        "| response | json.loads µs | envelope only µs (x loads) | with spec µs (x loads) "
        "| spec ÷ envelope |"
    )
    print("|---|---|---|---|---|")
    for name, record in CASES:
        response = errspec.as_response(record)
        text = json.dumps(record["body"])
        loads = best(lambda text=text: json.loads(text), args.repeat)
        envelope = best(
            lambda r=response: errspec.check_response(r, "problem-details"), args.repeat
        )
        contract = best(
            lambda r=response: errspec.check_response(r, "problem-details", spec=spec),
            args.repeat,
        )
        print(
            f"| {name} | {loads * 1e6:.1f} | {envelope * 1e6:.1f} ({envelope / loads:.0f}x) "
            f"| {contract * 1e6:.1f} ({contract / loads:.0f}x) | {contract / envelope:.1f}x |"
        )


if __name__ == "__main__":
    main()
