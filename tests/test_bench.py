"""The speed benchmark's corpus: text PDFs of exactly the asked number of pages, of contract prose."""

from __future__ import annotations

import sys

from conftest import ROOT

from clausecheck import scan

sys.path.insert(0, str(ROOT / "bench"))
import speed


def test_benchmark_pdfs_have_the_asked_pages_and_real_contract_text():
    result = scan(speed.make_pdf(3), name="bench.pdf")
    assert result.error is None
    assert result.pages == 3
    assert result.chars > 3 * 2000  # full pages of prose
    assert result.findings
