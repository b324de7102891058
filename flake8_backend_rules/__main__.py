"""``python -m flake8_backend_rules``: list the rules, show one rule's page, or check files.

    python -m flake8_backend_rules list [--format table|json]
    python -m flake8_backend_rules rule BR001          # or W5901, or the symbol: query-in-property
    python -m flake8_backend_rules check [flake8 options] [PATH...]   # flake8, BR rules only
    python -m flake8_backend_rules baseline --output FILE PATH... [--prune]
    python -m flake8_backend_rules explain-model PATH::Name   # what the project model knows
    python -m flake8_backend_rules explain-model PATH::func   # a function: entry point, calls, effects
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Callable, List, Optional

from . import __version__, baseline
from .docs import render_rule_page
from .registry import RULES, find_rule


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
    rule = find_rule(name)
    if rule is None:
        print(
            f"unknown rule {name!r}: not a BR code, a pylint id or a symbol; "
            "see `python -m flake8_backend_rules list`",
            file=sys.stderr,
        )
        return 2
    print(render_rule_page(rule))
    return 0


CHECK_HELP = """\
usage: python -m flake8_backend_rules check [flake8 options] [PATH ...]

Run flake8 with only the BR rules: flake8's own configuration ([flake8] in setup.cfg,
tox.ini or .flake8), options (--select, --extend-select, --ignore, --per-file-ignores,
--exclude, --backend-*, --backend-baseline...), `# noqa` comments, selection (opt-in rules
only when named), stdin (`-` with --stdin-display-name), --format (default, pylint, sarif,
github, gitlab, or a format string) and --statistics. `flake8 --help` lists every option.

A file Python cannot read or parse is reported as `PATH:LINE: cannot parse: why`, and the
exit status is then 1, as it is when a finding is reported; 2 for a configuration error.
--check-tests is short for --backend-check-tests.
"""


def _check(argv: List[str]) -> int:
    if any(arg in ("-h", "--help") for arg in argv):
        print(CHECK_HELP, end="")
        return 0
    from . import check

    flake8_argv = ["--backend-check-tests" if arg == "--check-tests" else arg for arg in argv]
    return check.run(flake8_argv)


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
    explain = sub.add_parser("rule", help="one rule's page (flake8 code, pylint id or symbol)")
    explain.add_argument("name", help="BR002, W5902 or query-in-loop")
    # `check` hands its arguments to flake8 (main() routes them before this parser)
    sub.add_parser("check", help="flake8 with only the BR rules: its config, noqa, --select, --format...",
                   add_help=False)
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
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["check"]:
        return _guarded(lambda: _check(argv[1:]))
    args = parser.parse_args(argv)
    return _guarded(lambda: _dispatch(args))


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "baseline":
        return baseline.main(args)
    if args.command == "explain-model":
        return _explain_model(args.target, args.cache_dir, args.no_cache)
    if args.command == "rule":
        return _rule(args.name)
    return _list(getattr(args, "format", "table"))


def _guarded(command: Callable[[], int]) -> int:
    try:
        return command()
    except BrokenPipeError:
        # the reader went away (`... | head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
