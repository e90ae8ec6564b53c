"""Review exports (CSV, JSON, Markdown and HTML memo) and the clause HTML, tested on their output."""

from __future__ import annotations

import csv
import io
import json
import re
from html import escape
from html.parser import HTMLParser

import pytest
from conftest import SAMPLES, make_finding
from hostile import CONTRACT, IMG, NAME, SCRIPT, contract_v2, interpreted, literal

from clausecheck import ScanResult, Severity, scan
from clausecheck import review_export as rx
from clausecheck.report import CSV_FIELDS
from clausecheck.store import ReviewStore


@pytest.fixture(scope="module")
def sla() -> ScanResult:
    path = SAMPLES / "msp-sla-best-effort.txt"
    return scan(path.read_bytes(), name=path.name)


@pytest.fixture
def reviewed(sla, tmp_path):
    store = ReviewStore(tmp_path / "review.db")
    first, second = sla.findings[0], sla.findings[1]
    store.record(sla.sha256, first, "dismissed", "Standard wording; agreed with counsel", "Ada Lovelace")
    store.record(sla.sha256, second, "follow-up", "+1 ask the customer about credits", "Grace")
    return [(sla, store.attach(sla.sha256, sla.findings))]


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_review_csv_has_one_row_per_finding_with_the_decisions(sla, reviewed):
    rows = _rows(rx.to_review_csv(reviewed))
    assert list(rows[0]) == CSV_FIELDS + rx.REVIEW_FIELDS
    assert [r["finding_id"] for r in rows] == [f.id for f in sla.findings]
    by_id = {r["finding_id"]: r for r in rows}
    first = by_id[sla.findings[0].id]
    assert (first["review_status"], first["review_comment"], first["reviewer"]) == (
        "dismissed",
        "Standard wording; agreed with counsel",
        "Ada Lovelace",
    )
    assert first["reviewed_at"].endswith("+00:00")
    assert by_id[sla.findings[1].id]["review_comment"] == "'+1 ask the customer about credits"  # formula-safe
    assert {r["review_status"] for r in rows[2:]} == {"open"}
    assert first["clause_text"] == sla.findings[0].clause_text


def test_review_csv_neutralises_formulas_in_contract_text_and_comments(tmp_path):
    doc = "c" * 64
    f = make_finding("evil", clause_text="@SUM(A1:A9) is what the Provider's aggregate liability shall not exceed.")
    result = ScanResult(path="=cmd|' /C calc'!A0.pdf", sha256=doc, findings=[f])
    store = ReviewStore(tmp_path / "r.db")
    store.record(doc, f, "accepted", "-2+3 =SUM(1)", "@reviewer")
    (row,) = _rows(rx.to_review_csv([(result, store.attach(doc, [f]))]))
    assert row["file"].startswith("'=")
    assert row["clause_text"].startswith("'@SUM")
    assert row["review_comment"] == "'-2+3 =SUM(1)"
    assert row["reviewer"] == "'@reviewer"
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert not [k for k, v in row.items() if v.startswith(dangerous)]


def test_review_csv_keeps_a_row_for_a_file_that_could_not_be_read():
    broken = ScanResult(path="broken.pdf", error="the PDF is damaged", error_code="corrupt")
    (row,) = _rows(rx.to_review_csv([(broken, {})]))
    assert row["file"] == "broken.pdf" and row["error"] == "the PDF is damaged" and row["finding_id"] == ""


def test_review_json_puts_a_review_on_every_finding_and_a_summary(sla, reviewed):
    doc = json.loads(rx.to_review_json(reviewed))
    (result,) = doc["results"]
    assert result["sha256"] == sla.sha256
    reviews = [f["review"] for f in result["findings"]]
    assert len(reviews) == len(sla.findings)
    assert reviews[0] == {
        "status": "dismissed",
        "comment": "Standard wording; agreed with counsel",
        "reviewer": "Ada Lovelace",
        "updated_at": reviews[0]["updated_at"],
        "reattached_from": None,
    }
    assert reviews[1]["status"] == "follow-up"
    assert all(r == {"status": "open"} for r in reviews[2:])
    (summary,) = doc["review_summary"]
    assert summary["findings"] == len(sla.findings)
    assert (summary["dismissed"], summary["follow-up"], summary["accepted"]) == (1, 1, 0)
    assert summary["open"] == len(sla.findings) - 2


def test_markdown_memo_has_each_finding_with_clause_explanation_recommendation_and_decision(sla, reviewed):
    memo = rx.to_memo_markdown(reviewed)
    assert memo.startswith("# Contract review memo\n")
    assert "## msp-sla-best-effort.txt" in memo and sla.sha256 in memo
    assert memo.count("\n#### ") == len(sla.findings)
    first = sla.findings[0]
    section = memo[memo.index(f"finding {first.id}") :]
    section = section[: section.index("\n#### ")] if "\n#### " in section else section
    assert "**Decision:** Dismissed (by Ada Lovelace on " in section
    assert "**Comment:** Standard wording; agreed with counsel" in section
    assert "**Why it matters:**" in section and "**Recommendation:**" in section
    assert "\n> " in section
    assert memo.count("**Decision:** Open (not reviewed yet)") == len(sla.findings) - 2
    order = re.findall(r"^#### \d+\. .* \((high|medium|low|info), ", memo, flags=re.M)
    ranks = [Severity(s).rank for s in order]
    assert len(ranks) == len(sla.findings) and ranks == sorted(ranks, reverse=True)  # most severe first


@pytest.fixture(scope="module")
def hostile():
    """The hostile contract (named with HTML, Markdown and LaTeX) and its second version, scanned."""
    return [scan(text.encode(), name=prefix + NAME) for prefix, text in (("", CONTRACT), ("v2 ", contract_v2()))]


def _markdown_writers():
    from clausecheck.compare import compare
    from clausecheck.diff import diff_texts
    from clausecheck.exports import diff_markdown, register_markdown
    from clausecheck.register import build_register
    from clausecheck.report import conflicts_to_markdown, to_markdown

    policy = scan(SAMPLES / "cyber-policy-wording.txt")
    return {
        "memo": lambda rs: rx.to_memo_markdown([(r, {}) for r in rs]),
        "scan report": to_markdown,
        "compare report": lambda rs: conflicts_to_markdown(
            policy, rs, compare(policy, rs, texts={rs[0].path: CONTRACT})
        ),
        "changes": lambda rs: diff_markdown(diff_texts(CONTRACT, contract_v2(), *rs)),
        "register": lambda rs: register_markdown(build_register(rs, texts={rs[0].path: CONTRACT})),
    }


@pytest.mark.parametrize("writer", ["memo", "scan report", "compare report", "changes", "register"])
def test_markdown_exports_leave_no_hostile_html_markdown_or_maths_to_interpret(hostile, writer):
    text = _markdown_writers()[writer](hostile)
    # a bare www. address in a file name or clause may still be made a link by a GFM viewer (it is
    # shown, not fetched); the app shows such text in code spans (md_code) instead
    assert [p for p in interpreted(text) if p != "www."] == []
    shown = literal(text)
    assert NAME.removesuffix(".txt") in shown or writer == "changes"  # the file name, as typed
    if writer in ("memo", "scan report", "compare report", "changes"):
        assert SCRIPT in shown  # the clause text is there, as typed


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.marked: list[str] = []
        self._in_mark = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_mark = self._in_mark or tag == "mark"

    def handle_endtag(self, tag):
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data):
        if self._in_mark:
            self.marked.append(data)


def test_html_memo_is_self_contained_escaped_and_marks_the_matched_words(sla, reviewed):
    page = rx.to_memo_html(reviewed)
    parser = _Text()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert "http://" not in page and "https://" not in page
    assert parser.tags.count("section") == len(sla.findings)
    assert [" ".join(m.split()) for m in parser.marked] == [" ".join(f.text.split()) for f in rx._ordered(sla)]
    assert "Decision: Dismissed" in page and "by Ada Lovelace on" in page
    assert "Standard wording; agreed with counsel" in page


def test_html_memo_escapes_hostile_contract_text_and_file_names(hostile):
    page = rx.to_memo_html([(r, {}) for r in hostile])
    parser = _Text()
    parser.feed(page)
    assert not {"script", "img", "iframe", "a", "link", "b", "math"} & set(parser.tags)
    assert escape(SCRIPT) in page and escape(IMG) in page and escape(NAME) in page
    assert "<script" not in page and "onerror=" not in page.replace(escape(IMG), "").replace(escape(NAME), "")


def test_mark_escapes_and_marks_only_the_range():
    assert rx.mark("a <b> & c $5 *x*", 3, 6) == "a &lt;<mark>b&gt; </mark>&amp; c $5 *x*"


def test_context_html_shows_the_clause_with_its_words_marked_inside_dimmed_context(sla):
    text = (SAMPLES / "msp-sla-best-effort.txt").read_text(encoding="utf-8")
    f = next(f for f in sla.findings if f.clause_start > 600)
    out = rx.context_html(text, f, before=200, after=200)
    parser = _Text()
    parser.feed(out)
    assert parser.marked == [f.text]
    assert out.startswith("… ") and '<span class="cc-clause">' in out
    clause = out[out.index('<span class="cc-clause">') :]
    assert clause.index("<mark>") > 0
