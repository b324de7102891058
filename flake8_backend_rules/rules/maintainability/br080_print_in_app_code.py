"""BR080 print-in-app-code: the builtin `print(...)` in application code, where logging
(or, in a management command, `self.stdout`) belongs. Programs, whose prints are their
output, are silent."""
from __future__ import annotations

import ast
from typing import List, Optional, Set, Tuple

from ...astutil import short_source
from ...context import Context, FactKey, Frame
from ...options import normalise_path
from ...vocabulary import PROCESS_EXIT_CALLS
from .. import Rule, check

RULE = Rule(
    code="BR080",
    symbol="print-in-app-code",
    summary="print() in application code",
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
    "`__main__.py`, modules in `bin/` folders, modules with an `if __name__ == "
    "\"__main__\":` block (all their prints), command-line modules (importing argparse, "
    "optparse, click, typer, docopt or fire), modules made of top-level statements only "
    "(`print(make_key())`), prints running straight into `sys.exit(...)` or `raise "
    "SystemExit` (a program's last words), test-support folders (`test/`, `testing/`), hidden tool "
    "folders (`.github/`, `.claude/`), and functions whose name says they print "
    "(`print_*`, `show_*`, `display_*`, `pprint*`, `echo*`). A `print` that is not the "
    "builtin (imported, or a module-level `def print`) is not matched.",
)

# A module importing one of these is a command-line program: its prints are its output.
_CLI_LIBRARIES = frozenset({"argparse", "optparse", "click", "typer", "docopt", "fire"})
# Besides `manage.py` and `scripts/` folders (`ctx.kind.manage`, `ctx.kind.scripts`):
_SCRIPT_NAMES = frozenset({"__main__.py", "setup.py"})
# Folders of programs and of test support (`django/test/runner.py`); hidden tool folders
# (`.github/`) are recognised by their leading dot.
_SCRIPT_FOLDERS = frozenset({"bin", "test", "testing"})
_DISPLAY_PREFIXES = ("print", "pprint", "show", "display", "echo")
# `exit` of `sys.exit(...)`, `exit(...)`, `quit(...)`, `_exit` of `os._exit(...)`.
_EXIT_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in PROCESS_EXIT_CALLS)

# Line ranges of the module's `if __name__ == "__main__":` blocks.
_MAIN_BLOCKS: FactKey[List[Tuple[int, int]]] = FactKey("br080.main_blocks")
# Is the module a program (its prints are its output)?
_PROGRAM: FactKey[bool] = FactKey("br080.program")
# The prints seen so far, with the wording each is to be reported with (None: the main one).
_PRINTS: FactKey[List[Tuple[ast.Call, Optional[str]]]] = FactKey("br080.prints")
# (line, column) of the statements that end the process: `sys.exit(...)`, `raise SystemExit`.
_EXITS: FactKey[Set[Tuple[int, int]]] = FactKey("br080.exits")


def _is_main_guard(test: ast.AST) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _main_block_lines(ctx: Context, frame: Frame) -> List[Tuple[int, int]]:
    """Line ranges of the module's top-level `if __name__ == "__main__":` blocks (a look
    at the module's own statements, not a walk)."""
    ranges: List[Tuple[int, int]] = []
    for stmt in getattr(ctx.tree, "body", ()):
        if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
            ranges.append((stmt.lineno, getattr(stmt, "end_lineno", None) or stmt.lineno))
    return ranges


def _is_program(ctx: Context, frame: Frame) -> bool:
    """A module whose prints are a program's output, not application logging:
    `manage.py`, `setup.py`, `__main__.py`, modules in `scripts/`, `bin/` and test-support
    (`test/`, `testing/`) folders or in hidden tool folders (`.github/`), modules with an
    `if __name__ == "__main__":` block, and command-line modules (argparse, click, typer...)."""
    kind = ctx.kind
    if kind.manage or kind.scripts:
        return True
    parts = normalise_path(ctx.filename).split("/")
    if parts[-1] in _SCRIPT_NAMES:
        return True
    if any(part in _SCRIPT_FOLDERS or (part.startswith(".") and part not in (".", "..")) for part in parts[:-1]):
        return True
    if ctx.frame_fact(_MAIN_BLOCKS, _main_block_lines, ctx.module_frame):
        return True
    return any(target.split(".", 1)[0] in _CLI_LIBRARIES for target in ctx.imports.values())


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
    line = node.lineno
    for start, end in ctx.frame_fact(_MAIN_BLOCKS, _main_block_lines, ctx.module_frame):
        if start <= line <= end:
            return
    variant: Optional[str] = None
    if ctx.in_command():
        variant = "command"
    elif ctx.frame_fact(_PROGRAM, _is_program, ctx.module_frame) or _is_display_function(ctx):
        return
    elif ctx.frame is ctx.module_frame and not ctx.module_defs:
        return  # a module of top-level statements only is a script (`print(make_key())`)
    ctx.frame_fact(_PRINTS, _new_prints, ctx.module_frame).append((node, variant))
