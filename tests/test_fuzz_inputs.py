"""1,000 seeded mutations of the sample documents through ``scan()`` (bench/fuzz_inputs.py):
no exception, no internal error, every failure with a message, offsets inside the text."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import fuzz_inputs


def test_when_1000_mutated_files_are_scanned_then_nothing_crashes_and_every_failure_is_specific(engine):
    tally = fuzz_inputs.run(1000, seed=0, full_pdfs=False)
    assert tally.crashes == [] and tally.unspecific == []
    assert tally.cases == 1000
    # the mutations reach both sides: documents still read, and damage of several kinds reported
    assert tally.outcomes["ok"] > 100
    assert {"corrupt", "unsupported-format"} <= set(tally.outcomes)
