"""Version diff: align the clauses of two versions of a document and report the clauses added,
removed, changed and renumbered, and the findings that appear, disappear or change severity.

Units are the segmenter's clauses; a clause longer than ``MAX_UNIT`` characters (poor or no
numbering) is split into its sentences. Units are compared without their numbering, so a
renumbered clause still aligns. Alignment: identical text first (a hash lookup), then
``rapidfuzz.process.cdist`` on the rest, pairs taken best first down to ``threshold``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, computed_field
from rapidfuzz import fuzz, process

from .errors import ReadError
from .model import Finding, ScanResult, Severity
from .readers import DEFAULT_ENGINE, Document, load_file, read_bytes
from .scanner import scan
from .segmenter import _NUMBERING, segment

DIFF_SCHEMA_VERSION = "1.0"
MAX_UNIT = 1500
DEFAULT_THRESHOLD = 60.0


@dataclass(frozen=True, slots=True)
class Unit:
    start: int
    end: int
    number: str | None
    section: str
    key: str  # the text without its numbering, white space collapsed, lower case


class WordEdit(BaseModel):
    op: Literal["replace", "delete", "insert"]
    old: str = ""
    new: str = ""


class ClauseChange(BaseModel):
    status: Literal["added", "removed", "changed", "renumbered"]
    old_section: str | None = None
    new_section: str | None = None
    old_text: str | None = None
    new_text: str | None = None
    similarity: float | None = Field(default=None, description="rapidfuzz ratio of the texts without numbering")
    edits: list[WordEdit] = Field(default_factory=list, description="word-level changes (changed clauses)")

    @computed_field
    @property
    def summary(self) -> str:
        """The word-level change in one line: replaced "a" with "b"; inserted "c"; deleted "d"."""
        parts = []
        for e in self.edits:
            if e.op == "replace":
                parts.append(f'replaced "{e.old}" with "{e.new}"')
            elif e.op == "insert":
                parts.append(f'inserted "{e.new}"')
            else:
                parts.append(f'deleted "{e.old}"')
        return "; ".join(parts)


class FindingChange(BaseModel):
    change: Literal["appeared", "disappeared", "severity-changed"]
    category: str
    rule_id: str
    title: str
    old_severity: Severity | None = None
    new_severity: Severity | None = None
    section: str
    text: str
    finding_id: str


class VersionInfo(BaseModel):
    path: str
    sha256: str | None = None
    kind: str = "unknown"
    clauses: int = 0


class DocumentDiff(BaseModel):
    schema_version: str = DIFF_SCHEMA_VERSION
    old: VersionInfo
    new: VersionInfo
    threshold: float
    unchanged: int = Field(description="clauses identical apart from white space and numbering position")
    clauses: list[ClauseChange]
    findings: list[FindingChange]

    def counts(self) -> dict[str, int]:
        out = {s: sum(1 for c in self.clauses if c.status == s) for s in ("added", "removed", "changed", "renumbered")}
        out |= {
            c: sum(1 for f in self.findings if f.change == c) for c in ("appeared", "disappeared", "severity-changed")
        }
        return out


def units(text: str) -> list[Unit]:
    """The clauses of ``text`` (long ones split into sentences), with their comparison keys."""
    segs = segment(text)
    bounds: list[tuple[int, int]] = []
    first = segs.clauses[0].start if segs.clauses else len(text)
    spans = ([(0, first)] if text[:first].strip() else []) + [(c.start, c.end) for c in segs.clauses]
    for s, e in spans:
        if e - s > MAX_UNIT:
            bounds += [(a, b) for a, b in segs.sentences if s <= a < e]
        else:
            bounds.append((s, e))
    out = []
    for s, e in bounds:
        raw = text[s:e].strip()
        if not raw:
            continue
        clause = segs.clause_at(s)
        number = clause.number if clause and clause.start == s else None
        m = _NUMBERING.match(raw) if number else None
        body = raw[m.end() :] if m else raw
        section = clause.section().label() if clause else ""
        out.append(Unit(s, e, number, section, " ".join(_QUOTES.sub(_quote, body).lower().split())))
    return out


_QUOTES = re.compile("[“”‘’]")


def _quote(m: re.Match) -> str:
    return '"' if m.group(0) in "“”" else "'"


def align(old: list[Unit], new: list[Unit], threshold: float = DEFAULT_THRESHOLD) -> list[tuple[int, int, float]]:
    """Pairs ``(old index, new index, similarity)``: identical keys first, in order, then the most
    similar of the rest (rapidfuzz ratio at or above ``threshold``), best first."""
    pairs: list[tuple[int, int, float]] = []
    by_key: dict[str, list[int]] = {}
    for i, u in enumerate(old):
        by_key.setdefault(u.key, []).append(i)
    rest_new = []
    for j, u in enumerate(new):
        if by_key.get(u.key):
            pairs.append((by_key[u.key].pop(0), j, 100.0))
        else:
            rest_new.append(j)
    used = {i for i, _, _ in pairs}
    rest_old = [i for i in range(len(old)) if i not in used]
    if rest_old and rest_new:
        scores = process.cdist(
            [new[j].key for j in rest_new],
            [old[i].key for i in rest_old],
            scorer=fuzz.ratio,
            score_cutoff=threshold,
            dtype=np.float32,
        )
        rows, cols = np.nonzero(scores >= threshold)
        order = sorted(zip(rows, cols, strict=True), key=lambda rc: (-scores[rc], abs(int(rc[0]) - int(rc[1]))))
        taken_new: set[int] = set()
        taken_old: set[int] = set()
        for r, c in order:
            if r in taken_new or c in taken_old:
                continue
            taken_new.add(r)
            taken_old.add(c)
            pairs.append((rest_old[c], rest_new[r], round(float(scores[r, c]), 1)))
    return sorted(pairs, key=lambda p: p[1])


def word_edits(old: str, new: str) -> list[WordEdit]:
    a, b = old.split(), new.split()
    return [
        WordEdit(op=op, old=" ".join(a[i1:i2]), new=" ".join(b[j1:j2]))
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if op != "equal"
    ]


def diff_texts(
    old_text: str,
    new_text: str,
    old_result: ScanResult,
    new_result: ScanResult,
    threshold: float = DEFAULT_THRESHOLD,
) -> DocumentDiff:
    """Diff two versions given their texts and scan results (the findings' offsets index the texts)."""
    old_units, new_units = units(old_text), units(new_text)
    pairs = align(old_units, new_units, threshold)
    old_by_unit = _findings_by_unit(old_units, old_result.findings)
    new_by_unit = _findings_by_unit(new_units, new_result.findings)
    # (position in the new version, clause change or None, finding changes); a removed clause
    # sits just after the new place of the old clause before it
    entries: list[tuple[float, ClauseChange | None, list[FindingChange]]] = []
    new_of_old = {i: j for i, j, _ in pairs}
    for i, j, score in pairs:
        ou, nu = old_units[i], new_units[j]
        change = None
        if ou.key != nu.key:
            o_body, n_body = _body(old_text, ou), _body(new_text, nu)
            change = ClauseChange(
                status="changed",
                old_section=ou.section,
                new_section=nu.section,
                old_text=o_body,
                new_text=n_body,
                similarity=score,
                edits=word_edits(o_body, n_body),
            )
        elif ou.number != nu.number and ou.number and nu.number:
            change = ClauseChange(status="renumbered", old_section=ou.section, new_section=nu.section)
        entries.append((j, change, _finding_changes(old_by_unit.get(i, []), new_by_unit.get(j, []))))
    last = -1
    for i, u in enumerate(old_units):
        if i in new_of_old:
            last = new_of_old[i]
            continue
        removed = ClauseChange(status="removed", old_section=u.section, old_text=_body(old_text, u))
        entries.append((last + 0.5, removed, _finding_changes(old_by_unit.get(i, []), [])))
    matched_new = set(new_of_old.values())
    for j, u in enumerate(new_units):
        if j not in matched_new:
            added = ClauseChange(status="added", new_section=u.section, new_text=_body(new_text, u))
            entries.append((j, added, _finding_changes([], new_by_unit.get(j, []))))
    entries.sort(key=lambda e: e[0])
    return DocumentDiff(
        old=_info(old_result, len(old_units)),
        new=_info(new_result, len(new_units)),
        threshold=threshold,
        unchanged=sum(1 for _, change, _ in entries if change is None),
        clauses=[change for _, change, _ in entries if change is not None],
        findings=[f for _, _, changes in entries for f in changes],
    )


def _info(result: ScanResult, n: int) -> VersionInfo:
    return VersionInfo(path=result.path, sha256=result.sha256, kind=result.kind, clauses=n)


def _body(text: str, u: Unit) -> str:
    return " ".join(text[u.start : u.end].split())


def _findings_by_unit(us: list[Unit], findings: list[Finding]) -> dict[int, list[Finding]]:
    starts = [u.start for u in us]
    out: dict[int, list[Finding]] = {}
    for f in findings:
        i = int(np.searchsorted(starts, f.start, side="right")) - 1
        if i >= 0 and f.start < us[i].end:
            out.setdefault(i, []).append(f)
    return out


def _worst(findings: list[Finding]) -> dict[str, Finding]:
    """Per category, the most severe finding."""
    out: dict[str, Finding] = {}
    for f in findings:
        if f.category not in out or f.severity.rank > out[f.category].severity.rank:
            out[f.category] = f
    return out


def _finding_changes(old: list[Finding], new: list[Finding]) -> list[FindingChange]:
    """Findings of an aligned pair of clauses compared by category."""
    o, n = _worst(old), _worst(new)
    out = []
    for cat in [*o, *(c for c in n if c not in o)]:
        before, after = o.get(cat), n.get(cat)
        if before and after and before.severity == after.severity:
            continue
        change = "appeared" if before is None else "disappeared" if after is None else "severity-changed"
        f = after or before
        out.append(
            FindingChange(
                change=change,
                category=cat,
                rule_id=f.rule_id,
                title=f.title,
                old_severity=before.severity if before else None,
                new_severity=after.severity if after else None,
                section=f.section.label(),
                text=" ".join(f.clause_text.split()),
                finding_id=f.id,
            )
        )
    return out


def read_version(
    source: str | Path | bytes, *, name: str | None = None, engine: str = DEFAULT_ENGINE, **scan_options
) -> tuple[Document | None, ScanResult]:
    """The document and its scan result, for a path or for the file's bytes with its ``name``
    (as :func:`clausecheck.scan`); the document is ``None`` when the file cannot be read (the
    result then says why)."""
    result = scan(source, name=name, engine=engine, **scan_options)
    if not result.ok:
        return None, result
    is_bytes = isinstance(source, bytes | bytearray)
    try:
        data = bytes(source) if is_bytes else load_file(source)
        return read_bytes(data, name or ("" if is_bytes else Path(source).name), engine), result
    except ReadError as exc:  # changed on disk since the scan
        return None, result.model_copy(update={"error": exc.message, "error_code": exc.code.value})


def diff_files(
    old: str | Path, new: str | Path, *, threshold: float = DEFAULT_THRESHOLD, **scan_options
) -> DocumentDiff:
    """Diff two files. Raises ``ValueError`` naming the file that could not be read."""
    versions = []
    for path in (old, new):
        doc, result = read_version(path, **scan_options)
        if doc is None:
            raise ValueError(f"could not read {path}: {result.error}")
        versions.append((doc, result))
    (old_doc, old_result), (new_doc, new_result) = versions
    return diff_texts(old_doc.text, new_doc.text, old_result, new_result, threshold)
