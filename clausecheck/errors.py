"""Error codes and messages, in one place so that every face words them the same way.

A file that cannot be read is never an exception to the caller of :func:`clausecheck.scan`:
it becomes a ``ScanResult`` whose ``error`` is one of the messages below and whose
``error_code`` is the matching code. Readers raise :class:`ReadError`; the scan turns it
into a result.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "not-found"
    UNREADABLE = "unreadable"
    EMPTY = "empty"
    TOO_LARGE = "too-large"
    UNSUPPORTED = "unsupported-format"
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    NO_TEXT = "no-text-layer"
    TIMED_OUT = "timed-out"
    INTERNAL = "internal-error"


#: Why a page without a text layer was not read, and how to fix it (warnings and NO_TEXT errors).
OCR_UNAVAILABLE = (
    "OCR is not available (to read scans, install Tesseract: apt-get install tesseract-ocr on Debian/Ubuntu)"
)
OCR_OFF = "OCR is turned off"


class ReadError(Exception):
    """A document could not be read. ``str(err)`` is the message shown to users."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class StoreError(Exception):
    """The review store cannot do what was asked (a backup over an existing file, a file that is
    not a review store). ``str(err)`` is the message shown to users."""


class RuleIssue:
    """One problem in a rule file, located as ``file:line: rule id: field: message``."""

    __slots__ = ("field", "file", "line", "message", "rule_id")

    def __init__(self, file: str, line: int | None, rule_id: str | None, field: str, message: str):
        self.file, self.line, self.rule_id, self.field, self.message = (
            file,
            line,
            rule_id,
            field,
            message,
        )

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.rule_id or '-'}: {self.field or '-'}: {self.message}"


class RuleError(Exception):
    """One or more rule files are invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: list[RuleIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
