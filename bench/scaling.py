"""How the engine's time grows with the code: generated hostile shapes and real files.

    python bench/scaling.py shapes [--max-lines 3000] [--rules all|default]
    python bench/scaling.py real ROOT [ROOT...] [--top 10]

``shapes``: each shape of ``tests/hostile.py`` at doubling sizes up to ``--max-lines``
lines; per size the module's lines, the engine's time (best of 3), the time per thousand
lines, the work per node (binding look-ups plus analysis visits, what the complexity
guard of the test suite counts) and whether a unit was given up at its work budget. A
linear analysis keeps the time per line and the work per node flat.

``real``: the engine over every ``.py`` file of each ROOT (default options with test
modules checked, so the largest files are read too); the worst files by engine time,
the number of units given up, and the work per line of the most expensive units (what
the budget of ``flake8_backend_rules/budget.py`` is calibrated on).

Never run by the test suite: no timing is asserted anywhere.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
import time
from pathlib import Path
from typing import List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flake8_backend_rules import budget  # noqa: E402
from flake8_backend_rules.budget import WORK  # noqa: E402
from flake8_backend_rules.engine import Engine  # noqa: E402
from flake8_backend_rules.options import build_options  # noqa: E402
from flake8_backend_rules.registry import DEFAULT_OFF, RULES  # noqa: E402
from tests.hostile import SHAPES  # noqa: E402


def _engine(rules: str, check_tests: bool = False) -> Engine:
    codes = None if rules == "all" else [code for code in RULES if code not in DEFAULT_OFF]
    return Engine(codes, build_options({"backend_check_tests": check_tests}))


def shapes(max_lines: int, rules: str) -> None:
    engine = _engine(rules)
    print(f"rules: {rules}; best of 3 runs per size\n")
    print("| shape | lines | engine | ms per 1,000 lines | work per node | gave up |")
    print("|---|---:|---:|---:|---:|---|")
    for name, shape in SHAPES.items():
        size = 8
        while True:
            source = shape(size)
            lines = len(source.splitlines())
            if lines > max_lines:
                break
            try:
                tree = ast.parse(source)
            except (SyntaxError, RecursionError, MemoryError):
                break  # Python refuses it (100 levels of indentation)
            nodes = sum(1 for _ in ast.walk(tree))
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                engine.run(tree, "shop/views.py")
                best = min(best, time.perf_counter() - start)
            per_node = WORK.total / nodes
            gave_up = "yes" if WORK.abandoned else ""
            print(f"| {name} | {lines:,} | {best * 1000:.0f} ms | {best * 1e6 / lines:.0f} | {per_node:.1f} | {gave_up} |")
            size *= 2


def real(roots: List[str], top: int) -> None:
    engine = _engine("all", check_tests=True)
    times: List[Tuple[float, str]] = []
    units: List[Tuple[float, int, int, str]] = []
    abandoned = 0
    files = 0
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
            for name in sorted(names):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(folder, name)
                try:
                    with open(path, "rb") as handle:
                        tree = ast.parse(handle.read())
                except (SyntaxError, ValueError, RecursionError, MemoryError, OSError):
                    continue
                files += 1
                relative = os.path.relpath(path, root).replace(os.sep, "/")
                start = time.perf_counter()
                engine.run(tree, relative)
                times.append((time.perf_counter() - start, path))
                abandoned += len(WORK.abandoned)
                WORK.leave_unit(None)  # store the last unit's count
                for _, (spent, limit) in WORK._units.items():
                    lines = max(1, (limit - budget.BASE) // budget.PER_LINE)
                    units.append((spent / lines, spent, lines, path))
    times.sort(reverse=True)
    print(f"{files:,} files; units given up at their budget: {abandoned}\n")
    print("| worst files | engine |\n|---|---:|")
    for seconds, path in times[:top]:
        print(f"| {path} | {seconds * 1000:.0f} ms |")
    print(f"\nmedian file: {times[len(times) // 2][0] * 1000:.2f} ms")
    most = max(units, key=lambda unit: unit[1])
    large = [unit for unit in units if unit[2] > 200]
    print(f"most work in one unit: {most[1]:,} ({most[2]} lines, {most[3]})")
    if large:
        densest = max(large)
        print(f"most work per line, units over 200 lines: {densest[0]:.1f} ({densest[2]} lines, {densest[3]})")
    print(f"budget: {budget.BASE:,} + {budget.PER_LINE} per line (or {budget.PER_NODE} per node)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    shape_parser = sub.add_parser("shapes")
    shape_parser.add_argument("--max-lines", type=int, default=3000)
    shape_parser.add_argument("--rules", choices=("all", "default"), default="all")
    real_parser = sub.add_parser("real")
    real_parser.add_argument("roots", nargs="+")
    real_parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    if args.command == "shapes":
        shapes(args.max_lines, args.rules)
    else:
        real(args.roots, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
