"""OCR against text: scan each sample PDF, then a scanned copy of it (every page rendered to a grey
image and saved as an image-only PDF, so the text comes from Tesseract), and compare.

    python bench/ocr.py [SAMPLE.pdf ...] [--dpi 200] [--rotate DEG] [--blur RADIUS] [--jpeg QUALITY]

Reports, per sample, the share of the text version's categories and findings (rule and page)
that the scanned copy finds, and the OCR time per page. ``--rotate``, ``--blur`` and ``--jpeg``
make the copy look more like a real office scan (skewed, soft, compressed).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageFilter

from clausecheck import scan


def scanned_copy(data: bytes, dpi: int, rotate: float = 0, blur: float = 0, jpeg: int | None = None) -> bytes:
    pdf = pdfium.PdfDocument(data)
    images = []
    for i in range(len(pdf)):
        image = pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if rotate:
            image = image.rotate(rotate if i % 2 else -rotate, resample=Image.BICUBIC, fillcolor=255)
        if blur:
            image = image.filter(ImageFilter.GaussianBlur(blur))
        if jpeg:
            buf = io.BytesIO()
            image.save(buf, "JPEG", quality=jpeg)
            image = Image.open(buf)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    samples = Path(__file__).resolve().parent.parent / "sample_contracts"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path, help="default: every sample PDF")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--rotate", type=float, default=0.0, help="skew in degrees (alternating direction)")
    ap.add_argument("--blur", type=float, default=0.0, help="Gaussian blur radius in pixels")
    ap.add_argument("--jpeg", type=int, help="JPEG quality (default: lossless)")
    args = ap.parse_args(argv)
    print("| sample | pages | categories | findings (rule, page) | s/page | missed |")
    print("|---|---|---|---|---|---|")
    for path in args.pdfs or sorted(samples.glob("*.pdf")):
        data = path.read_bytes()
        text = scan(data, name=path.name)
        t0 = time.perf_counter()
        scanned = scan(scanned_copy(data, args.dpi, args.rotate, args.blur, args.jpeg), name=path.name)
        seconds = (time.perf_counter() - t0) / max(scanned.pages, 1)
        if scanned.error:
            print(f"| {path.name} | | {scanned.error} | | | |")
            continue
        want, got = {f.category for f in text.findings}, {f.category for f in scanned.findings}
        placed = {(f.rule_id, f.page) for f in text.findings}
        found = placed & {(f.rule_id, f.page) for f in scanned.findings}
        print(
            f"| {path.name} | {text.pages} | {len(want & got)}/{len(want)} | {len(found)}/{len(placed)} "
            f"| {seconds:.1f} | {', '.join(sorted(want - got)) or '-'} |"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
