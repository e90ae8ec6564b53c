"""`clausecheck train`: reproducible, honest about folds, and the file it writes loads."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import needs_corpus

from clausecheck import training
from clausecheck.classifier import MODEL_PATH, SentenceClassifier
from clausecheck.evaluate import Gold
from clausecheck.training import Choice, _counts, _sentence_cats, best_choice


@needs_corpus
def test_train_rebuilds_the_shipped_model_byte_for_byte(trained):
    assert MODEL_PATH.is_file(), "no shipped model: run clausecheck train"
    assert trained.result.data == MODEL_PATH.read_bytes()


@needs_corpus
def test_each_fold_model_was_chosen_without_its_fold(trained):
    folds = trained.folds.paths
    assert len(folds) == trained.result.meta["settings"]["folds"]
    for k, path in enumerate(folds):
        clf = SentenceClassifier.load(path)
        assert clf.meta["fold"] == k
        assert clf.meta["data_digest"] == trained.result.meta["data_digest"]
    # a document is scanned by the model of its own fold
    name = trained.folds.for_document("cuad", "cuad-150")
    k = training.fold_of(training.LabelledDoc("cuad/cuad-150"), len(folds))
    assert name == str(folds[k])


def test_a_sentence_is_positive_only_when_a_label_covers_most_of_it():
    text = "A" * 100
    gold = [Gold("d", "liability-cap", 0, 60, ""), Gold("d", "audit-rights", 90, 200, "")]
    known = {"liability-cap": ("liability-cap",), "audit-rights": ("audit-rights",), "warranty": ("warranty",)}
    cats = _sentence_cats(0, 100, gold, known, {}, text)
    assert cats == {"liability-cap": 1.0, "warranty": 0.0}  # audit-rights only touches it: unknown


def test_a_cuad_cap_label_is_taught_as_the_category_its_words_name():
    text = "In no event shall either party be liable for consequential damages."
    split = {"Cap on Liability": {"liability-cap": "", "consequential-damages": "consequential"}}
    known = {"Cap on Liability": ("liability-cap", "consequential-damages")}
    gold = [Gold("d", "Cap on Liability", 0, len(text), text)]
    assert _sentence_cats(0, len(text), gold, known, split, text) == {"consequential-damages": 1.0}
    assert _sentence_cats(0, len(text), [], known, split, text) == {"liability-cap": 0.0, "consequential-damages": 0.0}


def test_thresholds_keep_the_rules_unless_the_model_beats_them():
    gold = np.array([True, True, False, False, True])
    rule = np.array([True, False, True, False, False])
    score = np.array([0.9, 0.8, 0.05, 0.1, 0.2], dtype="f")
    assert list(_counts((gold, rule, score), Choice(None, None))) == [1, 1, 2]
    assert list(_counts((gold, rule, score), Choice(0.5, 0.1))) == [2, 0, 1]
    choice = best_choice((gold, rule, score))
    assert choice.add is not None and choice.veto is not None
    # when the model is no better than the rules, nothing changes
    assert best_choice((gold, gold.copy(), score)) == Choice(None, None)


@pytest.mark.parametrize("bad", [{"sets": [], "folds": 1}, {"sets": [], "nope": 1}])
def test_a_bad_training_config_is_refused(tmp_path, bad):
    import yaml

    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ValueError):
        training.load_config(path)
