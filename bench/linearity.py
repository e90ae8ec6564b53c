"""Is scan time linear in the input? Times the segmenter and the whole scan (text in, findings
out) on adversarial texts of n and 8n characters and prints the ratio (8 is linear; 64 would be
quadratic).

    .venv/bin/python bench/linearity.py            # n = 100,000 characters
    .venv/bin/python bench/linearity.py --n 20000  # quicker

Texts: one long line with no punctuation; many dots and abbreviations; deep numbering (one
numbered line after another); many short heading lines; one word with no space at all. Times
are CPU time (``time.process_time``), the best of three runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clausecheck import get_engine, scan
from clausecheck.segmenter import segment

CLAUSE = "In no event shall Provider's aggregate liability exceed the fees paid. "


def _fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


TEXTS = {
    "one long line": lambda n: CLAUSE + _fill("lorem ipsum dolor sit amet ", n),
    "dots and abbreviations": lambda n: CLAUSE + _fill("a.b.c. Inc. e.g. U.S. etc. No. 5. ", n),
    "dots, no spaces": lambda n: _fill("a.", n),
    "sentences on one line": lambda n: CLAUSE + _fill("Lorem ipsum dolor. Sit amet 5. Consectetur ", n),
    "deep numbering": lambda n: _fill("\n1.2.3.4 (a) (iv) Provider shall notify Customer.", n),
    "heading lines": lambda n: _fill("\nLIMITATION OF LIABILITY\n", n),
    "one word": lambda n: _fill("x", n),
}


def cpu(fn, *args) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="the smaller size, in characters")
    args = parser.parse_args()
    get_engine()
    print(f"{'text':24} {'step':8} {'n s':>8} {'8n s':>8} {'ratio':>6}")
    worst = 0.0
    for name, make in TEXTS.items():
        small, large = make(args.n), make(8 * args.n)
        for step, fn in (("segment", segment), ("scan", lambda t: scan(t.encode(), name="x.txt"))):
            a, b = cpu(fn, small), cpu(fn, large)
            ratio = b / max(a, 1e-6)
            worst = max(worst, ratio)
            print(f"{name:24} {step:8} {a:8.3f} {b:8.3f} {ratio:6.1f}")
    print(f"worst ratio {worst:.1f} (8 is linear)")


if __name__ == "__main__":
    main()
