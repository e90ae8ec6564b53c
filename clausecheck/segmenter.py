"""Clauses (numbering, heading, character range) and the sentences inside them.

Works on character offsets of ``Document.text`` only; nothing here changes the text.

A *clause start* is a line that begins with numbering (``1.``, ``1.1``, ``(a)``, ``(iii)``,
``Article IV``, ``Section 5.2``, ``Schedule 2``) or is a heading line (ALL CAPS or a short
title). Numbering only counts at the start of a line that follows a finished line, so a wrapped
line that happens to start with a figure ("100 days") is not a clause. Sentences never cross a
clause start, a heading or a blank line, and do not break after legal abbreviations.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from .model import Section

MAX_SENTENCE = 3000  # longer runs (tables, lists without stops) are split at line ends

_NUMBERING = re.compile(
    r"""[ \t]*(?:
      (?P<article>(?:ARTICLE|Article)[ \t]+(?:[IVXLC]+|\d{1,3})\b\.?)
    | (?P<section>(?:SECTION|Section|Sec\.|§)[ \t]*\d{1,3}(?:\.\d{1,3})*\.?)
    | (?P<schedule>(?:SCHEDULE|Schedule|EXHIBIT|Exhibit|ANNEX|Annex|APPENDIX|Appendix|PART|Part|ITEM|Item)
        [ \t]+(?:\d{1,3}(?:\.\d{1,3})*|[A-Z]|[IVX]{1,5})\b\.?)
    | (?P<decimal>\d{1,3}(?:\.\d{1,3})+\.?|\d{1,2}\.)(?=[ \t]|$)
    | (?P<paren>\((?:[a-z]{1,4}|[A-Z]{1,3}|\d{1,3})\))(?=[ \t]|$)
    | (?P<dotted>(?:[a-z]|[A-Z]|[ivx]{1,4}|\d{1,2})\)|[IVX]{1,5}\.|[A-Z]\.)(?=[ \t])
    )""",
    re.VERBOSE,
)
_ROMAN = re.compile(r"^(?:x{0,3})(?:ix|iv|v?i{0,3})$", re.IGNORECASE)
_SMALL_WORDS = {
    "of",
    "and",
    "the",
    "to",
    "for",
    "in",
    "on",
    "or",
    "a",
    "an",
    "by",
    "with",
    "at",
    "as",
    "from",
    "&",
    "its",
    "under",
}
_DANGLING = {
    "for",
    "to",
    "of",
    "and",
    "or",
    "the",
    "a",
    "an",
    "by",
    "with",
    "in",
    "on",
    "that",
    "any",
    "be",
    "as",
    "from",
}
_MODALS = {"shall", "will", "must", "may", "should", "agrees"}
_LINE_END_OK = tuple('.:;!?"”’)]')
_SENT_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)|[.!?][\"'”’)\]]*$")
_ABBREVIATIONS = {
    "inc",
    "ltd",
    "co",
    "corp",
    "llc",
    "l.l.c",
    "l.p",
    "lp",
    "n.a",
    "plc",
    "u.s",
    "u.s.a",
    "u.k",
    "e.u",
    "no",
    "nos",
    "sec",
    "secs",
    "art",
    "para",
    "paras",
    "cl",
    "sch",
    "exh",
    "ex",
    "e.g",
    "i.e",
    "seq",
    "et",
    "al",
    "etc",
    "viz",
    "cf",
    "vs",
    "v",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "ave",
    "jr",
    "sr",
    "approx",
    "dept",
    "est",
    "fig",
    "p",
    "pp",
    "ch",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "min",
    "max",
    "govt",
    "assn",
    "bros",
    "s.a",
    "n.v",
    "b.v",
    "a.g",
    "pty",
    "c.f.r",
    "u.s.c",
    "rev",
    "incl",
    "int'l",
    "mfg",
    "natl",
    "ref",
    "reg",
    "regs",
    "subs",
    "sub",
    "cal",
    "del",
}


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    number: str | None  # the label as written: "5.2", "(a)", "Article IV"
    heading: str | None
    level: int  # depth in the numbering tree, 0 for the top
    path: tuple[str, ...] = ()  # numbers of the enclosing clauses, outermost first
    headings: tuple[str, ...] = ()  # headings of the enclosing clauses, outermost first

    def section(self) -> Section:
        number = _join_numbers((*self.path, self.number) if self.number else self.path)
        heading = self.heading or (self.headings[-1] if self.headings else None)
        return Section(number=number or None, heading=heading)


@dataclass(slots=True)
class Segments:
    clauses: list[Clause]
    sentences: list[tuple[int, int]]
    headings: frozenset[int] = frozenset()  # indices of sentences that are only a heading line
    _clause_starts: list[int] = field(default_factory=list, repr=False)
    _sentence_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._clause_starts = [c.start for c in self.clauses]
        self._sentence_starts = [s for s, _ in self.sentences]

    def clause_at(self, offset: int) -> Clause | None:
        i = bisect_right(self._clause_starts, offset) - 1
        return self.clauses[i] if i >= 0 else None

    def sentence_index(self, offset: int) -> int:
        return max(bisect_right(self._sentence_starts, offset) - 1, 0)


def _join_numbers(numbers) -> str:
    out = ""
    for n in numbers:
        if out and not n.startswith("("):
            out = n  # a new decimal or article restarts the label: "5.2" not "5 5.2"
        else:
            out += n
    return out


def _is_heading_text(text: str, max_words: int = 10) -> bool:
    words = text.split()
    if not words or len(words) > max_words or len(text) > 80:
        return False
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3:
        return False
    lowered = [w.lower().strip(",;:.") for w in words]
    if lowered[-1] in _DANGLING or _MODALS & set(lowered):
        return False  # "IN NO EVENT WILL EITHER PARTY BE LIABLE FOR" is a wrapped sentence
    if all(not c.islower() for c in letters):
        return not text.rstrip().endswith((",", ";"))
    caps = [w for w in words if w[0].isupper() or not w[0].isalpha()]
    small = [w for w in words if w.lower().strip(",") in _SMALL_WORDS]
    return words[0][0].isupper() and len(caps) + len(small) == len(words) and len(caps) >= 1


def _numbering_style(kind: str, label: str, prev: dict[str, str]) -> str:
    """A key that is equal for sibling labels: "decimal2" for 1.1, "paren-alpha" for (a)..."""
    if kind == "decimal":
        return f"decimal{label.rstrip('.').count('.') + 1}"
    if kind in ("article", "section", "schedule"):
        return kind
    core = label.strip("().")
    shape = "paren" if kind == "paren" else "dot"
    if core.isdigit():
        return f"{shape}-digit"
    if _ROMAN.match(core) and core:
        # "(i)" after "(h)" is a letter; otherwise a roman numeral
        alpha_key = f"{shape}-{'upper' if core.isupper() else 'lower'}-alpha"
        last = prev.get(alpha_key)
        if not (len(core) == 1 and last and len(last) == 1 and ord(core.lower()) == ord(last.lower()) + 1):
            return f"{shape}-{'upper' if core.isupper() else 'lower'}-roman"
    return f"{shape}-{'upper' if core.isupper() else 'lower'}-alpha"


def _lines(text: str):
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, line.rstrip("\r\n")
        pos += len(line)


def find_clauses(text: str) -> tuple[list[Clause], list[int]]:
    """Clauses in order, and the offsets where a heading line ends (hard sentence breaks)."""
    starts: list[tuple[int, str | None, str, str | None]] = []  # (offset, number, style, heading)
    hard_breaks: list[int] = []
    prev_line = ""
    prev_was_start = False
    last_label: dict[str, str] = {}
    for pos, line in _lines(text):
        stripped = line.strip()
        if _PAGE_LINE.fullmatch(line):
            continue  # "Page 49 of 60" is neither a heading nor a clause
        if not stripped:
            prev_line, prev_was_start = "", False
            continue
        follows_break = (
            not prev_line or prev_was_start or prev_line.rstrip().endswith(_LINE_END_OK) or len(prev_line.strip()) < 50
        )
        is_start = False
        m = _NUMBERING.match(line) if follows_break else None
        if m:
            kind = m.lastgroup
            label = m.group(kind).strip()
            rest = line[m.end() :].strip()
            style = _numbering_style(kind, label, last_label)
            last_label[style.replace("roman", "alpha")] = label.strip("().")
            heading = None
            head = re.split(r"(?<=[A-Za-z\)])\.\s|\.$|:\s|:$", rest, maxsplit=1)[0].strip() if rest else ""
            if head and _is_heading_text(head, 10) and (head != rest or len(rest.split()) <= 10):
                heading = head.strip(" -–—").rstrip(".") or None
            if kind in ("article", "schedule") and not rest:
                heading = None
            starts.append(
                (
                    pos + len(line) - len(line.lstrip()),
                    label.rstrip("."),
                    style,
                    heading,
                )
            )
            if heading and (rest == heading or rest.rstrip(".") == heading):
                hard_breaks.append(pos + len(line))
            elif heading:  # "3.3 Unencrypted Media. arising from ...": the heading is a sentence of its own
                after = line.find(heading, m.end()) + len(heading)
                if line[after : after + 1] == ".":  # not "Item 9. Notice of Claim: address" (a label and its value)
                    hard_breaks.append(pos + after + 1)
            is_start = True
        elif follows_break and _is_heading_text(stripped) and not stripped.endswith((".", ",", ";")):
            starts.append((pos + len(line) - len(line.lstrip()), None, "heading", stripped.rstrip(":").strip()))
            hard_breaks.append(pos + len(line))
            is_start = True
        # a numbered line only opens the next line when it ends there (a heading, a short item)
        prev_line, prev_was_start = (
            line,
            is_start and (len(stripped) < 50 or bool(hard_breaks and hard_breaks[-1] == pos + len(line))),
        )

    clauses: list[Clause] = []
    stack: list[tuple[str, str | None, str | None]] = []  # (style, number, heading)
    for i, (start, number, style, heading) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        styles = [s for s, _, _ in stack]
        if style in styles:
            del stack[styles.index(style) :]
        elif style == "heading" or style in ("article", "schedule"):
            # a plain heading or article closes numbered lists under the previous heading
            while stack and stack[-1][0] not in ("article", "schedule"):
                stack.pop()
        path = tuple(n for _, n, _ in stack if n)
        heads = tuple(h for _, _, h in stack if h)
        clauses.append(Clause(start, end, number, heading, len(stack), path, heads))
        stack.append((style, number, heading))
    return clauses, hard_breaks


def _is_abbreviation(text: str, dot: int) -> bool:
    """Does the period at ``dot`` end an abbreviation, an initial or a bare number label?"""
    i = dot
    while i > 0 and not text[i - 1].isspace() and text[i - 1] not in "(\"'“‘":
        i -= 1
    word = text[i:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS or word.replace(".", "") in {"us", "eg", "ie", "usa", "uk"}:
        return True
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    # a bare number label at the start of a line: "1." / "5.2." / "(a)."; only the character
    # before it on the line is looked at (not the whole line: that is quadratic on a long one)
    while i > 0 and text[i - 1] != "\n" and text[i - 1].isspace():
        i -= 1
    before = "" if i == 0 or text[i - 1] == "\n" else text[i - 1]
    return (not before or before in ".:;!?") and re.fullmatch(r"\d{1,3}(\.\d{1,3})*|[ivx]{1,4}|[a-z]", word) is not None


def split_sentences(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Append the sentences of ``text[start:end]`` (a block without hard breaks) to ``out``."""
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        stop = m.end()
        nxt = stop
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if nxt < end and not (text[nxt].isupper() or text[nxt].isdigit() or text[nxt] in "(\"'“‘[§"):
            continue
        if text[m.start()] == "." and _is_abbreviation(text, m.start()):
            continue  # "Acme Inc. The..." is ambiguous; legal abbreviations rarely end a sentence
        _add(text, pos, stop, out)
        pos = stop
    _add(text, pos, end, out)


def _add(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # too long to be one sentence: cut at the last line end (or semicolon, or space) in range
    while end - start > MAX_SENTENCE:
        window_end = start + MAX_SENTENCE
        cut = max(text.rfind("\n", start, window_end), text.rfind(";", start, window_end))
        if cut <= start:
            cut = text.rfind(" ", start, window_end)
        cut = window_end if cut <= start else cut + 1
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        out.append((start, end))


_BLANK_LINE = re.compile(r"\n[ \t\r\f]*\n")
_TABLE_ROW = re.compile(r"^[^\n\t]*\S\t[^\n]*$", re.MULTILINE)  # a line with cells separated by tabs
_NEXT_WORD = re.compile(r"\s*([a-z])")
# a line holding only a page number ("8", "- 8 -", "Page 8", "Page 8 of 60"), as text taken from
# a filing keeps them where the page broke, often in the middle of a sentence
_PAGE_NUMBER = r"[ \t]*(?:[-–—][ \t]*)?(?:page[ \t]+)?\d{1,4}(?:[ \t]+of[ \t]+\d{1,4})?(?:[ \t]*[-–—])?[ \t]*"
_PAGE_LINE = re.compile(_PAGE_NUMBER, re.IGNORECASE)
_PAGE_LINE_AFTER = re.compile(_PAGE_NUMBER + r"\n\s*", re.IGNORECASE)
_PAGE_LINE_BEFORE = re.compile(r"(?:^|\n)" + _PAGE_NUMBER + r"$", re.IGNORECASE)


def _continues(text: str, blank: re.Match) -> bool:
    """A blank line inside a sentence (a page break in extracted text): "to, and / the right",
    also across a page-number line: "SHALL EITHER PARTY BE LIABLE TO THE / 8 / OTHER PARTY"."""
    before = text[max(0, blank.start() - 400) : blank.start()].rstrip()
    after = blank.end()
    page_line = _PAGE_LINE_BEFORE.search(before)
    if page_line:
        before = before[: page_line.start()].rstrip()
    elif m := _PAGE_LINE_AFTER.match(text, after):
        page_line, after = m, m.end()
    if not before or not (before[-1].isalnum() or before[-1] == ","):
        return False
    if _NEXT_WORD.match(text, after):
        return True
    # across a page number, a sentence cut after "the", "of", "and"... goes on whatever the case
    last_word = before.rsplit(None, 1)[-1].lower()
    return page_line is not None and (before[-1] == "," or last_word in _DANGLING)


def _trimmed_end(text: str, end: int) -> int:
    """``len(text[:end].rstrip())`` without copying the text."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def segment(text: str) -> Segments:
    clauses, heading_ends = find_clauses(text)
    breaks = {0, len(text)}
    breaks.update(c.start for c in clauses)
    breaks.update(heading_ends)
    breaks.update(m.start() for m in _BLANK_LINE.finditer(text) if not _continues(text, m))
    breaks.update(m.end() for m in _TABLE_ROW.finditer(text))  # each table row is a sentence
    sentences: list[tuple[int, int]] = []
    ordered = sorted(breaks)
    for a, b in itertools.pairwise(ordered):
        split_sentences(text, a, b, sentences)
    ends = {_trimmed_end(text, e) for e in heading_ends}
    headings = {i for i, (_, e) in enumerate(sentences) if e in ends}
    # "3.5 Exclusive Remedy. Except for..." : the first sentence is only the heading; so is a
    # numbered caption in the middle of a line ("... this Agreement. 6.19.7. Evidence of Insurance.")
    titled = {c.start: c for c in clauses if c.heading}
    for i, (s, e) in enumerate(sentences):
        c = titled.get(s)
        if c and text[s:e].removeprefix(c.number or "").strip().rstrip(".:").strip() == c.heading:
            headings.add(i)
        elif e - s <= 100 and (m := _NUMBERING.match(text, s, e)) and m.end() < e:
            caption = text[m.end() : e].strip().rstrip(".:").strip()
            if caption and not caption.endswith(",") and _is_heading_text(caption):
                headings.add(i)
    return Segments(clauses, sentences, frozenset(headings))
