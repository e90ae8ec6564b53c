"""Run every rule's own ``examples``: each ``match`` sentence must make the rule fire, each
``no_match`` sentence must not. Used by ``clausecheck rules test`` and the test suite."""

from __future__ import annotations

from dataclasses import dataclass

from .matcher import RuleMatcher
from .rules import Rule
from .segmenter import segment


@dataclass(frozen=True, slots=True)
class ExampleResult:
    rule_id: str
    expected: bool  # True for a match example
    text: str
    fired: bool

    @property
    def passed(self) -> bool:
        return self.fired == self.expected


def rule_fires(matcher: RuleMatcher, rule: Rule, text: str) -> bool:
    kind = "unknown" if rule.applies_to == "both" else rule.applies_to
    hits = matcher.raw_hits(text, segment(text), kind)
    return any(h.rule.id == rule.id for h in hits)


def run_examples(matcher: RuleMatcher, rules: list[Rule] | None = None) -> list[ExampleResult]:
    results = []
    for rule in rules if rules is not None else matcher.ruleset.rules:
        for expected, texts in ((True, rule.examples.match), (False, rule.examples.no_match)):
            for text in texts:
                results.append(ExampleResult(rule.id, expected, text, rule_fires(matcher, rule, text)))
    return results
