"""Review exports (CSV, JSON, a review memo in Markdown and HTML) and the HTML that shows a
clause with its matched words marked.

Every export takes the scan results with, for each document, the reviewer's decisions by
finding id (``ReviewStore.attach``). Contract text is always escaped: HTML with
:func:`html.escape`, Markdown with :func:`clausecheck.report.md_escape`, CSV cells with
:func:`clausecheck.report.safe_cell` (formula injection).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape

from . import __version__
from .model import SCHEMA_VERSION, Finding, ScanResult, Severity
from .report import CSV_FIELDS, csv_rows, md_escape, origin, write_csv
from .store import OPEN, STATUS_LABELS, Decision, ReviewStore

STORE_TABLES = ("decisions", "audit")
DECISION_FIELDS = [
    "doc_sha256",
    "finding_id",
    "status",
    "comment",
    "reviewer",
    "updated_at",
    "rule_id",
    "category",
    "clause_start",
    "clause_end",
    "clause_text",
]
AUDIT_FIELDS = ["id", "at", "reviewer", "doc_sha256", "finding_id", "action", "old", "new"]
Reviewed = Sequence[tuple[ScanResult, Mapping[str, Decision]]]
REVIEW_FIELDS = ["review_status", "review_comment", "reviewer", "reviewed_at"]


# -- HTML fragments ----------------------------------------------------------------------------


def mark(text: str, start: int, end: int) -> str:
    """``text`` escaped for HTML with ``text[start:end]`` in a ``<mark>``."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    return escape(text[:start]) + "<mark>" + escape(text[start:end]) + "</mark>" + escape(text[end:])


def clause_html(finding: Finding) -> str:
    """The finding's clause (sentence) with the matched words marked."""
    return mark(finding.clause_text, finding.start - finding.clause_start, finding.end - finding.clause_start)


def context_html(text: str, finding: Finding, before: int = 400, after: int = 400) -> str:
    """The clause in its context: up to ``before``/``after`` characters of the document around it
    (cut at a line break or a word boundary), dimmed, and the clause with the matched words marked."""
    lo = max(0, finding.clause_start - before)
    if lo > 0:
        cut = text.find("\n", lo, finding.clause_start)
        lo = cut + 1 if cut != -1 else _word_start(text, lo)
    hi = min(len(text), finding.clause_end + after)
    if hi < len(text):
        cut = text.rfind("\n", finding.clause_end, hi)
        hi = cut if cut != -1 else _word_end(text, hi)
    return (
        ("… " if lo > 0 else "")
        + f'<span class="cc-context">{escape(text[lo : finding.clause_start])}</span>'
        + f'<span class="cc-clause">{clause_html(finding)}</span>'
        + f'<span class="cc-context">{escape(text[finding.clause_end : hi])}</span>'
        + (" …" if hi < len(text) else "")
    )


def _word_start(text: str, i: int) -> int:
    while 0 < i < len(text) and not text[i - 1].isspace():
        i += 1
    return i


def _word_end(text: str, i: int) -> int:
    while 0 < i < len(text) and not text[i].isspace():
        i -= 1
    return i


# -- data exports ------------------------------------------------------------------------------


def _review_cells(d: Decision | None) -> dict:
    if d is None:
        return {"review_status": OPEN, "review_comment": "", "reviewer": "", "reviewed_at": ""}
    return {"review_status": d.status, "review_comment": d.comment, "reviewer": d.reviewer, "reviewed_at": d.updated_at}


def to_review_csv(reviewed: Reviewed) -> str:
    """One row per finding: the scan CSV's columns plus the review decision."""
    decisions = {r.sha256: dict(ds) for r, ds in reviewed}
    rows = (
        {**row, **(_review_cells(decisions[r.sha256].get(f.id)) if f else {})}
        for r, f, row in csv_rows(r for r, _ in reviewed)
    )
    return write_csv(rows, CSV_FIELDS + REVIEW_FIELDS)


def _review_json(d: Decision | None) -> dict:
    if d is None:
        return {"status": OPEN}
    return {
        "status": d.status,
        "comment": d.comment,
        "reviewer": d.reviewer,
        "updated_at": d.updated_at,
        "reattached_from": d.reattached_from,
    }


def to_review_json(reviewed: Reviewed) -> str:
    """The scan results (the CLI's JSON shape) with a ``review`` object on every finding."""
    results = []
    for r, decisions in reviewed:
        data = r.model_dump(mode="json")
        for f, out in zip(r.findings, data["findings"], strict=True):
            out["review"] = _review_json(decisions.get(f.id))
        results.append(data)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "clausecheck_version": __version__,
        "exported_at": _now(),
        "results": results,
        "review_summary": [{"file": r.path, "sha256": r.sha256, **_tally(r, ds)} for r, ds in reviewed],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _tally(r: ScanResult, decisions: Mapping[str, Decision]) -> dict[str, int]:
    counts = Counter(decisions[f.id].status if f.id in decisions else OPEN for f in r.findings)
    return {"findings": len(r.findings), **{s: counts.get(s, 0) for s in STATUS_LABELS}}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _ordered(r: ScanResult) -> list[Finding]:
    """Findings most severe first, then in document order."""
    return sorted(r.findings, key=lambda f: (-f.severity.rank, f.start))


def _where(f: Finding) -> str:
    parts = [f"page {f.page}" if f.page else "", f"section {f.section.label()}" if f.section.label() else ""]
    return ", ".join(p for p in parts if p) or "location unknown"


def _status_line(d: Decision | None) -> tuple[str, str]:
    """(decision label, "by NAME on DATE" or "")."""
    if d is None:
        return STATUS_LABELS[OPEN] + " (not reviewed yet)", ""
    return d.label, f"by {d.reviewer} on {d.updated_at}"


# -- memo: Markdown ----------------------------------------------------------------------------


def to_memo_markdown(reviewed: Reviewed, title: str = "Contract review memo") -> str:
    lines = [f"# {md_escape(title)}", "", f"Prepared with clausecheck {__version__} on {_now()}.", ""]
    for r, decisions in reviewed:
        lines += [f"## {md_escape(r.path)}", ""]
        if r.error:
            lines += [f"**Could not be read:** {md_escape(r.error)}", ""]
            continue
        t = _tally(r, decisions)
        lines += [
            f"- SHA-256: `{r.sha256}`",
            f"- Kind: {r.kind}; pages: {r.pages}; findings: {t['findings']}",
            "- Review: " + ", ".join(f"{t[s]} {label.lower()}" for s, label in STATUS_LABELS.items()),
            "",
        ]
        if r.missing:
            lines += ["### Expected clauses not found", ""]
            lines += [
                f"- **{md_escape(m.category)}** ({m.severity.value}): {md_escape(m.explanation)} "
                f"Recommendation: {md_escape(m.recommendation)}"
                for m in r.missing
            ]
            lines.append("")
        lines += ["### Findings", ""] if r.findings else []
        for n, f in enumerate(_ordered(r), 1):
            label, by = _status_line(decisions.get(f.id))
            d = decisions.get(f.id)
            lines += [
                f"#### {n}. {md_escape(f.title)} ({f.severity.value}, {md_escape(f.category)})",
                "",
                f"*{md_escape(_where(f))}; {md_escape(origin(f))}; finding {f.id}*",
                "",
                "> " + md_escape(f.clause_text),
                "",
                f"**Matched words:** {md_escape(f.text)}",
                "",
                f"**Why it matters:** {md_escape(f.explanation)}",
                "",
                f"**Recommendation:** {md_escape(f.recommendation)}",
                "",
                f"**Decision:** {label}" + (f" ({md_escape(by)})" if by else ""),
                "",
            ]
            if d and d.comment:
                lines += [f"**Comment:** {md_escape(d.comment)}", ""]
    return "\n".join(lines).rstrip() + "\n"


# -- memo: HTML --------------------------------------------------------------------------------

_SEVERITY_COLOURS = {
    Severity.HIGH: "#b91c1c",
    Severity.MEDIUM: "#b45309",
    Severity.LOW: "#1d4ed8",
    Severity.INFO: "#4b5563",
}
_MEMO_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827;
       max-width: 58rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #d1d5db; padding-bottom: .2rem; margin-top: 2.5rem; }
.meta { color: #4b5563; font-size: .9rem; }
.finding { border: 1px solid #e5e7eb; border-radius: 8px; padding: .8rem 1rem; margin: 1rem 0; break-inside: avoid; }
.finding h4 { margin: 0 0 .3rem; }
.sev { display: inline-block; color: #fff; border-radius: 4px; padding: 0 .4rem; font-size: .8rem;
       text-transform: uppercase; margin-right: .4rem; }
blockquote { margin: .5rem 0; padding: .4rem .8rem; background: #f9fafb; border-left: 3px solid #9ca3af;
             white-space: pre-wrap; }
mark { background: #fde68a; padding: 0 .1rem; }
.decision { font-weight: 600; }
"""


def to_memo_html(reviewed: Reviewed, title: str = "Contract review memo") -> str:
    """A self-contained HTML memo (inline style, no scripts, no remote assets)."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_MEMO_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Prepared with clausecheck {escape(__version__)} on {_now()}.</p>',
    ]
    for r, decisions in reviewed:
        out.append(f"<h2>{escape(r.path)}</h2>")
        if r.error:
            out.append(f"<p><strong>Could not be read:</strong> {escape(r.error)}</p>")
            continue
        t = _tally(r, decisions)
        review = ", ".join(f"{t[s]} {label.lower()}" for s, label in STATUS_LABELS.items())
        out.append(
            f'<p class="meta">SHA-256 <code>{escape(r.sha256 or "")}</code><br>Kind: {escape(r.kind)}; '
            f"pages: {r.pages}; findings: {t['findings']}<br>Review: {review}</p>"
        )
        if r.missing:
            out.append("<h3>Expected clauses not found</h3><ul>")
            out += [
                f"<li><strong>{escape(m.category)}</strong> ({m.severity.value}): {escape(m.explanation)} "
                f"<em>Recommendation:</em> {escape(m.recommendation)}</li>"
                for m in r.missing
            ]
            out.append("</ul>")
        if r.findings:
            out.append("<h3>Findings</h3>")
        for n, f in enumerate(_ordered(r), 1):
            d = decisions.get(f.id)
            label, by = _status_line(d)
            colour = _SEVERITY_COLOURS[f.severity]
            out += [
                '<section class="finding">',
                f'<h4>{n}. <span class="sev" style="background:{colour}">{f.severity.value}</span>'
                f"{escape(f.title)} <small>({escape(f.category)})</small></h4>",
                f'<div class="meta">{escape(_where(f))}; {escape(origin(f))}; finding {escape(f.id)}</div>',
                f"<blockquote>{clause_html(f)}</blockquote>",
                f"<p><strong>Why it matters:</strong> {escape(f.explanation)}</p>",
                f"<p><strong>Recommendation:</strong> {escape(f.recommendation)}</p>",
                f'<p class="decision">Decision: {escape(label)}'
                + (f' <span class="meta">({escape(by)})</span>' if by else "")
                + "</p>",
            ]
            if d and d.comment:
                out.append(f"<p><strong>Comment:</strong> {escape(d.comment)}</p>")
            out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# -- the whole store (clausecheck store export) ------------------------------------------------


def _store_rows(store: ReviewStore, table: str) -> list[dict]:
    if table == "decisions":
        return [{k: getattr(d, k) for k in DECISION_FIELDS} for d in store.all_decisions()]
    return [{k: getattr(e, k) for k in AUDIT_FIELDS} for e in store.audit()]


def store_csv(store: ReviewStore, table: str = "decisions") -> str:
    """One table of the store (``decisions`` or ``audit``) as formula-safe CSV; an audit entry's
    ``old`` and ``new`` states are JSON objects."""
    rows = _store_rows(store, table)
    if table == "audit":
        rows = [{**r, "old": _json_cell(r["old"]), "new": _json_cell(r["new"])} for r in rows]
    return write_csv(rows, DECISION_FIELDS if table == "decisions" else AUDIT_FIELDS)


def _json_cell(state: dict | None) -> str:
    return "" if state is None else json.dumps(state, ensure_ascii=False, sort_keys=True)


def store_json(store: ReviewStore, tables: Sequence[str] = STORE_TABLES) -> str:
    """The store's decisions and audit trail (or the ``tables`` named) as one JSON document."""
    doc = {
        "schema_version": SCHEMA_VERSION,
        "clausecheck_version": __version__,
        "exported_at": _now(),
        "store": str(store.path.resolve()),
        **{table: _store_rows(store, table) for table in tables},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
