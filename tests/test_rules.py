"""Rule files: validation errors located as file:line: rule id: field: message, and every
rule's own examples (adding a rule adds its tests)."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from clausecheck.errors import RuleError
from clausecheck.examples import rule_fires
from clausecheck.rules import DEFAULT_PATTERNS, SPECIAL_FILES, load_rules

GOOD_RULE = """\
rules:
  - id: TEST-001
    category: liability-cap
    severity: medium
    title: A test rule
    explanation: Explains why the clause matters.
    recommendation: Recommends what to do about it.
    applies_to: contract
    patterns:
      - phrase: "aggregate liability"
    examples:
      match: ["The aggregate liability of Provider shall not exceed the fees."]
"""


@pytest.fixture
def patterns_dir(tmp_path):
    for name in SPECIAL_FILES:
        shutil.copy(DEFAULT_PATTERNS / name, tmp_path / name)
    return tmp_path


def _errors(patterns_dir, body: str) -> list[str]:
    (patterns_dir / "rules.yaml").write_text(textwrap.dedent(body))
    with pytest.raises(RuleError) as err:
        load_rules(patterns_dir)
    return [str(i) for i in err.value.issues]


def test_when_rule_file_is_valid_then_it_loads(patterns_dir):
    (patterns_dir / "rules.yaml").write_text(GOOD_RULE)
    rs = load_rules(patterns_dir)
    assert [r.id for r in rs.rules] == ["TEST-001"]
    assert rs.sources["TEST-001"] == "rules.yaml:2"


def test_when_a_field_is_wrong_then_error_names_file_line_rule_and_field(patterns_dir):
    errors = _errors(patterns_dir, GOOD_RULE.replace("severity: medium", "severity: critical"))
    assert len(errors) == 1
    assert errors[0].startswith(f"{patterns_dir / 'rules.yaml'}:4: TEST-001: severity: ")


def test_when_an_unknown_field_is_given_then_it_is_an_error(patterns_dir):
    errors = _errors(patterns_dir, GOOD_RULE.replace("    title:", "    colour: red\n    title:"))
    assert ":5: TEST-001: colour: Extra inputs are not permitted" in errors[0]


def test_when_ids_are_duplicated_then_the_second_is_an_error(patterns_dir):
    second = GOOD_RULE.split("rules:\n", 1)[1]
    errors = _errors(patterns_dir, GOOD_RULE + second)
    assert any("TEST-001: id: duplicate id: already defined at rules.yaml:2" in e for e in errors)


def test_when_category_is_not_in_the_taxonomy_then_it_is_an_error(patterns_dir):
    errors = _errors(patterns_dir, GOOD_RULE.replace("category: liability-cap", "category: liability-caps"))
    assert ":3: TEST-001: category: unknown category 'liability-caps'" in errors[0]


def test_when_a_token_pattern_is_invalid_then_spacy_validation_is_reported(patterns_dir):
    body = GOOD_RULE.replace('- phrase: "aggregate liability"', "- tokens: [{LOWRE: liability}]")
    errors = _errors(patterns_dir, body)
    assert "TEST-001: patterns[0].tokens: invalid token pattern" in errors[0]
    assert ":10:" in errors[0]


def test_when_a_token_gap_is_too_wide_then_it_is_refused(patterns_dir):
    body = GOOD_RULE.replace(
        '- phrase: "aggregate liability"', '- tokens: [{LOWER: liability}, {OP: "{0,30}"}, {LOWER: exceed}]'
    )
    errors = _errors(patterns_dir, body)
    assert "patterns[0].tokens[1].OP: a gap of any tokens may span at most" in errors[0]


def test_when_a_pattern_has_two_kinds_then_it_is_an_error(patterns_dir):
    body = GOOD_RULE.replace('- phrase: "aggregate liability"', '- phrase: "a"\n        fuzzy: "b"')
    errors = _errors(patterns_dir, body)
    assert "TEST-001: patterns[0]: give exactly one of phrase, lemma, tokens, fuzzy" in errors[0]


def test_when_yaml_is_malformed_then_the_line_is_given(patterns_dir):
    errors = _errors(patterns_dir, GOOD_RULE.replace("    title: A test rule", "    title: [unclosed"))
    assert errors[0].startswith(f"{patterns_dir / 'rules.yaml'}:")
    assert "invalid YAML" in errors[0]


def test_when_several_rules_are_wrong_then_every_problem_is_listed(patterns_dir):
    second = (
        GOOD_RULE.split("rules:\n", 1)[1].replace("TEST-001", "TEST-002").replace("severity: medium", "severity: x")
    )
    body = GOOD_RULE.replace("title: A test rule", "title: ''") + second
    errors = _errors(patterns_dir, body)
    assert {e.split(": ")[1] for e in errors} == {"TEST-001", "TEST-002"}


# --- the bundled library ----------------------------------------------------------------------

LIBRARY = load_rules()


def test_bundled_library_covers_every_taxonomy_category():
    covered = {r.category for r in LIBRARY.rules}
    assert covered == set(LIBRARY.categories), set(LIBRARY.categories) - covered


def test_bundled_rule_ids_are_unique_and_stable_shaped():
    ids = [r.id for r in LIBRARY.rules]
    assert len(ids) == len(set(ids))


CASES = [
    pytest.param(rule.id, expected, text, id=f"{rule.id}-{'match' if expected else 'no_match'}-{i}")
    for rule in LIBRARY.rules
    for expected, texts in ((True, rule.examples.match), (False, rule.examples.no_match))
    for i, text in enumerate(texts)
]


@pytest.mark.parametrize(("rule_id", "expected", "text"), CASES)
def test_rule_examples(engine, rule_id, expected, text):
    rule = engine.rules.by_id[rule_id]
    assert rule_fires(engine.matcher, rule, text) == expected


def test_when_a_token_pattern_has_no_required_word_then_a_warning_is_given(patterns_dir):
    body = GOOD_RULE.replace(
        '- phrase: "aggregate liability"', "- tokens: [{IS_PUNCT: true}, {LOWER: liability, OP: '?'}]"
    )
    (patterns_dir / "rules.yaml").write_text(body)
    rs = load_rules(patterns_dir)
    assert [str(w).split(": ", 1)[1] for w in rs.warnings] == [
        "TEST-001: patterns[0].tokens: no required token has a LOWER/LEMMA/ORTH value, so this rule is tried "
        "on every sentence (slower scans); make at least one word required"
    ]


def test_when_only_a_later_token_is_a_fixed_word_then_no_warning_is_given(patterns_dir):
    body = GOOD_RULE.replace('- phrase: "aggregate liability"', "- tokens: [{IS_PUNCT: true}, {LOWER: liability}]")
    (patterns_dir / "rules.yaml").write_text(body)
    assert load_rules(patterns_dir).warnings == []


def test_when_a_word_is_read_as_a_boolean_then_the_error_says_to_quote_it(patterns_dir):
    body = GOOD_RULE.replace('- phrase: "aggregate liability"', "- tokens: [{LOWER: {IN: [no, any]}}, {LOWER: event}]")
    errors = _errors(patterns_dir, body)
    assert "TEST-001: patterns[0].tokens[0]: a word was read as true/false" in errors[0]
    assert 'write them in quotes ("no")' in errors[0]
