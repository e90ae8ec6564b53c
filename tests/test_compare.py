"""compare(): a cyber policy against contracts. Each conflict type on a sample pair where it
genuinely exists, with evidence from both sides; none on a compatible pair; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from clausecheck import scan
from clausecheck.cli import main
from clausecheck.compare import compare

COMPATIBLE = Path(__file__).parent / "fixtures" / "compatible-msa.txt"


@pytest.fixture(scope="module")
def results():
    names = ["cyber-policy-wording", "cyber-policy-lloyds-style", "msp-msa-car-dealership",
             "customer-drafted-services-agreement", "msp-sla-best-effort", "security-addendum"]  # fmt: skip
    out = {n: scan(SAMPLES / f"{n}.txt") for n in names}
    out["compatible"] = scan(COMPATIBLE)
    return out


def _conflicts(results, policy, contract, type_=None):
    texts = {r.path: Path(r.path).read_text(encoding="utf-8") for r in results.values()}
    found = compare(results[policy], [results[contract]], texts=texts)
    return [c for c in found if type_ is None or c.type == type_]


def _both_sides(conflict, policy, contract):
    sides = {e.side: e for e in conflict.evidence if e.side != "law"}
    assert sides["policy"].document == policy.path and sides["contract"].document == contract.path
    return sides


@pytest.mark.parametrize(
    "policy, contract, type_, contract_category, policy_category",
    [
        # uncapped data-breach liability against an exclusion of liability assumed under contract
        ("cyber-policy-wording", "msp-msa-car-dealership", "uninsured-contractual-liability",
         "liability-uncapped", "contractual-liability-exclusion"),
        # "will ensure ... protected against all viruses" / "guarantees ... fully recoverable"
        ("cyber-policy-wording", "msp-msa-car-dealership", "absolute-commitment-uninsured",
         "absolute-commitment", "contractual-liability-exclusion"),
        # $20M cyber / $10M E&O required; the policy's aggregate limit is $2M
        ("cyber-policy-wording", "customer-drafted-services-agreement", "insurance-limit-shortfall",
         "insurance-requirement", None),
        # 24 hours of a suspected incident to the customer, 72 hours to the insurer, FTC 30 days
        ("cyber-policy-wording", "msp-msa-car-dealership", "notification-deadline-conflict",
         "incident-notification", "incident-notification"),
        # the SLA has no waiver of subrogation
        ("cyber-policy-wording", "msp-sla-best-effort", "subrogation-without-waiver", None, "subrogation"),
        # the policy requires EDR; the SLA never mentions it
        ("cyber-policy-wording", "msp-sla-best-effort", "unassigned-security-duty", None,
         "security-controls-condition"),
    ],
)  # fmt: skip
def test_when_a_conflict_exists_then_it_is_reported_with_evidence_from_both_sides(
    results, policy, contract, type_, contract_category, policy_category
):
    found = _conflicts(results, policy, contract, type_)
    assert found, f"no {type_} between {policy} and {contract}"
    c = found[0]
    assert c.explanation and c.recommendation and c.detail and len(c.id) == 16
    sides = _both_sides(c, results[policy], results[contract])
    for side, category, result in (("contract", contract_category, results[contract]),
                                   ("policy", policy_category, results[policy])):  # fmt: skip
        e = sides[side]
        if category:
            finding = next(f for f in result.findings if f.id == e.finding_id)
            assert finding.category == category == e.category and e.text
        else:
            assert e.text  # an absence: says what was looked for


def test_when_deadlines_conflict_then_every_deadline_is_evidence(results):
    [c] = _conflicts(results, "cyber-policy-wording", "msp-msa-car-dealership", "notification-deadline-conflict")
    assert "customer: 24 hours (suspected)" in c.detail and "insurer: 3 days" in c.detail
    hours = {(e.side, e.value.party if e.value else None): e.value.hours if e.value else None for e in c.evidence}
    assert hours[("contract", "customer")] == 24 and hours[("policy", "insurer")] == 72
    assert hours[("contract", "regulator")] == 720  # the FTC notice the contract itself states
    assert not any(e.side == "law" for e in c.evidence)  # so the same 30 days is not repeated from the law


def test_when_the_contract_names_a_law_with_a_deadline_then_the_law_is_evidence(results):
    [c] = _conflicts(
        results, "cyber-policy-wording", "customer-drafted-services-agreement", "notification-deadline-conflict"
    )
    [law] = [e for e in c.evidence if e.side == "law"]
    assert "HIPAA" in law.document and law.text == "60 days after discovered"


def test_when_the_shortfall_is_computed_then_the_largest_requirement_is_compared_with_the_limit(results):
    found = _conflicts(
        results, "cyber-policy-wording", "customer-drafted-services-agreement", "insurance-limit-shortfall"
    )
    cyber = next(c for c in found if c.evidence[0].value.coverage == "cyber")
    assert cyber.evidence[0].value.amount == 20_000_000 and cyber.evidence[1].value.amount == 2_000_000
    assert "short by USD 18,000,000" in cyber.detail


def test_when_the_contract_waives_subrogation_then_there_is_no_subrogation_conflict(results):
    assert not _conflicts(results, "cyber-policy-wording", "msp-msa-car-dealership", "subrogation-without-waiver")


def test_when_deadlines_fit_then_there_is_no_deadline_conflict(results):
    # 72 hours after the MSP confirms an incident, against 72 hours (or 48) to the insurer
    assert not _conflicts(results, "cyber-policy-wording", "msp-sla-best-effort", "notification-deadline-conflict")
    # 48 hours to the customer against 48 hours to the Lloyd's breach response provider
    assert not _conflicts(results, "cyber-policy-lloyds-style", "security-addendum", "notification-deadline-conflict")


@pytest.mark.parametrize("policy", ["cyber-policy-wording", "cyber-policy-lloyds-style"])
def test_when_the_documents_are_compatible_then_there_is_no_conflict(results, policy):
    assert _conflicts(results, policy, "compatible") == []


def test_when_the_same_documents_are_compared_twice_then_conflict_ids_are_stable(results):
    first = [c.id for c in _conflicts(results, "cyber-policy-wording", "msp-msa-car-dealership")]
    assert first == [c.id for c in _conflicts(results, "cyber-policy-wording", "msp-msa-car-dealership")]
    assert len(set(first)) == len(first)


# --- the command line ----------------------------------------------------------------------------


def _run(*args):
    return CliRunner().invoke(main, ["compare", *map(str, args)])


def test_when_compare_runs_as_json_then_conflicts_and_documents_are_listed():
    r = _run("--policy", SAMPLES / "cyber-policy-wording.txt", SAMPLES / "msp-msa-car-dealership.txt",
             COMPATIBLE, "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["policy"]["kind"] == "policy" and len(data["contracts"]) == 2
    assert {c["contract"] for c in data["conflicts"]} == {str(SAMPLES / "msp-msa-car-dealership.txt")}
    assert "notification-deadline-conflict" in data["summary"]


def test_when_a_contract_cannot_be_read_then_it_is_reported_and_the_others_compared(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    r = _run("--policy", SAMPLES / "cyber-policy-wording.txt", empty, SAMPLES / "msp-sla-best-effort.txt",
             "--format", "markdown")  # fmt: skip
    assert r.exit_code == 0
    assert "could not read" in r.stderr and "empty" in r.stderr and "Traceback" not in r.output
    assert "subrogation-without-waiver" in r.stdout


def test_when_the_policy_cannot_be_read_then_exit_code_is_2(tmp_path):
    r = _run("--policy", tmp_path / "missing.pdf", SAMPLES / "msp-sla-best-effort.txt")
    assert r.exit_code == 2 and "could not read the policy" in r.stderr


def test_when_policy_is_not_given_then_it_is_a_usage_error():
    assert _run(SAMPLES / "msp-sla-best-effort.txt").exit_code == 2


def test_when_fail_on_is_reached_then_exit_code_is_1():
    r = _run(
        "--policy", SAMPLES / "cyber-policy-wording.txt", SAMPLES / "msp-msa-car-dealership.txt", "--fail-on", "high"
    )
    assert r.exit_code == 1
    assert "notification-deadline-conflict" in r.stdout


def test_when_carve_outs_only_keep_the_customers_own_liability_then_no_uninsured_liability(results):
    # cloud SLA 10.3: the cap does not limit the Customer's fees, its indemnities, or fraud
    cloud = scan(SAMPLES / "cloud-hosting-sla.txt")
    assert any(f.category == "liability-uncapped" and f.severity.value == "high" for f in cloud.findings)
    found = compare(results["cyber-policy-wording"], [cloud])
    assert "uninsured-contractual-liability" not in {c.type for c in found}


def test_evidence_finding_gives_the_quoted_finding_for_its_section_and_page(results):
    from clausecheck.compare import evidence_finding

    policy, msa = results["cyber-policy-wording"], results["msp-msa-car-dealership"]
    [c] = _conflicts(results, "cyber-policy-wording", "msp-msa-car-dealership", "notification-deadline-conflict")
    contract_side = next(e for e in c.evidence if e.side == "contract")
    found = evidence_finding(contract_side, [policy, msa])
    assert found is not None and found.id == contract_side.finding_id and found in msa.findings
    assert found.clause_text == contract_side.text or contract_side.text in found.clause_text
    assert evidence_finding(contract_side, [policy]) is None  # not among the results
    law = [e for e in c.evidence if e.side == "law" or not e.finding_id]
    assert all(evidence_finding(e, [policy, msa]) is None for e in law)
