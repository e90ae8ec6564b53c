"""Measure accuracy on the samples and on cuad-dev, print the README table, and (with --floors)
write tests/accuracy_floors.json with floors a little under the measured figures.

    python scripts/accuracy.py [--floors] [--margin 0.03]

Floors only go up in normal work: lower one only with a reason written in the commit message.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from clausecheck.evaluate import evaluate, load_label_map

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_contracts"
CUAD = ROOT.parent / "shared" / "corpus" / "cuad-dev"


def _floor(value: float | None, margin: float) -> float:
    return 0.0 if value is None else max(0.0, math.floor((value - margin) * 100) / 100)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floors", action="store_true", help="write tests/accuracy_floors.json")
    ap.add_argument("--margin", type=float, default=0.03)
    args = ap.parse_args(argv)
    runs = {"samples": evaluate(SAMPLES, SAMPLES / "labels.jsonl")}
    if (CUAD / "docs.jsonl").exists():
        runs["cuad-dev"] = evaluate(CUAD, CUAD / "labels.jsonl", load_label_map("cuad"))
    floors = {}
    for name, result in runs.items():
        print(f"\n**{name}** ({result.documents} documents)\n")
        print("| category | gold spans | recall | flags | precision | F1 | doc recall | doc precision |")
        print("|---|---|---|---|---|---|---|---|")
        for s in result.scores.values():
            cells = [s.recall, s.precision, s.f1, s.doc_recall, s.doc_precision]
            r, p, f, dr, dp = ("-" if v is None else f"{v:.2f}" for v in cells)
            print(f"| {s.category} | {s.gold} | {r} | {s.flags} | {p} | {f} | {dr} | {dp} |")
        floors[name] = {
            s.category: {"recall": _floor(s.recall, args.margin), "precision": _floor(s.precision, args.margin)}
            for s in result.scores.values()
        }
    if args.floors:
        path = ROOT / "tests" / "accuracy_floors.json"
        path.write_text(json.dumps(floors, indent=2) + "\n")
        print(f"\nwrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
