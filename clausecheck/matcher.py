"""Rules to hits: spaCy PhraseMatcher/Matcher for exact patterns, rapidfuzz for fuzzy phrases.

The text is tokenised in chunks of whole sentences (spaCy's cost is linear; the chunks keep any
one Doc small). Every hit carries exact character offsets into the document text. Then each
hit's sentence is checked against the rule's context, its severity adjusted, and overlapping
hits of one category in one sentence merged into one.
"""

from __future__ import annotations

import re
import warnings
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from spacy.matcher import Matcher, PhraseMatcher

from .model import Severity
from .nlp import get_nlp
from .rules import Rule, RuleSet

CHUNK_CHARS = 100_000
NEGATION_WINDOW = 60
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\n": " ", "\r": " ", "\t": " ", "\f": " "})


def fold(text: str) -> str:
    """Lower-case with straight quotes and plain spaces, keeping the length (offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters (e.g. "İ") grow when lower-cased
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.translate(_QUOTES)


def phrase_regex(phrases: list[str]) -> re.Pattern | None:
    """A regex that finds any of the phrases as whole words in folded text."""
    if not phrases:
        return None
    parts = sorted((r"\s+".join(map(re.escape, fold(p).split())) for p in phrases), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


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


@dataclass(slots=True)
class _CompiledRule:
    rule: Rule
    require: re.Pattern | None
    exclude: re.Pattern | None
    exclude_before: re.Pattern | None
    adjust: list[tuple[re.Pattern, Severity]]


class RuleMatcher:
    """All patterns of a rule set, compiled once."""

    def __init__(self, ruleset: RuleSet):
        nlp = get_nlp()
        self.nlp = nlp
        self.ruleset = ruleset
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.tokens = Matcher(nlp.vocab)
        self.keys: dict[int, tuple[str, int]] = {}
        self.fuzzy: list[tuple[str, int, str, float]] = []
        self.compiled: dict[str, _CompiledRule] = {}
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
                self.tokens.add(key, [confine_wildcards(p.tokens)], greedy="LONGEST")
            else:
                self.fuzzy.append((rule.id, i, fold(p.fuzzy), p.min_score))

    # --- matching --------------------------------------------------------------------------

    def raw_hits(self, text: str, sentences: list[tuple[int, int]], kind: str = "unknown") -> list[Hit]:
        """Every pattern match that passes its rule's context, before merging."""
        if not sentences:
            return []
        starts = [s for s, _ in sentences]
        applicable = {rid for rid, c in self.compiled.items() if c.rule.applies(kind)}
        spans: list[tuple[str, int, str, float, int, int]] = []
        for cs, ce in _chunks(sentences):
            doc = self.nlp(text[cs:ce])
            mark_sentences(doc, [s - cs for s in starts[bisect_right(starts, cs) - 1 : bisect_right(starts, ce - 1)]])
            found = [(m, s, e, "phrase") for m, s, e in self.lower(doc)]
            found += [(m, s, e, "phrase") for m, s, e in self.lemma(doc)]
            found += [(m, s, e, "token") for m, s, e in self.tokens(doc)]
            for match_id, s, e, method in found:
                rid, idx = self.keys[match_id]
                if rid in applicable:
                    last = doc[e - 1]
                    spans.append((rid, idx, method, 1.0, cs + doc[s].idx, cs + last.idx + len(last)))
        spans += self._fuzzy(text, sentences, applicable)

        hits = []
        folded_cache: dict[int, str] = {}
        for rid, idx, method, score, start, end in spans:
            si = max(bisect_right(starts, start) - 1, 0)
            sj = max(bisect_right(starts, max(end - 1, start)) - 1, si)
            compiled = self.compiled[rid]
            if si not in folded_cache:
                folded_cache[si] = fold(text[sentences[si][0] : sentences[sj][1]])
            sent = folded_cache[si] if sj == si else fold(text[sentences[si][0] : sentences[sj][1]])
            if compiled.require and not compiled.require.search(sent):
                continue
            if compiled.exclude and compiled.exclude.search(sent):
                continue
            if compiled.exclude_before:
                before = fold(text[max(sentences[si][0], start - NEGATION_WINDOW) : start])
                if compiled.exclude_before.search(before):
                    continue
            severity = compiled.rule.severity
            for regex, sev in compiled.adjust:
                if regex.search(sent):
                    severity = sev
                    break
            hits.append(Hit(compiled.rule, idx, method, score, start, end, si, sj, severity))
        hits.sort(key=lambda h: (h.start, -h.end, h.rule.id))
        return hits

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


def confine_wildcards(tokens: list[dict]) -> list[dict]:
    """A token that matches anything (only an OP) may not start a new sentence, so that a gap
    like ``{OP: "{0,30}"}`` stays inside one sentence."""
    return [dict(t, IS_SENT_START=False) if set(t) <= {"OP"} else t for t in tokens]


def mark_sentences(doc, starts: list[int]) -> None:
    """Set ``is_sent_start`` on ``doc`` from sentence start offsets (relative to the doc)."""
    if not len(doc):
        return
    idx = doc.to_array("IDX").astype(np.int64)
    first = np.searchsorted(idx, np.asarray(starts, dtype=np.int64))
    flags = np.full(len(doc), -1, dtype=np.int64)
    flags[first[first < len(doc)]] = 1
    flags[0] = 1
    doc.from_array(["SENT_START"], flags.astype(np.uint64))


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
    """Overlapping hits of one category in one sentence become one hit: the union of their words,
    reported under the most severe (then exact before fuzzy, then longest) rule."""
    groups: dict[tuple[str, int], list[Hit]] = {}
    for h in hits:
        groups.setdefault((h.rule.category, h.sentence), []).append(h)
    merged: list[Hit] = []
    for group in groups.values():
        group.sort(key=lambda h: h.start)
        cluster = [group[0]]
        end = group[0].end
        for h in group[1:]:
            if h.start < end:
                cluster.append(h)
                end = max(end, h.end)
            else:
                merged.append(_combine(cluster))
                cluster, end = [h], h.end
        merged.append(_combine(cluster))
    merged.sort(key=lambda h: (h.start, h.rule.category))
    return merged


def _combine(cluster: list[Hit]) -> Hit:
    if len(cluster) == 1:
        return cluster[0]
    best = max(cluster, key=lambda h: (h.severity.rank, h.method != "fuzzy", h.score, h.end - h.start, h.rule.id))
    others = tuple(sorted({h.rule.id for h in cluster} - {best.rule.id}))
    return Hit(
        best.rule, best.pattern, best.method, best.score,
        min(h.start for h in cluster), max(h.end for h in cluster),
        best.sentence, max(h.last_sentence for h in cluster), best.severity, others,
    )
