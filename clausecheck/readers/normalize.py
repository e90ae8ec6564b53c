"""Text clean-up for extracted PDF text, keeping the map back to the source.

Works on lines: repeated page headers and footers and page numbers are dropped, words hyphenated
across line ends are joined, ligatures and stray control characters are normalised. All output is
written through a :class:`TextBuilder`, so every output offset maps to a source offset.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .document import Page, TextBuilder

LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
# One-for-one replacements (keep lengths): odd spaces become spaces, control characters that
# PDF text layers emit (soft hyphen markers, NULs) become spaces.
_SAME_LENGTH = str.maketrans(
    {
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\x00": " ",
        "\x0b": " ",
        "\x0c": " ",
    }
)
_ODD_CHARS = re.compile("[" + "".join(map(chr, _SAME_LENGTH)) + "]")
_LIGATURE_RE = re.compile("[" + "".join(LIGATURES) + "]")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s*)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–—)\]]?"
    r"(?:\s*(?:of|/)\s*\d{1,4})?\s*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_EDGE_LINES = 3  # lines at the top and bottom of a page that may be a header or footer


@dataclass(slots=True)
class Line:
    page: int  # 0-based page index
    start: int  # source offset of the first character
    text: str  # without its line break


def split_lines(page_text: str, page: int, offset: int) -> list[Line]:
    lines = []
    pos = 0
    for raw in page_text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append(Line(page, offset + pos, body))
        pos += len(raw)
    return lines


def _signature(text: str) -> str:
    return _SPACES.sub(" ", _DIGITS.sub("#", text.lower())).strip()


def find_repeated_edges(pages: list[list[Line]]) -> set[tuple[int, int]]:
    """(page, line start) of header, footer and page-number lines to drop."""
    drop: set[tuple[int, int]] = set()
    edges: list[list[Line]] = []
    for lines in pages:
        nonblank = [ln for ln in lines if ln.text.strip()]
        top = nonblank[:_EDGE_LINES]
        bottom = nonblank[-_EDGE_LINES:] if len(nonblank) > _EDGE_LINES else []
        edges.append(top + [ln for ln in bottom if ln not in top])
        for ln in nonblank[:2] + nonblank[-2:]:
            if _PAGE_NUMBER.match(ln.text):
                drop.add((ln.page, ln.start))
    if len(pages) >= 3:
        counts = Counter()
        for e in edges:
            counts.update({_signature(ln.text) for ln in e if ln.text.strip()})
        threshold = max(3, (len(pages) + 1) // 2)
        repeated = {sig for sig, n in counts.items() if n >= threshold and len(sig) > 1}
        for e in edges:
            for ln in e:
                if _signature(ln.text) in repeated:
                    drop.add((ln.page, ln.start))
    return drop


# PDFium marks a hyphen it broke a line at with U+FFFE (or \x02) and puts no line break after
# it; soft hyphens (U+00AD) are the same thing in other producers.
_BREAK_HYPHEN = "\ufffe\x02\u00ad"
_SPECIAL = re.compile(f"[{''.join(LIGATURES)}{_BREAK_HYPHEN}]")
_WORD_AFTER = re.compile(r"\w*")


def _same_length(text: str) -> str:
    # translate() looks every character up in a dict; most lines hold none of these
    return text.translate(_SAME_LENGTH) if _ODD_CHARS.search(text) else text


def _is_word(word: str) -> bool:
    from ..nlp import lemmas  # here, not at the top: spaCy takes a second to import

    return lemmas().is_word(word)


def _word_before(text: str, end: int, floor: int = 0) -> str:
    """The word characters (as regex ``\\w``) just before ``end``, not before ``floor``. Scanned
    by hand: a regex like ``(\\w+)-$`` retries every start inside a word (quadratic in its length)."""
    i = end
    while i > floor and (text[i - 1].isalnum() or text[i - 1] == "_"):
        i -= 1
    return text[i:end]


def _append_clean(builder: TextBuilder, text: str, src: int) -> None:
    """Append a line's text with ligatures expanded, line-break hyphens resolved and odd
    characters replaced (every piece mapped to its source offset)."""
    pos = 0
    for m in _SPECIAL.finditer(text):
        mark, char = m.start(), m.group()
        builder.copy(_same_length(text[pos:mark]), src + pos)
        if char in LIGATURES:
            builder.replace(LIGATURES[char], src + mark, 1)
        else:
            before = _word_before(text, mark, pos)
            after = _WORD_AFTER.match(text, mark + 1).group()  # stops at the next break mark
            if not (before and after and _is_word((before + after).lower())):
                builder.replace("-", src + mark, 1)  # keep a visible hyphen ("self-insured")
        pos = mark + 1
    builder.copy(_same_length(text[pos:]), src + pos)


_WORD_START = re.compile(r"^\s*([a-z]\w*)")


def build_text(page_texts: list[str]) -> tuple[str, str, list[Page], TextBuilder]:
    """Clean the extracted text of each page into one text.

    Returns ``(text, source_text, pages, builder)`` where source_text is the page texts joined
    with form feeds (the offsets the builder's map points into).
    """
    page_lines: list[list[Line]] = []
    offset = 0
    for i, t in enumerate(page_texts):
        page_lines.append(split_lines(t, i, offset))
        offset += len(t) + 1  # the form feed after each page
    source_text = "\f".join(page_texts) + ("\f" if page_texts else "")
    drop = find_repeated_edges(page_lines)
    kept = [ln for lines in page_lines for ln in lines if (ln.page, ln.start) not in drop]

    builder = TextBuilder()
    page_start = {}
    joined_hyphen = False
    for i, ln in enumerate(kept):
        page_start.setdefault(ln.page, len(builder))
        text = ln.text.rstrip()
        if joined_hyphen:  # this line continues a word split at the previous line's end
            stripped = text.lstrip()
            src = ln.start + len(text) - len(stripped)
            text = stripped
        else:
            src = ln.start
        joined_hyphen = False
        nxt = kept[i + 1] if i + 1 < len(kept) else None
        head = _word_before(text, len(text) - 1) if nxt and text.endswith("-") else ""
        w = _WORD_START.match(nxt.text) if head else None
        if w:
            word = (head + w.group(1)).lower()
            if _is_word(word):  # "secu-\nrity": drop hyphen and break
                _append_clean(builder, text[:-1], src)
            else:  # "self-\ninsured": keep the hyphen, drop the break
                _append_clean(builder, text, src)
            joined_hyphen = True
            continue
        _append_clean(builder, text, src)
        builder.replace("\n", ln.start + len(ln.text), 1)
    text = builder.text()
    pages = []
    for i in range(len(page_texts)):
        start = page_start.get(i)
        if start is None:  # page with nothing kept: an empty range where the next page starts
            start = next((page_start[j] for j in range(i + 1, len(page_texts)) if j in page_start), len(text))
        pages.append(Page(i + 1, start, start, has_text=bool(page_texts[i].strip())))
    pages = [
        Page(p.number, p.start, pages[k + 1].start if k + 1 < len(pages) else len(text), p.has_text)
        for k, p in enumerate(pages)
    ]
    return text, source_text, pages, builder
