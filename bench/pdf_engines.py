"""Compare the two PDF engines on the real CUAD PDFs: text similarity with CUAD's own text of
each contract, and speed.

    python bench/pdf_engines.py [--corpus ../shared/corpus/cuad-dev] [--json out.json]

Similarity is rapidfuzz's normalised Indel similarity (1.0 = identical) between the reader's
``Document.text`` and CUAD's text, both with white space collapsed. Speed is pages per second
of the whole reader (extraction plus header/footer, hyphen and ligature clean-up), measured as
CPU time in this process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz.distance import Indel

from clausecheck.readers import ENGINES, read_bytes


def _norm(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=here.parent / "shared" / "corpus" / "cuad-dev")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    docs = [json.loads(line) for line in (args.corpus / "docs.jsonl").open()]
    docs = [d for d in docs if d.get("pdf")]
    if not docs:
        print(f"no PDFs listed in {args.corpus / 'docs.jsonl'}", file=sys.stderr)
        return 2
    read_bytes((args.corpus / docs[0]["pdf"]).read_bytes(), "warm.pdf")  # load libraries once
    results = {}
    for engine in ENGINES:
        sims, pages, seconds = [], 0, 0.0
        for d in docs:
            data = (args.corpus / d["pdf"]).read_bytes()
            t = time.process_time()
            doc = read_bytes(data, d["pdf"], engine=engine)
            seconds += time.process_time() - t
            pages += len(doc.pages)
            truth = (args.corpus / d["text"]).read_text(encoding="utf-8")
            sims.append(Indel.normalized_similarity(_norm(doc.text), _norm(truth)))
        results[engine] = {
            "documents": len(docs),
            "pages": pages,
            "similarity_mean": round(statistics.mean(sims), 4),
            "similarity_median": round(statistics.median(sims), 4),
            "similarity_min": round(min(sims), 4),
            "seconds": round(seconds, 2),
            "pages_per_second": round(pages / seconds, 1),
        }
    print(f"{'engine':12} {'docs':>5} {'pages':>6} {'sim mean':>9} {'median':>7} {'min':>6} {'pages/s':>8}")
    for engine, r in results.items():
        print(
            f"{engine:12} {r['documents']:5} {r['pages']:6} {r['similarity_mean']:9.4f} {r['similarity_median']:7.4f} "
            f"{r['similarity_min']:6.4f} {r['pages_per_second']:8.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
