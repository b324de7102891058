"""BR01x: configuration and settings."""
from __future__ import annotations

import ast

from ..astutil import short_source
from ..context import Context
from . import check

_ENV_READ_CALLS = frozenset({"os.getenv", "os.getenvb", "os.environ.get", "os.environb.get"})
_ENV_MAPPINGS = frozenset({"os.environ", "os.environb"})


@check("BR010", ast.Call)
def env_read_call(node: ast.Call, ctx: Context) -> None:
    """`os.getenv(...)` / `os.environ.get(...)` outside settings modules."""
    if ctx.kind.settings:
        return
    func = node.func
    if not isinstance(func, (ast.Attribute, ast.Name)):
        return
    if ctx.resolve(func) in _ENV_READ_CALLS:
        ctx.report("BR010", node, expr=short_source(node))


@check("BR010", ast.Subscript)
def env_read_subscript(node: ast.Subscript, ctx: Context) -> None:
    """`os.environ["X"]` read (a write or `del` is fine)."""
    if ctx.kind.settings or not isinstance(node.ctx, ast.Load):
        return
    if isinstance(node.value, (ast.Attribute, ast.Name)) and ctx.resolve(node.value) in _ENV_MAPPINGS:
        ctx.report("BR010", node, expr=short_source(node))


@check("BR010", ast.Compare)
def env_membership_test(node: ast.Compare, ctx: Context) -> None:
    """`"X" in os.environ`."""
    if ctx.kind.settings:
        return
    for op, right in zip(node.ops, node.comparators):
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Attribute, ast.Name)):
            if ctx.resolve(right) in _ENV_MAPPINGS:
                ctx.report("BR010", node, expr=short_source(node))
                return
