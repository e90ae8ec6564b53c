"""The obligations register: from a policy's conditions and a contract's duties, each obligation,
its owner (MSP, customer or unclear), its frequency or deadline, the evidence to keep, and the MSP
practices it ties back to.

Takes ScanResults and returns a :class:`Register`; which findings are obligations, the words for
the parties, timing words, evidence and practices are data in ``patterns/obligations.yaml``.
Owner, in order: the subject of the duty in the sentence ("the Customer shall"; a right or a
disclaimer puts the duty on the other party), the lead-in of a list ("the Insured shall maintain
the following:"), a party named in the headings above, a party named in the sentence (not a
mere "Customer Data" or "to the Supplier"); else ``unclear``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from .errors import RuleError, RuleIssue
from .model import Finding, ScanResult, Severity
from .rules import (
    DEFAULT_PATTERNS,
    _CategoriesFile,
    _field_name,
    _line,
    _load_special,
    _load_yaml,
    _node_at,
    _Strict,
    _validate,
)
from .segmenter import Segments, segment
from .timing import Timing, TimingWords, alternation, find_timings

REGISTER_SCHEMA_VERSION = "1.0"
Owner = Literal["msp", "customer", "unclear"]
DocKind = Literal["contract", "policy"]
_ROLE_OWNER = {"msp": "msp", "customer": "customer", "insurer": "msp"}  # an insurer's condition binds the insured
_OTHER = {"msp": "customer", "customer": "msp", "insurer": "msp"}  # who owes the duty behind a right


class Parties(_Strict):
    msp: list[str] = Field(default_factory=list)
    customer: list[str] = Field(default_factory=list)
    insurer: list[str] = Field(default_factory=list)


class Practice(_Strict):
    id: str
    title: str
    advice: str


class Evidence(_Strict):
    text: str
    when_any: list[str] = Field(default_factory=list, description="only when the sentence has one of these words")


class ObligationType(_Strict):
    id: str
    title: str
    category: str
    kinds: list[DocKind] = Field(default_factory=lambda: ["contract", "policy"])
    rules: list[str] = Field(default_factory=list, description="only these rule ids of the category")
    evidence: list[Evidence] = Field(min_length=1)
    practices: list[str] = Field(min_length=1)

    def accepts(self, finding: Finding, kind: str) -> bool:
        return (
            finding.category == self.category
            and (kind not in ("contract", "policy") or kind in self.kinds)
            and (
                not self.rules or finding.rule_id in self.rules or bool(set(self.rules) & set(finding.merged_rule_ids))
            )
        )

    def evidence_for(self, sentence: str) -> list[str]:
        return [e.text for e in self.evidence if not e.when_any or _has_any(sentence, e.when_any)]


class ObligationsConfig(_Strict):
    parties: dict[DocKind, Parties]
    duty_words: list[str] = Field(min_length=1)
    right_words: list[str] = Field(default_factory=list)
    disclaim_words: list[str] = Field(default_factory=list)
    timing: TimingWords
    practices: list[Practice] = Field(min_length=1)
    types: list[ObligationType] = Field(min_length=1)

    @cached_property
    def practice_by_id(self) -> dict[str, Practice]:
        return {p.id: p for p in self.practices}

    @cached_property
    def _markers(self) -> re.Pattern:
        groups = [(n, w) for n, w in (("disclaim", self.disclaim_words), ("right", self.right_words)) if w]
        groups.append(("duty", self.duty_words))
        return re.compile("|".join(f"(?P<{n}>{_words(w)})" for n, w in groups), re.IGNORECASE)

    @cached_property
    def _party_patterns(self) -> dict[str, re.Pattern]:
        """Per document kind, one regex with a group per role; capitalised aliases match as
        written or in capitals. An unknown kind uses the words of every kind."""
        out = {}
        for kind in ("contract", "policy", "unknown"):
            roles: dict[str, set[str]] = {}
            for k, parties in self.parties.items():
                if kind == "unknown" or k == kind:
                    for role in ("msp", "customer", "insurer"):
                        roles.setdefault(role, set()).update(getattr(parties, role))
            alts = []
            for role, aliases in roles.items():
                forms = [
                    f"(?i:{_words([a])})" if a.islower() else _words([a, a.upper()])
                    for a in sorted(aliases, key=len, reverse=True)
                ]
                if forms:
                    alts.append(f"(?P<{role}>{'|'.join(forms)})")
            out[kind] = re.compile("|".join(alts))
        return out

    def parties_for(self, kind: str) -> re.Pattern:
        return self._party_patterns.get(kind, self._party_patterns["unknown"])

    def owner(
        self, kind: str, sentence: str, lead_in: str | None, heading: str | None
    ) -> tuple[Owner, str | None, str]:
        """``(owner, the words that named the party, why)``. In a policy every party found means
        the insured: its conditions bind the insured whoever is the subject."""
        parties = self.parties_for(kind)
        for source, text in (("sentence", sentence), ("lead-in", lead_in)):
            if text and (found := self._subject(parties, text)):
                role, words, marker, how = found
                if how == "duty" or kind == "policy":
                    return _owner(role, kind), words, f"{source}: {words} {marker}"
                return _owner(_OTHER[role], kind), words, f"{source}: {words} {marker} (so the other party)"
        if heading and (m := parties.search(heading)):
            return _owner(m.lastgroup, kind), m.group(0), f"heading: {m.group(0)}"
        # a party merely named ("the categories of Customer Data") says nothing in a contract
        m = next((m for m in parties.finditer(sentence) if kind == "policy" or _names_a_side(sentence, m)), None)
        if m:
            return _owner(m.lastgroup, kind), m.group(0), f"named in the sentence: {m.group(0)}"
        return "unclear", None, "no party named"

    def _subject(self, parties: re.Pattern, text: str) -> tuple[str, str, str, str] | None:
        """The party nearest before the first duty, right or disclaimer word that has one before
        it, preferring a party that reads as a subject (not "Customer Data", "of the Supplier")."""
        for marker in self._markers.finditer(text):
            before = list(parties.finditer(text, 0, marker.start()))
            if before:
                last = next((m for m in reversed(before) if _reads_as_subject(text, m)), before[-1])
                return last.lastgroup, last.group(0), " ".join(marker.group(0).split()), marker.lastgroup
        return None


_POSSESSIVE = re.compile(r"['’]s\b")
_COMPOUND = re.compile(r"\s+[A-Z][a-z]")  # "Customer Data", "Health System Data"
_PREPOSITION = r"of|to|from|with|for|against|than|upon|via|between|through|under|at|on|about"
_OBJECT_BEFORE = re.compile(rf"\b(?:{_PREPOSITION}|by)(?:\s+the)?\s*$", re.IGNORECASE)
_OBJECT_BEFORE_NOT_BY = re.compile(rf"\b(?:{_PREPOSITION})(?:\s+the)?\s*$", re.IGNORECASE)


def _reads_as_subject(text: str, m: re.Match) -> bool:
    """Not "Customer's", "Customer Data", "of the Supplier": the party itself, before its verb."""
    return not (
        _POSSESSIVE.match(text, m.end()) or _COMPOUND.match(text, m.end()) or _OBJECT_BEFORE.search(text, 0, m.start())
    )


def _names_a_side(text: str, m: re.Match) -> bool:
    """A mention that says whose the duty is: "the Client's responsibility", "delivered by Provider";
    not "the categories of Customer Data" or "notice to the Supplier"."""
    return not (_COMPOUND.match(text, m.end()) or _OBJECT_BEFORE_NOT_BY.search(text, 0, m.start()))


def _owner(role: str, kind: str) -> Owner:
    return "msp" if kind == "policy" else _ROLE_OWNER[role]


def _words(words: Iterable[str]) -> str:
    """Whole words or phrases, longest first, flexible in white space."""
    return rf"(?<!\w)(?:{alternation(words)})(?!\w)"


def _has_any(text: str, words: list[str]) -> bool:
    return re.search(_words(words), text, re.IGNORECASE) is not None


# --- loading --------------------------------------------------------------------------------------


def load_obligations(path: str | Path | None = None) -> ObligationsConfig:
    """Load and check ``obligations.yaml`` (a file, or the patterns folder that holds it).
    Raises :class:`RuleError` with ``file:line`` for every problem."""
    path = Path(path) if path else DEFAULT_PATTERNS
    file = path / "obligations.yaml" if path.is_dir() else path
    issues: list[RuleIssue] = []
    if not file.exists():
        raise RuleError([RuleIssue(str(file), None, None, "-", "missing file")])
    data, root = _load_yaml(file)
    config, errs = _validate(ObligationsConfig, data, root, str(file))
    if config is None:
        raise RuleError(errs)
    cats = _load_special(file.parent, "categories.yaml", _CategoriesFile, issues)
    known = {c.id for c in cats.categories} if cats else None

    def problem(loc: tuple, message: str) -> None:
        issues.append(RuleIssue(str(file), _line(_node_at(root, loc)), None, _field_name(loc), message))

    seen: set[str] = set()
    for i, t in enumerate(config.types):
        if t.id in seen:
            problem(("types", i, "id"), f"duplicate type id {t.id!r}")
        seen.add(t.id)
        if known is not None and t.category not in known:
            problem(("types", i, "category"), f"unknown category {t.category!r}; see categories.yaml")
        for j, p in enumerate(t.practices):
            if p not in config.practice_by_id:
                problem(("types", i, "practices", j), f"unknown practice {p!r}; see practices:")
    for i, f in enumerate(config.timing.frequencies):
        if f.unit not in config.timing.units:
            problem(("timing", "frequencies", i, "unit"), f"unknown unit {f.unit!r}; see timing.units")
    if issues:
        raise RuleError(issues)
    return config


@lru_cache(maxsize=4)
def get_obligations(path: str | None = None) -> ObligationsConfig:
    return load_obligations(path)


# --- the register ---------------------------------------------------------------------------------


class Obligation(BaseModel):
    """One row of the register: one sentence that imposes an obligation."""

    model_config = ConfigDict(frozen=True)

    document: str
    kind: str
    finding_id: str
    finding_ids: list[str] = Field(description="every finding on the sentence (several categories can fire)")
    rule_id: str
    category: str
    type: str = Field(description="obligation type id in obligations.yaml")
    obligation: str
    severity: Severity
    owner: Owner
    party: str | None = Field(description="the words that named the owner's side, as written")
    owner_reason: str
    timings: list[Timing]
    evidence: list[str]
    practices: list[str] = Field(description="practice ids; Register.practices has their advice")
    section: str
    page: int | None
    text: str

    @computed_field
    @property
    def timing_text(self) -> str:
        return "; ".join(t.text for t in self.timings)


class RegisterDocument(BaseModel):
    path: str
    kind: str
    sha256: str | None = None
    error: str | None = None


class Register(BaseModel):
    schema_version: str = REGISTER_SCHEMA_VERSION
    documents: list[RegisterDocument]
    obligations: list[Obligation]
    practices: list[Practice] = Field(description="the practices the rows refer to")

    def counts(self) -> dict[str, int]:
        return {o: sum(1 for r in self.obligations if r.owner == o) for o in ("msp", "customer", "unclear")}


def build_register(
    results: Iterable[ScanResult],
    config: ObligationsConfig | None = None,
    texts: Mapping[str, str] | None = None,
) -> Register:
    """One register from the documents' scan results (a policy and contracts together).
    ``texts`` maps a result's ``path`` to its document text; with it, the items of a list take
    their owner from the list's lead-in ("Customer shall:")."""
    config = config or get_obligations()
    documents, rows = [], []
    for r in results:
        documents.append(RegisterDocument(path=r.path, kind=r.kind, sha256=r.sha256, error=r.error))
        if r.ok:
            rows += _rows(r, config, (texts or {}).get(r.path))
    used = {p for row in rows for p in row.practices}
    return Register(
        documents=documents,
        obligations=rows,
        practices=[p for p in config.practices if p.id in used],
    )


def _rows(result: ScanResult, config: ObligationsConfig, text: str | None) -> list[Obligation]:
    by_sentence: dict[tuple[int, int], list[Finding]] = {}
    for f in result.findings:
        by_sentence.setdefault((f.clause_start, f.clause_end), []).append(f)
    segments = segment(text) if text is not None else None
    # an application (proposal form) is an insurance document: its statements bind the applicant, the insured
    kind = "policy" if result.kind == "application" else result.kind
    rows = []
    for (start, end), findings in sorted(by_sentence.items()):
        match = next(((t, f) for t in config.types for f in findings if t.accepts(f, kind)), None)
        if match is None:
            continue
        otype, finding = match
        sentences: list[tuple[Owner, str | None, str, str]] = [  # (owner, party, why, text)
            (_owner(role, kind), head, f"matrix column: {head}", cell)
            for role, head, cell in (_matrix_cells(text, start, end, config.parties_for(kind)) if text else [])
        ]  # a row of a responsibility matrix gives one obligation per party column
        if not sentences:
            lead_in, heading = (
                (_lead_in(text, segments, start), _headings(segments, start)) if segments else (None, None)
            )
            heading = heading or finding.section.heading
            sentences = [(*config.owner(kind, finding.clause_text, lead_in, heading), finding.clause_text)]
        rows += [
            Obligation(
                document=result.path,
                kind=result.kind,
                finding_id=finding.id,
                finding_ids=[f.id for f in findings],
                rule_id=finding.rule_id,
                category=finding.category,
                type=otype.id,
                obligation=otype.title,
                severity=finding.severity,
                owner=owner,
                party=party,
                owner_reason=reason,
                timings=find_timings(sentence, config.timing),
                evidence=otype.evidence_for(sentence),
                practices=otype.practices,
                section=finding.section.label(),
                page=finding.page,
                text=" ".join(sentence.split()),
            )
            for owner, party, reason, sentence in sentences
        ]
    return rows


_NO_DUTY = re.compile(r"(?:none|n/a|-|—|–)(?!\w)", re.IGNORECASE)


def _matrix_cells(text: str, start: int, end: int, parties: re.Pattern) -> list[tuple[str, str, str]]:
    """For a row of a tab-separated responsibility matrix whose header names the parties
    ("Control area / Supplier / Client"): ``(role, header, "area: cell")`` for each party's cell
    that gives it a duty (not "None")."""
    row = text[start:end]
    if "\t" not in row:
        return []
    header = None
    pos = text.rfind("\n", 0, start) + 1  # the header is the first line of the block of table rows
    while pos > 0:
        above = text.rfind("\n", 0, pos - 1) + 1
        if "\t" not in text[above : pos - 1]:
            break
        header, pos = text[above : pos - 1], above
    if header is None:
        return []
    cells = row.split("\t")
    out = []
    for head, cell in zip(header.split("\t")[1:], cells[1:], strict=False):
        m = parties.search(head)
        if m and cell.strip() and not _NO_DUTY.match(cell.strip()):
            out.append((m.lastgroup, head.strip(), f"{cells[0].strip()}: {cell.strip()}"))
    return out


MAX_LEAD_IN_STEPS = 40  # sentences to walk back over a list's earlier items
MAX_LEAD_IN_CHARS = 1500


def _headings(segments: Segments, offset: int) -> str | None:
    """The headings above ``offset``, innermost first ("Patching / YOUR DUTIES")."""
    clause = segments.clause_at(offset)
    if clause is None:
        return None
    return " / ".join(h for h in (clause.heading, *reversed(clause.headings)) if h) or None


def _lead_in(text: str, segments: Segments, offset: int) -> str | None:
    """For a sentence inside a numbered sub-clause, the sentence that introduces its list: the
    last sentence of the parent clause, walking back over the earlier items, if it ends with ':'."""
    clause = segments.clause_at(offset)
    if clause is None or clause.level == 0:
        return None
    i = segments.sentence_index(offset) - 1
    for _ in range(MAX_LEAD_IN_STEPS):
        if i < 0:
            return None
        s, e = segments.sentences[i]
        holder = segments.clause_at(s)
        if holder is None or holder.level < clause.level:  # the parent's text (or above)
            # from the parent's start: "13.1 ... Provider shall maintain ... rated A- VII by A.M. Best Co.:"
            start = max(holder.start if holder else 0, s - MAX_LEAD_IN_CHARS)
            return text[start:e] if text[s:e].rstrip().endswith(":") else None
        i -= 1
    return None
