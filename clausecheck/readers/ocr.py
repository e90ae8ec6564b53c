"""OCR of page images with Tesseract, for PDF pages that have no text layer (scans).

Tesseract runs as a subprocess (``tesseract stdin stdout tsv``) rather than through a wrapper
library: the page image goes in on a pipe, so no image of a confidential page is ever written to
a temporary file; the child gets ``OMP_THREAD_LIMIT=1`` (Tesseract's own threads made it three to
four times slower on a busy two-core machine); and a page that overruns :data:`PAGE_TIMEOUT` is
killed. The TSV output gives each word with its box and confidence; the page text is built from
those words (one line of text per line Tesseract found), so every word's place in the text is
known and the review app can box it on the page image.

The command is ``tesseract`` on the PATH, or the program named by ``CLAUSECHECK_TESSERACT``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import OCR_UNAVAILABLE

COMMAND_ENV = "CLAUSECHECK_TESSERACT"
DPI = 300  # Tesseract's recommended resolution; pages are rendered at this before OCR
PAGE_TIMEOUT = 60.0  # seconds per page
LANGUAGE = "eng"


class OcrError(Exception):
    """OCR of one page failed; ``str(err)`` says why, for a warning."""


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A word of an OCR page's text: ``text[start:end]``, and its box in PDF points from the
    page's top left (``x0, top, x1, bottom``)."""

    start: int
    end: int
    box: tuple[float, float, float, float]


@dataclass(slots=True)
class OcrPage:
    text: str = ""
    words: list[OcrWord] = field(default_factory=list)
    confidence: float | None = None  # mean word confidence, 0-100


#: pages whose OCR is kept in memory, by image: the review app reads a document twice (to scan it
#: and to show it), and must not wait for Tesseract twice
CACHE_PAGES = 32
_CACHE: OrderedDict[bytes, OcrPage] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def command() -> str | None:
    """The Tesseract program to run, or None when it is not installed."""
    return shutil.which(os.environ.get(COMMAND_ENV) or "tesseract")


def available() -> bool:
    return command() is not None


def signature() -> str:
    """What OCR would do here (the Tesseract version, or that there is none), for cache keys."""
    cmd = command()
    return _version(cmd) if cmd else "no-ocr"


@lru_cache(maxsize=4)
def _version(cmd: str) -> str:
    try:
        out = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (out.stdout or out.stderr).split("\n", 1)[0].strip()


def recognise(image, dpi: int = DPI, timeout: float | None = None) -> OcrPage:
    """The text of a page image (a PIL image rendered at ``dpi``); Tesseract is stopped after
    ``timeout`` seconds (default :data:`PAGE_TIMEOUT`). Raises :class:`OcrError`."""
    timeout = timeout or PAGE_TIMEOUT
    cmd = command()
    if cmd is None:
        raise OcrError(OCR_UNAVAILABLE)
    buf = io.BytesIO()
    image.save(buf, format="PPM")  # uncompressed: quickest to write and for Tesseract to read
    key = hashlib.sha256(f"{cmd}\0{LANGUAGE}\0{dpi}\0".encode() + buf.getvalue()).digest()
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    try:
        out = subprocess.run(
            [cmd, "stdin", "stdout", "-l", LANGUAGE, "--dpi", str(dpi), "tsv"],
            input=buf.getvalue(),
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"OCR took longer than {timeout:g} s and was stopped") from None
    except OSError as exc:
        raise OcrError(f"Tesseract could not be run ({exc.strerror or exc})") from None
    if out.returncode != 0:
        detail = next((ln for ln in out.stderr.decode(errors="replace").splitlines() if ln.strip()), "no message")
        raise OcrError(f"Tesseract failed ({detail.strip()})")
    page = parse_tsv(out.stdout.decode("utf-8", errors="replace"), 72 / dpi)
    with _CACHE_LOCK:
        _CACHE[key] = page
        while len(_CACHE) > CACHE_PAGES:
            _CACHE.popitem(last=False)
    return page


def parse_tsv(tsv: str, scale: float) -> OcrPage:
    """Page text and words from Tesseract's TSV; ``scale`` turns pixels into points."""
    page = OcrPage()
    parts: list[str] = []
    pos = 0
    line = None
    confidences = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        if line is not None:
            sep = " " if key == line else "\n"
            parts.append(sep)
            pos += 1
        line = key
        left, top, width, height = (int(row[k]) * scale for k in ("left", "top", "width", "height"))
        page.words.append(OcrWord(pos, pos + len(word), (left, top, left + width, top + height)))
        parts.append(word)
        pos += len(word)
        if float(row["conf"]) >= 0:
            confidences.append(float(row["conf"]))
    page.text = "".join(parts) + ("\n" if parts else "")
    page.confidence = sum(confidences) / len(confidences) if confidences else None
    return page
