"""A folder of scan results, keyed by what decides a result: the file's SHA-256, the rules'
digest, the clausecheck version and the scan options that change findings (PDF engine, kind,
OCR: off, or the Tesseract version that reads scans).

Re-scanning an unchanged folder then costs only hashing. Results are stored before any
``--category`` / ``--min-severity`` selection (that is applied on the way out), so one cache
serves every selection. Only results that depend on the bytes alone are stored: a file that
timed out or met an internal error is scanned again next time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from . import __version__
from .errors import ErrorCode
from .model import ScanResult

_NOT_CACHED = {c.value for c in (ErrorCode.TIMED_OUT, ErrorCode.INTERNAL, ErrorCode.NOT_FOUND, ErrorCode.UNREADABLE)}
_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks (a large PDF is never held in memory twice)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class ResultCache:
    """``get``/``put`` ScanResults under ``directory`` (created when missing)."""

    def __init__(
        self, directory: str | Path, rules_digest: str, *, engine: str, kind: str | None, ocr: str = "", model: str = ""
    ):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._salt = f"{__version__}\0{rules_digest}\0{engine}\0{kind or ''}\0{ocr}\0{model}"

    def key(self, sha256: str) -> str:
        return hashlib.sha256(f"{self._salt}\0{sha256}".encode()).hexdigest()

    def _file(self, sha256: str) -> Path:
        key = self.key(sha256)
        return self.directory / key[:2] / f"{key}.json"

    def get(self, sha256: str, path: str) -> ScanResult | None:
        """The stored result for these bytes, reported under ``path``; None when there is none
        (or it cannot be read: a damaged entry is a miss, never an error)."""
        try:
            result = ScanResult.model_validate_json(self._file(sha256).read_bytes())
        except (OSError, ValueError):
            return None
        return result.model_copy(update={"path": path})

    def put(self, result: ScanResult) -> None:
        if not result.sha256 or result.error_code in _NOT_CACHED:
            return
        target = self._file(result.sha256)
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(result.model_dump_json())
            os.replace(tmp, target)  # atomic: a reader never sees half an entry
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
