"""Rules to hits: spaCy PhraseMatcher/Matcher for exact patterns, rapidfuzz for fuzzy phrases.

The text is tokenised in chunks of whole sentences (spaCy's cost is linear; the chunks keep any
one Doc small). Every hit carries exact character offsets into the document text. Then each
hit's sentence is checked against the rule's context, its severity adjusted, and the hits of one
category in one sentence merged into one finding.
"""

from __future__ import annotations

import itertools
import re
import warnings
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from spacy.matcher import Matcher, PhraseMatcher

from .model import Severity
from .nlp import get_nlp
from .rules import Rule, RuleSet
from .segmenter import Segments

CHUNK_CHARS = 100_000
NEGATION_WINDOW = 60
_FOLDED = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("\n", " "), ("\r", " "), ("\t", " "), ("\f", " "))


def fold(text: str) -> str:
    """Lower-case with straight quotes and plain spaces, keeping the length (offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters (e.g. "İ") grow when lower-cased
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    for char, plain in _FOLDED:  # str.replace is several times faster than translate() here
        if char in lowered:
            lowered = lowered.replace(char, plain)
    return lowered


def phrase_regex(phrases: list[str]) -> re.Pattern | None:
    """A regex that finds any of the phrases as whole words in folded text."""
    return _phrase_regex(tuple(phrases)) if phrases else None


@lru_cache(maxsize=2048)
def _phrase_regex(phrases: tuple[str, ...]) -> re.Pattern:
    def part(phrase: str) -> str:
        words = fold(phrase).split()
        body = r"\s+".join(map(re.escape, words))
        # whole words: no letter may touch a phrase's first or last word ("?" or "$" may). The
        # check before the first word is made after its first letter ("a(?<!\w.)bc" rather than
        # "(?<!\w)abc"), so every alternative starts with a literal and the regex engine can skip
        # ahead to the positions where one of those letters occurs (about 10 times faster).
        if words and (words[0][0].isalnum() or words[0][0] == "_"):
            body = re.escape(words[0][0]) + r"(?<!\w.)" + body[len(re.escape(words[0][0])) :]
        tail = r"(?!\w)" if words and (words[-1][-1].isalnum() or words[-1][-1] == "_") else ""
        return body + tail

    parts = sorted((part(p) for p in phrases if p.strip()), key=len, reverse=True)
    return re.compile("|".join(parts))


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    pattern: int
    method: str  # phrase | token | fuzzy
    score: float
    start: int
    end: int
    sentence: int  # index of the sentence the match starts in
    last_sentence: int
    severity: Severity
    merged: tuple[str, ...] = field(default=())
    spans: tuple[tuple[int, int], ...] = field(default=())  # every matched word range, once merged

    def word_spans(self) -> tuple[tuple[int, int], ...]:
        return self.spans or ((self.start, self.end),)


@dataclass(slots=True)
class _CompiledRule:
    rule: Rule
    require: re.Pattern | None
    exclude: re.Pattern | None
    exclude_before: re.Pattern | None
    section: re.Pattern | None
    adjust: list[tuple[re.Pattern, Severity]]


@dataclass(slots=True)
class _TokenPattern:
    """One token pattern in a Matcher of its own, with the words a sentence must hold for it to
    match: one set of LOWER/LEMMA hashes per required token (any member satisfies it), also
    kept as a bit mask over the rule set's distinct word sets (:attr:`RuleMatcher.need_bits`)."""

    rule_id: str
    matcher: Matcher
    needs: list[frozenset[int]]
    mask: int
    first: frozenset[int] | None  # the words a match must start with (None: any word)
    last: frozenset[int] | None  # ...and end with

    def window(self, pairs: list[list[int]]) -> tuple[int, int]:
        """The part of a sentence (its (LOWER, LEMMA) pairs) where a match can lie: from the first
        word a match may start with to the last word it may end with. The Matcher then skips the
        words before (each would be tried as a start) and the gap states after."""
        lo, hi = 0, len(pairs)
        if self.first is not None:
            lo = next((i for i, (x, y) in enumerate(pairs) if x in self.first or y in self.first), hi)
        if self.last is not None:
            hi = next((i + 1 for i in range(hi - 1, lo - 1, -1) if not self.last.isdisjoint(pairs[i])), lo)
        return lo, hi


class RuleMatcher:
    """All patterns of a rule set, compiled once.

    A token pattern runs only on the sentences that hold a word for each of its required tokens
    (a necessary condition for a match, checked on the sentence's set of words), and only over
    the stretch where a match can lie (:meth:`_TokenPattern.window`), so the Matcher, whose gaps
    are costly, sees little text. ``prefilter=False`` checks only the first required word and
    runs over whole sentences (as before); the regression tests compare the two.
    """

    def __init__(self, ruleset: RuleSet, prefilter: bool = True):
        nlp = get_nlp()
        self.nlp = nlp
        self.ruleset = ruleset
        self.prefilter = prefilter
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.token_patterns: list[_TokenPattern] = []
        self.keys: dict[int, tuple[str, int]] = {}
        self.fuzzy: list[tuple[str, int, str, float]] = []
        self.compiled: dict[str, _CompiledRule] = {}
        self.index: dict[int, list[int]] = {}  # a word hash -> token patterns whose first need it meets
        self.need_bits: dict[int, int] = {}  # a word hash -> the bits of the required word sets holding it
        self._need_ids: dict[frozenset[int], int] = {}
        self.unindexed: list[int] = []  # token patterns without a required word: tried everywhere
        self.uses_sent_start = False  # then sentence starts are marked on each chunk
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # W012 etc.: lemma patterns are built with the lemmatizer on purpose
            for rule in ruleset.rules:
                self._add(rule)

    def _add(self, rule: Rule) -> None:
        ctx = rule.context
        self.compiled[rule.id] = _CompiledRule(
            rule,
            phrase_regex(ctx.require_any),
            phrase_regex(ctx.exclude_any),
            phrase_regex(ctx.exclude_before),
            phrase_regex(ctx.section_any),
            [(phrase_regex(a.when_any), a.severity) for a in rule.adjust],
        )
        for i, p in enumerate(rule.patterns):
            key = f"{rule.id}#{i}"
            self.keys[self.nlp.vocab.strings.add(key)] = (rule.id, i)
            if p.phrase is not None:
                self.lower.add(key, [self.nlp.make_doc(p.phrase)])
            elif p.lemma is not None:
                self.lemma.add(key, [self.nlp(p.lemma)])
            elif p.tokens is not None:
                matcher = Matcher(self.nlp.vocab)
                matcher.add(key, [p.tokens], greedy="LONGEST")
                self.uses_sent_start |= any("IS_SENT_START" in t or "SENT_START" in t for t in p.tokens)
                strings = self.nlp.vocab.strings
                needs = [frozenset(strings.add(w) for w in words) for words in required_words(p.tokens)]
                first, last = pattern_anchor(p.tokens), pattern_anchor(p.tokens[::-1])
                first, last = (frozenset(strings.add(w) for w in e[1]) if e else None for e in (first, last))
                self.token_patterns.append(_TokenPattern(rule.id, matcher, needs, self._mask(needs), first, last))
                number = len(self.token_patterns) - 1
                if needs:
                    for h in needs[0]:
                        self.index.setdefault(h, []).append(number)
                else:
                    self.unindexed.append(number)
            else:
                self.fuzzy.append((rule.id, i, fold(p.fuzzy), p.min_score))

    def _mask(self, needs: list[frozenset[int]]) -> int:
        mask = 0
        for need in needs:
            bit = 1 << self._need_ids.setdefault(need, len(self._need_ids))
            for h in need:
                self.need_bits[h] = self.need_bits.get(h, 0) | bit
            mask |= bit
        return mask

    # --- matching --------------------------------------------------------------------------

    def raw_hits(
        self, text: str, segments: Segments, kind: str = "unknown", chunk_docs: list | None = None
    ) -> list[Hit]:
        """Every pattern match that passes its rule's context, before merging. Sentences that are
        only a heading line ("7. Limitation of Liability") give no hits. ``chunk_docs``, when given,
        receives each ``(chunk start, spaCy doc)`` read (the classifier reads the same docs)."""
        sentences, skip = segments.sentences, segments.headings
        if not sentences:
            return []
        starts = [s for s, _ in sentences]
        applicable = {rid for rid, c in self.compiled.items() if c.rule.applies(kind)}
        folded = _FoldedSentences(text, sentences)
        spans: list[tuple[str, int, str, float, int, int]] = []
        for cs, ce in _chunks(sentences):
            doc = self.nlp(text[cs:ce])
            if chunk_docs is not None:
                chunk_docs.append((cs, doc))
            found = [(m, s, e, "phrase") for m, s, e in self.lower(doc)]
            found += [(m, s, e, "phrase") for m, s, e in self.lemma(doc)]
            for a, b, numbers, rows in self._candidates(doc, starts, cs, ce, applicable):
                pairs = rows.tolist() if self.prefilter else None
                si = max(bisect_right(starts, cs + doc[a].idx) - 1, 0)
                for n in numbers:
                    pattern = self.token_patterns[n]
                    compiled = self.compiled[pattern.rule_id]
                    # the sentence's words rule the rule out: its hits would all be dropped below
                    if self.prefilter and folded.rules_out(compiled, si, si):
                        continue
                    lo, hi = pattern.window(pairs) if pairs else (0, b - a)
                    if hi > lo:
                        matches = pattern.matcher(doc[a + lo : a + hi])
                        found += [(m, a + lo + s, a + lo + e, "token") for m, s, e in matches]
            for match_id, s, e, method in found:
                rid, idx = self.keys[match_id]
                if rid in applicable:
                    last = doc[e - 1]
                    spans.append((rid, idx, method, 1.0, cs + doc[s].idx, cs + last.idx + len(last)))
        spans += self._fuzzy(text, sentences, applicable)

        hits = []
        for rid, idx, method, score, start, end in spans:
            si = max(bisect_right(starts, start) - 1, 0)
            sj = max(bisect_right(starts, max(end - 1, start)) - 1, si)
            if si in skip:
                continue
            compiled = self.compiled[rid]
            # a fuzzy phrase is its own evidence: its context words may be misspelt too
            if folded.rules_out(compiled, si, sj, require=method != "fuzzy"):
                continue
            if compiled.section and not compiled.section.search(_headings(segments, start)):
                continue
            if compiled.exclude_before:
                before = fold(text[max(sentences[si][0], start - NEGATION_WINDOW) : start])
                if compiled.exclude_before.search(before):
                    continue
            severity = compiled.rule.severity
            for regex, sev in compiled.adjust:
                if folded.has(regex, si, sj):
                    severity = sev
                    break
            hits.append(Hit(compiled.rule, idx, method, score, start, end, si, sj, severity))
        hits.sort(key=lambda h: (h.start, -h.end, h.rule.id, h.pattern))
        return hits

    def _candidates(self, doc, starts: list[int], cs: int, ce: int, applicable: set[str]):
        """``(first token, end token, token pattern numbers, (LOWER, LEMMA) rows)`` for each sentence
        of the chunk: the applicable patterns whose required words all occur in the sentence. Running a pattern's
        Matcher on the sentence as a Span also keeps its gaps inside the sentence."""
        if not len(doc) or not self.token_patterns:
            return []
        idx = doc.to_array("IDX").astype(np.int64)
        local = np.asarray(starts[bisect_right(starts, cs) - 1 : bisect_right(starts, ce - 1)], dtype=np.int64) - cs
        bounds = np.unique(np.concatenate(([0], np.searchsorted(idx, local), [len(doc)])))
        ranges = [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]
        if self.uses_sent_start:
            flags = np.full(len(doc), -1, dtype=np.int64)
            flags[[a for a, _ in ranges]] = 1
            doc.from_array(["SENT_START"], flags.astype(np.uint64).reshape(-1, 1))
        words = doc.to_array(["LOWER", "LEMMA"])
        patterns, index, need_bits = self.token_patterns, self.index, self.need_bits
        usable = [patterns[n].rule_id in applicable for n in range(len(patterns))]
        masks = [p.mask if self.prefilter else 0 for p in patterns]
        out = []
        for a, b in ranges:
            present = set(words[a:b].ravel().tolist())
            numbers = set(self.unindexed)
            met = 0  # the required word sets this sentence meets
            for h in present & index.keys():
                numbers.update(index[h])
            for h in present & need_bits.keys():
                met |= need_bits[h]
            numbers = sorted(n for n in numbers if usable[n] and masks[n] & met == masks[n])
            if numbers:
                out.append((a, b, numbers, words[a:b]))
        return out

    def _fuzzy(self, text: str, sentences: list[tuple[int, int]], applicable: set[str]) -> list:
        patterns = [f for f in self.fuzzy if f[0] in applicable]
        if not patterns:
            return []
        folded = [fold(text[s:e]) for s, e in sentences]
        cutoff = min(p[3] for p in patterns)
        scores = process.cdist([p[2] for p in patterns], folded, scorer=fuzz.partial_ratio, score_cutoff=cutoff)
        out = []
        for pi, (rid, idx, needle, min_score) in enumerate(patterns):
            for si in (scores[pi] >= min_score).nonzero()[0]:
                sent = folded[si]
                if len(sent) < len(needle) * 0.8:
                    continue
                align = fuzz.partial_ratio_alignment(needle, sent, score_cutoff=min_score)
                if align is None:
                    continue
                a, b = _word_bounds(sent, align.dest_start, align.dest_end)
                if b > a:
                    base = sentences[si][0]
                    out.append((rid, idx, "fuzzy", round(align.score / 100, 3), base + a, base + b))
        return out


class _FoldedSentences:
    """A document's sentences, each folded once, and the context regexes' answers on them kept:
    several patterns and hits of a rule, and rules that share a phrase list, ask the same sentence."""

    __slots__ = ("_answers", "_folded", "_sentences", "_text")

    def __init__(self, text: str, sentences: list[tuple[int, int]]) -> None:
        self._text, self._sentences = text, sentences
        self._folded: dict[int, str] = {}
        self._answers: dict[tuple[int, re.Pattern], bool] = {}

    def text(self, i: int, j: int) -> str:
        """Sentences ``i`` to ``j`` folded."""
        if j != i:
            return fold(self._text[self._sentences[i][0] : self._sentences[j][1]])
        if i not in self._folded:
            self._folded[i] = fold(self._text[self._sentences[i][0] : self._sentences[i][1]])
        return self._folded[i]

    def has(self, regex: re.Pattern, i: int, j: int) -> bool:
        if j != i:
            return regex.search(self.text(i, j)) is not None
        key = (i, regex)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = regex.search(self.text(i, i)) is not None
        return answer

    def rules_out(self, compiled: _CompiledRule, i: int, j: int, require: bool = True) -> bool:
        """Sentences ``i`` to ``j`` lack the rule's required words or hold words that exclude it."""
        if require and compiled.require and not self.has(compiled.require, i, j):
            return True
        return bool(compiled.exclude) and self.has(compiled.exclude, i, j)


def _headings(segments: Segments, offset: int) -> str:
    """The headings above ``offset`` (outermost first), folded, for ``section_any``."""
    clause = segments.clause_at(offset)
    if clause is None:
        return ""
    return fold(" / ".join([*clause.headings, clause.heading or ""]))


_OPTIONAL_OPS = ("?", "*", "!")


def _is_required(tok: dict) -> bool:
    """Whether every match of the pattern contains a token that meets ``tok``."""
    op = str(tok.get("OP", ""))
    if op in _OPTIONAL_OPS:
        return False
    if op.startswith("{"):  # {N}, {N,M}, {N,}, {,M}: required when at least one is needed
        low = op[1:-1].split(",")[0].strip()
        return bool(low) and int(low) > 0
    return True


def _token_words(tok: dict) -> tuple[str, list[str]] | None:
    """``("LOWER" | "LEMMA", words)``: a token meeting ``tok`` has one of these words as that
    attribute; None when the token is not tied to particular words."""
    for attr in ("LOWER", "LEMMA", "ORTH", "TEXT"):
        value = tok.get(attr)
        if isinstance(value, str):
            values = [value]
        elif isinstance(value, dict) and list(value) == ["IN"]:
            values = [str(v) for v in value["IN"]]
        else:
            continue
        if attr in ("ORTH", "TEXT"):  # exact text implies its lower-case form
            return "LOWER", [v.lower() for v in values]
        return attr, values
    return None


def required_words(tokens: list[dict]) -> list[list[str]]:
    """For each required token of a pattern tied to particular words, those words (in pattern
    order): a sentence that lacks every word of one of these lists cannot match the pattern."""
    out = []
    for tok in tokens:
        if _is_required(tok) and (found := _token_words(tok)) is not None:
            out.append(found[1])
    return out


def pattern_anchor(tokens: list[dict]) -> tuple[str, list[str]] | None:
    """The words a match of this token pattern must start with: the first token's LOWER or
    LEMMA value(s). None when the pattern can start with any word."""
    if not tokens or not _is_required(tokens[0]):
        return None  # an optional first token: the match may start anywhere
    return _token_words(tokens[0])


def _word_bounds(s: str, a: int, b: int) -> tuple[int, int]:
    """Widen an alignment to whole words and trim spaces, so a fuzzy match never cuts a word."""
    while a > 0 and s[a - 1].isalnum() and s[a].isalnum():
        a -= 1
    while b < len(s) and b > 0 and s[b].isalnum() and s[b - 1].isalnum():
        b += 1
    while a < b and not s[a].isalnum():
        a += 1
    while b > a and not s[b - 1].isalnum():
        b -= 1
    return a, b


def _chunks(sentences: list[tuple[int, int]]):
    """Runs of whole sentences of at most CHUNK_CHARS (a longer sentence is a chunk of its own)."""
    start, end = sentences[0]
    for s, e in sentences[1:]:
        if e - start > CHUNK_CHARS:
            yield start, end
            start = s
        end = e
    yield start, end


def merge(hits: list[Hit]) -> list[Hit]:
    """All hits of one category in one sentence become one finding. Overlapping hits are joined
    into the union of their words; the finding is reported under the most severe hit (then
    exact before fuzzy, then longest), the other rules that fired are kept in ``merged`` and
    every matched word range in ``spans`` (so a reviewer sees all the words that fired)."""
    groups: dict[tuple[str, int], list[Hit]] = {}
    for h in hits:
        groups.setdefault((h.rule.category, h.sentence), []).append(h)
    merged = [_combine(group) for group in groups.values()]
    merged.sort(key=lambda h: (h.start, h.rule.category))
    return merged


def _rank(h: Hit) -> tuple:
    return (h.severity.rank, h.method != "fuzzy", h.score, h.end - h.start, h.rule.id)


def _combine(group: list[Hit]) -> Hit:
    if len(group) == 1:
        return group[0]
    best = max(group, key=_rank)
    # the words of the best hit, widened by every hit that overlaps it (transitively)
    start, end = best.start, best.end
    for h in sorted(group, key=lambda h: h.start):
        if h.start < end and h.end > start:
            start, end = min(start, h.start), max(end, h.end)
    others = tuple(sorted({h.rule.id for h in group} - {best.rule.id}))
    return Hit(
        best.rule,
        best.pattern,
        best.method,
        best.score,
        start,
        end,
        best.sentence,
        max(h.last_sentence for h in group),
        best.severity,
        others,
        _union(s for h in group for s in h.word_spans()),
    )


def _union(ranges) -> tuple[tuple[int, int], ...]:
    """Sorted, overlapping ranges joined: ((0, 5), (3, 9), (12, 14)) -> ((0, 9), (12, 14))."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)
