"""The review store: decisions keyed by document and finding, the audit trail, re-attachment."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import make_finding as finding
from hostile import DANGEROUS_CELL_STARTS, SCRIPT

from clausecheck.store import ReviewStore, default_path

DOC = "a" * 64


@pytest.fixture
def store(tmp_path) -> ReviewStore:
    return ReviewStore(tmp_path / "review.db")


def test_when_a_decision_is_recorded_then_a_new_store_on_the_same_file_reads_it(tmp_path):
    path = tmp_path / "sub" / "review.db"
    ReviewStore(path).record(DOC, finding(), "dismissed", "  Agreed with counsel  ", "Ada")
    again = ReviewStore(path).decisions(DOC)
    assert set(again) == {"f1"}
    d = again["f1"]
    assert (d.status, d.comment, d.reviewer, d.rule_id, d.category) == (
        "dismissed",
        "Agreed with counsel",
        "Ada",
        "LIAB-001",
        "liability-cap",
    )
    assert d.label == "Dismissed"


def test_when_decisions_belong_to_another_document_then_they_are_not_returned(store):
    store.record(DOC, finding(), "accepted", "", "Ada")
    assert store.decisions("b" * 64) == {}
    assert store.attach("b" * 64, [finding()]) == {}


def test_when_the_store_is_created_then_the_database_is_in_wal_mode(store):
    with sqlite3.connect(store.path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_when_no_path_is_given_then_the_env_var_decides_then_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUSECHECK_STORE", str(tmp_path / "env.db"))
    assert default_path() == tmp_path / "env.db"
    assert ReviewStore().path == tmp_path / "env.db"
    monkeypatch.delenv("CLAUSECHECK_STORE")
    monkeypatch.chdir(tmp_path)
    assert default_path().name == "clausecheck-review.db"
    assert not default_path().is_absolute()


def test_when_a_decision_changes_then_the_audit_trail_records_who_what_when_old_and_new(store):
    store.record(DOC, finding(), "follow-up", "ask legal", "Ada")
    store.record(DOC, finding(), "accepted", "legal agreed", "Grace")
    entries = store.audit(DOC)
    assert [(e.action, e.reviewer) for e in entries] == [("decided", "Ada"), ("changed", "Grace")]
    first, second = entries
    assert first.old is None and first.new["status"] == "follow-up" and first.new["comment"] == "ask legal"
    assert second.old["status"] == "follow-up" and second.old["reviewer"] == "Ada"
    assert second.new["status"] == "accepted" and second.new["reviewer"] == "Grace"
    assert first.at.endswith("+00:00") and second.at >= first.at
    assert store.decisions(DOC)["f1"].reviewer == "Grace"


def test_when_the_same_decision_is_saved_again_then_no_audit_entry_is_added(store):
    store.record(DOC, finding(), "accepted", "ok", "Ada")
    store.record(DOC, finding(), "accepted", "ok ", "Grace")
    assert len(store.audit(DOC)) == 1
    assert store.decisions(DOC)["f1"].reviewer == "Ada"


def test_when_the_audit_trail_is_edited_directly_then_sqlite_refuses(store):
    store.record(DOC, finding(), "accepted", "", "Ada")
    with sqlite3.connect(store.path) as con:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE audit SET reviewer = 'Mallory'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit")
    assert store.audit(DOC)[0].reviewer == "Ada"


@pytest.mark.parametrize(
    ("status", "reviewer", "message"),
    [("maybe", "Ada", "unknown review status"), ("accepted", "   ", "reviewer's name")],
)
def test_when_a_decision_is_invalid_then_it_is_refused_and_nothing_is_stored(store, status, reviewer, message):
    with pytest.raises(ValueError, match=message):
        store.record(DOC, finding(), status, "", reviewer)
    assert store.decisions(DOC) == {} and store.audit(DOC) == []


def test_when_a_decision_is_cleared_then_the_finding_is_open_and_the_clearing_is_audited(store):
    store.record(DOC, finding(), "dismissed", "", "Ada")
    assert store.clear(DOC, "f1", "Grace") is True
    assert store.decisions(DOC) == {}
    assert [e.action for e in store.audit(DOC)] == ["decided", "cleared"]
    assert store.audit(DOC)[-1].old["status"] == "dismissed" and store.audit(DOC)[-1].new is None
    assert store.clear(DOC, "f1", "Grace") is False


def test_when_the_finding_id_is_unchanged_then_attach_returns_the_decision_as_is(store):
    store.record(DOC, finding(), "accepted", "", "Ada")
    got = store.attach(DOC, [finding(), finding("f2", start=500)])
    assert set(got) == {"f1"} and got["f1"].reattached_from is None
    assert [e.action for e in store.audit(DOC)] == ["decided"]


def test_when_a_rule_change_changes_the_id_then_the_decision_moves_to_the_finding_on_the_same_clause(store):
    store.record(DOC, finding("old-id"), "dismissed", "acceptable cap", "Ada")
    # after the rule change: the same clause is found by another rule of the same category, with
    # slightly different match offsets; another finding of another category sits on the same clause
    rescanned = [finding("other-cat", rule="INDEM-001", category="indemnification"), finding("new-id", rule="LIAB-007")]
    got = store.attach(DOC, rescanned)
    assert set(got) == {"new-id"}
    d = got["new-id"]
    assert (d.status, d.comment, d.reviewer, d.reattached_from, d.rule_id) == (
        "dismissed",
        "acceptable cap",
        "Ada",
        "old-id",
        "LIAB-007",
    )
    # re-keyed for good: a later scan finds it by id, and the move is in the audit trail
    assert set(store.decisions(DOC)) == {"new-id"}
    assert store.attach(DOC, rescanned)["new-id"].reattached_from is None
    moved = store.audit(DOC)[-1]
    assert (moved.action, moved.reviewer, moved.old["finding_id"], moved.new["finding_id"]) == (
        "reattached",
        "clausecheck",
        "old-id",
        "new-id",
    )


def test_when_the_clause_offsets_moved_then_the_same_clause_text_still_reattaches(store):
    store.record(DOC, finding("old-id", start=100), "follow-up", "", "Ada")
    got = store.attach(DOC, [finding("new-id", start=900)])
    assert got["new-id"].status == "follow-up"


def test_when_several_findings_cover_the_clause_then_the_same_rule_wins(store):
    store.record(DOC, finding("old-id", rule="LIAB-002"), "accepted", "", "Ada")
    got = store.attach(DOC, [finding("x", rule="LIAB-009"), finding("y", rule="LIAB-002")])
    assert set(got) == {"y"}


def test_when_no_finding_covers_the_clause_in_that_category_then_the_decision_stays_unattached(store):
    store.record(DOC, finding("old-id"), "accepted", "", "Ada")
    elsewhere = finding("far", start=5000, clause_text="Customer shall maintain backups.")
    other_category = finding("cat", category="indemnification")
    assert store.attach(DOC, [elsewhere, other_category]) == {}
    assert set(store.decisions(DOC)) == {"old-id"}  # kept: a later scan may bring the clause back


def test_when_a_finding_already_has_its_own_decision_then_an_orphan_does_not_overwrite_it(store):
    store.record(DOC, finding("old-id"), "dismissed", "", "Ada")
    store.record(DOC, finding("new-id"), "accepted", "", "Grace")
    got = store.attach(DOC, [finding("new-id")])
    assert got["new-id"].status == "accepted" and got["new-id"].reviewer == "Grace"
    assert set(store.decisions(DOC)) == {"old-id", "new-id"}


# -- clausecheck store backup / export ---------------------------------------------------------


def _cli(*args):
    from click.testing import CliRunner

    from clausecheck.cli import main

    return CliRunner().invoke(main, ["store", *args], catch_exceptions=False)


@pytest.fixture
def hostile_store(tmp_path, monkeypatch):
    """A store (found through $CLAUSECHECK_STORE) whose clause, comment and reviewer start like formulas."""
    path = tmp_path / "review.db"
    monkeypatch.setenv("CLAUSECHECK_STORE", str(path))
    store = ReviewStore(path)
    for i, lead in enumerate(DANGEROUS_CELL_STARTS):
        clause = f'{lead}HYPERLINK("http://evil.example") {SCRIPT} The Provider\'s aggregate liability is capped.'
        store.record(
            DOC, finding(f"f{i}", start=100 * i, clause_text=clause), "accepted", f"{lead}SUM(A1)", f"{lead}Ada"
        )
    store.clear(DOC, "f0", "Grace")
    return store


def test_store_export_csv_holds_every_decision_or_audit_entry_with_no_cell_a_spreadsheet_would_run(hostile_store):
    import csv
    import io

    decisions = list(csv.DictReader(io.StringIO(_cli("export").stdout)))
    assert [r["finding_id"] for r in decisions] == [f"f{i}" for i in range(1, len(DANGEROUS_CELL_STARTS))]
    audit = list(csv.DictReader(io.StringIO(_cli("export", "--table", "audit").stdout)))
    assert [r["action"] for r in audit] == ["decided"] * len(DANGEROUS_CELL_STARTS) + ["cleared"]
    for row in decisions + audit:
        assert not [v for v in row.values() if v.startswith(DANGEROUS_CELL_STARTS)], row
    first = decisions[0]  # the text itself is kept, behind an apostrophe
    assert (
        first["comment"] == "'+SUM(A1)"
        and first["reviewer"] == "'+Ada"
        and first["clause_text"].startswith("'+HYPERLINK")
    )
    assert json.loads(audit[-1]["old"])["status"] == "accepted" and audit[-1]["new"] == ""


def test_store_export_json_has_the_decisions_and_the_audit_trail(hostile_store, tmp_path):
    target = tmp_path / "store.json"
    assert _cli("export", "--format", "json", "--output", str(target)).stdout == ""
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["store"] == str(hostile_store.path.resolve())
    assert [d["finding_id"] for d in doc["decisions"]] == [d.finding_id for d in hostile_store.all_decisions()]
    assert len(doc["audit"]) == len(hostile_store.audit()) == len(DANGEROUS_CELL_STARTS) + 1
    assert doc["decisions"][0]["comment"] == "+SUM(A1)"  # JSON keeps the text as it is
    only = json.loads(_cli("export", "--format", "json", "--table", "audit").stdout)
    assert "decisions" not in only and len(only["audit"]) == len(doc["audit"])


def test_store_backup_copies_the_store_and_refuses_to_overwrite_without_force(hostile_store, tmp_path):
    copy = tmp_path / "copy.db"
    assert _cli("backup", str(copy)).exit_code == 0
    assert ReviewStore(copy).all_decisions() == hostile_store.all_decisions()
    assert ReviewStore(copy).audit() == hostile_store.audit()
    again = _cli("backup", str(copy))
    assert again.exit_code == 2 and "already exists; pass --force" in again.stderr
    assert _cli("backup", str(copy), "--force").exit_code == 0
    itself = _cli("backup", str(hostile_store.path), "--force")
    assert itself.exit_code == 2 and "is the review store itself" in itself.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no review store at"),
        (b"not a database at all" * 100, "is not a clausecheck review store"),
        ("other", "not a clausecheck review store"),
    ],
)
def test_store_commands_say_clearly_when_the_store_is_missing_or_not_a_review_store(tmp_path, content, message):
    path = tmp_path / "store.db"
    if content == "other":
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE notes (x)")
    elif content is not None:
        path.write_bytes(content)
    before = path.read_bytes() if path.exists() else None
    for args in (["export"], ["backup", str(tmp_path / "copy.db")]):
        result = _cli(*args, "--store", str(path))
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output
    assert (path.read_bytes() if path.exists() else None) == before  # nothing created or changed
    assert not (tmp_path / "copy.db").exists()
