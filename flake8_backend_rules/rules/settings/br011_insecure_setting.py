"""BR011 insecure-setting: `DEBUG = True`, a wildcard host or CORS origin, cookies sent
over plain HTTP, in settings production runs with."""
from __future__ import annotations

import ast
import re
from typing import Callable, Dict, List, Optional, Set, Tuple

from ...astutil import call_name, dotted_name, short_source, string_value
from ...context import Context, FactKey, Frame
from .. import Rule, check
from ._config import (
    CONFIG_READER_TEXTS,
    CONFIG_READERS,
    ENV_READ_CALLS,
    development_config,
    field_default,
    is_settings_class,
)

RULE = Rule(
    code="BR011",
    symbol="insecure-setting",
    summary="An insecure setting in a production settings module",
    default_on=False,
    precision="Off by default. Read blind on ten unseen projects: 4 of 14 findings true. Example "
    "and template settings edited before deployment, hosts validated by the project's own "
    "middleware and deliberate public CORS were the false ones. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br010-br011-br012.md.",
    message="insecure setting `{expr}`; keep it to development settings (or read it "
    "from the environment with a safe default)",
    what="In a settings module that is not a development one (see "
    "`backend-settings-modules` and `backend-dev-settings-modules`): `DEBUG = True`, "
    "`ALLOWED_HOSTS` containing `\"*\"`, `CORS_ALLOW_ALL_ORIGINS = True`, "
    "`CORS_ORIGIN_ALLOW_ALL = True`, `SESSION_COOKIE_SECURE = False`, "
    "`CSRF_COOKIE_SECURE = False`. In any module: Starlette/FastAPI's `CORSMiddleware` "
    "with `allow_origins=[\"*\"]` (`app.add_middleware(CORSMiddleware, ...)`, "
    "`CORSMiddleware(app, ...)`, `Middleware(CORSMiddleware, ...)`). And, outside "
    "development modules, the defaults of a pydantic settings class (a base ending in "
    "`Settings`): `debug: bool = True`, `allowed_hosts: list[str] = [\"*\"]` (also "
    "`cors_origins`, `backend_cors_origins`, `allow_origins`, `allowed_origins`).",
    why="A debug page leaks settings and source to anyone who triggers an error; a "
    "wildcard host or CORS origin and cookies sent over plain HTTP open the door to "
    "host-header poisoning, cross-origin reads and session theft. These values are "
    "right in a developer's settings and wrong everywhere else.",
    bad="""
        DEBUG = True
        ALLOWED_HOSTS = ["*"]
        """,
    good="""
        import os

        DEBUG = os.getenv("DJANGO_DEBUG", "0") == "1"
        ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")
        """,
    messages={
        "credentials": "insecure setting `{expr}`: every origin may read responses, and with "
        "credentials (cookies, authorization headers); list the allowed origins",
    },
    options=("backend-settings-modules", "backend-dev-settings-modules"),
    notes="A configuration read counts by what it falls back to when the variable is "
    "unset: `DEBUG = env.bool(\"DEBUG\", default=True)`, `config(\"DEBUG\", "
    "default=True, cast=bool)`, `os.getenv(\"DEBUG\", \"True\") == \"True\"`, a "
    "project helper named for the environment (`get_bool_from_env(\"DEBUG\", True)`) "
    "and `SESSION_COOKIE_SECURE = env.bool(..., default=False)` are insecure unless "
    "someone remembers to set the variable; a read without a default, or with the "
    "secure one, is silent. A `\"*\"` default of an environment read "
    "(`os.getenv(\"ALLOWED_HOSTS\", \"*\").split(\",\")`) counts as a wildcard, and "
    "so does a module-level list holding one. Development settings modules (by "
    "default `*dev*.py`, `*local*.py`, `*test*.py`, `*development*.py`), settings kept "
    "in a `test/`/`tests/`/`testing/` package, and Django's own `global_settings.py` "
    "(the framework's defaults, which projects override) are silent, as are assignments "
    "that only run in development: the body of `if DEBUG:` or `if ENVIRONMENT == "
    "\"dev\":`, the `else` of `if not DEBUG:`, and the body of an opt-in flag that "
    "is off unless set (`if DISABLE_HTTPS:` where `DISABLE_HTTPS = env.bool(..., "
    "default=False)`). A value that a settings module star-importing this one rebinds "
    "(`prod.py: from .base import *; DEBUG = False`) is not what production runs: silent. "
    "A CORS allow-all scoped to some URLs by `CORS_URLS_REGEX` is silent. A wildcard "
    "default of a list read (`env.list(\"ALLOWED_HOSTS\", default=[\"*\"])`) counts. "
    "When CORS allows every origin *and* credentials (`CORS_ALLOW_CREDENTIALS = True`, "
    "`allow_credentials=True`), the message says so.",
)

# setting -> the literal value that is insecure outside development
_INSECURE_FLAGS = {
    "DEBUG": True,
    "CORS_ALLOW_ALL_ORIGINS": True,
    "CORS_ORIGIN_ALLOW_ALL": True,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
}
# pydantic settings fields holding allowed hosts or CORS origins, by convention
_ORIGIN_FIELDS = frozenset(
    {"ALLOWED_HOSTS", "CORS_ORIGINS", "BACKEND_CORS_ORIGINS", "ALLOW_ORIGINS", "ALLOWED_ORIGINS"}
)
_CORS_MIDDLEWARE_SUFFIX = "CORSMiddleware"


# -- statements that only run in development ----------------------------------------------

_DEV_MARKERS = re.compile(r"\b(?:debug|dev|develop|development|local|localhost|test|testing|tests)\b")
_DEV_GATED: FactKey[Set[int]] = FactKey("br011.dev_gated")


def _is_dev_test(test: ast.AST) -> Optional[bool]:
    """True: the test holds in development (`if DEBUG:`, `if ENV == "dev":`); False: it
    holds outside development (`if not DEBUG:`); None: not about the environment."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    inner = test.operand if isinstance(test, ast.UnaryOp) and negated else test
    if isinstance(inner, ast.Compare) and any(isinstance(op, (ast.NotEq, ast.IsNot, ast.NotIn)) for op in inner.ops):
        negated = not negated
    if not _DEV_MARKERS.search(short_source(inner, 200).lower().replace("_", " ")):
        return None
    return not negated


def _dev_gated(ctx: Context) -> Set[int]:
    """Statements of a settings module that only run in development: the body of `if
    DEBUG:` / `if ENV == "dev":` and the `else` of `if not DEBUG:`. Computed once per
    module from its statement lists (expressions are not walked)."""
    return ctx.frame_fact(_DEV_GATED, _compute_dev_gated, frame=ctx.module_frame)


def _is_opt_in_flag(test: ast.AST, ctx: Context) -> Optional[bool]:
    """True: `if FLAG:` where the module binds FLAG off unless configured (`False`, or a
    configuration read falling back to false); False for `if not FLAG:`; None otherwise."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    inner = test.operand if isinstance(test, ast.UnaryOp) and negated else test
    name = inner.id if isinstance(inner, ast.Name) else inner.attr if isinstance(inner, ast.Attribute) else None
    if name is None:
        return None
    value = ctx.module_constant(name)
    if value is None:
        return None
    off = (isinstance(value, ast.Constant) and value.value is False) or _value_when_unset(value, ctx) is False
    if not off:
        return None
    return not negated


def _compute_dev_gated(ctx: Context, frame: Frame) -> Set[int]:
    gated: Set[int] = set()
    pending: List[Tuple[ast.stmt, bool]] = [(stmt, False) for stmt in getattr(ctx.tree, "body", [])]
    while pending:
        stmt, inside = pending.pop()
        if inside:
            gated.add(id(stmt))
        if isinstance(stmt, ast.If):
            dev = _is_dev_test(stmt.test)
            if dev is None:
                dev = _is_opt_in_flag(stmt.test, ctx)
            pending.extend((child, inside or dev is True) for child in stmt.body)
            pending.extend((child, inside or dev is False) for child in stmt.orelse)
        elif isinstance(stmt, (ast.Try, ast.With)):
            for field in ("body", "orelse", "finalbody"):
                pending.extend((child, inside) for child in getattr(stmt, field, ()) or ())
            for handler in getattr(stmt, "handlers", ()) or ():
                pending.extend((child, inside) for child in handler.body)
    return gated


def _production_settings(ctx: Context) -> bool:
    """A settings module that is not a development one. Django's own `global_settings.py`
    holds the framework's defaults, which projects override: not a deployment's choice."""
    if ctx.frame.kind != "module" or not ctx.in_settings_module() or development_config(ctx):
        return False
    return not ctx.filename.endswith("global_settings.py")


# -- insecure values --------------------------------------------------------------------------


def _has_wildcard(value: Optional[ast.AST], ctx: Context) -> bool:
    """A literal list/tuple/set with a `"*"` element, directly or through a module-level
    name or a literal default of an environment read (`os.getenv("HOSTS", "*")`)."""
    pending: List[Optional[ast.AST]] = [value]
    while pending:  # `A + B + ...` nests to any depth: no recursion
        node = pending.pop()
        if isinstance(node, ast.Name) and len(pending) < 64:
            node = ctx.module_constant(node.id)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            if any(string_value(e) == "*" for e in node.elts):
                return True
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            pending.extend((node.left, node.right))
        elif isinstance(node, ast.Call) and _is_list_read(node, ctx):
            default = next((kw.value for kw in node.keywords if kw.arg == "default"), None)
            if default is None and len(node.args) > 1:
                default = node.args[1]
            if default is not None:
                pending.append(default)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split":
            inner = node.func.value
            if isinstance(inner, ast.Call) and ctx.resolve(inner.func) in ENV_READ_CALLS and len(inner.args) > 1:
                if string_value(inner.args[1]) == "*":
                    return True
    return False


def _is_list_read(call: ast.Call, ctx: Context) -> bool:
    """`env.list("ALLOWED_HOSTS", ...)`, `config("HOSTS", default=[...], cast=Csv())`, a
    project helper named for the environment: a configuration read of a list."""
    text = dotted_name(call.func) or ""
    head, _, method = text.rpartition(".")
    return (head in ("env", "environ") and method in ("list", "tuple", "get_value")) or (
        text in CONFIG_READER_TEXTS or ctx.resolve(call.func) in CONFIG_READERS
    ) or ("env" in text.lower() and not head)


def _insecure_value(name: str, value: Optional[ast.AST], ctx: Context) -> bool:
    if name == "ALLOWED_HOSTS":
        return _has_wildcard(value, ctx)
    expected = _INSECURE_FLAGS.get(name)
    if expected is None or value is None:
        return False
    if isinstance(value, ast.Constant):
        return value.value is expected
    return _value_when_unset(value, ctx) is expected


_TEXT_EDITS: Dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper, "strip": str.strip}
_TRUE_TEXTS = frozenset({"true", "1", "yes", "on", "y", "t"})
_FALSE_TEXTS = frozenset({"false", "0", "no", "off", "n", "f", ""})
_BOOL_READ_METHODS = frozenset({"bool", "get_value", "str", "get"})


def _as_bool(value: object) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE_TEXTS:
            return True
        if lowered in _FALSE_TEXTS:
            return False
    return None


def _fallback(node: ast.AST, ctx: Context) -> Optional[object]:
    """The literal a configuration read falls back to when the variable is unset
    (`os.getenv("DEBUG", "True")`, `env.bool("DEBUG", default=True)`, `config("DEBUG",
    default=True, cast=bool)`), through `.lower()`/`.strip()`; None when unknown."""
    edits: List[str] = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _TEXT_EDITS:
        edits.append(node.func.attr)
        node = node.func.value
    if edits:
        found = _fallback(node, ctx)
        if not isinstance(found, str):
            return None
        for edit in reversed(edits):
            found = _TEXT_EDITS[edit](found)
        return found
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if ctx.resolve(func) in ENV_READ_CALLS:
        default = node.args[1] if len(node.args) > 1 else None
    else:
        text = dotted_name(func) or ""
        head, _, method = text.rpartition(".")
        is_reader = text in CONFIG_READER_TEXTS or ctx.resolve(func) in CONFIG_READERS or (
            head in ("env", "environ") and method in _BOOL_READ_METHODS
        )
        # a project's own helper named for the environment: `get_bool_from_env("DEBUG", True)`
        own_helper = "env" in method.lower() or (not head and "env" in text.lower())
        if not is_reader and not own_helper:
            return None
        default = next((kw.value for kw in node.keywords if kw.arg == "default"), None)
        if default is None and own_helper and len(node.args) > 1:
            default = node.args[1]
    return default.value if isinstance(default, ast.Constant) else None


def _value_when_unset(node: ast.AST, ctx: Context) -> Optional[bool]:
    """What a boolean setting is when its environment variable is missing."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        left, right = node.left, node.comparators[0]
        fallback = _fallback(left, ctx)
        if isinstance(fallback, str) and isinstance(right, ast.Constant) and isinstance(right.value, str):
            equal = fallback == right.value
            return equal if isinstance(node.ops[0], ast.Eq) else not equal
        return None
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In):
        fallback = _fallback(node.left, ctx)
        options = node.comparators[0]
        if isinstance(fallback, str) and isinstance(options, (ast.Tuple, ast.List, ast.Set)):
            return any(isinstance(e, ast.Constant) and e.value == fallback for e in options.elts)
        return None
    return _as_bool(_fallback(node, ctx))


# -- the checks ------------------------------------------------------------------------------


@check(RULE, ast.Assign, ast.AnnAssign, ast.AugAssign)
def insecure_setting(node: ast.AST, ctx: Context) -> None:
    """`DEBUG = True`, `ALLOWED_HOSTS = ["*"]`, CORS allow-all and insecure cookies in a
    settings module that is not a development one."""
    if isinstance(node, ast.AnnAssign) and is_settings_class(ctx):
        _insecure_settings_field(node, ctx)
        return
    if not _production_settings(ctx) or id(node) in _dev_gated(ctx):
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    value = node.value  # type: ignore[attr-defined]
    for target in targets:
        if isinstance(target, ast.Name) and _insecure_value(target.id, value, ctx):
            if _overridden_in_production(target.id, ctx):
                return
            if target.id in _CORS_ALLOW_ALL:
                bound = ctx.bindings(ctx.module_frame)
                if bound.get("CORS_URLS_REGEX"):
                    return  # allow-all scoped to some URLs (a public API)
                credentials = bound.get("CORS_ALLOW_CREDENTIALS", ())
                if any(isinstance(v, ast.Constant) and v.value is True for _, v in credentials):
                    ctx.report(RULE, node, "credentials", expr=short_source(node, 50))
                    return
            ctx.report(RULE, node, expr=short_source(node, 50))
            return


_CORS_ALLOW_ALL = frozenset({"CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"})


def _overridden_in_production(name: str, ctx: Context) -> bool:
    """A settings module that star-imports this one rebinds ``name``, and is not a
    development one: production runs with its value, not this one."""
    project, module = ctx.project, ctx.project_module()
    if project is None or module is None:
        return False
    for other in project.overriding_modules(module.module):
        if name in other.upper_names and not _is_development_path(other.path, ctx):
            return True
    return False


def _is_development_path(path: str, ctx: Context) -> bool:
    from ...options import normalise_path, path_matches

    return path_matches(normalise_path(path), ctx.options.dev_settings_modules)


def _insecure_settings_field(node: ast.AnnAssign, ctx: Context) -> None:
    """`debug: bool = True`, `allowed_hosts: list[str] = ["*"]` in a pydantic settings
    class: the defaults production runs with when nothing overrides them."""
    if not isinstance(node.target, ast.Name) or node.value is None or development_config(ctx):
        return
    name = node.target.id.upper()
    value = field_default(node.value)
    if name in _ORIGIN_FIELDS:
        insecure = _has_wildcard(value, ctx)
    else:
        expected = _INSECURE_FLAGS.get(name)
        insecure = expected is not None and isinstance(value, ast.Constant) and value.value is expected
    if insecure:
        ctx.report(RULE, node, expr=short_source(node, 50))


def _is_cors_middleware(node: ast.AST, ctx: Context) -> bool:
    text = dotted_name(node) or ""
    return text.endswith(_CORS_MIDDLEWARE_SUFFIX) or (ctx.resolve(node) or "").endswith(_CORS_MIDDLEWARE_SUFFIX)


def _local_wildcard(node: ast.AST, ctx: Context) -> bool:
    if not isinstance(node, ast.Name) or ctx.frame.kind == "module":
        return False
    return any(_has_wildcard(value, ctx) for _, value in ctx.bindings_before(node.id, node))


@check(RULE, ast.Call)
def cors_allow_all_middleware(node: ast.Call, ctx: Context) -> None:
    """`app.add_middleware(CORSMiddleware, allow_origins=["*"])`, `CORSMiddleware(app,
    allow_origins=["*"])`, `Middleware(CORSMiddleware, allow_origins=["*"])`."""
    if not node.keywords:
        return  # the cheap test first: this runs on every call
    origins = next((kw.value for kw in node.keywords if kw.arg == "allow_origins"), None)
    if origins is None:
        return
    name = call_name(node) or ""
    if name in ("add_middleware", "Middleware"):
        if not node.args or not _is_cors_middleware(node.args[0], ctx):
            return
    elif not name.endswith(_CORS_MIDDLEWARE_SUFFIX):
        return
    if _has_wildcard(origins, ctx) or _local_wildcard(origins, ctx):
        credentials = next((kw.value for kw in node.keywords if kw.arg == "allow_credentials"), None)
        if isinstance(credentials, ast.Constant) and credentials.value is True:
            ctx.report(RULE, node, "credentials", expr=short_source(node, 50))
        else:
            ctx.report(RULE, node, expr=short_source(node, 50))
