"""Page images: a finding's offsets mapped back to the PDF page, its words boxed on the image."""

from __future__ import annotations

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pdfplumber
import pytest
from conftest import SAMPLES
from PIL import Image

from clausecheck import pages, scan
from clausecheck.readers import read_bytes
from clausecheck.readers.pdf import PDFIUM_LOCK


@pytest.fixture(scope="module")
def sla():
    data = (SAMPLES / "msp-sla-best-effort.pdf").read_bytes()
    return data, read_bytes(data, "sla.pdf"), scan(data, name="sla.pdf")


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _text_in(data: bytes, page: int, boxes: list[pages.Box]) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        p = pdf.pages[page - 1]
        return " ".join(p.crop((b.x0, b.top, b.x1, b.bottom), strict=False).extract_text() for b in boxes)


def test_source_spans_map_the_finding_back_to_the_page_text(sla):
    _, doc, result = sla
    for f in result.findings:
        spans = pages.source_spans(doc, f.start, f.end)
        assert spans, f.id
        page_texts = doc.source_text.split("\f")
        assert {p + 1 for p, _, _ in spans} >= {f.page}
        mapped = "".join(page_texts[p][a:b] for p, a, b in spans)
        assert "".join(_words(mapped)) == "".join(_words(f.text)), f.text


def test_boxes_cover_exactly_the_matched_words_on_every_page(sla):
    data, doc, result = sla
    later_pages = [f for f in result.findings if f.page and f.page > 1]
    assert later_pages  # header and footer removal shifts offsets on these pages
    for f in later_pages[:12]:
        boxes = pages.finding_boxes(data, doc, f.start, f.end)
        assert set(boxes) == {f.page}
        assert _words(_text_in(data, f.page, boxes[f.page])) == _words(f.text), f.text


def test_a_match_across_two_lines_gets_one_box_per_line(sla):
    data, doc, result = sla
    f = next(f for f in result.findings if "\n" in f.text)
    (boxes,) = pages.finding_boxes(data, doc, f.start, f.end).values()
    assert len(boxes) == f.text.count("\n") + 1
    assert boxes[0].bottom <= boxes[1].top + 1


def test_when_the_text_came_from_pdfplumber_then_the_words_are_found_by_search(sla):
    data, _, result = sla
    doc = read_bytes(data, "sla.pdf", engine="pdfplumber")
    f = next(f for f in result.findings if f.page == 2)
    start = doc.text.index(f.text.split("\n")[0])
    end = start + len(f.text.split("\n")[0])
    boxes = pages.finding_boxes(data, doc, start, end)
    assert list(boxes) == [doc.page_at(start)]
    assert _words(_text_in(data, doc.page_at(start), boxes[doc.page_at(start)])) == _words(doc.text[start:end])


def _red_pixels(png: bytes) -> int:
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 200) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)).sum())


def test_render_page_draws_the_boxes_and_focus_crops_to_the_clause(sla):
    data, doc, result = sla
    f = result.findings[5]
    match = pages.finding_boxes(data, doc, f.start, f.end)[f.page]
    clause = pages.finding_boxes(data, doc, f.clause_start, f.clause_end)[f.page]
    plain = pages.render_page(data, f.page, resolution=72)
    boxed = pages.render_page(data, f.page, match, clause, resolution=72)
    assert plain.startswith(b"\x89PNG") and boxed.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(plain)).size == (612, 792)  # Letter at 72 dpi
    assert _red_pixels(plain) == 0 and _red_pixels(boxed) > 100
    focus = Image.open(io.BytesIO(pages.render_page(data, f.page, match, clause, resolution=72, focus=30)))
    assert focus.width == 612 and focus.height < 300


def test_rendering_from_several_threads_is_serialised_by_the_pdfium_lock(sla):
    data = sla[0]
    with ThreadPoolExecutor(4) as pool:
        with PDFIUM_LOCK:
            futures = [pool.submit(pages.render_page, data, 1, (), (), 50) for _ in range(4)]
            time.sleep(0.5)
            assert not any(f.done() for f in futures)  # all wait for the lock
        images = {f.result(timeout=60) for f in futures}
    assert len(images) == 1
