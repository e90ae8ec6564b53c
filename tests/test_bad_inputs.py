"""The bad-input corpus (tests/badinputs.py) through ``scan()`` and through the command line:
each file gives a normal scan or its specific error, the rest of the batch is scanned, and no
traceback reaches the user."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from badinputs import CASES, DISK_CASES, corpus_bytes, five_mb_line, unprivileged, write_corpus

from clausecheck import scan
from clausecheck.readers import MAX_BYTES


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[bytes, str | None]]:
    return corpus_bytes()


def assert_specific(result, code: str, phrase: str) -> None:
    assert result.error_code == code, (result.path, result.error)
    assert phrase in result.error and result.findings == []


@pytest.mark.parametrize("name", [n for n in CASES if n != "one-5mb-line.txt"])  # that one is tested below
def test_when_a_bad_file_is_scanned_then_it_gives_a_normal_scan_or_its_specific_error(name, corpus):
    data, code, phrase = corpus[name]
    result = scan(data, name=name)
    if code is None:
        assert result.error is None, result.error
        assert "liability-cap" in {f.category for f in result.findings}
    else:
        assert_specific(result, code, phrase)


def test_when_text_is_cp1252_then_it_is_scanned_with_a_warning(corpus):
    result = scan(corpus["cp1252.txt"][0], name="cp1252.txt")
    assert "Windows-1252" in result.warnings[0]


def test_when_a_file_is_one_5_mb_line_then_findings_index_the_text():
    text = five_mb_line()
    result = scan(text.encode(), name="line.txt")
    starts = sorted(f.start for f in result.findings if f.category == "liability-cap")
    assert [text[s : s + 8] for s in starts[:1]] == ["aggregat"] and starts[-1] > 5 * 2**20
    for f in result.findings:
        assert text[f.start : f.end] == f.text and text[f.clause_start : f.clause_end] == f.clause_text


def test_when_a_text_file_is_over_the_size_limit_then_it_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse
    tracemalloc.start()
    try:
        result = scan(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_specific(result, *DISK_CASES["over-size.txt"])
    assert peak < MAX_BYTES / 10  # the file was never read into memory


def test_when_files_form_a_symlink_loop_then_each_is_unreadable(tmp_path):
    (tmp_path / "a.txt").symlink_to("b.txt")
    (tmp_path / "b.txt").symlink_to("a.txt")
    result = scan(tmp_path / "a.txt")
    assert_specific(result, *DISK_CASES["loop-a.txt"])


def test_when_a_folder_holds_the_whole_corpus_then_each_file_is_reported_and_the_good_one_scanned(tmp_path):
    expected = write_corpus(tmp_path / "corpus")
    command = [
        *unprivileged(),
        sys.executable,
        "-m",
        "clausecheck",
        "scan",
        str(tmp_path / "corpus"),
        "--format",
        "jsonl",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # files that cannot be read do not change the exit code
    assert "Traceback" not in result.stdout + result.stderr
    rows = {Path(r["path"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(rows) == set(expected)  # the folder's link to itself was not walked
    for name, (code, phrase) in expected.items():
        row = rows[name]
        if code is None:
            assert row["error"] is None and row["findings"], name
        else:
            assert row["error_code"] == code and phrase in row["error"], (name, row["error"])
            assert f"could not read {row['path']}: {row['error']}" in result.stderr
    assert f"{sum(c is not None for c, _ in expected.values())} error(s)" in result.stderr
