"""BR080 print-in-app-code: the builtin `print(...)` in application code, where logging
(or, in a management command, `self.stdout`) belongs. Programs, whose prints are their
output, are silent."""
from __future__ import annotations

import ast
from typing import List, Optional, Set, Tuple

from ...astutil import short_source
from ...context import Context, FactKey, Frame
from ...options import normalise_path
from ...vocabulary import PROCESS_EXIT_CALLS, TRY_TYPES
from .. import Rule, check

RULE = Rule(
    code="BR080",
    symbol="print-in-app-code",
    summary="print() in application code",
    default_on=False,
    precision="Off by default. Read blind on nine unseen projects: 20 of 30 findings true (67%). "
    "The false ones were console output of helpers only management commands run, settings "
    "modules printing before logging is configured, and vendored stand-alone services. "
    "Verdicts: docs/evaluation/2026-12-04-blind-round3-br080-br085.md.",
    message="`{expr}` in application code: use logging (logger.info/debug) instead",
    messages={
        "command": "`{expr}` in application code: in a management command write through "
        "self.stdout.write(...)",
    },
    what="Finds calls of the builtin `print(...)` in application code: not in test "
    "modules, `if __name__ == \"__main__\":` blocks, `manage.py` or `scripts/` folders, "
    "nor in other programs (see the notes). Inside a Django management command (a "
    "module under `management/commands/`, or a class based on `BaseCommand`, "
    "`LabelCommand` or `AppCommand`) the message suggests `self.stdout.write`, even in "
    "a command module that is also a program.",
    why="`print` bypasses logging: no level, no logger name, no handler, so the output "
    "is lost or interleaved under gunicorn/celery and cannot be filtered or shipped "
    "to the log aggregator. In services it is usually debugging output left in; in "
    "management commands `self.stdout.write` keeps the output testable "
    "(`call_command(..., stdout=buffer)`).",
    bad="""
        def apply_discount(order, code):
            print("applying", code, "to", order.pk)
            order.total = order.total * 0.9
        """,
    good="""
        import logging

        logger = logging.getLogger(__name__)


        def apply_discount(order, code):
            logger.debug("applying %s to order %s", code, order.pk)
            order.total = order.total * 0.9
        """,
    notes="Programs print their output, so these are silent too: `setup.py`, "
    "`__main__.py`, `noxfile.py`, modules in `scripts/`, `tools/` and `bin/` folders, "
    "modules with an `if __name__ == \"__main__\":` block (all their prints), "
    "command-line modules (importing argparse, optparse, click, typer, docopt, fire, invoke "
    "or fabric, or reading `sys.argv`), migrations (Django's, Alembic's, `migrations.py` "
    "modules of migration steps or helpers, `RunPython` functions: their output is what "
    "`migrate` shows), modules whose job is terminal output (importing tqdm, colorama, "
    "termcolor, rich or curses, writing to `sys.stdout`/`sys.stderr` or ANSI escape "
    "sequences), modules made of top-level statements only "
    "(`print(make_key())`), prints running straight into `sys.exit(...)` or `raise "
    "SystemExit` (a program's last words), prints guarded by a verbosity check (`if "
    "verbose:`, `if self.verbosity > 1:`), test-support folders (`test/`, `testing/`, "
    "`*_tests/`), hidden tool folders (`.github/`, `.claude/`), and functions whose name "
    "says they print (`print_*`, `show_*`, `display_*`, `pprint*`, `echo*`). A `print` that "
    "is not the builtin (imported, or a module-level `def print`) is not matched.",
    equivalents=("T201",),
)

# Test-support folders (`django/test/runner.py`, `playwright_tests/core/utilities.py`):
# programs' helpers, whose prints are the test run's output.
_TEST_SUPPORT_FOLDERS = frozenset({"test", "testing"})
_TEST_SUPPORT_SUFFIXES = ("_tests", "_test")
_DISPLAY_PREFIXES = ("print", "pprint", "show", "display", "echo")
# `exit` of `sys.exit(...)`, `exit(...)`, `quit(...)`, `_exit` of `os._exit(...)`.
_EXIT_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in PROCESS_EXIT_CALLS)
# Names whose truth test says "the user asked for output" (`if verbose:`,
# `if self.verbosity > 1:`, `if options["verbosity"]:`).
_VERBOSITY_WORDS = ("verbose", "verbosity", "quiet", "silent")

# Is the module a program (its prints are its output)?
_PROGRAM: FactKey[bool] = FactKey("br080.program")
# The prints seen so far, with the wording each is to be reported with (None: the main one).
_PRINTS: FactKey[List[Tuple[ast.Call, Optional[str]]]] = FactKey("br080.prints")
# (line, column) of the statements that end the process: `sys.exit(...)`, `raise SystemExit`.
_EXITS: FactKey[Set[Tuple[int, int]]] = FactKey("br080.exits")
# Line ranges of `if <verbosity>:` bodies, per scope.
_VERBOSE_BLOCKS: FactKey[List[Tuple[int, int]]] = FactKey("br080.verbose_blocks")


def _is_program(ctx: Context, frame: Frame) -> bool:
    """A module whose prints are a program's output, not application logging: a script
    (see :mod:`flake8_backend_rules.programs`), a migration (its output is what `migrate`
    shows), a module whose job is terminal output, and test-support folders."""
    facts = ctx.program_facts()
    if facts.script or facts.terminal_output or ctx.in_migration():
        return True
    parts = normalise_path(ctx.filename).split("/")[:-1]
    return any(part in _TEST_SUPPORT_FOLDERS or part.endswith(_TEST_SUPPORT_SUFFIXES) for part in parts)


def _is_verbosity_test(test: ast.AST) -> bool:
    """A test on a verbosity setting: a name, attribute or string key naming it
    (`verbose`, `self.verbosity > 1`, `options["verbosity"]`, `not args.quiet`)."""
    for node in ast.walk(test):
        word = ""
        if isinstance(node, ast.Name):
            word = node.id
        elif isinstance(node, ast.Attribute):
            word = node.attr
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            word = str(node.slice.value)
        if word and any(v in word.lower() for v in _VERBOSITY_WORDS):
            return True
    return False


def _verbose_blocks(ctx: Context, frame: Frame) -> List[Tuple[int, int]]:
    """Line ranges of the scope's `if verbose:` bodies (its own statements, no walk into
    expressions)."""
    ranges: List[Tuple[int, int]] = []
    pending: List[ast.AST] = list(getattr(frame.node, "body", ()))
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, ast.If):
            if _is_verbosity_test(stmt.test) and stmt.body:
                ranges.append((stmt.body[0].lineno, getattr(stmt.body[-1], "end_lineno", None) or stmt.lineno))
            pending.extend(stmt.body)
            pending.extend(stmt.orelse)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith) + TRY_TYPES):
            for field in ("body", "orelse", "finalbody"):
                pending.extend(getattr(stmt, field, ()) or ())
            for handler in getattr(stmt, "handlers", ()) or ():
                pending.extend(handler.body)
    return ranges


def _guarded_by_verbosity(node: ast.Call, ctx: Context) -> bool:
    """The print runs only when the user asked for output: `if verbose: print(...)`."""
    frame = ctx.function_frame() or ctx.module_frame
    line = node.lineno
    return any(start <= line <= end for start, end in ctx.frame_fact(_VERBOSE_BLOCKS, _verbose_blocks, frame))


def _is_display_function(ctx: Context) -> bool:
    """Inside a function whose name says it prints (`print_qs`, `show_tree`, `display_*`):
    the output is its purpose."""
    frame = ctx.function_frame()
    name = getattr(frame.node, "name", "") if frame is not None else ""
    return name.lstrip("_").startswith(_DISPLAY_PREFIXES)


def _new_prints(ctx: Context, frame: Frame) -> List[Tuple[ast.Call, Optional[str]]]:
    return []


def _new_exits(ctx: Context, frame: Frame) -> Set[Tuple[int, int]]:
    return set()


def _note_exit(node: ast.AST, ctx: Context) -> None:
    ctx.frame_fact(_EXITS, _new_exits, ctx.module_frame).add(
        (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    )


@check(RULE, ast.Raise)
def note_system_exit(node: ast.Raise, ctx: Context) -> None:
    """Remember `raise SystemExit(...)` statements (see `_exit_messages`)."""
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    if exc is not None and ctx.resolve(exc) == "SystemExit":
        _note_exit(node, ctx)


def _exit_messages(prints: List[ast.Call], exits: Set[Tuple[int, int]]) -> Set[int]:
    """The prints that are a program's last words: statements at the same indentation
    running straight into `sys.exit(...)` (`print("No django tests."); sys.exit(0)`)."""
    starts = {(p.lineno, p.col_offset): p for p in prints}
    found: Set[int] = set()
    for call in sorted(prints, key=lambda p: -p.lineno):
        following = ((getattr(call, "end_lineno", None) or call.lineno) + 1, call.col_offset)
        after = starts.get(following)
        if following in exits or (after is not None and id(after) in found):
            found.add(id(call))
    return found


@check(RULE, ast.Module, phase="leave")
def report_prints(node: ast.Module, ctx: Context) -> None:
    """Report the prints collected during the walk, less the exit messages."""
    collected: List[Tuple[ast.Call, Optional[str]]] = ctx.module_frame.facts.get(_PRINTS, [])
    if not collected:
        return
    exits: Set[Tuple[int, int]] = ctx.module_frame.facts.get(_EXITS, set())
    silent = _exit_messages([call for call, _ in collected], exits) if exits else set()
    for call, variant in collected:
        if id(call) not in silent:
            ctx.report(RULE, call, variant, expr=short_source(call, 40))


@check(RULE, ast.Call, callees={"print"} | _EXIT_NAMES)
def print_in_app_code(node: ast.Call, ctx: Context) -> None:
    """`print(...)` in application code: output that bypasses logging (no level, no
    handler, lost or interleaved under a process manager), usually debugging left in.
    Collected here, reported when the module ends (a message before `sys.exit()` is not)."""
    func = node.func
    if isinstance(func, (ast.Name, ast.Attribute)) and (
        func.id if isinstance(func, ast.Name) else func.attr
    ) in _EXIT_NAMES:
        if ctx.resolve(func) in PROCESS_EXIT_CALLS:
            _note_exit(node, ctx)
        return
    if not (isinstance(func, ast.Name) and func.id == "print") or ctx.resolve(func) != "print":
        return
    if ctx.in_main_block(node) or _guarded_by_verbosity(node, ctx):
        return
    variant: Optional[str] = None
    if ctx.in_command():
        variant = "command"
    elif ctx.frame_fact(_PROGRAM, _is_program, ctx.module_frame) or _is_display_function(ctx):
        return
    elif ctx.frame is ctx.module_frame and not ctx.module_defs:
        return  # a module of top-level statements only is a script (`print(make_key())`)
    ctx.frame_fact(_PRINTS, _new_prints, ctx.module_frame).append((node, variant))
