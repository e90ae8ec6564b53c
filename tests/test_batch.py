"""Batch scans: worker processes give the same results as one process, a file that hangs is
killed and reported while the rest finish, the cache is reused and invalidated, the CLI options."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from clausecheck import get_engine, scan
from clausecheck.batch import HANG_ENV, BatchScan, ScanOptions, scan_files
from clausecheck.cache import ResultCache
from clausecheck.cli import main
from clausecheck.errors import ErrorCode

FILES = [
    SAMPLES / "msp-sla-best-effort.txt",
    SAMPLES / "cyber-policy-wording.pdf",
    SAMPLES / "msp-msa-car-dealership.docx",
    SAMPLES / "security-addendum.txt",
]


def _same(result) -> dict:
    return result.model_dump(mode="json", exclude={"timings"})


def test_when_files_are_scanned_by_two_workers_then_results_equal_a_single_process_scan():
    expected = [_same(scan(f)) for f in FILES]
    assert [_same(r) for r in scan_files(FILES, workers=2)] == expected


def test_when_a_file_hangs_then_it_is_killed_and_reported_while_the_rest_finish(tmp_path, monkeypatch):
    files = []
    for name in ("a.txt", "hang.txt", "b.txt"):
        shutil.copy(SAMPLES / "msp-sla-best-effort.txt", tmp_path / name)
        files.append(tmp_path / name)
    monkeypatch.setenv(HANG_ENV, "hang.txt")  # test-only hook: the worker sleeps on this file name
    t = time.monotonic()
    results = scan_files(files, workers=2, timeout=5)
    assert time.monotonic() - t < 60
    hung = results[1]
    assert hung.error_code == ErrorCode.TIMED_OUT.value
    assert "timed out" in hung.error and "5 s" in hung.error
    assert [r.error for r in (results[0], results[2])] == [None, None]
    assert results[0].findings and results[2].findings


def test_when_a_folder_is_scanned_again_then_results_come_from_the_cache(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for f in FILES[:3]:
        shutil.copy(f, folder / f.name)
    files = sorted(folder.iterdir())
    cache = tmp_path / "cache"

    first = BatchScan(files, workers=2, cache_dir=cache)
    before = dict(first)
    assert first.cached == 0
    second = BatchScan(files, workers=2, cache_dir=cache)
    again = dict(second)
    assert second.cached == 3
    assert {i: _same(r) for i, r in again.items()} == {i: _same(r) for i, r in before.items()}

    n = files.index(folder / "msp-sla-best-effort.txt")
    files[n].write_text(files[n].read_text(encoding="utf-8") + "\nThe Provider shall use best efforts.\n")
    third = BatchScan(files, workers=2, cache_dir=cache)
    results = dict(third)
    assert third.cached == 2
    assert results[n].sha256 != before[n].sha256


def test_when_the_rules_or_the_version_change_then_the_cache_misses(tmp_path):
    result = scan(FILES[0])
    ResultCache(tmp_path, "rules-a", engine="pdfium", kind=None).put(result)
    assert ResultCache(tmp_path, "rules-a", engine="pdfium", kind=None).get(result.sha256, "x.txt").path == "x.txt"
    assert ResultCache(tmp_path, "rules-b", engine="pdfium", kind=None).get(result.sha256, "x.txt") is None
    assert ResultCache(tmp_path, "rules-a", engine="pdfplumber", kind=None).get(result.sha256, "x.txt") is None
    # a damaged entry is a miss, not an error
    next(tmp_path.rglob("*.json")).write_text("{not json")
    assert ResultCache(tmp_path, "rules-a", engine="pdfium", kind=None).get(result.sha256, "x.txt") is None


def test_when_a_rule_changes_then_cached_results_are_not_reused(tmp_path):
    patterns = tmp_path / "patterns"
    shutil.copytree(SAMPLES.parent / "patterns", patterns)
    files, cache = FILES[:1], tmp_path / "cache"
    list(BatchScan(files, ScanOptions(patterns=str(patterns)), workers=0, cache_dir=cache))
    liability = patterns / "liability.yaml"
    liability.write_text(liability.read_text(encoding="utf-8").replace("severity: medium", "severity: low", 1))
    get_engine.cache_clear()  # as a new run would: the engine is built once per process and folder
    rerun = BatchScan(files, ScanOptions(patterns=str(patterns)), workers=0, cache_dir=cache)
    list(rerun)
    assert rerun.cached == 0


def test_when_findings_are_selected_then_the_cache_still_holds_every_finding(tmp_path):
    cache = tmp_path / "cache"
    _, high = next(iter(BatchScan(FILES[:1], ScanOptions(min_severity="high"), workers=0, cache_dir=cache)))
    everything = BatchScan(FILES[:1], workers=0, cache_dir=cache)
    _, full = next(iter(everything))
    assert everything.cached == 1
    assert {f.severity.value for f in high.findings} == {"high"}
    assert len(full.findings) > len(high.findings)


def test_cli_scan_with_workers_timeout_and_cache_prints_a_summary(tmp_path):
    cache = tmp_path / "cache"
    args = ["scan", *map(str, FILES[:2]), "--workers", "2", "--timeout", "120", "--cache", str(cache)]
    first = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert first.exit_code == 0
    doc = json.loads(first.stdout)
    assert [r["path"] for r in doc["results"]] == [str(f) for f in FILES[:2]]  # input order
    assert "scanned 2 file(s)" in first.stderr and "0 from the cache" in first.stderr
    second = CliRunner().invoke(main, [*args, "--format", "jsonl"], catch_exceptions=False)
    lines = [json.loads(line) for line in second.stdout.splitlines()]
    assert sorted(r["path"] for r in lines) == sorted(str(f) for f in FILES[:2])
    assert "2 from the cache" in second.stderr


def test_cli_refuses_a_timeout_without_workers():
    result = CliRunner().invoke(main, ["scan", str(FILES[0]), "--workers", "0", "--timeout", "5"])
    assert result.exit_code == 2 and "timeout" in result.output


def test_batch_options_are_checked():
    with pytest.raises(ValueError):
        BatchScan(FILES, workers=-1)
    with pytest.raises(ValueError):
        BatchScan(FILES, workers=0, timeout=3)


def test_progress_bar_counts_files_and_pages():
    import io

    from rich.console import Console

    from clausecheck.progress import progress_bar

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with progress_bar(console, 2, enabled=True) as advance:
        for r in scan_files(FILES[:2], workers=0):
            advance(r)
    with progress_bar(console, 2, enabled=False) as advance:
        advance(None)  # disabled: nothing to draw
