"""PDF text through PDFium (pypdfium2, the default) or pdfplumber, behind one reader.

Both engines feed the same clean-up (:mod:`.normalize`). PDFium is not thread-safe, so every
PDFium call in this process goes through :data:`PDFIUM_LOCK`.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import replace

import pypdfium2 as pdfium

from ..errors import OCR_OFF, OCR_UNAVAILABLE, ErrorCode, ReadError
from . import ocr as tesseract
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


def read_pdf(data: bytes, engine: str = DEFAULT_ENGINE, ocr: bool = True) -> Document:
    """The PDF's text. Pages without a text layer are read with OCR when ``ocr`` is on and
    Tesseract is installed (see :mod:`.ocr`); a warning names them either way."""
    texts = page_texts(data, engine)
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    scanned, unread = _ocr_pages(data, empty, ocr) if empty else ({}, {})
    if len(empty) == len(texts) and not scanned:
        raise ReadError(
            ErrorCode.NO_TEXT,
            f"the PDF has no text layer on any of its {len(texts)} page(s) (a scan?) and could not be read: "
            + "; ".join(unread),
        )
    for i, page in scanned.items():
        texts[i] = page.text
    text, source_text, pages, builder = build_text(texts)
    warnings = [_ocr_note(scanned)] if scanned else []
    warnings += [
        f"no text layer on page(s) {_ranges(nums)} (scanned?): {why}; not read" for why, nums in unread.items()
    ]
    return Document(
        text=text,
        format="pdf",
        pages=[replace(p, ocr=p.number - 1 in scanned) for p in pages],
        source_text=source_text,
        offset_map=builder.map,
        warnings=warnings,
        engine=engine,
        ocr_words={i: page.words for i, page in scanned.items()},
    )


def _ocr_pages(
    data: bytes, indices: list[int], enabled: bool
) -> tuple[dict[int, tesseract.OcrPage], dict[str, list[int]]]:
    """The pages at ``indices`` (0-based) that OCR read, and the 1-based numbers of the others
    by the reason they were not read."""
    if not enabled or not tesseract.available():
        return {}, {OCR_UNAVAILABLE if enabled else OCR_OFF: [i + 1 for i in indices]}
    read: dict[int, tesseract.OcrPage] = {}
    unread: dict[str, list[int]] = {}
    with PDFIUM_LOCK:
        pdf = _open_pdfium(data)  # opened once; each render holds the lock, Tesseract runs without it
    try:
        for i in indices:
            with PDFIUM_LOCK:
                image = pdf[i].render(scale=tesseract.DPI / 72, grayscale=True).to_pil()
            _ocr_page(i, image, read, unread)
    finally:
        with PDFIUM_LOCK:
            pdf.close()
    return read, unread


def _ocr_page(i: int, image, read: dict, unread: dict) -> None:
    """OCR page ``i`` (0-based) into ``read``, or its number into ``unread`` under the reason."""
    try:
        page = tesseract.recognise(image)
    except tesseract.OcrError as exc:
        unread.setdefault(str(exc), []).append(i + 1)
        return
    if page.text.strip():
        read[i] = page
    else:
        unread.setdefault("OCR found no text", []).append(i + 1)


def _ocr_note(scanned: dict[int, tesseract.OcrPage]) -> str:
    confidence = [p.confidence for p in scanned.values() if p.confidence is not None]
    mean = f", mean word confidence {sum(confidence) / len(confidence):.0f}%" if confidence else ""
    return (
        f"page(s) {_ranges([i + 1 for i in scanned])} have no text layer and were read with OCR (Tesseract{mean}); "
        "findings there are marked OCR: check their words against the page"
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
