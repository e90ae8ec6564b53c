"""The ``Document`` every reader produces, and the offset map that ties it to its source.

``Document.text`` is what the segmenter and matcher read. Readers that normalise (PDF: header
and footer removal, hyphen joins, ligatures) build the text with a :class:`TextBuilder`, which
records for every piece of output text the range of source text it came from, so that any
offset in ``text`` maps back to the extracted source text and to its page.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ocr import OcrWord


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based
    start: int  # range in Document.text
    end: int
    has_text: bool = True
    ocr: bool = False  # the page's text came from OCR (it had no text layer)


class OffsetMap:
    """Piecewise map from output offsets to source offsets.

    Each run says: output ``[out, out + out_len)`` came from source ``[src, src + src_len)``.
    Runs of equal length map character by character; others (a ligature expanded, a synthetic
    newline) map every offset inside them to the run's source start.
    """

    __slots__ = ("_out", "_runs")

    def __init__(self) -> None:
        self._out: list[int] = []
        self._runs: list[tuple[int, int, int, int]] = []

    def add(self, out: int, out_len: int, src: int, src_len: int) -> None:
        if out_len == 0:
            return
        if self._runs:
            o, ol, s, sl = self._runs[-1]
            if ol == sl and out_len == src_len and o + ol == out and s + sl == src:
                self._runs[-1] = (o, ol + out_len, s, sl + src_len)
                return
        self._out.append(out)
        self._runs.append((out, out_len, src, src_len))

    def to_source(self, offset: int) -> int:
        if not self._runs:
            return offset
        i = max(bisect_right(self._out, offset) - 1, 0)
        o, ol, s, sl = self._runs[i]
        if offset >= o + ol:  # past the last run: end of source
            return s + sl
        if ol == sl:
            return s + (offset - o)
        return s


class TextBuilder:
    """Appends output text while recording where in the source it came from."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._len = 0
        self.map = OffsetMap()

    def __len__(self) -> int:
        return self._len

    def copy(self, text: str, src: int) -> None:
        """Append ``text``, which is the source text starting at ``src``."""
        self.replace(text, src, len(text))

    def replace(self, text: str, src: int, src_len: int) -> None:
        """Append ``text`` in place of ``src_len`` characters of source starting at ``src``."""
        if not text:
            return
        self.map.add(self._len, len(text), src, src_len)
        self._parts.append(text)
        self._len += len(text)

    def text(self) -> str:
        return "".join(self._parts)


@dataclass
class Document:
    """Text of one document with its pages and its way back to the source.

    ``source_text`` is the text as extracted (for plain text files: the decoded file, which is
    then also ``text``). ``offset_map`` is ``None`` when ``text`` is ``source_text``.
    """

    text: str
    format: str
    pages: list[Page]
    source_text: str
    offset_map: OffsetMap | None = None
    warnings: list[str] = field(default_factory=list)
    engine: str | None = None
    #: words with their boxes on the pages read by OCR, by 0-based page index; a word's
    #: offsets index that page's part of ``source_text``
    ocr_words: dict[int, list[OcrWord]] = field(default_factory=dict)
    _page_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._page_starts = [p.start for p in self.pages]

    def page_at(self, offset: int) -> int | None:
        """1-based page number of the character at ``offset``, or None without pages."""
        page = self._page(offset)
        return page.number if page else None

    def ocr_at(self, offset: int) -> bool:
        """Whether the character at ``offset`` is on a page whose text came from OCR."""
        page = self._page(offset)
        return page is not None and page.ocr

    def _page(self, offset: int) -> Page | None:
        if not self.pages:
            return None
        return self.pages[max(bisect_right(self._page_starts, offset) - 1, 0)]

    def to_source(self, offset: int) -> int:
        return offset if self.offset_map is None else self.offset_map.to_source(offset)
