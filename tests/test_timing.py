"""Frequencies, deadlines and retention periods read from obligation sentences."""

from __future__ import annotations

import pytest

from clausecheck.register import get_obligations
from clausecheck.timing import find_timings, parse_number


@pytest.fixture(scope="module")
def words():
    return get_obligations().timing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Provide security awareness training at least annually.", [("frequency", 1, "year", 1)]),
        ("Notify the Insurer within seventy-two (72) hours of discovery.", [("deadline", 72, "hour", 1)]),
        ("Rotate the keys every 30 days.", [("frequency", 30, "day", 1)]),
        ("Run phishing simulations at least quarterly.", [("frequency", 3, "month", 1)]),
        ("Deliver the report within five (5) Business Days after containment.", [("deadline", 5, "business day", 1)]),
        ("Test restores twice a year.", [("frequency", 1, "year", 2)]),
        ("Keep the records for not less than six (6) years.", [("retention", 6, "year", 1)]),
        ("Train staff at least once in every twelve (12) months.", [("frequency", 12, "month", 1)]),
        ("Give notice no later than sixty (60) days after the end of the Policy Period.", [("deadline", 60, "day", 1)]),
        ("Report it within twenty-four hours.", [("deadline", 24, "hour", 1)]),
        ("Back up your important data at least weekly.", [("frequency", 1, "week", 1)]),
        ("Report the incident promptly.", [("deadline", None, None, 1)]),
        (
            "The Supplier shall notify the Client without undue delay and in any event within 48 hours.",
            [("deadline", None, None, 1), ("deadline", 48, "hour", 1)],
        ),
        ("Maintain the controls for the whole policy period.", []),
        ("The fee is 100 dollars for 3 licences.", []),
    ],
)
def test_when_a_sentence_states_a_period_then_it_is_read_as_a_figure(words, text, expected):
    found = find_timings(text, words)
    assert [(t.kind, t.amount, t.unit, t.times) for t in found] == expected
    assert all(t.text.lower() in " ".join(text.lower().split()) for t in found)


def test_the_words_are_kept_as_written(words):
    [t] = find_timings("notify within seventy-two (72)\nhours", words)
    assert t.text == "within seventy-two (72) hours"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("72", 72),
        ("seventy-two", 72),
        ("seventy-two (72)", 72),
        ("twenty four", 24),
        ("one hundred", 100),
        ("fourteen", 14),
        ("a", 1),
        ("soon", None),
    ],
)
def test_numbers_in_words_or_figures_are_parsed(text, value):
    assert parse_number(text) == value
