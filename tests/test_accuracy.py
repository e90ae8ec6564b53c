"""Accuracy floors: precision and recall measured with the evaluator on labelled documents.

The floors sit a little under the figures measured when they were last raised (README,
"Accuracy", `scripts/accuracy.py --floors`). The ones that matter are held out: documents rule
writers did not read (tests/corpus/rule-dev.yaml), each scanned with the fold model trained
without it. The samples also keep floors on the tuned figures, so a rule change that loses what
they cover fails too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, needs_corpus

from clausecheck.accuracy import measure

FLOORS = json.loads((Path(__file__).parent / "accuracy_floors.json").read_text())
RULE_DEV = ROOT / "tests" / "corpus" / "rule-dev.yaml"


def _check(scores, floors):
    below = []
    for category, floor in floors.items():
        score = scores[category]
        for measure_ in ("recall", "precision"):
            value = getattr(score, measure_)
            if (value is None and floor[measure_] > 0) or (value is not None and value < floor[measure_]):
                below.append(f"{category} {measure_} {value} < {floor[measure_]}")
    assert not below, "\n".join(below)


@pytest.fixture(scope="module")
def tuned_samples():
    return measure("tuned", RULE_DEV, sets=("samples",))["samples"].scores


def test_every_labelled_sample_category_has_a_floor(tuned_samples):
    assert {c for c, s in tuned_samples.items() if s.gold} == set(FLOORS["tuned/samples"])


def test_sample_contracts_accuracy_stays_above_its_floors(tuned_samples):
    _check(tuned_samples, FLOORS["tuned/samples"])


@pytest.fixture(scope="module")
def held_out(trained):
    return measure("held-out", RULE_DEV, trained.folds)


@needs_corpus
@pytest.mark.parametrize("name", ["samples", "real-dev", "cuad"])
def test_held_out_accuracy_stays_above_its_floors(held_out, name):
    _check(held_out[name].scores, FLOORS[f"held-out/{name}"])
