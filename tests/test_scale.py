"""Traffic at scale: `--format summary`, `--jobs N` (the same results as one process),
`errspec.check_records` (pure, picklable, mergeable summaries) and the Dask recipe."""

from __future__ import annotations

import functools
import io
import json
import pickle
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import errspec
from errspec._cli import cli

from .conftest import REPO


def _records() -> list[dict[str, Any]]:
    """Every shipped example record (valid and invalid) with a request, as a gateway logs."""
    out = []
    for env in errspec.envelopes():
        for record in env.examples():
            data = {k: record.data[k] for k in ("status", "headers", "body") if k in record.data}
            out.append(data)
    return out


RECORDS = _records()


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 NDJSON records cycling every example record, each with its own URL."""
    path = tmp_path_factory.mktemp("traffic") / "traffic.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for i in range(3000):
            record = dict(RECORDS[i % len(RECORDS)])
            record["request"] = {"method": "GET", "url": f"https://api.example/tasks/{i}"}
            out.write(json.dumps(record) + "\n")
    return path


def _run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# --- the summary ---------------------------------------------------------------------------


def test_summary_counts_what_the_reports_say() -> None:
    reports = [errspec.check_response(r) for r in RECORDS]
    summary = errspec.Summary(max_examples=2).add_all(reports)
    expected = Counter(
        (r.envelope, r.status, f.rule, f.severity) for r in reports for f in r.findings
    )
    assert summary.cells == dict(expected)
    assert summary.reports == len(RECORDS)
    assert summary.conforming == sum(r.conforms for r in reports)
    assert summary.errors == sum(len(r.errors) for r in reports)
    assert summary.warnings == sum(len(r.warnings) for r in reports)
    first = [r.source for r in reports if any(f.rule == "status-mismatch" for f in r.findings)]
    assert summary.examples["status-mismatch", "error"] == first[:2]
    envelopes = Counter(r.envelope for r in reports)
    assert {env: n for env, (n, _) in summary.envelopes.items()} == dict(envelopes)


def test_summaries_merge_into_the_one_pass_summary() -> None:
    reports = [errspec.check_response(r) for r in RECORDS]
    whole = errspec.Summary().add_all(reports)
    parts = [errspec.Summary().add_all(reports[i : i + 17]) for i in range(0, len(reports), 17)]
    merged = functools.reduce(errspec.Summary.merge, parts, errspec.Summary())
    assert merged == whole
    again = errspec.Summary.from_json(json.loads(json.dumps(whole.as_json())))
    assert again == whole
    assert pickle.loads(pickle.dumps(whole)) == whole


def test_summary_refuses_a_bad_max_examples() -> None:
    with pytest.raises(ValueError, match="max_examples"):
        errspec.Summary(max_examples=-1)
    with pytest.raises(TypeError, match="max_examples"):
        errspec.Summary(max_examples=True)


def test_cli_summary_is_one_screen_with_the_right_counts(traffic: Path) -> None:
    code, out, err = _run("check", str(traffic), "--format", "summary", "--jobs", "1")
    assert (code, err) == (1, "")
    reports = [errspec.check_response(r) for r in RECORDS]
    per_cycle = Counter(r.conforms for r in reports)
    cycles, rest = divmod(3000, len(RECORDS))
    conforming = per_cycle[True] * cycles + sum(r.conforms for r in reports[:rest])
    first = out.splitlines()[0]
    assert first.startswith(f"3,000 responses checked: {conforming:,} conform (")
    assert len(out.splitlines()) <= 60
    assert "… and" in out  # the long table is cut, and says so
    code, out, _ = _run("check", str(traffic), "--format", "summary-json", "--max-examples", "1")
    doc = json.loads(out)["summary"]
    assert doc["totals"]["reports"] == 3000
    assert doc["totals"]["conforming"] == conforming
    assert all(len(rule["examples"]) == 1 for rule in doc["rules"])
    assert {rule["examples"][0].rsplit(":", 1)[0] for rule in doc["rules"]} == {str(traffic)}


def test_summary_json_counts_match_the_json_report(traffic: Path) -> None:
    _, listed, _ = _run("check", str(traffic), "--format", "json", "--jobs", "1")
    results = json.loads(listed)["results"]
    expected = Counter(
        (r["envelope"], f["rule"], f["severity"]) for r in results for f in r["findings"]
    )
    _, counted, _ = _run("check", str(traffic), "--format", "summary-json", "--jobs", "1")
    found: Counter[tuple[str | None, str, str]] = Counter()
    for row in json.loads(counted)["summary"]["findings"]:
        found[row["envelope"], row["rule"], row["severity"]] += row["count"]
    assert found == expected


def test_summary_per_operation_with_a_spec() -> None:
    har = REPO / "examples" / "traffic.har"
    spec = REPO / "examples" / "openapi.yaml"
    code, out, _ = _run("check", str(har), "--spec", str(spec), "--format", "summary-json")
    assert code == 1
    operations = json.loads(out)["summary"]["operations"]
    assert {"operation": "GET /tasks/{id}", "status": 404, "rule": "status-mismatch"}.items() <= (
        next(o for o in operations if o["rule"] == "status-mismatch").items()
    )


def test_max_examples_needs_a_summary_format(traffic: Path) -> None:
    code, _, err = _run("check", str(traffic), "--max-examples", "2")
    assert code == 2
    assert "--max-examples goes with --format summary or summary-json, not text" in err


# --- --jobs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "summary", "summary-json", "junit"])
def test_jobs_give_the_same_output_as_one_process(traffic: Path, fmt: str) -> None:
    one = _run("check", str(traffic), "--format", fmt, "--jobs", "1")
    two = _run("check", str(traffic), "--format", fmt, "--jobs", "2")
    assert one == two
    assert one[0] == 1


def test_jobs_on_har_with_a_spec_and_several_inputs(traffic: Path) -> None:
    har = str(REPO / "examples" / "traffic.har")
    spec = str(REPO / "examples" / "openapi.yaml")
    args = ["check", har, str(traffic), har, "--spec", spec, "--format", "json"]
    assert _run(*args, "--jobs", "1") == _run(*args, "--jobs", "3")


def test_jobs_stop_at_a_bad_record_after_the_reports_before_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.ndjson"
    lines = [json.dumps({**RECORDS[i % 20], "request": {"url": f"/x/{i}"}}) for i in range(4500)]
    lines[4100] = '{"status": 404, "body": {'  # line 4101: cut off
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = _run("check", str(path), "--jobs", "1")
    two = _run("check", str(path), "--jobs", "2")
    assert one == two
    code, out, err = one
    assert code == 2
    assert err.startswith(f"errspec: error: {path}:4101: ")
    assert f"{path}:4100:" in out  # the findings of the record before it are out


@pytest.mark.parametrize("where", [10, 3990, 4499])
def test_jobs_stop_at_a_line_too_long_after_the_reports_before_it(
    tmp_path: Path, where: int
) -> None:
    """A line longer than --max-body is found where one process finds it, whichever
    block it falls in (the first, one cut across, the last, with no newline after it)."""
    path = tmp_path / "long.ndjson"
    lines = [json.dumps({**RECORDS[i % 20], "request": {"url": f"/x/{i}"}}) for i in range(4500)]
    lines[where] = json.dumps({"status": 404, "body": {"detail": "x" * 2_000_000}})
    ending = "" if where == 4499 else "\r\n\n  \n"  # CRLF and blank lines after the rest
    path.write_text("\n".join(lines) + ending, encoding="utf-8")
    one = _run("check", str(path), "--jobs", "1", "--max-body", "10000")
    two = _run("check", str(path), "--jobs", "2", "--max-body", "10000")
    assert one == two
    code, out, err = one
    assert code == 2
    assert err.startswith(f"errspec: error: {path}:{where + 1}: ")
    assert " bytes (--max-body)" in err
    # the findings of the records before it are out: those of the last one with any
    found = [i for i in range(where) if errspec.check_response(RECORDS[i % 20]).findings]
    if found:
        assert f"{path}:{found[-1] + 1}:" in out
    else:
        assert str(path) not in out


def _reference_lines(data: bytes) -> list[tuple[int, bytes]]:
    """NDJSON lines as errspec numbers them, read the plain way: every line but those of
    spaces, tabs and CRs alone (the last, unterminated, one is kept as it is)."""
    out = []
    pieces = data.split(b"\n")
    for n, piece in enumerate(pieces, 1):
        last = n == len(pieces)
        if last and not piece:
            break
        if not last and not piece.strip(b" \t\r"):
            continue
        out.append((n, piece))
    return out


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 16])
def test_blocks_cut_lines_as_reading_line_by_line(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Cut into blocks at any read size, and the blocks cut into lines, an input gives
    every line with its number: blank runs, CRLF, a last line with no newline, lines
    longer than a read."""
    from errspec import _inputs

    monkeypatch.setattr(_inputs, "_CHUNK", chunk)
    rng = random.Random(chunk)
    parts = [b"{}", b"", b" ", b"\t\r", b'{"a": "b"}', b"x" * 100, b"\r", b"  {} "]
    for _ in range(60):
        data = b"\n".join(rng.choice(parts) for _ in range(rng.randrange(0, 12)))
        if rng.random() < 0.5:
            data += b"\n"
        for head in (b"", data[: rng.randrange(0, len(data) + 1)]):
            rest = data[len(head) :]
            got = list(_inputs._lines(head, io.BytesIO(rest), "in", 1 << 20, 0))
            assert got == _reference_lines(data), data
            blocks = list(_inputs._blocks(head, io.BytesIO(rest), "in", 1 << 20, 0))
            assert b"".join(b for _, b in blocks) == data
            assert all(b.endswith(b"\n") for _, b in blocks[:-1])


def test_jobs_read_standard_input_in_the_main_process(traffic: Path) -> None:
    data = traffic.read_bytes()
    one = _run("check", "-", "--format", "json", "--jobs", "1", stdin=data)
    two = _run("check", "-", "--format", "json", "--jobs", "2", stdin=data)
    assert one == two
    assert json.loads(one[1])["results"][5]["source"] == "<stdin>:6"


def test_jobs_with_spawned_workers(traffic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork is not used (macOS, Windows, a threaded process), everything a worker
    gets is pickled: the job, the configuration, the tasks."""
    import multiprocessing

    from errspec import _scale

    monkeypatch.setattr(_scale, "_context", lambda: multiprocessing.get_context("spawn"))
    args = ("check", str(traffic), "--format", "summary-json", "--envelope", "auto")
    assert _run(*args, "--jobs", "2") == _run(*args, "--jobs", "1")


def test_jobs_refuse_zero(traffic: Path) -> None:
    code, _, err = _run("check", str(traffic), "--jobs", "0")
    assert code == 2
    assert "--jobs" in err


def test_default_jobs_only_for_large_inputs(traffic: Path, tmp_path: Path) -> None:
    from errspec._scale import PARALLEL_THRESHOLD, default_jobs

    assert default_jobs([str(traffic)]) == 1  # ~1 MiB
    big = tmp_path / "big.ndjson"
    with big.open("wb") as out:
        out.truncate(PARALLEL_THRESHOLD)
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert default_jobs([str(big)]) == cores  # every usable core
    assert default_jobs([str(big), "no-such-file"]) == cores  # a missing one counts nothing
    assert default_jobs(["-"]) == 1


# --- check_records ---------------------------------------------------------------------------


def test_check_records_takes_mappings_and_lines() -> None:
    records = RECORDS[:30]
    from_maps = errspec.check_records(records, source="log")
    assert isinstance(from_maps, list)
    assert [r.source for r in from_maps[:2]] == ["log#0", "log#1"]
    direct = [errspec.check_response(r) for r in records]
    assert [r.findings for r in from_maps] == [r.findings for r in direct]
    lines = [json.dumps(r) + "\n" for r in records]
    lines.insert(3, "\n")  # a blank line is skipped, and still counted as a line
    from_lines = errspec.check_records(lines, source="gw.ndjson")
    assert isinstance(from_lines, list)
    assert [r.findings for r in from_lines] == [r.findings for r in direct]
    assert from_lines[3].source == "gw.ndjson:5"
    encoded = errspec.check_records([line.encode() for line in lines], source="gw.ndjson")
    assert encoded == from_lines


def test_check_records_summary_and_errors_only() -> None:
    summary = errspec.check_records(RECORDS, summary=True, max_examples=1)
    assert isinstance(summary, errspec.Summary)
    assert summary == errspec.Summary(max_examples=1).add_all(
        errspec.check_records(RECORDS)  # type: ignore[arg-type]
    )
    only = errspec.check_records(RECORDS, errors_only=True)
    assert isinstance(only, list)
    assert all(r.status is not None and r.status >= 400 for r in only)
    assert len(only) == sum(1 for r in RECORDS if r["status"] >= 400)


def test_check_records_refuses_what_it_cannot_read() -> None:
    with pytest.raises(errspec.InputError, match=r"^log:2: "):
        errspec.check_records([json.dumps(RECORDS[0]), "{not json"], source="log")
    with pytest.raises(TypeError, match="a record is a mapping or an NDJSON line"):
        errspec.check_records([42])  # type: ignore[list-item]
    with pytest.raises(errspec.InputError, match="record larger than"):
        errspec.check_records(["{" + " " * (2 << 20) + "}"], max_body=100)


def test_check_records_is_picklable_with_what_it_returns() -> None:
    function = pickle.loads(pickle.dumps(errspec.check_records))
    reports = function(RECORDS[:10], "auto")
    assert pickle.loads(pickle.dumps(reports)) == reports


# --- the Dask recipe (docs/large-traffic.md) ------------------------------------------------


def summarize_file(path: str) -> errspec.Summary:
    """The recipe's task: one NDJSON file, its lines numbered as `errspec check` numbers them."""
    with Path(path).open("rb") as lines:
        summary = errspec.check_records(lines, summary=True, source=path)
    assert isinstance(summary, errspec.Summary)
    return summary


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_dask_recipe_on_a_local_cluster(tmp_path: Path) -> None:
    db = pytest.importorskip("dask.bag")
    distributed = pytest.importorskip("dask.distributed")
    paths = []
    for n in range(3):
        path = tmp_path / f"gateway-{n}.ndjson"
        with path.open("w", encoding="utf-8") as out:
            for i in range(400):
                record = {**RECORDS[(i * 7 + n) % len(RECORDS)], "request": {"url": f"/t/{i}"}}
                out.write(json.dumps(record) + "\n")
        paths.append(str(path))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        parts = db.from_sequence(paths, npartitions=len(paths)).map(summarize_file).compute()
    total = functools.reduce(errspec.Summary.merge, parts, errspec.Summary())
    code, out, _ = _run("check", *paths, "--format", "summary-json", "--jobs", "1")
    assert code == 1
    assert total.as_json() == json.loads(out)["summary"]


def test_lint_summary_over_many_specs() -> None:
    specs = [str(REPO / "examples" / "legacy-api.yaml"), str(REPO / "examples" / "openapi.yaml")]
    code, out, _ = _run("lint", *specs, "--format", "summary-json", "--max-examples", "1")
    assert code == 1
    doc = json.loads(out)["summary"]
    assert doc["kind"] == "spec"
    assert (doc["totals"]["reports"], doc["totals"]["conforming"]) == (2, 1)
    _, listed, _ = _run("lint", *specs, "--format", "json")
    findings = [f for r in json.loads(listed)["results"] for f in r["findings"]]
    assert sum(row["count"] for row in doc["findings"]) == len(findings)
    assert {r["examples"][0] for r in doc["rules"]} == {specs[0]}
