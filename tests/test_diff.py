"""Version diff: versions of the sample SLA made by editing its text, and the report on them."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from clausecheck.cli import main
from clausecheck.diff import DocumentDiff, align, diff_files, units, word_edits
from clausecheck.exports import diff_markdown

ORIGINAL = (SAMPLES / "msp-sla-best-effort.txt").read_text(encoding="utf-8")
CAP = (
    "SHALL NOT EXCEED THE TOTAL FEES PAID AND PAYABLE BY CUSTOMER TO PROVIDER UNDER THIS AGREEMENT DURING THE "
    "TWELVE (12) MONTHS IMMEDIATELY PRECEDING THE EVENT GIVING RISE TO THE CLAIM."
)
PATCHING_OLD = "Provider will use best efforts to deploy vendor-released security patches"
PATCHING_NEW = "Provider will ensure that vendor-released security patches are deployed"


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def remove_clause(text: str, start: str) -> str:
    i = text.index(start)
    return text[:i] + text[text.index("\n\n", i) + 2 :]


def renumber_from(text: str, first: int) -> str:
    """Top-level sections ``first`` and after move up by one, with a new section ``first``."""
    text = re.sub(rf"(?m)^({'|'.join(str(n) for n in range(first, 30))})(\.)", lambda m: f"{int(m[1]) + 1}.", text)
    i = text.index(f"\n{first + 1}. ")
    new = (
        f"\n{first}. SECURITY REVIEWS\n\n{first}.1 Quarterly Review. Provider and Customer shall meet every quarter.\n"
    )
    return text[:i] + new + text[i:]


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versions")
    old = edit(
        ORIGINAL, "Provider will use reasonable efforts to deploy vendor-released security patches", PATCHING_OLD
    )
    new = edit(old, CAP, "SHALL BE UNLIMITED.")
    new = edit(new, PATCHING_OLD, PATCHING_NEW)
    new = remove_clause(new, "11.2 By Provider.")
    new = renumber_from(new, 12)
    (folder / "old.txt").write_text(old, encoding="utf-8")
    (folder / "new.txt").write_text(new, encoding="utf-8")
    return folder / "old.txt", folder / "new.txt"


@pytest.fixture(scope="module")
def report(versions) -> DocumentDiff:
    return diff_files(*versions)


def clause(report: DocumentDiff, status: str, section_start: str):
    [found] = [
        c for c in report.clauses if c.status == status and (c.new_section or c.old_section).startswith(section_start)
    ]
    return found


def findings(report: DocumentDiff, section_start: str) -> set[tuple[str, str, str | None, str | None]]:
    return {
        (f.change, f.category, f.old_severity, f.new_severity)
        for f in report.findings
        if f.section.startswith(section_start)
    }


def test_a_cap_raised_to_unlimited_is_a_changed_clause_and_the_cap_finding_disappears(report):
    c = clause(report, "changed", "10.2")
    assert c.old_section == c.new_section == "10.2 LIMITATION OF AMOUNT"
    assert [(e.op, e.old, e.new) for e in c.edits] == [("replace", CAP.removeprefix("SHALL "), "BE UNLIMITED.")]
    assert c.summary.startswith('replaced "NOT EXCEED THE TOTAL FEES') and c.summary.endswith('with "BE UNLIMITED."')
    assert ("disappeared", "liability-cap", "low", None) in findings(report, "10.2")
    assert ("severity-changed", "liability-uncapped", "medium", "high") in findings(report, "10.2")


def test_best_efforts_turned_into_will_ensure_swaps_the_effort_finding_for_an_absolute_commitment(report):
    c = clause(report, "changed", "2.3")
    assert c.edits[0].op == "replace" and "best efforts" in c.edits[0].old and "ensure that" in c.edits[0].new
    assert findings(report, "2.3") == {
        ("disappeared", "effort-standard", "high", None),
        ("appeared", "absolute-commitment", None, "high"),
    }


def test_a_removed_clause_is_reported_with_the_findings_it_took_away(report):
    c = clause(report, "removed", "11.2")
    assert c.old_text.startswith("11.2 By Provider. Provider will defend Customer") and c.new_section is None
    assert findings(report, "11.2") == {("disappeared", "indemnification", "medium", None)}


def test_renumbered_clauses_align_and_only_the_new_section_is_added(report):
    renumbered = {(c.old_section, c.new_section) for c in report.clauses if c.status == "renumbered"}
    assert ("12 CONFIDENTIALITY", "13 CONFIDENTIALITY") in renumbered
    assert ("13.2 Notices", "14.2 Notices") in renumbered
    added = [c.new_section for c in report.clauses if c.status == "added"]
    assert added == ["12 SECURITY REVIEWS", "12.1 Quarterly Review"]
    assert [c.old_section for c in report.clauses if c.status == "removed"] == ["11.2 INDEMNIFICATION"]
    assert report.counts()["changed"] == 2 and report.unchanged > 50


def test_changes_are_listed_in_document_order_with_removed_clauses_where_they_were(report):
    listed = [(c.status, c.old_section or c.new_section) for c in report.clauses if c.status != "renumbered"]
    assert [(status, section.split()[0]) for status, section in listed] == [
        ("changed", "2.3"),
        ("changed", "10.2"),
        ("removed", "11.2"),
        ("added", "12"),
        ("added", "12.1"),
    ]
    assert [f.section.split()[0] for f in report.findings] == ["2.3", "2.3", "10.2", "10.2", "11.2"]


def test_identical_versions_have_no_changes():
    same = diff_files(SAMPLES / "msp-sla-best-effort.txt", SAMPLES / "msp-sla-best-effort.txt")
    assert same.clauses == [] and same.findings == []
    assert same.unchanged == same.old.clauses == same.new.clauses > 50


def test_a_docx_and_its_text_version_align_clause_for_clause():
    d = diff_files(SAMPLES / "msp-sla-best-effort.txt", SAMPLES / "msp-sla-best-effort.docx")
    assert d.clauses == [] and d.findings == [] and d.unchanged == d.old.clauses == d.new.clauses


def test_alignment_ignores_numbering_and_respects_the_threshold():
    old = units("1. Fees. Customer shall pay the fees monthly.\n\n2. Notices. Notices must be in writing.\n")
    new = units("1. Notices. Notices must be in writing by e-mail.\n\n2. Warranty. Provider warrants its work.\n")
    pairs = align(old, new, threshold=60)
    assert [(old[i].number, new[j].number) for i, j, _ in pairs] == [("2", "1")]
    assert 60 <= pairs[0][2] < 100
    assert align(old, new, threshold=99) == []


def test_long_unnumbered_text_is_compared_sentence_by_sentence():
    body = " ".join(f"Sentence number {w} says something about the services." for w in ("one", "two", "three") * 40)
    assert len(units(body)) == 120


def test_word_edits_give_the_changed_words_only():
    edits = word_edits(
        "Provider shall notify Customer within 72 hours.", "Provider shall notify Customer within 24 hours."
    )
    assert [(e.op, e.old, e.new) for e in edits] == [("replace", "72", "24")]
    assert [e.op for e in word_edits("a b c", "a c d")] == ["delete", "insert"]


def test_cli_diff_json_markdown_and_table(versions):
    runner = CliRunner()
    old, new = map(str, versions)
    data = json.loads(runner.invoke(main, ["diff", old, new, "--format", "json"], catch_exceptions=False).stdout)
    assert data["schema_version"] and data["old"]["path"] == old and data["new"]["path"] == new
    assert {c["status"] for c in data["clauses"]} == {"added", "removed", "changed", "renumbered"}
    assert [c["summary"] for c in data["clauses"] if c["status"] == "changed"][1] == (
        f'replaced "{CAP.removeprefix("SHALL ")}" with "BE UNLIMITED."'
    )
    md = runner.invoke(main, ["diff", old, new, "--format", "markdown"]).stdout
    assert md.startswith("# Changes from") and "| disappeared | liability-cap |" in md and "Renumbered: 12 " in md
    assert md == diff_markdown(diff_files(old, new))
    table = runner.invoke(main, ["diff", old, new]).stdout
    assert "2 added, 1 removed, 2 changed" in table


def test_cli_diff_of_a_file_that_cannot_be_read_exits_2_with_the_reason(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["diff", str(SAMPLES / "msp-sla-best-effort.txt"), str(empty)])
    assert result.exit_code == 2 and f"could not read {empty}: " in result.stderr and result.stdout == ""
    missing = CliRunner().invoke(main, ["diff", str(tmp_path / "nope.txt"), str(empty)])
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr


def test_read_version_takes_bytes_with_a_name_as_an_app_upload_would():
    from clausecheck.diff import diff_texts, read_version

    path = SAMPLES / "msp-sla-best-effort.txt"
    doc, result = read_version(path.read_bytes(), name="upload.txt")
    assert result.path == "upload.txt" and doc.text == ORIGINAL and result.findings
    changed = edit(ORIGINAL, CAP, "SHALL BE UNLIMITED.").encode()
    new_doc, new_result = read_version(changed, name="upload-v2.txt")
    d = diff_texts(doc.text, new_doc.text, result, new_result)
    assert d.counts()["changed"] == 1 and d.new.path == "upload-v2.txt"
