"""Benchmark: our engine against a bare AST walk and flake8-bugbear on real code.

    python bench/bench.py [--package django] [--repeat 5] [--json] [--profile]

The package's sdist is fetched from PyPI once into ``.cache/realcode/`` (see
``tests/realcode.py``) and every ``.py`` file is parsed once with ``ast.parse``. In one
process, over the same pre-parsed trees, it then times:

* a bare recursive walk (``ast.iter_child_nodes``): the floor for any AST plugin;
* our engine with every rule enabled, test modules checked (``backend-check-tests``);
* our engine with every rule enabled and default options (test modules skipped, as a
  user's run would);
* flake8-bugbear's ``BugBearChecker(...).run()``.

Each pass is repeated ``--repeat`` times, in a rotating order, and the median is
reported. Peak memory of the engine pass is measured in a separate, untimed pass under
``tracemalloc``. ``--profile`` adds a cProfile of the engine pass and the time spent in
each dispatched hook, per (node type, hook) and per rule.

Parsing is not timed: flake8 parses each file once and hands every plugin the same tree.
"""
from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # `python bench/bench.py` puts bench/ first, not the root
    sys.path.insert(0, str(PROJECT_ROOT))

import bugbear  # noqa: E402

from flake8_backend_rules import __version__  # noqa: E402
from flake8_backend_rules.engine import Engine  # noqa: E402
from flake8_backend_rules.options import DEFAULT_OPTIONS, Options, build_options  # noqa: E402
from flake8_backend_rules.rules import all_checks  # noqa: E402
from tests.realcode import ParsedModule, RealCodeUnavailable, fetch_source, parse_all  # noqa: E402

TARGET_VS_BARE = 2.0  # engine <= 2x a bare walk
TARGET_VS_BUGBEAR = 1.0  # and below bugbear

CHECK_TESTS = build_options({"backend_check_tests": True})
STRUCTURAL = "(engine: frames, imports, assignments)"


# -- the passes --------------------------------------------------------------------
def walk(node: ast.AST) -> None:
    for child in ast.iter_child_nodes(node):
        walk(child)


def bare_pass(modules: Sequence[ParsedModule]) -> int:
    for module in modules:
        walk(module.tree)
    return 0


def engine_pass(engine: Engine, modules: Sequence[ParsedModule]) -> int:
    run = engine.run
    return sum(len(run(module.tree, module.path)) for module in modules)


def bugbear_pass(modules: Sequence[ParsedModule], root: Path) -> int:
    # bugbear re-reads the file when ``lines`` is empty (an empty ``__init__.py``), so it
    # gets the real path, as flake8 would give it. options=None: no flake8 namespace, so
    # its B9 opinionated checks are emitted too (flake8 would filter them afterwards).
    checker = bugbear.BugBearChecker
    count = 0
    for module in modules:
        count += len(list(checker(tree=module.tree, filename=str(root / module.path), lines=module.lines).run()))
    return count


@dataclass
class Measure:
    name: str
    label: str
    times: List[float] = field(default_factory=list)
    findings: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        return min(self.times)


def timed(fn: Callable[[], int]) -> Tuple[float, int]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def tree_depth(tree: ast.AST) -> int:
    deepest = 0
    stack: List[Tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


# -- memory ------------------------------------------------------------------------
@dataclass
class MemoryFigures:
    pass_peak_bytes: int  # traced peak over the whole pass (findings of all files kept)
    file_peak_bytes: int  # largest peak of a single file's run
    file_peak_path: str


def engine_memory(options: Options, modules: Sequence[ParsedModule]) -> MemoryFigures:
    """Untimed: tracemalloc slows allocation several-fold. The engine is built before
    tracing starts; trees are parsed before too, so only the run's own allocations count."""
    engine = Engine(None, options)
    kept: List[object] = []
    file_peak, file_peak_path = 0, ""
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        pass_peak = 0
        for module in modules:
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            kept.append(engine.run(module.tree, module.path))
            _, peak = tracemalloc.get_traced_memory()
            if peak - before > file_peak:
                file_peak, file_peak_path = peak - before, module.path
            pass_peak = max(pass_peak, peak - base)
    finally:
        tracemalloc.stop()
    return MemoryFigures(pass_peak, file_peak, file_peak_path)


# -- profiling ---------------------------------------------------------------------
def _timed_hook(hook: Callable[[ast.AST, Any], None], key: Tuple[str, str, str],
                totals: Dict[Tuple[str, str, str], List[float]]) -> Callable[[ast.AST, Any], None]:
    clock = time.perf_counter
    cell = totals.setdefault(key, [0.0, 0])

    def wrapper(node: ast.AST, ctx: Any) -> None:
        start = clock()
        try:
            hook(node, ctx)
        finally:
            cell[0] += clock() - start
            cell[1] += 1

    return wrapper


def hook_times(options: Options, modules: Sequence[ParsedModule]) -> List[Tuple[str, str, str, float, int]]:
    """Time spent in each (node type, phase, hook), by wrapping the dispatch table of a
    private engine (the engine's own code is untouched). Loop markers and the walk
    itself are not hooks and are not counted here."""
    engine = Engine(None, options)
    totals: Dict[Tuple[str, str, str], List[float]] = {}
    wrapped: Dict[Tuple[str, str, int], Any] = {}

    def timed(hook: Any, node_type: str, phase: str) -> Any:
        key = (node_type, phase, id(hook))
        if key not in wrapped:
            wrapped[key] = _timed_hook(hook, (node_type, phase, getattr(hook, "__name__", "?")), totals)
        return wrapped[key]

    for phase, table in (("enter", engine._enter), ("leave", engine._leave)):
        for node_type, hooks in list(table.items()):
            table[node_type] = tuple(timed(h, node_type.__name__, phase) for h in hooks)
    # Call checks dispatched by callee name: the same hooks, timed under "Call".
    for name, hooks in list(engine._call_enter.items()):
        engine._call_enter[name] = tuple(timed(h, "Call", "enter") for h in hooks)
    engine_pass(engine, modules)
    rows = [(k[0], k[1], k[2], v[0], int(v[1])) for k, v in totals.items()]
    rows.sort(key=lambda row: row[3], reverse=True)
    return rows


def cprofile_engine(options: Options, modules: Sequence[ParsedModule], limit: int) -> str:
    engine = Engine(None, options)
    profiler = cProfile.Profile()
    profiler.enable()
    engine_pass(engine, modules)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


# -- report ------------------------------------------------------------------------
def git_revision() -> str:
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def mib(value: int) -> str:
    if value < 1024 * 1024:
        return f"{value / 1024:.0f} KiB"
    return f"{value / (1024 * 1024):.1f} MiB"


def markdown(result: Dict[str, Any]) -> str:
    bare = result["measures"]["bare"]["median_s"]
    lines_k = result["lines"] / 1000
    out = [
        f"{result['package']} ({result['files']} files, {result['lines']:,} lines; "
        f"{result['failed_files']} file(s) that do not parse skipped), "
        f"median of {result['repeat']} runs, Python {result['python']}, "
        f"{result['cpus']} CPU(s), flake8-backend-rules {result['version']} ({result['git']}), "
        f"flake8-bugbear {result['bugbear_version']}",
        "",
        "| Pass over the pre-parsed trees | Median | Best | Per 1k lines | vs bare walk | Findings |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for measure in result["measures"].values():
        median = measure["median_s"]
        out.append(
            f"| {measure['label']} | {median:.2f} s | {measure['best_s']:.2f} s | "
            f"{1000 * median / lines_k:.2f} ms | {median / bare:.2f}x | "
            f"{measure['findings'] if measure['name'] != 'bare' else '-'} |"
        )
    ratios = result["ratios"]
    memory = result["memory"]
    out += [
        "",
        f"- engine / bare walk: **{ratios['engine_vs_bare']:.2f}x** "
        f"(target <= {TARGET_VS_BARE:g}x: {'met' if ratios['engine_vs_bare'] <= TARGET_VS_BARE else 'MISSED'})",
        f"- engine / flake8-bugbear: **{ratios['engine_vs_bugbear']:.2f}x** "
        f"(target < {TARGET_VS_BUGBEAR:g}x: {'met' if ratios['engine_vs_bugbear'] < TARGET_VS_BUGBEAR else 'MISSED'})",
        f"- engine peak memory (tracemalloc, untimed pass, tests checked): whole pass "
        f"{mib(memory['pass_peak_bytes'])}, largest single file {mib(memory['file_peak_bytes'])} "
        f"(`{memory['file_peak_path']}`)",
        f"- deepest tree: {result['max_depth']} levels; parsing (not timed above) took "
        f"{result['parse_s']:.1f} s",
    ]
    return "\n".join(out)


def run(args: argparse.Namespace) -> Dict[str, Any]:
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    log(f"fetching {args.package} ...")
    root = fetch_source(args.package)
    log(f"parsing {root} ...")
    start = time.perf_counter()
    modules, failed = parse_all(root)
    parse_s = time.perf_counter() - start
    if args.limit:
        modules = modules[: args.limit]
    line_count = sum(len(m.lines) for m in modules)
    max_depth = max((tree_depth(m.tree) for m in modules), default=0)
    # The bare walk and bugbear's NodeVisitor recurse once per level.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * max_depth + 1000))
    # Every tree stays alive for the whole run (millions of objects), which flake8 never
    # does; freezing them keeps the cyclic GC from rescanning them on every collection,
    # which would penalise whichever pass allocates most.
    gc.collect()
    if not args.no_gc_freeze:
        gc.freeze()

    engine_tests = Engine(None, CHECK_TESTS)
    engine_default = Engine(None, DEFAULT_OPTIONS)
    engine_empty = Engine((), CHECK_TESTS)
    passes: List[Tuple[Measure, Callable[[], int]]] = [
        (Measure("bare", "bare recursive walk (`ast.iter_child_nodes`)"), lambda: bare_pass(modules)),
        (Measure("engine", "engine, all rules, test modules checked"), lambda: engine_pass(engine_tests, modules)),
        (Measure("engine_default", "engine, all rules, default options (tests skipped)"),
         lambda: engine_pass(engine_default, modules)),
        (Measure("engine_empty", "engine, no rule selected (walk + context + frames), tests checked"),
         lambda: engine_pass(engine_empty, modules)),
        (Measure("bugbear", "flake8-bugbear `BugBearChecker.run()`"), lambda: bugbear_pass(modules, root)),
    ]
    for rep in range(args.repeat):
        # Rotate the order so no pass always runs first (cold caches) or last.
        shift = rep % len(passes)
        for measure, fn in passes[shift:] + passes[:shift]:
            elapsed, findings = timed(fn)
            measure.times.append(elapsed)
            measure.findings = findings
            log(f"  run {rep + 1}/{args.repeat}: {measure.name:15s} {elapsed:7.3f} s")

    log("measuring engine memory (untimed) ...")
    memory = engine_memory(CHECK_TESTS, modules)
    measures = {m.name: m for m, _ in passes}
    result: Dict[str, Any] = {
        "package": root.name,
        "files": len(modules),
        "failed_files": len(failed),
        "failed_paths": failed,
        "lines": line_count,
        "max_depth": max_depth,
        "parse_s": parse_s,
        "repeat": args.repeat,
        "gc_freeze": not args.no_gc_freeze,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "version": __version__,
        "git": git_revision(),
        "bugbear_version": bugbear.__version__,
        "measures": {
            name: {"name": name, "label": m.label, "median_s": m.median, "best_s": m.best,
                   "times_s": m.times, "findings": m.findings}
            for name, m in measures.items()
        },
        "ratios": {
            "engine_vs_bare": measures["engine"].median / measures["bare"].median,
            "engine_vs_bugbear": measures["engine"].median / measures["bugbear"].median,
            "engine_default_vs_bare": measures["engine_default"].median / measures["bare"].median,
        },
        "memory": asdict(memory),
    }
    if args.profile:
        log("profiling ...")
        rule_of = {check.fn.__name__: check.code for check in all_checks()}
        result["hook_times"] = [
            {"node_type": t, "phase": p, "hook": h, "rule": rule_of.get(h, STRUCTURAL), "seconds": s, "calls": c}
            for t, p, h, s, c in hook_times(CHECK_TESTS, modules)
        ]
        result["cprofile"] = cprofile_engine(CHECK_TESTS, modules, args.profile_limit)
    gc.unfreeze()
    return result


def profile_report(result: Dict[str, Any]) -> str:
    per_rule: Dict[str, List[float]] = {}
    for row in result["hook_times"]:
        cell = per_rule.setdefault(row["rule"], [0.0, 0])
        cell[0] += row["seconds"]
        cell[1] += row["calls"]
    out = ["", "### Where the engine's time goes", "",
           "Time inside the dispatched hooks, measured in one pass by wrapping each hook with a "
           "timer (the overhead of the timer is included, so read the shares, not the totals). "
           "The walk itself is the rest; see the no-rule row above for its cost.", "",
           "| Rule | Time in its checks | Calls |", "|---|---:|---:|"]
    for rule, (seconds, calls) in sorted(per_rule.items(), key=lambda item: -item[1][0]):
        out.append(f"| {rule} | {seconds:.3f} s | {int(calls):,} |")
    out += ["", "| Node type | Phase | Hook | Rule | Time | Calls |", "|---|---|---|---|---:|---:|"]
    for row in result["hook_times"][:25]:
        out.append(f"| {row['node_type']} | {row['phase']} | {row['hook']} | {row['rule']} | "
                   f"{row['seconds']:.3f} s | {row['calls']:,} |")
    out += ["", "cProfile of one engine pass:", "", "```", result["cprofile"].rstrip(), "```"]
    return "\n".join(out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", default="django",
                        help="PyPI package (or name==version) whose sdist is linted (default: django, pinned)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each pass; the median is reported")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of markdown")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the engine: per rule, per node type and hook, cProfile")
    parser.add_argument("--profile-limit", type=int, default=30, help="cProfile rows to print")
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (a quick try)")
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="leave the parsed trees to the cyclic GC (slows the passes that allocate)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        result = run(args)
    except RealCodeUnavailable as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(markdown(result))
        if args.profile:
            print(profile_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
