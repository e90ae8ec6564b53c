"""The review store: reviewers' decisions on findings, and an append-only audit trail, in SQLite.

A decision is keyed by the document's SHA-256 and the finding's id. Finding ids hash the rule
id, the document digest and the offsets, so a rule change can change an id; every decision
therefore also keeps the rule id, category and clause (offsets and text) it was made on, and
:meth:`ReviewStore.attach` re-attaches a decision whose finding id is gone to the finding that
now covers the same clause in the same category (and re-keys it, with an audit entry).

The database is one file: the ``path`` given, else ``$CLAUSECHECK_STORE``, else
``clausecheck-review.db`` in the working directory. It runs in WAL mode, and each operation
opens its own connection, so one store can serve several threads (Streamlit sessions) and
processes: a writer waits up to ``BUSY_TIMEOUT`` seconds for another's transaction to finish.
Every decision and its audit entry are written in one transaction with ``synchronous=FULL``, so a
decision that was saved survives the process being killed (or the power failing) straight after.
:meth:`ReviewStore.backup` copies the store while it is in use (SQLite's online backup).
This module is a face: the core never imports it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import StoreError
from .model import Finding

ENV_VAR = "CLAUSECHECK_STORE"
DEFAULT_FILE = "clausecheck-review.db"
STATUSES = ("accepted", "dismissed", "follow-up")
STATUS_LABELS = {"accepted": "Accepted", "dismissed": "Dismissed", "follow-up": "Needs follow-up", "open": "Open"}
OPEN = "open"  # the status of a finding without a decision
SYSTEM_REVIEWER = "clausecheck"  # who re-attaches decisions after a re-scan
_SCHEMA_VERSION = 1
BUSY_TIMEOUT = 30  # seconds a writer waits for another session's transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    doc_sha256   TEXT NOT NULL,
    finding_id   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('accepted', 'dismissed', 'follow-up')),
    comment      TEXT NOT NULL DEFAULT '',
    reviewer     TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    category     TEXT NOT NULL,
    clause_start INTEGER NOT NULL,
    clause_end   INTEGER NOT NULL,
    clause_text  TEXT NOT NULL,
    PRIMARY KEY (doc_sha256, finding_id)
);
CREATE TABLE IF NOT EXISTS audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    doc_sha256  TEXT NOT NULL,
    finding_id  TEXT NOT NULL,
    action      TEXT NOT NULL,
    old         TEXT,
    new         TEXT
);
CREATE INDEX IF NOT EXISTS audit_doc ON audit (doc_sha256, id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""


@dataclass(frozen=True)
class Decision:
    doc_sha256: str
    finding_id: str
    status: str
    comment: str
    reviewer: str
    updated_at: str
    rule_id: str
    category: str
    clause_start: int
    clause_end: int
    clause_text: str
    reattached_from: str | None = None  # the finding id it was made on, when re-attached by clause

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    reviewer: str
    doc_sha256: str
    finding_id: str
    action: str  # decided | changed | cleared | reattached
    old: dict | None
    new: dict | None


def default_path() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_FILE).expanduser()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ReviewStore:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path).expanduser() if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            con.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    @classmethod
    def existing(cls, path: str | Path | None = None) -> ReviewStore:
        """The store at ``path`` (default: :func:`default_path`), which must already exist."""
        path = Path(path).expanduser() if path else default_path()
        if not path.is_file():
            raise StoreError(
                f"no review store at {path}: the app creates it when the first decision is saved "
                f"(set --store or ${ENV_VAR} to use another file)"
            )
        try:  # read-only first: another program's database is not changed
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as con:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a clausecheck review store ({exc})") from None
        if not {"decisions", "audit"} <= tables:
            raise StoreError(f"{path} is an SQLite database but not a clausecheck review store")
        return cls(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA synchronous=FULL")  # a committed decision is on disk, not only in the OS cache
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------------

    def decisions(self, doc_sha256: str) -> dict[str, Decision]:
        """Every decision stored for the document, by finding id (without re-attaching)."""
        with self._connect() as con:
            rows = con.execute("SELECT * FROM decisions WHERE doc_sha256 = ?", (doc_sha256,)).fetchall()
        return {r["finding_id"]: Decision(**dict(r)) for r in rows}

    def all_decisions(self) -> list[Decision]:
        """Every decision in the store, by document and then clause order."""
        with self._connect() as con:
            rows = con.execute("SELECT * FROM decisions ORDER BY doc_sha256, clause_start, finding_id").fetchall()
        return [Decision(**dict(r)) for r in rows]

    def attach(self, doc_sha256: str, findings: Iterable[Finding]) -> dict[str, Decision]:
        """The decisions for these findings, by finding id.

        A decision whose finding id is not among ``findings`` (the rules changed since) is
        re-attached to the finding without a decision that has the same category and covers the
        same clause (its offsets overlap, or its text is the same), preferring the same rule and
        then the largest overlap. The decision is re-keyed to the new id and the move recorded
        in the audit trail; a decision that fits no finding stays stored, unattached.
        """
        findings = list(findings)
        stored = self.decisions(doc_sha256)
        out = {f.id: stored.pop(f.id) for f in findings if f.id in stored}
        free = [f for f in findings if f.id not in out]
        for old in sorted(stored.values(), key=lambda d: (d.clause_start, d.finding_id)):
            best = max(
                (f for f in free if f.category == old.category and _same_clause(old, f)),
                key=lambda f: (f.rule_id == old.rule_id, _overlap(old, f)),
                default=None,
            )
            if best is None:
                continue
            moved = self._rekey(old, best)
            if moved is not None:
                out[best.id] = moved
                free.remove(best)
        return out

    def audit(self, doc_sha256: str | None = None, finding_id: str | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first, for one document (and one finding) or for all."""
        where, args = [], []
        if doc_sha256:
            where.append("doc_sha256 = ?")
            args.append(doc_sha256)
        if finding_id:
            where.append("finding_id = ?")
            args.append(finding_id)
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        with self._connect() as con:
            rows = con.execute(sql, args).fetchall()
        return [
            AuditEntry(**{**dict(r), "old": _load(r["old"]), "new": _load(r["new"])})  # type: ignore[arg-type]
            for r in rows
        ]

    def backup(self, dest: str | Path, overwrite: bool = False) -> int:
        """Copy the store to ``dest`` (one self-contained SQLite file) with SQLite's online backup
        API: a consistent snapshot of every committed decision even while other sessions write.
        The copy is checked (``PRAGMA integrity_check``) before it replaces ``dest``. Returns the
        number of decisions copied."""
        dest = Path(dest).expanduser()
        if dest.resolve() == self.path.resolve():
            raise StoreError(f"{dest} is the review store itself; choose another file for the backup")
        if dest.exists() and not overwrite:
            raise StoreError(f"{dest} already exists; it is not overwritten")
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".partial")  # dest is never a half-written copy
        partial.unlink(missing_ok=True)
        out = sqlite3.connect(partial, isolation_level=None)
        try:
            with self._connect() as src:
                src.backup(out)  # all pages in one step: one snapshot
            out.execute("PRAGMA journal_mode=DELETE")  # no -wal file to carry along with the copy
            check = out.execute("PRAGMA integrity_check").fetchall()
            copied = out.execute("SELECT count(*) FROM decisions").fetchone()[0]
        finally:
            out.close()
        if check != [("ok",)]:
            partial.unlink()
            raise StoreError(f"the backup of {self.path} failed SQLite's integrity check: {check[0][0]}")
        os.replace(partial, dest)
        return copied

    # -- writing -------------------------------------------------------------------------------

    def record(self, doc_sha256: str, finding: Finding, status: str, comment: str, reviewer: str) -> Decision:
        """Store the reviewer's decision on a finding and append it to the audit trail.

        Saving the same status and comment again changes nothing and adds no audit entry.
        """
        if status not in STATUSES:
            raise ValueError(f"unknown review status {status!r}; choose one of {', '.join(STATUSES)}")
        reviewer = reviewer.strip()
        if not reviewer:
            raise ValueError("a decision needs the reviewer's name")
        comment = comment.strip()
        with self._transaction() as con:
            row = con.execute(
                "SELECT * FROM decisions WHERE doc_sha256 = ? AND finding_id = ?", (doc_sha256, finding.id)
            ).fetchone()
            old = Decision(**dict(row)) if row else None
            if old and (old.status, old.comment) == (status, comment):
                return old
            new = Decision(
                doc_sha256=doc_sha256,
                finding_id=finding.id,
                status=status,
                comment=comment,
                reviewer=reviewer,
                updated_at=_now(),
                rule_id=finding.rule_id,
                category=finding.category,
                clause_start=finding.clause_start,
                clause_end=finding.clause_end,
                clause_text=finding.clause_text,
            )
            con.execute(
                "INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.doc_sha256,
                    new.finding_id,
                    new.status,
                    new.comment,
                    new.reviewer,
                    new.updated_at,
                    new.rule_id,
                    new.category,
                    new.clause_start,
                    new.clause_end,
                    new.clause_text,
                ),
            )
            self._log(con, new.updated_at, reviewer, doc_sha256, finding.id, "changed" if old else "decided", old, new)
        return new

    def clear(self, doc_sha256: str, finding_id: str, reviewer: str) -> bool:
        """Remove a decision (the finding is open again); False when there was none."""
        reviewer = reviewer.strip()
        if not reviewer:
            raise ValueError("clearing a decision needs the reviewer's name")
        with self._transaction() as con:
            row = con.execute(
                "SELECT * FROM decisions WHERE doc_sha256 = ? AND finding_id = ?", (doc_sha256, finding_id)
            ).fetchone()
            if row is None:
                return False
            con.execute("DELETE FROM decisions WHERE doc_sha256 = ? AND finding_id = ?", (doc_sha256, finding_id))
            self._log(con, _now(), reviewer, doc_sha256, finding_id, "cleared", Decision(**dict(row)), None)
        return True

    def _rekey(self, old: Decision, finding: Finding) -> Decision | None:
        with self._transaction() as con:
            taken = con.execute(
                "SELECT 1 FROM decisions WHERE doc_sha256 = ? AND finding_id = ?", (old.doc_sha256, finding.id)
            ).fetchone()
            if taken:  # another session got there first
                return None
            cur = con.execute(
                "UPDATE decisions SET finding_id = ?, rule_id = ?, clause_start = ?, clause_end = ?, clause_text = ?"
                " WHERE doc_sha256 = ? AND finding_id = ?",
                (
                    finding.id,
                    finding.rule_id,
                    finding.clause_start,
                    finding.clause_end,
                    finding.clause_text,
                    old.doc_sha256,
                    old.finding_id,
                ),
            )
            if cur.rowcount != 1:  # another session moved or cleared it first
                return None
            new = Decision(
                **{
                    **old.__dict__,
                    "finding_id": finding.id,
                    "rule_id": finding.rule_id,
                    "clause_start": finding.clause_start,
                    "clause_end": finding.clause_end,
                    "clause_text": finding.clause_text,
                    "reattached_from": old.finding_id,
                }
            )
            self._log(con, _now(), SYSTEM_REVIEWER, old.doc_sha256, finding.id, "reattached", old, new)
        return new

    @staticmethod
    def _log(
        con: sqlite3.Connection,
        at: str,
        reviewer: str,
        doc_sha256: str,
        finding_id: str,
        action: str,
        old: Decision | None,
        new: Decision | None,
    ) -> None:
        con.execute(
            "INSERT INTO audit (at, reviewer, doc_sha256, finding_id, action, old, new) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at, reviewer, doc_sha256, finding_id, action, _dump(old), _dump(new)),
        )


def _same_clause(d: Decision, f: Finding) -> bool:
    return _overlap(d, f) > 0 or " ".join(d.clause_text.split()) == " ".join(f.clause_text.split())


def _overlap(d: Decision, f: Finding) -> int:
    return max(0, min(d.clause_end, f.clause_end) - max(d.clause_start, f.clause_start))


_AUDITED = ("finding_id", "rule_id", "category", "status", "comment", "reviewer", "clause_start", "clause_end")


def _dump(d: Decision | None) -> str | None:
    return None if d is None else json.dumps({k: getattr(d, k) for k in _AUDITED}, ensure_ascii=False)


def _load(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)
