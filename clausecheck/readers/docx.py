"""DOCX through python-docx: body paragraphs and tables in order, list numbering as Word shows
it, footnotes at the end. Headers and footers are left out."""

from __future__ import annotations

import io
import zipfile

from ..errors import ErrorCode, ReadError
from .document import Document, Page

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_UNCOMPRESSED = 512 * 1024 * 1024  # a DOCX that inflates beyond this is refused (zip bomb)
PARAGRAPH_BREAK = "\n\n"


def check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError(ErrorCode.CORRUPT, "the DOCX file is damaged: not a readable ZIP archive") from None
    total = sum(info.file_size for info in archive.infolist())
    if total > MAX_UNCOMPRESSED:
        raise ReadError(
            ErrorCode.TOO_LARGE,
            f"the DOCX would expand to {total / 2**20:,.0f} MiB, over the {MAX_UNCOMPRESSED / 2**20:,.0f} MiB limit",
        )
    return archive


# --- list numbering ---------------------------------------------------------------------------


def _roman(n: int) -> str:
    vals = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ]
    out = []
    for v, s in vals:
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


def _letter(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _format(n: int, fmt: str) -> str:
    match fmt:
        case "lowerLetter":
            return _letter(n)
        case "upperLetter":
            return _letter(n).upper()
        case "lowerRoman":
            return _roman(n)
        case "upperRoman":
            return _roman(n).upper()
        case "none":
            return ""
        case _:
            return str(n)


class Numbering:
    """Computes the label Word shows for a numbered paragraph ("1.2", "(a)", "iv.")."""

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for an in root.iter(f"{W}abstractNum"):
            lv = {}
            for lvl in an.iter(f"{W}lvl"):
                ilvl = int(lvl.get(f"{W}ilvl", 0))
                fmt = lvl.find(f"{W}numFmt")
                text = lvl.find(f"{W}lvlText")
                start = lvl.find(f"{W}start")
                lv[ilvl] = (
                    fmt.get(f"{W}val") if fmt is not None else "decimal",
                    text.get(f"{W}val") if text is not None else "",
                    int(start.get(f"{W}val")) if start is not None else 1,
                )
            abstract[an.get(f"{W}abstractNumId")] = lv
        for num in root.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            if ref is not None:
                self.levels[num.get(f"{W}numId")] = abstract.get(ref.get(f"{W}val"), {})

    def label(self, num_id: str, ilvl: int) -> str:
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        fmt, text, start = levels[ilvl]
        if fmt == "bullet":
            return "•"
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        for k in range(9):
            if f"%{k + 1}" in text:
                lv_fmt, _, lv_start = levels.get(k, ("decimal", "", 1))
                text = text.replace(f"%{k + 1}", _format(counters.get(k, lv_start), lv_fmt))
        return text


def _num_pr(paragraph) -> tuple[str, int] | None:
    """numId and level of a paragraph, from its own properties or its style's."""
    candidates = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        candidates.append(style.element.pPr)
        style = style.base_style
    for ppr in candidates:
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is not None and num_pr.numId is not None:
            ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
            return str(num_pr.numId.val), int(ilvl)
    return None


# --- body ---------------------------------------------------------------------------------------


def _page_breaks(element) -> int:
    rendered = len(element.findall(f".//{W}lastRenderedPageBreak"))
    explicit = sum(1 for br in element.iter(f"{W}br") if br.get(f"{W}type") == "page")
    return max(rendered, explicit)


def _table_text(table) -> str:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats itself
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text.strip())
        rows.append("\t".join(cells))
    return "\n".join(rows)


def _footnotes(document) -> list[str]:
    notes = []
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/footnotes") and not rel.is_external:
            from lxml import etree

            root = etree.fromstring(rel.target_part.blob)
            for note in root.iter(f"{W}footnote"):
                if note.get(f"{W}type") in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                text = "".join(t.text or "" for t in note.iter(f"{W}t")).strip()
                if text:
                    notes.append(f"[{note.get(f'{W}id')}] {text}")
    return notes


def _blocks(document) -> tuple[list[str], list[int]]:
    """The text blocks of the body (paragraphs, tables, then footnotes) and the page of each."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    numbering = Numbering(document)
    blocks: list[str] = []
    block_pages: list[int] = []
    page = 1
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == f"{W}p":
            para = Paragraph(child, document)
            text = para.text.strip()
            num = _num_pr(para)
            if text and num:
                label = numbering.label(*num)
                text = f"{label} {text}" if label else text
            if text:
                blocks.append(text)
                block_pages.append(page)
            page += _page_breaks(child)
        elif child.tag == f"{W}tbl":
            text = _table_text(Table(child, document)).strip()
            if text:
                blocks.append(text)
                block_pages.append(page)
    notes = _footnotes(document)
    if notes:
        blocks.append("Footnotes")
        block_pages.append(page)
        blocks.extend(notes)
        block_pages.extend([page] * len(notes))
    return blocks, block_pages


def read_docx(data: bytes) -> Document:
    import docx

    archive = check_zip(data)
    names = archive.namelist()
    if "word/document.xml" not in names:
        if "[Content_Types].xml" in names:  # an Office package that lost its main part
            raise ReadError(ErrorCode.CORRUPT, "the DOCX file is damaged: its main part (word/document.xml) is missing")
        raise ReadError(ErrorCode.UNSUPPORTED, "a ZIP archive that is not a Word document (no word/document.xml)")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors for damaged parts
        raise ReadError(
            ErrorCode.CORRUPT, f"the DOCX file is damaged and cannot be opened ({type(exc).__name__}: {exc})"
        ) from None

    try:
        blocks, block_pages = _blocks(document)
    except Exception as exc:  # a part python-docx opened but cannot walk (styles, numbering, body)
        raise ReadError(
            ErrorCode.CORRUPT, f"the DOCX file is damaged: its content cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    if not blocks:
        raise ReadError(ErrorCode.EMPTY, "the DOCX document contains no text")

    parts, pages, pos = [], [], 0
    for text, pg in zip(blocks, block_pages, strict=True):
        if not pages or pages[-1][0] != pg:
            pages.append((pg, pos))
        parts.append(text)
        pos += len(text) + len(PARAGRAPH_BREAK)
    full = PARAGRAPH_BREAK.join(parts)
    page_list = [
        Page(num, start, pages[i + 1][1] if i + 1 < len(pages) else len(full)) for i, (num, start) in enumerate(pages)
    ]
    return Document(text=full, format="docx", pages=page_list, source_text=full)
