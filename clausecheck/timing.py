"""Frequencies, deadlines and retention periods in a sentence: "at least annually", "within
seventy-two (72) hours", "every 30 days", "for not less than six (6) years".

A small, self-contained reader for the obligations register. The words it looks for (units,
trigger words, one-word frequencies, vague deadlines) are data in ``patterns/obligations.yaml``;
this module only turns them into regular expressions and numbers. It could later give way to the
typed figures of ``ScanResult.values``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .rules import _Strict
from .values import SMALL_NUMBER_WORDS, words_to_number

_WORD = "|".join(sorted([*SMALL_NUMBER_WORDS, "a", "an"], key=len, reverse=True))
# "72", "seventy-two", "seventy-two (72)", "one hundred"; the figure in brackets wins
NUMBER = rf"(?:\d{{1,4}}|(?:{_WORD})(?:[- ](?:{_WORD}))*)(?:\s*\(\s*\d{{1,4}}\s*\))?"
_TIMES = r"(?:once|twice|(?P<times>" + NUMBER + r")\s+times)"

TimingKind = Literal["deadline", "frequency", "retention"]


class NamedFrequency(_Strict):
    words: list[str] = Field(min_length=1)
    amount: int = Field(ge=1)
    unit: str


class TimingWords(_Strict):
    """The words of ``timing:`` in obligations.yaml."""

    units: dict[str, list[str]] = Field(min_length=1, description="canonical unit -> the words for it")
    deadline_words: list[str] = Field(min_length=1)
    frequency_words: list[str] = Field(min_length=1)
    retention_words: list[str] = Field(default_factory=list)
    frequencies: list[NamedFrequency] = Field(default_factory=list)
    vague_deadlines: list[str] = Field(default_factory=list)

    @cached_property
    def _unit_of(self) -> dict[str, str]:
        return {w.lower(): unit for unit, words in self.units.items() for w in words}

    @cached_property
    def _patterns(self) -> list[tuple[TimingKind, re.Pattern]]:
        unit = alternation(self._unit_of)
        figure = rf"(?P<num>{NUMBER})\s+(?P<unit>{unit})\b"
        per = r"(?:a|an|per|each|every|in\s+(?:each|every|any))"
        return [
            ("deadline", _compile(rf"(?:{alternation(self.deadline_words)})\s+{figure}")),
            ("frequency", _compile(rf"(?:{alternation(self.frequency_words)})\s+(?:{figure}|(?P<unit1>{unit})\b)")),
            ("frequency", _compile(rf"{_TIMES}\s+{per}\s+(?:{figure}|(?P<unit1>{unit})\b)")),  # "twice a year"
            ("retention", _compile(rf"(?:{alternation(self.retention_words)})\s+{figure}")),
            ("frequency", _compile(alternation(w for f in self.frequencies for w in f.words))),
            ("deadline", _compile(alternation(self.vague_deadlines))),
        ]

    def named_frequency(self, words: str) -> NamedFrequency | None:
        key = " ".join(words.lower().split())
        return next((f for f in self.frequencies if key in (w.lower() for w in f.words)), None)


class Timing(BaseModel):
    """One frequency, deadline or retention period, as written and as a figure where there is one."""

    model_config = ConfigDict(frozen=True)

    kind: TimingKind
    text: str = Field(description="the words as written, white space collapsed")
    amount: int | None = Field(default=None, description="the period's length: 72 for 'within 72 hours'")
    unit: str | None = Field(default=None, description="hour, business day, day, week, month, quarter, year")
    times: int = Field(default=1, description="how many times in the period: 2 for 'twice a year'")


def alternation(words: Iterable[str]) -> str:
    """A regex alternative of phrases, longest first, flexible in white space; none matches nothing."""
    alts = [r"\s+".join(map(re.escape, w.split())) for w in sorted(set(words), key=len, reverse=True)]
    return "|".join(alts) or "(?!)"


def _compile(body: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def parse_number(text: str) -> int | None:
    """``"72"``, ``"seventy-two"``, ``"seventy-two (72)"``, ``"a"`` -> 72, 72, 72, 1; ``None`` if it is
    not a number."""
    bracket = re.search(r"\(\s*(\d+)\s*\)", text)
    if bracket:
        return int(bracket.group(1))
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    return 1 if text in ("a", "an") else words_to_number(text)


def find_timings(text: str, words: TimingWords) -> list[Timing]:
    """Every frequency, deadline and retention period in ``text``, in order; where two readings
    overlap, the longer one wins ("at least once in every twelve months" over "every twelve months")."""
    found: list[tuple[int, int, TimingKind, re.Match]] = []
    for kind, pattern in words._patterns:
        found += [(m.start(), m.end(), kind, m) for m in pattern.finditer(text)]
    found.sort(key=lambda f: (f[0], f[0] - f[1]))
    out: list[Timing] = []
    last_end = -1
    for start, end, kind, m in found:
        if start < last_end:
            continue
        last_end = end
        out.append(_timing(kind, m, words))
    return out


def _timing(kind: TimingKind, m: re.Match, words: TimingWords) -> Timing:
    text = " ".join(m.group(0).split())
    groups = m.groupdict()
    unit_words = groups.get("unit") or groups.get("unit1")
    if unit_words is None:  # a named frequency or a vague deadline
        named = words.named_frequency(text)
        return (
            Timing(kind=kind, text=text, amount=named.amount, unit=named.unit)
            if named
            else Timing(kind=kind, text=text)
        )
    amount = parse_number(groups["num"]) if groups.get("num") else 1
    times = 1
    if kind == "frequency" and re.match(r"(?i)twice\b", text):
        times = 2
    elif groups.get("times"):
        times = parse_number(groups["times"]) or 1
    unit = words._unit_of[" ".join(unit_words.lower().split())]
    return Timing(kind=kind, text=text, amount=amount, unit=unit, times=times)
