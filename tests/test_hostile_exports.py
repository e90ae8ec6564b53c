"""Every CSV clausecheck writes (the scan report, the review export, the obligations register; the
store export is in test_store.py) neutralises cells a spreadsheet would run as a formula, here
with a hostile contract whose clauses and file names start with each such character."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from conftest import make_finding
from hostile import CONTRACT, DANGEROUS_CELL_STARTS, FORMULA_CLAUSES, contract_docx

from clausecheck import ScanResult, scan
from clausecheck import review_export as rx
from clausecheck.cli import main
from clausecheck.store import ReviewStore


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The hostile contract under a name starting with each dangerous character (TXT), and as DOCX."""
    folder = tmp_path_factory.mktemp("hostile")
    for lead in DANGEROUS_CELL_STARTS:
        (folder / f"{lead}cmd contract.txt").write_text(CONTRACT, encoding="utf-8")
    (folder / "=contract.docx").write_bytes(contract_docx())
    return folder


def _cli_csv(folder, monkeypatch, *args) -> list[dict]:
    monkeypatch.chdir(folder)  # relative paths: the file cells start with the file names
    names = sorted(p.name for p in folder.iterdir())
    result = CliRunner().invoke(main, [*args, "--format", "csv", "--", *names], catch_exceptions=False)
    return list(csv.DictReader(io.StringIO(result.stdout, newline="")))


def _review_csv(folder, monkeypatch) -> list[dict]:
    store = ReviewStore(folder.parent / "review.db")
    reviewed = []
    for path in sorted(folder.iterdir()):
        r = scan(path.read_bytes(), name=path.name)
        for f, lead in zip(r.findings, DANGEROUS_CELL_STARTS, strict=False):
            store.record(r.sha256, f, "follow-up", f"{lead}SUM(A1) ask counsel", f"{lead}Ada")
        reviewed.append((r, store.attach(r.sha256, r.findings)))
    return list(csv.DictReader(io.StringIO(rx.to_review_csv(reviewed), newline="")))


WRITERS = {
    "scan (CLI)": lambda folder, mp: _cli_csv(folder, mp, "scan", "--workers", "0"),
    "register (CLI)": lambda folder, mp: _cli_csv(folder, mp, "register"),
    "review (app)": _review_csv,
}


@pytest.mark.parametrize("writer", WRITERS)
def test_no_csv_cell_starts_like_a_formula_and_the_text_is_kept_behind_an_apostrophe(folder, monkeypatch, writer):
    rows = WRITERS[writer](folder, monkeypatch)
    assert rows
    cells = [v for row in rows for v in row.values()]
    assert not [v for v in cells if v.startswith(DANGEROUS_CELL_STARTS)]
    file_column = "document" if writer.startswith("register") else "file"
    assert {row[file_column] for row in rows} >= {f"'{lead}cmd contract.txt" for lead in DANGEROUS_CELL_STARTS}
    if writer != "register (CLI)":  # the register quotes obligations, not whole clauses
        clauses = {row["clause_text"][:2] for row in rows}
        assert {f"'{lead}" for lead in FORMULA_CLAUSES} <= clauses  # every kind of formula clause, neutralised
        assert "'=HYPERLINK" in {row["clause_text"][:11] for row in rows}
    if writer == "review (app)":  # the store strips a comment's and a name's leading tab or CR
        assert {row["review_comment"][:2] for row in rows} >= {f"'{lead}" for lead in FORMULA_CLAUSES}
        assert {row["reviewer"][:2] for row in rows} >= {f"'{lead}" for lead in FORMULA_CLAUSES}


def test_a_cell_with_formula_characters_further_in_is_left_alone_and_a_carriage_return_stays_in_its_cell():
    f = make_finding(clause_text="The fee is 5 = 2 + 3 - 0 @ cost;\r=HYPERLINK(1) the Provider's liability is capped.")
    text = rx.to_review_csv([(ScanResult(path="a.txt", sha256="e" * 64, findings=[f]), {})])
    (row,) = csv.DictReader(io.StringIO(text, newline=""))  # one row: the CR did not start a new one
    assert row["clause_text"] == f.clause_text and row["file"] == "a.txt"
    assert text.count("\r\n") == 2  # header and row end with CRLF (RFC 4180); the bare CR is quoted
