"""The evaluator's counting, on documents and labels small enough to check by hand."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from clausecheck.cli import main
from clausecheck.evaluate import evaluate, load_label_map

CAP = "The aggregate liability of Provider shall not exceed the fees paid in the prior six months."
CONSQ = "In no event shall either party be liable for indirect or consequential damages."
NOISE = "Customer shall pay each invoice within thirty days of receipt."


def _label(name, text, sentence, category):
    start = text.index(sentence)
    return {"file": name, "category": category, "start": start, "end": start + len(sentence), "text": sentence}


@pytest.fixture
def corpus(tmp_path):
    a = f"1. Fees\n\n{NOISE}\n\n2. Liability\n\n{CAP}\n\n{CONSQ}\n"
    b = f"1. Fees\n\n{NOISE}\n\n2. Liability\n\n{CAP}\n"
    (tmp_path / "a.txt").write_text(a)
    (tmp_path / "b.txt").write_text(b)
    labels = [
        _label("a.txt", a, CAP, "liability-cap"),
        _label("a.txt", a, CONSQ, "consequential-damages"),
        _label("a.txt", a, NOISE, "liability-cap"),  # a gold span no rule can find: a miss
    ]
    (tmp_path / "labels.jsonl").write_text("".join(json.dumps(x) + "\n" for x in labels))
    return tmp_path


def test_recall_precision_and_document_scores_are_counted_per_category(corpus):
    result = evaluate(corpus, corpus / "labels.jsonl")
    cap = result.scores["liability-cap"]
    assert (cap.gold, cap.found, cap.recall) == (2, 1, 0.5)
    # without docs.jsonl only labelled files are evaluated: b.txt is not
    assert (cap.flags, cap.correct, cap.precision) == (1, 1, 1.0)
    assert result.documents == 1  # only labelled files are evaluated without docs.jsonl
    assert cap.misses == [("a.txt", NOISE)]
    assert result.scores["consequential-damages"].recall == 1.0


def test_when_a_docs_index_exists_then_unlabelled_documents_count_as_negatives(corpus):
    (corpus / "docs.jsonl").write_text(
        json.dumps({"doc": "a.txt", "text": "a.txt"}) + "\n" + json.dumps({"doc": "b.txt", "text": "b.txt"}) + "\n"
    )
    cap = evaluate(corpus, corpus / "labels.jsonl").scores["liability-cap"]
    assert (cap.flags, cap.correct) == (2, 1)
    assert cap.false_flags[0][0] == "b.txt"
    assert (cap.docs_gold, cap.docs_flagged, cap.doc_precision) == (1, 2, 0.5)


def test_when_a_label_map_groups_categories_then_one_sentence_counts_once(corpus):
    mapping = {"Cap on Liability": ("liability-cap", "consequential-damages")}
    lines = [json.loads(x) for x in (corpus / "labels.jsonl").read_text().splitlines()]
    mapped = [dict(x, category="Cap on Liability") for x in lines[:2]]
    (corpus / "mapped.jsonl").write_text("".join(json.dumps(x) + "\n" for x in mapped))
    score = evaluate(corpus, corpus / "mapped.jsonl", mapping).scores["Cap on Liability"]
    assert (score.gold, score.found, score.flags, score.correct) == (2, 2, 2, 2)


def test_cuad_label_map_is_the_taxonomy_mapping():
    mapping = load_label_map("cuad")
    assert mapping["Cap on Liability"] == ("liability-cap", "consequential-damages", "sole-remedy")
    assert mapping["Termination for Convenience"] == ("termination-for-convenience",)
    with pytest.raises(ValueError, match="no label map"):
        load_label_map("nope")


def test_eval_command_reports_table_and_json(corpus):
    runner = CliRunner()
    table = runner.invoke(
        main, ["eval", "--docs", str(corpus), "--labels", str(corpus / "labels.jsonl"), "--show-misses", "5"]
    )
    assert table.exit_code == 0 and "liability-cap" in table.stdout and "MISS" in table.stdout
    out = runner.invoke(
        main, ["eval", "--docs", str(corpus), "--labels", str(corpus / "labels.jsonl"), "--format", "json"]
    )
    data = json.loads(out.stdout)
    assert {c["category"] for c in data["categories"]} == {"liability-cap", "consequential-damages"}
    bad = runner.invoke(
        main, ["eval", "--docs", str(corpus), "--labels", str(corpus / "labels.jsonl"), "--map", "nope"]
    )
    assert bad.exit_code == 2
