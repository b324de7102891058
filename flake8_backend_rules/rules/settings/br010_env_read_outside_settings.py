"""BR010 env-read-outside-settings: the environment read in routers, services and models
instead of once, in the settings."""
from __future__ import annotations

import ast
from typing import Optional, Set

from ...astutil import short_source, string_value
from ...context import Context, FactKey, Frame
from .. import Rule, check
from ._config import ENV_READ_CALLS

RULE = Rule(
    code="BR010",
    symbol="env-read-outside-settings",
    summary="The environment is read outside settings modules",
    default_on=False,
    precision="Off by default. Read blind on eleven projects its authors never read (round 3, after "
    "the classes found on other projects were fixed): 5 of 30 findings true. Most reads "
    "were platform or build metadata set by the runtime, generic helpers whose variable "
    "name their caller gives, the project's own settings loader, system checks and "
    "vendored code: an environment read is often configuration plumbing the code alone "
    "cannot tell from a scattered setting. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br010-br011-br012.md.",
    message="environment read `{expr}` outside settings; read it once in settings "
    "(validated, failing loudly when a required value is missing) and import the setting",
    what="Finds `os.getenv(...)`, `os.environ.get(...)`, `os.environ[...]` reads and "
    "`\"X\" in os.environ` outside settings modules (see `backend-settings-modules`), "
    "resolved through imports (`from os import environ`, `from os import getenv as "
    "ge`).",
    why="Configuration read ad hoc in routers and services is unvalidated, has no "
    "single default, is hard to override in tests and impossible to audit.",
    bad="""
        import os


        def payment_client():
            return Client(api_key=os.getenv("STRIPE_KEY"))
        """,
    good="""
        from django.conf import settings


        def payment_client():
            return Client(api_key=settings.STRIPE_KEY)
        """,
    options=("backend-settings-modules",),
    notes="Writes (`os.environ[\"X\"] = v`), `os.environ.setdefault(...)` as in "
    "`manage.py`/`wsgi.py`, and `os.environ.copy()` for a subprocess are silent. So "
    "are the process entry points `manage.py`, `wsgi.py` and `asgi.py`, which wire the "
    "environment up like settings do, and reads of the process's own variables "
    "(`PATH`, `HOME`, `TERM`, `LANG`, shell-completion `COMP_*`, ...) and of "
    "`DJANGO_SETTINGS_MODULE`, which points at the settings and cannot come from them "
    "(a module-level constant naming one counts too). Programs read their input from "
    "the environment: migrations, Django management commands, click/Typer/Flask CLI "
    "commands, `if __name__ == \"__main__\":` blocks and script modules (`scripts/`, "
    "`tools/`, `bin/`, a module using argparse/click/typer or reading `sys.argv`) are "
    "silent, as is the environment given as the non-interactive answer to a prompt "
    "(`os.environ.get(\"PASSWORD\") or input(...)`). A helper whose variable name is one "
    "of its parameters (`def flag(name): return os.getenv(name)`) reads what its callers "
    "name: it is not reported for a name it does not know.",
)

_ENV_MAPPINGS = frozenset({"os.environ", "os.environb"})
# The process's own environment, not application configuration: nobody moves `PATH` or
# the shell-completion variables into settings. DJANGO_SETTINGS_MODULE points *at* the
# settings, so it cannot be read from them.
_PROCESS_VARIABLES = frozenset(
    "PATH PATHEXT HOME USER USERNAME LOGNAME SHELL TERM TERM_PROGRAM COLORTERM NO_COLOR"
    " FORCE_COLOR COLUMNS LINES PWD TMPDIR TEMP TMP LANG LANGUAGE LC_ALL LC_CTYPE DISPLAY"
    " EDITOR VISUAL PAGER WT_SESSION ANSICON PYTHONSTARTUP PYTHONPATH PYTHONHASHSEED"
    " VIRTUAL_ENV SYSTEMROOT COMSPEC DJANGO_SETTINGS_MODULE".split()
)
_READ_METHODS = frozenset({"get", "getenv", "getenvb"})


# Reads that are the fallback answer of an interactive prompt (`... or input(...)`).
_PROMPT_ANSWERS: FactKey[Set[int]] = FactKey("br010.prompt_answers")
_PROMPTS = frozenset({"input", "getpass.getpass"})


def _skip_module(ctx: Context, node: ast.AST) -> bool:
    # Process entry points (manage.py, wsgi.py, asgi.py) wire the environment up, like
    # settings modules do; programs (commands, scripts, migrations) take it as input.
    return ctx.kind.entry_point or ctx.in_settings_module() or ctx.in_program(node)


def _is_process_variable(key: Optional[ast.AST], ctx: Context) -> bool:
    if isinstance(key, ast.Name):
        key = ctx.module_constant(key.id)  # ENVIRONMENT_VARIABLE = "DJANGO_SETTINGS_MODULE"
    name = string_value(key)
    return name is not None and (name in _PROCESS_VARIABLES or name.startswith("COMP_"))


def _is_parameter(key: Optional[ast.AST], ctx: Context) -> bool:
    """The variable's name is a parameter of the enclosing function: a helper reading
    whatever its callers name."""
    frame = ctx.function_frame()
    return isinstance(key, ast.Name) and frame is not None and key.id in frame.params


def _not_reported(key: Optional[ast.AST], node: ast.AST, ctx: Context) -> bool:
    return (
        _is_process_variable(key, ctx) or _is_parameter(key, ctx) or _skip_module(ctx, node)
        or id(node) in ctx.frame_fact(_PROMPT_ANSWERS, _new_set, ctx.module_frame)
    )


def _new_set(ctx: Context, frame: Frame) -> Set[int]:
    return set()


@check(RULE, ast.BoolOp)
def note_prompt_answer(node: ast.BoolOp, ctx: Context) -> None:
    """`os.environ.get("X") or input("X: ")`: the environment answers a prompt for a
    non-interactive run (the BoolOp is seen before the reads inside it)."""
    if not isinstance(node.op, ast.Or):
        return
    if any(isinstance(v, ast.Call) and ctx.resolve(v.func) in _PROMPTS for v in node.values):
        ctx.frame_fact(_PROMPT_ANSWERS, _new_set, ctx.module_frame).update(id(v) for v in node.values)


def _is_env_mapping(node: ast.AST, ctx: Context) -> bool:
    return isinstance(node, (ast.Attribute, ast.Name)) and ctx.resolve(node) in _ENV_MAPPINGS


@check(RULE, ast.Call, callees=_READ_METHODS)
def env_read_call(node: ast.Call, ctx: Context) -> None:
    """`os.getenv(...)` / `os.environ.get(...)` outside settings modules."""
    func = node.func
    # cheap shape test first: this runs on every call of the module
    if isinstance(func, ast.Attribute):
        if func.attr not in _READ_METHODS:
            return
    elif not isinstance(func, ast.Name) or func.id not in ctx.imports:
        return
    if ctx.resolve(func) not in ENV_READ_CALLS:
        return
    if not _not_reported(node.args[0] if node.args else None, node, ctx):
        ctx.report(RULE, node, expr=short_source(node))


@check(RULE, ast.Subscript)
def env_read_subscript(node: ast.Subscript, ctx: Context) -> None:
    """`os.environ["X"]` read (a write or `del` is fine)."""
    if not isinstance(node.ctx, ast.Load) or not _is_env_mapping(node.value, ctx):
        return
    if not _not_reported(node.slice, node, ctx):
        ctx.report(RULE, node, expr=short_source(node))


@check(RULE, ast.Compare)
def env_membership_test(node: ast.Compare, ctx: Context) -> None:
    """`"X" in os.environ`."""
    for op, right in zip(node.ops, node.comparators):
        if isinstance(op, (ast.In, ast.NotIn)) and _is_env_mapping(right, ctx):
            if not _not_reported(node.left, node, ctx):
                ctx.report(RULE, node, expr=short_source(node))
            return
