"""BR01x: configuration and settings."""
from __future__ import annotations

import ast
from typing import Optional

from ..astutil import short_source, string_value
from ..context import Context
from . import check

_ENV_READ_CALLS = frozenset({"os.getenv", "os.getenvb", "os.environ.get", "os.environb.get"})
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


def _skip_module(ctx: Context) -> bool:
    # Process entry points (manage.py, wsgi.py, asgi.py) wire the environment up, like
    # settings modules do.
    return ctx.kind.settings or ctx.kind.entry_point


def _is_process_variable(key: Optional[ast.AST], ctx: Context) -> bool:
    if isinstance(key, ast.Name):
        key = ctx.module_constant(key.id)  # ENVIRONMENT_VARIABLE = "DJANGO_SETTINGS_MODULE"
    name = string_value(key)
    return name is not None and (name in _PROCESS_VARIABLES or name.startswith("COMP_"))


_READ_METHODS = frozenset({"get", "getenv", "getenvb"})


@check("BR010", ast.Call)
def env_read_call(node: ast.Call, ctx: Context) -> None:
    """`os.getenv(...)` / `os.environ.get(...)` outside settings modules."""
    func = node.func
    # cheap shape test first: this runs on every call of the module
    if isinstance(func, ast.Attribute):
        if func.attr not in _READ_METHODS:
            return
    elif not isinstance(func, ast.Name) or func.id not in ctx.imports:
        return
    if _skip_module(ctx) or ctx.resolve(func) not in _ENV_READ_CALLS:
        return
    if not _is_process_variable(node.args[0] if node.args else None, ctx):
        ctx.report("BR010", node, expr=short_source(node))


def _is_env_mapping(node: ast.AST, ctx: Context) -> bool:
    return isinstance(node, (ast.Attribute, ast.Name)) and ctx.resolve(node) in _ENV_MAPPINGS


@check("BR010", ast.Subscript)
def env_read_subscript(node: ast.Subscript, ctx: Context) -> None:
    """`os.environ["X"]` read (a write or `del` is fine)."""
    if not isinstance(node.ctx, ast.Load) or not _is_env_mapping(node.value, ctx):
        return
    if not _skip_module(ctx) and not _is_process_variable(node.slice, ctx):
        ctx.report("BR010", node, expr=short_source(node))


@check("BR010", ast.Compare)
def env_membership_test(node: ast.Compare, ctx: Context) -> None:
    """`"X" in os.environ`."""
    for op, right in zip(node.ops, node.comparators):
        if isinstance(op, (ast.In, ast.NotIn)) and _is_env_mapping(right, ctx):
            if not _skip_module(ctx) and not _is_process_variable(node.left, ctx):
                ctx.report("BR010", node, expr=short_source(node))
            return
