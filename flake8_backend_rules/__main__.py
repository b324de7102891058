"""``python -m flake8_backend_rules``: list the rules, show one rule's page, or check files.

    python -m flake8_backend_rules list [--format table|json]
    python -m flake8_backend_rules rule BR001          # or the symbol: query-in-property
    python -m flake8_backend_rules check PATH...       # the engine alone, no flake8
    python -m flake8_backend_rules baseline --output FILE PATH... [--prune]
    python -m flake8_backend_rules explain-model PATH::Name   # what the project model knows
    python -m flake8_backend_rules explain-model PATH::func   # a function: entry point, calls, effects
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from typing import Iterator, List, Optional, Tuple

from . import __version__, baseline
from .docs import render_rule_page
from .engine import Engine
from .options import ConfigurationError, build_options
from .project import ProjectModels
from .registry import RULES, RULES_BY_SYMBOL


def _list(fmt: str) -> int:
    if fmt == "json":
        payload = [
            {
                "code": r.code,
                "symbol": r.symbol,
                "default": "on" if r.default_on else "off",
                "family": r.family,
                "pylint_id": r.pylint_id,
                "summary": r.summary,
            }
            for r in RULES.values()
        ]
        print(json.dumps(payload, indent=2))
        return 0
    width = max(len(r.symbol) for r in RULES.values())
    print(f"{'code':<6} {'symbol':<{width}} {'default':<7} summary")
    for r in RULES.values():
        print(f"{r.code:<6} {r.symbol:<{width}} {'on' if r.default_on else 'off':<7} {r.summary}")
    print(f"\n{len(RULES)} rules. `python -m flake8_backend_rules rule BR001` explains one.")
    return 0


def _rule(name: str) -> int:
    rule = RULES.get(name.upper()) or RULES_BY_SYMBOL.get(name)
    if rule is None:
        print(f"unknown rule {name!r}; see `python -m flake8_backend_rules list`", file=sys.stderr)
        return 2
    print(render_rule_page(rule))
    return 0


def _python_files(paths: List[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isdir(path):
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.endswith(".py"):
                        yield os.path.join(folder, name)
        else:
            yield path


def parse_file(path: str) -> Tuple[Optional[ast.AST], Optional[str]]:
    """(tree, None), or (None, "LINE: cannot parse: why") for a file Python itself cannot
    read or parse: a syntax error, an unknown or wrong encoding, NUL bytes, nesting
    deeper than the parser allows, an unreadable path."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as error:
        return None, f"1: cannot read: {error.strerror or error}"
    try:
        return ast.parse(source, filename=path), None
    except SyntaxError as error:
        return None, f"{error.lineno or 1}: cannot parse: {error.msg}"
    except ValueError as error:  # NUL bytes (3.11), a bad encoding (UnicodeDecodeError)
        return None, f"1: cannot parse: {error}"
    except (RecursionError, MemoryError):
        return None, "1: cannot parse: nested too deeply for Python's parser"


def _check(paths: List[str], select: Optional[str], check_tests: bool) -> int:
    codes = None
    if select:
        prefixes = tuple(part.strip().upper() for part in select.split(",") if part.strip())
        codes = [code for code in RULES if code.startswith(prefixes)]
    try:
        options = build_options({"backend_check_tests": check_tests})
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    engine = Engine(codes, options, project=ProjectModels(options.cache_dir or None, use_cache=not options.no_cache))
    found = failed = 0
    for path in _python_files(paths):
        tree, problem = parse_file(path)
        if tree is None:
            failed += 1
            print(f"{path}:{problem}")
            continue
        for finding in engine.run(tree, path):
            found += 1
            print(f"{path}:{finding.line}:{finding.col + 1}: {finding.message}")
    return 1 if found or failed else 0


def _explain_model(target: str, cache_dir: Optional[str], no_cache: bool) -> int:
    from .project import ProjectModels
    from .project.explain import explain

    try:
        lines = explain(target, ProjectModels(cache_dir, use_cache=not no_cache))
    except ValueError as error:
        print(f"explain-model: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flake8_backend_rules",
        description="Backend code-review rules for flake8 and pylint.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command")
    listing = sub.add_parser("list", help="a table of every rule")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    explain = sub.add_parser("rule", help="one rule's page (code or symbol)")
    explain.add_argument("name")
    checker = sub.add_parser("check", help="run the rules over files or folders (no flake8)")
    checker.add_argument("paths", nargs="+")
    checker.add_argument("--select", help="comma-separated code prefixes, e.g. BR00,BR010")
    checker.add_argument("--check-tests", action="store_true")
    baseline.add_subcommand(sub)  # issue 17
    explainer = sub.add_parser(
        "explain-model", help="what the project model believes about a class or a function",
        description="Print what the project model believes about a class (a Django model, a view, a "
        "serializer: PATH::Name) or a function (PATH::func or PATH::Class.method: how the project "
        "starts it (entry-point kind: request, task, command, startup, registered or by name), its "
        "callers, the project functions it calls, and its effects: queries, writes, mail, blocking "
        "I/O, HTTP calls, transactions, row locks, its own and those reached through its calls).")
    explainer.add_argument("target", help="PATH::Name, PATH::func or PATH::Class.method, e.g. "
                           "shop/models.py::Order, shop/views.py::register, shop/views.py::OrderView.post")
    explainer.add_argument("--backend-cache-dir", dest="cache_dir", default=None)
    explainer.add_argument("--backend-no-cache", dest="no_cache", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "baseline":
            return baseline.main(args)
        if args.command == "explain-model":
            return _explain_model(args.target, args.cache_dir, args.no_cache)
        if args.command == "rule":
            return _rule(args.name)
        if args.command == "check":
            return _check(args.paths, args.select, args.check_tests)
        return _list(getattr(args, "format", "table"))
    except BrokenPipeError:
        # the reader went away (`... | head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
