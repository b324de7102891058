"""Per-rule findings on real code bases, for the precision reading of each family.

    python bench/findings.py ROOT [ROOT...] [--select BR00] [--show BR003] [--sample 20]

Each ROOT is a source tree (an extracted sdist, a fetched repository). The engine runs
with default options (test modules skipped) over every ``.py`` file that parses; paths
are given to the rules relative to the ROOT, as flake8 run from that folder names them.

* Without ``--show``: a markdown table, one row per ROOT, one column per selected rule
  (opt-in rules count too once selected), the figures the README's "Findings on real
  code" tables record.
* With ``--show CODE``: every finding of that rule (or ``--sample N`` of them, a
  deterministic sample), each with its source line and two lines of context, so a
  reviewer can judge it true or false.

Nothing here is timed; ``bench/bench.py`` measures speed.
"""
from __future__ import annotations

import argparse
import ast
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flake8_backend_rules.engine import Engine  # noqa: E402
from flake8_backend_rules.options import build_options  # noqa: E402
from flake8_backend_rules.registry import RULES  # noqa: E402
from tests.realcode import read_source  # noqa: E402

Row = Tuple[str, str, int, int, str, str]  # (root label, path, line, col, code, message)


def _codes(select: Optional[str]) -> List[str]:
    if not select:
        return list(RULES)
    prefixes = tuple(part.strip().upper() for part in select.split(",") if part.strip())
    return [code for code in RULES if code.startswith(prefixes)]


def collect(root: Path, engine: Engine) -> Tuple[List[Row], Dict[str, List[str]], int]:
    """(findings, source lines by path, number of files that parsed)."""
    rows: List[Row] = []
    sources: Dict[str, List[str]] = {}
    parsed = 0
    for path in sorted(p for p in root.rglob("*.py") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        try:
            source = read_source(path)
            tree = ast.parse(source, filename=str(path))
        except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
            continue
        parsed += 1
        findings = engine.run(tree, relative)
        if findings:
            sources[relative] = source.splitlines()
        for f in findings:
            rows.append((root.name, relative, f.line, f.col + 1, f.code, f.message))
    return rows, sources, parsed


def _show(rows: List[Row], sources: Dict[Tuple[str, str], List[str]], code: str, sample: int) -> None:
    chosen = [row for row in rows if row[4] == code]
    if sample and len(chosen) > sample:
        chosen = sorted(random.Random(0).sample(chosen, sample))
    for label, path, line, col, _, message in chosen:
        lines = sources[(label, path)]
        print(f"== {label}/{path}:{line}:{col}: {message}")
        for number in range(max(1, line - 2), min(len(lines), line + 2) + 1):
            mark = ">" if number == line else " "
            print(f"  {mark}{number:5d} {lines[number - 1]}")
    print(f"\n{len(chosen)} shown of {sum(1 for row in rows if row[4] == code)} {code} findings")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--select", help="comma-separated code prefixes (default: every rule)")
    parser.add_argument("--show", help="print the findings of this code with their source")
    parser.add_argument("--sample", type=int, default=0, help="with --show: at most N, sampled")
    args = parser.parse_args(argv)

    codes = _codes(args.select)
    engine = Engine(codes, build_options())
    all_rows: List[Row] = []
    sources: Dict[Tuple[str, str], List[str]] = {}
    table: List[Tuple[str, int, Counter]] = []
    for root in args.roots:
        rows, by_path, parsed = collect(root, engine)
        all_rows.extend(rows)
        sources.update({(root.name, path): lines for path, lines in by_path.items()})
        table.append((root.name, parsed, Counter(row[4] for row in rows)))

    if args.show:
        _show(all_rows, sources, args.show.upper(), args.sample)
        return 0
    print("| code base (.py files parsed) | " + " | ".join(codes) + " |")
    print("|---|" + "---:|" * len(codes))
    for label, parsed, counts in table:
        print(f"| {label} ({parsed:,}) | " + " | ".join(str(counts[c]) for c in codes) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
