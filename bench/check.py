"""Benchmark for ``errspec.check_response`` and NDJSON checking. Not a test.

Speed is printed as ratios against anchors measured on the same machine in the same run
(``json.loads`` of the same body, ``jsonschema.validate``); nothing is asserted.

    .venv/bin/python bench/check.py              # 1,000,000 NDJSON records
    .venv/bin/python bench/check.py --quick      # 20,000 records, fewer repeats
    .venv/bin/python bench/check.py --records 200000 --no-cli
    .venv/bin/python bench/check.py --profile    # also cProfile the slowest valid record

Results go to stdout as Markdown; progress goes to stderr. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator

import errspec

#: Rules preferred for the invalid body: a semantic break the schema cannot see.
SEMANTIC_BREAKS = ("status-mismatch", "code-status-mismatch")
TARGET_LOADS_RATIO = 4.0  # a valid response, envelope named, in <= 4x json.loads of its body
TARGET_AUTO_RATIO = 2.0  # ... and with envelope="auto" in <= 2x the named check
TARGET_VALIDATE_RATIO = 100.0  # ... and >= 100x faster than jsonschema.validate


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- picking records ---------------------------------------------------------------------


def _record(example: errspec.ExampleRecord) -> dict[str, Any]:
    """The response record alone (no description/source/breaks annotations)."""
    return {k: example.data[k] for k in ("status", "headers", "body") if k in example.data}


@dataclass
class Case:
    envelope: errspec.Envelope
    kind: str  # "valid" or "invalid"
    name: str  # example record name
    breaks: str | None
    record: dict[str, Any]
    rules: list[str]  # what errspec reports for it (explicit envelope)


def pick_cases() -> list[Case]:
    """A valid and an invalid record with a body for each envelope.

    Valid: the first valid example (by name) with no finding at all, else the first valid
    one. Invalid: a status-mismatch or code-status-mismatch break on a 4xx/5xx response
    where the envelope has one, else an envelope-schema break.
    """
    cases = []
    for env in errspec.envelopes():
        examples = [e for e in env.examples() if "body" in e.data]
        valid = [e for e in examples if e.valid]
        clean = [e for e in valid if not errspec.check_response(_record(e), env).findings]
        v = (clean or valid)[0]
        invalid = [e for e in examples if not e.valid]
        ordered = [
            e
            for rule in (*SEMANTIC_BREAKS, "envelope-schema")
            for e in sorted(invalid, key=lambda e: e.status < 400)  # 4xx/5xx first
            if e.breaks == rule
        ]
        i = ordered[0]
        for kind, example in (("valid", v), ("invalid", i)):
            record = _record(example)
            report = errspec.check_response(record, env)
            cases.append(Case(env, kind, example.name, example.breaks, record, report.rules()))
    return cases


# --- timing ------------------------------------------------------------------------------


def best_time(fn: Callable[[], object], repeat: int, target: float) -> float:
    """Seconds per call: best of ``repeat`` runs of ``number`` calls, ``number`` chosen so
    one run takes about ``target`` seconds."""
    timer = timeit.Timer(fn)
    number = 1
    while True:  # calibrate (and warm up)
        elapsed = timer.timeit(number)
        if elapsed >= target / 5:
            break
        number *= 2 if elapsed > target / 50 else 10
    number = max(1, int(number * target / elapsed))
    return min(timer.repeat(repeat=repeat, number=number)) / number


def _validate(body: Any, schema: Any) -> Callable[[], object]:
    def run() -> object:
        try:
            jsonschema.validate(body, schema)
        except jsonschema.ValidationError:
            return False
        return True

    return run


@dataclass
class Row:
    case: Case
    errspec: float
    auto: float
    validate: float
    cached: float
    rs: float
    loads: float

    @property
    def loads_ratio(self) -> float:
        return self.errspec / self.loads

    @property
    def validate_ratio(self) -> float:
        return self.validate / self.errspec


def time_case(case: Case, repeat: int, target: float) -> Row:
    env, record = case.envelope, case.record
    body = record["body"]
    schema = dict(env.schema)
    text = json.dumps(body)
    cached = Draft202012Validator(schema)
    rs = jsonschema_rs.validator_for(schema, validate_formats=False)
    env_id = env.id
    return Row(
        case,
        errspec=best_time(lambda: errspec.check_response(record, env_id), repeat, target),
        auto=best_time(lambda: errspec.check_response(record, "auto"), repeat, target),
        validate=best_time(_validate(body, schema), repeat, target),
        cached=best_time(lambda: cached.is_valid(body), repeat, target),
        rs=best_time(lambda: rs.is_valid(body), repeat, target),
        loads=best_time(lambda: json.loads(text), repeat, target),
    )


def us(seconds: float) -> str:
    value = seconds * 1e6
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x" if value < 100 else f"{value:.0f}x"


def print_response_table(rows: list[Row]) -> None:
    print("## Per response (µs per call, best of the repeats)\n")
    print(
        "| envelope | body | errspec | errspec auto | jsonschema.validate | cached is_valid "
        "| jsonschema-rs | json.loads | errspec ÷ json.loads | auto ÷ errspec "
        f"| validate ÷ errspec | ≤ {TARGET_LOADS_RATIO:g}x json.loads "
        f"| auto ≤ {TARGET_AUTO_RATIO:g}x | ≥ {TARGET_VALIDATE_RATIO:g}x faster |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|:-:|:-:|")
    for r in rows:
        if r.case.kind == "valid":
            met_loads = "yes" if r.loads_ratio <= TARGET_LOADS_RATIO else "**no**"
            met_auto = "yes" if r.auto / r.errspec <= TARGET_AUTO_RATIO else "**no**"
            met_validate = "yes" if r.validate_ratio >= TARGET_VALIDATE_RATIO else "**no**"
        else:
            met_loads = met_auto = met_validate = "—"
        body = "valid" if r.case.kind == "valid" else f"invalid ({r.case.breaks})"
        print(
            f"| {r.case.envelope.id} | {body} | {us(r.errspec)} | {us(r.auto)} "
            f"| {us(r.validate)} | {us(r.cached)} | {us(r.rs)} | {us(r.loads)} "
            f"| {ratio(r.loads_ratio)} | {ratio(r.auto / r.errspec)} | {ratio(r.validate_ratio)} "
            f"| {met_loads} | {met_auto} | {met_validate} |"
        )
    print("\nRecords (schemas/<envelope>/examples/…) and what errspec reports for them:\n")
    for r in rows:
        found = ", ".join(r.case.rules) or "no findings"
        print(f"- {r.case.envelope.id} {r.case.kind}: `{r.case.name}` → {found}")
    valid = [r for r in rows if r.case.kind == "valid"]
    n = len(valid)

    def span(values: list[float], fmt: Callable[[float], str]) -> str:
        return f"{fmt(min(values))}-{fmt(max(values))}"

    loads_met = sum(r.loads_ratio <= TARGET_LOADS_RATIO for r in valid)
    validate_met = sum(r.validate_ratio >= TARGET_VALIDATE_RATIO for r in valid)
    print("\nValid responses, all envelopes:\n")
    print(
        f"- errspec ≤ {TARGET_LOADS_RATIO:g}x json.loads: met for {loads_met}/{n} "
        f"(errspec ÷ json.loads {span([r.loads_ratio for r in valid], ratio)})"
    )
    print(
        f"- errspec ≥ {TARGET_VALIDATE_RATIO:g}x faster than jsonschema.validate: met for "
        f"{validate_met}/{n} (validate ÷ errspec {span([r.validate_ratio for r in valid], ratio)})"
    )
    print(
        f"- anchors: jsonschema.validate {span([r.validate for r in rows], us)} µs, "
        f"cached is_valid {span([r.cached for r in rows], us)} µs, "
        f"jsonschema-rs {span([r.rs for r in rows], us)} µs, "
        f"json.loads {span([r.loads for r in rows], us)} µs (valid and invalid bodies)"
    )
    print(
        f"- errspec {span([r.errspec for r in valid], us)} µs with the envelope named, "
        f'{span([r.auto for r in valid], us)} µs with envelope="auto"\n'
    )


def shipped_valid() -> list[tuple[errspec.Envelope, str, dict[str, Any]]]:
    """Every shipped valid example with a body on which the named check reports nothing
    (the targets are about valid responses)."""
    out = []
    for env in errspec.envelopes():
        for e in env.examples():
            if e.valid and "body" in e.data:
                record = _record(e)
                if not errspec.check_response(record, env).findings:
                    out.append((env, e.name, record))
    return out


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _time_record(
    record: dict[str, Any], env_id: str, repeat: int, target: float
) -> tuple[float, float, float, float]:
    """Seconds per call: named check, auto check, auto check of a shape never seen
    (detection's kept rankings emptied before each call), json.loads of the body's text."""
    from errspec._detect import _built_in_rankings

    text = json.dumps(record["body"])
    rankings = _built_in_rankings()[1]

    def new_shape() -> None:
        rankings.clear()
        errspec.check_response(record, "auto")

    return (
        best_time(lambda: errspec.check_response(record, env_id), repeat, target),
        best_time(lambda: errspec.check_response(record, "auto"), repeat, target),
        best_time(new_shape, repeat, target) - best_time(rankings.clear, repeat, target),
        best_time(lambda: json.loads(text), repeat, target),
    )


def print_targets(rows: list[Row], repeat: int, target: float) -> None:
    """The issue's two targets over every shipped valid record: median of named ÷
    json.loads, and median of auto ÷ named (each ratio from one record's timings)."""
    records = shipped_valid()
    log(f"targets: {len(records)} shipped valid records, named / auto / json.loads each")
    loads_ratios, auto_ratios, new_ratios = [], [], []
    per_envelope: dict[str, list[tuple[float, float, float]]] = {}
    for env, _, record in records:
        env_id = env.id
        named, auto, new_shape, loads = _time_record(record, env_id, repeat, target)
        loads_ratios.append(named / loads)
        auto_ratios.append(auto / named)
        new_ratios.append(new_shape / named)
        per_envelope.setdefault(env_id, []).append((named / loads, auto / named, new_shape / named))
    valid = [r for r in rows if r.case.kind == "valid"]
    print(f"## Targets: every shipped valid record ({len(records)}, no finding)\n")
    print(
        "| envelope | records | named ÷ json.loads (median) | auto ÷ named (median) "
        "| auto, a shape never seen ÷ named (median) |"
    )
    print("|---|--:|--:|--:|--:|")
    for env_id, triples in per_envelope.items():
        print(
            f"| {env_id} | {len(triples)} | {ratio(_median([a for a, _, _ in triples]))} "
            f"| {ratio(_median([b for _, b, _ in triples]))} "
            f"| {ratio(_median([c for _, _, c in triples]))} |"
        )
    named_median, auto_median = _median(loads_ratios), _median(auto_ratios)
    met = {True: "met", False: "**not met**"}
    print(
        f"\n- named ÷ json.loads ≤ {TARGET_LOADS_RATIO:g} (median over valid records): "
        f"{ratio(named_median)}, {met[named_median <= TARGET_LOADS_RATIO]} "
        f"(range {ratio(min(loads_ratios))}-{ratio(max(loads_ratios))}; the table's "
        f"{len(valid)} records: median {ratio(_median([r.loads_ratio for r in valid]))})"
    )
    print(
        f"- auto ÷ named ≤ {TARGET_AUTO_RATIO:g} (median over valid records): "
        f"{ratio(auto_median)}, {met[auto_median <= TARGET_AUTO_RATIO]} "
        f"(range {ratio(min(auto_ratios))}-{ratio(max(auto_ratios))}; the table's "
        f"{len(valid)} records: median {ratio(_median([r.auto / r.errspec for r in valid]))})"
    )
    print(
        "- auto ÷ named for a shape detection has not seen before (its kept rankings "
        f"emptied before each call): median {ratio(_median(new_ratios))} "
        f"(range {ratio(min(new_ratios))}-{ratio(max(new_ratios))}); a log pays this once "
        "per shape\n"
    )


def profile_case(case: Case, calls: int) -> None:
    record, env_id = case.record, case.envelope.id
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        errspec.check_response(record, env_id)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(25)
    print(f"## cProfile: check_response({case.name!r}, {env_id!r}) x {calls}\n")
    print("```")
    print(out.getvalue().strip())
    print("```\n")


# --- NDJSON ------------------------------------------------------------------------------


def write_ndjson(path: Path, cases: list[Case], records: int) -> None:
    """``records`` lines cycling the cases' records; each gets its own X-Request-Id header
    and url so no two lines are equal, while every line keeps its record's findings."""
    marker = "\x00ID\x00"
    templates = []
    for case in cases:
        record = dict(case.record)
        record["headers"] = {**record.get("headers", {}), "X-Request-Id": marker}
        record["url"] = f"https://api.example.com/v1/items/{marker}"
        templates.append(json.dumps(record, ensure_ascii=False).split(json.dumps(marker)[1:-1]))
    with path.open("w", encoding="utf-8") as out:
        batch = []
        for i, parts in zip(range(records), itertools.cycle(templates)):
            batch.append(str(i).join(parts))
            if len(batch) == 10_000:
                out.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            out.write("\n".join(batch) + "\n")


def maxrss_mib(usage: resource.struct_rusage) -> float:
    return usage.ru_maxrss / 1024  # KiB on Linux


def ndjson_worker(path: str, records: int, checkpoints: list[int]) -> None:
    """Run in a fresh process: the `errspec check --format json` loop without rendering.
    Prints one JSON line: baseline and peak RSS at each checkpoint, finding counts."""
    for case in pick_cases():  # warm up: catalogue, plans, compiled validators
        errspec.check_response(case.record, "auto")
    baseline = maxrss_mib(resource.getrusage(resource.RUSAGE_SELF))
    counts = {"responses": 0, "conforming": 0, "errors": 0, "warnings": 0}
    marks = []
    todo = sorted(set(checkpoints))
    every = max(1, records // 10)
    start = time.perf_counter()
    for n, response in enumerate(errspec.read_responses(path, errspec.ReadOptions()), 1):
        report = errspec.check_response(response, "auto")
        counts["responses"] += 1
        counts["conforming"] += report.conforms
        for finding in report.findings:
            counts["errors" if finding.severity == "error" else "warnings"] += 1
        if todo and n == todo[0]:
            todo.pop(0)
            elapsed = time.perf_counter() - start
            rss = maxrss_mib(resource.getrusage(resource.RUSAGE_SELF))
            marks.append({"records": n, "seconds": elapsed, "peak_rss_mib": rss})
        if n % every == 0:
            elapsed = time.perf_counter() - start
            eta = elapsed / n * (records - n)
            log(f"  API pass: {n:,}/{records:,} records, {n / elapsed:,.0f}/s, ETA {eta:.0f} s")
    print(json.dumps({"baseline_rss_mib": baseline, "checkpoints": marks, "counts": counts}))


def run_child(argv: list[str], stdout: int | None) -> tuple[float, float, int, bytes]:
    """Run ``argv``; wall seconds, its own peak RSS (MiB), exit status, stdout.

    os.wait4 gives this child's rusage alone (RUSAGE_CHILDREN would be the maximum over
    every child this process has waited for)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as captured:
        proc = subprocess.Popen(argv, stdout=captured if stdout is None else stdout)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        captured.seek(0)
        return elapsed, maxrss_mib(usage), proc.returncode, captured.read()


def time_loads(path: Path, records: int) -> float:
    """The anchor: seconds to read the file and json.loads every line."""
    start = time.perf_counter()
    with path.open("rb") as f:
        for line in itertools.islice(f, records):
            json.loads(line)
    return time.perf_counter() - start


def time_read_only(path: Path, records: int) -> float:
    """Seconds for errspec.read_responses alone (strict parse + Response) over ``records``."""
    start = time.perf_counter()
    responses = errspec.read_responses(str(path), errspec.ReadOptions())
    for _ in itertools.islice(responses, records):
        pass
    responses.close()
    return time.perf_counter() - start


def expected_counts(cases: list[Case], records: int) -> dict[str, int]:
    per = [errspec.check_response(c.record, "auto") for c in cases]
    out = {"responses": records, "conforming": 0, "errors": 0, "warnings": 0}
    for i in range(len(cases)):
        times = records // len(cases) + (i < records % len(cases))
        out["conforming"] += times * per[i].conforms
        out["errors"] += times * len(per[i].errors)
        out["warnings"] += times * len(per[i].warnings)
    return out


def run_ndjson(cases: list[Case], records: int, cli: bool, tmp: Path) -> None:
    tenth = max(1, records // 10)
    path = tmp / f"responses-{records}.ndjson"
    log(f"NDJSON: writing {records:,} records to {path}")
    write_ndjson(path, cases, records)
    size = path.stat().st_size
    log(f"  {size / 2**20:.0f} MiB")

    log("NDJSON: anchor (json.loads of every line)")
    loads_s = time_loads(path, records)
    loads_rate = records / loads_s
    log(f"NDJSON: read_responses alone over {tenth:,} records")
    read_s = time_read_only(path, tenth)

    log(f"NDJSON: read_responses + check_response(auto) over {records:,} (fresh process)")
    checkpoints = sorted({tenth, max(1, records // 2), records})
    argv = [sys.executable, str(Path(__file__).resolve()), "--ndjson-worker", str(path)]
    argv += ["--records", str(records), "--checkpoints", ",".join(map(str, checkpoints))]
    _, api_peak, code, out = run_child(argv, None)
    if code != 0:
        sys.exit(f"the NDJSON worker failed (exit {code})")
    result = json.loads(out.decode().strip().splitlines()[-1])

    cli_rows = []
    if cli:
        errspec_bin = Path(sys.executable).with_name("errspec")
        exe = str(errspec_bin) if errspec_bin.exists() else shutil.which("errspec")
        if exe is None:
            sys.exit("no errspec executable next to this Python or on PATH")
        small = tmp / f"responses-{tenth}.ndjson"
        with path.open("rb") as src, small.open("wb") as dst:
            dst.writelines(itertools.islice(src, tenth))
        for n, file in ((tenth, small), (records, path)):
            log(f"CLI: errspec check {file.name} --format json > /dev/null ({n:,} records)")
            argv = [exe, "check", str(file), "--format", "json"]
            seconds, peak, code, _ = run_child(argv, subprocess.DEVNULL)
            if code not in (0, 1):
                sys.exit(f"errspec check exited {code}")
            cli_rows.append((n, seconds, peak))

    print(f"## NDJSON: {records:,} records ({size / 2**20:.0f} MiB), `envelope=auto`\n")
    print(
        f"The file cycles the {len(cases)} records above ({len(cases) // 2} valid, "
        f"{len(cases) - len(cases) // 2} invalid). "
        f"Anchor: json.loads of every line, {loads_rate:,.0f} records/s "
        f"({loads_s / records * 1e6:.2f} µs/record).\n"
    )
    print(
        "| what | records | seconds | records/s | µs/record | x json.loads time "
        "| peak RSS MiB | RSS growth MiB |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")

    def row(what: str, n: int, seconds: float, peak: str = "", growth: str = "") -> None:
        per = seconds / n
        print(
            f"| {what} | {n:,} | {seconds:.2f} | {n / seconds:,.0f} | {per * 1e6:.1f} "
            f"| {per / (loads_s / records):.0f}x | {peak} | {growth} |"
        )

    row("json.loads per line (anchor)", records, loads_s)
    row("read_responses only", tenth, read_s)
    base = result["baseline_rss_mib"]
    for mark in result["checkpoints"]:
        peak = mark["peak_rss_mib"]
        row(
            "read_responses + check_response",
            mark["records"],
            mark["seconds"],
            f"{peak:.1f}",
            f"{peak - base:+.1f}",
        )
    for n, seconds, peak in cli_rows:
        row("CLI `errspec check --format json`", n, seconds, f"{peak:.1f}")
    counts, expected = result["counts"], expected_counts(cases, records)
    verdict = "as expected" if counts == expected else f"EXPECTED {expected}"
    print(
        f"\nAPI pass: baseline RSS after warm-up {base:.1f} MiB; worker process peak "
        f"{api_peak:.1f} MiB. Findings over {counts['responses']:,} responses: "
        f"{counts['errors']:,} errors, {counts['warnings']:,} warnings, "
        f"{counts['conforming']:,} conforming ({verdict}).\n"
    )


# --- main --------------------------------------------------------------------------------


def header(args: argparse.Namespace) -> None:
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("# errspec check benchmark\n")
    print(f"- date: {now}; machine: {cpu}, nproc {os.cpu_count()}, {platform.platform()}")
    print(
        f"- Python {platform.python_version()}; errspec {errspec.__version__} ({commit}); "
        f"jsonschema {_version('jsonschema')}; jsonschema-rs {_version('jsonschema_rs')}"
    )
    print(
        f"- best of {args.repeat} runs of ~{args.target:g} s each per cell; "
        f"NDJSON records: {args.records:,}; errspec imported from "
        f"{Path(errspec.__file__).parent}; load average at the start "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=None, help="NDJSON records (1,000,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 records, fewer repeats")
    parser.add_argument("--repeat", type=int, default=None, help="best of N runs (5; quick 3)")
    parser.add_argument("--target", type=float, default=None, help="seconds per run (0.1)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI end-to-end runs")
    parser.add_argument("--no-ndjson", action="store_true", help="per-response table only")
    parser.add_argument(
        "--no-targets", action="store_true", help="skip timing every shipped valid record"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the slowest envelope's valid record"
    )
    parser.add_argument("--ndjson-worker", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--checkpoints", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.records is None:
        args.records = 20_000 if args.quick else 1_000_000
    if args.repeat is None:
        args.repeat = 3 if args.quick else 5
    if args.target is None:
        args.target = 0.03 if args.quick else 0.1

    if args.ndjson_worker:
        checkpoints = [int(c) for c in args.checkpoints.split(",") if c]
        ndjson_worker(args.ndjson_worker, args.records, checkpoints or [args.records])
        return

    began = time.perf_counter()
    header(args)
    cases = pick_cases()
    rows = []
    for case in cases:
        log(f"per response: {case.envelope.id} {case.kind} ({case.name})")
        rows.append(time_case(case, args.repeat, args.target))
    print_response_table(rows)
    if not args.no_targets:
        print_targets(rows, args.repeat, args.target)
    sys.stdout.flush()
    if args.profile:
        slowest = max((r for r in rows if r.case.kind == "valid"), key=lambda r: r.errspec)
        log(f"cProfile: {slowest.case.envelope.id} {slowest.case.name}")
        profile_case(slowest.case, 2000)
    if not args.no_ndjson:
        with tempfile.TemporaryDirectory(prefix="errspec-bench-") as tmp:
            run_ndjson(cases, args.records, not args.no_cli, Path(tmp))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Total wall time: {time.perf_counter() - began:.0f} s; load average at the end {load}.")
    log("done")


if __name__ == "__main__":
    main()
