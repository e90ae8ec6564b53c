"""Accuracy floors: precision and recall measured with the evaluator on labelled documents.

The floors sit a little under the figures measured when they were last raised (README, "Accuracy"),
so that a rule change that loses accuracy fails CI. Raise them when the rules get better.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CUAD, SAMPLES, needs_cuad

from clausecheck.evaluate import evaluate, load_label_map

FLOORS = json.loads((Path(__file__).parent / "accuracy_floors.json").read_text())


@pytest.fixture(scope="module")
def samples():
    return evaluate(SAMPLES, SAMPLES / "labels.jsonl").scores


@pytest.fixture(scope="module")
def cuad():
    return evaluate(CUAD, CUAD / "labels.jsonl", load_label_map("cuad")).scores


def _check(scores, floors):
    below = []
    for category, floor in floors.items():
        score = scores[category]
        for measure in ("recall", "precision"):
            value = getattr(score, measure)
            if value is None or value < floor[measure]:
                below.append(f"{category} {measure} {value} < {floor[measure]}")
    assert not below, "\n".join(below)


def test_every_labelled_sample_category_has_a_floor(samples):
    assert set(samples) == set(FLOORS["samples"])


def test_sample_contracts_accuracy_stays_above_its_floors(samples):
    _check(samples, FLOORS["samples"])


@needs_cuad
def test_cuad_dev_accuracy_stays_above_its_floors(cuad):
    _check(cuad, FLOORS["cuad-dev"])
