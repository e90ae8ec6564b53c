"""``scan()``: one file (path or bytes) to one :class:`ScanResult`, through the named steps
read → segment → detect kind → match → merge → findings → missing clauses → extracted values.

The engine (rules and spaCy pipeline) is built once per process and per patterns folder.
A file that cannot be read gives a ScanResult with ``error`` set; ``scan`` never raises for
bad input. A bad rule file raises :class:`RuleError` (it is the caller's configuration).
"""

from __future__ import annotations

import hashlib
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from .analysis import detect_kind, find_missing
from .classifier import Scored, SentenceClassifier, load_classifier
from .errors import ErrorCode, ReadError
from .matcher import Hit, RuleMatcher, merge
from .model import Finding, ScanResult, Section, Severity
from .readers import DEFAULT_ENGINE, MAX_BYTES, Document, load_file, read_bytes
from .rules import Rule, RuleSet, load_rules
from .segmenter import Segments, segment
from .values import ValueExtractor


class Engine:
    def __init__(self, rules: RuleSet, classifier: SentenceClassifier | None = None):
        self.rules = rules
        self.matcher = RuleMatcher(rules)
        self.values = ValueExtractor(rules.values)
        self.classifier = classifier
        self._first_rule: dict[str, Rule] = {}
        for r in rules.rules:
            self._first_rule.setdefault(r.category, r)

    def analyse(
        self, doc: Document, kind: str | None = None, chunk_docs: list | None = None
    ) -> tuple[str, list[str], Segments, list[Hit]]:
        segments = segment(doc.text)
        if kind is None:
            kind, evidence = detect_kind(doc.text, self.rules.kinds)
        else:
            evidence = ["given by the caller"]
        hits = merge(self.matcher.raw_hits(doc.text, segments, kind, chunk_docs))
        return kind, evidence, segments, hits

    def findings(
        self,
        doc: Document,
        digest: str,
        segments: Segments,
        hits: list[Hit],
        scored: list[Scored] | None = None,
        kind: str = "unknown",
    ) -> list[Finding]:
        """Findings of the rules' hits and, with the classifier's ``scored`` sentences, its
        findings on sentences no rule of the category flagged (``source: "model"``)."""
        rows = {s.sentence: s.scores for s in scored or ()}
        column = self.classifier.column if self.classifier else {}
        vetoes = self.classifier.vetoes if self.classifier and scored else {}
        out = []
        for h in hits:
            p = _probability(rows, column, h.sentence, h.rule.category)
            if p is not None and p < vetoes.get(h.rule.category, 0.0):
                continue  # the classifier vetoes this rule's hit (chosen where that raised held-out F1)
            cs, ce = segments.sentences[h.sentence][0], segments.sentences[h.last_sentence][1]
            clause = segments.clause_at(h.start)
            section = clause.section() if clause else None
            out.append(
                Finding(
                    id=hashlib.sha256(f"{h.rule.id}:{digest}:{h.start}:{h.end}".encode()).hexdigest()[:16],
                    rule_id=h.rule.id,
                    category=h.rule.category,
                    severity=h.severity,
                    title=h.rule.title,
                    start=h.start,
                    end=h.end,
                    text=doc.text[h.start : h.end],
                    clause_start=cs,
                    clause_end=ce,
                    clause_text=doc.text[cs:ce],
                    page=doc.page_at(h.start),
                    section=section or Section(),
                    method=h.method,
                    pattern=h.pattern,
                    score=h.score,
                    explanation=h.rule.explanation.strip(),
                    recommendation=h.rule.recommendation.strip(),
                    merged_rule_ids=list(h.merged),
                    spans=list(h.word_spans()),
                    ocr=doc.ocr_at(h.start),
                    model_score=p,
                )
            )
        if scored and self.classifier:
            out += self._model_findings(doc, digest, segments, hits, scored, kind)
            out.sort(key=lambda f: (f.start, f.category))
        return out

    def _model_findings(self, doc, digest, segments, hits, scored, kind) -> list[Finding]:
        clf = self.classifier
        family = "policy" if kind == "application" else kind
        flagged = {(i, h.rule.category) for h in hits for i in range(h.sentence, h.last_sentence + 1)}
        used = [
            (c, t)
            for c, t in clf.thresholds.items()
            if c in self.rules.categories
            and c in self._first_rule
            and (family == "unknown" or family in self.rules.categories[c].kinds)
        ]
        if not used or not scored:
            return []
        matrix = np.stack([s.scores for s in scored])[:, [clf.column[c] for c, _ in used]]
        out = []
        for n, k in zip(*np.nonzero(matrix >= np.array([t for _, t in used], dtype=matrix.dtype)), strict=True):
            s, (category, _) = scored[n], used[k]
            p = float(matrix[n, k])
            cat, rule = self.rules.categories[category], self._first_rule[category]
            if (s.sentence, category) in flagged:
                continue
            cs, ce = segments.sentences[s.sentence]
            clause = segments.clause_at(cs)
            words = ", ".join(f'"{w}"' for w in clf.weighty_words(s.keys, category, self.matcher.nlp.vocab.strings))
            out.append(
                Finding(
                    id=hashlib.sha256(f"model:{category}:{digest}:{cs}:{ce}".encode()).hexdigest()[:16],
                    rule_id=f"model:{category}",
                    category=category,
                    severity=rule.severity,
                    title=f"Possible {cat.name.lower()} clause",
                    start=cs,
                    end=ce,
                    text=doc.text[cs:ce],
                    clause_start=cs,
                    clause_end=ce,
                    clause_text=doc.text[cs:ce],
                    page=doc.page_at(cs),
                    section=(clause.section() if clause else None) or Section(),
                    method="model",
                    pattern=0,
                    score=round(p, 4),
                    explanation=(
                        f"Possibly a {cat.name.lower()} clause ({cat.description}): no rule matched it, but the "
                        f"trained sentence classifier scores it {p:.2f} for this category"
                        + (f"; the words that weighed most were {words}." if words else ".")
                        + " Read it and accept or dismiss it."
                    ),
                    recommendation=rule.recommendation.strip(),
                    spans=[(cs, ce)],
                    ocr=doc.ocr_at(cs),
                    source="model",
                    model_score=round(p, 4),
                )
            )
        return out


def _probability(rows: dict, column: dict[str, int], sentence: int, category: str) -> float | None:
    row = rows.get(sentence)
    if row is None or category not in column:
        return None
    return round(float(row[column[category]]), 4)


def get_engine(patterns: str | Path | None = None, model: str | Path | bool = True) -> Engine:
    """The engine for a patterns folder (default: the bundled one), built once per process.
    ``model``: True for the shipped sentence classifier (when its file is there), False for none,
    or the path of a model file."""
    return _engine(str(patterns) if patterns else None, model if isinstance(model, bool) else str(model))


@lru_cache(maxsize=8)
def _engine(patterns: str | None, model: str | bool) -> Engine:
    classifier = None
    if model is not False:
        classifier = load_classifier(None if model is True else model)
    return Engine(load_rules(patterns), classifier)


get_engine.cache_clear = _engine.cache_clear  # type: ignore[attr-defined]


def scan(
    source: str | Path | bytes,
    *,
    name: str | None = None,
    engine: str = DEFAULT_ENGINE,
    kind: str | None = None,
    categories: set[str] | None = None,
    min_severity: Severity | str | None = None,
    patterns: str | Path | None = None,
    max_bytes: int = MAX_BYTES,
    ocr: bool = True,
    model: str | Path | bool = True,
) -> ScanResult:
    """Scan one document. ``source`` is a path or the file's bytes (then ``name`` is used for
    the result's path and the extension check). Findings can be limited to ``categories`` and
    to ``min_severity`` or above; ``missing`` is computed on all findings. ``ocr``: read PDF pages
    that have no text layer with OCR when Tesseract is installed (findings there are marked).
    ``model``: add the trained classifier's findings ("possible" clauses) and scores (False: rules
    only; a path: that model file)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    is_bytes = isinstance(source, bytes | bytearray)
    label = name or ("<bytes>" if is_bytes else str(source))
    rule_engine = get_engine(patterns, model)
    data = b""
    try:
        data = bytes(source) if is_bytes else load_file(source, max_bytes)
        try:
            doc = read_bytes(data, name or ("" if is_bytes else Path(source).name), engine, max_bytes, ocr)
        except ReadError:
            raise
        except Exception as exc:  # a reader bug must not end a batch; say what happened
            raise ReadError(ErrorCode.INTERNAL, f"internal error while reading: {type(exc).__name__}: {exc}") from exc
    except ReadError as exc:
        return ScanResult(
            path=label,
            sha256=hashlib.sha256(data).hexdigest() if data else None,
            error=exc.message,
            error_code=exc.code.value,
            timings={"total_ms": _ms(t0)},
        )
    digest = hashlib.sha256(data).hexdigest()
    timings["read_ms"] = _ms(t0)

    t1 = time.perf_counter()
    chunks: list | None = [] if rule_engine.classifier else None
    doc_kind, evidence, segments, hits = rule_engine.analyse(doc, kind, chunks)
    timings["match_ms"] = _ms(t1)
    scored = None
    if chunks is not None:
        t2 = time.perf_counter()
        scored = rule_engine.classifier.score(segments.sentences, segments.headings, chunks)
        timings["model_ms"] = _ms(t2)
    findings = rule_engine.findings(doc, digest, segments, hits, scored, doc_kind)
    missing = find_missing(findings, doc_kind, rule_engine.rules)
    values = rule_engine.values.extract(doc.text, doc_kind, findings)
    timings["total_ms"] = _ms(t0)
    result = ScanResult(
        path=label,
        sha256=digest,
        format=doc.format,
        kind=doc_kind,
        kind_evidence=evidence,
        pages=len(doc.pages),
        chars=len(doc.text),
        findings=findings,
        missing=missing,
        values=values,
        warnings=doc.warnings,
        timings=timings,
    )
    return select_findings(result, categories, min_severity)


def select_findings(
    result: ScanResult, categories: set[str] | None = None, min_severity: Severity | str | None = None
) -> ScanResult:
    """The result with only the findings in ``categories`` and at or above ``min_severity``
    and the values extracted from them (``missing`` is left as computed on all findings)."""
    findings = result.findings
    if categories:
        findings = [f for f in findings if f.category in categories]
    if min_severity:
        floor = Severity(min_severity).rank
        findings = [f for f in findings if f.severity.rank >= floor]
    if findings is result.findings:
        return result
    kept = {f.id for f in findings}  # keep only the values whose finding is reported
    values = [v for v in result.values if v.finding_id is None or v.finding_id in kept]
    return result.model_copy(update={"findings": findings, "values": values})


def _ms(t: float) -> float:
    return round((time.perf_counter() - t) * 1000, 1)
