"""The trained second opinion: a sentence classifier (spaCy ``textcat_multilabel``, bag of words).

It reads every sentence the rules read, as the rules' own lower-case lemmas (so ALL-CAPS blocks,
plurals and tenses look alike), and gives each category a probability. Where the shipped model
is kept for a category (``use``: it raised the held-out-fold F1 when it was trained, see
``clausecheck train``), a sentence whose probability reaches the category's threshold and that no
rule flagged becomes a finding with ``source: "model"``; a rule finding carries the model's
probability in ``model_score``.

The model file is a gzip of one msgpack map: the spaCy config, the pipeline's bytes (without
vocabulary strings: the features are hashes) and ``meta`` (labels, thresholds, the digest of
the data it was trained on, the training settings and the held-out figures). It is read once
per engine.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import srsly

MODEL_PATH = Path(__file__).parent / "data" / "sentence-classifier.bin"
MIN_WORDS = 4  # shorter sentences (headings, list stubs, table cells) are not scored
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Scored:
    """A sentence the classifier read: its index in ``Segments.sentences``, its lemmas (string
    hashes, in order) and one probability per label, in the order of ``SentenceClassifier.labels``."""

    sentence: int
    keys: np.ndarray
    scores: np.ndarray


_ATTRS = ["LEMMA", "IDX", "IS_PUNCT", "IS_SPACE"]


def sentence_keys(sentences, skip, chunk_docs) -> list[tuple[int, np.ndarray]]:
    """``(sentence index, lemma hashes)`` for each sentence that is not a heading line and has at
    least MIN_WORDS words, from the spaCy docs the matcher made of the text (``(chunk start,
    doc)`` pairs): the tokens' lower-case lemmas, punctuation and white space left out."""
    starts = np.array([s for s, _ in sentences], dtype=np.int64)
    out = []
    for cs, doc in chunk_docs:
        if not len(doc):
            continue
        arr = doc.to_array(_ATTRS)
        arr = arr[(arr[:, 2] == 0) & (arr[:, 3] == 0)]
        if not len(arr):
            continue
        which = np.searchsorted(starts, cs + arr[:, 1].astype(np.int64), side="right") - 1
        cuts = np.flatnonzero(np.diff(which)) + 1
        for keys, i in zip(np.split(arr[:, 0], cuts), which[np.r_[0, cuts]].tolist(), strict=True):
            if len(keys) >= MIN_WORDS and i not in skip:
                out.append((i, keys))
    return out


class SentenceClassifier:
    def __init__(self, data: bytes) -> None:
        import spacy
        from spacy.util import load_config_from_str

        payload = srsly.msgpack_loads(gzip.decompress(data))
        if payload.get("format") != FORMAT:
            raise ValueError(f"model file format {payload.get('format')!r}, expected {FORMAT}")
        config = load_config_from_str(payload["config"])
        self.nlp = spacy.blank("en", config=config)
        self.nlp.from_bytes(payload["bytes"], exclude=["vocab", "tokenizer"])
        self.textcat = self.nlp.get_pipe("textcat_multilabel")
        self.meta: dict = payload["meta"]
        model = self.textcat.model  # with_cpu(extract_ngrams >> resizable(sparse_linear)) >> with_cpu(logistic)
        self._ops = model.ops
        self._ngram = next(n for n in model.walk() if n.name == "extract_ngrams").attrs["ngram_size"]
        self._linear = next(n for n in model.walk() if n.name == "resizable(sparse_linear)")
        self._output = next(n for n in model.walk() if n.name == "logistic")
        sparse = next(n for n in model.walk() if n.name == "sparse_linear")
        self._bias = np.asarray(sparse.get_param("b"))
        self.labels: tuple[str, ...] = tuple(self.textcat.labels)
        self.column = {c: i for i, c in enumerate(self.labels)}
        used = {c: v for c, v in self.meta.get("categories", {}).items() if v.get("use") and c in self.column}
        # a sentence no rule flagged becomes a finding from this probability on
        self.thresholds = {c: float(v["threshold"]) for c, v in used.items() if v.get("threshold") is not None}
        # a rule finding on a sentence scored under this probability is dropped
        self.vetoes = {c: float(v["veto"]) for c, v in used.items() if v.get("veto") is not None}

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> SentenceClassifier:
        return cls(Path(path).read_bytes())

    def predict(self, key_lists) -> np.ndarray:
        """Probabilities, one row per sentence given as its lemma hashes, one column per label.

        This is ``textcat.predict`` on docs whose words are those lemmas (a test holds the two
        equal), without building the docs: the features are hashed n-grams of the hashes, counted
        the way spaCy's ``extract_ngrams`` counts them, through the model's own layers."""
        if not len(key_lists):
            return np.zeros((0, len(self.labels)), dtype="f")
        # every sentence's n-grams at once: (sentence, key) pairs, counted per sentence
        sizes = np.array([len(k) for k in key_lists], dtype=np.int64)
        flat = np.ascontiguousarray(np.concatenate(key_lists), dtype=np.uint64)
        owner = np.repeat(np.arange(len(key_lists)), sizes)
        keys, rows = [flat], [owner]
        for n in range(2, self._ngram + 1):
            if len(flat) < n:
                break
            grams = self._ops.ngrams(n, flat)
            same = owner[: len(grams)] == owner[n - 1 :]  # the n words are in one sentence
            keys.append(grams[same])
            rows.append(owner[: len(grams)][same])
        keys, rows = np.concatenate(keys), np.concatenate(rows)
        order = np.lexsort((keys, rows))
        keys, rows = keys[order], rows[order]
        first = np.r_[True, (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])]
        starts = np.flatnonzero(first)
        counts = np.diff(np.r_[starts, len(keys)]).astype("f")
        lengths = np.bincount(rows[starts], minlength=len(key_lists)).astype("int32")
        linear = self._linear.predict((keys[starts], counts, lengths))
        return np.asarray(self._output.predict(linear))

    def score(self, sentences, skip, chunk_docs) -> list[Scored]:
        found = sentence_keys(sentences, skip, chunk_docs)
        probs = self.predict([k for _, k in found])
        return [Scored(i, k, probs[n]) for n, (i, k) in enumerate(found)]

    def weighty_words(self, keys: np.ndarray, category: str, strings, n: int = 4) -> list[str]:
        """The words of a sentence that raised the category's score most: each distinct word's
        own contribution to the (linear) logit: the word scored alone, less the bias.
        ``strings``: the StringStore the lemma hashes came from."""
        distinct = list(dict.fromkeys(int(k) for k in keys))
        col = self.column[category]
        probs = np.clip(self.predict([[k] for k in distinct])[:, col], 1e-7, 1 - 1e-7)
        gain = np.log(probs / (1 - probs)) - self._bias[col]
        order = np.argsort(-gain, kind="stable")
        return [strings[distinct[k]] for k in order[:n] if gain[k] > 0]


@lru_cache(maxsize=2)
def load_classifier(path: str | None = None) -> SentenceClassifier | None:
    """The shipped classifier (or the one at ``path``); None when there is no model file."""
    target = Path(path) if path else MODEL_PATH
    return SentenceClassifier.load(target) if target.is_file() else None


def signature(model: bool | str | Path = True) -> str:
    """What a cached result depends on: the model file's digest, or "off"."""
    if model is False:
        return "off"
    target = MODEL_PATH if model is True else Path(model)
    if not target.is_file():
        return "off"
    import hashlib

    return hashlib.sha256(target.read_bytes()).hexdigest()[:16]
