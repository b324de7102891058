"""Program kinds: code an operator runs once from a terminal, not code that serves requests.

Several rules judge the same code differently when it is a program: a `print` is a
program's output (BR080), an environment variable is a program's input (BR010), a per-row
write in a one-off import is fine (BR005), a migration's SQL is built from its own
constants (BR050). The facts are decided here, once, from the code itself, and rules ask
the context (:class:`~flake8_backend_rules.context.Context`):

``ctx.in_migration()``
    A migration: a module Django or Alembic loads as one (``ctx.kind.migration``: a module
    of a ``migrations/`` package, an Alembic revision or environment), a ``migrations.py``
    of numbered migration steps (``def m001_initial(db):``), a migration helper module (a
    ``migrations.py`` whose functions take the historical ``apps`` registry), or a
    function with ``RunPython``'s signature ``(apps, schema_editor)`` anywhere.
``ctx.in_command()``
    A Django management command (a module of ``management/commands/``, or a class based on
    ``BaseCommand``/``LabelCommand``/``AppCommand``).
``ctx.in_cli_command()``
    A command of a command-line framework: a function decorated ``@click.command``,
    ``@cli.command()``, ``@app.cli.command()`` (Flask), ``@app.command()`` (Typer),
    ``@manager.command`` (Flask-Script), ``@task`` of ``invoke``/``fabric``, in a module
    that imports the framework.
``ctx.in_main_block()``
    Inside the module's ``if __name__ == "__main__":`` block.
``ctx.in_script()``
    A module that is a program (:attr:`ProgramFacts.script`), or a ``__main__`` block.
``ctx.in_program()``
    Any of the above: a migration, a command, a CLI command, a script. The one question
    most rules ask ("is this one-off operator code?").
``ctx.program_facts()``
    The module's :class:`ProgramFacts` (computed once per module, on first request).

A script module is decided by facts of its own file: its path (``manage.py``,
``setup.py``, ``__main__.py``, ``noxfile.py``/``fabfile.py``, a folder ``scripts/``,
``tools/``, ``bin/``, or a hidden tool folder such as ``.github/``), an ``if __name__ ==
"__main__":`` block, a command-line library imported (argparse, optparse, click, typer,
docopt, fire, invoke, fabric), or ``sys.argv`` read. A *terminal-output* module is one
whose job is to write to a terminal: it imports a terminal library (tqdm, colorama,
termcolor, rich, blessings, curses), writes to ``sys.stdout``/``sys.stderr`` directly, or
writes ANSI escape sequences.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, FrozenSet, Iterable, Optional, Set, Tuple

from .astutil import dotted_name
from .options import normalise_path

if TYPE_CHECKING:  # pragma: no cover
    from .context import Context, Frame

#: Command-line libraries: a module importing one is a program (its input is argv).
CLI_LIBRARIES: FrozenSet[str] = frozenset(
    {"argparse", "optparse", "click", "typer", "docopt", "fire", "invoke", "fabric"}
)
#: Libraries whose job is drawing on a terminal.
TERMINAL_LIBRARIES: FrozenSet[str] = frozenset(
    {"tqdm", "colorama", "termcolor", "rich", "blessings", "blessed", "curses", "halo", "yaspin"}
)
#: File names of programs.
SCRIPT_FILES: FrozenSet[str] = frozenset({"manage.py", "setup.py", "__main__.py", "noxfile.py", "fabfile.py"})
#: Folders of programs (hidden tool folders, `.github/`, are recognised by their dot).
SCRIPT_FOLDERS: FrozenSet[str] = frozenset({"scripts", "tools", "bin"})
#: Frameworks whose decorated functions are commands (``@click.command()``).
_CLI_COMMAND_FRAMEWORKS: FrozenSet[str] = frozenset(
    {"click", "typer", "flask", "flask_script", "invoke", "fabric", "asyncclick", "rich_click"}
)
_CLI_COMMAND_DECORATORS: FrozenSet[str] = frozenset({"command", "group", "task", "callback"})
#: A numbered migration step of a migrations.py module (``m001_initial``).
_MIGRATION_STEP = re.compile(r"m\d{2,}_")
_ANSI = ("\x1b[", "\033[")


@dataclass(frozen=True)
class ProgramFacts:
    """What kind of program a module is, from its own file."""

    script: bool  # run as a program (path, main block, CLI library, sys.argv)
    terminal_output: bool  # its job is writing to a terminal
    cli: bool  # imports a command-line library (argparse, click, typer...)
    main_blocks: Tuple[Tuple[int, int], ...]  # line ranges of `if __name__ == "__main__":`


def is_main_guard(test: ast.AST) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def is_migration_steps_module(path: str, body: Iterable[ast.stmt]) -> bool:
    """A ``migrations.py`` (or ``*_migrations.py``) module that is a migration of some
    framework: numbered steps (``def m001_initial(db):``), or helpers taking Django's
    historical ``apps`` registry as their first parameter."""
    name = normalise_path(path).rsplit("/", 1)[-1]
    if not (name == "migrations.py" or name.endswith("_migrations.py")):
        return False
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _MIGRATION_STEP.match(stmt.name):
                return True
            params = stmt.args.posonlyargs + stmt.args.args
            if params and params[0].arg == "apps":
                return True
    return False


def is_run_python_function(node: ast.AST) -> bool:
    """A function with ``RunPython``'s signature: ``(apps, schema_editor)``."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    names = [a.arg for a in node.args.posonlyargs + node.args.args]
    # `RunPython` passes both; defaults for them mean the function is called other ways too
    return names[:2] == ["apps", "schema_editor"] and len(names) - len(node.args.defaults) >= 2


def is_cli_command_function(ctx: "Context", node: ast.AST) -> bool:
    """A function a command-line framework runs as a command (``@click.command()``,
    ``@app.cli.command("seed")``, ``@cli.command()``, ``@app.command()`` of Typer,
    ``@task`` of invoke), in a module that imports the framework."""
    if not any(target.split(".", 1)[0] in _CLI_COMMAND_FRAMEWORKS for target in ctx.imports.values()):
        return False
    for deco in getattr(node, "decorator_list", ()):
        target = deco.func if isinstance(deco, ast.Call) else deco
        text = dotted_name(target) or ""
        last = text.rsplit(".", 1)[-1]
        resolved = ctx.resolve(target) or ""
        if last in _CLI_COMMAND_DECORATORS and (
            "." in text or resolved.split(".", 1)[0] in _CLI_COMMAND_FRAMEWORKS
        ):
            return True
    return False


def _main_blocks(tree: ast.AST) -> Tuple[Tuple[int, int], ...]:
    ranges = []
    for stmt in getattr(tree, "body", ()):
        if isinstance(stmt, ast.If) and is_main_guard(stmt.test):
            ranges.append((stmt.lineno, getattr(stmt, "end_lineno", None) or stmt.lineno))
    return tuple(ranges)


def _scan_module(tree: ast.AST) -> Tuple[bool, bool]:
    """(reads sys.argv, writes to a terminal): one pass over the module, asked only when
    a rule has a candidate finding in it."""
    argv = terminal = False
    asked: Set[int] = set()  # `"test" in sys.argv`: a library asking how it was started
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and all(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            asked.update(id(c) for c in node.comparators)
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "sys":
                if node.attr == "argv" and id(node) not in asked:
                    argv = True
            elif node.attr == "write" and isinstance(node.value, ast.Attribute) and node.value.attr in (
                "stdout", "stderr"
            ) and isinstance(node.value.value, ast.Name) and node.value.value.id == "sys":
                terminal = True
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and any(e in node.value for e in _ANSI):
            terminal = True
        if argv and terminal:
            break
    return argv, terminal


def compute_program_facts(ctx: "Context", frame: "Frame") -> ProgramFacts:
    parts = normalise_path(ctx.filename).split("/")
    roots = {target.split(".", 1)[0] for target in ctx.imports.values()}
    cli = bool(roots & CLI_LIBRARIES)
    main_blocks = _main_blocks(ctx.tree)
    by_path = parts[-1] in SCRIPT_FILES or any(
        part in SCRIPT_FOLDERS or (part.startswith(".") and part not in (".", "..")) for part in parts[:-1]
    )
    argv, writes_terminal = _scan_module(ctx.tree)
    return ProgramFacts(
        script=by_path or bool(main_blocks) or cli or argv,
        terminal_output=writes_terminal or bool(roots & TERMINAL_LIBRARIES),
        cli=cli,
        main_blocks=main_blocks,
    )


def enclosing_functions(ctx: "Context") -> Iterable[ast.AST]:
    frame: Optional["Frame"] = ctx.frame
    while frame is not None:
        if frame.kind == "function":
            yield frame.node
        frame = frame.parent
