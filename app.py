"""clausecheck review app: upload contracts and cyber-insurance policies (or open the samples),
review each finding against its clause and PDF page, record decisions, export a memo.

    scripts/app            (sets up the `app` extra and runs `streamlit run app.py`)

Layout and widgets only: scanning is :func:`clausecheck.scan`, decisions live in
:mod:`clausecheck.store`, page images come from :mod:`clausecheck.pages` and exports from
:mod:`clausecheck.review_export`. Nothing leaves the machine (see .streamlit/config.toml).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd
import streamlit as st

from clausecheck import Finding, ScanResult, Severity, __version__, get_engine, scan
from clausecheck import pages as page_images
from clausecheck import review_export as rx
from clausecheck.compare import compare, evidence_finding
from clausecheck.diff import diff_texts
from clausecheck.errors import ErrorCode
from clausecheck.exports import diff_markdown
from clausecheck.nlp import lemmas
from clausecheck.readers import Document, read_bytes
from clausecheck.report import conflicts_to_json, conflicts_to_markdown, md_code, md_escape
from clausecheck.store import OPEN, STATUS_LABELS, STATUSES, Decision, ReviewStore, default_path

ROOT = Path(__file__).resolve().parent
SAMPLES = ROOT / "sample_contracts"
QUICK_SAMPLES = ["msp-sla-best-effort.pdf", "cyber-policy-wording.pdf"]
UPLOAD_TYPES = ["pdf", "docx", "txt", "md"]
SEVERITIES = [s.value for s in Severity]
TABS = ["Overview", "Findings", "Audit trail", "Export", "Compare", "Changes"]
log = logging.getLogger("clausecheck.app")

CSS = """
<style>
.cc-head { display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; margin-bottom: .2rem; }
.cc-head h3 { margin: 0; padding: 0; font-size: 1.35rem; }
.cc-meta { color: #4b5563; font-size: .88rem; }
.cc-sev { display: inline-block; color: #fff; border-radius: 4px; padding: 0 .45rem; font-size: .78rem;
          font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
.cc-sev-high { background: #b91c1c; } .cc-sev-medium { background: #b45309; }
.cc-sev-low { background: #1d4ed8; } .cc-sev-info { background: #4b5563; }
.cc-status { display: inline-block; border-radius: 4px; padding: 0 .45rem; font-size: .78rem; font-weight: 600;
             border: 1px solid #d1d5db; }
.cc-status-accepted { background: #dcfce7; color: #166534; }
.cc-status-dismissed { background: #f3f4f6; color: #374151; }
.cc-status-follow-up { background: #fef3c7; color: #92400e; } .cc-status-open { background: #fff; color: #374151; }
.cc-text { white-space: pre-wrap; font-family: Georgia, "Times New Roman", serif; font-size: .9rem; line-height: 1.5;
           border: 1px solid #e5e7eb; border-radius: 6px; padding: .7rem .9rem; max-height: 15rem; overflow-y: auto;
           background: #fcfcfd; }
.cc-context { color: #6b7280; }
.cc-clause { color: #111827; }
.cc-text mark { background: #fde68a; color: #111827; padding: 0 .1rem; border-bottom: 2px solid #dc2626; }
.cc-note { border-left: 3px solid #9ca3af; padding: .2rem .7rem; margin: .5rem 0; }
.cc-note.why { border-color: #b45309; } .cc-note.todo { border-color: #1d4ed8; }
.cc-note b { display: block; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #4b5563; }
.cc-missing li { margin-bottom: .45rem; }
</style>
"""


@dataclass(frozen=True)
class OpenFile:
    name: str
    data: bytes
    sha256: str


# -- cached work -------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the rules…")
def warm_engine() -> None:
    """Build the rules and spaCy pipeline once per process, so the first scan is fast."""
    get_engine()
    lemmas()
    sample = SAMPLES / QUICK_SAMPLES[0]  # a real contract: the PDF path and the words of contracts
    if sample.exists():
        scan(sample.read_bytes(), name=sample.name)
    else:
        scan(b"The Provider shall use commercially reasonable efforts.", name="warm-up.txt")


@st.cache_resource(show_spinner=False)
def review_store(path: str) -> ReviewStore:
    return ReviewStore(path)


@st.cache_resource(show_spinner=False, max_entries=32)
def scan_file(sha256: str, name: str, _data: bytes) -> ScanResult:
    """Scans are cached by the file's SHA-256 (and its name, which the result reports)."""
    try:
        return scan(_data, name=name)
    except Exception as exc:  # scan() reports bad files itself; this is a bug, still no traceback
        log.exception("scan failed for %s", name)
        return ScanResult(path=name, sha256=sha256, error=f"internal error: {exc}", error_code=ErrorCode.INTERNAL)


@st.cache_resource(show_spinner=False, max_entries=8)
def read_document(sha256: str, name: str, _data: bytes) -> Document:
    return read_bytes(_data, name)


@st.cache_resource(show_spinner=False, max_entries=8)
def version_diff(old_sha: str, new_sha: str, _old: OpenFile, _new: OpenFile, _old_r: ScanResult, _new_r: ScanResult):
    """The diff of two open documents, cached by their SHA-256 digests."""
    old_doc = read_document(old_sha, _old.name, _old.data)
    new_doc = read_document(new_sha, _new.name, _new.data)
    return diff_texts(old_doc.text, new_doc.text, _old_r, _new_r)


@st.cache_data(show_spinner=False, max_entries=64)
def page_png(
    sha256: str, page: int, match: tuple[int, int], clause: tuple[int, int], focus: bool, _doc, _data
) -> bytes:
    """The page with the clause shaded and the matched words boxed; ``focus``: only the clause's band."""
    match_boxes = page_images.finding_boxes(_data, _doc, *match).get(page, [])
    clause_boxes = page_images.finding_boxes(_data, _doc, *clause).get(page, [])
    if focus:
        return page_images.render_page(_data, page, match_boxes, clause_boxes, resolution=150, focus=60)
    return page_images.render_page(_data, page, match_boxes, clause_boxes, resolution=100)


# -- sidebar: reviewer and documents -----------------------------------------------------------


def _remember(key: str) -> None:
    value = st.session_state[key]
    st.query_params[key] = ",".join(value) if isinstance(value, list) else value.strip()


def open_quick_samples() -> None:
    st.session_state.samples = list(dict.fromkeys([*st.session_state.get("samples", []), *QUICK_SAMPLES]))
    _remember("samples")


def sidebar(store: ReviewStore) -> tuple[str, list[OpenFile]]:
    with st.sidebar:
        st.title("clausecheck")
        st.caption("Review of SLAs, MSAs and cyber-insurance policies for MSPs")
        if "reviewer" not in st.session_state:
            st.session_state.reviewer = st.query_params.get("reviewer", "")
        reviewer = st.text_input(
            "Reviewer",
            key="reviewer",
            placeholder="Your name",
            on_change=_remember,
            args=("reviewer",),
            help="Recorded with every decision in the audit trail.",
        ).strip()
        uploads = st.file_uploader(
            "Contracts and policies",
            type=UPLOAD_TYPES,
            accept_multiple_files=True,
            key="uploads",
            help="PDF, DOCX or TXT, up to 100 MB each. Files are read on this machine only and not stored.",
        )
        available = sorted(p.name for p in SAMPLES.glob("*") if p.suffix.lstrip(".") in UPLOAD_TYPES)
        if "samples" not in st.session_state:
            wanted = st.query_params.get("samples", "")
            st.session_state.samples = [n for n in wanted.split(",") if n in available]
        st.button(
            "Open the sample contracts", icon=":material/description:", width="stretch", on_click=open_quick_samples
        )
        with st.expander("All samples"):
            st.multiselect(
                "Open samples", available, key="samples", on_change=_remember, args=("samples",), placeholder="None"
            )
        st.caption(f"Decisions are saved in `{store.path.resolve()}`. clausecheck {__version__}")
    files = [OpenFile(u.name, u.getvalue(), "") for u in uploads or []]
    files += [OpenFile(n, (SAMPLES / n).read_bytes(), "") for n in st.session_state.samples]
    unique: dict[str, OpenFile] = {}
    for f in files:
        sha = hashlib.sha256(f.data).hexdigest()
        unique.setdefault(sha, OpenFile(f.name, f.data, sha))
    return reviewer, list(unique.values())


def welcome() -> None:
    st.header("Review contracts and cyber-insurance policies")
    st.write(
        "Upload one or more PDF, DOCX or TXT files in the sidebar, or open the bundled sample contracts. "
        "clausecheck finds the clauses that decide who carries the risk (liability caps, indemnities, "
        "best-effort language, security conditions, exclusions, notice deadlines), explains each one and "
        "lets you accept, dismiss or flag it for follow-up. Decisions are kept on this machine."
    )
    st.button("Open the sample contracts", type="primary", key="welcome-samples", on_click=open_quick_samples)


# -- overview ----------------------------------------------------------------------------------


def category_name(category: str) -> str:
    cat = get_engine().rules.categories.get(category)
    return cat.name if cat else category


def overview(r: ScanResult, decisions: dict[str, Decision]) -> None:
    reviewed = sum(1 for f in r.findings if f.id in decisions)
    high = sum(1 for f in r.findings if f.severity == Severity.HIGH)
    cols = st.columns(5)
    cols[0].metric("Kind", r.kind.capitalize(), border=True)
    cols[1].metric("Pages", r.pages, border=True)
    cols[2].metric("Findings", len(r.findings), border=True)
    cols[3].metric("High severity", high, border=True)
    cols[4].metric("Reviewed", f"{reviewed} / {len(r.findings)}", border=True)
    for w in r.warnings:
        st.warning(md_escape(w))
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Findings by category and severity")
        if r.findings:
            table = pd.crosstab(
                pd.Series([category_name(f.category) for f in r.findings], name="Category"),
                pd.Categorical([f.severity.value for f in r.findings], categories=SEVERITIES),
                dropna=False,
            )
            table["total"] = table.sum(axis=1)
            table = table.sort_values(["total", *SEVERITIES], ascending=False)
            st.dataframe(table, width="stretch", height=38 + 35 * len(table))
        else:
            st.info("No findings in this document.")
    with right:
        st.subheader("Expected clauses that are missing")
        if r.missing:
            items = "".join(
                f'<li><span class="cc-sev cc-sev-{m.severity.value}">{m.severity.value}</span> '
                f"<b>{escape(category_name(m.category))}</b><br>{escape(m.explanation)}"
                f'<br><span class="cc-meta">{escape(m.recommendation)}</span></li>'
                for m in r.missing
            )
            st.html(f'<ul class="cc-missing">{items}</ul>')
        else:
            st.success(f"Every clause expected in a {r.kind} was found.")
    if r.kind_evidence:
        st.caption(f"Read as a {r.kind} because it contains: " + md_escape(", ".join(r.kind_evidence[:8])))


# -- findings: list, filters, detail -----------------------------------------------------------


def status_of(f: Finding, decisions: dict[str, Decision]) -> str:
    return decisions[f.id].status if f.id in decisions else OPEN


def filtered(r: ScanResult, decisions: dict[str, Decision], sha: str) -> list[Finding]:
    cols = st.columns([3, 2, 2, 3])
    cats = cols[0].multiselect(
        "Category",
        sorted({f.category for f in r.findings}, key=category_name),
        format_func=category_name,
        key=f"f-cat-{sha}",
        placeholder="All",
    )
    sevs = cols[1].multiselect("Severity", SEVERITIES, key=f"f-sev-{sha}", placeholder="All")
    stats = cols[2].multiselect(
        "Review status", [OPEN, *STATUSES], format_func=STATUS_LABELS.get, key=f"f-status-{sha}", placeholder="All"
    )
    query = cols[3].text_input("Search", key=f"f-q-{sha}", placeholder="Words in the clause, section, rule…")
    possible = sum(f.source == "model" for f in r.findings)
    show_possible = st.toggle(
        f"Show possible clauses found by the trained model ({possible})",
        value=True,
        key=f"f-model-{sha}",
        help="Sentences no rule matched but the sentence classifier scored as this category. Check each one.",
        disabled=not possible,
    )
    needle = " ".join(query.lower().split())
    out = []
    for f in sorted(r.findings, key=lambda f: f.start):
        if f.source == "model" and not show_possible:
            continue
        hay = " ".join([f.clause_text, f.title, f.section.label(), f.rule_id, category_name(f.category)]).lower()
        if (
            (not cats or f.category in cats)
            and (not sevs or f.severity.value in sevs)
            and (not stats or status_of(f, decisions) in stats)
            and (not needle or needle in " ".join(hay.split()))
        ):
            out.append(f)
    return out


def finding_label(f: Finding, decisions: dict[str, Decision]) -> str:
    page = f"p.{f.page} · " if f.page else ""
    status = STATUS_LABELS[status_of(f, decisions)]
    possible = "possible · " if f.source == "model" else ""
    return f"{f.severity.value.upper()} · {possible}{category_name(f.category)} · {page}{f.title} [{status}]"


def finding_list(shown: list[Finding], decisions: dict[str, Decision], sha: str) -> None:
    """The filtered findings as a table; picking a row selects the finding for the detail view."""
    ids = [f.id for f in shown]
    table = pd.DataFrame(
        {
            "Severity": [f.severity.value for f in shown],
            "Category": [category_name(f.category) + (" (possible)" if f.source == "model" else "") for f in shown],
            "Page": [f.page for f in shown],
            "Status": [STATUS_LABELS[status_of(f, decisions)] for f in shown],
        }
    )
    grid_key = f"grid-{sha}-" + hashlib.sha1("".join(ids).encode()).hexdigest()[:8]
    event = st.dataframe(
        table,
        key=grid_key,
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(shown), 640),
        column_config={
            "Severity": st.column_config.TextColumn("Sev", width=46),
            "Category": st.column_config.TextColumn(width=128),
            "Page": st.column_config.NumberColumn("Pg", width=34),
            "Status": st.column_config.TextColumn(width=100),
        },
    )
    rows = event.selection.rows
    if rows and rows[0] < len(ids) and st.session_state.get(f"picked-{grid_key}") != ids[rows[0]]:
        st.session_state[f"picked-{grid_key}"] = ids[rows[0]]
        st.session_state[f"sel-{sha}"] = ids[rows[0]]  # the selectbox below is not drawn yet


def _step(key: str, ids: list[str], by: int) -> None:
    current = st.session_state.get(key)
    i = ids.index(current) if current in ids else 0
    st.session_state[key] = ids[(i + by) % len(ids)]


def finding_detail(
    r: ScanResult, f: Finding, decision: Decision | None, store: ReviewStore, reviewer: str, data: bytes
) -> None:
    doc = read_document(r.sha256, r.path, data)
    status = decision.status if decision else OPEN
    st.html(
        f'<div class="cc-head"><span class="cc-sev cc-sev-{f.severity.value}">{f.severity.value}</span>'
        f"<h3>{escape(f.title)}</h3>"
        f'<span class="cc-status cc-status-{status}">{escape(STATUS_LABELS[status])}</span></div>'
        f'<div class="cc-meta">{escape(category_name(f.category))} · '
        + (f"Section {escape(f.section.label())} · " if f.section.label() else "")
        + (f"Page {f.page} · " if f.page else "")
        + ("read by OCR from a scan: check the words against the page · " if f.ocr else "")
        + (
            f"possible: the trained model scores it {f.score:.2f}; no rule matched"
            if f.source == "model"
            else f"rule {escape(f.rule_id)} · {f.method} match"
            + (f" ({f.score:.0f}%)" if f.method == "fuzzy" else "")
            + (f" · model {f.model_score:.2f}" if f.model_score is not None else "")
        )
        + "</div>"
    )
    st.html(f'<div class="cc-text">{rx.context_html(doc.text, f, before=250, after=250)}</div>')
    st.html(
        f'<div class="cc-note why"><b>Why it matters</b>{escape(f.explanation)}</div>'
        f'<div class="cc-note todo"><b>Recommendation</b>{escape(f.recommendation)}</div>'
    )
    decision_form(r, f, decision, store, reviewer)


def decision_form(r: ScanResult, f: Finding, decision: Decision | None, store: ReviewStore, reviewer: str) -> None:
    flash = st.session_state.pop("flash", None)
    if flash:
        st.success(flash)
    key = f"{r.sha256}-{f.id}"
    with st.form(f"decision-{key}"):
        status = st.radio(
            "Decision",
            STATUSES,
            index=STATUSES.index(decision.status) if decision else None,
            format_func=STATUS_LABELS.get,
            horizontal=True,
            key=f"status-{key}",
        )
        comment = st.text_area(
            "Comment",
            value=decision.comment if decision else "",
            key=f"comment-{key}",
            placeholder="What to negotiate, what was agreed, who follows up…",
        )
        saved = st.form_submit_button("Save decision", type="primary")
    if decision:
        st.caption(f"Last decision by {md_code(decision.reviewer)} on {decision.updated_at}")
        history = store.audit(r.sha256, f.id)
        if history and history[-1].action == "reattached":
            st.caption(
                "This decision was made on an earlier scan and re-attached to the same clause after the rules changed."
            )
    if saved:
        if not reviewer:
            st.error("Enter your name under Reviewer in the sidebar before recording a decision.")
        elif status is None:
            st.error("Choose Accepted, Dismissed or Needs follow-up.")
        else:
            store.record(r.sha256, f, status, comment, reviewer)
            st.session_state.flash = f"Saved: {STATUS_LABELS[status]}."
            st.rerun()
    if decision:
        st.button(
            "Clear decision",
            key=f"clear-{key}",
            disabled=not reviewer,
            help="Make the finding open again (recorded in the audit trail)",
            on_click=_clear,
            args=(store, r.sha256, f.id, reviewer, key),
        )


def _clear(store: ReviewStore, sha256: str, finding_id: str, reviewer: str, key: str) -> None:
    store.clear(sha256, finding_id, reviewer)
    for widget in (f"status-{key}", f"comment-{key}"):  # callbacks run before the widgets are drawn
        st.session_state.pop(widget, None)
    st.session_state.flash = "Decision cleared: the finding is open again."


def page_view(r: ScanResult, f: Finding, data: bytes) -> None:
    if r.format != "pdf" or not f.page:
        st.caption("Page images are shown for PDFs; this document is " + (r.format or "text").upper() + ".")
        return
    doc = read_document(r.sha256, r.path, data)
    spans = ((f.start, f.end), (f.clause_start, f.clause_end))
    try:
        close_up = page_png(r.sha256, f.page, *spans, True, doc, data)
        whole = page_png(r.sha256, f.page, *spans, False, doc, data)
    except Exception as exc:  # a page pdfplumber cannot draw must not hide the review
        log.exception("page %s of %s could not be drawn", f.page, r.path)
        st.warning(f"Page {f.page} could not be drawn ({md_escape(type(exc).__name__)}); the text is on the left.")
        return
    st.image(close_up, caption=f"Page {f.page}: the clause, matched words boxed in red", width="stretch")
    st.image(whole, caption=f"Page {f.page} of {r.pages}", width="stretch")


def findings_tab(r: ScanResult, decisions: dict[str, Decision], store: ReviewStore, reviewer: str, data: bytes):
    if not r.findings:
        st.info("No findings in this document. Check the Overview for expected clauses that are missing.")
        return
    shown = filtered(r, decisions, r.sha256)
    st.caption(f"{len(shown)} of {len(r.findings)} findings shown")
    if not shown:
        st.info("No finding matches these filters.")
        return
    ids = [f.id for f in shown]
    key = f"sel-{r.sha256}"
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]
    left, middle, right = st.columns([9, 10, 9], gap="medium")
    with left:
        finding_list(shown, decisions, r.sha256)
    by_id = {f.id: f for f in shown}
    with middle:
        nav = st.columns([8, 1, 1], vertical_alignment="bottom")
        nav[0].selectbox("Finding", ids, key=key, format_func=lambda i: finding_label(by_id[i], decisions))
        arrows = (("arrow_upward", "Previous finding", -1), ("arrow_downward", "Next finding", 1))
        for col, (icon, tip, step) in zip(nav[1:], arrows, strict=True):
            col.button(
                "", icon=f":material/{icon}:", help=tip, key=f"{icon}-{key}", on_click=_step, args=(key, ids, step)
            )
        f = by_id[st.session_state[key]]
        finding_detail(r, f, decisions.get(f.id), store, reviewer, data)
    with right:
        page_view(r, f, data)


# -- audit trail and exports -------------------------------------------------------------------


def audit_tab(r: ScanResult, store: ReviewStore) -> None:
    entries = store.audit(r.sha256)
    if not entries:
        st.info("No decisions have been recorded on this document yet.")
        return
    titles = {f.id: f"{f.title} (p.{f.page})" if f.page else f.title for f in r.findings}

    def state(d: dict | None) -> str:
        if not d:
            return ""
        return STATUS_LABELS[d["status"]] + (f": {d['comment']}" if d.get("comment") else "")

    table = pd.DataFrame(
        {
            "When (UTC)": [e.at for e in entries],
            "Who": [e.reviewer for e in entries],
            "Action": [e.action for e in entries],
            "Finding": [titles.get(e.finding_id, e.finding_id) for e in entries],
            "Before": [state(e.old) for e in entries],
            "After": [state(e.new) for e in entries],
        }
    ).iloc[::-1]
    st.dataframe(table, hide_index=True, width="stretch")


def export_tab(r: ScanResult, decisions: dict[str, Decision], everything: rx.Reviewed) -> None:
    stem = Path(r.path).stem
    for scope, reviewed, prefix in (
        ("This document", [(r, decisions)], stem),
        ("All open documents", everything, "review"),
    ):
        if scope != "This document" and len(everything) < 2:
            continue
        st.subheader(scope)
        cols = st.columns(4)
        exports = (
            ("CSV", rx.to_review_csv, "csv", "text/csv"),
            ("JSON", rx.to_review_json, "json", "application/json"),
            ("Memo (Markdown)", rx.to_memo_markdown, "md", "text/markdown"),
            ("Memo (HTML)", rx.to_memo_html, "html", "text/html"),
        )
        for col, (label, write, ext, mime) in zip(cols, exports, strict=True):
            col.download_button(
                label,
                write(reviewed),
                file_name=f"{prefix}-review.{ext}",
                mime=mime,
                on_click="ignore",
                icon=":material/download:",
                key=f"dl-{scope}-{ext}",
                width="stretch",
            )
    st.caption("CSV cells that a spreadsheet would run as a formula are prefixed with an apostrophe.")


# -- compare a policy with contracts, and the changes between two versions ------------------------


Opened = list[tuple[OpenFile, ScanResult]]


def _pick_default(key: str, options: list, default) -> None:
    """Give a widget its default before it is drawn, and drop values that are no longer options."""
    value = st.session_state.get(key)
    if isinstance(default, list):
        st.session_state[key] = default if value is None else [v for v in value if v in options]
    elif value not in options:
        st.session_state[key] = default


def _where(e, results: list[ScanResult]) -> str:
    f = evidence_finding(e, results)
    parts = [e.side.capitalize(), e.document]
    if f and f.section.label():
        parts.append(f"Section {f.section.label()}")
    if f and f.page:
        parts.append(f"Page {f.page}")
    return " · ".join(parts)


def compare_tab(ok: Opened) -> None:
    by_sha = {r.sha256: (f, r) for f, r in ok}
    labels = {r.sha256: f"{f.name} · {r.kind}" for f, r in ok}
    shas = list(by_sha)
    policies = [s for s in shas if by_sha[s][1].kind == "policy"]
    if len(shas) < 2:
        st.info("Open a cyber-insurance policy and at least one contract to compare them.")
        return
    _pick_default("cmp-policy", shas, policies[0] if policies else None)
    cols = st.columns([2, 3])
    policy = cols[0].selectbox(
        "Policy", shas, format_func=labels.get, key="cmp-policy", placeholder="Choose the policy"
    )
    others = [s for s in shas if s != policy]
    _pick_default("cmp-contracts", others, [s for s in others if by_sha[s][1].kind == "contract"])
    chosen = cols[1].multiselect(
        "Contracts", others, format_func=labels.get, key="cmp-contracts", placeholder="Choose the contracts"
    )
    if policy is None:
        st.info("None of the open documents reads as a cyber-insurance policy: open one, or choose which to use.")
        return
    if not chosen:
        st.info("No contract is open or chosen: open a contract, or choose which documents to compare.")
        return
    policy_r = by_sha[policy][1]
    contracts = [by_sha[s][1] for s in chosen]
    if policy_r.kind != "policy":
        st.caption(f"{md_code(policy_r.path)} reads as a {policy_r.kind}, not a policy wording; compared anyway.")
    # the whole texts, so that a security duty is looked for beyond the findings (as the CLI does)
    texts = {r.path: read_document(r.sha256, f.name, f.data).text for f, r in (by_sha[s] for s in chosen)}
    conflicts = compare(policy_r, contracts, texts=texts)
    cols = st.columns(4)
    cols[0].metric("Conflicts", len(conflicts), border=True)
    cols[1].metric("High severity", sum(c.severity == Severity.HIGH for c in conflicts), border=True)
    for col, (label, text, ext, mime) in zip(
        cols[2:],
        (
            ("Report (Markdown)", conflicts_to_markdown(policy_r, contracts, conflicts), "md", "text/markdown"),
            ("Report (JSON)", conflicts_to_json(policy_r, contracts, conflicts), "json", "application/json"),
        ),
        strict=True,
    ):
        col.download_button(
            label,
            text,
            file_name=f"{Path(policy_r.path).stem}-compare.{ext}",
            mime=mime,
            on_click="ignore",
            icon=":material/download:",
            key=f"dl-compare-{ext}",
            width="stretch",
        )
    if not conflicts:
        st.success("No conflicts between the policy and these contracts.")
        return
    results = [policy_r, *contracts]
    for c in conflicts:
        with st.container(border=True):
            evidence = "".join(
                f'<div class="cc-meta">{escape(_where(e, results))}</div><div class="cc-text">{escape(e.text)}</div>'
                for e in c.evidence
            )
            st.html(
                f'<div class="cc-head"><span class="cc-sev cc-sev-{c.severity.value}">{c.severity.value}</span>'
                f"<h3>{escape(c.title)}</h3></div>"
                f'<div class="cc-meta">{escape(c.type)} · contract {escape(c.contract)}</div>'
                f"<p><b>{escape(c.detail)}</b></p>"
                f'<div class="cc-note why"><b>Why it matters</b>{escape(c.explanation)}</div>'
                f'<div class="cc-note todo"><b>Recommendation</b>{escape(c.recommendation)}</div>{evidence}'
            )


def _severities(old: Severity | None, new: Severity | None) -> str:
    return " → ".join(s.value for s in (old, new) if s)


def changes_tab(ok: Opened) -> None:
    if len(ok) < 2:
        st.info("Open two versions of a document (upload both) to see what changed between them.")
        return
    by_sha = {r.sha256: (f, r) for f, r in ok}
    labels = {r.sha256: f"{f.name} · {r.kind}" for f, r in ok}
    shas = list(by_sha)
    _pick_default("diff-old", shas, shas[0])
    _pick_default("diff-new", shas, shas[1])
    cols = st.columns(2)
    old = cols[0].selectbox("Old version", shas, format_func=labels.get, key="diff-old")
    new = cols[1].selectbox("New version", shas, format_func=labels.get, key="diff-new")
    if old == new:
        st.warning("Choose two different documents.")
        return
    (old_f, old_r), (new_f, new_r) = by_sha[old], by_sha[new]
    with st.spinner("Comparing the versions…"):
        d = version_diff(old, new, old_f, new_f, old_r, new_r)
    counts = d.counts()
    cols = st.columns(6)
    for col, label, n in zip(
        cols,
        ("Added", "Removed", "Changed", "Renumbered", "Unchanged"),
        (counts["added"], counts["removed"], counts["changed"], counts["renumbered"], d.unchanged),
        strict=False,
    ):
        col.metric(label, n, border=True)
    cols[5].download_button(
        "Changes (Markdown)",
        diff_markdown(d),
        file_name=f"{Path(new_f.name).stem}-changes.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
        key="dl-changes-md",
        width="stretch",
    )
    st.subheader("Findings")
    if d.findings:
        items = "".join(
            f'<li><span class="cc-status">{escape(f.change)}</span> '
            f'<span class="cc-sev cc-sev-{(f.new_severity or f.old_severity).value}">'
            f"{escape(_severities(f.old_severity, f.new_severity))}</span> <b>{escape(f.title)}</b>"
            f'<br><span class="cc-meta">{escape(category_name(f.category))} · {escape(f.section)}</span>'
            f'<div class="cc-text">{escape(f.text)}</div></li>'
            for f in d.findings
        )
        st.html(f'<ul class="cc-missing">{items}</ul>')
    else:
        st.info("No finding appeared, disappeared or changed severity.")
    st.subheader("Clauses")
    changed = [x for x in d.clauses if x.status != "renumbered"]
    if changed:
        items = "".join(
            f'<li><span class="cc-status">{escape(x.status)}</span> '
            f"<b>{escape(' → '.join(dict.fromkeys(s for s in (x.old_section, x.new_section) if s)))}</b>"
            f'<div class="cc-text">{escape(x.summary if x.status == "changed" else x.new_text or x.old_text or "")}'
            "</div></li>"
            for x in changed
        )
        st.html(f'<ul class="cc-missing">{items}</ul>')
    else:
        st.info("No clause was added, removed or changed.")
    renumbered = [x for x in d.clauses if x.status == "renumbered"]
    if renumbered:
        st.caption("Renumbered: " + ", ".join(md_code(f"{x.old_section} → {x.new_section}") for x in renumbered))


# -- page --------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title="clausecheck review", layout="wide")  # no page_icon: icons load from Google
    st.html(CSS)
    store = review_store(str(default_path()))
    reviewer, files = sidebar(store)
    if not files:
        welcome()
        warm_engine()  # while the reviewer picks files
        return
    warm_engine()
    with st.spinner("Scanning…"):
        results = [(f, scan_file(f.sha256, f.name, f.data)) for f in files]
    for f, r in results:
        if r.error:
            st.error(f"{md_code(f.name)} could not be read: {md_escape(r.error)}", icon=":material/error:")
    ok = [(f, r) for f, r in results if not r.error]
    if not ok:
        return
    decisions = {r.sha256: store.attach(r.sha256, r.findings) for _, r in ok}
    if len(ok) > 1:
        shas = [r.sha256 for _, r in ok]
        labels = {r.sha256: f"{f.name} · {r.kind}, {len(r.findings)} findings" for f, r in ok}
        sha = st.selectbox("Document", shas, format_func=labels.get, key="doc")
    else:
        sha = ok[0][1].sha256
    file, r = next((f, r) for f, r in ok if r.sha256 == sha)
    ds = decisions[sha]
    st.html(
        f'<div class="cc-head"><h3>{escape(file.name)}</h3><span class="cc-meta">{escape(r.kind)} · '
        f"{r.pages} page(s) · {len(r.findings)} findings · scanned in {r.timings.get('total_ms', 0) / 1000:.1f} s · "
        f"SHA-256 {r.sha256[:12]}…</span></div>"
    )
    # lazy tabs: only the open tab runs (the page images and exports are not made for nothing)
    overview_tab, findings, audit, export, compare_view, changes = st.tabs(TABS, key="view", on_change="rerun")
    if overview_tab.open:
        with overview_tab:
            overview(r, ds)
    if findings.open:
        with findings:
            findings_tab(r, ds, store, reviewer, file.data)
    if audit.open:
        with audit:
            audit_tab(r, store)
    if export.open:
        with export:
            export_tab(r, ds, [(r2, decisions[r2.sha256]) for _, r2 in ok])
    if compare_view.open:
        with compare_view:
            compare_tab(ok)
    if changes.open:
        with changes:
            changes_tab(ok)


try:
    main()
except Exception as exc:  # never a traceback on the page; the log has it
    log.exception("clausecheck app error")
    st.error(
        f"Something went wrong: {md_escape(type(exc).__name__)}: {md_escape(str(exc))}. Details are in the server log."
    )
