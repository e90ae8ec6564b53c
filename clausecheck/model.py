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

Kind = Literal["contract", "policy", "unknown"]
Method = Literal["phrase", "token", "fuzzy"]


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


class MissingClause(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    severity: Severity
    explanation: str
    recommendation: str


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
    values: list[dict] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None
