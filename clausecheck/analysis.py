"""After matching: what kind of document this is, and which expected clauses it lacks."""

from __future__ import annotations

from .matcher import fold
from .model import Finding, MissingClause
from .rules import KindsFile, RuleSet

KIND_SAMPLE_CHARS = 60_000  # the opening of a document says what it is


def _contains(haystack: str, phrase: str) -> bool:
    """Is ``phrase`` in ``haystack`` as whole words? (str.find: much faster than a regex here)"""
    start = haystack.find(phrase)
    while start != -1:
        end = start + len(phrase)
        if (start == 0 or not haystack[start - 1].isalnum()) and (end == len(haystack) or not haystack[end].isalnum()):
            return True
        start = haystack.find(phrase, start + 1)
    return False


def detect_kind(text: str, kinds: KindsFile) -> tuple[str, list[str]]:
    """``(kind, evidence)``: the kind whose indicator phrases weigh most in the document's
    opening, if they reach ``kinds.min_score`` and beat the runner-up by half again; else
    ``unknown``."""
    sample = " ".join(fold(text[:KIND_SAMPLE_CHARS]).split())
    scored = []
    for spec in kinds.kinds:
        found = [(i.phrase, i.weight) for i in spec.indicators if _contains(sample, " ".join(fold(i.phrase).split()))]
        scored.append((sum(w for _, w in found), spec.kind, [p for p, _ in found]))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < kinds.min_score or (len(scored) > 1 and scored[0][0] < 1.5 * scored[1][0]):
        evidence = [f"{k}: {', '.join(p) or 'no indicators'} (score {s:g})" for s, k, p in scored]
        return "unknown", evidence
    score, kind, phrases = scored[0]
    return kind, [f"{kind} indicators (score {score:g}): {', '.join(phrases)}"]


def find_missing(findings: list[Finding], kind: str, rules: RuleSet) -> list[MissingClause]:
    """Expected categories (expectations.yaml) for which the document has no finding."""
    if kind not in ("contract", "policy", "application"):
        return []
    present = {f.category for f in findings}
    return [
        MissingClause(
            category=e.category, severity=e.severity, explanation=e.explanation, recommendation=e.recommendation
        )
        for e in getattr(rules.expectations, kind)
        if e.category not in present
    ]
