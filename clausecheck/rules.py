"""Rules are data: ``patterns/*.yaml`` loaded into frozen pydantic models.

A rule file is a mapping with a ``rules:`` list. Every problem is reported as
``file:line: rule id: field: message`` (all problems of all files at once), so a lawyer editing
a pattern sees exactly where it is wrong. Besides rule files, ``patterns/`` holds
``categories.yaml`` (the taxonomy ids), ``kinds.yaml`` (how a document's kind is recognised)
and ``expectations.yaml`` (clauses each kind of document should contain).
"""

from __future__ import annotations

import hashlib
import re
import warnings
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import RuleError, RuleIssue
from .model import Severity

DEFAULT_PATTERNS = Path(__file__).resolve().parent.parent / "patterns"
SPECIAL_FILES = {
    "categories.yaml",
    "kinds.yaml",
    "expectations.yaml",
    "values.yaml",
    "conflicts.yaml",
    "obligations.yaml",
}
AppliesTo = Literal["contract", "policy", "both"]
MAX_GAP = 5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pattern(_Strict):
    """One way a rule can match. Exactly one of ``phrase``, ``lemma``, ``tokens``, ``fuzzy``.

    - ``phrase``: literal words, matched case-insensitively (spaCy PhraseMatcher on LOWER).
    - ``lemma``: literal words matched on their lemmas, so "indemnify" also finds "indemnifies".
    - ``tokens``: a spaCy Matcher token pattern (LOWER, LEMMA, OP, FUZZY, IN, ...).
    - ``fuzzy``: a phrase found with rapidfuzz at ``min_score`` or better (typos, OCR errors).
    """

    phrase: str | None = None
    lemma: str | None = None
    tokens: list[dict[str, Any]] | None = None
    fuzzy: str | None = None
    min_score: float = Field(default=90.0, ge=50, le=100)

    @model_validator(mode="after")
    def _exactly_one(self) -> Pattern:
        given = [k for k in ("phrase", "lemma", "tokens", "fuzzy") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of phrase, lemma, tokens, fuzzy (got {', '.join(given) or 'none'})")
        for key in ("phrase", "lemma", "fuzzy"):
            value = getattr(self, key)
            if value is not None and not value.strip():
                raise ValueError(f"{key} is empty")
        if self.tokens is not None and not self.tokens:
            raise ValueError("tokens is an empty list")
        return self

    @property
    def method(self) -> str:
        return "token" if self.tokens is not None else ("fuzzy" if self.fuzzy is not None else "phrase")


class Context(_Strict):
    """Words the sentence must or must not contain for a match to count."""

    require_any: list[str] = Field(default_factory=list, description="at least one must be in the sentence")
    exclude_any: list[str] = Field(default_factory=list, description="none may be in the sentence")
    exclude_before: list[str] = Field(
        default_factory=list, description="none may stand in the 60 characters before the match (negation)"
    )
    section_any: list[str] = Field(
        default_factory=list, description="a heading above the match must contain one of these (e.g. Exclusions)"
    )


class SeverityAdjustment(_Strict):
    """Raise or lower the severity when the sentence says something that changes the risk."""

    when_any: list[str] = Field(min_length=1)
    severity: Severity


class Examples(_Strict):
    match: list[str] = Field(min_length=1)
    no_match: list[str] = Field(default_factory=list)


class Rule(_Strict):
    id: str
    category: str
    severity: Severity
    title: str = Field(min_length=3)
    explanation: str = Field(min_length=10)
    recommendation: str = Field(min_length=10)
    applies_to: AppliesTo = "both"
    patterns: list[Pattern] = Field(min_length=1)
    context: Context = Context()
    adjust: list[SeverityAdjustment] = Field(default_factory=list)
    examples: Examples

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,7}-\d{3}", v):
            raise ValueError("ids look like LIAB-001: capital letters, a hyphen, three digits")
        return v

    def applies(self, kind: str) -> bool:
        """An application (proposal form) is an insurance document: policy rules apply to it."""
        family = "policy" if kind == "application" else kind
        return self.applies_to == "both" or family == "unknown" or self.applies_to == family


class RuleFile(_Strict):
    description: str | None = None
    rules: list[Rule]


class Category(_Strict):
    id: str
    name: str
    kinds: list[Literal["contract", "policy"]] = Field(min_length=1)
    description: str


class KindIndicator(_Strict):
    phrase: str
    weight: float = 1.0


class KindSpec(_Strict):
    kind: Literal["contract", "policy", "application"]
    indicators: list[KindIndicator]


class KindsFile(_Strict):
    min_score: float = 3.0
    kinds: list[KindSpec]


class Expectation(_Strict):
    category: str
    severity: Severity
    explanation: str
    recommendation: str


class ExpectationsFile(_Strict):
    contract: list[Expectation] = Field(default_factory=list)
    policy: list[Expectation] = Field(default_factory=list)
    application: list[Expectation] = Field(default_factory=list)


# --- YAML with line numbers ------------------------------------------------------------------


def _node_at(node: yaml.Node | None, loc: tuple) -> yaml.Node | None:
    """The YAML node for a pydantic error location, as deep as it can be followed."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == key), None)
            if nxt is None:
                nxt = next((k for k, _ in node.value if k.value == key), None)
                return nxt or node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _field_name(loc: tuple) -> str:
    parts = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts) or "-"


def _load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError([RuleIssue(str(path), None, None, "-", f"cannot read: {exc}")]) from None
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise RuleError(
            [RuleIssue(str(path), line, None, "-", f"invalid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None


def _validate(model: type[BaseModel], data: Any, root: yaml.Node | None, file: str, prefix: tuple = ()):
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = (*prefix, *err["loc"])
            rule_id = None
            if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
                try:
                    rule_id = data["rules"][loc[1]].get("id") if not prefix else None
                except (KeyError, IndexError, TypeError, AttributeError):
                    rule_id = None
            msg = err["msg"].removeprefix("Value error, ")
            field = _field_name(loc[2:] if rule_id is not None or (len(loc) >= 2 and loc[0] == "rules") else loc)
            issues.append(RuleIssue(file, _line(_node_at(root, loc)), rule_id, field, msg))
        return None, issues


# --- the rule set -------------------------------------------------------------------------------


class RuleSet:
    """All rules and the data files beside them, validated."""

    def __init__(
        self,
        rules: list[Rule],
        categories: dict[str, Category],
        kinds: KindsFile,
        expectations: ExpectationsFile,
        sources: dict[str, str],
        digest: str,
        directory: Path | None,
    ):
        self.rules = rules
        self.by_id = {r.id: r for r in rules}
        self.categories = categories
        self.kinds = kinds
        self.expectations = expectations
        self.sources = sources  # rule id -> "file:line"
        self.digest = digest
        self.directory = directory
        self.warnings: list[RuleIssue] = []  # valid but worth fixing (slow patterns)
        self.values: Any = None  # values.ValuesFile: words that identify extracted figures
        self.conflicts: Any = None  # compare.ConflictsFile: policy-versus-contract checks

    @cached_property
    def families(self) -> dict[str, list[Rule]]:
        out: dict[str, list[Rule]] = {}
        for r in self.rules:
            out.setdefault(self.sources[r.id].split(":")[0], []).append(r)
        return out


def _load_special(directory: Path, name: str, model: type[BaseModel], issues: list[RuleIssue]):
    path = directory / name
    if not path.exists():
        issues.append(RuleIssue(str(path), None, None, "-", "missing file"))
        return None
    try:
        data, root = _load_yaml(path)
    except RuleError as exc:
        issues.extend(exc.issues)
        return None
    value, errs = _validate(model, data, root, str(path))
    issues.extend(errs)
    return value


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load and validate every rule file in a patterns folder (or one rule file beside its
    data files). Raises :class:`RuleError` listing every problem."""
    path = Path(path) if path else DEFAULT_PATTERNS
    directory = path if path.is_dir() else path.parent
    files = sorted(p for p in directory.glob("*.yaml") if p.name not in SPECIAL_FILES) if path.is_dir() else [path]
    issues: list[RuleIssue] = []
    if not path.exists():
        raise RuleError([RuleIssue(str(path), None, None, "-", "no such file or folder")])

    cat_file = _load_special(directory, "categories.yaml", _CategoriesFile, issues)
    kinds = _load_special(directory, "kinds.yaml", KindsFile, issues) or KindsFile(kinds=[])
    expectations = _load_special(directory, "expectations.yaml", ExpectationsFile, issues) or ExpectationsFile()
    categories = {c.id: c for c in cat_file.categories} if cat_file else {}
    from .compare import ConflictsFile  # here, not at the top: both import this module's neighbours
    from .values import ValuesFile

    values = _load_special(directory, "values.yaml", ValuesFile, issues)
    conflicts = _load_special(directory, "conflicts.yaml", ConflictsFile, issues)
    for name, data in (("values.yaml", values), ("conflicts.yaml", conflicts)):
        for where, category in data.category_refs() if data else ():
            if categories and category not in categories:
                issues.append(RuleIssue(str(directory / name), None, None, where, f"unknown category {category!r}"))

    rules: list[Rule] = []
    warnings_: list[RuleIssue] = []
    sources: dict[str, str] = {}
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
        try:
            data, root = _load_yaml(file)
        except RuleError as exc:
            issues.extend(exc.issues)
            continue
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            issues.append(RuleIssue(str(file), 1, None, "rules", "a rule file is a mapping with a 'rules:' list"))
            continue
        # validate rule by rule, so one bad rule does not hide the problems of the others
        rules_node = _node_at(root, ("rules",))
        for i, raw in enumerate(data["rules"]):
            rule_node = _node_at(rules_node, (i,))
            rid = raw.get("id") if isinstance(raw, dict) else None
            rule, errs = _validate(Rule, raw, rule_node, str(file))
            for e in errs:
                e.rule_id = rid if isinstance(rid, str) else None
            issues.extend(errs)
            if rule is None:
                continue
            where = f"{file.name}:{_line(rule_node)}"
            if rule.id in sources:
                issues.append(
                    RuleIssue(
                        str(file),
                        _line(rule_node),
                        rule.id,
                        "id",
                        f"duplicate id: already defined at {sources[rule.id]}",
                    )
                )
                continue
            if categories and rule.category not in categories:
                cat_line = _line(_node_at(rule_node, ("category",)))
                issues.append(
                    RuleIssue(
                        str(file),
                        cat_line,
                        rule.id,
                        "category",
                        f"unknown category {rule.category!r}; see categories.yaml",
                    )
                )
                continue
            issues.extend(_check_tokens(rule, rule_node, str(file)))
            warnings_.extend(_lint(rule, rule_node, str(file)))
            sources[rule.id] = where
            rules.append(rule)
    for kind_name in ("contract", "policy", "application"):
        for j, exp in enumerate(getattr(expectations, kind_name)):
            if categories and exp.category not in categories:
                issues.append(
                    RuleIssue(
                        str(directory / "expectations.yaml"),
                        None,
                        None,
                        f"{kind_name}[{j}].category",
                        f"unknown category {exp.category!r}",
                    )
                )
    if issues:
        raise RuleError(issues)
    for special in sorted(SPECIAL_FILES):
        if (directory / special).exists():
            digest.update(special.encode() + b"\0" + (directory / special).read_bytes())
    ruleset = RuleSet(rules, categories, kinds, expectations, sources, digest.hexdigest()[:16], directory)
    ruleset.warnings = warnings_
    ruleset.values, ruleset.conflicts = values, conflicts
    return ruleset


class _CategoriesFile(_Strict):
    categories: list[Category]


def _lint(rule: Rule, rule_node: yaml.Node | None, file: str) -> list[RuleIssue]:
    """Valid but costly: a token pattern with no required token tied to particular words is
    tried on every sentence (the matcher skips a sentence only for lack of a required word)."""
    from .matcher import required_words

    return [
        RuleIssue(
            file,
            _line(_node_at(rule_node, ("patterns", j, "tokens"))),
            rule.id,
            f"patterns[{j}].tokens",
            "no required token has a LOWER/LEMMA/ORTH value, so this rule is tried on every sentence "
            "(slower scans); make at least one word required",
        )
        for j, p in enumerate(rule.patterns)
        if p.tokens is not None and not required_words(p.tokens)
    ]


_BOOLEAN_ATTRS = {
    "IS_SENT_START",
    "IS_PUNCT",
    "IS_DIGIT",
    "IS_ALPHA",
    "IS_UPPER",
    "IS_LOWER",
    "IS_TITLE",
    "LIKE_NUM",
    "IS_SPACE",
    "IS_STOP",
    "SENT_START",
}


def _token_problem(tok: dict) -> tuple[str, str] | None:
    """(field suffix, message) for a token dict that spaCy would refuse or choke on."""
    values = [v for val in tok.values() for v in (val.get("IN", []) if isinstance(val, dict) else [val])]
    if any(isinstance(v, bool) for v in values) and not set(tok) & _BOOLEAN_ATTRS:
        return (
            "",
            "a word was read as true/false: YAML reads unquoted no, yes, on, off as booleans; "
            'write them in quotes ("no")',
        )
    gap = re.fullmatch(r"\{\s*(\d*)\s*,\s*(\d*)\s*\}", str(tok.get("OP", "")))
    if gap and set(tok) == {"OP"} and (not gap.group(2) or int(gap.group(2)) > MAX_GAP):
        return ".OP", (
            f"a gap of any tokens may span at most {{0,{MAX_GAP}}} (spaCy's cost grows exponentially "
            'with it); use OP "*", which stays inside the sentence'
        )
    return None


def _check_tokens(rule: Rule, rule_node: yaml.Node | None, file: str) -> list[RuleIssue]:
    """Validate token patterns: our own checks first, then spaCy's validator, so errors show up
    at load time with the file and line."""
    from spacy.errors import MatchPatternError
    from spacy.matcher import Matcher

    from .nlp import get_nlp

    issues = []
    matcher = Matcher(get_nlp().vocab, validate=True)
    for j, p in enumerate(rule.patterns):
        if p.tokens is None:
            continue
        own = [(k, problem) for k, tok in enumerate(p.tokens) if (problem := _token_problem(tok))]
        for k, (suffix, message) in own:
            node = _node_at(rule_node, ("patterns", j, "tokens", k))
            issues.append(RuleIssue(file, _line(node), rule.id, f"patterns[{j}].tokens[{k}]{suffix}", message))
        if own:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                matcher.add(f"{rule.id}#{j}", [p.tokens])
        except (MatchPatternError, ValueError, TypeError) as exc:
            node = _node_at(rule_node, ("patterns", j, "tokens"))
            msg = " ".join(str(exc).split())
            issues.append(
                RuleIssue(file, _line(node), rule.id, f"patterns[{j}].tokens", f"invalid token pattern: {msg[:300]}")
            )
    return issues
