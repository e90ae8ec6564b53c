"""Accuracy on the training sets three ways, for the README and the test floors.

- ``rules``: the rules alone, on every labelled document;
- ``tuned``: the rules and the shipped classifier, on every labelled document (the rules were
  written, and the classifier trained, with these documents in view: these figures overstate);
- ``held-out``: only the documents rule writers did not read (``tests/corpus/rule-dev.yaml``),
  each scanned with the fold model that was trained without it: what a new document gets.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from .evaluate import Evaluation, evaluate, load_label_map
from .training import FoldModels, load_config

MODES = ("rules", "tuned", "held-out")


def rule_dev_filter(path: str | Path, set_name: str) -> Callable[[str], bool]:
    """Is a document of the set one the rule writers read?"""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entry = data.get(set_name)
    if entry == "all":
        return lambda name: True
    if isinstance(entry, list) and len(entry) == 2 and all(str(e).startswith(set_name[:4]) for e in entry):
        lo, hi = entry  # a range of CUAD ids
        return lambda name: lo <= name <= hi
    read = set(entry or [])
    return lambda name: name in read


def measure(
    mode: str,
    rule_dev: str | Path,
    folds: FoldModels | None = None,
    config_path: str | Path | None = None,
    sets: tuple[str, ...] | None = None,
) -> dict[str, Evaluation]:
    from .scanner import scan

    config, base = load_config(config_path)
    out = {}
    for dataset in config.sets:
        if sets and dataset.name not in sets:
            continue
        only = None
        model: bool | str = mode == "tuned"

        def scan_fn(path: Path, model=model) -> object:
            return scan(path, model=model, ocr=False)

        if mode == "held-out":
            if folds is None:
                raise ValueError("held-out figures need the fold models")
            seen = rule_dev_filter(rule_dev, dataset.name)
            if dataset.name != "samples":  # every sample was read: samples are held out of the model only
                only = lambda name, seen=seen: not seen(name)  # noqa: E731
            names: dict[str, str] = {}

            def scan_fn(path: Path, names=names, name_of=dataset.name) -> object:
                return scan(path, model=folds.for_document(name_of, names[str(path)]), ocr=False)

            from .evaluate import load_labels, resolve_documents

            docs = resolve_documents((base / dataset.docs).resolve(), load_labels((base / dataset.labels).resolve()))
            names.update({str(p): n for n, p in docs.items()})
        out[dataset.name] = evaluate(
            (base / dataset.docs).resolve(),
            (base / dataset.labels).resolve(),
            load_label_map(dataset.map),
            scan_fn,
            only=only,
        )
    return out
