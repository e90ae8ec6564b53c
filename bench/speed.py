"""Speed of clausecheck on text PDFs of contract prose, in one run:

    .venv/bin/python bench/speed.py            # full run (a few minutes on 2 cores)
    .venv/bin/python bench/speed.py --quick    # smoke test for CI (well under a minute)

Reports pages/s of raw pypdfium2 and raw pdfplumber text extraction, of clausecheck end to end
with each PDF engine, 1 versus 2 worker processes, time per page as a document grows from 10 to
1,000 pages, and peak memory per worker; prints a table and writes JSON to
``bench/results/speed-<date>.json`` (or ``--json FILE``).

The corpus is generated once (needs the dev extra: fpdf2) from the sample contracts' text, so the
prose is real contract language, and cached in ``bench/corpus/``. Single-process figures are CPU
time (``time.process_time``), the least of three runs (see :func:`cpu`); the worker comparison is
wall time and is only meaningful when the cores are otherwise idle.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus"
REAL_PDFS = ROOT.parent / "shared" / "corpus" / "cuad-dev" / "pdfs"  # real filed contracts, if present
RESULTS = HERE / "results"
SIZES = (5, 10, 20, 50, 100, 1000)  # the corpus; time per page is taken at GROWTH sizes
GROWTH = (10, 50, 100, 1000)
QUICK_GROWTH = (10, 50)
BATCH = (5, 10, 20, 50, 100) * 3  # the files scanned by 1 and 2 workers: 555 pages
QUICK_SIZES = (5, 10, 20, 50)
QUICK_BATCH = (5, 10, 20) * 2
TARGETS = {
    "pages_per_s_per_core": 100,
    "share_of_raw_pdfium": 1 / 6,
    "speedup_2_workers": 1.7,
    "per_page_growth_10_to_1000": 1.5,
    "peak_mb_per_worker": 500,
    "model_cost_share": 0.15,  # issue 12: the classifier may cost at most 15% of end-to-end pages/s
}
_LATIN1 = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "•": "*", "…": "...", "≤": "<=", "≥": ">="}
)


# --- corpus ---------------------------------------------------------------------------------


def _paragraphs() -> list[str]:
    """Every paragraph of the sample contracts, in a fixed order (Latin-1 for the core font)."""
    out = []
    for src in sorted((ROOT / "sample_contracts").glob("*.txt")):
        text = src.read_text(encoding="utf-8").translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")
        out += [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return out


def make_pdf(pages: int, offset: int = 0) -> bytes:
    """A text PDF of exactly ``pages`` Letter pages (Times 11 pt, 1-inch margins, a running header
    and a page footer, as contracts are laid out), filled with sample-contract paragraphs."""
    from fpdf import FPDF

    class Doc(FPDF):
        def header(self) -> None:
            self.set_font("Times", "I", 8)
            self.cell(0, 6, "Master Services Agreement - Confidential", align="C")
            self.ln(8)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Times", "", 8)
            self.cell(0, 6, f"Page {self.page_no()}", align="C")

    paras = _paragraphs()
    pdf = Doc(format="Letter")
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pdf.set_margins(25.4, 20, 25.4)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    i = offset
    while True:
        para = paras[i % len(paras)]
        i += 1
        heading = len(para) < 80 and para.upper() == para
        pdf.set_font("Times", "B" if heading else "", 11)
        pdf.multi_cell(0, 5.6, para)
        pdf.ln(2)
        if pdf.page > pages or (pdf.page == pages and pdf.get_y() > pdf.h - 40):
            break
    if pdf.page > pages:  # the last paragraph ran onto one page more: keep the first `pages`
        return make_pdf_exact(pdf, pages)
    return bytes(pdf.output())


def make_pdf_exact(pdf, pages: int) -> bytes:
    """Drop the pages past ``pages`` (pypdf keeps the text layer as it is)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(bytes(pdf.output())))
    writer = PdfWriter()
    for page in reader.pages[:pages]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corpus_file(pages: int, copy: int = 0) -> Path:
    path = CORPUS / f"contract-{pages:04d}p-{copy}.pdf"
    if not path.exists():
        CORPUS.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(make_pdf(pages, offset=pages * 7 + copy * 13))
        tmp.replace(path)
    return path


def repeated_file(pages: int) -> Path:
    """``pages`` pages made of the 10-page document over and over: every size has the same text
    per page, so time per page shows only what the size itself costs. (A line recurs on a tenth
    of the pages, too few to be taken for a running header.)"""
    path = CORPUS / f"repeated-{pages:04d}p.pdf"
    if not path.exists():
        from pypdf import PdfReader, PdfWriter

        block = PdfReader(corpus_file(10))
        writer = PdfWriter()
        for _ in range(pages // len(block.pages)):
            for page in block.pages:
                writer.add_page(page)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            writer.write(fh)
        tmp.replace(path)
    return path


def batch_files(sizes) -> list[Path]:
    seen: dict[int, int] = {}
    out = []
    for n in sizes:
        out.append(corpus_file(n, seen.get(n, 0)))
        seen[n] = seen.get(n, 0) + 1
    return out


# --- measurements ---------------------------------------------------------------------------


REPEAT = 3  # single-process figures: the best of this many runs (see cpu())


def cpu(fn, repeat: int = REPEAT):
    """``fn()``'s value and its CPU time, the least of ``repeat`` runs. On a shared virtual machine
    the same work takes up to a third more CPU time from one run to the next (other guests on the
    host's cores); the least is the cost of the work itself, as ``timeit`` reports it."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        value = fn()
        best = min(best, time.process_time() - t)
    return value, best


def raw_pdfium(files: list[Path]) -> dict:
    import pypdfium2 as pdfium

    def run():
        pages = 0
        for f in files:
            pdf = pdfium.PdfDocument(f.read_bytes())
            for i in range(len(pdf)):
                page = pdf[i]
                tp = page.get_textpage()
                tp.get_text_range(0, tp.count_chars())
                tp.close()
                page.close()
            pages += len(pdf)
            pdf.close()
        return pages

    pages, secs = cpu(run)
    return {"pages": pages, "cpu_s": round(secs, 3), "pages_per_s": round(pages / secs, 1)}


def raw_pdfplumber(files: list[Path]) -> dict:  # slow: one run
    import pdfplumber

    def run():
        pages = 0
        for f in files:
            with pdfplumber.open(f) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    pages += 1
        return pages

    pages, secs = cpu(run, repeat=1)
    return {"pages": pages, "cpu_s": round(secs, 3), "pages_per_s": round(pages / secs, 1)}


def end_to_end(files: list[Path], engine: str, repeat: int = REPEAT, model: bool = True) -> dict:
    """clausecheck in this process (the engine already built), CPU time; ``model=False``: rules only."""
    from clausecheck import scan

    def run():
        results = [scan(f, engine=engine, model=model) for f in files]
        bad = [r.path for r in results if r.error]
        if bad:
            raise SystemExit(f"benchmark files failed to scan: {bad}")
        return sum(r.pages for r in results), sum(r.chars for r in results), sum(len(r.findings) for r in results)

    (pages, chars, findings), secs = cpu(run, repeat)
    return {
        "pages": pages,
        "chars": chars,
        "findings": findings,
        "cpu_s": round(secs, 3),
        "pages_per_s": round(pages / secs, 1),
        "chars_per_page": round(chars / pages),
    }


def real_pdfs(folder: Path = REAL_PDFS) -> dict | None:
    """clausecheck on real contracts (CUAD's PDFs, when the shared corpus is beside the project):
    a first pass, whose words are new to the tokenizer's cache, and a second. Not a target: the
    generated corpus is what the targets are measured on; this shows how far real files differ."""
    files = sorted(folder.glob("*.pdf")) if folder.is_dir() else []
    if not files:
        return None
    first, second = end_to_end(files, "pdfium", repeat=1), end_to_end(files, "pdfium")
    return {"files": len(files), "first_pass": first, "second_pass": second}


def workers(files: list[Path], n: int, repeat: int = REPEAT) -> dict:
    """A batch scan with ``n`` worker processes (pool start-up included), wall time: the least of
    ``repeat`` runs, for the same reason as :func:`cpu`."""
    from clausecheck.batch import BatchScan

    best, peak = None, 0.0
    for _ in range(repeat):
        batch = BatchScan(files, workers=n)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        results = [r for _, r in batch]
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers have ended and been reaped
        workers_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        pages = sum(r.pages for r in results)
        row = {
            "workers": n,
            "files": len(files),
            "pages": pages,
            "wall_s": round(wall, 3),
            "workers_cpu_s": round(workers_cpu, 3),
            "pages_per_s": round(pages / wall, 1),
            "peak_mb_per_worker": round(batch.peak_rss_kib / 1024, 1),
        }
        peak = max(peak, row["peak_mb_per_worker"])
        if best is None or wall < best["wall_s"]:
            best = row
    return best | {"peak_mb_per_worker": peak}


def per_page(sizes, engine: str = "pdfium") -> list[dict]:
    """CPU time per page of each size, the least of REPEAT rounds that take the sizes in turn."""
    from clausecheck import scan

    best: dict[int, dict] = {}
    for _ in range(REPEAT):
        for n in sizes:
            f = repeated_file(n)
            runs = max(1, 100 // n)  # small documents are scanned several times: one 10-page scan is too short to time
            result, secs = cpu(lambda f=f, runs=runs: [scan(f, engine=engine) for _ in range(runs)][-1], repeat=1)
            ms = secs * 1000 / (result.pages * runs)
            if n not in best or ms < best[n]["ms_per_page"]:
                best[n] = {"pages": result.pages, "runs": runs, "cpu_s": round(secs, 3), "ms_per_page": round(ms, 2)}
    return [best[n] for n in sizes]


def peak_memory_largest(sizes) -> float:
    """Peak memory of a fresh worker process that scans the largest document."""
    from clausecheck.batch import BatchScan

    batch = BatchScan([corpus_file(max(sizes))], workers=1, timeout=3600)  # a timeout forces a worker process
    list(batch)
    return round(batch.peak_rss_kib / 1024, 1)


# --- report ---------------------------------------------------------------------------------


def run(quick: bool) -> dict:
    sizes, batch_sizes = (QUICK_SIZES, QUICK_BATCH) if quick else (SIZES, BATCH)
    t0 = time.perf_counter()
    print(f"corpus: {CORPUS} (generated on first use)", file=sys.stderr)
    files = batch_files(batch_sizes)
    for n in sizes:
        corpus_file(n)
    plumber_files = batch_files(batch_sizes[:3])  # pdfplumber is slow: a subset
    from clausecheck import get_engine, scan

    get_engine()
    scan(files[0])  # warm: lemma cache, lazy imports

    print("raw extraction ...", file=sys.stderr)
    raw = {"pdfium": raw_pdfium(files), "pdfplumber": raw_pdfplumber(plumber_files)}
    print("end to end ...", file=sys.stderr)
    e2e = {"pdfium": end_to_end(files, "pdfium"), "pdfplumber": end_to_end(plumber_files, "pdfplumber", repeat=1)}
    scan(files[0], model=False)
    e2e["pdfium_rules_only"] = end_to_end(files, "pdfium", model=False)
    real = None if quick else real_pdfs()
    print("workers ...", file=sys.stderr)
    pool = [workers(files, 1), workers(files, 2)]
    print("time per page by size ...", file=sys.stderr)
    growth = per_page(QUICK_GROWTH if quick else GROWTH)
    largest_mb = peak_memory_largest(sizes)

    per_core = e2e["pdfium"]["pages_per_s"]
    share = per_core / raw["pdfium"]["pages_per_s"]
    speedup = pool[0]["wall_s"] / pool[1]["wall_s"]
    grow = max(r["ms_per_page"] for r in growth) / min(r["ms_per_page"] for r in growth)
    peak = max(largest_mb, *(p["peak_mb_per_worker"] for p in pool))
    model_cost = 1 - per_core / e2e["pdfium_rules_only"]["pages_per_s"]
    checks = {
        "model_cost_share": (round(model_cost, 3), model_cost <= TARGETS["model_cost_share"]),
        "pages_per_s_per_core": (per_core, per_core >= TARGETS["pages_per_s_per_core"]),
        "share_of_raw_pdfium": (round(share, 3), share >= TARGETS["share_of_raw_pdfium"]),
        "speedup_2_workers": (round(speedup, 2), speedup >= TARGETS["speedup_2_workers"]),
        "per_page_growth_10_to_1000": (round(grow, 2), grow <= TARGETS["per_page_growth_10_to_1000"]),
        "peak_mb_per_worker": (peak, peak <= TARGETS["peak_mb_per_worker"]),
    }
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "raw_extraction": raw,
        "end_to_end": e2e,
        "real_pdfs": real,
        "workers": pool,
        "time_per_page": growth,
        "peak_mb_largest_document": largest_mb,
        "targets": {k: {"value": v, "target": TARGETS[k], "met": ok} for k, (v, ok) in checks.items()},
        "bench_seconds": round(time.perf_counter() - t0, 1),
    }


_AT_MOST = ("per_page_growth_10_to_1000", "peak_mb_per_worker", "model_cost_share")


def table(res: dict) -> str:
    """The results as Markdown tables (they read well in a terminal and paste into the README)."""
    raw, e2e = res["raw_extraction"], res["end_to_end"]
    rows = [
        ("raw pypdfium2 extraction", f"{raw['pdfium']['pages_per_s']:,.1f} pages/s", f"{raw['pdfium']['pages']} pages"),
        (
            "raw pdfplumber extraction",
            f"{raw['pdfplumber']['pages_per_s']:,.1f} pages/s",
            f"{raw['pdfplumber']['pages']} pages",
        ),
    ]

    def scanned(label: str, r: dict, files: str = "") -> tuple[str, str, str]:
        return label, f"{r['pages_per_s']:,.1f} pages/s", f"{files}{r['pages']} pages, {r['chars_per_page']} chars/page"

    rows += [scanned(f"clausecheck, {engine} engine", e2e[engine]) for engine in ("pdfium", "pdfplumber")]
    if "pdfium_rules_only" in e2e:
        rows.append(scanned("clausecheck, pdfium engine, rules only (--no-model)", e2e["pdfium_rules_only"]))
    real = res.get("real_pdfs")
    if real:
        rows += [
            scanned(f"clausecheck, real CUAD PDFs, {name.replace('_', ' ')}", real[name], f"{real['files']} files, ")
            for name in ("first_pass", "second_pass")
        ]
    for w in res["workers"]:
        note = f"{w['files']} files, {w['pages']} pages, wall {w['wall_s']} s, workers' CPU {w['workers_cpu_s']} s"
        rows.append((f"batch, {w['workers']} worker(s)", f"{w['pages_per_s']:,.1f} pages/s", note))
    for g in res["time_per_page"]:
        rows.append(
            (
                f"{g['pages']}-page document",
                f"{g['ms_per_page']:.2f} ms/page",
                "10-page text repeated, clausecheck, pdfium",
            )
        )
    peak = max(w["peak_mb_per_worker"] for w in res["workers"])
    rows.append(("peak memory per worker", f"{peak} MB", "batch above (ru_maxrss)"))
    rows.append(("peak memory, largest document", f"{res['peak_mb_largest_document']} MB", "one worker"))
    lines = ["| measure | result | notes |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines += ["", "| target | measured | goal | met |", "|---|---|---|---|"]
    for k, t in res["targets"].items():
        goal = f"{'<=' if k in _AT_MOST else '>='} {t['target']:.3g}"
        lines.append(f"| {k} | {t['value']} | {goal} | {'yes' if t['met'] else '**no**'} |")
    m = res["machine"]
    lines.append(
        f"\n{res['date']}, {m['cores']} cores, load average {m['load_avg'][0]:.1f} at the end; "
        f"single-process figures are CPU time and workers wall time, each the least of {REPEAT} runs "
        f"(pdfplumber and first passes: one); {res['bench_seconds']} s"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small corpus, for CI and smoke tests")
    ap.add_argument("--json", type=Path, help="write the results here (default: bench/results/speed-DATE.json)")
    args = ap.parse_args(argv)
    res = run(args.quick)
    print(table(res))
    out = args.json or RESULTS / f"speed-{res['date'][:19].replace(':', '')}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"JSON: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
