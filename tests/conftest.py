from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from clausecheck import Finding, Section, Severity

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_contracts"
CUAD = ROOT.parent / "shared" / "corpus" / "cuad-dev"


def make_pdf(pages: list[str], header: str | None = None, footer: bool = False) -> bytes:
    """A text PDF with one string per page (lines split on newlines), optionally with a running
    header and a "Page N of M" footer on every page."""
    from fpdf import FPDF

    class Doc(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("Helvetica", "", 8)
                self.cell(0, 8, header)
                self.ln(10)

        def footer(self) -> None:
            if footer:
                self.set_y(-12)
                self.set_font("Helvetica", "", 8)
                self.cell(0, 8, f"Page {self.page_no()} of {{nb}}")

    pdf = Doc()
    pdf.set_auto_page_break(False)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", "", 10)
        for line in text.split("\n"):
            pdf.cell(0, 6, line)
            pdf.ln(6)
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, user: str = "secret", owner: str = "owner") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(build) -> bytes:
    """A DOCX made by ``build(document)`` with python-docx."""
    import docx

    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def engine():
    from clausecheck import get_engine

    return get_engine()


@pytest.fixture(scope="session")
def sample_labels() -> list[dict]:
    return [json.loads(line) for line in (SAMPLES / "labels.jsonl").open(encoding="utf-8")]


needs_cuad = pytest.mark.skipif(
    not (CUAD / "docs.jsonl").exists(), reason="shared/corpus/cuad-dev is not beside the repo"
)


def make_finding(
    fid: str = "f1", rule: str = "LIAB-001", category: str = "liability-cap", start: int = 100, **kw
) -> Finding:
    """A liability-cap finding on a one-sentence clause starting at ``start`` (words 15-34 matched)."""
    clause = kw.pop("clause_text", "The Provider's aggregate liability shall not exceed the fees paid.")
    return Finding(
        id=fid,
        rule_id=rule,
        category=category,
        severity=Severity.MEDIUM,
        title="Aggregate liability capped",
        start=start + 15,
        end=start + 34,
        text=clause[15:34],
        clause_start=start,
        clause_end=start + len(clause),
        clause_text=clause,
        page=1,
        section=Section(number="9.1", heading="Limitation of Liability"),
        method="phrase",
        pattern=0,
        score=1.0,
        explanation="Why.",
        recommendation="What to do.",
        **kw,
    )


REAL_DEV = ROOT.parent / "shared" / "corpus" / "real-dev" / "texts"
needs_corpus = pytest.mark.skipif(
    not ((CUAD / "docs.jsonl").exists() and REAL_DEV.is_dir()),
    reason="shared/corpus (cuad-dev and real-dev) is not beside the repo",
)


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """`clausecheck train` run once for the session: the model file's bytes and the fold models."""
    if not ((CUAD / "docs.jsonl").exists() and REAL_DEV.is_dir()):
        pytest.skip("shared/corpus is not beside the repo")
    from types import SimpleNamespace

    from clausecheck import training

    out = tmp_path_factory.mktemp("trained")
    result = training.train()
    training.write(result, out / "model.bin", out / "folds")
    return SimpleNamespace(result=result, path=out / "model.bin", folds=training.fold_models(out / "folds"))
