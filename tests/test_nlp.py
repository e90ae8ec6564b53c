"""The pipeline's tokenizer gives exactly spaCy's English tokens, however many documents it has seen."""

from __future__ import annotations

import spacy
from conftest import CUAD, SAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from clausecheck.nlp import WarmTokenizer

TEXTS = sorted(SAMPLES.glob("*.txt")) + sorted((CUAD / "texts").glob("cuad-00*.txt"))


def _tokens(doc):
    return [(t.text, t.whitespace_, t.idx, t.norm_, t.is_space) for t in doc]


def test_when_many_documents_are_tokenized_in_turn_then_every_token_is_spacys():
    plain = spacy.blank("en").tokenizer
    warm = WarmTokenizer(spacy.blank("en").tokenizer)
    texts = [p.read_text(encoding="utf-8") for p in TEXTS]
    assert len(texts) > 10
    for text in texts + texts[:3]:  # the repeats are read from the cache
        assert _tokens(warm(text)) == _tokens(plain(text))


def test_when_the_cache_is_full_then_it_is_emptied_and_tokens_stay_the_same(monkeypatch):
    monkeypatch.setattr(WarmTokenizer, "MAX_KNOWN", 50)
    plain = spacy.blank("en").tokenizer
    warm = WarmTokenizer(spacy.blank("en").tokenizer)
    text = (SAMPLES / sorted(p.name for p in SAMPLES.glob("*.txt"))[0]).read_text(encoding="utf-8")
    first, second = text[:2000], text[2000:4000]
    for chunk in (first, second):
        assert _tokens(warm(chunk)) == _tokens(plain(chunk))
    only_first = set(first.split()) - set(second.split())
    assert only_first and not only_first & warm._known  # forgotten when the second text overflowed
    assert _tokens(warm(first)) == _tokens(plain(first))


_PLAIN = spacy.blank("en").tokenizer
_WARM = WarmTokenizer(spacy.blank("en").tokenizer)
_PIECES = st.sampled_from(
    [
        "Inc.",
        "e.g.",
        "U.S.",
        "(a)",
        "Co.,",
        "don't",
        "$1,000,000",
        "24-hours",
        "§4.2(b)(ii)",
        "“shall”",
        "—",
        "  ",
        "\n",
        "\t",
        " ",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), _PIECES), max_size=40))
def test_for_any_text_the_tokens_are_spacys(pieces):
    text = " ".join(pieces)
    assert _tokens(_WARM(text)) == _tokens(_PLAIN(text))
