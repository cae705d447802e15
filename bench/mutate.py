"""A small mutation run: does the suite notice when the code is subtly wrong?

For each target module it makes mutants of one small change each (a comparison or
boolean operator swapped, a constant nudged, a condition negated, ``True``/``False``
flipped), runs the tests that cover the module against each mutant, and lists the mutants
no test killed. It works on a copy of the tree in a temporary folder (``PYTHONPATH``
points there), so the working tree is never modified (and it mutates the
committed tree: HEAD).

    python bench/mutate.py errspec/_pointer.py errspec/_http.py --per-file 40 --seed 1

Not a test and not a benchmark: a report for a reviewer (`make mutate`). A surviving
mutant is a place to look: either a missing test or an equivalent mutant (one that
changes nothing observable, such as ``<`` to ``<=`` where equality cannot happen).
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: The tests that exercise each module (a mutant is run against these only).
TESTS = {
    "_rules.py": [
        "tests/test_check_records.py",
        "tests/test_hostile_api.py",
        "tests/test_rule_docs.py",
        "tests/test_corpus_responses.py",
    ],
    "_http.py": [
        "tests/test_hostile_api.py",
        "tests/test_check_records.py",
        "tests/test_inputs.py",
        "tests/test_rule_docs.py",
    ],
    "_pointer.py": [
        "tests/test_hostile_api.py",
        "tests/test_check_records.py",
        "tests/test_specload.py",
    ],
    "_lint.py": [
        "tests/test_lint.py",
        "tests/test_lint_hostile.py",
        "tests/test_rule_docs.py",
        "tests/test_ref_security.py",
    ],
    "_spec.py": ["tests/test_spec_check.py", "tests/test_routes.py", "tests/test_rule_docs.py"],
    "_routes.py": ["tests/test_spec_check.py", "tests/test_routes.py"],
}

_SWAPS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.And: ast.Or,
    ast.Or: ast.And,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
}


@dataclass(frozen=True)
class Mutant:
    line: int
    what: str
    source: str


def _mutants(path: Path) -> list[Mutant]:
    """Every single-change mutant of ``path`` (one per operator, constant and ``if``)."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    sites: list[tuple[int, int]] = []  # (node index in walk order, variant)
    nodes = list(ast.walk(tree))
    # Constants given as keyword arguments (frozen=True, repr=False, check=False) are
    # settings of a call, mostly equivalent when changed: not mutated.
    settings = {id(k.value) for k in nodes if isinstance(k, ast.keyword)}
    for i, node in enumerate(nodes):
        if (
            isinstance(node, ast.Compare | ast.BoolOp)
            or (isinstance(node, ast.BinOp) and type(node.op) in _SWAPS)
            or (
                isinstance(node, ast.Constant)
                and type(node.value) in (int, bool)
                and id(node) not in settings
            )
        ):
            sites.append((i, 0))
        elif isinstance(node, ast.If | ast.While):
            sites.append((i, 1))
    out = []
    for index, variant in sites:
        tree = ast.parse(text)
        node = list(ast.walk(tree))[index]
        what = _apply(node, variant)
        if what is None:
            continue
        try:
            source = ast.unparse(tree)
        except Exception:
            continue
        out.append(Mutant(getattr(node, "lineno", 0), what, source))
    return out


def _apply(node: ast.AST, variant: int) -> str | None:
    if isinstance(node, ast.Compare):
        op = node.ops[0]
        new = _SWAPS.get(type(op))
        if new is None:
            return None
        node.ops[0] = new()
        return f"{type(op).__name__} -> {new.__name__}"
    if isinstance(node, ast.BoolOp):
        new = _SWAPS[type(node.op)]
        before = type(node.op).__name__
        node.op = new()
        return f"{before} -> {new.__name__}"
    if isinstance(node, ast.BinOp):
        new = _SWAPS[type(node.op)]
        before = type(node.op).__name__
        node.op = new()
        return f"{before} -> {new.__name__}"
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            node.value = not node.value
            return f"{not node.value} -> {node.value}"
        before = node.value
        node.value = before + 1
        return f"{before} -> {before + 1}"
    if isinstance(node, ast.If | ast.While) and variant == 1:
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        return "condition negated"
    return None


def _run(copy: Path, tests: list[str], timeout: float) -> bool:
    """True when the tests fail on the copy (the mutant is killed)."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                *tests,
            ],
            cwd=copy,
            env=env,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return True  # a mutant that hangs the tests is noticed
    return result.returncode != 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="modules to mutate, e.g. errspec/_http.py")
    parser.add_argument("--per-file", type=int, default=40, help="mutants per file (sampled)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    survivors: list[str] = []
    total = killed = 0
    with tempfile.TemporaryDirectory(prefix="errspec-mutate-") as folder:
        copy = Path(folder) / "repo"
        copy.mkdir()
        # the committed tree (HEAD), not the working tree: uncommitted edits are not judged
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "HEAD"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(copy)], input=archive.stdout, check=True)
        shared = REPO.parent / "shared"
        if shared.is_dir():
            (Path(folder) / "shared").symlink_to(shared)
        for name in args.files:
            target = copy / name
            original = target.read_text(encoding="utf-8")
            tests = TESTS.get(Path(name).name, ["tests"])
            if _run(copy, tests, args.timeout):
                print(f"{name}: the tests fail without any mutant; skipped", flush=True)
                continue
            mutants = _mutants(target)
            chosen = rng.sample(mutants, min(args.per_file, len(mutants)))
            started = time.perf_counter()
            for mutant in sorted(chosen, key=lambda m: m.line):
                target.write_text(mutant.source, encoding="utf-8")
                dead = _run(copy, tests, args.timeout)
                target.write_text(original, encoding="utf-8")
                total += 1
                killed += dead
                if not dead:
                    survivors.append(f"{name}:{mutant.line}: {mutant.what}")
                    print(f"SURVIVED {name}:{mutant.line}: {mutant.what}", flush=True)
            print(
                f"{name}: {len(chosen)} of {len(mutants)} mutants run in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
    print(f"\n{killed} of {total} mutants killed, {len(survivors)} survived:")
    for line in survivors:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
