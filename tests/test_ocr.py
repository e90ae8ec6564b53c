"""OCR of PDF pages without a text layer: scanned copies of samples against their text versions,
provenance marks, page offsets and word boxes, and what happens without Tesseract.

The scanned copies are made here (each page rendered to an image and saved as an image-only
PDF), never committed. Tests that run Tesseract skip without it, except under CI=true, where
they fail (scripts/test installs tesseract-ocr through scripts/system-deps).
"""

from __future__ import annotations

import csv
import io
import os
import stat

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from conftest import SAMPLES, make_finding, make_pdf

from clausecheck import ScanResult, report, scan, scanner
from clausecheck.cli import main
from clausecheck.pages import finding_boxes
from clausecheck.readers import ocr, read_bytes
from clausecheck.readers.ocr import COMMAND_ENV, parse_tsv

# (sample, 0-based pages): the pages of a contract and of a policy with the most categories,
# so that the OCR tests stay within seconds per page
SUBSETS = {
    "contract": ("customer-drafted-services-agreement.pdf", [3]),
    "policy": ("cyber-policy-plain-english.pdf", [2, 3]),
}
CLAUSE = "In no event shall Provider's aggregate liability exceed the fees paid in the twelve months."


def require_tesseract() -> None:
    if ocr.available():
        return
    reason = "Tesseract is not installed (apt-get install tesseract-ocr)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: scripts/system-deps must provide it)", pytrace=False)
    pytest.skip(reason)


def pdf_pages(data: bytes, pages: list[int]) -> bytes:
    """A PDF of only these pages (0-based), text layer and all."""
    src, out = pdfium.PdfDocument(data), pdfium.PdfDocument.new()
    out.import_pages(src, pages)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def scanned_copy(data: bytes, dpi: int = 200) -> bytes:
    """The PDF with every page turned into a grey image at ``dpi``: no text layer left."""
    pdf = pdfium.PdfDocument(data)
    images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buf.getvalue()


@pytest.fixture(scope="session", params=sorted(SUBSETS))
def versions(request):
    """The text version of a sample's page subset and its scanned copy, both scanned, with the
    Document the scanned copy was read into (kept by a spy on the scanner's reader)."""
    require_tesseract()
    name, pages = SUBSETS[request.param]
    text_pdf = pdf_pages((SAMPLES / name).read_bytes(), pages)
    scan_pdf = scanned_copy(text_pdf)
    docs = []

    def spy(*args, **kwargs):
        docs.append(read(*args, **kwargs))
        return docs[-1]

    read = scanner.read_bytes
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scanner, "read_bytes", spy)
        text = scan(text_pdf, name=name)
        scanned = scan(scan_pdf, name="scan-" + name)
    return {"text": text, "scan": scanned, "doc": docs[-1], "text_pdf": text_pdf, "scan_pdf": scan_pdf}


def test_when_a_sample_is_scanned_then_ocr_finds_at_least_90pct_of_its_categories(versions):
    text, scanned = versions["text"], versions["scan"]
    want = {f.category for f in text.findings}
    got = {f.category for f in scanned.findings}
    assert len(want) >= 5  # the subset is worth measuring
    assert scanned.kind == text.kind
    assert len(want & got) / len(want) >= 0.9, sorted(want - got)


def test_when_pages_are_read_by_ocr_then_the_warning_and_every_finding_say_so(versions):
    scanned, doc = versions["scan"], versions["doc"]
    assert not scanned.error
    assert doc.pages and all(p.ocr for p in doc.pages)
    numbers = "1" if len(doc.pages) == 1 else f"1-{len(doc.pages)}"
    note = [w for w in scanned.warnings if w.startswith(f"page(s) {numbers} have no text layer and were read with OCR")]
    assert note and "mean word confidence" in note[0]
    assert scanned.findings and all(f.ocr for f in scanned.findings)
    assert not any(f.ocr for f in versions["text"].findings)


def test_when_pages_are_read_by_ocr_then_findings_sit_on_the_same_page_and_place_as_in_the_text(versions):
    text, scanned, doc = versions["text"], versions["scan"], versions["doc"]
    placed = {(f.rule_id, f.page) for f in text.findings}
    rules = {f.rule_id for f in text.findings}
    for f in scanned.findings:
        page = doc.pages[f.page - 1]
        assert page.start <= f.start < f.end <= page.end
        assert doc.text[f.start : f.end] == f.text
        if f.rule_id in rules:
            assert (f.rule_id, f.page) in placed, (f.rule_id, f.page, f.text)
    # the words are boxed where the text version's characters are (the scan is an image of them)
    text_doc = read_bytes(versions["text_pdf"], "text.pdf")
    compared = 0
    for f in scanned.findings:
        ocr_boxes = finding_boxes(versions["scan_pdf"], doc, f.start, f.end)
        assert list(ocr_boxes) == [f.page]
        same = [t for t in text.findings if (t.rule_id, t.page, t.text.split()) == (f.rule_id, f.page, f.text.split())]
        if same:
            hulls = [_hull(finding_boxes(versions["text_pdf"], text_doc, t.start, t.end)[t.page]) for t in same]
            assert max(_overlap(_hull(ocr_boxes[f.page]), h) for h in hulls) > 0.6, f.text
            compared += 1
    assert compared >= 3


def _hull(boxes):
    return (min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes), max(b.bottom for b in boxes))


def _overlap(a, b) -> float:
    """Intersection over union of two rectangles."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    areas = [(r[2] - r[0]) * (r[3] - r[1]) for r in (a, b)]
    return inter / (sum(areas) - inter)


# --- without Tesseract, or when it fails -----------------------------------------------------------


def mixed_pdf() -> bytes:
    """Page 1 with a text layer (a liability cap), page 2 a scanned image of the same clause."""
    text = make_pdf([CLAUSE])
    both = pdfium.PdfDocument(text)
    both.import_pages(pdfium.PdfDocument(scanned_copy(text, dpi=100)))
    buf = io.BytesIO()
    both.save(buf)
    return buf.getvalue()


def fake_tesseract(tmp_path, body: str) -> str:
    script = tmp_path / "tesseract"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_when_tesseract_is_missing_then_image_pages_are_named_in_a_warning_and_text_pages_still_scan(
    monkeypatch, tmp_path
):
    monkeypatch.setenv(COMMAND_ENV, str(tmp_path / "no-such-tesseract"))
    r = scan(mixed_pdf(), name="mixed.pdf")
    assert not r.error and r.pages == 2
    assert [w for w in r.warnings if "page(s) 2" in w and "OCR is not available" in w and "tesseract-ocr" in w]
    assert r.findings and {f.page for f in r.findings} == {1} and not any(f.ocr for f in r.findings)


def test_when_tesseract_is_missing_and_no_page_has_text_then_the_error_says_ocr_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv(COMMAND_ENV, str(tmp_path / "no-such-tesseract"))
    r = scan(scanned_copy(make_pdf([CLAUSE, CLAUSE]), dpi=100), name="scan.pdf")
    assert r.error_code == "no-text-layer"
    assert "2 page(s)" in r.error and "OCR is not available" in r.error and "apt-get install tesseract-ocr" in r.error


def test_when_ocr_is_turned_off_then_scanned_pages_are_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv(COMMAND_ENV, fake_tesseract(tmp_path, "exit 1"))  # it must not even run
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_copy(make_pdf([CLAUSE]), dpi=100))
    result = CliRunner().invoke(main, ["scan", "--no-ocr", "--workers", "0", "--format", "json", str(path)])
    assert '"error_code": "no-text-layer"' in result.output and "OCR is turned off" in result.output
    r = scan(mixed_pdf(), name="mixed.pdf", ocr=False)
    assert [w for w in r.warnings if "page(s) 2" in w and "OCR is turned off" in w]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('echo "Error opening data file eng.traineddata" >&2; exit 1', "Tesseract failed (Error opening data file"),
        ("sleep 10", "OCR took longer than 0.3 s and was stopped"),
    ],
)
def test_when_tesseract_fails_on_a_page_then_the_warning_says_why(tmp_path, monkeypatch, body, said):
    monkeypatch.setenv(COMMAND_ENV, fake_tesseract(tmp_path, body))
    monkeypatch.setattr(ocr, "PAGE_TIMEOUT", 0.3)
    r = scan(mixed_pdf(), name="mixed.pdf")
    assert [w for w in r.warnings if "page(s) 2" in w and said in w], r.warnings
    assert r.findings and not any(f.ocr for f in r.findings)


@pytest.fixture
def clause_reader(tmp_path, monkeypatch):
    """A stand-in Tesseract that "reads" CLAUSE on one line (word i at x = 100 + 60 i pixels) and
    logs each run to the file it returns (real runs are tested above)."""
    rows = ["level page_num block_num par_num line_num word_num left top width height conf text"]
    rows += [f"5 1 1 1 1 {i} {100 + 60 * i} 200 50 30 90 {w}" for i, w in enumerate(CLAUSE.split(), 1)]
    (tmp_path / "page.tsv").write_text("\n".join(r.replace(" ", "\t") for r in rows) + "\n")
    runs = tmp_path / "runs"
    monkeypatch.setenv(
        COMMAND_ENV, fake_tesseract(tmp_path, f"cat >/dev/null; echo run >>{runs}; cat {tmp_path}/page.tsv")
    )
    return runs


def test_when_a_pdf_mixes_text_and_scanned_pages_then_only_findings_on_scanned_pages_are_marked_ocr(clause_reader):
    data = mixed_pdf()
    r = scan(data, name="mixed.pdf")
    assert not r.error and r.pages == 2
    assert {(f.category, f.page, f.ocr) for f in r.findings} >= {
        ("liability-cap", 1, False),
        ("liability-cap", 2, True),
    }
    assert all(f.ocr == (f.page == 2) for f in r.findings)
    assert [w for w in r.warnings if w.startswith("page(s) 2 have no text layer and were read with OCR")]
    doc = read_bytes(data, "mixed.pdf")  # as the app does, to show the finding: no second OCR run
    assert clause_reader.read_text().split() == ["run"]
    on_scan = next(f for f in r.findings if f.page == 2)
    assert doc.text[on_scan.start : on_scan.end] == on_scan.text
    box = _hull(finding_boxes(data, doc, on_scan.start, on_scan.end)[2])
    first = CLAUSE.split().index(on_scan.text.split()[0]) + 1
    assert box[0] == pytest.approx((100 + 60 * first) * 72 / ocr.DPI - 1)  # the word's box, in points


def test_when_a_finding_came_from_ocr_then_the_app_says_so_and_draws_its_page(clause_reader, tmp_path, monkeypatch):
    import test_app as app

    monkeypatch.setenv("CLAUSECHECK_STORE", str(tmp_path / "review.db"))
    data = mixed_pdf()
    on_scan = next(f for f in scan(data, name="mixed.pdf").findings if f.ocr)
    at = app.show(app.upload(app.start(), ("mixed.pdf", data)), "Findings")
    assert "read by OCR" not in app.html(at)  # the first finding is on the text page
    (finding_box,) = [s for s in at.selectbox if s.label == "Finding"]
    finding_box.set_value(on_scan.id).run()
    assert not at.exception
    assert "read by OCR from a scan" in app.html(at)
    captions = [c for img in at.get("image") for c in img.captions]
    assert "Page 2: the clause, matched words boxed in red" in captions


def test_when_ocr_is_turned_on_again_then_a_cached_result_without_ocr_is_not_reused(clause_reader, tmp_path):
    from clausecheck.batch import BatchScan, ScanOptions

    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_copy(make_pdf([CLAUSE]), dpi=100))
    cache = tmp_path / "cache"
    ((_, off),) = BatchScan([path], ScanOptions(ocr=False), workers=0, cache_dir=cache)
    assert off.error_code == "no-text-layer"
    again = BatchScan([path], ScanOptions(ocr=False), workers=0, cache_dir=cache)
    assert [r.error_code for _, r in again] == ["no-text-layer"] and again.cached == 1
    on = BatchScan([path], ScanOptions(), workers=0, cache_dir=cache)
    ((_, read),) = on
    assert on.cached == 0 and not read.error and read.findings and all(f.ocr for f in read.findings)


def test_when_a_finding_came_from_ocr_then_the_reports_say_so():
    on_scan = make_finding("a", ocr=True).model_copy(update={"page": 2})
    results = [ScanResult(path="scan.pdf", findings=[on_scan, make_finding("b", start=200)])]
    rows = list(csv.DictReader(io.StringIO(report.to_csv(results))))
    assert [(r["page"], r["ocr"]) for r in rows] == [("2", "True"), ("1", "False")]
    memo = report.to_markdown(results)
    assert "| 2 OCR |" in memo and "| 1 |" in memo


def test_when_tesseract_tsv_is_parsed_then_words_index_the_page_text_and_boxes_are_in_points():
    rows = [
        "level page_num block_num par_num line_num word_num left top width height conf text",
        "4 1 1 1 1 0 100 100 900 40 -1 ",
        "5 1 1 1 1 1 100 100 200 40 96.5 Provider's",
        "5 1 1 1 1 2 320 100 200 40 90.5 liability",
        "5 1 1 1 2 1 100 160 100 40 93 shall",
        "5 1 1 1 2 2 210 160 10 40 -1  ",
        '5 1 2 1 1 1 100 300 100 40 80 "cap"',
    ]
    tsv = "\n".join(r.replace(" ", "\t") for r in rows) + "\n"
    page = parse_tsv(tsv, 72 / 300)
    assert page.text == 'Provider\'s liability\nshall\n"cap"\n'
    assert [page.text[w.start : w.end] for w in page.words] == ["Provider's", "liability", "shall", '"cap"']
    assert page.words[1].box == pytest.approx((76.8, 24.0, 124.8, 33.6))
    assert page.confidence == pytest.approx(90.0)
