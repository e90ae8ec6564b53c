"""Batch scans: many files over worker processes, with a per-file timeout that kills a stuck
worker, a result cache, and results yielded as each file finishes.

    from clausecheck.batch import BatchScan, ScanOptions
    batch = BatchScan(paths, ScanOptions(engine="pdfium"), workers=2, timeout=300, cache_dir=".cc-cache")
    for index, result in batch:        # completion order; ``index`` is the file's place in ``paths``
        ...

Parallelism is per file, in processes (PDFium is not thread-safe and spaCy holds the GIL); each
worker builds the engine once. The timeout is enforced by pebble, which terminates the worker
process running a file that overruns (``concurrent.futures`` cannot stop a running task) and
starts a fresh one. ``executor="dask"`` sends the files to a Dask cluster instead
(:mod:`clausecheck.dask_backend`); the timeout and the results are the same.
"""

from __future__ import annotations

import os
import resource
import sys
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from .cache import ResultCache, file_sha256
from .classifier import signature as model_signature
from .errors import ErrorCode
from .model import ScanResult, Severity
from .readers import DEFAULT_ENGINE
from .readers.ocr import signature as ocr_signature
from .scanner import get_engine, scan, select_findings

#: Test-only hook: when this environment variable names a file, a worker that is asked to scan
#: a file of that exact name (not path) sleeps forever instead, so the timeout can be tested
#: deterministically. It is read in the worker; nothing in normal use sets it.
HANG_ENV = "CLAUSECHECK_TEST_HANG_ON"


@dataclass(frozen=True)
class ScanOptions:
    """What each file is scanned with. ``categories``/``min_severity`` select findings after the
    scan (and after the cache), so they never change what is computed or stored."""

    engine: str = DEFAULT_ENGINE
    kind: str | None = None
    patterns: str | None = None
    categories: frozenset[str] | None = None
    min_severity: Severity | str | None = None
    ocr: bool = True  # read PDF pages without a text layer with OCR (when Tesseract is installed)
    model: bool | str = True  # the trained classifier's findings and scores (False: rules only; or a model file)


def timed_out(path: str, seconds: float, sha256: str | None = None) -> ScanResult:
    message = f"timed out: scanning took longer than {seconds:g} s and was stopped"
    return ScanResult(path=path, sha256=sha256, error=message, error_code=ErrorCode.TIMED_OUT.value)


def crashed(path: str, exc: BaseException, sha256: str | None = None) -> ScanResult:
    message = f"internal error: the worker scanning this file failed ({type(exc).__name__}: {exc})"
    return ScanResult(path=path, sha256=sha256, error=message, error_code=ErrorCode.INTERNAL.value)


# --- the worker side ------------------------------------------------------------------------


def init_worker(patterns: str | None, model: bool | str = True) -> None:
    """Build the engine once per worker process (a no-op when it was inherited by fork)."""
    get_engine(patterns, model)


def scan_in_worker(
    path: str, engine: str, kind: str | None, patterns: str | None, ocr: bool = True, model: bool | str = True
) -> tuple[ScanResult, int]:
    """Scan one file with every finding kept; also the worker's peak memory so far (KiB)."""
    hang = os.environ.get(HANG_ENV)
    if hang and Path(path).name == hang:
        import time

        while True:  # pragma: no cover - killed by the timeout
            time.sleep(1)
    result = scan(path, engine=engine, kind=kind, patterns=patterns, ocr=ocr, model=model)
    return result, peak_rss_kib()


def peak_rss_kib() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss  # bytes on macOS, KiB on Linux


# --- the parent side ------------------------------------------------------------------------


@dataclass
class BatchScan:
    """Scan ``paths``; iterate for ``(index, ScanResult)`` in completion order.

    ``workers`` = 0 scans in this process (no timeout possible); otherwise that many worker
    processes (default: the number of cores). ``timeout`` is per file, in seconds. With
    ``cache_dir``, results are looked up by content before any worker is started.
    """

    paths: list[Path | str]
    options: ScanOptions = field(default_factory=ScanOptions)
    workers: int | None = None
    timeout: float | None = None
    cache_dir: str | Path | None = None
    executor: str = "local"  # local | dask
    scheduler: str | None = None  # a Dask scheduler address; None starts a local cluster
    cached: int = 0  # files answered from the cache
    peak_rss_kib: int = 0  # the largest peak memory any worker reported

    def __post_init__(self) -> None:
        if self.workers is None:
            self.workers = os.cpu_count() or 1
        if self.workers < 0:
            raise ValueError("workers must be 0 (in this process) or more")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        if self.timeout is not None and self.workers == 0 and self.executor == "local":
            raise ValueError("a timeout needs worker processes (workers >= 1)")
        self._cache = None
        if self.cache_dir is not None:
            o = self.options
            self._cache = ResultCache(
                self.cache_dir,
                get_engine(o.patterns).rules.digest,
                engine=o.engine,
                kind=o.kind,
                ocr=ocr_signature() if o.ocr else "off",
                model=model_signature(o.model),
            )

    def __iter__(self) -> Iterator[tuple[int, ScanResult]]:
        todo: list[tuple[int, str, str | None]] = []
        for i, p in enumerate(self.paths):
            path, digest = str(p), None
            if self._cache is not None:
                with suppress(OSError):  # else the worker reports it (not found, unreadable, a folder)
                    digest = file_sha256(path)
                found = self._cache.get(digest, path) if digest else None
                if found is not None:
                    self.cached += 1
                    yield i, self._select(found)
                    continue
            todo.append((i, path, digest))
        if not todo:
            return
        todo.sort(key=lambda t: -_size(t[1]))  # largest first, so no big file is left to run alone at the end
        for i, result in self._run(todo):
            if self._cache is not None:
                self._cache.put(result)
            yield i, self._select(result)

    def _select(self, result: ScanResult) -> ScanResult:
        return select_findings(result, self.options.categories, self.options.min_severity)

    def _run(self, todo: list[tuple[int, str, str | None]]) -> Iterator[tuple[int, ScanResult]]:
        o = self.options
        if self.executor == "dask":
            from .dask_backend import run_on_dask

            yield from run_on_dask(self, todo)
            return
        if self.workers == 0 or (len(todo) == 1 and self.timeout is None):  # no pool needed
            for i, path, _ in todo:
                result, rss = scan_in_worker(path, o.engine, o.kind, o.patterns, o.ocr, o.model)
                self.peak_rss_kib = max(self.peak_rss_kib, rss)
                yield i, result
            return
        from pebble import ProcessPool

        size = min(self.workers, len(todo))
        with ProcessPool(max_workers=size, initializer=init_worker, initargs=(o.patterns, o.model)) as pool:
            futures = {}
            for i, path, digest in todo:
                args = (path, o.engine, o.kind, o.patterns, o.ocr, o.model)
                futures[pool.schedule(scan_in_worker, args=args, timeout=self.timeout)] = (i, path, digest)
            try:
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        i, path, digest = futures.pop(future)
                        yield i, self._outcome(future, path, digest)
            finally:
                pool.stop()  # a consumer that stops early must not leave workers running
                pool.join()

    def _outcome(self, future, path: str, digest: str | None) -> ScanResult:
        """The result of one finished future, or the error it stands for."""
        try:
            result, rss = future.result()
        except TimeoutError:
            return timed_out(path, self.timeout or 0, digest)
        except Exception as exc:  # the worker died (ProcessExpired) or the task raised
            return crashed(path, exc, digest)
        self.peak_rss_kib = max(self.peak_rss_kib, rss)
        return result


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def scan_files(paths: list[Path | str], options: ScanOptions | None = None, **kwargs) -> list[ScanResult]:
    """Every result, in the order of ``paths`` (a convenience over :class:`BatchScan`)."""
    out: list[ScanResult | None] = [None] * len(paths)
    for i, result in BatchScan(list(paths), options or ScanOptions(), **kwargs):
        out[i] = result
    return out  # type: ignore[return-value]
