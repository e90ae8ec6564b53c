"""The obligations register: owners, timing, evidence, practices, the data file and its errors."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from clausecheck.cli import main
from clausecheck.diff import read_version
from clausecheck.errors import RuleError
from clausecheck.exports import register_csv, register_markdown
from clausecheck.register import DEFAULT_PATTERNS, Register, build_register, get_obligations, load_obligations

POLICY = SAMPLES / "cyber-policy-wording.txt"
SLA = SAMPLES / "msp-sla-best-effort.txt"
DEALER = SAMPLES / "msp-msa-car-dealership.txt"


@pytest.fixture(scope="module")
def config():
    return get_obligations()


@pytest.fixture(scope="module")
def register() -> Register:
    results, texts = [], {}
    for path in (POLICY, SLA, DEALER):
        doc, result = read_version(path)
        results.append(result)
        texts[result.path] = doc.text
    return build_register(results, texts=texts)


def row(register: Register, document, starts: str):
    [found] = [o for o in register.obligations if o.document == str(document) and o.text.startswith(starts)]
    return found


@pytest.mark.parametrize(
    ("kind", "sentence", "owner", "party"),
    [
        ("contract", "The Customer shall maintain current licences for all software.", "customer", "Customer"),
        ("contract", "Provider will notify Customer of any Security Incident.", "msp", "Provider"),
        (
            "contract",
            "Upon any Breach involving Health System Data, the Contractor shall notify it.",
            "msp",
            "Contractor",
        ),
        ("contract", "The Client may audit the Supplier once a year.", "msp", "Client"),
        ("contract", "Provider is not responsible for failures caused by Customer's systems.", "customer", "Provider"),
        ("contract", "The Dealer shall train its staff annually.", "customer", "Dealer"),
        ("contract", "CUSTOMER SHALL KEEP ITS CREDENTIALS CONFIDENTIAL.", "customer", "CUSTOMER"),
        ("policy", "The Insured must report any Security Incident to the Insurer.", "msp", "Insured"),
        ("policy", "Underwriters shall not be liable for the fees of any other firm.", "msp", "Underwriters"),
        ("contract", "Security logs shall be retained for twelve months.", "unclear", None),
    ],
)
def test_the_owner_is_the_subject_of_the_duty(config, kind, sentence, owner, party):
    got_owner, got_party, reason = config.owner(kind, sentence, None, None)
    assert (got_owner, got_party) == (owner, party), reason


def test_when_the_sentence_names_no_party_then_the_lead_in_and_then_the_heading_decide(config):
    assert config.owner("contract", "(b) maintain vendor support.", "5.1 Customer shall:", None)[0] == "customer"
    assert config.owner("contract", "(b) maintain vendor support.", None, "Customer Obligations")[0] == "customer"
    assert config.owner("contract", "(b) maintain vendor support.", None, "Miscellaneous")[0] == "unclear"
    # a party merely named is no owner ("Customer Data", "to the Supplier"); a possessive or "by" is
    assert config.owner("contract", "The notice shall describe the Customer Data affected.", None, None)[0] == "unclear"
    assert config.owner("contract", "Reports shall be sent to the Supplier.", None, None)[0] == "unclear"
    assert config.owner("contract", "It is the Client's responsibility.", None, None)[:2] == ("customer", "Client")
    assert config.owner("contract", "A report shall be delivered by Provider.", None, None)[:2] == ("msp", "Provider")
    # lower-case "vendor" is not the defined term "Vendor"
    assert (
        config.owner("contract", "apply patches after the software vendor releases them.", None, None)[0] == "unclear"
    )


def test_a_policy_and_contracts_give_one_register_with_the_document_finding_section_and_page(register):
    assert {o.document for o in register.obligations} == {str(POLICY), str(SLA), str(DEALER)}
    assert {d.kind for d in register.documents} == {"policy", "contract"}
    for o in register.obligations:
        assert o.finding_id in o.finding_ids and o.section and o.page == 1 and o.evidence and o.practices


def test_the_mfa_condition_of_the_policy_is_the_msps_with_mfa_evidence(register):
    o = row(register, POLICY, "(i) Multi-Factor Authentication")
    assert o.owner == "msp" and o.category == "security-controls-condition"
    assert o.owner_reason.startswith("lead-in: Insured shall")
    assert any("MFA coverage report" in e for e in o.evidence)
    assert not any("backup" in e for e in o.evidence)


def test_the_policy_training_condition_has_an_annual_frequency_and_ties_to_the_insurers_training(register):
    o = row(register, POLICY, "(vi) security awareness training")
    assert o.type == "security-training"  # listed before security-control in obligations.yaml
    assert [(t.kind, t.amount, t.unit) for t in o.timings] == [("frequency", 1, "year")]
    assert "insurer-training" in o.practices
    assert any("phishing simulation" in e for e in o.evidence)


def test_the_sla_incident_notice_is_the_providers_with_its_deadline(register):
    o = row(register, SLA, "Provider shall notify Customer without undue delay")
    assert o.owner == "msp" and o.party == "Provider" and o.section.startswith("6.2")
    assert [(t.amount, t.unit) for t in o.timings] == [(None, None), (72, "hour")]
    assert o.timing_text == "without undue delay; within seventy-two (72) hours"
    assert "the date the customer's management was told" in o.evidence
    assert "document-incidents" in o.practices


def test_customer_list_items_take_the_owner_of_their_lead_in(register):
    o = row(register, SLA, "(c) give Provider timely remote access")
    assert o.owner == "customer" and o.owner_reason == "lead-in: Customer shall"


def test_a_responsibility_matrix_row_gives_one_obligation_per_party_column():
    doc, result = read_version(SAMPLES / "security-addendum.txt")
    reg = build_register([result], texts={result.path: doc.text})
    mfa = [o for o in reg.obligations if o.text.startswith("Multi-factor authentication:")]
    assert [(o.owner, o.party, o.text) for o in mfa] == [
        ("msp", "Supplier", "Multi-factor authentication: Configure and enforce for all Managed Systems"),
        ("customer", "Client", "Multi-factor authentication: Ensure users enrol and keep registered devices secure"),
    ]
    assert len({o.finding_id for o in mfa}) == 1 and mfa[0].owner_reason == "matrix column: Supplier"
    leavers = [o for o in reg.obligations if o.text.startswith("Joiners, movers and leavers:")]
    assert [(o.owner, o.timing_text) for o in leavers] == [("msp", "within one Business Day"), ("customer", "promptly")]
    # the Supplier's cell says "None": no obligation of the MSP
    assert [o.owner for o in reg.obligations if o.text.startswith("Physical security of offices")] == ["customer"]
    assert not [o for o in reg.obligations if "\t" in o.text or o.text.startswith("Control area")]


def test_an_audit_right_of_the_customer_is_an_obligation_of_the_msp(register):
    o = row(register, DEALER, "Consistent with 16 CFR 314.4(f), Customer may")
    assert o.owner == "msp" and "other party" in o.owner_reason


def test_sublimits_are_not_obligations_but_the_call_back_condition_is():
    doc, result = read_version(SAMPLES / "cyber-policy-plain-english.txt")
    reg = build_register([result], texts={result.path: doc.text})
    soceng = [o for o in reg.obligations if o.category == "social-engineering-sublimit"]
    assert soceng and all(o.type == "social-engineering-verification" for o in soceng)
    assert any(f.rule_id == "SOCENG-001" for f in result.findings)
    assert all("call-back log" in o.evidence[0] for o in soceng)


def test_only_practices_that_rows_refer_to_are_listed(register):
    used = {p for o in register.obligations for p in o.practices}
    assert {p.id for p in register.practices} == used
    assert "truthful-application" in used and "joint-responsibility" in used


def test_a_document_that_cannot_be_read_is_listed_with_its_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    doc, result = read_version(empty)
    reg = build_register([result])
    assert doc is None and reg.obligations == [] and reg.documents[0].error


def test_csv_has_one_row_per_obligation_and_neutralises_formulas(register):
    rows = list(csv.DictReader(io.StringIO(register_csv(register))))
    assert len(rows) == len(register.obligations)
    assert {r["finding_id"] for r in rows} == {o.finding_id for o in register.obligations}
    evil = register.model_copy(
        update={"obligations": [register.obligations[0].model_copy(update={"text": '=HYPERLINK("x")', "party": "+1"})]}
    )
    [cells] = list(csv.DictReader(io.StringIO(register_csv(evil))))
    assert cells["text"] == '\'=HYPERLINK("x")' and cells["party"] == "'+1"


def test_markdown_lists_the_rows_and_the_practices_with_their_advice(register):
    md = register_markdown(register)
    assert md.startswith("# Obligations register")
    assert md.count("\n| MSP |") == register.counts()["msp"]
    assert "## Practices" in md and "Answer insurance applications truthfully" in md


def test_cli_register_formats_and_owner_filter(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["register", str(POLICY), str(SLA), "--format", "json"], catch_exceptions=False)
    reg = Register.model_validate_json(out.stdout)  # timing_text, a computed field, is ignored on the way in
    assert json.loads(out.stdout)["obligations"][0]["timing_text"] == reg.obligations[0].timing_text
    assert out.exit_code == 0 and reg.counts()["msp"] > 0 and reg.counts()["customer"] > 0
    only = runner.invoke(main, ["register", str(SLA), "--format", "json", "--owner", "customer"])
    assert {o["owner"] for o in json.loads(only.stdout)["obligations"]} == {"customer"}
    target = tmp_path / "register.csv"
    written = runner.invoke(main, ["register", str(SLA), "--format", "csv", "--output", str(target)])
    assert written.stdout == "" and target.read_text().startswith("document,kind,section")
    table = runner.invoke(main, ["register", str(SLA)])
    assert "Obligations register: 2 for the MSP, 11 for the customer, 1 unclear" in table.stdout


def test_when_obligations_yaml_has_an_unknown_field_then_the_error_names_the_file_line_and_field(tmp_path):
    folder = tmp_path / "patterns"
    shutil.copytree(DEFAULT_PATTERNS, folder, ignore=shutil.ignore_patterns("label-maps"))
    path = folder / "obligations.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "    category: security-training\n", "    category: security-training\n    colour: red\n", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_obligations(folder)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s == "    colour: red")
    assert str(err.value) == f"{path}:{line}: -: types[1].colour: Extra inputs are not permitted"


def test_when_references_are_wrong_then_each_is_reported_with_its_line(tmp_path):
    folder = tmp_path / "patterns"
    shutil.copytree(DEFAULT_PATTERNS, folder, ignore=shutil.ignore_patterns("label-maps"))
    path = folder / "obligations.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("practices: [document-incidents]\n", "practices: [document-incident]\n", 1)
    text = text.replace("    category: security-training\n", "    category: security-trainin\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_obligations(folder)
    lines = text.splitlines()
    bad_practice = next(i for i, line in enumerate(lines, 1) if "[document-incident]" in line)
    bad_category = next(i for i, line in enumerate(lines, 1) if "security-trainin\n" in line + "\n")
    assert len(err.value.issues) == 2
    messages = str(err.value).splitlines()
    assert (
        f"{path}:{bad_category}: -: types[1].category: unknown category 'security-trainin'; see categories.yaml"
        in messages
    )
    assert any(
        m.startswith(f"{path}:{bad_practice}: -: types[") and "unknown practice 'document-incident'" in m
        for m in messages
    )


def test_rules_validate_checks_obligations_yaml_in_the_folder_or_alone(tmp_path):
    folder = tmp_path / "patterns"
    shutil.copytree(DEFAULT_PATTERNS, folder, ignore=shutil.ignore_patterns("label-maps"))
    runner = CliRunner()
    assert runner.invoke(main, ["rules", "validate", str(folder)]).exit_code == 0
    path = folder / "obligations.yaml"
    assert runner.invoke(main, ["rules", "validate", str(path)]).stdout == "ok: obligations.yaml valid\n"
    path.write_text(path.read_text(encoding="utf-8").replace("[joint-responsibility]", "[joint]", 1), encoding="utf-8")
    for target in (folder, path):
        result = runner.invoke(main, ["rules", "validate", str(target)])
        assert result.exit_code == 2 and f"{path}:" in result.stderr and "unknown practice 'joint'" in result.stderr


def test_the_rule_loader_does_not_read_obligations_yaml_as_a_rule_file():
    from clausecheck.rules import load_rules

    assert (DEFAULT_PATTERNS / "obligations.yaml").exists()
    assert load_rules().rules
