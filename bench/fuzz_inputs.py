"""Mutated documents through ``scan()``: no crash, and every failure a specific message.

    .venv/bin/python bench/fuzz_inputs.py                 # 1,000 cases, seed 0
    .venv/bin/python bench/fuzz_inputs.py --cases 5000 --seed 3 --full-pdfs

Cases are seeded random mutations of small documents made from the samples (the first lines of
each TXT, the first paragraphs of each DOCX with its styles and numbering, and the sample PDFs):
byte flips, truncations, insertions of random bytes, splices of another file, repeated chunks,
zeroed runs; DOCX mutations also damage one XML part inside a well-formed ZIP, so python-docx
and lxml see the damage rather than the ZIP checksum. Random bytes under every extension too.
Each case is scanned and counted by outcome. A *crash* is an exception out of ``scan()`` or an
``internal-error`` result; an *unspecific* failure is an error without a message. Prints the
counts; tests/test_fuzz_inputs.py runs the same on fewer PDFs and asserts zero of both.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clausecheck import scan  # noqa: E402
from clausecheck.errors import ErrorCode  # noqa: E402

SAMPLES = ROOT / "sample_contracts"
EXTENSIONS = (".txt", ".pdf", ".docx", ".md", "")


def small_docx(path: Path, paragraphs: int = 14) -> bytes:
    """The sample DOCX cut to its first body elements (styles, numbering and tables kept)."""
    import docx

    document = docx.Document(str(path))
    body = document.element.body
    for child in list(body.iterchildren())[paragraphs:]:
        if not child.tag.endswith("sectPr"):
            body.remove(child)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def seeds(full_pdfs: bool = True) -> dict[str, list[bytes]]:
    """Seed files by extension; without ``full_pdfs`` only the three smallest sample PDFs."""
    txt = [p.read_bytes()[:1500] for p in sorted(SAMPLES.glob("*.txt"))]
    docx_files = [small_docx(p) for p in sorted(SAMPLES.glob("*.docx"))]
    pdfs = sorted(SAMPLES.glob("*.pdf"), key=lambda p: p.stat().st_size)
    return {".txt": txt, ".docx": docx_files, ".pdf": [p.read_bytes() for p in pdfs[: None if full_pdfs else 3]]}


def mutate(data: bytes, rnd: random.Random, donors: list[bytes]) -> bytes:
    """One to three random edits of ``data``."""
    b = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        n = len(b)
        op = rnd.choice(("flip", "truncate", "insert", "splice", "repeat", "zero"))
        at = rnd.randrange(n + 1) if n else 0
        if op == "flip" and n:
            for _ in range(rnd.randint(1, 8)):
                b[rnd.randrange(n)] = rnd.randrange(256)
        elif op == "truncate":
            del b[at:]
        elif op == "insert":
            b[at:at] = rnd.randbytes(rnd.randint(1, 64))
        elif op == "splice":
            donor = rnd.choice(donors)
            i = rnd.randrange(len(donor) + 1)
            b[at:at] = donor[i : i + rnd.randint(1, 512)]
        elif op == "repeat" and n:
            chunk = b[at : at + rnd.randint(1, 256)]
            b[at:at] = chunk * rnd.randint(2, 50)
        elif op == "zero" and n:
            b[at : at + rnd.randint(1, 128)] = bytes(min(n - at, 128))
    return bytes(b)


def mutate_part(data: bytes, rnd: random.Random, donors: list[bytes]) -> bytes:
    """The DOCX with one of its XML parts mutated (or dropped), re-zipped correctly."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    victim = rnd.choice([n for n in names if n.endswith((".xml", ".rels"))])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            body = src.read(name)
            if name == victim:
                if rnd.random() < 0.15:
                    continue  # the part is missing
                body = mutate(body, rnd, donors)
            dst.writestr(name, body)
    return out.getvalue()


def cases(count: int, seed: int = 0, full_pdfs: bool = True):
    """``count`` (name, bytes) pairs, the same for the same arguments."""
    rnd = random.Random(seed)
    pool = seeds(full_pdfs)
    donors = [d for files in pool.values() for d in files]
    kinds = [".txt"] * 40 + [".docx"] * 35 + [".pdf"] * 10 + ["random"] * 15
    for i in range(count):
        kind = rnd.choice(kinds)
        if kind == "random":
            ext = rnd.choice(EXTENSIONS)
            yield f"case{i}-random{ext}", rnd.randbytes(rnd.randint(0, 3000))
            continue
        data = rnd.choice(pool[kind])
        data = mutate_part(data, rnd, donors) if kind == ".docx" and rnd.random() < 0.6 else mutate(data, rnd, donors)
        ext = kind if rnd.random() < 0.9 else rnd.choice(EXTENSIONS)  # sometimes misnamed
        yield f"case{i}{ext}", data


@dataclass
class Tally:
    cases: int = 0
    outcomes: Counter = field(default_factory=Counter)  # "ok" or an error code
    crashes: list[tuple[str, str]] = field(default_factory=list)  # (case, what happened)
    unspecific: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def check(name: str, data: bytes, tally: Tally) -> None:
    tally.cases += 1
    try:
        result = scan(data, name=name)
    except Exception as exc:  # the property under test: nothing escapes scan()
        tally.crashes.append((name, f"{type(exc).__name__}: {exc}"))
        tally.outcomes["exception"] += 1
        return
    tally.outcomes[result.error_code or "ok"] += 1
    if result.error_code == ErrorCode.INTERNAL:
        tally.crashes.append((name, result.error))
    elif result.error_code and not (result.error or "").strip():
        tally.unspecific.append((name, repr(result.error)))
    for f in result.findings:  # offsets stay inside the text and the clause holds the match
        if not (0 <= f.clause_start <= f.start < f.end <= f.clause_end <= result.chars):
            tally.crashes.append((name, f"finding {f.rule_id} has offsets outside its clause or the text"))


def run(count: int = 1000, seed: int = 0, full_pdfs: bool = True) -> Tally:
    tally = Tally()
    t0 = time.perf_counter()
    for name, data in cases(count, seed, full_pdfs):
        check(name, data, tally)
    tally.seconds = time.perf_counter() - t0
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full-pdfs", action="store_true", help="mutate every sample PDF, not the 3 smallest")
    args = parser.parse_args()
    from clausecheck import get_engine

    get_engine()
    tally = run(args.cases, args.seed, args.full_pdfs)
    print(f"{tally.cases} cases (seed {args.seed}) in {tally.seconds:.1f} s")
    print(f"crashes: {len(tally.crashes)}; failures without a specific message: {len(tally.unspecific)}")
    for outcome, n in tally.outcomes.most_common():
        print(f"  {outcome:20} {n}")
    for name, what in tally.crashes + tally.unspecific:
        print(f"  {name}: {what}")
    sys.exit(1 if tally.crashes or tally.unspecific else 0)


if __name__ == "__main__":
    main()
