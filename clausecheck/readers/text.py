"""Plain text and Markdown. ``Document.text`` is the decoded file exactly (no newline
translation), so offsets index the file's characters."""

from __future__ import annotations

import codecs

from ..errors import ErrorCode, ReadError
from .document import Document, Page

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"}


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as a NUL in every other byte of ASCII-range text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise ReadError for binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise ReadError(
                    ErrorCode.CORRUPT,
                    f"text file starts with a {encoding} mark but is not valid {encoding}: {exc.reason}",
                ) from None
    if b"\x00" in data:
        encoding = _bomless_utf16(data)
        if encoding:
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                pass
        raise ReadError(ErrorCode.UNSUPPORTED, "not a text file: it contains NUL bytes (binary data)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; they become U+FFFD, one character per byte.
        return data.decode("cp1252", errors="replace"), "cp1252"


def read_text(data: bytes, fmt: str = "text") -> Document:
    text, encoding = decode(data)
    if not text.strip():
        raise ReadError(ErrorCode.EMPTY, "the file contains no text (only white space)")
    sample = text[:20000]
    if sum(ch in _CONTROL for ch in sample) > 0.05 * len(sample):
        raise ReadError(ErrorCode.UNSUPPORTED, "not a text file: it is mostly control characters (binary data)")
    warnings = []
    if encoding == "cp1252":
        warnings.append("the file is not valid UTF-8; it was decoded as Windows-1252 (cp1252)")
    return Document(
        text=text,
        format=fmt,
        pages=[Page(1, 0, len(text))],
        source_text=text,
        warnings=warnings,
    )
