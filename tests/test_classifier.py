"""The shipped sentence classifier: what it adds to a scan, and that it is spaCy's textcat."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT
from spacy.tokens import Doc

from clausecheck import scan
from clausecheck.classifier import MODEL_PATH, SentenceClassifier, load_classifier, sentence_keys
from clausecheck.cli import main
from clausecheck.scanner import get_engine

REAL = ROOT.parent / "shared" / "corpus" / "real-dev" / "texts" / "commonpaper_cloud_service_agreement.txt"
SAMPLE = ROOT / "sample_contracts" / "msp-msa-professional-services.txt"
needs_model = pytest.mark.skipif(not MODEL_PATH.is_file(), reason="no shipped model (clausecheck train)")
needs_real = pytest.mark.skipif(not REAL.is_file(), reason="shared/corpus/real-dev is not beside the repo")


@pytest.fixture(scope="module")
def clf() -> SentenceClassifier:
    found = load_classifier()
    if found is None:
        pytest.skip("no shipped model")
    return found


@needs_model
def test_predict_is_spacys_textcat_predict_on_docs_of_the_lemmas(clf):
    sentences = [
        ["the", "total", "liability", "of", "either", "party", "shall", "not", "exceed", "the", "fee"],
        ["customer", "be", "responsible", "for", "its", "backup", "and", "password"],
        ["this", "agreement", "be", "govern", "by", "the", "law", "of", "delaware"],
    ]
    docs = [Doc(clf.nlp.vocab, words=w) for w in sentences]
    expected = np.asarray(clf.textcat.predict(docs))
    got = clf.predict([d.to_array("ORTH") for d in docs])
    assert got.shape == (3, len(clf.labels))
    assert np.allclose(got, expected, atol=1e-6)


@needs_model
def test_the_model_file_records_its_data_and_held_out_choices(clf):
    meta = clf.meta
    assert len(meta["data_digest"]) == 64
    assert {"samples", "real-dev", "cuad"} <= set(meta["sets"])
    for category, c in meta["categories"].items():
        assert category in clf.labels
        if c["use"]:  # kept only where it beat the rules on held-out folds
            assert c["heldout_f1_with_model"] > c["heldout_f1_rules"]
    assert MODEL_PATH.stat().st_size < 4_000_000


def test_sentence_keys_are_the_lemmas_of_each_long_enough_sentence(engine):
    text = "Heading\n\nThe total liabilities of the Supplier are limited. Short one. Customers shall keep their backups safe."
    from clausecheck.segmenter import segment

    segments = segment(text)
    chunks: list = []
    engine.matcher.raw_hits(text, segments, "contract", chunks)
    found = sentence_keys(segments.sentences, segments.headings, chunks)
    strings = engine.matcher.nlp.vocab.strings
    words = {i: [strings[int(k)] for k in keys] for i, keys in found}
    texts = {text[slice(*segments.sentences[i])]: w for i, w in words.items()}
    assert texts["The total liabilities of the Supplier are limited."] == [
        "the",
        "total",
        "liability",
        "of",
        "the",
        "supplier",
        "be",
        "limit",
    ]
    assert texts["Customers shall keep their backups safe."] == ["customer", "shall", "keep", "their", "backup", "safe"]
    assert "Short one." not in texts  # under MIN_WORDS
    assert all("Heading" not in t for t in texts)


@needs_model
@needs_real
def test_a_real_agreement_scanned_with_and_without_the_model(clf):
    plain = scan(REAL, model=False)
    assisted = scan(REAL)
    assert not any(f.source == "model" or f.model_score is not None for f in plain.findings)
    rule_findings = [f for f in assisted.findings if f.source == "rule"]
    kept = [f for f in plain.findings if f.category not in clf.vetoes]
    assert {f.id for f in kept} <= {f.id for f in rule_findings}
    scored = [f for f in rule_findings if f.category in clf.column and len(f.clause_text.split()) >= 6]
    assert scored and all(f.model_score is not None for f in scored)
    assert all(f.model_score is None for f in rule_findings if f.category not in clf.column)
    flagged = {(f.clause_start, f.category) for f in rule_findings}
    for f in assisted.findings:
        if f.source != "model":
            continue
        assert f.category in clf.thresholds
        assert f.method == "model" and f.score >= clf.thresholds[f.category]
        assert f.text == assisted_text(f) and f.spans == [(f.start, f.end)]
        assert (f.clause_start, f.category) not in flagged
        assert "trained sentence classifier" in f.explanation and f.recommendation
    assert "model_ms" in assisted.timings and "model_ms" not in plain.timings


def assisted_text(f) -> str:
    return REAL.read_text(encoding="utf-8")[f.start : f.end]


@needs_model
def test_no_model_flag_turns_the_classifier_off():
    runner = CliRunner()
    out = runner.invoke(main, ["scan", str(SAMPLE), "--format", "json", "--workers", "0", "--no-model"])
    assert out.exit_code == 0, out.output
    findings = json.loads(out.stdout)["results"][0]["findings"]
    assert findings and all(f["source"] == "rule" and f["model_score"] is None for f in findings)
    out = runner.invoke(main, ["scan", str(SAMPLE), "--format", "json", "--workers", "0"])
    findings = json.loads(out.stdout)["results"][0]["findings"]
    assert any(f["model_score"] is not None for f in findings)


def test_model_and_no_model_exclude_each_other(tmp_path):
    fake = tmp_path / "m.bin"
    fake.write_bytes(b"x")
    out = CliRunner().invoke(main, ["scan", str(SAMPLE), "--model", str(fake), "--no-model"])
    assert out.exit_code == 2 and "exclude each other" in out.output


def test_an_engine_without_a_model_file_is_rules_only(tmp_path):
    assert get_engine(model=False).classifier is None
    assert load_classifier(str(tmp_path / "missing.bin")) is None
