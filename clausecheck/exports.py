"""Writers for the obligations register and the version diff: CSV, Markdown and a terminal table
(JSON is the models' own ``model_dump_json``). CSV cells are neutralised like the scan report's."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .diff import ClauseChange, DocumentDiff, FindingChange
from .register import Obligation, Register
from .report import md_escape, write_csv

REGISTER_FIELDS = [
    "document",
    "kind",
    "section",
    "page",
    "owner",
    "party",
    "obligation",
    "timing",
    "evidence",
    "practices",
    "category",
    "rule_id",
    "finding_id",
    "severity",
    "owner_reason",
    "text",
]
_OWNER = {"msp": "MSP", "customer": "customer", "unclear": "unclear"}


def _md_table(columns: list[str], rows: Iterable[list[str]]) -> list[str]:
    """Lines of a Markdown table; cells are escaped."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(md_escape(cell) for cell in row) + " |" for row in rows]


def _by_owner(register: Register) -> str:
    c = register.counts()
    return f"{c['msp']} for the MSP, {c['customer']} for the customer, {c['unclear']} unclear"


def _where(o: Obligation) -> str:
    return f"{Path(o.document).name} {o.section}" + (f" p.{o.page}" if o.page else "")


def _row(o: Obligation) -> dict:
    return {
        "document": o.document,
        "kind": o.kind,
        "section": o.section,
        "page": o.page,
        "owner": o.owner,
        "party": o.party,
        "obligation": o.obligation,
        "timing": o.timing_text,
        "evidence": "; ".join(o.evidence),
        "practices": "; ".join(o.practices),
        "category": o.category,
        "rule_id": o.rule_id,
        "finding_id": o.finding_id,
        "severity": o.severity.value,
        "owner_reason": o.owner_reason,
        "text": o.text,
    }


def register_csv(register: Register) -> str:
    return write_csv((_row(o) for o in register.obligations), REGISTER_FIELDS)


def register_markdown(register: Register) -> str:
    lines = [
        "# Obligations register",
        "",
        f"{len(register.obligations)} obligation(s) from {len(register.documents)} document(s): {_by_owner(register)}.",
        "",
    ]
    lines += [
        f"- {md_escape(d.path)} ({d.kind})" + (f": **could not be read:** {md_escape(d.error)}" if d.error else "")
        for d in register.documents
    ]
    rows = (
        [_OWNER[o.owner], o.obligation, o.timing_text, "; ".join(o.evidence), _where(o), o.text[:300]]
        for o in register.obligations
    )
    lines += ["", *_md_table(["owner", "obligation", "timing", "evidence to keep", "where", "text"], rows)]
    lines += ["", "## Practices", ""]
    for p in register.practices:
        n = sum(1 for o in register.obligations if p.id in o.practices)
        lines.append(f"- **{md_escape(p.title)}** ({n} obligation(s)): {md_escape(p.advice)}")
    return "\n".join(lines) + "\n"


def print_register(register: Register, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Obligations register: {_by_owner(register)}", title_justify="left", expand=True)
    for col, kw in (
        ("owner", {"no_wrap": True, "width": 8}),
        ("obligation", {"width": 24}),
        ("timing", {"width": 18}),
        ("evidence to keep", {"ratio": 1}),
        ("where", {"width": 26}),
        ("text", {"ratio": 2}),
    ):
        table.add_column(col, **kw)
    for o in register.obligations:
        table.add_row(
            _OWNER[o.owner],
            escape(o.obligation),
            escape(o.timing_text),
            escape("; ".join(o.evidence)),
            escape(_where(o)),
            escape(o.text[:300]),
        )
    console.print(table)
    for d in register.documents:
        if d.error:
            console.print(f"[red]could not read[/red] {escape(d.path)}: {escape(d.error)}")


def _severities(f: FindingChange) -> str:
    return " → ".join(s.value for s in (f.old_severity, f.new_severity) if s)


def _detail(x: ClauseChange) -> str:
    return x.summary if x.status == "changed" else (x.new_text or x.old_text or "")


def _section(old: str | None, new: str | None) -> str:
    if old and new and old != new:
        return f"{old} → {new}"
    return old or new or ""


def diff_markdown(d: DocumentDiff) -> str:
    c = d.counts()
    lines = [
        f"# Changes from {md_escape(d.old.path)} to {md_escape(d.new.path)}",
        "",
        f"Clauses: {c['added']} added, {c['removed']} removed, {c['changed']} changed, {c['renumbered']} renumbered, "
        f"{d.unchanged} unchanged. Findings: {c['appeared']} appeared, {c['disappeared']} disappeared, "
        f"{c['severity-changed']} changed severity.",
    ]
    if d.findings:
        rows = ([f.change, f.category, _severities(f), f.section, f.text[:300]] for f in d.findings)
        lines += ["", "## Findings", "", *_md_table(["change", "category", "severity", "section", "text"], rows)]
    changes = [x for x in d.clauses if x.status != "renumbered"]
    if changes:
        lines += ["", "## Clauses", ""]
        for x in changes:
            lines.append(
                f"- **{x.status}** {md_escape(_section(x.old_section, x.new_section))}: {md_escape(_detail(x)[:500])}"
            )
    renumbered = [x for x in d.clauses if x.status == "renumbered"]
    if renumbered:
        lines += ["", "Renumbered: " + ", ".join(md_escape(_section(x.old_section, x.new_section)) for x in renumbered)]
    return "\n".join(lines) + "\n"


_CHANGE_STYLE = {"added": "green", "removed": "red", "changed": "yellow", "renumbered": "dim"}


def print_diff(d: DocumentDiff, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    c = d.counts()
    console.print(
        f"[bold]{escape(d.old.path)}[/bold] → [bold]{escape(d.new.path)}[/bold]: {c['added']} added, "
        f"{c['removed']} removed, {c['changed']} changed, {c['renumbered']} renumbered, {d.unchanged} unchanged clauses"
    )
    if d.findings:
        table = Table(title="Findings", title_justify="left", expand=True)
        for col in ("change", "category", "severity", "section", "text"):
            table.add_column(col, ratio=3 if col == "text" else None)
        for f in d.findings:
            table.add_row(f.change, f.category, _severities(f), escape(f.section), escape(f.text[:300]))
        console.print(table)
    table = Table(title="Clauses", title_justify="left", expand=True)
    for col in ("status", "section", "change"):
        table.add_column(col, ratio=3 if col == "change" else None)
    for x in d.clauses:
        table.add_row(
            f"[{_CHANGE_STYLE[x.status]}]{x.status}[/]",
            escape(_section(x.old_section, x.new_section)),
            escape(_detail(x)[:400]),
        )
    console.print(table)
