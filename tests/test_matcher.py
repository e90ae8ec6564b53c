"""Matcher internals that rules rely on: sentence-start anchoring, gaps inside sentences,
context and negation, length-keeping case folding."""

from __future__ import annotations

from clausecheck.matcher import RuleMatcher, fold, merge, pattern_anchor
from clausecheck.rules import ExpectationsFile, KindsFile, Rule, RuleSet
from clausecheck.segmenter import segment


def _matcher(*patterns, **extra) -> RuleMatcher:
    rule = Rule.model_validate(
        dict(
            id="TT-001",
            category="shared-responsibility",
            severity="low",
            title="test",
            explanation="x" * 12,
            recommendation="y" * 12,
            patterns=list(patterns),
            examples={"match": ["x"]},
            **extra,
        )
    )
    return RuleMatcher(RuleSet([rule], {}, KindsFile(kinds=[]), ExpectationsFile(), {"TT-001": "t:1"}, "d", None))


def _hits(matcher, text):
    return [text[h.start : h.end] for h in matcher.raw_hits(text, segment(text))]


def test_when_a_pattern_uses_is_sent_start_then_only_sentence_starts_match():
    m = _matcher({"tokens": [{"IS_SENT_START": True, "LOWER": "customer"}]})
    assert _hits(m, "The Customer pays. Customer shall back up data. A customer is nice.") == ["Customer"]


def test_when_a_pattern_has_a_gap_then_it_never_crosses_a_sentence_end():
    m = _matcher({"tokens": [{"LEMMA": "liability"}, {"OP": "*"}, {"LOWER": "exceed"}]})
    assert _hits(m, "Liability is discussed here. Fees shall not exceed the budget.") == []
    assert _hits(m, "Liability shall not exceed the fees.") == ["Liability shall not exceed"]


def test_when_context_excludes_or_negates_then_the_match_is_dropped():
    m = _matcher(
        {"phrase": "unlimited liability"}, context={"exclude_before": ["not", "neither"], "exclude_any": ["users"]}
    )
    assert _hits(m, "Provider accepts unlimited liability.") == ["unlimited liability"]
    assert _hits(m, "Neither party accepts unlimited liability.") == []
    assert _hits(m, "Provider accepts unlimited liability for unlimited users.") == []


def test_when_a_lemma_phrase_is_given_then_inflections_and_capitals_match():
    m = _matcher({"lemma": "indemnify and hold harmless"})
    assert _hits(m, "SUPPLIER INDEMNIFIES AND HOLDS HARMLESS THE CUSTOMER.") == ["INDEMNIFIES AND HOLDS HARMLESS"]


def test_fold_keeps_length_for_any_text():
    for text in ["İstanbul ’quoted’ “x”\n\tEnd", "ǅ ß ﬁ", "plain"]:
        assert len(fold(text)) == len(text)
    assert fold("Customer’s\nDATA") == "customer's data"


def test_pattern_anchor_is_the_first_required_word():
    assert pattern_anchor([{"LOWER": {"IN": ["a", "b"]}}, {"OP": "*"}]) == ("LOWER", ["a", "b"])
    assert pattern_anchor([{"LEMMA": "x"}]) == ("LEMMA", ["x"])
    assert pattern_anchor([{"LOWER": "a", "OP": "?"}, {"LOWER": "b"}]) is None
    assert pattern_anchor([{"ORTH": "Customer"}]) == ("LOWER", ["customer"])
    assert pattern_anchor([{"IS_PUNCT": True}, {"LOWER": "b"}]) is None


def test_when_a_rule_requires_a_section_then_it_fires_only_under_that_heading():
    m = _matcher({"lemma": "arise out of"}, context={"section_any": ["exclusions"]})
    text = "IV. EXCLUSIONS\n\n(a) arising out of any war;\n\nV. CONDITIONS\n\n(a) arising out of this policy, notice is due.\n"
    assert _hits(m, text) == ["arising out of"]
    assert _hits(m, "The claim arose out of an outage.") == []


def test_context_phrases_are_whole_words_but_may_start_or_end_with_punctuation():
    from clausecheck.matcher import phrase_regex

    rx = phrase_regex(["?", "$", "limit"])
    assert rx.search("do you use mfa?") and rx.search("a cap of $5")
    assert rx.search("no limit here") and not rx.search("unlimited")


def test_when_several_patterns_fire_in_one_sentence_then_one_finding_keeps_every_matched_range():
    m = _matcher({"phrase": "back up"}, {"phrase": "multi-factor authentication"})
    text = "The Customer must back up its data and must enforce multi-factor authentication. Nothing else."
    (hit,) = merge(m.raw_hits(text, segment(text)))
    assert [text[a:b] for a, b in hit.word_spans()] == ["back up", "multi-factor authentication"]
    assert text[hit.start : hit.end] in ("back up", "multi-factor authentication")
