"""Benchmark: ``errspec lint`` whole-process, against Redocly CLI and Spectral. Not a test.

Each tool lints the same file as a fresh subprocess: wall time from spawn to exit, and the
child's peak RSS (``ru_maxrss`` from ``os.wait4``). Speed and memory are printed as ratios
to Redocly CLI running only its error-response rules (``operation-4xx-response``,
``operation-4xx-problem-details-rfc7807``: the like-for-like anchor), measured on the same
machine in the same run, and beside it Redocly's ``recommended`` ruleset; nothing is asserted.

    .venv/bin/python bench/lint.py                      # ~10 min here: all three tools
    .venv/bin/python bench/lint.py --no-spectral        # ~3 min: errspec and Redocly only
    .venv/bin/python bench/lint.py --repeat 1 --no-spectral --no-profile   # ~1 min
    .venv/bin/python bench/lint.py --no-spectral --no-recommended   # errspec and the anchor
    .venv/bin/python bench/lint.py --install            # npm-install the two tools first

Inputs: GitHub's REST description (JSON), its YAML twin (``yaml.dump`` with CSafeDumper,
``sort_keys=False``, written to a temporary directory removed at the end) and Stripe's spec.
The node tools are not project dependencies: they live outside the repository, by default
in /tmp/errspec-bench-npm (``npm install --prefix DIR @redocly/cli @stoplight/spectral-cli``).
Markdown goes to stdout, progress to stderr. See bench/LINT.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "specs"
DEFAULT_SPEC = CORPUS / "github-full.json"
DEFAULT_STRIPE = CORPUS / "stripe.yaml"
DEFAULT_NPM_DIR = Path("/tmp/errspec-bench-npm")
REDOCLY_JS = Path("node_modules/@redocly/cli/bin/cli.js")
SPECTRAL_JS = Path("node_modules/@stoplight/spectral-cli/dist/index.js")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: The anchor: Redocly CLI with only its error-response rules (no ``extends``: nothing else
#: runs), what a user choosing a tool for error responses would compare with.
REDOCLY_ERRORS_CONFIG = (
    "rules:\n  operation-4xx-response: error\n  operation-4xx-problem-details-rfc7807: error\n"
)
ANCHOR = "Redocly errors"
RECOMMENDED = "Redocly recommended"
#: Issue 14's targets, per input: errspec's wall time and peak memory as fractions of the
#: anchor's (Redocly running its error rules), same input, same run.
TARGETS: dict[str, tuple[float, float]] = {
    "github JSON": (0.3, 0.5),
    "github YAML": (0.4, 0.5),
    "stripe YAML": (0.3, 0.5),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- child modes (run in fresh processes so the parent stays small) ---------------------
#
# On Linux a child's ru_maxrss is never below its parent's RSS at spawn time (subprocess
# uses vfork, and exec folds the old address space's high-water mark into the child's
# figure), so the parent never holds a parsed spec: the YAML twin and the profile are
# made in children, and the report shows the parent's own peak.


def _count_operations(data: object) -> int:
    if not isinstance(data, dict):
        return 0
    count = 0
    for item in (data.get("paths") or {}).values():
        if isinstance(item, dict):
            count += sum(isinstance(item.get(m), dict) for m in METHODS)
    return count


def child_prepare(spec: Path, stripe: Path, folder: Path) -> None:
    """Write the YAML twin of ``spec`` into ``folder``; print operation counts as JSON."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with spec.open("rb") as handle:
        data = json.load(handle)
    twin = folder / (spec.stem + ".yaml")
    with twin.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle, Dumper=dumper, sort_keys=False)
    counts = {"github": _count_operations(data)}
    del data
    if stripe.is_file():
        with stripe.open("rb") as handle:
            counts["stripe"] = _count_operations(yaml.load(handle, Loader=loader))
    print(json.dumps({"twin": str(twin), "operations": counts}))


def child_profile(spec: Path, out: Path, top: int) -> None:
    """cProfile ``errspec._cli.main(['lint', spec])``, imports included; stats to ``out``."""
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    try:
        from errspec._cli import main

        main(["lint", str(spec)])
    except SystemExit:
        pass
    finally:
        profile.disable()
    seconds = time.perf_counter() - start
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("cumulative").print_stats(top)
    by_cum = text.getvalue()
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("tottime").print_stats(15)
    out.write_text(json.dumps({"seconds": seconds, "cumtime": by_cum, "tottime": text.getvalue()}))


# --- running one tool once ---------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the child (all its threads)
    others: float  # cores used by every other process meanwhile (machine busy - child)
    peak_kib: int
    exit_code: int | None
    timed_out: bool
    stdout: Path
    stderr: Path


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (``/proc/stat``)."""
    try:
        with open("/proc/stat") as handle:
            fields = handle.readline().split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run_once(argv: list[str], cwd: Path, env: dict[str, str], timeout: float, out: Path) -> Run:
    """Spawn ``argv``; wall time to its exit and its own rusage (``os.wait4``)."""
    stdout, stderr = out.with_suffix(".out"), out.with_suffix(".err")
    state = {"exited": False, "timed_out": False}
    lock = threading.Lock()
    with stdout.open("wb") as fout, stderr.open("wb") as ferr:
        busy_before = _busy_seconds()
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=fout, stderr=ferr, cwd=cwd, env=env
        )

        def kill() -> None:
            with lock:
                if not state["exited"]:
                    state["timed_out"] = True
                    os.kill(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        # Wait without reaping, so the timer can never signal a recycled pid ...
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        seconds = time.perf_counter() - start
        busy = _busy_seconds() - busy_before
        with lock:
            state["exited"] = True
        timer.cancel()
        # ... then reap it and read its rusage.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        seconds=seconds,
        cpu=usage.ru_utime + usage.ru_stime,
        others=max(0.0, busy - usage.ru_utime - usage.ru_stime) / seconds,
        peak_kib=usage.ru_maxrss,  # KiB on Linux
        exit_code=None if state["timed_out"] else proc.returncode,
        timed_out=state["timed_out"],
        stdout=stdout,
        stderr=stderr,
    )


# --- the tools -----------------------------------------------------------------------------


def _json(path: Path) -> object:
    return json.loads(path.read_bytes())


def count_errspec(run: Run) -> str:
    summary = _json(run.stdout)["summary"]  # type: ignore[index]
    total = summary["errors"] + summary["warnings"]
    return f"{total:,} ({summary['errors']:,} E, {summary['warnings']:,} W)"


def count_redocly(run: Run) -> str:
    totals = _json(run.stdout)["totals"]  # type: ignore[index]
    total = totals["errors"] + totals["warnings"]
    return f"{total:,} ({totals['errors']:,} E, {totals['warnings']:,} W)"


def count_spectral(run: Run) -> str:
    results = _json(run.stdout)
    assert isinstance(results, list)
    severities = [r.get("severity") for r in results]
    errors, warnings = severities.count(0), severities.count(1)
    rest = len(results) - errors - warnings
    return f"{len(results):,} ({errors:,} E, {warnings:,} W, {rest:,} info/hint)"


def note_errspec(run: Run) -> str:
    """errspec prints ``linted in X s`` (its own time after startup) on stderr."""
    for line in reversed(run.stderr.read_text(errors="replace").splitlines()):
        if line.startswith("linted in "):
            return f"in-process {line.removeprefix('linted in ')}"
    return ""


@dataclass
class Tool:
    name: str
    argv: Callable[[Path], list[str]]
    ok_codes: tuple[int, ...]  # exit codes of a completed lint (1: findings)
    count: Callable[[Run], str]
    repeat: int
    timeout: float
    note: Callable[[Run], str] = lambda run: ""


@dataclass
class Result:
    tool: Tool
    label: str
    runs: list[Run] = field(default_factory=list)
    problem: str | None = None
    findings: str = ""
    note: str = ""

    @property
    def best(self) -> Run | None:
        good = [r for r in self.runs if r.exit_code in self.tool.ok_codes]
        return min(good, key=lambda r: r.seconds) if good else None


def measure(tool: Tool, label: str, path: Path, ctx: Context, result: Result) -> None:
    if result.problem:
        return
    run = run_once(
        tool.argv(path), ctx.folder, ctx.env, tool.timeout, ctx.folder / f"out-{len(ctx.seq)}"
    )
    ctx.seq.append(1)
    result.runs.append(run)
    if run.timed_out:
        result.problem = (
            f"timed out after {tool.timeout:.0f} s (peak so far {run.peak_kib / 1024:.0f} MiB)"
        )
    elif run.exit_code not in tool.ok_codes:
        tail = run.stderr.read_text(errors="replace").strip().splitlines()[-3:]
        result.problem = f"failed (exit {run.exit_code})"
        log(f"  {tool.name} on {label} failed (exit {run.exit_code}): {' | '.join(tail)}")
    else:
        best = result.best
        if best is run:  # keep the count and the note of the best run
            try:
                result.findings = tool.count(run)
            except (ValueError, KeyError, TypeError, AssertionError):
                result.findings = "?"
            result.note = tool.note(run)
    shown = result.problem or (
        f"{run.seconds:.2f} s (CPU {run.cpu:.2f} s), {run.peak_kib / 1024:.0f} MiB, "
        f"others {run.others:.2f} cores"
    )
    log(f"  {tool.name:8} {label:12} run {len(result.runs)}/{tool.repeat}: {shown}")


@dataclass
class Context:
    folder: Path
    env: dict[str, str]
    seq: list[int] = field(default_factory=list)


# --- report ---------------------------------------------------------------------------------


def _version(argv: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = [ln.strip() for ln in done.stdout.splitlines() if ln.strip()]
    return lines[-1] if lines else "?"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return ""
    return done.stdout.strip()


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _ratio(value: float, anchor: float | None) -> str:
    return "" if not anchor else f"{value / anchor:.2f}x"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def target_cell(label: str, run: Run, anchor: Run | None) -> tuple[str, list[str]]:
    """The table cell and summary lines for errspec's row on ``label``."""
    if label not in TARGETS:
        return "— (no target)", []
    if anchor is None:
        return f"? (no {ANCHOR} time)", []
    limit, memory = TARGETS[label]
    ratio = run.seconds / anchor.seconds
    cells = [f"wall ≤ {limit}x: {_yes(ratio <= limit)}"]
    lines = [
        f"errspec on {label}: wall {run.seconds:.2f} s = {ratio:.2f}x {ANCHOR}' "
        f"{anchor.seconds:.2f} s (target ≤ {limit}x): {'met' if ratio <= limit else 'NOT met'}"
    ]
    peak_ratio = run.peak_kib / anchor.peak_kib
    ok = peak_ratio <= memory
    cells.append(f"peak ≤ {memory}x: {_yes(ok)}")
    lines.append(
        f"errspec on {label}: peak {run.peak_kib / 1024:.0f} MiB = {peak_ratio:.2f}x "
        f"{ANCHOR}' {anchor.peak_kib / 1024:.0f} MiB (target ≤ {memory}x): "
        f"{'met' if ok else 'NOT met'}"
    )
    return "; ".join(cells), lines


def report(
    results: list[Result], inputs: dict[str, Path], header: list[str], args: argparse.Namespace
) -> str:
    out = [*header, ""]
    out.append(
        "| tool | input | wall s (best) | all runs s | CPU s | peak MiB | wall ÷ anchor | "
        "peak ÷ anchor | wall ÷ recommended | findings | errspec target | notes |"
    )
    out.append("|---|---|--:|---|--:|--:|--:|--:|--:|---|---|---|")
    summary: list[str] = []
    for label in inputs:
        rows = [r for r in results if r.label == label]
        anchor_result = next((r for r in rows if r.tool.name == ANCHOR), None)
        anchor = anchor_result.best if anchor_result else None
        recommended_result = next((r for r in rows if r.tool.name == RECOMMENDED), None)
        recommended = recommended_result.best if recommended_result else None
        for r in rows:
            best = r.best
            if best is None:
                out.append(f"| {r.tool.name} | {label} | | | | | | | | | | {r.problem} |")
                if r.tool.name == "errspec":
                    summary.append(f"errspec on {label}: no measurement ({r.problem})")
                continue
            walls = ", ".join(f"{x.seconds:.2f}" for x in r.runs if x.exit_code in r.tool.ok_codes)
            target = ""
            if r.tool.name == "errspec":
                target, lines = target_cell(label, best, anchor)
                summary.extend(lines)
            peak_ratio = _ratio(best.peak_kib, anchor.peak_kib if anchor else None)
            wall_ratio = _ratio(best.seconds, anchor.seconds if anchor else None)
            rec_ratio = _ratio(best.seconds, recommended.seconds if recommended else None)
            busy = f"other processes {best.others:.1f} cores" if best.others >= 0.2 else ""
            note = "; ".join(x for x in (r.note, busy, r.problem or "") if x)
            out.append(
                f"| {r.tool.name} | {label} | {best.seconds:.2f} | {walls} | {best.cpu:.2f} | "
                f"{best.peak_kib / 1024:.0f} | {wall_ratio} | {peak_ratio} | {rec_ratio} | "
                f"{r.findings} | "
                f"{target} | {note} |"
            )
    out.append("")
    out.append(
        f"Targets (issue 14; errspec against the anchor, {ANCHOR}, on the same input, same run):"
    )
    out.append("")
    out.extend(f"- {line}" for line in summary)
    return "\n".join(out) + "\n"


# --- main ---------------------------------------------------------------------------------


def compile_errspec(errspec: Path) -> None:
    """Compile errspec's bytecode before timing it, as ``pip install`` does for a user.

    A work tree that is being edited, under ``PYTHONDONTWRITEBYTECODE=1`` (this machine's
    default), has stale ``.pyc`` files that are never rewritten: every run would compile
    the changed modules again (~0.07 s), which no installed errspec pays."""
    python = errspec.parent / "python"
    if not python.is_file():
        return
    package = subprocess.run(
        [str(python), "-c", "import errspec, os; print(os.path.dirname(errspec.__file__))"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if package:
        log(f"compiling the bytecode of {package}")
        subprocess.run(
            [str(python), "-m", "compileall", "-q", package],
            stdout=subprocess.DEVNULL,
            check=False,
        )


def install(npm_dir: Path) -> None:
    argv = ["npm", "install", "--prefix", str(npm_dir), "@redocly/cli", "@stoplight/spectral-cli"]
    log("running " + " ".join(argv))
    subprocess.run(argv, check=True, stdout=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="GitHub's JSON spec")
    parser.add_argument("--stripe", type=Path, default=DEFAULT_STRIPE, help="Stripe's spec")
    parser.add_argument("--errspec", type=Path, default=ROOT / ".venv" / "bin" / "errspec")
    parser.add_argument(
        "--npm-dir", type=Path, default=DEFAULT_NPM_DIR, help="node_modules' parent"
    )
    parser.add_argument("--install", action="store_true", help="npm install the tools if missing")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (errspec, Redocly)")
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds per errspec/Redocly run"
    )
    parser.add_argument("--no-spectral", action="store_true", help="skip Spectral")
    parser.add_argument(
        "--no-recommended", action="store_true", help="skip Redocly's recommended ruleset"
    )
    parser.add_argument("--spectral-timeout", type=float, default=300, help="seconds (300)")
    parser.add_argument("--spectral-repeat", type=int, default=1, help="Spectral runs (1)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile of errspec")
    parser.add_argument("--child-prepare", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_prepare:
        spec, stripe, folder = map(Path, args.child_prepare)
        child_prepare(spec, stripe, folder)
        return
    if args.child_profile:
        spec, out, top = args.child_profile
        child_profile(Path(spec), Path(out), int(top))
        return

    started = time.monotonic()
    load_start = os.getloadavg()
    if not args.spec.is_file():
        sys.exit(f"no spec at {args.spec} (use --spec)")
    if not args.errspec.is_file():
        sys.exit(f"no errspec at {args.errspec} (use --errspec)")
    node = shutil.which("node")
    if node is None:
        sys.exit("node is not on PATH")
    redocly_js = args.npm_dir / REDOCLY_JS
    spectral_js = args.npm_dir / SPECTRAL_JS
    if args.install and not (redocly_js.is_file() and spectral_js.is_file()):
        install(args.npm_dir)
    if not redocly_js.is_file() or (not args.no_spectral and not spectral_js.is_file()):
        sys.exit(
            f"Redocly CLI or Spectral is not installed under {args.npm_dir}: run\n"
            f"  npm install --prefix {args.npm_dir} @redocly/cli @stoplight/spectral-cli\n"
            "or pass --install (or --npm-dir DIR)"
        )

    env = dict(os.environ)
    # Redocly CLI: no telemetry (it would first probe the network for up to 1 s) and no
    # update check; both are what a CI job would set, and neither touches linting.
    env.update(REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true", NO_COLOR="1")

    with tempfile.TemporaryDirectory(prefix="errspec-lint-bench-") as name:
        folder = Path(name)
        (folder / "redocly.yaml").write_text("extends:\n  - recommended\n")
        (folder / "redocly-errors.yaml").write_text(REDOCLY_ERRORS_CONFIG)
        (folder / "spectral.yaml").write_text('extends: ["spectral:oas"]\n')
        compile_errspec(args.errspec)
        log(f"writing the YAML twin of {args.spec.name} (and counting operations)")
        prep = subprocess.run(
            [sys.executable, __file__, "--child-prepare", str(args.spec), str(args.stripe), name],
            check=True,
            capture_output=True,
            text=True,
        )
        prepared = json.loads(prep.stdout.strip().splitlines()[-1])
        inputs = {"github JSON": args.spec, "github YAML": Path(prepared["twin"])}
        if args.stripe.is_file():
            inputs["stripe YAML"] = args.stripe
        ops = prepared["operations"]

        tools = [
            Tool(
                "errspec",
                lambda p: [str(args.errspec), "lint", str(p), "--format", "json"],
                (0, 1),
                count_errspec,
                args.repeat,
                args.timeout,
                note_errspec,
            ),
            Tool(
                ANCHOR,
                lambda p: [
                    node,
                    str(redocly_js),
                    "lint",
                    str(p),
                    "--format=json",
                    "--config",
                    str(folder / "redocly-errors.yaml"),
                ],
                (0, 1),
                count_redocly,
                args.repeat,
                args.timeout,
            ),
        ]
        if not args.no_recommended:
            tools.append(
                Tool(
                    RECOMMENDED,
                    lambda p: [
                        node,
                        str(redocly_js),
                        "lint",
                        str(p),
                        "--format=json",
                        "--config",
                        str(folder / "redocly.yaml"),
                    ],
                    (0, 1),
                    count_redocly,
                    args.repeat,
                    args.timeout,
                )
            )
        if not args.no_spectral:
            tools.append(
                Tool(
                    "Spectral",
                    lambda p: [
                        node,
                        str(spectral_js),
                        "lint",
                        str(p),
                        "-r",
                        str(folder / "spectral.yaml"),
                        "-f",
                        "json",
                        "--quiet",
                    ],
                    (0, 1),
                    count_spectral,
                    args.spectral_repeat,
                    args.spectral_timeout,
                )
            )

        ctx = Context(folder, env)
        results: list[Result] = []
        for label, path in inputs.items():
            log(f"{label}: {path.name}, {path.stat().st_size / 2**20:.1f} MiB")
            rows = {t.name: Result(t, label) for t in tools}
            results.extend(rows.values())
            # Interleaved rounds (errspec, Redocly x2, errspec, Redocly x2, ...) so drift in the
            # machine's speed hits both alike; Spectral's long runs come last.
            quick = [t for t in tools if t.name != "Spectral"]
            for _ in range(args.repeat):
                for tool in quick:
                    measure(tool, label, path, ctx, rows[tool.name])
            for tool in tools:
                if tool.name == "Spectral":
                    for _ in range(tool.repeat):
                        measure(tool, label, path, ctx, rows[tool.name])

        profile = None
        if not args.no_profile:
            log(f"cProfile of errspec lint on {inputs['github YAML'].name}")
            stats_file = folder / "profile.json"
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child-profile",
                    str(inputs["github YAML"]),
                    str(stats_file),
                    "25",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=folder,
                check=False,
            )
            if stats_file.is_file():
                profile = json.loads(stats_file.read_text())

        import yaml  # only for its version; the parent never parses a spec

        commit = _git("rev-parse", "--short", "HEAD")
        dirty = " + uncommitted changes" if _git("status", "--porcelain", "--", "errspec") else ""
        parent_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        header = [
            f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {_cpu()}, "
            f"nproc {os.cpu_count()}, {platform.platform()}",
            f"- errspec {_version([str(args.errspec), '--version'], env).split()[-1]} "
            f"({commit}{dirty}) on Python {platform.python_version()}, "
            f"PyYAML {yaml.__version__}; node {_version([node, '--version'], env)}; "
            f"Redocly CLI {_version([node, str(redocly_js), '--version'], env)}"
            + (
                ""
                if args.no_spectral
                else f"; Spectral {_version([node, str(spectral_js), '--version'], env)}"
            ),
            f"- inputs: {args.spec.name} ({args.spec.stat().st_size:,} bytes, "
            f"{ops['github']:,} operations); its YAML twin "
            f"({inputs['github YAML'].stat().st_size:,} bytes)"
            + (
                f"; {args.stripe.name} ({args.stripe.stat().st_size:,} bytes, "
                f"{ops.get('stripe', 0):,} operations)"
                if "stripe YAML" in inputs
                else ""
            ),
            f"- errspec and Redocly: best of {args.repeat} runs, interleaved; Spectral: "
            + (
                "skipped"
                if args.no_spectral
                else f"{args.spectral_repeat} run(s), timeout {args.spectral_timeout:.0f} s"
            ),
            "- commands: `errspec lint FILE --format json`; `node …/@redocly/cli/bin/cli.js "
            "lint FILE --format=json --config C` with C = only the rules "
            "operation-4xx-response and operation-4xx-problem-details-rfc7807 (the anchor) "
            "and C = extends: recommended (REDOCLY_TELEMETRY=off); "
            "`node …/spectral-cli/dist/index.js lint FILE "
            "-r spectral.yaml -f json --quiet` (extends: spectral:oas)",
            f"- load average at the start {', '.join(f'{x:.2f}' for x in load_start)}, "
            f"at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}; this process's "
            f"peak RSS {parent_mib:.0f} MiB (a floor under every child's peak)",
        ]
        text = report(results, inputs, header, args)
        if profile is not None:
            text += (
                f"\n### cProfile: errspec lint {inputs['github YAML'].name} "
                f"(imports included, {profile['seconds']:.2f} s under the profiler)\n\n"
                "By cumulative time, top 25:\n\n```\n"
                + _trim(profile["cumtime"])
                + "\n```\n\nBy internal time, top 15:\n\n```\n"
                + _trim(profile["tottime"])
                + "\n```\n"
            )
        print(text)
    log(f"done in {time.monotonic() - started:.0f} s")


def _trim(stats: str) -> str:
    """pstats output from its column header on, without trailing blank lines."""
    site = str(Path(json.__file__).parent.parent)  # the standard library
    for prefix in (
        f"{ROOT}/.venv/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages/",
        f"{ROOT}/",
        f"{site}/",
    ):
        stats = stats.replace(prefix, "")
    lines = stats.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith("ncalls"):
            head = [ln for ln in lines[:i] if "function calls" in ln]
            return "\n".join(ln.strip() for ln in head) + "\n\n" + "\n".join(lines[i:]).rstrip()
    return stats.rstrip()


if __name__ == "__main__":
    main()
