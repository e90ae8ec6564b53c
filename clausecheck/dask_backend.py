"""Dask backend for scans bigger than one machine (``pip install 'clausecheck[dask]'``).

One task per file. Tasks send **paths**, not bytes: every Dask worker must be able to read each
file at the same path as the client (a shared or network file system). Inside each Dask worker
process the scan runs in a small pebble process pool (one process per worker thread, the engine
built once in each), so the per-file timeout terminates the process that is stuck, exactly as in
a local scan; the Dask worker itself carries on with the next file.

Dask's nanny starts worker processes as daemons, and a daemon process may not start processes of
its own; run the workers with ``DASK_DISTRIBUTED__WORKER__DAEMON=False`` (a task on a daemon
worker fails with a message that says so).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import suppress
from typing import TYPE_CHECKING

from .batch import crashed, init_worker, scan_in_worker, timed_out

if TYPE_CHECKING:
    from .batch import BatchScan
    from .model import ScanResult

_POOL = None
_POOL_LOCK = threading.Lock()


def _worker_pool(patterns: str | None, size: int):
    """The pebble pool of this Dask worker process, started on its first task."""
    global _POOL
    import multiprocessing

    from pebble import ProcessPool

    with _POOL_LOCK:
        if _POOL is None:
            if multiprocessing.current_process().daemon:
                raise RuntimeError(
                    "clausecheck needs Dask workers that may start processes (for the per-file timeout): "
                    "start them with DASK_DISTRIBUTED__WORKER__DAEMON=False"
                )
            init_worker(patterns)  # built here once, so the scan processes (forked) inherit it
            _POOL = ProcessPool(max_workers=size, initializer=init_worker, initargs=(patterns,))
        return _POOL


def close_pool() -> None:
    """Stop this Dask worker's scan processes (run on every worker when a scan ends, so a
    worker that is shut down is not kept alive by them)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.stop()
            _POOL.join()
            _POOL = None


def scan_task(
    path: str,
    digest: str | None,
    engine: str,
    kind: str | None,
    patterns: str | None,
    timeout,
    ocr: bool = True,
    model: bool | str = True,
):
    """The Dask task: one file, stopped after ``timeout`` seconds. Returns (result, peak KiB)."""
    from distributed import get_worker

    pool = _worker_pool(patterns, get_worker().state.nthreads)
    future = pool.schedule(scan_in_worker, args=(path, engine, kind, patterns, ocr, model), timeout=timeout)
    try:
        return future.result()
    except TimeoutError:
        return timed_out(path, timeout, digest), 0
    except Exception as exc:  # the scan process died
        return crashed(path, exc, digest), 0


def run_on_dask(batch: BatchScan, todo: list[tuple[int, str, str | None]]) -> Iterator[tuple[int, ScanResult]]:
    """Submit one task per file to ``batch.scheduler`` (or a local cluster) and yield results
    as they finish."""
    try:
        import dask
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RuntimeError("the Dask backend needs the dask extra: pip install 'clausecheck[dask]'") from None
    o = batch.options
    cluster = None
    with dask.config.set({"distributed.worker.daemon": False}):
        if batch.scheduler:
            client = Client(batch.scheduler)
        else:
            cluster = LocalCluster(
                n_workers=batch.workers or 1, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
    try:
        futures = {}
        for i, path, digest in todo:
            f = client.submit(
                scan_task, path, digest, o.engine, o.kind, o.patterns, batch.timeout, o.ocr, o.model, pure=False
            )
            futures[f] = (i, path, digest)
        for future in as_completed(futures):
            i, path, digest = futures[future]
            try:
                result, rss = future.result()
            except Exception as exc:  # the task itself failed on the worker
                result, rss = crashed(path, exc, digest), 0
            batch.peak_rss_kib = max(batch.peak_rss_kib, rss)
            yield i, result
    finally:
        with suppress(Exception):  # a worker that has gone away has nothing left to stop
            client.run(close_pool)
        client.close()
        if cluster is not None:
            cluster.close()
