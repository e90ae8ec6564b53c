"""PDF page images with a finding's words boxed, for the review app.

A finding's offsets index ``Document.text`` (the cleaned text). :func:`source_spans` maps them
back, character by character, through the reader's offset map (``Document.to_source``) to
ranges in each page's extracted text. For text extracted by PDFium (the default engine) those
ranges are PDFium character indices, so PDFium gives each character's box exactly; for text from
pdfplumber the words are searched for on the page instead; pages read by OCR have no characters,
so the boxes of the words Tesseract found (``Document.ocr_words``) are used. :func:`render_page`
draws the boxes on the page image with pdfplumber. Every PDFium call holds ``PDFIUM_LOCK``.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from .readers import Document
from .readers.pdf import PDFIUM_LOCK

MATCH_STYLE = {"fill": (250, 204, 21, 70), "stroke": (220, 38, 38), "stroke_width": 2}
CLAUSE_STYLE = {"fill": (59, 130, 246, 28), "stroke": (59, 130, 246, 90), "stroke_width": 1}


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on a page in PDF points, origin at the top left (pdfplumber's convention)."""

    x0: float
    top: float
    x1: float
    bottom: float


def source_spans(doc: Document, start: int, end: int) -> list[tuple[int, int, int]]:
    """``(page index, start, end)`` ranges of each page's extracted text that ``doc.text[start:end]``
    came from. White space and synthetic characters (line breaks the clean-up added) are left out."""
    page_starts = [0]
    while (i := doc.source_text.find("\f", page_starts[-1])) != -1:
        page_starts.append(i + 1)
    positions: set[tuple[int, int]] = set()
    for offset in range(start, end):
        if doc.text[offset].isspace():
            continue
        src = doc.to_source(offset)
        if src < len(doc.source_text) and not doc.source_text[src].isspace():
            page = bisect_right(page_starts, src) - 1
            positions.add((page, src - page_starts[page]))
    spans: list[tuple[int, int, int]] = []
    for page, pos in sorted(positions):
        if spans and spans[-1][0] == page and spans[-1][2] == pos:
            spans[-1] = (page, spans[-1][1], pos + 1)
        else:
            spans.append((page, pos, pos + 1))
    return spans


def finding_boxes(data: bytes, doc: Document, start: int, end: int) -> dict[int, list[Box]]:
    """Boxes around the words of ``doc.text[start:end]``, by 1-based page number."""
    spans = source_spans(doc, start, end)
    boxes = _ocr_boxes(doc, spans)
    text_spans = [s for s in spans if s[0] not in doc.ocr_words]
    if text_spans:
        found = _pdfium_boxes(data, text_spans) if doc.engine == "pdfium" else {}
        boxes.update(found or _search_boxes(data, doc.text[start:end], doc.page_at(start)))
    return boxes


def _ocr_boxes(doc: Document, spans: list[tuple[int, int, int]]) -> dict[int, list[Box]]:
    """Boxes of the OCR words that the spans on pages read by OCR touch."""
    out: dict[int, list[Box]] = {}
    for page, a, b in spans:
        words = doc.ocr_words.get(page, ())
        out.setdefault(page + 1, []).extend(Box(*w.box) for w in words if w.start < b and w.end > a)
    return {page: merge_lines(boxes) for page, boxes in out.items() if boxes}


def _pdfium_boxes(data: bytes, spans: list[tuple[int, int, int]]) -> dict[int, list[Box]]:
    import pypdfium2 as pdfium

    out: dict[int, list[Box]] = {}
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            for index in sorted({p for p, _, _ in spans}):
                page = pdf[index]
                textpage = page.get_textpage()
                try:
                    height = page.get_height()
                    left, bottom, _, _ = page.get_mediabox()
                    count = textpage.count_chars()
                    chars = []
                    for p, a, b in spans:
                        if p != index:
                            continue
                        for i in range(a, min(b, count)):
                            x0, y0, x1, y1 = textpage.get_charbox(i)
                            if x1 > x0 and y1 > y0:
                                chars.append(Box(x0 - left, height - (y1 - bottom), x1 - left, height - (y0 - bottom)))
                    if chars:
                        out[index + 1] = merge_lines(chars)
                finally:
                    textpage.close()
                    page.close()
        finally:
            pdf.close()
    return out


def _search_boxes(data: bytes, text: str, page_number: int | None) -> dict[int, list[Box]]:
    """Fallback: find the words on the page with pdfplumber (white space and hyphens flexible)."""
    import pdfplumber

    words = re.findall(r"\w+", text)
    if not words or page_number is None:
        return {}
    pattern = r"[\s\-]*".join(re.escape(w) for w in words)
    with PDFIUM_LOCK, pdfplumber.open(io.BytesIO(data)) as pdf:
        if not 0 < page_number <= len(pdf.pages):
            return {}
        hits = pdf.pages[page_number - 1].search(pattern, regex=True, case=False, return_chars=True)
        chars = [Box(c["x0"], c["top"], c["x1"], c["bottom"]) for c in hits[0]["chars"]] if hits else []
    return {page_number: merge_lines(chars)} if chars else {}


def merge_lines(chars: list[Box]) -> list[Box]:
    """One box per run of characters on the same line (a new line starts when a character does
    not overlap the current run vertically, or jumps back to the left)."""
    out: list[Box] = []
    for c in chars:
        last = out[-1] if out else None
        same_line = last and c.top < last.bottom and c.bottom > last.top and c.x0 >= last.x0 - 1
        if same_line:
            out[-1] = Box(min(last.x0, c.x0), min(last.top, c.top), max(last.x1, c.x1), max(last.bottom, c.bottom))
        else:
            out.append(c)
    return [Box(b.x0 - 1, b.top - 1, b.x1 + 1, b.bottom + 1) for b in out]


def render_page(
    data: bytes,
    page_number: int,
    match: Sequence[Box] = (),
    clause: Sequence[Box] = (),
    resolution: int = 110,
    focus: float | None = None,
) -> bytes:
    """The page as a PNG, with the clause shaded and the matched words boxed. With ``focus``
    (a margin in points), only the band of the page from the first to the last box, plus that
    margin above and below, across the page's full width."""
    import pdfplumber

    with PDFIUM_LOCK, pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[page_number - 1]
        boxes = [*clause, *match]
        if focus is not None and boxes:
            x0, top, x1, bottom = page.bbox
            band = (
                x0,
                max(top, min(b.top for b in boxes) - focus),
                x1,
                min(bottom, max(b.bottom for b in boxes) + focus),
            )
            page = page.crop(band, relative=False, strict=False)
        image = page.to_image(resolution=resolution)
        if clause:
            image.draw_rects([_rect(b) for b in clause], **CLAUSE_STYLE)
        if match:
            image.draw_rects([_rect(b) for b in match], **MATCH_STYLE)
        out = io.BytesIO()
        image.annotated.save(out, format="PNG")
    return out.getvalue()


def _rect(b: Box) -> tuple[float, float, float, float]:
    return (b.x0, b.top, b.x1, b.bottom)
