"""Readers: decoding, format sniffing, PDF clean-up with offset maps, DOCX structure."""

from __future__ import annotations

import codecs
import json

import pytest
from conftest import CUAD, make_docx, make_pdf, needs_cuad
from rapidfuzz.distance import Indel

from clausecheck.errors import ErrorCode, ReadError
from clausecheck.readers import read_bytes, sniff
from clausecheck.readers.normalize import build_text

TEXT = "1. Services\r\nProvider shall use commercially reasonable efforts.\r\n\r\n2. Fees – £100 “net”.\n"


# --- plain text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # without BOM
    ],
)
def test_when_text_is_unicode_then_text_is_the_decoded_file_exactly(data, encoding):
    doc = read_bytes(data, "a.txt")
    assert doc.text == TEXT  # no newline translation: \r\n stays
    assert doc.format == "text"
    assert not doc.warnings


def test_when_text_is_cp1252_then_it_is_decoded_with_a_warning():
    doc = read_bytes("Fees – “net” café".encode("cp1252"), "a.txt")
    assert doc.text == "Fees – “net” café"
    assert "Windows-1252" in doc.warnings[0]


@pytest.mark.parametrize(("data", "code"), [(b"", ErrorCode.EMPTY), (b"  \n\t ", ErrorCode.EMPTY)])
def test_when_file_is_empty_then_error_is_empty(data, code):
    with pytest.raises(ReadError) as err:
        read_bytes(data, "a.txt")
    assert err.value.code == code


def test_when_file_is_too_large_then_error_is_too_large():
    with pytest.raises(ReadError) as err:
        read_bytes(b"a" * 2000, "a.txt", max_bytes=1000)
    assert err.value.code == ErrorCode.TOO_LARGE


# --- sniffing --------------------------------------------------------------------------------


def test_when_pdf_is_named_docx_then_it_is_read_as_pdf_with_a_warning():
    doc = read_bytes(make_pdf(["The Customer shall pay."]), "contract.docx")
    assert doc.format == "pdf"
    assert "named .docx" in doc.warnings[0]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image"),
        (b"{\\rtf1\\ansi hello}", "RTF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy Office"),
    ],
)
def test_when_format_is_unsupported_then_the_error_names_it(data, fragment):
    with pytest.raises(ReadError) as err:
        sniff(data, ".pdf")
    assert err.value.code == ErrorCode.UNSUPPORTED
    assert fragment in err.value.message


# --- PDF ---------------------------------------------------------------------------------------

BODY = [
    "1. Services\nProvider shall use commercially reasonable efforts to restore\nthe services and to main-\ntain security of the network.",
    "2. Liability\nIn no event shall Provider's aggregate liability exceed the fees\npaid in the twelve months preceding the claim.",
    "3. Term\nEither party may terminate this Agreement for convenience upon\nthirty days' notice. The self-\ninsured retention applies.",
]


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_when_pdf_has_running_headers_and_page_numbers_then_they_are_removed(engine):
    data = make_pdf(BODY, header="ACME MANAGED SERVICES AGREEMENT - CONFIDENTIAL", footer=True)
    doc = read_bytes(data, "a.pdf", engine=engine)
    assert "CONFIDENTIAL" not in doc.text
    assert "Page 2 of 3" not in doc.text
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.page_at(doc.text.index("aggregate liability")) == 2
    assert doc.page_at(doc.text.index("thirty days")) == 3


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_when_a_word_is_hyphenated_at_a_line_end_then_it_is_joined(engine):
    doc = read_bytes(make_pdf(BODY), "a.pdf", engine=engine)
    assert "maintain security" in doc.text  # a dictionary word: hyphen dropped
    assert "self-insured" in doc.text  # not a word without its hyphen: hyphen kept
    # every offset maps back into the extracted source text
    i = doc.text.index("maintain")
    src = doc.to_source(i)
    assert doc.source_text[src : src + 4] == "main"


def test_when_text_has_ligatures_then_they_are_expanded_and_offsets_map_back():
    text, source, _pages, builder = build_text(["The ﬁrst ﬂoor oﬃce.\n"])
    assert text.startswith("The first floor office.")
    i = text.index("office")
    assert source[builder.map.to_source(i)] == "o"
    assert source[builder.map.to_source(text.index("floor"))] == "ﬂ"
    assert builder.map.to_source(text.index(" floor") + 1 + 5) == source.index(" oﬃce")  # after the ligature


def test_when_pdf_has_no_text_layer_then_error_says_so():
    with pytest.raises(ReadError) as err:
        read_bytes(make_pdf(["", ""]), "scan.pdf")
    assert err.value.code == ErrorCode.NO_TEXT
    assert "OCR" in err.value.message


def test_when_some_pages_have_no_text_then_a_warning_names_them():
    doc = read_bytes(make_pdf([BODY[0], "", BODY[1]]), "a.pdf")
    assert any("page(s) 2" in w for w in doc.warnings)


@needs_cuad
@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_when_real_cuad_pdfs_are_read_then_text_matches_cuad_text(engine):
    docs = [json.loads(line) for line in (CUAD / "docs.jsonl").open()]
    chosen = sorted((d for d in docs if d["pdf"]), key=lambda d: (CUAD / d["pdf"]).stat().st_size)[:3]
    for d in chosen:
        doc = read_bytes((CUAD / d["pdf"]).read_bytes(), d["pdf"], engine=engine)
        truth = (CUAD / d["text"]).read_text(encoding="utf-8")
        similarity = Indel.normalized_similarity(" ".join(doc.text.split()), " ".join(truth.split()))
        # floors a little under the worst documents measured by bench/pdf_engines.py (0.953, 0.870)
        assert similarity > {"pdfium": 0.95, "pdfplumber": 0.85}[engine], (d["doc"], similarity)
        assert len(doc.pages) >= 1 and doc.pages[-1].end == len(doc.text)


# --- DOCX --------------------------------------------------------------------------------------


def _numbered_list(document, items: list[str], fmt: str = "lowerLetter", text: str = "(%1)"):
    """Add paragraphs numbered by a real Word numbering definition."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl></w:abstractNum>'
    )
    numbering.insert(0, abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for item in items:
        p = document.add_paragraph(item)
        p._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>')
        )


def test_when_docx_has_paragraphs_lists_tables_and_headers_then_body_is_read_in_order():
    def build(d):
        d.sections[0].header.paragraphs[0].text = "HEADER TEXT MUST NOT APPEAR"
        d.sections[0].footer.paragraphs[0].text = "FOOTER TEXT MUST NOT APPEAR"
        d.add_heading("LIMITATION OF LIABILITY", level=1)
        d.add_paragraph("Customer shall:")
        _numbered_list(d, ["maintain backups;", "train its staff."])
        table = d.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "Service", "Uptime"
        table.cell(1, 0).text, table.cell(1, 1).text = "Email", "99.9%"
        d.add_paragraph("End of agreement.")

    doc = read_bytes(make_docx(build), "a.docx")
    assert "MUST NOT APPEAR" not in doc.text
    assert (
        doc.text.index("LIMITATION") < doc.text.index("(a) maintain backups;") < doc.text.index("(b) train its staff.")
    )
    assert "Service\tUptime\nEmail\t99.9%" in doc.text
    assert doc.text.endswith("End of agreement.")


def test_when_docx_is_damaged_then_error_is_corrupt():
    data = make_docx(lambda d: d.add_paragraph("Hello"))
    with pytest.raises(ReadError) as err:
        read_bytes(data[:200], "a.docx")
    assert err.value.code == ErrorCode.CORRUPT


def test_when_docx_is_empty_then_error_is_empty():
    with pytest.raises(ReadError) as err:
        read_bytes(make_docx(lambda d: None), "a.docx")
    assert err.value.code == ErrorCode.EMPTY


def _with_footnote(data: bytes, note: str) -> bytes:
    """Add a footnotes part (which python-docx cannot write) to a DOCX package."""
    import io
    import zipfile

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    footnotes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{w}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1"><w:p><w:r><w:t>{note}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    )
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdFoot" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            elif item.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            dst.writestr(item, body)
        dst.writestr("word/footnotes.xml", footnotes)
    return out.getvalue()


def test_when_docx_has_footnotes_then_they_are_read_after_the_body():
    data = _with_footnote(
        make_docx(lambda d: d.add_paragraph("Provider shall notify Customer.")),
        "Notice means written notice within 72 hours.",
    )
    doc = read_bytes(data, "a.docx")
    assert doc.text.index("Provider shall notify") < doc.text.index("Footnotes") < doc.text.index("[1] Notice means")


def test_when_docx_has_page_breaks_then_pages_are_counted():
    def build(d):
        d.add_paragraph("First page text.")
        d.add_page_break()
        d.add_paragraph("Second page text.")

    doc = read_bytes(make_docx(build), "a.docx")
    assert doc.page_at(doc.text.index("Second")) == 2 and doc.page_at(0) == 1
