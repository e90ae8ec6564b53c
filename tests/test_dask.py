"""The Dask backend on a LocalCluster of two worker processes on loopback: the same results as a
local scan, and the same per-file timeout."""

from __future__ import annotations

import shutil

import pytest
from conftest import SAMPLES

from clausecheck import scan
from clausecheck.batch import HANG_ENV, scan_files
from clausecheck.errors import ErrorCode

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    out = [shutil.copy(SAMPLES / "msp-sla-best-effort.txt", folder / "sla.txt")]
    out.append(shutil.copy(SAMPLES / "cyber-policy-wording.pdf", folder / "policy.pdf"))
    out.append(shutil.copy(SAMPLES / "security-addendum.txt", folder / "hang.txt"))
    return out


def test_when_scanned_on_a_dask_cluster_then_results_match_and_a_hanging_file_times_out(files, monkeypatch):
    import dask

    monkeypatch.setenv(HANG_ENV, "hang.txt")  # set before the workers start: they inherit it
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
    ):
        results = scan_files(files, executor="dask", scheduler=cluster.scheduler_address, timeout=8)
    expected = [scan(f).model_dump(mode="json", exclude={"timings"}) for f in files[:2]]
    assert [r.model_dump(mode="json", exclude={"timings"}) for r in results[:2]] == expected
    assert results[2].error_code == ErrorCode.TIMED_OUT.value
