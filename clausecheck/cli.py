"""The ``clausecheck`` command line: scan files and folders, list, validate and test rules.

Exit codes: 0 = nothing at or above ``--fail-on``; 1 = findings at or above it; 2 = usage or
rule-file error. stdout carries only the requested output; progress and notes go to stderr.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .errors import ErrorCode, RuleError
from .model import ScanResult, Severity
from .readers import DEFAULT_ENGINE, ENGINES, SUPPORTED_SUFFIXES

SEVERITIES = [s.value for s in Severity]

# options shared by several commands
OUTPUT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout."
)
ENGINE = click.option(
    "--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True, help="PDF text engine."
)
KIND = click.option(
    "--kind", type=click.Choice(["contract", "policy", "application"]), help="Treat every document as this kind."
)
PATTERNS = click.option("--patterns", type=click.Path(exists=True), help="Patterns folder (default: the bundled one).")


def MODEL(f):
    f = click.option("--no-model", is_flag=True, help="Rules only: no findings or scores from the trained classifier.")(
        f
    )
    return click.option(
        "--model",
        type=click.Path(exists=True, dir_okay=False),
        help="Sentence classifier file (default: the shipped one).",
    )(f)


def _model_choice(model: str | None, no_model: bool):
    if model and no_model:
        raise click.BadParameter("--model and --no-model exclude each other")
    return False if no_model else (model or True)


def fail_on(what: str):
    return click.option(
        "--fail-on",
        type=click.Choice([*SEVERITIES, "never"]),
        default="never",
        show_default=True,
        help=f"Exit 1 when a {what} at or above this severity is reported.",
    )


def collect(paths: tuple[str, ...]) -> tuple[list[Path], list[ScanResult]]:
    """Files to scan (folders walked recursively for supported files, in name order) and
    results for paths that cannot even be listed."""
    files: list[Path] = []
    problems: list[ScanResult] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():

            def onerror(exc: OSError) -> None:
                problems.append(
                    ScanResult(
                        path=str(exc.filename),
                        error=f"folder cannot be read: {exc.strerror}",
                        error_code=ErrorCode.UNREADABLE.value,
                    )
                )

            for root, dirs, names in os.walk(p, onerror=onerror):  # symlinked folders are not followed
                dirs.sort()
                files += [Path(root, n) for n in sorted(names) if Path(n).suffix.lower() in SUPPORTED_SUFFIXES]
        else:
            files.append(p)  # a file named explicitly is scanned whatever its extension
    return files, problems


@contextmanager
def _output(output: str | None):
    """The report's destination: the --output file (closed at the end), else stdout."""
    if not output:
        yield sys.stdout
        return
    with open(output, "w", encoding="utf-8", newline="") as out:
        yield out


def _console(out):
    from rich.console import Console

    return Console(file=out, width=None if out.isatty() else 160, highlight=False)


def _exit_on(fail_on: str, severities) -> None:
    """Exit 1 when one of ``severities`` is at or above ``--fail-on``."""
    if fail_on != "never" and any(s.rank >= Severity(fail_on).rank for s in severities):
        sys.exit(1)


def _fail(exc: RuleError) -> None:
    click.echo(str(exc), err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clausecheck")
def main() -> None:
    """Find the clauses in contracts and cyber-insurance policies that decide who carries the risk."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "csv", "markdown"]),
    default="table",
    show_default=True,
)
@OUTPUT
@click.option("--category", "categories", multiple=True, help="Only these categories (repeatable).")
@click.option("--min-severity", type=click.Choice(SEVERITIES), help="Only findings at or above this severity.")
@fail_on("finding")
@ENGINE
@click.option(
    "--ocr/--no-ocr",
    default=True,
    show_default=True,
    help="Read PDF pages that have no text layer (scans) with Tesseract OCR, when it is installed.",
)
@KIND
@PATTERNS
@MODEL
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes (default: the number of cores; 0 = scan in this process, no timeout).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Stop a file after this many seconds and report it as timed out.",
)
@click.option(
    "--cache", "cache_dir", type=click.Path(file_okay=False), help="Reuse results of unchanged files from this folder."
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where files are scanned: local worker processes or a Dask cluster (needs the dask extra).",
)
@click.option(
    "--dask-scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786); implies --executor dask."
)
def scan(
    paths,
    fmt,
    output,
    categories,
    min_severity,
    fail_on,
    engine,
    ocr,
    kind,
    patterns,
    model,
    no_model,
    workers,
    timeout,
    cache_dir,
    executor,
    dask_scheduler,
) -> None:
    """Scan PDF, DOCX and text files, or folders of them."""
    from rich.console import Console

    from . import report
    from .batch import BatchScan, ScanOptions
    from .progress import progress_bar
    from .scanner import get_engine

    if dask_scheduler:
        executor = "dask"
    if executor == "dask" and importlib.util.find_spec("distributed") is None:
        raise click.UsageError("the Dask backend needs the dask extra: pip install 'clausecheck[dask]'")
    if workers == 0 and timeout is not None and executor == "local":
        raise click.BadParameter("a timeout needs worker processes; use --workers 1 or more", param_hint="--timeout")
    try:
        chosen = _model_choice(model, no_model)
        rules = get_engine(patterns, chosen).rules
    except RuleError as exc:
        _fail(exc)
    unknown = set(categories) - set(rules.categories)
    if unknown:
        raise click.BadParameter(
            f"unknown category {', '.join(sorted(unknown))}; see 'clausecheck rules list'", param_hint="--category"
        )

    files, results = collect(paths)
    err = Console(stderr=True)  # progress only: stdout is the report
    with _output(output) as out:
        if fmt == "jsonl":
            for r in results:
                out.write(report.to_jsonl_line(r))
        batch = BatchScan(
            files,
            ScanOptions(engine, kind, patterns, frozenset(categories) or None, min_severity, ocr, chosen),
            workers=workers,
            timeout=timeout,
            cache_dir=cache_dir,
            executor=executor,
            scheduler=dask_scheduler,
        )
        ordered: list[ScanResult | None] = [None] * len(files)
        with progress_bar(err, len(files), enabled=len(files) > 1 and sys.stderr.isatty()) as advance:
            for i, r in batch:
                ordered[i] = r
                if fmt == "jsonl":  # streamed as each file finishes
                    out.write(report.to_jsonl_line(r))
                    out.flush()
                advance(r)
        results += ordered
        if fmt == "json":
            out.write(report.to_json(results, rules.digest))
        elif fmt == "csv":
            out.write(report.to_csv(results))
        elif fmt == "markdown":
            out.write(report.to_markdown(results))
        elif fmt == "table":
            report.print_table(results, _console(out))
    for r in results:
        if r.error:
            click.echo(f"could not read {r.path}: {r.error}", err=True)
    if len(results) > 1 and (fmt != "table" or cache_dir):  # the table ends with the same summary
        s = report.summary(results)
        click.echo(
            f"scanned {s['files']} file(s), {s['pages']} page(s), {s['errors']} error(s)"
            + (f", {batch.cached} from the cache" if cache_dir else "")
            + "; findings: "
            + ", ".join(f"{n} {k}" for k, n in s["by_severity"].items()),
            err=True,
        )
    _exit_on(fail_on, (f.severity for r in results for f in r.findings))


@main.group()
def rules() -> None:
    """List, validate and test the rule library."""


@rules.command("list")
@PATTERNS
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def rules_list(patterns, fmt) -> None:
    """List every rule with its category, severity and where it is defined."""
    from .rules import load_rules

    try:
        rs = load_rules(patterns)
    except RuleError as exc:
        _fail(exc)
    if fmt == "json":
        rows = [
            {
                "id": r.id,
                "category": r.category,
                "severity": r.severity.value,
                "applies_to": r.applies_to,
                "title": r.title,
                "patterns": len(r.patterns),
                "source": rs.sources[r.id],
            }
            for r in rs.rules
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{len(rs.rules)} rules in {len(rs.families)} files, {len({r.category for r in rs.rules})} categories"
    )
    for col in ("id", "category", "severity", "applies to", "title", "source"):
        table.add_column(col)
    for r in rs.rules:
        table.add_row(r.id, r.category, r.severity.value, r.applies_to, r.title, rs.sources[r.id])
    Console(highlight=False).print(table)


@rules.command("validate")
@click.argument("path", type=click.Path(exists=True), required=False)
def rules_validate(path) -> None:
    """Validate a rule file or a patterns folder (with its obligations.yaml); errors as
    file:line: rule id: field: message."""
    from .register import load_obligations
    from .rules import DEFAULT_PATTERNS, load_rules

    try:
        if path and Path(path).name == "obligations.yaml":
            load_obligations(path)
            click.echo("ok: obligations.yaml valid")
            return
        rs = load_rules(path)
        folder = Path(path) if path else DEFAULT_PATTERNS
        if folder.is_dir() and (folder / "obligations.yaml").exists():
            load_obligations(folder)
    except RuleError as exc:
        _fail(exc)
    for w in rs.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"ok: {len(rs.rules)} rules valid" + (f", {len(rs.warnings)} warning(s)" if rs.warnings else ""))


@rules.command("test")
@PATTERNS
@click.option("--rule", "rule_ids", multiple=True, help="Only these rule ids (repeatable).")
def rules_test(patterns, rule_ids) -> None:
    """Run every rule's match / no_match examples."""
    from .examples import run_examples
    from .scanner import get_engine

    try:
        engine = get_engine(patterns)
    except RuleError as exc:
        _fail(exc)
    selected = [r for r in engine.rules.rules if not rule_ids or r.id in rule_ids]
    results = run_examples(engine.matcher, selected)
    failed = [r for r in results if not r.passed]
    for r in failed:
        want = "should match" if r.expected else "should not match"
        click.echo(f"FAIL {r.rule_id} ({engine.rules.sources[r.rule_id]}): {want}: {r.text}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed ({len(selected)} rules)")
    sys.exit(1 if failed else 0)


@main.command("eval")
@click.option(
    "--docs",
    "docs_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Folder of the documents (with docs.jsonl for the CUAD layout).",
)
@click.option(
    "--labels",
    required=True,
    type=click.Path(exists=True),
    help="Gold labels: a JSON Lines file, or a folder of them (one per document).",
)
@click.option(
    "--map", "label_map", help="Label map for foreign category names: a name in patterns/label-maps or a file."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--show-misses",
    type=int,
    default=0,
    show_default=True,
    help="List up to N missed spans and N false flags per category.",
)
@PATTERNS
@ENGINE
@MODEL
@click.option(
    "--folds-dir",
    type=click.Path(exists=True, file_okay=False),
    help="Held-out figures: scan each document with the fold model trained without it "
    "(the folder `clausecheck train --folds-dir` wrote); needs --set.",
)
@click.option("--set", "set_name", help="The training set these documents are (its name in the training config).")
def eval_(
    docs_dir, labels, label_map, fmt, show_misses, patterns, engine, model, no_model, folds_dir, set_name
) -> None:
    """Measure precision and recall of the rules (and the model) on labelled documents."""
    from .evaluate import evaluate, load_label_map, load_labels, resolve_documents
    from .scanner import get_engine
    from .scanner import scan as scan_one

    if folds_dir and not set_name:
        raise click.BadParameter("--folds-dir needs --set (the documents' set in the training config)")
    chosen = _model_choice(model, no_model)
    try:
        get_engine(patterns, chosen)
        mapping = load_label_map(label_map)
    except RuleError as exc:
        _fail(exc)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    route = {}
    if folds_dir:
        from .training import fold_models

        models = fold_models(folds_dir)
        names = resolve_documents(Path(docs_dir), load_labels(Path(labels)))
        route = {str(path): models.for_document(set_name, name) for name, path in names.items()}

    def scan_doc(path):
        return scan_one(path, engine=engine, patterns=patterns, model=route.get(str(path), chosen))

    try:
        result = evaluate(docs_dir, labels, mapping, scan_doc)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--labels") from None
    if fmt == "json":
        data = result.as_dict()
        if show_misses:
            for cat, score in zip(data["categories"], result.scores.values(), strict=True):
                cat["misses"] = [{"doc": d, "text": t} for d, t in score.misses[:show_misses]]
                cat["false_flags"] = [
                    {"doc": d, "rule_id": r, "text": t} for d, r, t in score.false_flags[:show_misses]
                ]
        click.echo(json.dumps(data, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    table = Table(
        title=f"{result.documents} documents, labels {labels}" + (f" (map: {label_map})" if label_map else ""),
        title_justify="left",
    )
    for col in ("category", "gold", "recall", "flags", "precision", "F1", "doc recall", "doc precision"):
        table.add_column(col, justify="left" if col == "category" else "right")

    def pct(v):
        return "-" if v is None else f"{v:.2f}"

    for s in result.scores.values():
        table.add_row(
            s.category,
            str(s.gold),
            pct(s.recall),
            str(s.flags),
            pct(s.precision),
            pct(s.f1),
            pct(s.doc_recall),
            pct(s.doc_precision),
        )
    console.print(table)
    for doc, err in result.errors:
        console.print(f"[red]could not scan[/red] {escape(doc)}: {escape(err)}")
    if show_misses:
        for s in result.scores.values():
            for doc, text in s.misses[:show_misses]:
                console.print(
                    f"[yellow]MISS[/yellow]  {s.category}  {escape(doc)}: {escape(' '.join(text.split())[:300])}"
                )
            for doc, rule_id, text in s.false_flags[:show_misses]:
                console.print(
                    f"[red]FALSE[/red] {s.category}  {escape(doc)} {rule_id}: {escape(' '.join(text.split())[:300])}"
                )


@main.command()
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False),
    help="Training data and settings (default: patterns/model/training.yaml).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Model file to write (default: the shipped one, clausecheck/data/sentence-classifier.bin).",
)
@click.option(
    "--folds-dir",
    type=click.Path(file_okay=False, writable=True),
    help="Also write the fold models here (fold-<k>.bin), for `clausecheck eval --folds-dir`.",
)
def train(config, out, folds_dir) -> None:
    """Train the sentence classifier from the labelled documents (same data, same file)."""
    from . import training
    from .classifier import MODEL_PATH

    try:
        trained = training.train(config, progress=lambda what: click.echo(f"  {what}", err=True))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    training.write(trained, out or MODEL_PATH, folds_dir)
    meta = trained.meta
    click.echo(
        f"trained on {meta['documents']} documents, {meta['sentences']} sentences "
        f"(data digest {meta['data_digest'][:16]}); wrote {out or MODEL_PATH}",
        err=True,
    )
    for category, c in meta["categories"].items():
        use = "uses the model" if c["use"] else "rules only"
        click.echo(
            f"{category:32} held-out F1 rules {c['heldout_f1_rules']:.3f}, with model "
            f"{c['heldout_f1_with_model']:.3f}: {use}"
        )


@main.command()
@click.option(
    "--policy", "policy_path", required=True, type=click.Path(dir_okay=False), help="The cyber-insurance policy."
)
@click.argument("contracts", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@OUTPUT
@fail_on("conflict")
@ENGINE
@PATTERNS
def compare(policy_path, contracts, fmt, output, fail_on, engine, patterns) -> None:
    """Compare a cyber-insurance policy with contracts: conflicts between cover and commitments."""

    from . import report
    from .compare import compare as compare_results
    from .readers import load_file, read_bytes
    from .scanner import get_engine
    from .scanner import scan as scan_one

    try:
        rules = get_engine(patterns).rules
    except RuleError as exc:
        _fail(exc)
    policy = scan_one(policy_path, engine=engine, patterns=patterns)
    if policy.error:
        click.echo(f"could not read the policy {policy.path}: {policy.error}", err=True)
        sys.exit(2)
    if policy.kind != "policy":
        click.echo(f"note: {policy.path} reads as '{policy.kind}', not a policy wording; compared anyway", err=True)
    files, results = collect(contracts)
    texts: dict[str, str] = {}
    for f in files:
        r = scan_one(f, engine=engine, patterns=patterns)
        results.append(r)
        if r.ok:  # the whole text, so that a security duty is looked for beyond the findings
            texts[r.path] = read_bytes(load_file(f), f.name, engine).text
    conflicts = compare_results(policy, results, rules.conflicts, texts)
    with _output(output) as out:
        if fmt == "json":
            out.write(report.conflicts_to_json(policy, results, conflicts))
        elif fmt == "markdown":
            out.write(report.conflicts_to_markdown(policy, results, conflicts))
        else:
            report.print_conflicts(policy, results, conflicts, _console(out))
    for r in results:
        if r.error:
            click.echo(f"could not read {r.path}: {r.error}", err=True)
        elif r.kind != "contract":
            click.echo(f"note: {r.path} reads as '{r.kind}', not a contract; compared anyway", err=True)
    _exit_on(fail_on, (c.severity for c in conflicts))


@main.command("eval-values")
@click.option("--docs", "docs_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False), help="values.jsonl")
@PATTERNS
def eval_values(docs_dir, labels, patterns) -> None:
    """Measure extracted figures against labelled ones (share found with the right normalised value)."""
    from .evaluate import evaluate_values
    from .scanner import get_engine
    from .scanner import scan as scan_one

    try:
        get_engine(patterns)
    except RuleError as exc:
        _fail(exc)
    result = evaluate_values(docs_dir, labels, lambda p: scan_one(p, patterns=patterns))
    for g in result["misses"]:
        click.echo(f"MISS {g['file']} {g['type']} {g['text']!r}")
    click.echo(
        f"{result['found']} of {result['labels']} labelled figures extracted with the right value "
        f"({result['recall']:.3f}); {result['extracted']} values extracted in all"
    )


def _write(output, fmt: str, model, writers: dict, printer) -> None:
    """``model`` as JSON, as the text of ``writers[fmt]``, or as a terminal table by ``printer``."""
    with _output(output) as out:
        if fmt == "json":
            out.write(model.model_dump_json(indent=2) + "\n")
        elif fmt in writers:
            out.write(writers[fmt](model))
        else:
            printer(model, _console(out))


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "markdown", "json"]), default="table", show_default=True
)
@OUTPUT
@click.option(
    "--owner",
    "owners",
    multiple=True,
    type=click.Choice(["msp", "customer", "unclear"]),
    help="Only these owners (repeatable).",
)
@ENGINE
@KIND
@PATTERNS
def register(paths, fmt, output, owners, engine, kind, patterns) -> None:
    """Obligations register of a policy and contracts: owner, timing, evidence to keep."""
    from . import exports
    from .diff import read_version
    from .register import build_register, get_obligations
    from .scanner import get_engine

    try:
        get_engine(patterns)
        config = get_obligations(patterns)
    except RuleError as exc:
        _fail(exc)
    files, results = collect(paths)
    texts = {}
    for f in files:
        doc, result = read_version(f, engine=engine, kind=kind, patterns=patterns)
        results.append(result)
        if doc is not None:
            texts[result.path] = doc.text
    reg = build_register(results, config, texts)
    if owners:
        reg = reg.model_copy(update={"obligations": [o for o in reg.obligations if o.owner in owners]})
    writers = {"csv": exports.register_csv, "markdown": exports.register_markdown}
    _write(output, fmt, reg, writers, exports.print_register)
    for r in results:
        if r.error:
            click.echo(f"could not read {r.path}: {r.error}", err=True)


@main.command()
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@OUTPUT
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    default=60.0,
    show_default=True,
    help="Least similarity (rapidfuzz ratio, 0-100) for two clauses to be versions of one clause.",
)
@ENGINE
@KIND
@PATTERNS
def diff(old, new, fmt, output, threshold, engine, kind, patterns) -> None:
    """Compare two versions of a document: clauses added, removed, changed; findings that changed."""
    from . import exports
    from .diff import diff_files
    from .scanner import get_engine

    try:
        get_engine(patterns)
    except RuleError as exc:
        _fail(exc)
    try:
        result = diff_files(old, new, threshold=threshold, engine=engine, kind=kind, patterns=patterns)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    _write(output, fmt, result, {"markdown": exports.diff_markdown}, exports.print_diff)


STORE = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    help="The review store (default: $CLAUSECHECK_STORE, else clausecheck-review.db in this folder).",
)


def _open_store(path: str | None):
    from .errors import StoreError
    from .store import ReviewStore

    try:
        return ReviewStore.existing(path)
    except StoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@main.group()
def store() -> None:
    """Back up and export the review app's decisions and audit trail."""


@store.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False))
@STORE
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
def store_backup(dest, store_path, force) -> None:
    """Copy the review store to DEST, safely while the app is writing to it."""
    from .errors import StoreError

    review = _open_store(store_path)
    if Path(dest).exists() and not force:
        click.echo(f"{dest} already exists; pass --force to overwrite it", err=True)
        sys.exit(2)
    try:
        copied = review.backup(dest, overwrite=force)
    except StoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(f"backed up {copied} decision(s) and the audit trail from {review.path} to {dest}", err=True)


@store.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--table",
    type=click.Choice(["decisions", "audit"]),
    help="Only this table (CSV holds one table: decisions unless this says audit; JSON holds both).",
)
@OUTPUT
@STORE
def store_export(fmt, table, output, store_path) -> None:
    """Export the decisions and the audit trail of the review store."""
    from . import review_export

    review = _open_store(store_path)
    with _output(output) as out:
        if fmt == "csv":
            out.write(review_export.store_csv(review, table or "decisions"))
        else:
            out.write(review_export.store_json(review, [table] if table else review_export.STORE_TABLES))
