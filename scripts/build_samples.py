"""Build the PDF and DOCX versions of the sample contracts from their TXT sources.

    python scripts/build_samples.py

The TXT files are the originals (labels.jsonl indexes them). The PDFs carry a running header
and a "Page N of M" footer on every page, as real contracts do, so that header/footer removal is
exercised; the DOCX files use real Word headings and a header/footer part (which the reader
must leave out). Needs the dev extra (fpdf2).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import docx
from docx.shared import Pt
from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent / "sample_contracts"
_LATIN1 = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "−": "-", "•": "*", "…": "...", "≤": "<=", "≥": ">="}
)


def _latin1(text: str) -> str:
    """The PDFs use a core font (Latin-1 only); anything else becomes '?'."""
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def _is_heading(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and len(line) < 90 and all(c.isupper() for c in letters)


def _title(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def build_pdf(src: Path) -> Path:
    text = src.read_text(encoding="utf-8")
    title = _latin1(_title(text))

    class Doc(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", "I", 8)
            self.cell(0, 8, f"{title} - Confidential", align="C")
            self.ln(10)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Doc(format="Letter")
    pdf.set_creation_date(__import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    for para in re.split(r"\n\s*\n", text):
        para = _latin1(para.strip())
        if not para:
            continue
        heading = _is_heading(para)
        pdf.set_font("Helvetica", "B" if heading else "", 10.5 if heading else 10)
        pdf.multi_cell(0, 5, para)
        pdf.ln(2.5)
    out = src.with_suffix(".pdf")
    pdf.output(str(out))
    return out


def build_docx(src: Path) -> Path:
    text = src.read_text(encoding="utf-8")
    document = docx.Document()
    document.core_properties.created = __import__("datetime").datetime(2026, 1, 1)
    section = document.sections[0]
    section.header.paragraphs[0].text = f"{_title(text)} - Confidential"
    section.footer.paragraphs[0].text = "Draft for review"
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10.5)
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        if _is_heading(para):
            document.add_heading(para, level=2)
        else:
            document.add_paragraph(para)
    out = src.with_suffix(".docx")
    document.save(str(out))
    return out


def main() -> int:
    for src in sorted(ROOT.glob("*.txt")):
        print(build_pdf(src), build_docx(src))
    return 0


if __name__ == "__main__":
    sys.exit(main())
