"""The spaCy pipeline: a blank English tokenizer plus lookup lemmas from spacy-lookups-data.

spaCy's own lookup lemmatizer is case-sensitive ("Liabilities" stays "Liabilities"), which
would make lemma patterns miss capitalised headings and ALL-CAPS disclaimers. The component
here looks up the lower-cased form, so lemmas are always lower case. Built once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokens import Doc

MAX_CHARS = 2_000_000


class _Lemmas:
    """Lower-case lemma lookups in spacy-lookups-data's table (its keys are string hashes, so
    it is queried per word and the answers cached)."""

    def __init__(self) -> None:
        from spacy.lookups import load_lookups

        self._table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self._lemmas = set(map(str.lower, self._table.values()))
        self._cache: dict[str, str] = {}

    def lemma(self, lower: str) -> str:
        found = self._cache.get(lower)
        if found is None:
            found = str(self._table.get(lower, lower)).lower()
            if len(self._cache) < 500_000:
                self._cache[lower] = found
        return found

    def is_word(self, lower: str) -> bool:
        return lower in self._lemmas or lower in self._table


@lru_cache(maxsize=1)
def lemmas() -> _Lemmas:
    return _Lemmas()


@Language.component("clausecheck_lemmas")
def lowercase_lookup_lemmas(doc: Doc) -> Doc:
    """Set every token's lemma from its lower-case form, one lookup per distinct word."""
    if not len(doc):
        return doc
    strings = doc.vocab.strings
    lower = doc.to_array("LOWER")
    unique, inverse = np.unique(lower, return_inverse=True)
    lemma = lemmas().lemma
    mapped = np.array([strings.add(lemma(strings[int(h)])) for h in unique], dtype=np.uint64)
    doc.from_array(["LEMMA"], mapped[inverse].reshape(-1, 1))
    return doc


_RUNS = re.compile(r"\S+|\s+")


class WarmTokenizer:
    """spaCy's English tokenizer with its word cache actually used.

    spaCy caches how each whitespace-separated word splits into tokens, but within one call it
    stops saving to the cache after the first word that is a tokenizer exception ("Inc.",
    "e.g.", "U.S."), and every contract has one near the top, so almost every word (and every run
    of white space) of a long document went through the prefix, suffix and infix regexes again,
    on every document. Each one not seen before is tokenized first in a call of its own (plain
    words together, in one call), so it is cached, then the text in one call that finds nearly
    everything in the cache. The tokens are spaCy's own, unchanged.
    """

    MAX_KNOWN = 200_000  # distinct words remembered before the cache is emptied (bounds memory)

    def __init__(self, tokenizer) -> None:
        tokenizer.max_cache_size = self.MAX_KNOWN  # spaCy's default, 10,000, is one long contract
        self.tokenizer = tokenizer
        self.vocab = tokenizer.vocab
        self._exceptions = frozenset(tokenizer.rules)
        self._known: set[str] = set()

    def __call__(self, text: str) -> Doc:
        # the strings spaCy looks up: runs of non-space, and runs of white space less the one
        # space that ends the previous token
        runs = set(_RUNS.findall(text))
        runs.update([r[1:] for r in runs if r[0] == " " and len(r) > 1])
        new = runs - self._known
        if new:
            if len(self._known) + len(new) > self.MAX_KNOWN:
                self.tokenizer._flush_cache()
                self._known.clear()
            # letters and digits only, and not an exception: these do not stop the saving; one call
            plain = [w for w in new if w.isalnum() and w not in self._exceptions]
            if plain:
                self.tokenizer(" ".join(plain))
            for word in new.difference(plain):
                self.tokenizer(word)
            self._known |= new
        return self.tokenizer(text)

    def __getattr__(self, name: str):
        return getattr(self.tokenizer, name)


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.max_length = MAX_CHARS
    nlp.tokenizer = WarmTokenizer(nlp.tokenizer)
    nlp.add_pipe("clausecheck_lemmas")
    return nlp
