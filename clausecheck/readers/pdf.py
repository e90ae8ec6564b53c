"""PDF text through PDFium (pypdfium2, the default) or pdfplumber, behind one reader.

Both engines feed the same clean-up (:mod:`.normalize`). PDFium is not thread-safe, so every
PDFium call in this process goes through :data:`PDFIUM_LOCK`.
"""

from __future__ import annotations

import io
import logging
import threading

import pypdfium2 as pdfium

from ..errors import ErrorCode, ReadError
from .document import Document
from .normalize import build_text

ENGINES = ("pdfium", "pdfplumber")
DEFAULT_ENGINE = "pdfium"
PDFIUM_LOCK = threading.RLock()
# pdfminer logs warnings about damaged files ("Not adding object 9 to xref ..."); without this they
# would reach the user's terminal (Python's last-resort handler) next to the specific error
logging.getLogger("pdfminer").addHandler(logging.NullHandler())


def _open_pdfium(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        # PDFium's error text can be left over from an earlier file, so ask pdfminer why
        raise _why_unopenable(data) from None


def _why_unopenable(data: bytes) -> ReadError:
    """The error for a PDF that PDFium cannot open: encrypted, no pages, or damaged."""
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    try:
        pages = resolve1(PDFDocument(PDFParser(io.BytesIO(data))).catalog.get("Pages"))
        has_pages = resolve1(pages.get("Count")) != 0
    except PDFEncryptionError:  # also a wrong (empty) user password
        return ReadError(ErrorCode.ENCRYPTED, "the PDF is encrypted: it needs a password to open")
    except Exception:  # pdfminer raises many unrelated types for damaged files
        has_pages = True
    if not has_pages:
        return ReadError(ErrorCode.EMPTY, "the PDF has no pages")
    return ReadError(ErrorCode.CORRUPT, "the PDF is damaged and cannot be opened (invalid or truncated file structure)")


def _pdfium_texts(pdf: pdfium.PdfDocument) -> list[str]:
    texts = []
    for i in range(len(pdf)):
        try:
            page = pdf[i]
        except pdfium.PdfiumError:
            raise ReadError(ErrorCode.CORRUPT, f"the PDF is damaged: page {i + 1} cannot be read") from None
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range(0, textpage.count_chars()))
        textpage.close()
        page.close()
    return texts


def _pdfplumber_texts(data: bytes) -> list[str]:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [page.extract_text() or "" for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many unrelated types for damaged files
        raise ReadError(
            ErrorCode.CORRUPT, f"the PDF is damaged: pdfplumber could not read it ({type(exc).__name__})"
        ) from None


def page_texts(data: bytes, engine: str = DEFAULT_ENGINE) -> list[str]:
    """Raw text of each page, as the engine extracts it."""
    if engine not in ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r}; choose one of {', '.join(ENGINES)}")
    with PDFIUM_LOCK:  # also validates the file and detects encryption for pdfplumber
        pdf = _open_pdfium(data)
        try:
            if len(pdf) == 0:
                raise ReadError(ErrorCode.EMPTY, "the PDF has no pages")
            texts = _pdfium_texts(pdf) if engine == "pdfium" else None
        finally:
            pdf.close()
    return texts if texts is not None else _pdfplumber_texts(data)


def read_pdf(data: bytes, engine: str = DEFAULT_ENGINE) -> Document:
    texts = page_texts(data, engine)
    empty = [i + 1 for i, t in enumerate(texts) if not t.strip()]
    if len(empty) == len(texts):
        raise ReadError(
            ErrorCode.NO_TEXT,
            f"the PDF has no text layer on any of its {len(texts)} page(s) (a scan?); "
            "OCR is not available, so nothing could be read",
        )
    text, source_text, pages, builder = build_text(texts)
    warnings = []
    if empty:
        warnings.append(
            f"no text layer on page(s) {_ranges(empty)} (scanned?); OCR is not available, so those pages were not read"
        )
    return Document(
        text=text,
        format="pdf",
        pages=pages,
        source_text=source_text,
        offset_map=builder.map,
        warnings=warnings,
        engine=engine,
    )


def _ranges(numbers: list[int]) -> str:
    out, start, prev = [], numbers[0], numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)
