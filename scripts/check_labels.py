"""Check label files: offsets that give back the label's text, taxonomy categories, no repeats.

    python scripts/check_labels.py [FILE_OR_FOLDER ...]   (default: tests/corpus/real-dev-labels)

Documents are looked up in ../shared/corpus/real-dev/texts and sample_contracts/.
Exit 1 with one line per problem.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [ROOT.parent / "shared" / "corpus" / "real-dev" / "texts", ROOT / "sample_contracts"]
DEFAULT = ROOT / "tests" / "corpus" / "real-dev-labels"


def categories() -> set[str]:
    taxonomy = ROOT.parent / "shared" / "taxonomy.md"
    return set(re.findall(r"^\| `([a-z-]+)` \|", taxonomy.read_text(encoding="utf-8"), re.M))


def check(path: Path, known: set[str]) -> list[str]:
    problems, seen, texts = [], set(), {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            d = json.loads(line)
        except ValueError as exc:
            problems.append(f"{where}: not JSON ({exc})")
            continue
        name = d.get("file", "")
        if name not in texts:
            found = next((t / name for t in TEXTS if (t / name).is_file()), None)
            texts[name] = found.read_text(encoding="utf-8") if found else None
        text = texts[name]
        if text is None:
            problems.append(f"{where}: no document {name!r}")
            continue
        if d.get("category") not in known:
            problems.append(f"{where}: category {d.get('category')!r} is not in taxonomy.md")
        start, end = d.get("start"), d.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(f"{where}: bad offsets {start}..{end}")
        elif text[start:end] != d.get("text"):
            problems.append(f"{where}: text[{start}:{end}] is {text[start:end][:60]!r}, not the label's text")
        if not isinstance(d.get("borderline", False), bool):
            problems.append(f"{where}: borderline must be true or false")
        key = (name, d.get("category"), start, end)
        if key in seen:
            problems.append(f"{where}: repeated label")
        seen.add(key)
    return problems


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or [DEFAULT]
    files = [f for t in targets for f in (sorted(t.glob("*.jsonl")) if t.is_dir() else [t])]
    known = categories()
    problems = [p for f in files for p in check(f, known)]
    print("\n".join(problems) or f"{len(files)} label files ok", file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
