"""BR043 http-call-without-timeout: an outbound HTTP call (requests, urllib, httpx) that
can wait for ever on a peer that never answers, holding the worker."""
from __future__ import annotations

import ast
from typing import Optional

from ...astutil import short_source
from ...context import Context
from .. import Rule, check
from ._calls import HTTPX_CALLS, http_library

_ADVICE = "a slow peer holds the worker for ever, pass timeout=(connect, read)"

RULE = Rule(
    code="BR043",
    symbol="http-call-without-timeout",
    summary="An outbound HTTP call has no timeout",
    default_on=False,
    precision="Off by default. Read blind: 23 of 30 findings true on four unseen projects and 23 of "
    "30 on two more (77%): the false ones were one-off management commands, development "
    "scripts, helpers only tests call and unreachable calls. Programs run by an operator "
    "are silent since; not measured again yet. Verdicts: "
    "docs/evaluation/2026-12-04-blind-stable-rules.md, 2026-12-04-blind-round2-misc.md.",
    equivalents=("S113", "B113"),
    message="`{expr}`: no `timeout=`; " + _ADVICE,
    messages={
        "none": "`{expr}`: `timeout=None` waits forever; " + _ADVICE,
        # httpx has a finite default: only an explicit None is reported
        "httpx_none": "`{expr}`: `timeout=None` disables httpx's default; " + _ADVICE,
    },
    what="Finds `requests.get/post/put/patch/delete/head/options/request(...)`, the same "
    "methods on a `requests.Session()` created in the function (also "
    "`with requests.Session() as s:`) or assigned to `self.<attr>` in the same class, "
    "and `urllib.request.urlopen(...)`, with no `timeout=` or with `timeout=None`; "
    "and `httpx` calls, `httpx.Client(...)`/`AsyncClient(...)` and sync httpx client "
    "calls with an explicit `timeout=None`.",
    why="requests and urllib wait for ever by default: one peer that accepts the "
    "connection and never answers ties up a worker per request until the pool is "
    "exhausted and the whole service stops answering.",
    bad="""
        import requests


        def exchange_rate(currency):
            return requests.get(f"https://rates.example.com/{currency}").json()
        """,
    good="""
        import requests


        def exchange_rate(currency):
            return requests.get(f"https://rates.example.com/{currency}", timeout=(3.05, 10)).json()
        """,
    notes="A call passing `**kwargs` is silent (the timeout may be inside). httpx "
    "applies a 5-second default, so only an explicit `timeout=None` is reported there. "
    "A session reached any other way (a parameter, a module global) is not known to "
    "lack a timeout adapter and stays silent.",
)


_CLIENT_CLASSES = ("Client", "AsyncClient")


def _timeout(node: ast.Call) -> Optional[ast.AST]:
    """The ``timeout=`` argument's value, or None when there is none."""
    for kw in node.keywords:
        if kw.arg == "timeout":
            return kw.value
    return None


def _is_none(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


@check(RULE, ast.Call, callees=HTTPX_CALLS | {"urlopen", *_CLIENT_CLASSES})
def http_call_without_timeout(node: ast.Call, ctx: Context) -> None:
    """An outbound HTTP call that can wait forever: no timeout (requests, urllib), or an
    explicit ``timeout=None`` (httpx, whose default is finite)."""
    func = node.func
    if not isinstance(func, (ast.Attribute, ast.Name)) or any(kw.arg is None for kw in node.keywords):
        return  # `**kwargs` may carry the timeout
    name = func.attr if isinstance(func, ast.Attribute) else func.id
    if name not in HTTPX_CALLS and name not in ("urlopen", *_CLIENT_CLASSES):
        return
    if ctx.in_program(node):  # an operator's command or script: they see it hang and stop it
        return
    timeout = _timeout(node)
    if timeout is not None and not _is_none(timeout):
        return
    if name in _CLIENT_CLASSES:
        if _is_none(timeout) and ctx.resolve(func) in ("httpx.Client", "httpx.AsyncClient"):
            ctx.report(RULE, node, "httpx_none", expr=short_source(node))
        return
    library = http_library(ctx, node)
    if library is None:
        return
    if library == "httpx":
        if _is_none(timeout):
            ctx.report(RULE, node, "httpx_none", expr=short_source(node))
        return
    if library == "urllib" and timeout is None and len(node.args) >= 3:
        return  # urlopen(url, data, timeout)
    ctx.report(RULE, node, None if timeout is None else "none", expr=short_source(node))
