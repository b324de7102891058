"""What the project model costs a user: whole flake8 runs, with and without the plugin.

    python bench/project_model.py ROOT [ROOT...] [--jobs 2] [--repeat 3]

For each ROOT (a project checkout), from inside it:

* ``flake8 -j N`` without this plugin (the same flake8, with the plugin left out of its
  plugin list in-process), selecting flake8's default checks;
* the same run with the plugin (BR rules added), with a **cold** cache (a new, empty
  ``backend-cache-dir`` each time) and a **warm** one (the cache the cold run left);
* the project model alone, in this process: built with an empty cache, then again
  from the warm cache, with tracemalloc's peak for the cold build;
* the call graph alone (issue 15): every module summarised, then every function's
  entry-point kind and its effects composed through its calls (every effect kind, to
  the bound), timed and counted (calls examined), from the warm cache.

Times are the best of ``--repeat`` runs, wall clock and CPU (user + system of every
process of the run: steadier than the wall clock on a shared machine); memory is the
largest resident set of any flake8 process of the run (``getrusage(RUSAGE_CHILDREN)`` of
a fresh child each time). Targets (issue 14): warm <= 1.10x flake8 without the plugin, cold <= 1.30x, peak
memory within +25%. Never run by the test suite.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# flake8 run in-process without this plugin: its plugin discovery is filtered, nothing else
_WITHOUT_PLUGIN = (
    "import sys\n"
    "import flake8.plugins.finder as finder\n"
    "original = finder.find_plugins\n"
    "finder.find_plugins = lambda *a, **k: [p for p in original(*a, **k) if p.package != 'flake8-backend-rules']\n"
    "from flake8.main.cli import main\n"
    "sys.exit(main())\n"
)
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(time.perf_counter() - start, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, done.returncode)\n"
)


def _measure(root: Path, command: List[str]) -> Tuple[float, int, float]:
    """(wall seconds, peak resident KiB of any process of the run, CPU seconds of all its
    processes), from a fresh child. On a loaded machine the CPU time is the steadier."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(root), *command], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), int(out[1]), float(out[2])


def _best(runs: List[Tuple[float, int, float]]) -> Tuple[float, int, float]:
    """The best wall time (with that run's memory) and, apart, the best CPU time."""
    fastest = min(runs, key=lambda r: r[0])
    return fastest[0], fastest[1], min(r[2] for r in runs)


def flake8_runs(root: Path, jobs: int, repeat: int) -> Dict[str, Tuple[float, int, float]]:
    base = ["-j", str(jobs), "--select=E,F,W,C90", "."]
    results: Dict[str, Tuple[float, int, float]] = {}
    results["without plugin"] = _best([_measure(root, [sys.executable, "-c", _WITHOUT_PLUGIN, *base])
                                       for _ in range(repeat)])
    colds: List[Tuple[float, int, float]] = []
    warms: List[Tuple[float, int, float]] = []
    for _ in range(repeat):
        cache = Path(tempfile.mkdtemp(prefix="backend-rules-bench-"))
        try:
            with_plugin = [sys.executable, "-m", "flake8", *base[:-1], "--extend-select=BR",
                           f"--backend-cache-dir={cache}", "."]
            colds.append(_measure(root, with_plugin))
            warms.append(_measure(root, with_plugin))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    results["with plugin, cold cache"] = _best(colds)
    results["with plugin, warm cache"] = _best(warms)
    return results


def model_alone(root: Path) -> Dict[str, float]:
    from flake8_backend_rules.project import ProjectModels

    probe = next(root.rglob("*.py"))
    cache = tempfile.mkdtemp(prefix="backend-rules-bench-")
    try:
        tracemalloc.start()
        start = time.perf_counter()
        models = ProjectModels(cache)
        model = models.for_file(str(probe))
        cold = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        start = time.perf_counter()
        ProjectModels(cache).for_file(str(probe))
        warm = time.perf_counter() - start
        modules = len(model.modules) if model is not None else 0
        calls = call_graph_alone(cache, probe)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return {"modules": modules, "cold": cold, "warm": warm, "peak_mib": peak / 2**20, "summarised": models.builds,
            **calls}


def call_graph_alone(cache: str, probe: Path) -> Dict[str, float]:
    """Every function's entry point and composed effects, from the warm cache."""
    from flake8_backend_rules.options import build_options
    from flake8_backend_rules.project import ProjectModels
    from flake8_backend_rules.project.summary import EFFECTS

    model = ProjectModels(cache).for_file(str(probe))
    if model is None:
        return {}
    start = time.perf_counter()
    summaries = list(model.modules.all())
    loaded = time.perf_counter() - start
    graph = model.calls(build_options({}))
    functions = entries = chains = 0
    start = time.perf_counter()
    for module in summaries:
        for function in module.functions:
            functions += 1
            if graph.entry_kind(module.module, function.name):
                entries += 1
            for kind in EFFECTS:
                if graph.effects_through(module.module, function.name, kind) is not None:
                    chains += 1
    composed = time.perf_counter() - start
    return {"functions": functions, "entries": entries, "chains": chains, "loaded": loaded, "composed": composed,
            "work": graph.work}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs-only", action="store_true",
                        help="only the flake8 runs (e.g. to compare another checkout put first on PYTHONPATH)")
    args = parser.parse_args()
    report = {}
    for root_text in args.roots:
        root = Path(root_text).resolve()
        runs = flake8_runs(root, args.jobs, args.repeat)
        alone = model_alone(root) if not args.runs_only else {}
        report[root.name] = {"runs": runs, "model": alone}
        if args.json:
            continue
        base_time, base_mem, base_cpu = runs["without plugin"]
        files = sum(1 for _ in root.rglob("*.py"))
        print(f"\n### {root.name} ({files:,} .py files), flake8 -j {args.jobs}, best of {args.repeat}\n")
        print("| run | time | vs without | CPU | vs without | peak RSS | vs without |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, (seconds, kib, cpu) in runs.items():
            print(f"| {name} | {seconds:.2f} s | {seconds / base_time:.2f}x | {cpu:.2f} s | {cpu / base_cpu:.2f}x | "
                  f"{kib / 1024:.0f} MiB | {kib / base_mem:.2f}x |")
        if "modules" not in alone:
            continue
        print(f"\nproject model alone: {alone['modules']:,} modules, {alone['summarised']:,} summarised; "
              f"cold {alone['cold']:.2f} s, warm {alone['warm']:.2f} s; peak {alone['peak_mib']:.1f} MiB (cold build)")
        if "functions" in alone:
            print(f"call graph alone: {alone['functions']:,} functions ({alone['entries']:,} entry points), "
                  f"every summary loaded in {alone['loaded']:.2f} s, every function's effects composed "
                  f"({alone['chains']:,} chains) in {alone['composed']:.2f} s, {alone['work']:,} calls examined")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
