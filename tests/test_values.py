"""Extracted figures (ScanResult.values): parsing, normalisation, the document kind, the measured floor."""

from __future__ import annotations

import shutil

import pytest
from conftest import SAMPLES

from clausecheck import RuleError, get_engine, load_rules, scan
from clausecheck.evaluate import evaluate_values
from clausecheck.matcher import fold
from clausecheck.rules import DEFAULT_PATTERNS, SPECIAL_FILES
from clausecheck.values import Parser, words_to_number

VALUES_FLOOR = 0.95  # measured 59 of 60 (0.983) on 2026-11-29; README "Extracted values"


@pytest.fixture(scope="module")
def parser():
    return Parser(get_engine().rules.values)


def _money(parser, text):
    return [(text[m.start : m.end], m.number, m.unit) for m in parser.money(fold(text), 0, len(text))]


@pytest.mark.parametrize(
    "words, number",
    [("seventy-two", 72), ("twenty four", 24), ("five hundred thousand", 500_000), ("one hundred and twenty", 120),
     ("two million five hundred thousand", 2_500_000), ("zero", 0), ("seventy-two days", None)],
)  # fmt: skip
def test_when_english_number_words_are_parsed_then_the_value_is_right(words, number):
    assert words_to_number(words) == number


@pytest.mark.parametrize(
    "text, amount, currency",
    [
        ("limits of $1,000,000 per claim", 1_000_000, "USD"),
        ("not less than USD 5 million", 5_000_000, "USD"),
        ("a sublimit of £2m", 2_000_000, "GBP"),
        ("GBP 100,000 in the aggregate", 100_000, "GBP"),
        ("not exceed Five Hundred Thousand Dollars.", 500_000, "USD"),
        ("EUR 250,000 each loss", 250_000, "EUR"),
    ],
)
def test_when_money_is_written_in_any_usual_way_then_amount_and_currency_are_normalised(parser, text, amount, currency):
    [(_, got, code)] = _money(parser, text)
    assert (got, code) == (amount, currency)


def test_when_an_amount_is_repeated_in_brackets_then_it_is_one_figure(parser):
    text = "shall not exceed one million dollars ($1,000,000) in total"
    assert _money(parser, text) == [("one million dollars ($1,000,000)", 1_000_000, "USD")]


@pytest.mark.parametrize(
    "text, hours, business",
    [
        ("within seventy-two (72) hours after", 72, False),
        ("within 24 hours of", 24, False),
        ("within three (3) business days", 72, True),
        ("no later than 30 days", 720, False),
        ("within one (1) week", 168, False),
    ],
)
def test_when_durations_are_parsed_then_they_are_in_hours(parser, text, hours, business):
    [(figure, is_business)] = list(parser.durations(fold(text), 0, len(text)))
    assert (figure.number, is_business) == (hours, business)


def _values(text: str, kind: str = "contract"):
    return scan(text.encode(), name="t.txt", kind=kind).values


def test_when_a_cap_is_a_fixed_amount_then_amount_and_currency_are_extracted():
    [v] = _values(
        "8.1 The Provider's total liability under this Agreement shall not exceed One Million Dollars ($1,000,000)."
    )
    assert (v.type, v.amount, v.currency) == ("liability-cap-amount", 1_000_000, "USD")


def test_when_a_cap_is_a_multiple_of_fees_then_multiple_and_months_are_extracted():
    [v] = _values(
        "8.2 The aggregate liability of each party shall not exceed two (2) times the fees paid by Customer "
        "under this Agreement in the twelve (12) months preceding the claim."
    )
    assert (v.type, v.multiple, v.months) == ("liability-cap-fees-multiple", 2.0, 12)


def test_when_a_notice_deadline_has_no_number_then_hours_is_none_and_the_words_are_kept():
    [v] = _values("6.1 Provider shall notify Customer without undue delay after Provider confirms a Security Incident.")
    assert (v.type, v.hours, v.qualifier, v.party, v.trigger) == (
        "notification-deadline", None, "without undue delay", "customer", "confirmed",
    )  # fmt: skip


def test_when_a_notice_deadline_counts_business_days_then_it_is_flagged():
    [v] = _values(
        "6.1 Provider shall notify Customer within three (3) business days after discovering a Security Incident."
    )
    assert (v.hours, v.business_days, v.trigger) == (72, True, "discovered")


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.txt")), ids=lambda p: p.name)
def test_when_a_sample_is_scanned_then_every_value_indexes_the_text_and_points_to_its_finding(path):
    result = scan(path)
    text = path.read_text(encoding="utf-8")
    findings = {f.id: f for f in result.findings}
    sources = get_engine().rules.values.sources
    for v in result.values:
        assert text[v.start : v.end] == v.text
        if v.finding_id is None:  # only a policy's schedule of limits has no finding
            assert v.type in ("policy-aggregate-limit", "policy-retention", "policy-sublimit")
            continue
        f = findings[v.finding_id]
        assert f.category == v.category and f.clause_start <= v.start < f.clause_end
        assert any(f.category in s.categories for s in sources.values())


def test_when_findings_are_filtered_then_values_of_dropped_findings_are_dropped_too():
    result = scan(SAMPLES / "msp-msa-car-dealership.txt", categories={"liability-cap"})
    assert {v.type for v in result.values} == {"liability-cap-fees-multiple"}


def test_labelled_sample_values_are_extracted_above_the_floor():
    result = evaluate_values(SAMPLES, SAMPLES / "values.jsonl", scan)
    assert result["labels"] >= 60
    assert result["recall"] >= VALUES_FLOOR, result["misses"]


KINDS = {
    "cyber-insurance-application.txt": "application",
    "cyber-policy-wording.txt": "policy",
    "cyber-policy-lloyds-style.txt": "policy",
    "cyber-policy-plain-english.txt": "policy",
}


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.txt")), ids=lambda p: p.name)
def test_when_a_sample_is_scanned_then_its_kind_is_right_with_evidence(path):
    result = scan(path)
    assert result.kind == KINDS.get(path.name, "contract")
    assert result.kind_evidence and result.kind in result.kind_evidence[0]


def test_when_a_document_is_an_application_then_policy_rules_apply_to_it():
    result = scan(SAMPLES / "cyber-insurance-application.txt")
    categories = {f.category for f in result.findings}
    assert {"application-representation", "security-controls-condition"} <= categories
    assert not categories & {"liability-cap", "indemnification"}  # contract rules do not


def test_when_values_yaml_has_an_unknown_field_then_the_error_names_file_and_line(tmp_path):
    for name in SPECIAL_FILES:
        shutil.copy(DEFAULT_PATTERNS / name, tmp_path / name)
    shutil.copy(DEFAULT_PATTERNS / "liability.yaml", tmp_path / "liability.yaml")
    text = (tmp_path / "values.yaml").read_text()
    (tmp_path / "values.yaml").write_text(text.replace("liability_cap:\n", "liability_cap:\n  colour: red\n", 1))
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path)
    line = text[: text.index("liability_cap:\n")].count("\n") + 2
    assert f"values.yaml:{line}: -: liability_cap.colour: Extra inputs are not permitted" in str(err.value)


def test_when_conflicts_yaml_names_an_unknown_category_then_it_is_an_error(tmp_path):
    for name in SPECIAL_FILES:
        shutil.copy(DEFAULT_PATTERNS / name, tmp_path / name)
    shutil.copy(DEFAULT_PATTERNS / "liability.yaml", tmp_path / "liability.yaml")
    text = (tmp_path / "conflicts.yaml").read_text()
    (tmp_path / "conflicts.yaml").write_text(text.replace("[subrogation]", "[subrogations]"))
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path)
    assert "conflicts.subrogation-without-waiver.policy_categories: unknown category 'subrogations'" in str(err.value)
