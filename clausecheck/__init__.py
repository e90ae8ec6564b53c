"""clausecheck: finds the clauses in SLAs, MSAs and cyber-insurance policies that decide who
carries the risk, and explains each for a managed service provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ErrorCode, ReadError, RuleError
from .model import SCHEMA_VERSION, Finding, MissingClause, ScanResult, Section, Severity

if TYPE_CHECKING:
    from .rules import load_rules
    from .scanner import Engine, get_engine, scan

__version__ = "0.1.0"

# spaCy loads with the scanner (about a second): imported on first use, so that commands which do
# not scan (`clausecheck --help`, `clausecheck store ...`) start at once
_LAZY = {"load_rules": "rules", "Engine": "scanner", "get_engine": "scanner", "scan": "scanner"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
