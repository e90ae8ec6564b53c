"""``compare()``: a cyber-insurance policy against the MSP's contracts.

Each check reads the findings and extracted values of one policy and one contract and returns
:class:`~clausecheck.model.Conflict` objects with evidence from both sides. What counts, the
severity and the words shown to the MSP are data (``patterns/conflicts.yaml``,
:class:`ConflictsFile`); this module holds the comparisons.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from .matcher import fold, phrase_regex
from .model import Conflict, Evidence, Finding, ScanResult, Severity, Value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Check(_Strict):
    severity: Severity
    title: str = Field(min_length=3)
    explanation: str = Field(min_length=10)
    recommendation: str = Field(min_length=10)


class UninsuredLiability(_Check):
    policy_categories: list[str] = Field(min_length=1)
    contract_categories: list[str] = Field(min_length=1)
    min_severity: Severity
    contract_require_any: list[str] = Field(default_factory=list)
    contract_exclude_any: list[str] = Field(default_factory=list)
    when_missing: list[str] = Field(default_factory=list)
    lower_to: Severity
    lower_if_policy_any: list[str] = Field(default_factory=list)


class LimitShortfall(_Check):
    coverage_limits: dict[str, str] = Field(min_length=1, description="required coverage -> 'aggregate' or a sublimit")


class Regulator(_Strict):
    name: str
    hours: float = Field(gt=0)
    trigger: str
    when_any: list[str] = Field(min_length=1)


class DeadlineConflict(_Check):
    min_gap_hours: float = 0
    regulators: list[Regulator] = Field(default_factory=list)


class AbsoluteUninsured(_Check):
    contract_categories: list[str] = Field(min_length=1)
    policy_categories: list[str] = Field(min_length=1)
    policy_exclusion_categories: list[str] = Field(default_factory=list)
    policy_exclusion_any: list[str] = Field(default_factory=list)


class SubrogationWaiver(_Check):
    policy_categories: list[str] = Field(min_length=1)
    contract_waiver_any: list[str] = Field(min_length=1)


class UnassignedDuty(_Check):
    policy_categories: list[str] = Field(min_length=1)
    controls: dict[str, list[str]] = Field(min_length=1)


class Checks(_Strict):
    uninsured_contractual_liability: UninsuredLiability = Field(alias="uninsured-contractual-liability")
    insurance_limit_shortfall: LimitShortfall = Field(alias="insurance-limit-shortfall")
    notification_deadline_conflict: DeadlineConflict = Field(alias="notification-deadline-conflict")
    absolute_commitment_uninsured: AbsoluteUninsured = Field(alias="absolute-commitment-uninsured")
    subrogation_without_waiver: SubrogationWaiver = Field(alias="subrogation-without-waiver")
    unassigned_security_duty: UnassignedDuty = Field(alias="unassigned-security-duty")


class ConflictsFile(_Strict):
    """``patterns/conflicts.yaml``."""

    conflicts: Checks

    def category_refs(self) -> Iterator[tuple[str, str]]:
        for name, check in self.conflicts:
            for key in ("policy_categories", "contract_categories", "policy_exclusion_categories", "when_missing"):
                for c in getattr(check, key, []):
                    yield f"conflicts.{name.replace('_', '-')}.{key}", c


# --- helpers -------------------------------------------------------------------------------------


def _has(phrases: list[str], text: str) -> bool:
    regex = phrase_regex(phrases)
    return bool(regex and regex.search(fold(text)))


def _of(result: ScanResult, categories: list[str], min_severity: Severity | None = None) -> list[Finding]:
    floor = min_severity.rank if min_severity else 0
    return [f for f in result.findings if f.category in categories and f.severity.rank >= floor]


def _evidence(side: str, result: ScanResult, f: Finding | None = None, value: Value | None = None, text: str = ""):
    if f is None and value is not None and value.finding_id:
        f = next((x for x in result.findings if x.id == value.finding_id), None)
    return Evidence(
        side=side,
        document=result.path,
        finding_id=f.id if f else None,
        category=f.category if f else (value.category if value else None),
        text=text or (f.clause_text if f else value.text if value else ""),
        value=value,
    )


def _hours(h: float | None) -> str:
    if h is None:
        return "no fixed deadline"
    return f"{h:g} hours" if h < 72 or h % 24 else f"{h / 24:g} days"


def _money(v: Value) -> str:
    return f"{v.currency or ''} {v.amount:,.0f}".strip()


class _Comparison:
    """One policy against one contract."""

    def __init__(self, rules: ConflictsFile, policy: ScanResult, contract: ScanResult, text: str | None):
        self.c = rules.conflicts
        self.policy, self.contract = policy, contract
        self.contract_text = text if text is not None else "\n".join(f.clause_text for f in contract.findings)

    def conflict(self, type_: str, check: _Check, evidence: list[Evidence], detail: str, severity=None) -> Conflict:
        key = "|".join(
            [type_, self.policy.sha256 or self.policy.path, self.contract.sha256 or self.contract.path]
            + [e.finding_id or e.text for e in evidence]
        )
        return Conflict(
            id=hashlib.sha256(key.encode()).hexdigest()[:16],
            type=type_,
            severity=severity or check.severity,
            title=check.title,
            policy=self.policy.path,
            contract=self.contract.path,
            explanation=" ".join(check.explanation.split()),
            recommendation=" ".join(check.recommendation.split()),
            detail=detail,
            evidence=evidence,
        )

    def all(self) -> list[Conflict]:
        return [
            *self.uninsured_contractual_liability(),
            *self.insurance_limit_shortfall(),
            *self.notification_deadline_conflict(),
            *self.absolute_commitment_uninsured(),
            *self.subrogation_without_waiver(),
            *self.unassigned_security_duty(),
        ]

    def uninsured_contractual_liability(self) -> Iterator[Conflict]:
        check = self.c.uninsured_contractual_liability
        exclusions = _of(self.policy, check.policy_categories)
        if not exclusions:
            return
        exposures = [
            _evidence("contract", self.contract, f)
            for f in _of(self.contract, check.contract_categories, check.min_severity)
            if (not check.contract_require_any or _has(check.contract_require_any, f.clause_text))
            and not _has(check.contract_exclude_any, f.clause_text)
        ]
        missing = {m.category for m in self.contract.missing} & set(check.when_missing)
        exposures += [
            _evidence("contract", self.contract, text=f"no {c} clause found in the contract") for c in sorted(missing)
        ]
        if not exposures:
            return
        carve_back = any(_has(check.lower_if_policy_any, f.clause_text) for f in exclusions)
        detail = f"{len(exposures)} contract clause(s) beyond a cap; the policy excludes contractual liability"
        if carve_back:
            detail += " (with a carve-back for liability that would exist without the contract)"
        yield self.conflict(
            "uninsured-contractual-liability",
            check,
            [_evidence("policy", self.policy, f) for f in exclusions] + exposures,
            detail,
            check.lower_to if carve_back else None,
        )

    def insurance_limit_shortfall(self) -> Iterator[Conflict]:
        check = self.c.insurance_limit_shortfall
        limits = {"aggregate": [v for v in self.policy.values if v.type == "policy-aggregate-limit"]}
        for v in self.policy.values:
            if v.type == "policy-sublimit":
                limits.setdefault(v.coverage, []).append(v)
        for req in self.contract.values:
            if req.type != "insurance-required" or req.coverage not in check.coverage_limits:
                continue
            held = [v for v in limits.get(check.coverage_limits[req.coverage], []) if v.currency == req.currency]
            if held and req.amount > max(v.amount for v in held):
                top = max(held, key=lambda v: v.amount)
                gap = req.model_copy(update={"amount": req.amount - top.amount})
                yield self.conflict(
                    "insurance-limit-shortfall",
                    check,
                    [_evidence("contract", self.contract, value=req), _evidence("policy", self.policy, value=top)],
                    f"{req.coverage} cover of {_money(req)} required; the policy's "
                    f"{check.coverage_limits[req.coverage]} limit is {_money(top)} (short by {_money(gap)})",
                )

    def notification_deadline_conflict(self) -> Iterator[Conflict]:
        check = self.c.notification_deadline_conflict
        to_customer = [
            v
            for v in self.contract.values
            if v.type == "notification-deadline" and v.party == "customer" and v.hours is not None
        ]
        to_insurer = [
            v
            for v in self.policy.values
            if v.type == "notification-deadline"
            and v.party == "insurer"
            and v.hours is not None
            and v.category == "incident-notification"
        ]
        if not to_customer or not to_insurer:
            return
        customer = min(to_customer, key=lambda v: v.hours)
        insurer = min(to_insurer, key=lambda v: v.hours)
        sooner = customer.hours + check.min_gap_hours < insurer.hours
        wider = customer.trigger == "suspected" and insurer.trigger not in ("suspected", None)
        if not (sooner or wider):
            return
        evidence = [
            _evidence("contract", self.contract, value=customer),
            _evidence("policy", self.policy, value=insurer),
        ]
        parts = [
            f"customer: {_hours(customer.hours)} ({customer.trigger or 'no trigger stated'})",
            f"insurer: {_hours(insurer.hours)} ({insurer.trigger or 'no trigger stated'})",
        ]
        # the customer's regulator: deadlines the contract states, and those of a law it names
        stated = [v for v in self.contract.values if v.type == "notification-deadline" and v.party == "regulator"]
        for v in stated:
            evidence.append(_evidence("contract", self.contract, value=v))
            parts.append(f"regulator: {_hours(v.hours)} ({v.trigger or 'no trigger stated'})")
        for law in check.regulators:
            if law.hours not in {v.hours for v in stated} and _has(law.when_any, self.contract_text):
                evidence.append(
                    Evidence(side="law", document=law.name, text=f"{_hours(law.hours)} after {law.trigger}")
                )
                parts.append(f"{law.name}: {_hours(law.hours)}")
        yield self.conflict("notification-deadline-conflict", check, evidence, "; ".join(parts))

    def absolute_commitment_uninsured(self) -> Iterator[Conflict]:
        check = self.c.absolute_commitment_uninsured
        promises = _of(self.contract, check.contract_categories)
        exclusions = _of(self.policy, check.policy_categories) + [
            f
            for f in _of(self.policy, check.policy_exclusion_categories)
            if _has(check.policy_exclusion_any, f.clause_text)
        ]
        if promises and exclusions:
            yield self.conflict(
                "absolute-commitment-uninsured",
                check,
                [_evidence("contract", self.contract, f) for f in promises]
                + [_evidence("policy", self.policy, f) for f in exclusions],
                f"{len(promises)} absolute promise(s) in the contract; {len(exclusions)} policy exclusion(s) apply",
            )

    def subrogation_without_waiver(self) -> Iterator[Conflict]:
        check = self.c.subrogation_without_waiver
        rights = _of(self.policy, check.policy_categories)
        if rights and not any(_has(check.contract_waiver_any, f.clause_text) for f in self.contract.findings):
            yield self.conflict(
                "subrogation-without-waiver",
                check,
                [_evidence("policy", self.policy, f) for f in rights]
                + [_evidence("contract", self.contract, text="no waiver of subrogation found in the contract")],
                "the policy subrogates the insurer to the MSP's rights; the contract waives none",
            )

    def unassigned_security_duty(self) -> Iterator[Conflict]:
        check = self.c.unassigned_security_duty
        required = _of(self.policy, check.policy_categories)
        for control, words in check.controls.items():
            asks = [f for f in required if _has(words, f.clause_text)]
            if asks and not _has(words, self.contract_text):
                yield self.conflict(
                    "unassigned-security-duty",
                    check,
                    [
                        _evidence("policy", self.policy, asks[0]),
                        _evidence(
                            "contract", self.contract, text=f"no clause assigns {control} to the customer or MSP"
                        ),
                    ],
                    f"the policy requires {control}; the contract does not say who provides it",
                )


def compare(
    policy: ScanResult,
    contracts: list[ScanResult],
    rules: ConflictsFile | None = None,
    texts: dict[str, str] | None = None,
) -> list[Conflict]:
    """Conflicts between one policy and each contract (results of :func:`clausecheck.scan`), most
    severe first. ``texts`` (result path -> document text), when given, lets the security-duty
    check search the whole contract rather than its findings. Results that could not be read are
    skipped (the caller reports them)."""
    if rules is None:
        from .scanner import get_engine

        rules = get_engine().rules.conflicts
    out = [
        c
        for contract in contracts
        if contract.ok and policy.ok
        for c in _Comparison(rules, policy, contract, (texts or {}).get(contract.path)).all()
    ]
    return sorted(out, key=lambda c: -c.severity.rank)


def evidence_finding(evidence: Evidence, results: list[ScanResult]) -> Finding | None:
    """The finding a piece of evidence quotes, looked up in ``results`` (for its section and
    page); ``None`` for evidence that quotes no finding (a value, a deadline set by law, an
    absence) or a document not among ``results``."""
    if not evidence.finding_id:
        return None
    for r in results:
        if r.path == evidence.document:
            found = next((f for f in r.findings if f.id == evidence.finding_id), None)
            if found:
                return found
    return None
