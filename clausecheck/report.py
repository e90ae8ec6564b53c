"""Report writers: JSON, JSON Lines, CSV, Markdown, and a terminal table.

Every writer takes ScanResults and returns text (the table writes to a rich Console). CSV cells
that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import __version__
from .model import SCHEMA_VERSION, Finding, ScanResult, Severity

FORMATS = ("table", "json", "jsonl", "csv", "markdown")
CSV_FIELDS = [
    "file",
    "sha256",
    "kind",
    "error",
    "finding_id",
    "rule_id",
    "category",
    "severity",
    "page",
    "section",
    "start",
    "end",
    "text",
    "clause_text",
    "method",
    "source",
    "ocr",
    "score",
    "model_score",
    "explanation",
    "recommendation",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def summary(results: list[ScanResult]) -> dict:
    by_sev = Counter(f.severity.value for r in results for f in r.findings)
    return {
        "files": len(results),
        "errors": sum(1 for r in results if r.error),
        "pages": sum(r.pages for r in results),
        "findings": sum(len(r.findings) for r in results),
        "by_severity": {s.value: by_sev.get(s.value, 0) for s in Severity},
        "by_category": dict(sorted(Counter(f.category for r in results for f in r.findings).items())),
    }


def to_jsonl_line(result: ScanResult) -> str:
    return result.model_dump_json() + "\n"


def to_json(results: list[ScanResult], rules_digest: str | None = None) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "clausecheck_version": __version__,
        "rules_digest": rules_digest,
        "results": [r.model_dump(mode="json") for r in results],
        "summary": summary(results),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(results: Iterable[ScanResult]) -> Iterator[tuple[ScanResult, Finding | None, dict]]:
    """One row (a dict over CSV_FIELDS) per finding, or one per file without findings, with the
    result and finding it came from, so other writers can add columns."""
    for r in results:
        base = {"file": r.path, "sha256": r.sha256, "kind": r.kind, "error": r.error}
        if r.error or not r.findings:
            yield r, None, base
        for f in r.findings:
            yield (
                r,
                f,
                {
                    **base,
                    "finding_id": f.id,
                    "rule_id": f.rule_id,
                    "category": f.category,
                    "severity": f.severity.value,
                    "page": f.page,
                    "section": f.section.label(),
                    "start": f.start,
                    "end": f.end,
                    "text": f.text,
                    "clause_text": f.clause_text,
                    "method": f.method,
                    "source": f.source,
                    "ocr": f.ocr,
                    "score": f.score,
                    "model_score": f.model_score,
                    "explanation": f.explanation,
                    "recommendation": f.recommendation,
                },
            )


def write_csv(rows: Iterable[dict], fields: list[str]) -> str:
    """CSV text with every cell neutralised against formula injection (:func:`safe_cell`). Lines end
    with CRLF (RFC 4180), so that a cell holding a bare CR is quoted too: unquoted, a spreadsheet
    would start a new row there."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def to_csv(results: Iterable[ScanResult]) -> str:
    return write_csv((row for _, _, row in csv_rows(results)), CSV_FIELDS)


_ENTITY = re.compile(r"&(?=#?\w+;)")  # &amp; &#60; would be shown as the character they name


def md_escape(text: str) -> str:
    """Escape text for a Markdown table cell or paragraph (on one line): HTML, emphasis, links,
    images, headings, strikethrough, ``$`` maths (Streamlit) and entities show as the characters typed."""
    out = " ".join(text.split())
    for ch in "\\`*_{}[]<>()#+!|$~":
        out = out.replace(ch, "\\" + ch)
    return _ENTITY.sub(r"\\&", out)


def md_code(text: str) -> str:
    """``text`` (on one line) as a Markdown code span: shown exactly as typed. Unlike
    :func:`md_escape`, this also keeps a renderer (Streamlit's) from turning ``www.`` addresses and
    e-mail addresses into links and ``:name:`` into emoji, which it does after escapes are read."""
    text = " ".join(text.split())
    fence = "`" * (max(map(len, re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def page_label(f: Finding) -> str:
    """The finding's page, with "OCR" when its text was read from a scanned page."""
    return f"{f.page or ''} OCR".strip() if f.ocr else str(f.page or "")


def to_markdown(results: list[ScanResult]) -> str:
    lines = ["# clausecheck report", ""]
    s = summary(results)
    lines.append(
        f"{s['files']} file(s), {s['pages']} page(s), {s['findings']} finding(s) "
        f"({', '.join(f'{n} {k}' for k, n in s['by_severity'].items())}), {s['errors']} error(s)."
    )
    for r in results:
        lines += ["", f"## {md_escape(r.path)}", ""]
        if r.error:
            lines.append(f"**Could not be read:** {md_escape(r.error)}")
            continue
        lines.append(f"Kind: {r.kind} · pages: {r.pages} · findings: {len(r.findings)}")
        for w in r.warnings:
            lines.append(f"\n> Warning: {md_escape(w)}")
        if r.missing:
            lines += ["", "### Missing clauses", ""]
            lines += [
                f"- **{m.category}** ({m.severity.value}): {md_escape(m.explanation)} *{md_escape(m.recommendation)}*"
                for m in r.missing
            ]
        if r.findings:
            lines += [
                "",
                "### Findings",
                "",
                "| severity | category | page | section | text |",
                "|---|---|---|---|---|",
            ]
            for f in r.findings:
                lines.append(
                    f"| {f.severity.value} | {f.category} | {page_label(f)} | {md_escape(f.section.label())} "
                    f"| {md_escape(f.clause_text[:300])}{POSSIBLE_MD if f.source == 'model' else ''} |"
                )
            lines += ["", "### Explanations", ""]
            for f in r.findings:
                lines.append(
                    f"- **{f.title}** ({f.rule_id}, {f.severity.value}): {md_escape(f.explanation)} "
                    f"Recommendation: {md_escape(f.recommendation)}"
                )
    return "\n".join(lines) + "\n"


POSSIBLE_MD = " *(possible: found by the trained model, not by a rule)*"


def origin(f: Finding) -> str:
    """Who flagged it: "rule LIAB-001", or the classifier for a possible clause."""
    if f.source == "model":
        return f"possible: the trained model (score {f.score:.2f}), no rule"
    return f"rule {f.rule_id}"


_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def print_table(results: list[ScanResult], console) -> None:
    from rich.markup import escape
    from rich.table import Table

    for r in results:
        if r.error:
            console.print(f"[bold]{escape(r.path)}[/bold]: [red]error[/red] ({r.error_code}): {escape(r.error)}")
            continue
        table = Table(
            title=f"{r.path}  ·  {r.kind}, {r.pages} page(s), {len(r.findings)} finding(s)",
            title_justify="left",
            expand=True,
        )
        table.add_column("sev", no_wrap=True, width=6)
        table.add_column("category", no_wrap=True, width=28)
        table.add_column("page", justify="right", width=5)
        table.add_column("section", width=22)
        table.add_column("clause", ratio=1, min_width=40)
        for f in r.findings:
            clause = f.clause_text
            a, b = f.start - f.clause_start, f.end - f.clause_start
            if len(clause) > 400:  # keep the matched words in view
                lo = max(0, a - 150)
                clause, a, b = "…" + clause[lo : lo + 400] + "…", a - lo + 1, b - lo + 1
            shown = escape(clause[:a]) + "[bold underline]" + escape(clause[a:b]) + "[/]" + escape(clause[b:])
            table.add_row(
                f"[{_STYLE[f.severity.value]}]{f.severity.value}[/]",
                f.category + ("\n[italic]possible (model)[/]" if f.source == "model" else ""),
                page_label(f),
                escape(f.section.label()),
                shown,
            )
        console.print(table)
        for w in r.warnings:
            console.print(f"  [yellow]warning:[/yellow] {escape(w)}")
        for m in r.missing:
            console.print(f"  [{_STYLE[m.severity.value]}]missing {m.category}[/]: {escape(m.explanation)}")
    s = summary(results)
    console.print(
        f"\n{s['files']} file(s), {s['pages']} page(s), {s['findings']} finding(s): "
        + ", ".join(f"{n} {k}" for k, n in s["by_severity"].items())
        + f"; {s['errors']} error(s)"
    )


# --- compare: conflicts between a policy and contracts -------------------------------------------


def conflicts_to_json(policy: ScanResult, contracts: list[ScanResult], conflicts: list) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "clausecheck_version": __version__,
        "policy": {"path": policy.path, "kind": policy.kind, "sha256": policy.sha256, "error": policy.error},
        "contracts": [{"path": c.path, "kind": c.kind, "sha256": c.sha256, "error": c.error} for c in contracts],
        "conflicts": [c.model_dump(mode="json") for c in conflicts],
        "summary": dict(Counter(c.type for c in conflicts)),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _side(e) -> str:
    """``contract: path (category, finding id)`` for one piece of evidence."""
    return f"{e.side}: {e.document}" + (f" ({e.category}, {e.finding_id})" if e.finding_id else "")


def conflicts_to_markdown(policy: ScanResult, contracts: list[ScanResult], conflicts: list) -> str:
    lines = ["# clausecheck compare", "", f"Policy: {md_escape(policy.path)} ({policy.kind})", ""]
    for c in contracts:
        shown = f"could not be read: {md_escape(c.error)}" if c.error else f"{c.kind}"
        lines.append(f"- Contract: {md_escape(c.path)} ({shown})")
    lines += ["", f"{len(conflicts)} conflict(s)."]
    for c in conflicts:
        lines += ["", f"## {c.severity.value}: {md_escape(c.title)} (`{c.type}`, {c.id})", ""]
        lines += [
            f"Contract: {md_escape(c.contract)}",
            "",
            f"**{md_escape(c.detail)}**",
            "",
            md_escape(c.explanation),
            "",
        ]
        lines += [f"*Recommendation:* {md_escape(c.recommendation)}", "", "Evidence:", ""]
        lines += [f"- {md_escape(_side(e))}: {md_escape(e.text[:300])}" for e in c.evidence]
    return "\n".join(lines) + "\n"


def _clip(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def print_conflicts(policy: ScanResult, contracts: list[ScanResult], conflicts: list, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{policy.path} ({policy.kind}) against {len(contracts)} contract(s)", title_justify="left")
    table.add_column("sev", no_wrap=True, width=6)
    table.add_column("conflict", width=32)
    table.add_column("contract", width=26, overflow="fold")
    table.add_column("detail and evidence", ratio=1, min_width=40)
    for c in conflicts:
        evidence = "\n".join(f"[dim]{escape(_side(e))}[/]: {escape(_clip(e.text))}" for e in c.evidence)
        table.add_row(
            f"[{_STYLE[c.severity.value]}]{c.severity.value}[/]",
            f"{c.type}\n[dim]{c.id}[/]",
            escape(Path(c.contract).name),
            f"{escape(c.detail)}\n{evidence}",
        )
    console.print(table)
    console.print(
        f"\n{len(conflicts)} conflict(s): "
        + ", ".join(f"{n} {t}" for t, n in Counter(c.type for c in conflicts).items())
    )
