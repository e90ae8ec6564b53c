"""clausecheck: finds the clauses in SLAs, MSAs and cyber-insurance policies that decide who
carries the risk, and explains each for a managed service provider."""

from .errors import ErrorCode, ReadError, RuleError
from .model import SCHEMA_VERSION, Finding, MissingClause, ScanResult, Section, Severity
from .rules import load_rules
from .scanner import Engine, get_engine, scan

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "Engine",
    "ErrorCode",
    "Finding",
    "MissingClause",
    "ReadError",
    "RuleError",
    "ScanResult",
    "Section",
    "Severity",
    "__version__",
    "get_engine",
    "load_rules",
    "scan",
]
