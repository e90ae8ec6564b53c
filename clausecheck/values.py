"""Extracted figures: liability caps, notification deadlines, required insurance, a policy's
limits, retentions and sublimits, training frequency and patch windows (``ScanResult.values``).

The mechanism is here: parsing English numbers, money and durations, and normalising them
(amounts with ISO currency codes, deadlines in hours, frequencies in days). Which words mark
which figure is data in ``patterns/values.yaml`` (:class:`ValuesFile`). Figures are looked for
only inside findings of the categories that ``sources`` names, so each value points to the
finding it came from; a policy's schedule of limits ("Policy Aggregate Limit: $2,000,000"),
which no taxonomy category covers, is read line by line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .matcher import fold, phrase_regex
from .model import Finding, Value

Extractor = Literal["liability-cap", "notification", "insurance-required", "sublimit", "training", "patch", "schedule"]
DocKind = Literal["contract", "policy", "application", "unknown"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    categories: list[str]
    kinds: list[DocKind] = Field(min_length=1)


class MoneyWords(_Strict):
    currencies: dict[str, str] = Field(min_length=1)
    scales: dict[str, float]


class DurationWords(_Strict):
    units: dict[str, float] = Field(min_length=1)
    business: list[str]
    leads: list[str] = Field(min_length=1)
    long_stop: list[str]
    qualifiers: list[str]


class NotificationWords(_Strict):
    verbs: list[str] = Field(min_length=1)
    parties: dict[str, list[str]] = Field(min_length=1)
    default_party: dict[DocKind, str] = Field(default_factory=dict)
    triggers: dict[str, list[str]]


class CapWords(_Strict):
    fee_words: list[str] = Field(min_length=1)
    skip_if_any: list[str]


class InsuranceWords(_Strict):
    coverages: dict[str, list[str]] = Field(min_length=1)
    skip_after: list[str]


class PolicyLimitWords(_Strict):
    sublimits: dict[str, list[str]] = Field(min_length=1)
    retention: list[str] = Field(min_length=1)
    aggregate: list[str] = Field(min_length=1)
    skip_after: list[str]


class FrequencyWords(_Strict):
    training_words: list[str] = Field(min_length=1)
    patch_words: list[str] = Field(min_length=1)
    words: dict[str, int]


class ValuesFile(_Strict):
    """``patterns/values.yaml``."""

    sources: dict[Extractor, Source]
    money: MoneyWords
    durations: DurationWords
    notification: NotificationWords
    liability_cap: CapWords
    insurance: InsuranceWords
    policy_limits: PolicyLimitWords
    frequencies: FrequencyWords

    def category_refs(self) -> Iterator[tuple[str, str]]:
        for name, source in self.sources.items():
            for c in source.categories:
                yield f"sources.{name}.categories", c


# --- numbers -------------------------------------------------------------------------------------

_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_MAGNITUDES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
SMALL_NUMBER_WORDS = (*_UNITS, *_TENS, "hundred")  # up to "nine hundred ninety-nine"
_NUMBER_WORD = "|".join(sorted([*SMALL_NUMBER_WORDS, *_MAGNITUDES], key=len, reverse=True))
# "five hundred thousand", "seventy-two", "one hundred and twenty"
WORD_NUMBER = rf"(?:(?:{_NUMBER_WORD})(?:(?:\s+|-|\s+and\s+)(?:{_NUMBER_WORD}))*)(?![a-z])"
DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def words_to_number(text: str) -> int | None:
    """``"seventy-two"`` -> 72, ``"five hundred thousand"`` -> 500000; None if not a number."""
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", fold(text).strip()):
        if word == "and" and seen:
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _MAGNITUDES:
            total += (current or 1) * _MAGNITUDES[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def parse_number(text: str) -> float | None:
    """Digits (``"1,000,000"``, ``"72"``) or English number words."""
    text = text.strip()
    if re.fullmatch(DIGITS, text):
        return float(text.replace(",", ""))
    n = words_to_number(text)
    return float(n) if n is not None else None


# --- money and durations ---------------------------------------------------------------------------


class Figure(BaseModel):
    """A parsed figure: where it is in the text and what it means."""

    start: int
    end: int
    number: float
    unit: str  # a currency code, or a duration unit


class Parser:
    """Finds money and durations in folded text (the same length as the document text)."""

    def __init__(self, vf: ValuesFile):
        self.vf = vf
        cur = sorted(vf.money.currencies, key=len, reverse=True)
        symbols = "|".join(re.escape(c) for c in cur if not c.isalpha())
        codes = "|".join(re.escape(c) for c in cur if c.isalpha())
        scales = "|".join(re.escape(s) for s in sorted(vf.money.scales, key=len, reverse=True))
        number = rf"(?P<num>{DIGITS})(?:\s*(?P<scale>{scales})(?![a-z]))?"
        self.money_re = re.compile(
            # "$1,000,000", "USD 5 million", "£2m", "GBP 5,000,000"
            rf"(?:(?P<sym>{symbols})\s*|(?<![a-z])(?P<code>{codes})\s+){number}"
            # "5,000,000 dollars", "one million dollars", "Five Hundred Thousand Dollars"
            rf"|(?<![a-z])(?P<num2>{DIGITS}|{WORD_NUMBER})(?:\s*(?P<scale2>{scales}))?\s+(?P<code2>{codes})(?![a-z])"
        )
        units = "|".join(re.escape(u) for u in sorted(vf.durations.units, key=len, reverse=True))
        business = "|".join(re.escape(b) for b in vf.durations.business)
        self.duration_re = re.compile(
            # "seventy-two (72) hours", "within 24 hours", "three (3) business days", "30 days'"
            rf"(?<![a-z\d])(?P<num>{DIGITS}|{WORD_NUMBER})(?:\s*\((?P<paren>\d+)\))?\s+"
            rf"(?P<business>(?:{business})\s+)?(?P<unit>{units})(?![a-z])"
        )

    def money(self, folded: str, lo: int, hi: int) -> list[Figure]:
        """Amounts in ``folded[lo:hi]``. "one million dollars ($1,000,000)" is one figure."""
        out: list[Figure] = []
        for m in self.money_re.finditer(folded, lo, hi):
            if m.group("num"):
                value = parse_number(m.group("num"))
                scale, code = m.group("scale"), self.vf.money.currencies[(m.group("sym") or m.group("code")).strip()]
            else:
                value = parse_number(m.group("num2"))
                scale, code = m.group("scale2"), self.vf.money.currencies[m.group("code2")]
            if value is None:
                continue
            value *= self.vf.money.scales.get(scale, 1) if scale else 1
            if out and out[-1].number == value and re.fullmatch(r"\s*\(\s*", folded[out[-1].end : m.start()]):
                end = m.end() + 1 if folded[m.end() : m.end() + 1] == ")" else m.end()
                out[-1] = out[-1].model_copy(update={"end": end})  # the figure repeated in brackets
                continue
            out.append(Figure(start=m.start(), end=m.end(), number=value, unit=code))
        return out

    def durations(self, folded: str, lo: int, hi: int) -> Iterator[tuple[Figure, bool]]:
        """``(figure in hours, counts business days)`` for each duration in ``folded[lo:hi]``."""
        for m in self.duration_re.finditer(folded, lo, hi):
            n = float(m.group("paren")) if m.group("paren") else parse_number(m.group("num"))
            if n is None:
                continue
            hours = n * self.vf.durations.units[m.group("unit")]
            yield Figure(start=m.start(), end=m.end(), number=hours, unit="hours"), bool(m.group("business"))


# --- extraction ----------------------------------------------------------------------------------


def _first(regex: re.Pattern | None, text: str, lo: int = 0, hi: int | None = None) -> re.Match | None:
    return regex.search(text, lo, len(text) if hi is None else hi) if regex else None


def _after(words: list[str], folded: str, pos: int, window: int = 25) -> bool:
    """Does one of ``words`` end just before ``pos``?"""
    before = folded[max(0, pos - window) : pos].rstrip()
    return any(re.search(rf"(?<!\w){re.escape(w)}$", before) for w in words)


def _classify(vocab: dict[str, list[str]], text: str) -> str | None:
    """The first key whose phrases occur in ``text``."""
    return next((key for key, phrases in vocab.items() if _first(phrase_regex(phrases), text)), None)


class ValueExtractor:
    def __init__(self, vf: ValuesFile):
        self.vf = vf
        self.parse = Parser(vf)

    def extract(self, text: str, kind: str, findings: list[Finding]) -> list[Value]:
        folded = fold(text)
        seen: dict[tuple[str, int], Value] = {}
        for name, source in self.vf.sources.items():
            if kind not in source.kinds:
                continue
            if name == "schedule":
                items = self._schedule(text, folded, findings)
            else:
                method = getattr(self, "_" + name.replace("-", "_"))
                items = (v for f in findings if f.category in source.categories for v in method(text, folded, f, kind))
            for v in items:
                seen.setdefault((v.type, v.start), v)
        return sorted(seen.values(), key=lambda v: (v.start, v.type))

    @staticmethod
    def _value(text: str, f: Finding | None, type_: str, start: int, end: int, **fields) -> Value:
        return Value(
            type=type_,
            finding_id=f.id if f else None,
            category=f.category if f else None,
            text=text[start:end],
            start=start,
            end=end,
            **fields,
        )

    def _liability_cap(self, text: str, folded: str, f: Finding, kind: str) -> Iterator[Value]:
        lo, hi = f.clause_start, f.clause_end
        cw = self.vf.liability_cap
        if _first(phrase_regex(cw.skip_if_any), folded, lo, hi):
            return
        for m in self.parse.money(folded, lo, hi):
            yield self._value(text, f, "liability-cap-amount", m.start, m.end, amount=m.number, currency=m.unit)
        fees = _first(phrase_regex(cw.fee_words), folded, lo, hi)
        if fees:
            months = next(self._months(folded, fees.end(), hi), None)
            if months:
                start, end, n = months
                multiple = _multiple(folded[lo : fees.start()])
                yield self._value(text, f, "liability-cap-fees-multiple", start, end, multiple=multiple, months=n)

    def _months(self, folded: str, lo: int, hi: int) -> Iterator[tuple[int, int, int]]:
        for m in _MONTHS_RE.finditer(folded, lo, hi):
            n = int(m.group("paren")) if m.group("paren") else parse_number(m.group("num"))
            if n:
                yield m.start(), m.end(), int(n) * (12 if m.group("unit").startswith("year") else 1)

    def _notification(self, text: str, folded: str, f: Finding, kind: str) -> Iterator[Value]:
        lo, hi = f.clause_start, f.clause_end
        dw, nw = self.vf.durations, self.vf.notification
        fields: dict = {}
        deadline = None
        for d, business in self.parse.durations(folded, lo, hi):
            if _after(dw.leads, folded, d.start) and not _first(phrase_regex(dw.long_stop), folded, d.end, d.end + 40):
                deadline = d
                fields.update(hours=d.number, business_days=business)
                break
        qualifier = _first(phrase_regex(dw.qualifiers), folded, lo, hi)
        if qualifier:
            fields["qualifier"] = text[qualifier.start() : qualifier.end()]
        if deadline is None and qualifier is None:
            return
        if deadline is None:
            fields["business_days"] = False
        fields["party"] = self._party(folded, lo, hi) or nw.default_party.get(kind)
        sentence = folded[lo:hi]
        fields["trigger"] = _classify(nw.triggers, sentence)
        span = deadline or qualifier
        start, end = (span.start, span.end) if isinstance(span, Figure) else (span.start(), span.end())
        yield self._value(text, f, "notification-deadline", start, end, **fields)

    def _party(self, folded: str, lo: int, hi: int) -> str | None:
        """Who is told: the first party named just after a verb of telling ("notify the Insurer",
        "report to Provider's service desk", "call our incident hotline")."""
        nw = self.vf.notification
        verbs = phrase_regex(nw.verbs)
        for verb in verbs.finditer(folded, lo, hi) if verbs else ():
            window = verb.end(), min(hi, verb.end() + PARTY_WINDOW)
            hits = [
                (m.start(), -len(m.group()), name)
                for name, phrases in nw.parties.items()
                if (m := _first(phrase_regex(phrases), folded, *window))
            ]
            if hits:
                return min(hits)[2]
        return None

    def _insurance_required(self, text: str, folded: str, f: Finding, kind: str) -> Iterator[Value]:
        iw = self.vf.insurance
        for m in self.parse.money(folded, f.clause_start, f.clause_end):
            if _after(iw.skip_after, folded, m.start, 40):
                continue
            coverage = _last_of(iw.coverages, folded, f.clause_start, m.start)
            yield self._value(
                text, f, "insurance-required", m.start, m.end, amount=m.number, currency=m.unit, coverage=coverage
            )

    def _sublimit(self, text: str, folded: str, f: Finding, kind: str) -> Iterator[Value]:
        pw = self.vf.policy_limits
        coverage = _classify(pw.sublimits, folded[f.clause_start : f.clause_end]) or "social-engineering"
        for m in self.parse.money(folded, f.clause_start, f.clause_end):
            if not _after(pw.skip_after, folded, m.start):
                yield self._value(
                    text, f, "policy-sublimit", m.start, m.end, amount=m.number, currency=m.unit, coverage=coverage
                )
                return

    def _training(self, text: str, folded: str, f: Finding, kind: str) -> Iterator[Value]:
        fw = self.vf.frequencies
        word = _first(phrase_regex(fw.training_words), folded, f.clause_start, f.clause_end)
        if not word:
            return
        every = _first(_EVERY_RE, folded, word.end(), f.clause_end)
        named = _first(phrase_regex(list(fw.words)), folded, word.end(), f.clause_end)
        if every and (not named or every.start() <= named.start()):
            months = next(self._months(folded, every.start(), every.end()))[2]
            per_days, (start, end) = round(months * 365 / 12), every.span()
        elif named:
            per_days, (start, end) = fw.words[" ".join(named.group().split())], named.span()
        else:
            return
        yield self._value(text, f, "training-frequency", start, end, per_days=per_days)

    def _patch(self, text: str, folded: str, f: Finding, kind: str) -> Iterator[Value]:
        word = _first(phrase_regex(self.vf.frequencies.patch_words), folded, f.clause_start, f.clause_end)
        if not word:
            return
        for d, _ in self.parse.durations(folded, word.end(), f.clause_end):
            if _after(self.vf.durations.leads, folded, d.start):
                yield self._value(text, f, "patch-window", d.start, d.end, days=round(d.number / 24))
                return

    def _schedule(self, text: str, folded: str, findings: list[Finding]) -> Iterator[Value]:
        """Lines "Label: amount" of a policy's schedule; the label says which limit it is."""
        pw = self.vf.policy_limits
        for line in _LINE_RE.finditer(text):  # folded text has no newlines
            label_end = folded.find(":", line.start(), min(line.end(), line.start() + 120))
            if label_end < 0:
                continue
            money = self.parse.money(folded, label_end + 1, min(line.end(), label_end + 40))
            if not money or folded[label_end + 1 : money[0].start].strip():
                continue
            label = folded[line.start() : label_end]
            m = money[0]
            f = next((f for f in findings if f.clause_start <= m.start < f.clause_end), None)
            amount = {"amount": m.number, "currency": m.unit}
            if coverage := _classify(pw.sublimits, label):
                yield self._value(text, f, "policy-sublimit", m.start, m.end, coverage=coverage, **amount)
            elif _first(phrase_regex(pw.retention), label):
                yield self._value(text, f, "policy-retention", m.start, m.end, **amount)
            elif _first(phrase_regex(pw.aggregate), label):
                yield self._value(text, f, "policy-aggregate-limit", m.start, m.end, **amount)


PARTY_WINDOW = 40  # characters after the verb in which the party is named
_LINE_RE = re.compile(r"[^\n]+")
_MONTHS_RE = re.compile(
    rf"(?<![a-z\d])(?P<num>{DIGITS}|{WORD_NUMBER})(?:\s*\((?P<paren>\d+)\))?[\s-]+(?P<unit>months?|years?)(?![a-z])"
)
_EVERY_RE = re.compile(
    rf"(?:at least\s+)?(?:once\s+)?(?:in\s+)?every\s+(?:{DIGITS}|{WORD_NUMBER})(?:\s*\(\d+\))?\s+months?(?![a-z])"
)
_MULTIPLE_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "twice": 2, "double": 2, "triple": 3}


_MULTIPLE_RE = re.compile(
    r"(?<![\w.])(?:(?P<num>\d+(?:\.\d+)?|one|two|three|four|five)\s*(?:\(\d+(?:\.\d+)?\)\s*)?(?:times|x)"
    r"|(?P<word>twice|double|triple))\b[^.]{0,40}$"
)


def _multiple(before_fees: str) -> float:
    """ "two times the fees", "1.5x the fees", "twice the fees": the multiple; 1.0 otherwise."""
    m = _MULTIPLE_RE.search(before_fees)
    if not m:
        return 1.0
    word = m.group("num") or m.group("word")
    return float(_MULTIPLE_WORDS.get(word, word))


def _last_of(vocab: dict[str, list[str]], folded: str, lo: int, hi: int) -> str | None:
    """The key whose phrase occurs last in ``folded[lo:hi]``."""
    best: tuple[int, str] | None = None
    for key, phrases in vocab.items():
        regex = phrase_regex(phrases)
        for m in regex.finditer(folded, lo, hi) if regex else ():
            if best is None or m.start() > best[0]:
                best = (m.start(), key)
    return best[1] if best else None
