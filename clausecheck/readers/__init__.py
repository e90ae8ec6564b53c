"""Readers: file bytes to :class:`Document`. The format is decided by content (magic bytes);
the extension only adds a warning when it disagrees."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..errors import ErrorCode, ReadError
from .document import Document, OffsetMap, Page, TextBuilder
from .pdf import DEFAULT_ENGINE, ENGINES

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "Document",
    "OffsetMap",
    "Page",
    "TextBuilder",
    "load_file",
    "read_bytes",
    "sniff",
]

MAX_BYTES = 100 * 1024 * 1024
SUPPORTED_SUFFIXES = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}
_IMAGES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, suffix: str = "") -> str:
    """The format of ``data``: pdf, docx, text or markdown; ReadError when unsupported."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            if suffix == ".docx":
                return "docx"  # the DOCX reader reports the damage
            raise ReadError(ErrorCode.CORRUPT, "a damaged ZIP archive, not a readable document") from None
        if "word/document.xml" in names or suffix == ".docx":
            return "docx"
        what = (
            "an Excel workbook"
            if "xl/workbook.xml" in names
            else ("a PowerPoint presentation" if "ppt/presentation.xml" in names else "a ZIP archive")
        )
        raise ReadError(ErrorCode.UNSUPPORTED, f"unsupported format: {what}, not a PDF, DOCX or text file")
    if head.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ReadError(ErrorCode.ENCRYPTED, "the Word document is encrypted: it needs a password to open")
        raise ReadError(
            ErrorCode.UNSUPPORTED, "unsupported format: a legacy Office file (.doc/.xls); save it as DOCX or PDF"
        )
    if head.startswith(b"{\\rtf"):
        raise ReadError(ErrorCode.UNSUPPORTED, "unsupported format: RTF; save it as DOCX or PDF")
    if head.startswith(_IMAGES):
        raise ReadError(ErrorCode.UNSUPPORTED, "unsupported format: an image, not a document; convert the scan to PDF")
    return "markdown" if suffix in (".md", ".markdown") else "text"


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ReadError(
            ErrorCode.TOO_LARGE, f"the file is {size / 2**20:,.1f} MiB, over the {max_bytes / 2**20:,.0f} MiB limit"
        )


def read_bytes(
    data: bytes, name: str = "", engine: str = DEFAULT_ENGINE, max_bytes: int = MAX_BYTES, ocr: bool = True
) -> Document:
    """The Document in ``data``; ``name`` is only used for its extension. ``ocr``: read PDF pages
    without a text layer with OCR when Tesseract is installed."""
    if not data:
        raise ReadError(ErrorCode.EMPTY, "the file is empty (0 bytes)")
    _check_size(len(data), max_bytes)
    suffix = Path(name).suffix.lower()
    fmt = sniff(data, suffix)
    if fmt == "pdf":
        from .pdf import read_pdf

        doc = read_pdf(data, engine, ocr)
    elif fmt == "docx":
        from .docx import read_docx

        doc = read_docx(data)
    else:
        from .text import read_text

        try:
            doc = read_text(data, fmt)
        except ReadError as exc:
            named = SUPPORTED_SUFFIXES.get(suffix)
            if exc.code == ErrorCode.UNSUPPORTED and named in ("pdf", "docx"):  # random bytes named .pdf
                raise ReadError(
                    ErrorCode.UNSUPPORTED,
                    f"not a {named.upper()} file: it is named {suffix} but holds binary data of no supported format",
                ) from None
            raise
    expected = SUPPORTED_SUFFIXES.get(suffix)
    if expected and {expected, fmt} != {"text", "markdown"} and expected != fmt:
        doc.warnings.append(f"the file is named {suffix} but its content is {fmt.upper()}; read as {fmt.upper()}")
    return doc


def load_file(path: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, refused before reading when it is over ``max_bytes``."""
    path = Path(path)
    try:
        _check_size(path.stat().st_size, max_bytes)
        if path.is_dir():
            raise ReadError(ErrorCode.UNREADABLE, "is a folder, not a file")
        return path.read_bytes()
    except FileNotFoundError:
        raise ReadError(ErrorCode.NOT_FOUND, "no such file") from None
    except PermissionError:
        raise ReadError(ErrorCode.UNREADABLE, "permission denied: the file cannot be read") from None
    except OSError as exc:
        raise ReadError(ErrorCode.UNREADABLE, f"the file cannot be read: {exc.strerror or exc}") from None
