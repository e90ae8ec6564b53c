"""Segmenter: clause numbering and headings, sentences that respect legal abbreviations."""

from __future__ import annotations

from clausecheck.segmenter import segment

CONTRACT = """MASTER SERVICES AGREEMENT

ARTICLE IV
LIMITATION OF LIABILITY

4.1 Exclusion of Damages. In no event shall either party be liable for lost profits. This applies to Acme Inc. and to its U.S. affiliates, e.g. Acme Ltd., under Sec. 5 et seq. of the Code, i.e. always.

4.2 Cap. The aggregate liability of Provider shall not exceed the fees paid (see No. 7 of Schedule 2).
(a) This cap applies to claims in contract;
(b) and to claims in tort.
(i) including negligence; and
(ii) breach of statutory duty.

Section 5.2 Insurance. Provider shall maintain insurance.

Schedule 2
Fees are payable monthly.
"""


def _sentences(text):
    return [text[s:e] for s, e in segment(text).sentences]


def test_when_text_has_legal_abbreviations_then_sentences_do_not_break_there():
    sents = _sentences(CONTRACT)
    assert (
        "This applies to Acme Inc. and to its U.S. affiliates, e.g. Acme Ltd., under Sec. 5 et seq. of the Code, i.e. always."
        in sents
    )
    assert any(s.startswith("4.2 Cap.") for s in sents) or "4.2 Cap." in sents
    assert not any(s.strip() in ("Inc.", "U.S.", "e.g.", "No.") for s in sents)


def test_when_clauses_are_numbered_then_numbers_and_headings_are_found():
    seg = segment(CONTRACT)
    found = {(c.number, c.heading) for c in seg.clauses}
    assert ("Article IV", None) in found or ("ARTICLE IV", None) in found
    assert (None, "LIMITATION OF LIABILITY") in found
    assert ("4.1", "Exclusion of Damages") in found
    assert ("4.2", "Cap") in found
    assert ("(a)", None) in found and ("(b)", None) in found
    assert ("(i)", None) in found and ("(ii)", None) in found
    assert ("Section 5.2", "Insurance") in found
    assert ("Schedule 2", None) in found


def test_when_a_finding_sits_in_a_sub_item_then_its_section_is_the_full_path():
    seg = segment(CONTRACT)
    at = CONTRACT.index("claims in tort")
    section = seg.clause_at(at).section()
    assert section.number == "4.2(b)"
    assert section.heading == "Cap"
    roman = seg.clause_at(CONTRACT.index("statutory duty")).section()
    assert roman.number == "4.2(b)(ii)"


def test_when_a_line_is_only_a_heading_then_it_is_a_sentence_of_its_own_and_marked():
    seg = segment(CONTRACT)
    heads = {CONTRACT[seg.sentences[i][0] : seg.sentences[i][1]] for i in seg.headings}
    assert "LIMITATION OF LIABILITY" in heads
    assert "4.1 Exclusion of Damages." in heads


def test_when_a_wrapped_line_starts_with_a_figure_then_it_is_not_a_clause():
    text = "Provider shall respond to every request within a period of no more than\n100 days after receipt of the request from Customer.\n"
    seg = segment(text)
    assert all(c.number != "100" for c in seg.clauses)
    assert len(seg.sentences) == 1


def test_when_a_page_break_leaves_a_blank_line_inside_a_sentence_then_it_is_one_sentence():
    text = "1.4 Provider shall provide access to, and\n\nthe right to use, the system.\n"
    assert _sentences(text) == ["1.4 Provider shall provide access to, and\n\nthe right to use, the system."]


def test_when_a_page_number_line_cuts_a_sentence_then_it_stays_one_sentence():
    caps = "IN NO EVENT SHALL EITHER PARTY BE LIABLE TO THE\n\n      8\n\n  OTHER PARTY IN AN AMOUNT GREATER THAN THE FEES."
    assert _sentences(caps) == [caps]
    lower = "disputes go to resolution through\n\nPage 49 of 60\n\narbitration in New York."
    assert _sentences(lower) == [lower]


def test_when_a_page_number_line_follows_a_finished_sentence_then_the_next_sentence_is_apart():
    text = "The fees are due monthly.\n\n8\n\nThe Customer shall pay them."
    assert _sentences(text)[-1] == "The Customer shall pay them."
    heading = "12. GENERAL\n\n8\n\nOTHER TERMS APPLY."
    assert _sentences(heading)[-1] == "OTHER TERMS APPLY."


def test_sentences_cover_all_text_in_order_and_within_bounds():
    seg = segment(CONTRACT)
    prev = 0
    for s, e in seg.sentences:
        assert prev <= s < e <= len(CONTRACT)
        assert CONTRACT[s:e] == CONTRACT[s:e].strip()
        prev = e
    covered = "".join(CONTRACT[s:e] for s, e in seg.sentences)
    assert "".join(covered.split()) == "".join(CONTRACT.split())


def test_when_a_sentence_is_huge_then_it_is_cut_into_bounded_pieces():
    text = "word " * 3000
    seg = segment(text)
    assert all(e - s <= 3000 for s, e in seg.sentences)
    assert len(seg.sentences) > 1


def test_when_a_numbered_caption_stands_mid_line_then_it_is_a_heading_sentence():
    text = "The policy remains in force. 6.19.7. Evidence of Insurance. You must send us certificates.\n"
    seg = segment(text)
    heads = [text[seg.sentences[i][0] : seg.sentences[i][1]] for i in sorted(seg.headings)]
    assert heads == ["6.19.7. Evidence of Insurance."]


def test_when_lines_are_table_rows_then_each_row_is_a_sentence():
    text = "Control\tSupplier\tClient\nPatching\tYes\tNo\nBackups\tShared\tShared\n"
    assert _sentences(text) == ["Control\tSupplier\tClient", "Patching\tYes\tNo", "Backups\tShared\tShared"]
