"""Precision and recall of the rules against labelled documents.

Labels are JSON Lines: ``{"file" | "doc", "category", "start", "end", "text"}`` with character
offsets into the document's text. ``file`` names a file in the documents folder;
``doc`` names an entry of the folder's ``docs.jsonl`` (the CUAD layout). A label map (``--map``)
turns foreign category names into groups of clausecheck categories.

Counting (per category, or per mapped group):
- recall: a gold span is found when the matched words of a finding of the category overlap it
  (every rule that fired on the sentence counts: ``Finding.spans``);
- precision: a finding is correct when it overlaps a gold span of its category; findings of the
  category on the same sentence count once (several rules on one sentence are one flag);
- document level: does the document contain the category at all, and was it flagged.
Documents without any label of a category are negatives for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .model import Finding, ScanResult
from .rules import DEFAULT_PATTERNS

LABEL_MAPS = DEFAULT_PATTERNS / "label-maps"


@dataclass(frozen=True, slots=True)
class Gold:
    doc: str
    category: str  # the label's category (a taxonomy id, or a foreign name when mapped)
    start: int
    end: int
    text: str


@dataclass(slots=True)
class CategoryScore:
    category: str
    accepts: tuple[str, ...]  # clausecheck categories that count for it
    gold: int = 0
    found: int = 0
    flags: int = 0
    correct: int = 0
    docs_gold: int = 0
    docs_flagged: int = 0
    docs_both: int = 0
    misses: list[tuple[str, str]] = field(default_factory=list)  # (doc, gold text)
    false_flags: list[tuple[str, str, str]] = field(default_factory=list)  # (doc, rule id, sentence)

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    @property
    def recall(self) -> float | None:
        return self._ratio(self.found, self.gold)

    @property
    def precision(self) -> float | None:
        return self._ratio(self.correct, self.flags)

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return round(2 * p * r / (p + r), 4) if p and r else (0.0 if p is not None and r is not None else None)

    @property
    def doc_recall(self) -> float | None:
        return self._ratio(self.docs_both, self.docs_gold)

    @property
    def doc_precision(self) -> float | None:
        return self._ratio(self.docs_both, self.docs_flagged)

    def as_dict(self) -> dict:
        return {
            "category": self.category,
            "accepts": list(self.accepts),
            "gold": self.gold,
            "found": self.found,
            "recall": self.recall,
            "flags": self.flags,
            "correct": self.correct,
            "precision": self.precision,
            "f1": self.f1,
            "docs_gold": self.docs_gold,
            "docs_flagged": self.docs_flagged,
            "doc_recall": self.doc_recall,
            "doc_precision": self.doc_precision,
        }


@dataclass(slots=True)
class Evaluation:
    scores: dict[str, CategoryScore]
    documents: int
    errors: list[tuple[str, str]]  # (doc, error) for documents that could not be scanned

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "errors": [{"doc": d, "error": e} for d, e in self.errors],
            "categories": [s.as_dict() for s in self.scores.values()],
        }


def load_label_map(name_or_path: str | None) -> dict[str, tuple[str, ...]] | None:
    if not name_or_path:
        return None
    path = Path(name_or_path)
    if not path.exists():
        path = LABEL_MAPS / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in LABEL_MAPS.glob("*.yaml")))
        raise ValueError(f"no label map {name_or_path!r} (known: {known})")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): tuple(v) for k, v in data.items()}


def load_labels(path: Path) -> list[Gold]:
    """Labels from a JSON Lines file, or from every ``*.jsonl`` file of a folder (one per document)."""
    path = Path(path)
    if path.is_dir():
        return [g for f in sorted(path.glob("*.jsonl")) for g in load_labels(f)]
    gold = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            gold.append(
                Gold(d.get("file") or d["doc"], d["category"], int(d["start"]), int(d["end"]), d.get("text", ""))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a label line ({exc})") from None
    return gold


def resolve_documents(docs_dir: Path, gold: list[Gold]) -> dict[str, Path]:
    """Document name -> file: from ``docs.jsonl`` when the folder has one (every listed
    document is evaluated, labelled or not), else the labelled file names in the folder."""
    index = docs_dir / "docs.jsonl"
    if index.exists():
        out = {}
        for line in index.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out[d["doc"]] = docs_dir / d["text"]
        return out
    return {g.doc: docs_dir / g.doc for g in gold}


def _overlaps(f: Finding, g: Gold) -> bool:
    """Do any of the finding's matched words (``spans``) fall inside the gold span?"""
    return any(s < g.end and e > g.start for s, e in f.spans or [(f.start, f.end)])


def evaluate(
    docs_dir: str | Path,
    labels: str | Path,
    label_map: dict[str, tuple[str, ...]] | None = None,
    scan_fn: Callable[[Path], ScanResult] | None = None,
    on_result: Callable[[str, ScanResult], None] | None = None,
    only: Callable[[str], bool] | None = None,
) -> Evaluation:
    """Scan the labelled documents (``only``: those whose name it accepts) and score the findings."""
    from .scanner import scan

    docs_dir, labels = Path(docs_dir), Path(labels)
    gold = load_labels(labels)
    if label_map is not None:
        gold = [g for g in gold if g.category in label_map]
        groups = dict(label_map)
    else:
        groups = {c: (c,) for c in sorted({g.category for g in gold})}
    documents = resolve_documents(docs_dir, gold)
    if only is not None:
        documents = {name: path for name, path in documents.items() if only(name)}
    by_doc: dict[str, list[Gold]] = {}
    for g in gold:
        by_doc.setdefault(g.doc, []).append(g)
    scores = {name: CategoryScore(name, accepts) for name, accepts in groups.items()}
    errors = []
    scan_fn = scan_fn or scan
    for name, path in sorted(documents.items()):
        result = scan_fn(path)
        if on_result:
            on_result(name, result)
        if result.error:
            errors.append((name, result.error))
            continue
        doc_gold = by_doc.get(name, [])
        for cat, score in scores.items():
            spans = [g for g in doc_gold if g.category == cat]
            findings = [f for f in result.findings if f.category in score.accepts]
            score.gold += len(spans)
            for g in spans:
                if any(_overlaps(f, g) for f in findings):
                    score.found += 1
                else:
                    score.misses.append((name, g.text))
            seen: dict[tuple[int, int], bool] = {}
            for f in findings:
                key = (f.clause_start, f.clause_end)
                hit = any(_overlaps(f, g) for g in spans)
                if key in seen:
                    if hit and not seen[key]:  # a later rule on the same sentence is right
                        seen[key] = True
                        score.correct += 1
                        score.false_flags = [x for x in score.false_flags if (x[0], x[2]) != (name, f.clause_text)]
                    continue
                seen[key] = hit
                score.flags += 1
                if hit:
                    score.correct += 1
                else:
                    score.false_flags.append((name, f.rule_id, f.clause_text))
            score.docs_gold += bool(spans)
            score.docs_flagged += bool(findings)
            score.docs_both += bool(spans) and bool(findings)
    return Evaluation(scores, len(documents), errors)


VALUE_KEYS = ("file", "type", "start", "end", "text")


def evaluate_values(docs_dir: str | Path, labels: str | Path, scan_fn) -> dict:
    """Labelled figures (``values.jsonl``: file, type, start, end, text and the normalised fields)
    against ``ScanResult.values``. A label is found when a value of its type overlaps it and every
    normalised field of the label is equal; ``misses`` lists the others."""
    docs_dir = Path(docs_dir)
    gold = [json.loads(line) for line in Path(labels).read_text(encoding="utf-8").splitlines() if line.strip()]
    results = {name: scan_fn(docs_dir / name) for name in sorted({g["file"] for g in gold})}
    found, misses = 0, []
    for g in gold:
        fields = {k: v for k, v in g.items() if k not in VALUE_KEYS}
        if any(
            v.type == g["type"]
            and v.start < g["end"]
            and g["start"] < v.end
            and all(getattr(v, k) == want for k, want in fields.items())
            for v in results[g["file"]].values
        ):
            found += 1
        else:
            misses.append(g)
    extracted = sum(len(r.values) for r in results.values())
    return {
        "labels": len(gold),
        "found": found,
        "recall": found / len(gold) if gold else None,
        "extracted": extracted,
        "misses": misses,
    }
