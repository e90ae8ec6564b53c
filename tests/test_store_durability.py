"""The review store under stress: two processes writing at once, a writer killed mid-write, and an
online backup taken while another process writes. Real processes, a real SQLite file."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

from conftest import ROOT

from clausecheck.store import ReviewStore

DOC = "d" * 64
# Records decisions on findings "<prefix>-0", "<prefix>-1", ... (N of them, or until killed) and
# prints each finding id on its own line once its transaction has committed.
WRITER = """
import sys
sys.path.insert(0, sys.argv[4])
from conftest import make_finding
from clausecheck.store import ReviewStore

store = ReviewStore(sys.argv[1])
prefix, n, doc = sys.argv[2], int(sys.argv[3]), sys.argv[5]
i = 0
while n < 0 or i < n:
    fid = f"{prefix}-{i}"
    store.record(doc, make_finding(fid, start=i), "follow-up", f"comment {fid} " + "x" * 2000, prefix)
    print(fid, flush=True)
    i += 1
"""


def writer(path, prefix: str, n: int = -1) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), prefix, str(n), str(ROOT / "tests"), DOC],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def check_intact(path, committed: list[str]) -> None:
    """Every committed decision is stored whole, each decision has exactly its audit entry, and
    SQLite finds the file sound."""
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = ReviewStore(path)
    decisions = store.decisions(DOC)
    missing = [fid for fid in committed if fid not in decisions]
    assert not missing, f"{len(missing)} committed decisions lost, e.g. {missing[:3]}"
    for fid in committed:
        d = decisions[fid]
        assert (d.status, d.reviewer, d.comment) == ("follow-up", fid.split("-")[0], f"comment {fid} " + "x" * 2000)
    audit = store.audit(DOC)
    assert sorted(e.finding_id for e in audit) == sorted(decisions)  # one "decided" entry per decision, no more
    assert {e.action for e in audit} == {"decided"}


def test_two_processes_writing_at_once_lose_no_decision(tmp_path):
    path = tmp_path / "new" / "review.db"  # neither process finds the file: both create the schema
    n = 100
    procs = [writer(path, "ada", n), writer(path, "grace", n)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    committed = [line for out, _ in outs for line in out.split()]
    assert len(committed) == 2 * n
    check_intact(path, committed)
    assert len(ReviewStore(path).decisions(DOC)) == 2 * n


def test_writers_killed_mid_write_leave_every_committed_decision_intact(tmp_path):
    """Three writers, each on its own store, killed at different moments: after 1, 17 and 40
    decisions, in the middle of the next decision's transaction or close to it."""
    moments = (1, 17, 40)
    procs = [writer(tmp_path / f"review-{after}.db", "ada") for after in moments]  # started together: faster
    for after, proc in zip(moments, procs, strict=True):
        committed = [proc.stdout.readline().strip() for _ in range(after)]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        committed += proc.stdout.read().split()  # lines printed before the kill landed
        check_intact(tmp_path / f"review-{after}.db", committed)
        stored = len(ReviewStore(tmp_path / f"review-{after}.db").decisions(DOC))
        assert stored in (len(committed), len(committed) + 1)  # +1: committed, killed before printing


def test_a_backup_taken_while_another_process_writes_is_sound_and_holds_every_committed_decision(tmp_path):
    from click.testing import CliRunner

    from clausecheck.cli import main

    path, copy = tmp_path / "review.db", tmp_path / "backups" / "review-copy.db"
    proc = writer(path, "ada")
    try:
        committed = [proc.stdout.readline().strip() for _ in range(30)]
        result = CliRunner().invoke(main, ["store", "backup", str(copy), "--store", str(path)])
        still_writing = proc.stdout.readline().strip()  # the writer went on during and after the backup
    finally:
        proc.kill()
        proc.wait(10)
    assert result.exit_code == 0, result.output
    assert f"to {copy}" in result.stderr and still_writing
    with sqlite3.connect(copy) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal beside it
    assert not copy.with_name(copy.name + "-wal").exists()
    check_intact(copy, committed)
