"""Measure accuracy on the training sets (samples, real-dev, cuad): the rules alone, rules and
model on documents nobody tuned on (held-out), and on every document (tuned); print the README
tables, and (with --floors) write tests/accuracy_floors.json a little under the held-out figures.

    python scripts/accuracy.py [--folds-dir DIR] [--floors] [--margin 0.03] [--json FILE]

Without --folds-dir the fold models are trained first (clausecheck train --folds-dir, a few
minutes). Floors only go up in normal work: lower one only with a reason in the commit message.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

from clausecheck import training
from clausecheck.accuracy import measure

ROOT = Path(__file__).resolve().parent.parent
RULE_DEV = ROOT / "tests" / "corpus" / "rule-dev.yaml"
FLOORS = ROOT / "tests" / "accuracy_floors.json"


def _floor(value: float | None, margin: float) -> float:
    return 0.0 if value is None else max(0.0, math.floor((value - margin) * 100) / 100)


def table(name: str, mode: str, result) -> list[str]:
    lines = [
        f"**{name}, {mode}** ({result.documents} documents)",
        "",
        "| category | gold | recall | flags | precision | F1 |",
        "|---|---|---|---|---|---|",
    ]
    for s in result.scores.values():
        r, p, f = ("-" if v is None else f"{v:.2f}" for v in (s.recall, s.precision, s.f1))
        lines.append(f"| {s.category} | {s.gold} | {r} | {s.flags} | {p} | {f} |")
    recalls = [s.recall for s in result.scores.values() if s.recall is not None]
    precisions = [s.precision for s in result.scores.values() if s.precision is not None]
    if recalls:
        macro_r, macro_p = sum(recalls) / len(recalls), sum(precisions) / max(len(precisions), 1)
        lines.append(f"| **macro** | | **{macro_r:.2f}** | | **{macro_p:.2f}** | |")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds-dir", help="fold models written by `clausecheck train --folds-dir`")
    ap.add_argument("--floors", action="store_true", help="write tests/accuracy_floors.json")
    ap.add_argument("--margin", type=float, default=0.03)
    ap.add_argument("--json", help="also write every figure to this file")
    args = ap.parse_args(argv)
    folds_dir = args.folds_dir
    if not folds_dir:
        folds_dir = tempfile.mkdtemp(prefix="clausecheck-folds-")
        print(f"training the fold models into {folds_dir} ...", file=sys.stderr)
        training.write(training.train(), Path(folds_dir) / "model.bin", folds_dir)
    folds = training.fold_models(folds_dir)
    runs = {mode: measure(mode, RULE_DEV, folds) for mode in ("held-out", "rules", "tuned")}
    for mode, results in runs.items():
        for name, result in results.items():
            print("\n".join(table(name, mode, result)))
    if args.json:
        Path(args.json).write_text(
            json.dumps({m: {n: r.as_dict() for n, r in res.items()} for m, res in runs.items()}, indent=2) + "\n"
        )
    if args.floors:
        floors = {
            f"{mode}/{name}": {
                s.category: {"recall": _floor(s.recall, args.margin), "precision": _floor(s.precision, args.margin)}
                for s in result.scores.values()
                if s.gold
            }
            for mode in ("held-out", "tuned")
            for name, result in runs[mode].items()
            if mode == "held-out" or name == "samples"
        }
        FLOORS.write_text(json.dumps(floors, indent=2) + "\n")
        print(f"wrote {FLOORS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
