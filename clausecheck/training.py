"""``clausecheck train``: the sentence classifier, learnt from the labelled documents, reproducibly.

Steps: read each labelled document and run the rules on it (the same reading, segmenting and
lemmas a scan uses) → one example per sentence: its lemmas, the categories its labels give it
(1, 0, or unknown where the set's labels do not say), and the categories the rules flagged →
document-level folds (a hash of the document's name) → a model per fold, trained without the
fold, scores the fold (out-of-fold scores) → per category, the threshold that gives the best F1
of rules plus model is chosen on the other folds' out-of-fold scores and measured on the fold
(never on documents that trained the model that scored them) → the category uses the model when
that held-out F1 beats the rules' alone by ``min_gain`` → the shipped model is trained on
everything, with thresholds chosen on all out-of-fold scores.

Same data and settings give the same file, byte for byte (fixed seed, fixed order, gzip without
a time stamp); the file records the digest of the data and the settings it was trained from.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import srsly
import yaml
from pydantic import BaseModel, ConfigDict, Field

from .classifier import FORMAT, SentenceClassifier, sentence_keys
from .evaluate import Gold, load_label_map, load_labels, resolve_documents
from .readers import read_bytes
from .rules import DEFAULT_PATTERNS

DEFAULT_CONFIG = DEFAULT_PATTERNS / "model" / "training.yaml"


class DataSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    docs: str
    labels: str
    map: str | None = None  # a label map: the set's labels say nothing of categories outside it
    subsample: bool = False  # keep only `negatives_keep` of the sentences without any label


class TrainingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int = 0
    folds: int = Field(default=5, ge=2)
    epochs: int = Field(default=6, ge=1)
    batch_size: int = 128
    ngram_size: int = 2
    length: int = 32768
    min_positives: int = 8
    min_gain: float = 0.01
    negatives_keep: float = 0.3
    sets: list[DataSet]
    split: dict[str, dict[str, str]] = Field(default_factory=dict)


@dataclass(slots=True)
class Sentence:
    keys: np.ndarray  # the lemmas' string hashes
    cats: dict[str, float]  # category -> 1.0 / 0.0; absent = unknown
    rules: frozenset[str]  # categories the rules flagged on it


@dataclass(slots=True)
class LabelledDoc:
    name: str  # "<set>/<document>"
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def fold_key(self) -> int:
        return int(hashlib.sha256(self.name.encode()).hexdigest()[:8], 16)


def load_config(path: str | Path | None = None) -> tuple[TrainingConfig, Path]:
    path = Path(path) if path else DEFAULT_CONFIG
    return TrainingConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))), path.parent


def fold_of(doc: LabelledDoc, folds: int) -> int:
    return doc.fold_key % folds


# --- examples ----------------------------------------------------------------------------------


def _sentence_cats(
    s: int, e: int, gold: list[Gold], known: dict[str, tuple[str, ...]], split: dict, text: str
) -> dict[str, float]:
    """1 for a category whose gold span covers most of the sentence (or that the sentence
    holds most of), unknown where a gold span only touches it, 0 where the labels say none."""
    cats: dict[str, float] = {}
    unknown: set[str] = set()
    for group, accepts in known.items():
        state = 0.0
        for g in gold:
            if g.category != group or g.end <= s or g.start >= e:
                continue
            overlap = min(e, g.end) - max(s, g.start)
            if overlap * 2 >= min(e - s, g.end - g.start):
                state = 1.0
                break
            state = -1.0
        if state == 1.0 and len(accepts) > 1:
            lowered = text[s:e].lower()
            cues = split.get(group, {})
            chosen = [c for c in accepts if cues.get(c) and re.search(cues[c], lowered)] or [accepts[0]]
            for c in accepts:
                if c in chosen:
                    cats[c] = 1.0
                else:
                    unknown.add(c)
        else:
            for c in accepts:
                if state < 0:
                    unknown.add(c)
                elif cats.get(c) != 1.0:
                    cats[c] = max(cats.get(c, 0.0), state)
    for c in unknown:
        if cats.get(c) != 1.0:
            cats.pop(c, None)
    return cats


def build_examples(
    config: TrainingConfig, base: Path, categories: Iterable[str], progress: Callable[[str], None] | None = None
) -> tuple[list[LabelledDoc], str]:
    """The labelled documents as sentence examples, and the digest of the data they came from."""
    from .scanner import get_engine

    engine = get_engine(model=False)
    digest = hashlib.sha256(config.model_dump_json().encode())
    docs: list[LabelledDoc] = []
    all_categories = tuple(sorted(categories))
    for dataset in config.sets:
        docs_dir, labels = (base / dataset.docs).resolve(), (base / dataset.labels).resolve()
        if not docs_dir.is_dir() or not labels.exists():
            raise FileNotFoundError(f"training set {dataset.name!r}: {docs_dir} or {labels} is missing")
        label_map = load_label_map(dataset.map)
        gold = load_labels(labels)
        if label_map is not None:
            gold = [g for g in gold if g.category in label_map]
            known = dict(label_map)
        else:
            known = {c: (c,) for c in all_categories}
        by_doc: dict[str, list[Gold]] = {}
        for g in gold:
            by_doc.setdefault(g.doc, []).append(g)
        rng = random.Random(config.seed)
        for name, path in sorted(resolve_documents(docs_dir, gold).items()):
            data = path.read_bytes()
            digest.update(f"{dataset.name}/{name}:".encode() + hashlib.sha256(data).digest())
            doc_gold = by_doc.get(name, [])
            digest.update(json.dumps([(g.category, g.start, g.end) for g in doc_gold]).encode())
            document = read_bytes(data, path.name, ocr=False)
            chunks: list = []
            _, _, segments, hits = engine.analyse(document, chunk_docs=chunks)
            flagged: dict[int, set[str]] = {}
            for h in hits:
                for i in range(h.sentence, h.last_sentence + 1):
                    flagged.setdefault(i, set()).add(h.rule.category)
            out = LabelledDoc(f"{dataset.name}/{name}")
            for i, keys in sentence_keys(segments.sentences, segments.headings, chunks):
                s, e = segments.sentences[i]
                cats = _sentence_cats(s, e, doc_gold, known, config.split, document.text)
                if dataset.subsample and not any(cats.values()) and rng.random() >= config.negatives_keep:
                    continue
                out.sentences.append(Sentence(keys, cats, frozenset(flagged.get(i, ()))))
            docs.append(out)
            if progress:
                progress(out.name)
    return docs, digest.hexdigest()


# --- training ----------------------------------------------------------------------------------


def _textcat_config(config: TrainingConfig) -> dict:
    return {
        "model": {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": False,
            "ngram_size": config.ngram_size,
            "no_output_layer": False,
            "length": config.length,
        },
        "threshold": 0.5,
    }


def train_nlp(docs: list[LabelledDoc], labels: list[str], config: TrainingConfig):
    """A blank English pipeline with one trained ``textcat_multilabel``."""
    import spacy
    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    from .nlp import get_nlp

    strings = get_nlp().vocab.strings  # the lemma hashes' strings
    fix_random_seed(config.seed)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config=_textcat_config(config))
    for label in labels:
        textcat.add_label(label)
    examples = []
    for d in docs:
        for s in d.sentences:
            cats = {c: v for c, v in s.cats.items() if c in textcat.labels}
            if cats:
                examples.append(
                    Example.from_dict(Doc(nlp.vocab, words=[strings[k] for k in s.keys.tolist()]), {"cats": cats})
                )
    optimizer = nlp.initialize(lambda: examples[:200])
    rng = random.Random(config.seed)
    for _ in range(config.epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=config.batch_size):
            textcat.update(batch, sgd=optimizer)
    return nlp


def _model_bytes(nlp, meta: dict) -> bytes:
    payload = {
        "format": FORMAT,
        "config": nlp.config.to_str(),
        "bytes": nlp.to_bytes(exclude=["vocab", "tokenizer"]),
        "meta": meta,
    }
    return gzip.compress(srsly.msgpack_dumps(payload), compresslevel=9, mtime=0)


def _score(nlp, docs: list[LabelledDoc], labels: list[str]) -> list[np.ndarray]:
    clf = SentenceClassifier(_model_bytes(nlp, {"categories": {}}))
    cols = [clf.column[c] for c in labels]
    return [clf.predict([s.keys for s in d.sentences])[:, cols] for d in docs]


# --- thresholds and held-out figures -------------------------------------------------------------


ADD = [None, *(round(float(t), 2) for t in np.arange(0.30, 0.96, 0.05))]  # model findings from this score
VETO = [None, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]  # rule findings dropped below this score


@dataclass(frozen=True, slots=True)
class Choice:
    add: float | None  # threshold for a model finding where no rule fired (None: none added)
    veto: float | None  # a rule finding whose sentence scores under it is dropped (None: kept)


RULES_ONLY = Choice(None, None)


def _counts(items: tuple[np.ndarray, np.ndarray, np.ndarray], choice: Choice) -> np.ndarray:
    """(true positives, false positives, false negatives) over sentences (gold, rule flag, score)."""
    gold, rule, score = items
    flag = rule.copy()
    if choice.veto is not None:
        flag &= score >= choice.veto
    if choice.add is not None:
        flag |= score >= choice.add
    tp = int(np.sum(flag & gold))
    return np.array([tp, int(np.sum(flag)) - tp, int(np.sum(gold)) - tp])


def _f1(counts: np.ndarray) -> float:
    tp, fp, fn = (int(x) for x in counts)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_choice(items) -> Choice:
    """The add and veto thresholds that give the best F1 (the rules alone unless beaten)."""
    best, best_f = RULES_ONLY, _f1(_counts(items, RULES_ONLY))
    for add in ADD:
        for veto in VETO:
            f = _f1(_counts(items, Choice(add, veto)))
            if f > best_f + 1e-9:
                best, best_f = Choice(add, veto), f
    return best


def _items(docs, scores, category: str, col: int, keep: Callable[[int], bool]):
    gold, rule, score = [], [], []
    for n, (d, sc) in enumerate(zip(docs, scores, strict=True)):
        if not keep(n):
            continue
        for s, row in zip(d.sentences, sc, strict=True):
            if category in s.cats:
                gold.append(s.cats[category] == 1.0)
                rule.append(category in s.rules)
                score.append(float(row[col]))
    return np.array(gold, dtype=bool), np.array(rule, dtype=bool), np.array(score, dtype="f")


def choose(docs: list[LabelledDoc], oof: list[np.ndarray], labels: list[str], config: TrainingConfig) -> dict:
    """Per category: the held-out-fold F1 of the rules alone and with the model (its thresholds
    chosen on the other folds), whether to use the model, and the thresholds for the model
    trained on all of ``docs`` (chosen on all their out-of-fold scores)."""
    folds = [fold_of(d, config.folds) for d in docs]
    out = {}
    for col, c in enumerate(labels):
        rules_c = model_c = np.zeros(3, dtype=int)
        for k in range(config.folds):
            choice = best_choice(_items(docs, oof, c, col, lambda n, k=k: folds[n] != k))
            held = _items(docs, oof, c, col, lambda n, k=k: folds[n] == k)
            rules_c = rules_c + _counts(held, RULES_ONLY)
            model_c = model_c + _counts(held, choice)
        f_rules, f_model = _f1(rules_c), _f1(model_c)
        final = best_choice(_items(docs, oof, c, col, lambda n: True))
        out[c] = {
            "use": bool(final != RULES_ONLY and f_model >= f_rules + config.min_gain),
            "threshold": final.add,
            "veto": final.veto,
            "positives": int(rules_c[0] + rules_c[2]),
            "heldout_rules": [int(x) for x in rules_c],
            "heldout_with_model": [int(x) for x in model_c],
            "heldout_f1_rules": round(f_rules, 4),
            "heldout_f1_with_model": round(f_model, 4),
        }
    return out


@dataclass
class Trained:
    data: bytes
    meta: dict
    fold_models: list[bytes]  # fold k's model: trained without fold k, thresholds from the other folds


def train(config_path: str | Path | None = None, progress: Callable[[str], None] | None = None) -> Trained:
    from .scanner import get_engine

    config, base = load_config(config_path)
    categories = sorted(get_engine(model=False).rules.categories)
    docs, digest = build_examples(config, base, categories, progress)
    positives = {c: sum(s.cats.get(c) == 1.0 for d in docs for s in d.sentences) for c in categories}
    labels = [c for c in categories if positives[c] >= config.min_positives]
    folds = [fold_of(d, config.folds) for d in docs]
    oof: list[np.ndarray | None] = [None] * len(docs)
    fold_nlps = []
    for k in range(config.folds):
        if progress:
            progress(f"fold {k + 1} of {config.folds}")
        inside = [n for n in range(len(docs)) if folds[n] == k]
        nlp = train_nlp([d for n, d in enumerate(docs) if folds[n] != k], labels, config)
        fold_nlps.append(nlp)
        for n, sc in zip(inside, _score(nlp, [docs[n] for n in inside], labels), strict=True):
            oof[n] = sc
    chosen = choose(docs, oof, labels, config)  # type: ignore[arg-type]
    if progress:
        progress("final model")
    meta = {
        "data_digest": digest,
        "settings": config.model_dump(exclude={"sets", "split"}),
        "sets": [s.name for s in config.sets],
        "documents": len(docs),
        "sentences": sum(len(d.sentences) for d in docs),
        "categories": chosen,
    }
    final = _model_bytes(train_nlp(docs, labels, config), meta)
    fold_models = []
    for k, nlp in enumerate(fold_nlps):  # thresholds and `use` from the other folds alone
        rest = [n for n in range(len(docs)) if folds[n] != k]
        other = choose([docs[n] for n in rest], [oof[n] for n in rest], labels, config)  # type: ignore[misc]
        fold_models.append(_model_bytes(nlp, {**meta, "fold": k, "categories": other}))
    return Trained(final, meta, fold_models)


@dataclass(frozen=True)
class FoldModels:
    """The fold models `clausecheck train --folds-dir` wrote: ``fold-<k>.bin``, fold k's model
    trained without the documents of fold k."""

    paths: tuple[Path, ...]

    def for_document(self, set_name: str, name: str) -> str:
        return str(self.paths[fold_of(LabelledDoc(f"{set_name}/{name}"), len(self.paths))])


def fold_models(directory: str | Path) -> FoldModels:
    paths = sorted(Path(directory).glob("fold-*.bin"), key=lambda p: int(p.stem.split("-")[1]))
    if not paths:
        raise FileNotFoundError(f"no fold-<k>.bin files in {directory}")
    return FoldModels(tuple(paths))


def write(trained: Trained, out: str | Path, folds_dir: str | Path | None = None) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(trained.data)
    if folds_dir:
        folder = Path(folds_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("fold-*.bin"):
            old.unlink()
        for k, data in enumerate(trained.fold_models):
            (folder / f"fold-{k}.bin").write_bytes(data)
