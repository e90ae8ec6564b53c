"""The fast matcher finds exactly what the plain one finds.

Token patterns run only on sentences that hold a word for every required token (``prefilter``);
without it, on every sentence that holds the pattern's first word, as before. The context regexes
check word boundaries in a form the regex engine can search quickly; the plain form is rebuilt
here. Both must give the same hits on every sample and a handful of real CUAD contracts.
"""

from __future__ import annotations

import re

import pytest
from conftest import CUAD, SAMPLES

from clausecheck.analysis import detect_kind
from clausecheck.matcher import RuleMatcher, fold, phrase_regex
from clausecheck.segmenter import segment

CUAD_TEXTS = ["cuad-001.txt", "cuad-009.txt", "cuad-020.txt", "cuad-028.txt", "cuad-050.txt"]
TEXTS = sorted(SAMPLES.glob("*.txt")) + [CUAD / "texts" / n for n in CUAD_TEXTS if (CUAD / "texts" / n).exists()]


@pytest.fixture(scope="module")
def plain(engine):
    return RuleMatcher(engine.rules, prefilter=False)


def _hits(matcher, text, rules):
    kind, _ = detect_kind(text, rules.kinds)
    return [
        (h.rule.id, h.pattern, h.method, h.start, h.end, h.severity)
        for h in matcher.raw_hits(text, segment(text), kind)
    ]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_when_token_patterns_are_prefiltered_then_the_hits_are_the_same(path, engine, plain):
    text = path.read_text(encoding="utf-8")
    fast = _hits(engine.matcher, text, engine.rules)
    assert fast, "a document without hits proves nothing"
    assert fast == _hits(plain, text, engine.rules)


def _plain_regex(phrases: list[str]) -> re.Pattern:
    def part(phrase):
        words = fold(phrase).split()
        head = r"(?<!\w)" if words[0][0].isalnum() or words[0][0] == "_" else ""
        tail = r"(?!\w)" if words[-1][-1].isalnum() or words[-1][-1] == "_" else ""
        return head + r"\s+".join(map(re.escape, words)) + tail

    return re.compile("|".join(sorted((part(p) for p in phrases if p.strip()), key=len, reverse=True)))


def test_context_regexes_match_where_the_plain_form_matches(engine):
    text = fold((SAMPLES / "msp-msa-car-dealership.txt").read_text(encoding="utf-8"))
    probes = [text[i : i + 400] for i in range(0, len(text), 400)] + ["xbest efforts", "a-best efforts-b", "$5"]
    lists = [c.rule.context.require_any for c in engine.matcher.compiled.values()]
    lists += [c.rule.context.exclude_any for c in engine.matcher.compiled.values()]
    lists += [a.when_any for c in engine.matcher.compiled.values() for a in c.rule.adjust]
    lists = [p for p in lists if any(x.strip() for x in p)]
    assert len(lists) > 50
    for phrases in lists:
        fast, slow = phrase_regex(phrases), _plain_regex(phrases)
        for probe in probes:
            a, b = fast.search(probe), slow.search(probe)
            assert (a and a.span()) == (b and b.span()), (phrases, probe)
