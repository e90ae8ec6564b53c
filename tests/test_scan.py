"""scan(): the ScanResult contract, offsets, formats agreeing, bad input, the spaCy component."""

from __future__ import annotations

import pytest
import spacy
from conftest import SAMPLES, encrypt_pdf, make_pdf

from clausecheck import SCHEMA_VERSION, scan
from clausecheck.model import Finding

TEXTS = sorted(SAMPLES.glob("*.txt"))


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_when_a_text_sample_is_scanned_then_every_finding_indexes_the_file(path):
    result = scan(path)
    text = path.read_text(encoding="utf-8")
    assert result.error is None and result.findings
    assert result.chars == len(text)
    for f in result.findings:
        assert text[f.start : f.end] == f.text
        assert text[f.clause_start : f.clause_end] == f.clause_text
        assert f.clause_start <= f.start < f.end <= f.clause_end
        assert f.page == 1
    ids = [f.id for f in result.findings]
    assert len(ids) == len(set(ids))


def test_scan_result_has_every_field_of_the_architecture_contract():
    result = scan(SAMPLES / "msp-sla-best-effort.txt").model_dump(mode="json")
    for key in (
        "schema_version",
        "path",
        "sha256",
        "kind",
        "pages",
        "chars",
        "findings",
        "missing",
        "values",
        "warnings",
        "error",
        "timings",
    ):
        assert key in result
    assert result["schema_version"] == SCHEMA_VERSION
    finding = result["findings"][0]
    for key in (
        "id",
        "rule_id",
        "category",
        "severity",
        "start",
        "end",
        "text",
        "clause_start",
        "clause_end",
        "clause_text",
        "page",
        "section",
        "method",
        "score",
        "explanation",
        "recommendation",
    ):
        assert key in finding
    assert finding["severity"] in ("high", "medium", "low", "info")
    assert finding["method"] in ("phrase", "token", "fuzzy")


def test_when_the_same_file_is_scanned_twice_then_finding_ids_are_stable():
    a, b = scan(TEXTS[0]), scan(TEXTS[0].read_bytes(), name=TEXTS[0].name)
    assert [f.id for f in a.findings] == [f.id for f in b.findings]


@pytest.mark.parametrize("stem", [p.stem for p in TEXTS])
def test_when_a_sample_is_scanned_as_pdf_and_docx_then_it_finds_the_same_categories(stem):
    cats = {fmt: {f.category for f in scan(SAMPLES / f"{stem}.{fmt}").findings} for fmt in ("txt", "pdf", "docx")}
    assert cats["docx"] == cats["txt"]
    assert len(cats["pdf"] & cats["txt"]) >= 0.9 * len(cats["txt"])


def test_when_a_pdf_sample_is_scanned_then_findings_carry_their_page():
    result = scan(SAMPLES / "msp-sla-best-effort.pdf")
    assert result.pages > 1
    pages = {f.page for f in result.findings}
    assert len(pages) > 1 and all(1 <= p <= result.pages for p in pages)


def test_when_documents_are_contracts_or_policies_then_kind_is_detected():
    assert scan(SAMPLES / "cyber-policy-wording.txt").kind == "policy"
    assert scan(SAMPLES / "msp-msa-car-dealership.txt").kind == "contract"


def test_when_a_policy_is_scanned_then_contract_only_rules_do_not_fire():
    result = scan(SAMPLES / "cyber-policy-wording.txt")
    contract_only = {"liability-cap", "indemnification", "termination-for-convenience", "audit-rights"}
    assert not {f.category for f in result.findings} & contract_only


def test_when_a_category_filter_and_min_severity_are_given_then_only_those_findings_remain():
    result = scan(SAMPLES / "msp-msa-car-dealership.txt", categories={"liability-uncapped"}, min_severity="high")
    assert result.findings
    assert {f.category for f in result.findings} == {"liability-uncapped"}
    assert all(f.severity.value == "high" for f in result.findings)


def test_when_a_path_does_not_exist_then_error_is_not_found(tmp_path):
    result = scan(tmp_path / "nope.pdf")
    assert result.error_code == "not-found"


def test_when_the_spacy_component_is_added_then_findings_are_in_doc_spans():
    nlp = spacy.blank("en")
    nlp.add_pipe("clausecheck")  # registered through the spacy_factories entry point
    doc = nlp("In no event shall Provider's aggregate liability exceed the fees paid in the prior twelve months.")
    spans = doc.spans["clausecheck"]
    assert "liability-cap" in {s.label_ for s in spans}
    assert all(s.id_ for s in spans)
    assert all(isinstance(f, Finding) for f in doc.user_data["clausecheck"])


def test_when_words_are_misspelt_then_the_fuzzy_stage_finds_them_with_exact_offsets():
    text = "Section 9. The Provider's liabilty shal not excede the fees paid by the Customer.\n"
    result = scan(text.encode(), name="typos.txt")
    fuzzy = [f for f in result.findings if f.method == "fuzzy"]
    assert fuzzy, [f.rule_id for f in result.findings]
    for f in fuzzy:
        assert text[f.start : f.end] == f.text
        assert 0.5 <= f.score < 1.0
        assert not text[f.start - 1].isalnum() and not text[f.end].isalnum()  # whole words


def test_when_several_rules_of_one_category_fire_in_one_sentence_then_one_finding_is_reported():
    text = "EXCEPT FOR BREACH OF CONFIDENTIALITY, IN NO EVENT SHALL EITHER PARTY'S AGGREGATE LIABILITY EXCEED THE FEES PAID IN THE TWELVE (12) MONTHS BEFORE THE CLAIM.\n"
    result = scan(text.encode(), name="cap.txt", kind="contract")
    by_cat = {}
    for f in result.findings:
        by_cat.setdefault(f.category, []).append(f)
    assert len(by_cat["liability-cap"]) == 1
    assert len(by_cat["liability-uncapped"]) == 1
    assert by_cat["liability-uncapped"][0].severity.value == "high"  # a confidentiality carve-out


def test_when_a_line_is_only_a_heading_then_it_gives_no_finding():
    text = "7. Limitation of Liability\n\n7.1 The aggregate liability of Provider shall not exceed the fees paid.\n"
    result = scan(text.encode(), name="h.txt", kind="contract")
    assert result.findings and all(f.start > text.index("7.1") for f in result.findings)


def test_when_a_file_on_disk_cannot_be_read_then_its_digest_is_still_reported(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypt_pdf(make_pdf(["Hello"])))
    result = scan(path)
    assert result.error_code == "encrypted"
    assert result.sha256 and len(result.sha256) == 64
