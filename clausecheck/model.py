"""The public result types: ``Finding`` and ``ScanResult`` (see shared/architecture.md).

They are the JSON contract other code relies on; ``SCHEMA_VERSION`` changes whenever a field
is removed or changes meaning (adding a field does not).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}

Kind = Literal["contract", "policy", "application", "unknown"]
Method = Literal["phrase", "token", "fuzzy", "model"]


class Section(BaseModel):
    """Where a finding sits in the document's structure, as far as it is known."""

    model_config = ConfigDict(frozen=True)

    number: str | None = None
    heading: str | None = None

    def label(self) -> str:
        return " ".join(p for p in (self.number, self.heading) if p)


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(description="stable: hash of rule id, document digest and offsets")
    rule_id: str
    category: str
    severity: Severity
    title: str
    start: int
    end: int
    text: str
    clause_start: int
    clause_end: int
    clause_text: str
    page: int | None
    section: Section
    method: Method
    pattern: int = Field(description="index of the rule's pattern that fired")
    score: float
    explanation: str
    recommendation: str
    merged_rule_ids: list[str] = Field(
        default_factory=list,
        description="other rules of the same category that fired in the same sentence",
    )
    spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description="every range of matched words (start, end) of the rules merged into the finding",
    )
    ocr: bool = Field(default=False, description="the finding is on a page whose text came from OCR (a scan)")
    source: Literal["rule", "model"] = Field(
        default="rule",
        description="'rule': a rule in patterns/ matched; 'model': only the trained sentence classifier "
        "found it (a possible clause; `score` is its probability)",
    )
    model_score: float | None = Field(
        default=None, description="the classifier's probability for the finding's category on its sentence"
    )


class MissingClause(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    severity: Severity
    explanation: str
    recommendation: str


ValueType = Literal[
    "liability-cap-amount",
    "liability-cap-fees-multiple",
    "notification-deadline",
    "insurance-required",
    "policy-aggregate-limit",
    "policy-retention",
    "policy-sublimit",
    "training-frequency",
    "patch-window",
]


class Value(BaseModel):
    """A figure extracted from the document, normalised. Only the fields that its ``type`` uses
    are set; the others stay ``None``."""

    model_config = ConfigDict(frozen=True)

    type: ValueType
    finding_id: str | None = Field(
        description="the finding the figure sits in; None for a policy's schedule of limits, which no category covers"
    )
    category: str | None = Field(default=None, description="the category of that finding")
    text: str = Field(description="the figure as written (document text[start:end])")
    start: int
    end: int
    amount: float | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code: USD, GBP, EUR")
    multiple: float | None = Field(default=None, description="cap as a multiple of the fees paid over `months`")
    months: int | None = None
    hours: float | None = Field(default=None, description="a deadline in hours (days x 24); None when not fixed")
    business_days: bool | None = Field(default=None, description="the deadline counts business days")
    qualifier: str | None = Field(default=None, description="'without undue delay', 'promptly', ... as written")
    party: str | None = Field(default=None, description="who must be told: customer, insurer, regulator, provider")
    trigger: str | None = Field(
        default=None, description="what starts the clock: suspected, discovered, aware, confirmed"
    )
    coverage: str | None = Field(default=None, description="kind of insurance or sublimit: cyber, professional, ...")
    days: int | None = Field(default=None, description="a patch window in days")
    per_days: int | None = Field(default=None, description="a frequency: once every N days")


class ScanResult(BaseModel):
    schema_version: str = SCHEMA_VERSION
    path: str
    sha256: str | None = None
    format: str | None = None
    kind: Kind = "unknown"
    kind_evidence: list[str] = Field(default_factory=list)
    pages: int = 0
    chars: int = 0
    findings: list[Finding] = Field(default_factory=list)
    missing: list[MissingClause] = Field(default_factory=list)
    values: list[Value] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


ConflictType = Literal[
    "uninsured-contractual-liability",
    "insurance-limit-shortfall",
    "notification-deadline-conflict",
    "absolute-commitment-uninsured",
    "subrogation-without-waiver",
    "unassigned-security-duty",
]


class Evidence(BaseModel):
    """One side of a conflict: a finding, a value, a deadline set by law, or the absence of a clause."""

    model_config = ConfigDict(frozen=True)

    side: Literal["policy", "contract", "law"]
    document: str
    finding_id: str | None = None
    category: str | None = None
    text: str = Field(description="the clause (or, for an absence, what was looked for)")
    value: Value | None = None


class Conflict(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(description="stable: hash of the type, the two documents' digests and the evidence")
    type: ConflictType
    severity: Severity
    title: str
    policy: str
    contract: str
    explanation: str
    recommendation: str
    detail: str = Field(description="what was compared, with the figures")
    evidence: list[Evidence]
