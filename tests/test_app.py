"""The review app, driven headless with streamlit.testing.v1.AppTest."""

from __future__ import annotations

import hashlib
from html import escape

import pytest
from conftest import ROOT, SAMPLES, encrypt_pdf, make_pdf
from hostile import literal
from streamlit.testing.v1 import AppTest

from clausecheck import scan
from clausecheck.store import ReviewStore

APP = str(ROOT / "app.py")
SLA_PDF = SAMPLES / "msp-sla-best-effort.pdf"


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "review.db"
    monkeypatch.setenv("CLAUSECHECK_STORE", str(path))
    return path


@pytest.fixture(scope="module")
def sla():
    data = SLA_PDF.read_bytes()
    return data, scan(data, name=SLA_PDF.name)


def start(reviewer: str | None = "Ada Lovelace") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    if reviewer is not None:
        at.text_input(key="reviewer").set_value(reviewer).run()
    return at


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="uploads").set_value([(name, data, "application/octet-stream") for name, data in files])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def show(at: AppTest, tab: str) -> AppTest:
    """Open a tab (the app's tabs are lazy: only the open one runs)."""
    at.session_state["view"] = tab
    at.run()
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def html(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.html)


def test_when_nothing_is_open_then_one_click_opens_the_sample_contracts(store_path):
    at = start(reviewer=None)
    assert not at.metric  # the welcome page
    at.button(key="welcome-samples").click().run()
    assert not at.exception and not at.error
    (docs,) = [s for s in at.selectbox if s.label == "Document"]
    assert len(docs.options) == 2
    assert [o.split(" · ")[0] for o in docs.options] == ["msp-sla-best-effort.pdf", "cyber-policy-wording.pdf"]
    assert int(metric(at, "Findings")) > 0
    assert at.query_params["samples"] == "msp-sla-best-effort.pdf,cyber-policy-wording.pdf"  # kept on reload


def test_when_a_pdf_is_uploaded_then_its_overview_and_findings_show_with_matched_words_marked(store_path, sla):
    data, result = sla
    at = upload(start(), (SLA_PDF.name, data))
    assert not at.error
    assert metric(at, "Kind") == "Contract"
    assert metric(at, "Pages") == str(result.pages)
    assert metric(at, "Findings") == str(len(result.findings))
    assert metric(at, "Reviewed") == f"0 / {len(result.findings)}"
    assert not at.radio  # the Findings tab has not run
    show(at, "Findings")
    (finding_box,) = [s for s in at.selectbox if s.label == "Finding"]
    assert len(finding_box.options) == len(result.findings)
    first = min(result.findings, key=lambda f: f.start)
    assert finding_box.value == first.id
    page = html(at)
    assert f"<mark>{first.text}</mark>" in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert first.explanation[:60].replace('"', "&quot;") in page
    captions = [c for img in at.get("image") for c in img.captions]
    assert captions == [
        f"Page {first.page}: the clause, matched words boxed in red",
        f"Page {first.page} of {result.pages}",
    ]


def test_when_a_decision_is_saved_then_a_new_session_sees_it_after_rerunning_the_app(store_path, sla):
    data, result = sla
    at = show(upload(start(), (SLA_PDF.name, data)), "Findings")
    at.radio[0].set_value("follow-up")
    at.text_area[0].set_value("Ask the customer to accept *reasonable* efforts; cap $50_000")
    button(at, "Save decision").click().run()
    assert not at.exception and not at.error
    assert "Saved: Needs follow-up." in [s.value for s in at.success]
    assert metric(show(at, "Overview"), "Reviewed") == f"1 / {len(result.findings)}"

    again = upload(start(reviewer="Grace Hopper"), (SLA_PDF.name, data))  # a reload: new session, same store
    assert metric(again, "Reviewed") == f"1 / {len(result.findings)}"
    show(again, "Findings")
    assert again.radio[0].value == "follow-up"
    assert again.text_area[0].value == "Ask the customer to accept *reasonable* efforts; cap $50_000"
    assert any(literal(c.value).startswith("Last decision by Ada Lovelace on ") for c in again.caption)
    (entry,) = ReviewStore(store_path).audit(result.sha256)
    assert (entry.reviewer, entry.action, entry.new["status"]) == ("Ada Lovelace", "decided", "follow-up")
    audit_tables = [d.value for d in show(again, "Audit trail").dataframe if "Who" in d.value.columns]
    assert audit_tables and list(audit_tables[0]["Who"]) == ["Ada Lovelace"]


def test_two_sessions_deciding_on_the_same_finding_at_once_lose_neither_decision(store_path, sla):
    """Grace's page still shows the finding open when Ada saves; Grace's later decision replaces
    Ada's and the audit trail keeps both, with Ada's as what Grace's replaced."""
    data, result = sla
    first = min(result.findings, key=lambda f: f.start)
    ada = show(upload(start("Ada Lovelace"), (SLA_PDF.name, data)), "Findings")
    grace = show(upload(start("Grace Hopper"), (SLA_PDF.name, data)), "Findings")  # open before Ada saves
    for at, status, comment in ((ada, "accepted", "fine"), (grace, "follow-up", "ask counsel")):
        assert at.radio[0].value is None  # both pages show the finding open
        at.radio[0].set_value(status)
        at.text_area[0].set_value(comment)
        button(at, "Save decision").click().run()
        assert not at.exception and not at.error
    trail = ReviewStore(store_path).audit(result.sha256)
    assert [(e.reviewer, e.action, e.finding_id) for e in trail] == [
        ("Ada Lovelace", "decided", first.id),
        ("Grace Hopper", "changed", first.id),
    ]
    assert (trail[1].old["status"], trail[1].old["comment"], trail[1].old["reviewer"]) == (
        "accepted",
        "fine",
        "Ada Lovelace",
    )
    ada.run()  # Ada's next rerun says who decided last (her form keeps what she entered)
    assert any(literal(c.value).startswith("Last decision by Grace Hopper on ") for c in ada.caption)


def test_when_no_reviewer_name_is_given_then_no_decision_is_recorded(store_path, sla):
    data, result = sla
    at = show(upload(start(reviewer=None), (SLA_PDF.name, data)), "Findings")
    at.radio[0].set_value("accepted")
    button(at, "Save decision").click().run()
    assert any("Enter your name" in e.value for e in at.error)
    assert ReviewStore(store_path).decisions(result.sha256) == {}


def test_filters_narrow_the_findings_list(store_path, sla):
    data, result = sla
    at = show(upload(start(), (SLA_PDF.name, data)), "Findings")
    sha = result.sha256
    at.multiselect(key=f"f-sev-{sha}").set_value(["high", "medium"]).run()
    (finding_box,) = [s for s in at.selectbox if s.label == "Finding"]
    expected = [f for f in result.findings if f.severity.value in ("high", "medium")]
    assert 0 < len(finding_box.options) == len(expected) < len(result.findings)
    assert all(o.startswith(("HIGH", "MEDIUM")) for o in finding_box.options)

    at.multiselect(key=f"f-sev-{sha}").set_value([]).run()
    at.text_input(key=f"f-q-{sha}").set_value("service credit").run()
    (finding_box,) = [s for s in at.selectbox if s.label == "Finding"]
    expected = [f for f in result.findings if "service credit" in " ".join(f.clause_text.lower().split())]
    assert 0 < len(finding_box.options) <= len(expected) + 2

    at.text_input(key=f"f-q-{sha}").set_value("").run()
    at.multiselect(key=f"f-status-{sha}").set_value(["dismissed"]).run()
    assert any(i.value == "No finding matches these filters." for i in at.info)


MARKDOWN_ELEMENTS = ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader")


def _shown(at: AppTest) -> tuple[list[str], str]:
    """The bodies of every element Streamlit renders as Markdown, and the HTML of the st.html ones."""
    return [e.value for kind in MARKDOWN_ELEMENTS for e in at.get(kind)], html(at)


def test_hostile_contract_text_file_names_and_comments_are_shown_inert_on_every_tab(store_path):
    """Script, HTML, Markdown, LaTeX and entities from the contract (TXT and DOCX), its file name and
    the reviewer: no Markdown element leaves any of it unescaped, no HTML element holds a live tag,
    and the text is there, escaped, where the app shows it. (test_browser.py checks the same page.)"""
    from hostile import CONTRACT, IMG, LATEX, NAME, SCRIPT, contract_docx, contract_v2, interpreted

    policy, docx = SAMPLES / "cyber-policy-wording.txt", contract_docx()
    at = start(reviewer="Mallory **<b>x</b>** $y$ [z](http://evil.example)")
    upload(
        at,
        (NAME, CONTRACT.encode()),
        ("v2 " + NAME, contract_v2().encode()),
        (NAME.replace(".txt", ".docx"), docx),
        ("empty " + NAME, b""),
        (policy.name, policy.read_bytes()),
    )
    shown = {"Overview": _shown(at)}
    (error,) = at.error
    assert literal(error.value) == f"empty {NAME} could not be read: the file is empty (0 bytes)"  # as typed
    show(at, "Findings")
    at.radio[0].set_value("follow-up")
    at.text_area[0].set_value(f"=1+1 {SCRIPT} **now** $z$ [x](http://evil.example)")
    button(at, "Save decision").click().run()
    assert not at.exception and ReviewStore(store_path).all_decisions()
    shown["Findings"] = _shown(at)
    for tab in ("Audit trail", "Export", "Compare", "Changes"):
        shown[tab] = _shown(show(at, tab))
    at.session_state["doc"] = hashlib.sha256(docx).hexdigest()
    shown["Findings (DOCX)"] = _shown(show(at, "Findings"))
    for tab, (bodies, page) in shown.items():
        assert not [(b, interpreted(b)) for b in bodies if interpreted(b)], tab
        assert not [tag for tag in ("<script", "<img", "<iframe", "<b>x") if tag in page], tab
    # the text itself is shown, escaped, where the app shows it
    assert escape(NAME) in shown["Overview"][1]  # the page header
    for tab in ("Findings", "Findings (DOCX)"):
        assert escape(SCRIPT) in shown[tab][1] and escape(LATEX) in shown[tab][1]
    assert escape(SCRIPT) in shown["Compare"][1] and escape(IMG) in shown["Compare"][1]
    assert escape(IMG) in shown["Changes"][1]  # the word diff of the changed clause
    assert any(
        literal(b).startswith("Last decision by Mallory **<b>x</b>** $y$ [z](http") for b in shown["Findings"][0]
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated", "damaged"),
        ("locked.pdf", "encrypted", "encrypted"),
        ("empty.txt", b"", "empty"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image"),
    ],
)
def test_when_a_file_cannot_be_read_then_a_clear_message_shows_and_the_other_files_still_open(
    store_path, sla, name, data, message
):
    if data == "encrypted":
        data = encrypt_pdf(make_pdf(["The Provider shall use best efforts."]))
    at = upload(start(), (name, data), (SLA_PDF.name, sla[0]))
    (error,) = at.error
    assert error.value.startswith(f"` {name} ` could not be read: ")
    assert message in error.value
    assert not at.exception
    assert metric(at, "Findings") == str(len(sla[1].findings))


def test_scans_are_cached_by_content(store_path, sla, monkeypatch):
    data, _ = sla
    at = upload(start(), (SLA_PDF.name, data))
    calls = []
    import clausecheck

    monkeypatch.setattr(clausecheck, "scan", lambda *a, **k: calls.append(a) or None)
    at.run()
    assert calls == []  # the cached result was used
    assert hashlib.sha256(data).hexdigest()[:12] in html(at)


def test_when_a_decision_is_cleared_then_the_finding_is_open_again_and_the_audit_trail_says_so(store_path, sla):
    data, result = sla
    at = show(upload(start(), (SLA_PDF.name, data)), "Findings")
    at.radio[0].set_value("accepted")
    button(at, "Save decision").click().run()
    button(at, "Clear decision").click().run()
    assert not at.exception
    assert "Decision cleared: the finding is open again." in [s.value for s in at.success]
    assert at.radio[0].value is None and at.text_area[0].value == ""
    assert metric(show(at, "Overview"), "Reviewed") == f"0 / {len(result.findings)}"
    assert [e.action for e in ReviewStore(store_path).audit(result.sha256)] == ["decided", "cleared"]


def test_a_decision_made_before_a_rule_change_is_shown_on_the_finding_that_now_covers_its_clause(store_path, sla):
    data, result = sla
    first = min(result.findings, key=lambda f: f.start)
    before = first.model_copy(update={"id": "id-under-old-rules", "rule_id": "EFFORT-OLD", "start": first.start + 1})
    ReviewStore(store_path).record(result.sha256, before, "dismissed", "fine as drafted", "Ada Lovelace")
    at = show(upload(start(), (SLA_PDF.name, data)), "Findings")
    assert at.radio[0].value == "dismissed" and at.text_area[0].value == "fine as drafted"
    assert any("re-attached" in c.value for c in at.caption)
    assert set(ReviewStore(store_path).decisions(result.sha256)) == {first.id}


def test_when_a_page_cannot_be_drawn_then_a_warning_shows_and_the_review_goes_on(store_path, monkeypatch):
    from clausecheck import pages

    def broken(*args, **kwargs):
        raise ValueError("no such page")

    monkeypatch.setattr(pages, "render_page", broken)
    pdf = make_pdf(["MASTER SERVICES AGREEMENT", "The Provider shall use best efforts to restore the Services."])
    at = show(upload(start(), ("one-off.pdf", pdf)), "Findings")
    assert [w.value for w in at.warning] == ["Page 2 could not be drawn (ValueError); the text is on the left."]
    assert at.radio and any(b.label == "Save decision" for b in at.button)


POLICY_TXT = SAMPLES / "cyber-policy-wording.txt"
MSA_TXT = SAMPLES / "msp-msa-car-dealership.txt"
SLA_TXT = SAMPLES / "msp-sla-best-effort.txt"


def test_compare_shows_the_conflicts_between_the_open_policy_and_contracts_with_evidence(store_path):
    policy, msa = scan(POLICY_TXT), scan(MSA_TXT)
    from clausecheck.compare import compare

    expected = compare(policy, [msa], texts={msa.path: MSA_TXT.read_text(encoding="utf-8")})
    assert expected
    at = upload(start(), (MSA_TXT.name, MSA_TXT.read_bytes()), (POLICY_TXT.name, POLICY_TXT.read_bytes()))
    show(at, "Compare")
    assert not at.error
    assert at.selectbox(key="cmp-policy").value == hashlib.sha256(POLICY_TXT.read_bytes()).hexdigest()
    assert at.multiselect(key="cmp-contracts").value == [hashlib.sha256(MSA_TXT.read_bytes()).hexdigest()]
    assert metric(at, "Conflicts") == str(len(expected))
    page = html(at)
    assert "notification-deadline-conflict" in page
    assert all(c.type in page for c in expected)
    deadline = next(c for c in expected if c.type == "notification-deadline-conflict")
    assert escape(deadline.detail) in page
    contract_side = next(e for e in deadline.evidence if e.side == "contract")
    policy_side = next(e for e in deadline.evidence if e.side == "policy")
    assert escape(contract_side.text) in page and escape(policy_side.text) in page
    assert f"Contract · {MSA_TXT.name}" in page and f"Policy · {POLICY_TXT.name}" in page
    assert not any(contract_side.text[:40] in m.value for m in at.markdown)  # contract text is never Markdown
    downloads = [b.proto.label for b in at.get("download_button")]
    assert {"Report (Markdown)", "Report (JSON)"} <= set(downloads)


def test_compare_says_so_when_no_policy_is_open_and_when_there_are_no_conflicts(store_path):
    at = upload(start(), (MSA_TXT.name, MSA_TXT.read_bytes()), (SLA_TXT.name, SLA_TXT.read_bytes()))
    show(at, "Compare")
    assert any("None of the open documents reads as a cyber-insurance policy" in i.value for i in at.info)
    assert not at.metric or "Conflicts" not in [m.label for m in at.metric]

    policy = hashlib.sha256(POLICY_TXT.read_bytes()).hexdigest()
    at = upload(start(), (POLICY_TXT.name, POLICY_TXT.read_bytes()), (SLA_TXT.name, SLA_TXT.read_bytes()))
    show(at, "Compare")
    assert at.selectbox(key="cmp-policy").value == policy
    at.multiselect(key="cmp-contracts").set_value([]).run()
    assert any("No contract is open or chosen" in i.value for i in at.info)

    compatible = ROOT / "tests" / "fixtures" / "compatible-msa.txt"
    at = upload(start(), (POLICY_TXT.name, POLICY_TXT.read_bytes()), (compatible.name, compatible.read_bytes()))
    show(at, "Compare")
    assert metric(at, "Conflicts") == "0"
    assert [s.value for s in at.success] == ["No conflicts between the policy and these contracts."]


def test_changes_shows_the_changed_clause_and_the_finding_that_changed(store_path):
    old = SLA_TXT.read_text(encoding="utf-8")
    assert "will use reasonable efforts to deploy" in old
    new = old.replace("will use reasonable efforts to deploy", "will ensure it deploys", 1)
    at = upload(start(), ("sla-v1.txt", old.encode()), ("sla-v2.txt", new.encode()))
    show(at, "Changes")
    assert not at.error
    assert metric(at, "Changed") == "1"
    assert metric(at, "Added") == "0" and metric(at, "Removed") == "0"
    assert int(metric(at, "Unchanged")) > 10
    page = html(at)
    from clausecheck.diff import diff_texts

    old_r, new_r = scan(old.encode(), name="sla-v1.txt"), scan(new.encode(), name="sla-v2.txt")
    d = diff_texts(old, new, old_r, new_r)
    (changed,) = [x for x in d.clauses if x.status == "changed"]
    assert "ensure" in changed.summary and escape(changed.summary) in page
    assert d.findings
    for f in d.findings:
        assert f">{escape(f.change)}<" in page and escape(f.title) in page
    assert any(b.proto.label == "Changes (Markdown)" for b in at.get("download_button"))

    at.selectbox(key="diff-new").set_value(at.selectbox(key="diff-old").value).run()
    assert any(w.value == "Choose two different documents." for w in at.warning)


def test_changes_asks_for_two_documents(store_path):
    at = show(upload(start(), (SLA_TXT.name, SLA_TXT.read_bytes())), "Changes")
    assert any("Open two versions" in i.value for i in at.info)


def test_streamlit_config_keeps_the_app_on_this_machine_and_its_upload_limit_is_the_readers():
    import tomllib

    from clausecheck.readers import MAX_BYTES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False  # no usage statistics
    assert config["server"]["address"] == config["browser"]["serverAddress"] == "127.0.0.1"
    assert config["server"]["headless"] is True and config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none" and config["client"]["toolbarMode"] == "minimal"
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_BYTES  # Streamlit counts MB as MiB on the server
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert not [u for u in ("http://", "https://", "@import", "url(") if u in source]  # no remote assets


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message():
    """The server refuses uploads over server.maxUploadSize (above); what the app is given is
    scanned by scan(), whose reader refuses anything over MAX_BYTES before reading it, with the
    message the app shows as "NAME could not be read: ..." (as for the bad files above)."""
    from clausecheck.readers import MAX_BYTES

    huge = scan(b"a" * (MAX_BYTES + 1), name="huge.txt")
    assert (huge.error_code, huge.error) == ("too-large", "the file is 100.0 MiB, over the 100 MiB limit")
