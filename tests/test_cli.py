"""The command line: formats, exit codes, a batch with bad files, the rules commands."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, encrypt_pdf, make_pdf

from clausecheck.cli import main

SLA = str(SAMPLES / "msp-sla-best-effort.txt")


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


@pytest.fixture
def batch(tmp_path):
    """A folder with good files and every kind of bad one, nested."""
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "sla.txt").write_bytes((SAMPLES / "msp-sla-best-effort.txt").read_bytes())
    (tmp_path / "good" / "policy.pdf").write_bytes((SAMPLES / "cyber-policy-wording.pdf").read_bytes())
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "random.pdf").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "locked.pdf").write_bytes(encrypt_pdf(make_pdf(["Secret terms"])))
    (tmp_path / "truncated.pdf").write_bytes(make_pdf(["Some text"] * 3)[:400])
    (tmp_path / "latin.txt").write_bytes("Provider shall use best efforts – café".encode("cp1252"))
    (tmp_path / "notes.xyz").write_text("not a supported extension: skipped in folders")
    return tmp_path


def test_when_a_folder_with_bad_files_is_scanned_then_each_gets_a_specific_error_and_the_rest_are_scanned(batch):
    result = run("scan", str(batch), "--format", "jsonl")
    assert result.exit_code == 0
    rows = {
        json.loads(line)["path"].replace(str(batch) + "/", ""): json.loads(line) for line in result.stdout.splitlines()
    }
    assert set(rows) == {
        "empty.txt",
        "random.pdf",
        "locked.pdf",
        "truncated.pdf",
        "latin.txt",
        "good/sla.txt",
        "good/policy.pdf",
    }
    assert rows["empty.txt"]["error_code"] == "empty"
    assert rows["random.pdf"]["error_code"] == "unsupported-format"
    assert rows["locked.pdf"]["error_code"] == "encrypted"
    assert rows["truncated.pdf"]["error_code"] == "corrupt"
    assert rows["latin.txt"]["error"] is None and "Windows-1252" in rows["latin.txt"]["warnings"][0]
    assert rows["good/sla.txt"]["findings"] and rows["good/policy.pdf"]["findings"]
    assert "could not read" in result.stderr


def test_when_format_is_json_then_one_document_with_results_and_summary():
    result = run("scan", SLA, "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["schema_version"] and doc["rules_digest"]
    assert len(doc["results"]) == 1
    assert doc["summary"]["findings"] == len(doc["results"][0]["findings"]) > 0


def test_when_format_is_csv_then_one_row_per_finding():
    result = run("scan", SLA, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    findings = json.loads(run("scan", SLA, "--format", "json").stdout)["results"][0]["findings"]
    assert len(rows) == len(findings)
    assert {r["finding_id"] for r in rows} == {f["id"] for f in findings}


def test_csv_cells_that_look_like_formulas_are_neutralised():
    from clausecheck.report import safe_cell

    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("+1") == "'+1" and safe_cell("@SUM") == "'@SUM" and safe_cell("-2") == "'-2"
    assert safe_cell("Provider shall") == "Provider shall"


def test_when_format_is_markdown_or_table_then_findings_are_listed():
    md = run("scan", SLA, "--format", "markdown").stdout
    assert md.startswith("# clausecheck report") and "| severity | category |" in md
    table = run("scan", SLA).stdout
    assert "sole-remedy" in table and "finding(s)" in table


def test_when_output_is_given_then_stdout_stays_empty(tmp_path):
    out = tmp_path / "r.json"
    result = run("scan", SLA, "--format", "json", "--output", str(out))
    assert result.stdout == ""
    assert json.loads(out.read_text())["results"]


def test_exit_codes_follow_fail_on():
    assert run("scan", SLA, "--fail-on", "info").exit_code == 1
    assert run("scan", SLA).exit_code == 0  # default: never fail on findings
    assert run("scan", SLA, "--category", "sole-remedy", "--fail-on", "high").exit_code == 0


def test_when_usage_is_wrong_then_exit_code_is_2():
    assert run("scan", SLA, "--format", "yaml").exit_code == 2
    assert run("scan", SLA, "--category", "no-such-category").exit_code == 2
    assert run("scan").exit_code == 2


def test_when_the_rule_folder_is_invalid_then_exit_code_is_2_with_the_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: lower-case\n")
    result = run("rules", "validate", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2: lower-case: " in result.stderr


def test_rules_list_validate_and_test_work_on_the_bundled_library():
    listing = json.loads(run("rules", "list", "--format", "json").stdout)
    assert listing and {"id", "category", "severity", "source"} <= set(listing[0])
    assert run("rules", "validate").stdout.startswith("ok: ")
    tested = run("rules", "test", "--rule", listing[0]["id"])
    assert tested.exit_code == 0 and " passed, 0 failed" in tested.stdout


def test_python_dash_m_runs_the_cli_and_stdout_carries_only_the_output():
    proc = subprocess.run(
        [sys.executable, "-m", "clausecheck", "scan", SLA, "--format", "jsonl"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["path"] == SLA


def test_when_the_samples_folder_is_scanned_as_jsonl_then_every_line_is_a_valid_scan_result():
    from clausecheck.model import ScanResult

    result = run("scan", str(SAMPLES), "--format", "jsonl")
    results = [ScanResult.model_validate_json(line) for line in result.stdout.splitlines()]
    assert sorted(r.path.rsplit("/", 1)[1] for r in results) == sorted(
        p.name for p in SAMPLES.iterdir() if p.suffix in (".txt", ".pdf", ".docx")
    )
    for r in results:
        assert r.error is None and r.findings and r.sha256 and r.kind in ("contract", "policy", "application")
        if r.path.endswith(".txt"):
            text = Path(r.path).read_text(encoding="utf-8")
            assert all(text[f.start : f.end] == f.text for f in r.findings)
