"""BR041 filesystem-probe-in-loop: a disk probe (``os.path.exists``, ``Path.is_file()``...)
per iteration of a loop in a request handler: one system call per row of the response."""
from __future__ import annotations

import ast

from ...astutil import short_source
from ...context import Context, LoopFrame
from ...handlers import handler_info
from .. import Rule, check
from ._calls import FS_PROBES, is_path_expression

RULE = Rule(
    code="BR041",
    symbol="filesystem-probe-in-loop",
    summary="A filesystem probe runs once per loop iteration in a request handler",
    default_on=False,
    precision="Off by default. Read blind: 1 of 13 findings true on three unseen projects. Whether "
    "a loop runs in a request is decided here from names, and most loops it met were "
    "background jobs, short fixed lists, or a probe guarding the very file operation the "
    "loop must do. Verdicts: docs/evaluation/2026-12-04-blind-stable-rules.md, "
    "2026-12-04-blind-round2-misc.md.",
    message="`{expr}` probes the disk once per iteration in a request handler; check "
    "once (list the directory, cache the result) or store the fact with the row",
    what="Finds `os.path.exists/isfile/isdir/islink/getsize`, `os.stat` and "
    "`Path(...).exists()/is_file()/is_dir()/stat()` (also on `Path(...) / name` and on a "
    "local assigned from `Path(...)`) in a loop body inside a request handler "
    "(a route-decorated function, a view class's handler method, any function of a "
    "handler module).",
    why="Each probe is a system call and, on network storage, a round-trip: per row of a "
    "listing it grows with the page (100 products, 100 `stat` calls) and dominates the "
    "response time.",
    bad="""
        import os

        from rest_framework.decorators import api_view
        from rest_framework.response import Response


        @api_view(["GET"])
        def product_images(request):
            paths = request.query_params.getlist("path")
            return Response([p for p in paths if os.path.exists(p)])
        """,
    good="""
        import os

        from rest_framework.decorators import api_view
        from rest_framework.response import Response

        MEDIA = "/srv/media"


        @api_view(["GET"])
        def product_images(request):
            present = set(os.listdir(MEDIA))
            paths = request.query_params.getlist("path")
            return Response([p for p in paths if p in present])
        """,
    notes="Only request handlers are checked: the same loop in a management command, a "
    "build script or a storage backend is not on the request path. Inside `async def` "
    "BR040 reports the probe instead (one finding per cause). Loops over a literal "
    "list or tuple are not loops. A loop over a search path (a loop variable or "
    "iterable named like `dir`, `folder`, `root`, `location`, `loader`: "
    "`for directory in template_dirs:`) looks for one file among a few configured "
    "places; it does not grow with the response's rows and is silent.",
    options=("backend-handler-modules",),
)


_PATH_PROBES = frozenset({"exists", "is_file", "stat", "is_dir"})
_SEARCH_PATH_WORDS = ("dir", "folder", "root", "location", "search_path", "loader")


def _is_filesystem_probe(ctx: Context, node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _PATH_PROBES and is_path_expression(ctx, func.value, node):
        return True
    return isinstance(func, (ast.Attribute, ast.Name)) and ctx.resolve(func) in FS_PROBES


def _is_search_path_loop(loop: LoopFrame) -> bool:
    """``for directory in template_dirs:``: a probe per configured search directory finds
    one file; it does not grow with the rows of a response."""
    names = list(loop.targets)
    iterable = loop.iterable
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.args:
        iterable = iterable.args[0]  # enumerate(dirs), reversed(dirs)
    if isinstance(iterable, (ast.Name, ast.Attribute)):
        names.append(iterable.id if isinstance(iterable, ast.Name) else iterable.attr)
    return any(word in name.lower() for name in names for word in _SEARCH_PATH_WORDS)


@check(RULE, ast.Call, callees=_PATH_PROBES | {n.rsplit(".", 1)[-1] for n in FS_PROBES})
def filesystem_probe_in_loop(node: ast.Call, ctx: Context) -> None:
    """A disk probe per loop iteration in a request handler (in ``async def`` it is
    BR040's finding)."""
    frame = ctx.frame
    if not frame.loops or frame.kind != "function" or frame.is_async:
        return
    if not _is_filesystem_probe(ctx, node) or not handler_info(ctx, frame).is_handler:
        return
    if _is_search_path_loop(frame.loops[-1]):
        return
    ctx.report(RULE, node, expr=short_source(node))
