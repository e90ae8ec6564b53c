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

from .analysis import detect_kind, find_missing
from .errors import ErrorCode, ReadError
from .matcher import Hit, RuleMatcher, merge
from .model import Finding, ScanResult, Section, Severity
from .readers import DEFAULT_ENGINE, MAX_BYTES, Document, load_file, read_bytes
from .rules import RuleSet, load_rules
from .segmenter import Segments, segment
from .values import ValueExtractor


class Engine:
    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.matcher = RuleMatcher(rules)
        self.values = ValueExtractor(rules.values)

    def analyse(self, doc: Document, kind: str | None = None) -> tuple[str, list[str], Segments, list[Hit]]:
        segments = segment(doc.text)
        if kind is None:
            kind, evidence = detect_kind(doc.text, self.rules.kinds)
        else:
            evidence = ["given by the caller"]
        hits = merge(self.matcher.raw_hits(doc.text, segments, kind))
        return kind, evidence, segments, hits

    def findings(self, doc: Document, digest: str, segments: Segments, hits: list[Hit]) -> list[Finding]:
        out = []
        for h in hits:
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
                )
            )
        return out


def get_engine(patterns: str | Path | None = None) -> Engine:
    """The engine for a patterns folder (default: the bundled one), built once per process."""
    return _engine(str(patterns) if patterns else None)


@lru_cache(maxsize=4)
def _engine(patterns: str | None) -> Engine:
    return Engine(load_rules(patterns))


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
) -> ScanResult:
    """Scan one document. ``source`` is a path or the file's bytes (then ``name`` is used for
    the result's path and the extension check). Findings can be limited to ``categories`` and
    to ``min_severity`` or above; ``missing`` is computed on all findings. ``ocr``: read PDF pages
    that have no text layer with OCR when Tesseract is installed (findings there are marked)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    is_bytes = isinstance(source, bytes | bytearray)
    label = name or ("<bytes>" if is_bytes else str(source))
    rule_engine = get_engine(patterns)
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
    doc_kind, evidence, segments, hits = rule_engine.analyse(doc, kind)
    findings = rule_engine.findings(doc, digest, segments, hits)
    timings["match_ms"] = _ms(t1)
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
