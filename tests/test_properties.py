"""Property-based tests (hypothesis) with arbitrary Unicode: PDF text clean-up keeps a valid map
back to the source, the segmenter's ranges are valid, and every finding indexes the text.

The texts mix random Unicode with awkward pieces (combining marks, right-to-left and zero-width
characters, ligatures, NULs, CR/LF mixes, U+2028, long words, numbering, abbreviations) and with
labelled clause sentences from the samples, so that the matcher fires in many examples.
"""

from __future__ import annotations

import itertools
import json
import os

from conftest import SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausecheck import scan
from clausecheck.readers import Document, Page
from clausecheck.readers.normalize import LIGATURES, build_text
from clausecheck.segmenter import MAX_SENTENCE, segment

PROFILE = settings(
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),  # the same examples on every CI run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CLAUSES = sorted({json.loads(line)["text"] for line in (SAMPLES / "labels.jsonl").open(encoding="utf-8")}, key=len)[
    :200
]
PIECES = [
    "\u0301",  # combining acute
    "e\u0301",
    "\u200b",  # zero-width space
    "\u200d",
    "\ufeff",
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "شرط المسؤولية",
    "ﬁ",
    "ﬃ",
    "\x00",
    "\x02",
    "\ufffe",
    "\u00ad",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\u2028",
    "\u2029",
    "\x0c",
    "\t",
    "   ",
    "Inc. ",
    "e.g. ",
    "U.S. ",
    "1. ",
    "\n1.1 ",
    "\n(a) ",
    "\n(iv) ",
    "\nARTICLE IV\n",
    "\nLIMITATION OF LIABILITY\n",
    "Page 3 of 9\n",
    "secu-\nrity ",
    "....",
    "x" * 400,
    "word " * 80,
]
text_parts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(PIECES),
    st.sampled_from(CLAUSES),
)
texts = st.lists(text_parts, max_size=25).map("".join)


@PROFILE
@given(st.lists(texts, max_size=5))
def test_pdf_text_cleanup_maps_every_offset_back_to_the_source_and_pages_tile_the_text(page_texts):
    text, source, pages, builder = build_text(page_texts)
    assert [p.number for p in pages] == list(range(1, len(page_texts) + 1))
    assert all(p.start <= p.end for p in pages) and (not pages or pages[-1].end == len(text))
    assert all(a.end == b.start for a, b in itertools.pairwise(pages))
    previous = 0
    for i, ch in enumerate(text):
        src = builder.map.to_source(i)
        assert previous <= src < len(source)  # in order, inside the source
        previous = src
        if ch.isalnum():  # a letter comes from itself, or from the ligature it was expanded from
            assert source[src] == ch or source[src] in LIGATURES


@PROFILE
@given(text=texts)
def test_segmenter_ranges_are_ordered_inside_the_text_and_trimmed(text):
    seg = segment(text)
    previous_end = 0
    for start, end in seg.sentences:
        assert previous_end <= start < end <= len(text)
        assert end - start <= MAX_SENTENCE
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end
    starts = [c.start for c in seg.clauses]
    assert starts == sorted(starts)
    assert all(0 <= c.start <= c.end <= len(text) for c in seg.clauses)
    assert all(0 <= i < len(seg.sentences) for i in seg.headings)


def _assert_findings_index(text, findings):
    for f in findings:
        assert 0 <= f.clause_start <= f.start < f.end <= f.clause_end <= len(text)
        assert text[f.start : f.end] == f.text
        assert text[f.clause_start : f.clause_end] == f.clause_text
        assert all(f.clause_start <= a < b <= f.clause_end for a, b in f.spans)  # words of merged rules too


@settings(PROFILE, max_examples=150)
@given(text=texts)
def test_every_finding_indexes_the_text_and_lies_in_its_clause(text, engine):
    doc = Document(text=text, format="text", pages=[Page(1, 0, len(text))], source_text=text)
    _kind, _, segments, hits = engine.analyse(doc)
    _assert_findings_index(text, engine.findings(doc, "digest", segments, hits))


@settings(PROFILE, max_examples=60)
@given(text=texts)
def test_scanning_utf8_bytes_gives_findings_on_the_file_text_or_a_specific_error(text):
    result = scan(text.encode("utf-8"), name="fuzz.txt")
    if result.error_code is not None:
        assert result.error_code in ("empty", "unsupported-format") and result.error
    else:
        decoded = text.removeprefix("\ufeff")  # a leading BOM is not part of the text
        assert result.chars == len(decoded)
        _assert_findings_index(decoded, result.findings)
