"""The bad-input corpus, made by code: every kind of file a user may drop into a scan that is
empty, damaged, locked, hostile or odd, with what the scan must say about it.

``CASES`` maps a file name to its maker and the expected outcome: an error code
(``"encrypted"``...) and a phrase of its message, or ``None`` for a file that must scan normally. :func:`write_corpus` writes the whole corpus into a
folder (plus the on-disk-only cases: an over-size sparse file, a symlink loop, an unreadable
file); :func:`corpus_bytes` gives the byte-level cases for ``scan(bytes)``.
"""

from __future__ import annotations

import functools
import io
import os
import random
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLES, encrypt_pdf, make_docx, make_pdf

from clausecheck.readers import MAX_BYTES
from clausecheck.readers.docx import MAX_UNCOMPRESSED

CLAUSE = (
    "In no event shall Provider's aggregate liability exceed the fees paid by Customer "
    "in the twelve months preceding the claim."
)
PDF_BODY = ["1. Liability\n" + CLAUSE, "2. Term\nEither party may terminate this Agreement for convenience."]


def _rebuild_zip(data: bytes, drop: set[str] = frozenset(), add: dict[str, bytes] | None = None) -> bytes:
    """The DOCX package ``data`` without the parts in ``drop`` and with the parts in ``add``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename not in drop and item.filename not in (add or {}):
                dst.writestr(item, src.read(item.filename))
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def good_docx() -> bytes:
    return make_docx(lambda d: d.add_paragraph(CLAUSE))


def zip_bomb_docx(inflated: int = MAX_UNCOMPRESSED + 2**20) -> bytes:
    """A DOCX whose word/document.xml inflates to ``inflated`` bytes (of spaces inside the body)
    from a zip of a few MiB: written in chunks, so making it never holds it in memory."""
    base = zipfile.ZipFile(io.BytesIO(good_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:  # level 1: fast on spaces
        for item in base.infolist():
            if item.filename != "word/document.xml":
                dst.writestr(item, base.read(item.filename))
        xml = base.read("word/document.xml")
        head, tail = xml.split(b"<w:body>", 1)
        head += b"<w:body>"
        with dst.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            chunk = b" " * 2**20
            left = inflated - len(head) - len(tail)
            while left > 0:
                part.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
            part.write(tail)
    return out.getvalue()


def lying_zip_docx() -> bytes:
    """A DOCX whose central directory says word/document.xml is 100 bytes while its deflated
    stream holds 50 MB: a zip bomb that lies about its size."""
    xml = zipfile.ZipFile(io.BytesIO(good_docx())).read("word/document.xml")
    head, tail = xml.split(b"<w:body>", 1)
    big = head + b"<w:body>" + b" " * 50_000_000 + tail
    data = _rebuild_zip(good_docx(), add={"word/document.xml": big})
    declared = len(big).to_bytes(4, "little")  # zip32 size field, in the local and central headers
    assert data.count(declared) >= 2
    return data.replace(declared, (100).to_bytes(4, "little"))


def zero_page_pdf() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def broken_xref_pdf() -> bytes:
    """A PDF whose cross-reference table points at wrong offsets (readers must rebuild it)."""
    data = make_pdf(PDF_BODY)
    start = data.rindex(b"\nxref") + 1
    end = data.index(b"trailer", start)
    table = data[start:end]
    broken = bytes(b if not (48 <= b <= 57) else 48 + (b - 48 + 3) % 10 for b in table)  # every digit shifted
    return data[:start] + broken + data[end:]


def five_mb_line() -> str:
    """One 5 MiB line without a stop: the clause, 5 MiB of filler words, the clause again."""
    filler = "lorem ipsum dolor sit amet consectetur adipiscing elit "
    return CLAUSE[:-1] + " " + filler * (5 * 2**20 // len(filler)) + CLAUSE


def _random(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


#: name -> (bytes maker, expected error code or None for a normal scan, a phrase of the message)
CASES: dict[str, tuple] = {
    "zero.txt": (lambda: b"", "empty", "the file is empty (0 bytes)"),
    "zero.pdf": (lambda: b"", "empty", "the file is empty (0 bytes)"),
    "zero.docx": (lambda: b"", "empty", "the file is empty (0 bytes)"),
    "random.pdf": (lambda: _random(4000, 1), "unsupported-format", "not a PDF file"),
    "random.docx": (lambda: _random(4000, 2), "unsupported-format", "not a DOCX file"),
    "truncated.pdf": (lambda: make_pdf(PDF_BODY)[:600], "corrupt", "the PDF is damaged"),
    "user-password.pdf": (lambda: encrypt_pdf(make_pdf(PDF_BODY)), "encrypted", "needs a password"),
    "owner-password-only.pdf": (lambda: encrypt_pdf(make_pdf(PDF_BODY), user=""), None, None),
    "zero-pages.pdf": (zero_page_pdf, "empty", "the PDF has no pages"),
    "broken-xref.pdf": (broken_xref_pdf, None, None),
    "zip-bomb.docx": (zip_bomb_docx, "too-large", "over the 512 MiB limit"),
    "lying-zip.docx": (lying_zip_docx, "corrupt", "the DOCX file is damaged"),
    "no-document-part.docx": (
        lambda: _rebuild_zip(good_docx(), drop={"word/document.xml"}),
        "corrupt",
        "its main part (word/document.xml) is missing",
    ),
    "no-content-types.docx": (
        lambda: _rebuild_zip(good_docx(), drop={"[Content_Types].xml"}),
        "corrupt",
        "the DOCX file is damaged",
    ),
    "cp1252.txt": (lambda: ("Fees – “net” café. " + CLAUSE).encode("cp1252"), None, None),
    "utf16.txt": (lambda: CLAUSE.encode("utf-16"), None, None),
    "utf16-no-bom.txt": (lambda: CLAUSE.encode("utf-16-le"), None, None),
    "nul-bytes.txt": (lambda: CLAUSE.encode() + b"\x00\x00" + CLAUSE.encode(), "unsupported-format", "NUL bytes"),
    "one-5mb-line.txt": (lambda: five_mb_line().encode(), None, None),
}
#: the cases that only exist on disk: name -> (expected code, a phrase of the message)
DISK_CASES = {
    "over-size.txt": ("too-large", "over the 100 MiB limit"),
    "loop-a.txt": ("unreadable", "Too many levels of symbolic links"),
    "loop-b.txt": ("unreadable", "Too many levels of symbolic links"),
    "unreadable.txt": ("unreadable", "permission denied"),
}


@functools.cache
def corpus_bytes() -> dict[str, tuple[bytes, str | None, str | None]]:
    return {name: (make(), code, phrase) for name, (make, code, phrase) in CASES.items()}


def write_corpus(folder: Path) -> dict[str, tuple[str | None, str | None]]:
    """Write every case (bytes and on-disk ones) and a good sample into ``folder``; return
    name -> (expected code, phrase). The folder also holds a link to itself, not to be walked."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (data, code, phrase) in corpus_bytes().items():
        (folder / name).write_bytes(data)
        expected[name] = (code, phrase)
    with open(folder / "over-size.txt", "wb") as f:  # sparse: takes no disk space
        f.truncate(MAX_BYTES + 1)
    (folder / "loop-a.txt").symlink_to("loop-b.txt")  # a cycle of two file links
    (folder / "loop-b.txt").symlink_to("loop-a.txt")
    (folder / "self").symlink_to(".", target_is_directory=True)  # a folder that contains itself
    (folder / "unreadable.txt").write_text(CLAUSE)
    (folder / "unreadable.txt").chmod(0)
    good = "msp-sla-best-effort.txt"
    (folder / good).write_bytes((SAMPLES / good).read_bytes())
    return {**expected, **DISK_CASES, good: (None, None)}


def unprivileged() -> list[str]:
    """A command prefix under which a chmod 000 file really is unreadable: as root (who reads
    every file), ``setpriv`` drops the capabilities that bypass file permissions; for any other
    user nothing is needed."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a chmod 000 file would be readable")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
