"""Benchmark: loading an OpenAPI document, JSON and YAML, with the candidate parsers. Not a test.

Each measurement runs in a fresh Python process (``--child``): imports happen first and are
not timed; the timed part reads the file and builds the tree (and the positions, where the
candidate gives any). Peak memory is the child's own ``ru_maxrss`` from ``os.wait4``.
Speed is printed as a ratio to ``json.loads`` of the JSON file, timed the same way in the
same run.

    .venv/bin/python bench/load.py                  # GitHub's REST description + YAML twin
    .venv/bin/python bench/load.py --quick          # one run each, skip the slow candidates
    .venv/bin/python bench/load.py --slow           # also ruamel.yaml pure-Python and round-trip
    PYTHONPATH=/tmp/loadbench .venv/bin/python bench/load.py   # with optional parsers

The optional candidates (rapidyaml, yaml-rs, ruamel.yaml[.clib]) are not errspec
dependencies; a row says "not installed" when its module cannot be imported. To measure
them without touching the project's environment:
``.venv/bin/pip install --target /tmp/loadbench rapidyaml yaml-rs ruamel.yaml ruamel.yaml.clib``.

The YAML twin is ``yaml.dump(json.load(spec), Dumper=CSafeDumper, sort_keys=False)``,
written to a temporary directory that is removed at the end. Markdown goes to stdout,
progress to stderr. See bench/LOADING.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT.parent / "shared" / "corpus" / "specs" / "github-full.json"
FAST = 5.0  # candidates faster than this (seconds) are repeated; slower ones run once


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- candidates (run inside the child process) -------------------------------------------


def _response_pointers(data: Any) -> list[str]:
    """``/paths/{path}/{method}/responses/{status}`` for every response: what a lint run
    asks positions for."""
    from errspec._pointer import join

    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    pointers = []
    for path, item in data.get("paths", {}).items():
        for method, operation in item.items():
            if method in methods and isinstance(operation, dict):
                for status in operation.get("responses", {}):
                    pointers.append(join(("paths", path, method, "responses", status)))
    return pointers


def c_json_loads(path: Path) -> str:
    json.loads(path.read_bytes())
    return ""


def c_errspec(path: Path) -> str:
    from errspec._specload import load_document

    doc = load_document(path)
    return f"format {doc.format}, version {doc.version}"


def c_errspec_positions(path: Path) -> str:
    from errspec._specload import load_document

    start = time.perf_counter()
    doc = load_document(path)
    loaded = time.perf_counter()
    pointers = _response_pointers(doc.data)  # not timed: a lint run has them anyway
    listed = time.perf_counter()
    first = doc.position(pointers[0])
    indexed = time.perf_counter()
    found = sum(doc.position(p) is not None for p in pointers[1:]) + (first is not None)
    done = time.perf_counter()
    return (
        f"load {loaded - start:.2f} s; first position {indexed - listed:.2f} s; "
        f"{len(pointers):,} response positions {done - listed:.2f} s ({found:,} found)"
    )


def c_errspec_no_gc(path: Path) -> str:
    """What a short-lived CLI process could do: no cyclic garbage collection at all."""
    import gc

    from errspec._specload import load_document

    gc.disable()
    doc = load_document(path)
    return f"format {doc.format}, version {doc.version}"


def c_pyyaml_load(path: Path) -> str:
    import yaml

    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return ""


def c_pyyaml_compose(path: Path) -> str:
    import yaml

    loader = yaml.CSafeLoader(path.read_bytes())
    try:
        loader.get_single_node()
    finally:
        loader.dispose()
    return ""


def c_pyyaml_events(path: Path) -> str:
    import yaml

    count = sum(1 for _ in yaml.parse(path.read_bytes(), Loader=yaml.CSafeLoader))
    return f"{count:,} events"


def c_libyaml_raw(path: Path) -> str:
    from yaml import _yaml

    return f"{_yaml.CParser(path.read_bytes()).raw_parse():,} events"


def c_ryml_parse(path: Path) -> str:
    import ryml  # type: ignore[import-not-found]

    tree = ryml.parse_in_arena(path.read_bytes())
    return f"{tree.size():,} nodes"


def c_ryml_tree(path: Path) -> str:
    """rapidyaml's C++ tree turned into dicts and lists through its SWIG API: every scalar
    left a string (no YAML typing), no positions — a lower bound for a real loader."""
    import ryml

    buffer = bytearray(path.read_bytes())
    tree = ryml.parse_in_place(buffer)
    is_map, is_seq = tree.is_map, tree.is_seq
    first_child, next_sibling = tree.first_child, tree.next_sibling
    key, val, none = tree.key, tree.val, ryml.NONE
    root_id = tree.root_id()
    root: Any = {} if is_map(root_id) else []
    stack = [(root_id, root)]
    while stack:
        node, out = stack.pop()
        child = first_child(node)
        while child != none:
            value: Any
            if is_map(child):
                value = {}
                stack.append((child, value))
            elif is_seq(child):
                value = []
                stack.append((child, value))
            else:
                value = bytes(val(child)).decode()
            if type(out) is dict:
                out[bytes(key(child)).decode()] = value
            else:
                out.append(value)
            child = next_sibling(child)
    return ""


def c_yaml_rs(path: Path) -> str:
    import yaml_rs  # type: ignore[import-not-found]

    yaml_rs.loads(path.read_bytes().decode(), parse_datetime=False)
    return ""


def _ruamel(typ: str, pure: bool) -> Callable[[Path], str]:
    def run(path: Path) -> str:
        from ruamel.yaml import YAML  # type: ignore[import-not-found]

        loader = YAML(typ=typ, pure=pure)
        loader.load(path.read_bytes())
        if not pure:  # say which parser ruamel picked
            return f"parser {type(loader.parser).__name__}"
        return ""

    return run


@dataclass(frozen=True)
class Candidate:
    name: str
    fmt: str  # which file: "json" or "yaml"
    module: str  # imported (untimed) before the clock starts; missing -> "not installed"
    positions: str
    run: Callable[[Path], str]
    slow: bool = False  # only with --slow


CANDIDATES = [
    Candidate("json.loads (anchor)", "json", "json", "no", c_json_loads),
    Candidate("errspec load_document", "json", "errspec._specload", "lazy", c_errspec),
    Candidate(
        "errspec load_document + response positions",
        "json",
        "errspec._specload",
        "yes",
        c_errspec_positions,
    ),
    Candidate(
        "errspec load_document, gc disabled", "json", "errspec._specload", "lazy", c_errspec_no_gc
    ),
    Candidate("errspec load_document", "yaml", "errspec._specload", "yes", c_errspec),
    Candidate(
        "errspec load_document + response positions",
        "yaml",
        "errspec._specload",
        "yes",
        c_errspec_positions,
    ),
    Candidate(
        "errspec load_document, gc disabled", "yaml", "errspec._specload", "yes", c_errspec_no_gc
    ),
    Candidate("PyYAML yaml.load, CSafeLoader", "yaml", "yaml", "no", c_pyyaml_load),
    Candidate("PyYAML compose only, CSafeLoader", "yaml", "yaml", "nodes", c_pyyaml_compose),
    Candidate("PyYAML event stream only, CSafeLoader", "yaml", "yaml", "marks", c_pyyaml_events),
    Candidate("libyaml C parse, no Python objects", "yaml", "yaml", "no", c_libyaml_raw),
    Candidate("rapidyaml parse (C++ tree only)", "yaml", "ryml", "no", c_ryml_parse),
    Candidate("rapidyaml parse + Python tree via SWIG", "yaml", "ryml", "no", c_ryml_tree),
    Candidate("yaml-rs loads", "yaml", "yaml_rs", "no", c_yaml_rs),
    Candidate("ruamel.yaml safe, C parser", "yaml", "ruamel.yaml", "no", _ruamel("safe", False)),
    Candidate(
        "ruamel.yaml safe, pure Python", "yaml", "ruamel.yaml", "no", _ruamel("safe", True), True
    ),
    Candidate(
        "ruamel.yaml round-trip", "yaml", "ruamel.yaml", "yes (.lc)", _ruamel("rt", False), True
    ),
    # For scale: a whole lint run by the tool the targets are set against.
    Candidate("redocly lint (the whole lint)", "json", "redocly", "yes", c_json_loads),
    Candidate("redocly lint (the whole lint)", "yaml", "redocly", "yes", c_json_loads),
]


def child(name: str, fmt: str, path: Path) -> None:
    """Run one candidate once and print ``{"seconds", "detail", "baseline_kib"}``."""
    import importlib

    candidate = next(c for c in CANDIDATES if c.name == name and c.fmt == fmt)
    try:
        importlib.import_module(candidate.module)
    except ImportError:
        print(json.dumps({"missing": True}))
        return
    if candidate.module == "errspec._specload":
        import yaml  # noqa: F401 - imported by errspec anyway; keep it out of the timing
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    detail = candidate.run(path)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "detail": detail, "baseline_kib": baseline}))


# --- the parent --------------------------------------------------------------------------


@dataclass
class Result:
    candidate: Candidate
    seconds: float | None = None
    peak_mib: float | None = None
    baseline_mib: float | None = None
    detail: str = ""
    runs: int = 0
    problem: str | None = None  # "not installed", "timed out", "failed: ..."


def _run(argv: list[str], timeout: float) -> tuple[int | None, str, str, Any, float]:
    """``(exit code or None on time-out, stdout, stderr, rusage, wall seconds)`` of one
    process, its rusage from ``os.wait4`` (its own, not the maximum over all children)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT)
        deadline = time.monotonic() + timeout
        code: int | None = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return code, out.read().decode(), err.read().decode(errors="replace"), usage, elapsed


def measure_once(candidate: Candidate, path: Path, timeout: float) -> Result:
    result = Result(candidate)
    if candidate.module == "redocly":
        return _measure_redocly(result, path, timeout)
    argv = [sys.executable, __file__, "--child", candidate.name, candidate.fmt, str(path)]
    code, output, errors, usage, _ = _run(argv, timeout)
    if code is None:
        result.problem = f"timed out after {timeout:.0f} s"
        return result
    if code != 0 or not output.strip():
        result.problem = f"failed (exit {code}): {errors.strip().splitlines()[-1:]}"
        return result
    report = json.loads(output.strip().splitlines()[-1])
    if report.get("missing"):
        result.problem = "not installed"
        return result
    result.seconds = report["seconds"]
    result.detail = report["detail"]
    result.peak_mib = usage.ru_maxrss / 1024  # KiB on Linux
    result.baseline_mib = report["baseline_kib"] / 1024
    result.runs = 1
    return result


REDOCLY: str | None = None  # --redocly


def _measure_redocly(result: Result, path: Path, timeout: float) -> Result:
    if REDOCLY is None:
        result.problem = "not measured (--redocly PATH)"
        return result
    code, _, errors, usage, elapsed = _run([REDOCLY, "lint", str(path)], timeout)
    if code is None or code not in (0, 1):
        result.problem = "timed out" if code is None else f"failed (exit {code})"
        return result
    result.seconds = elapsed
    result.peak_mib = usage.ru_maxrss / 1024
    said = re.findall(r"validated in (\d+ ?ms)|with (\d+ errors and \d+ warnings)", errors)
    reported = "; ".join(part for found in said for part in found if part)
    result.detail = f"whole process, timed from outside; redocly: {reported}"
    result.runs = 1
    return result


def measure(candidate: Candidate, path: Path, repeat: int, timeout: float) -> Result:
    """Best (lowest time) of up to ``repeat`` fresh processes; a slow one runs once."""
    best = measure_once(candidate, path, timeout)
    runs = 1
    while best.seconds is not None and best.seconds < FAST and runs < repeat:
        again = measure_once(candidate, path, timeout)
        runs += 1
        if again.seconds is not None and again.seconds < best.seconds:
            best = again
    best.runs = runs
    return best


def make_twin(spec: Path, folder: Path) -> Path:
    """Write ``<folder>/<spec stem>.yaml``: the spec dumped by PyYAML, keys in their order."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    twin = folder / (spec.stem + ".yaml")
    with spec.open("rb") as handle:
        data = json.load(handle)
    with twin.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle, Dumper=dumper, sort_keys=False, allow_unicode=False)
    return twin


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def _fmt_seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def report(results: list[Result], files: dict[str, Path], args: argparse.Namespace) -> str:
    import yaml

    anchor = next(r for r in results if r.candidate.module == "json")
    lines = []
    lines.append(
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {_cpu()}, "
        f"nproc {os.cpu_count()}, {platform.platform()}"
    )
    lines.append(
        f"- Python {platform.python_version()}; PyYAML {yaml.__version__} "
        f"(libyaml {'yes' if getattr(yaml, '__with_libyaml__', False) else 'no'}); "
        f"load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for fmt, path in files.items():
        digest = _sha256(path)
        lines.append(f"- {fmt}: `{path.name}`, {path.stat().st_size:,} bytes, sha256 {digest}…")
    lines.append(
        f"- best of up to {args.repeat} fresh processes per row (rows over {FAST:.0f} s: one run)"
    )
    lines.append("")
    lines.append(
        "| file | candidate | positions | seconds | x json.loads | peak RSS MiB | "
        "RSS after imports MiB | runs | notes |"
    )
    lines.append("|---|---|---|--:|--:|--:|--:|--:|---|")
    for r in results:
        c = r.candidate
        if r.problem:
            lines.append(f"| {c.fmt} | {c.name} | {c.positions} | | | | | | {r.problem} |")
            continue
        assert r.seconds is not None
        assert anchor.seconds is not None
        ratio = r.seconds / anchor.seconds
        peak = "" if r.peak_mib is None else f"{r.peak_mib:.0f}"
        baseline = "" if r.baseline_mib is None else f"{r.baseline_mib:.0f}"
        lines.append(
            f"| {c.fmt} | {c.name} | {c.positions} | {_fmt_seconds(r.seconds)} | {ratio:.1f}x "
            f"| {peak} | {baseline} | {r.runs} | {r.detail} |"
        )
    return "\n".join(lines) + "\n"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the JSON spec")
    parser.add_argument("--repeat", type=int, default=3, help="best of N processes (3)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per process")
    parser.add_argument("--quick", action="store_true", help="one run each, no slow rows")
    parser.add_argument("--slow", action="store_true", help="also the pure-Python ruamel rows")
    parser.add_argument("--redocly", metavar="PATH", help="also time `PATH lint` on both files")
    parser.add_argument("--child", nargs=3, metavar=("NAME", "FMT", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--make-twin", nargs=2, metavar=("SPEC", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, fmt, path = args.child
        child(name, fmt, Path(path))
        return
    if args.make_twin:
        make_twin(Path(args.make_twin[0]), Path(args.make_twin[1]))
        return
    if args.quick:
        args.repeat = 1
    global REDOCLY
    REDOCLY = args.redocly
    if not args.spec.is_file():
        sys.exit(f"no spec at {args.spec} (use --spec)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="errspec-load-bench-") as folder:
        log(f"writing the YAML twin of {args.spec.name}")
        # In a child process: on Linux a child's ru_maxrss starts from its parent's RSS at
        # fork time, so the parent must never hold the parsed document.
        argv = [sys.executable, __file__, "--make-twin", str(args.spec), folder]
        subprocess.run(argv, check=True)
        files = {"json": args.spec, "yaml": Path(folder) / (args.spec.stem + ".yaml")}
        results = []
        for candidate in CANDIDATES:
            if candidate.slow and (args.quick or not args.slow):
                continue
            log(f"{candidate.fmt}: {candidate.name}")
            result = measure(candidate, files[candidate.fmt], args.repeat, args.timeout)
            shown = result.problem or f"{result.seconds:.2f} s, {result.peak_mib:.0f} MiB"
            log(f"  -> {shown}")
            results.append(result)
        print(report(results, files, args))
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
