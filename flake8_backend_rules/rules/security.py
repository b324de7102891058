"""BR05x: security. Injection, CSRF exemptions, unsafe deserialization, secrets in logs.

The injection rules (BR050, BR054) follow the text to the sink rather than matching a
shape: the string-flow analysis in ``strings.py`` says which part of the text was
formatted in and whether it is only literals and constants.
"""
from __future__ import annotations

import ast
from typing import FrozenSet, List, Optional

from ..astutil import attribute_path, call_name, dotted_name, iter_nodes, short_source, string_value
from ..context import Context
from ..queries import MANAGER_ATTRS, is_session_name, receiver_name
from ..strings import secret_word, sql_value_position, string_flow
from . import check
from ..vocabulary import LOG_METHODS

# -- BR050 sql-built-from-strings ------------------------------------------------------

_EXECUTE_METHODS = frozenset({"execute", "executemany", "executescript"})
_SQL_KEYWORDS = ("sql", "statement", "query", "operation", "stmt")
_PARAM_KEYWORDS = ("params", "parameters", "args", "vars", "multiparams", "select_params", "translations")
# Calls whose result is safe to put into SQL text: identifier quoting (the way Django's
# backends and SQL compilers build DDL and table names), not values.
_SQL_SAFE_CALLS = frozenset(
    {"quote_name", "qn", "qn2", "quote_name_unless_alias", "quote_identifier", "quote_ident",
     "escape_identifier", "quote_value"}
)
_SQL_TEXT_CALLS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"})


def _is_cursor_like(receiver: ast.AST) -> bool:
    """`cursor`, `cur`, `conn`, `session`, `db`, `self.connection`, `connection.cursor()`."""
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute):
        return receiver.func.attr == "cursor"
    name = receiver_name(receiver)
    return is_session_name(name) or (name or "").lower().endswith("cursor")


def _has_params(call: ast.Call, position: int) -> bool:
    """Parameters passed separately: a positional argument at ``position`` or a params
    keyword that is not an empty literal."""
    values: List[ast.AST] = list(call.args[position:position + 1])
    values += [kw.value for kw in call.keywords if kw.arg in _PARAM_KEYWORDS]
    for value in values:
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)) and not value.elts:
            continue
        if isinstance(value, ast.Dict) and not value.keys:
            continue
        if isinstance(value, ast.Constant) and value.value is None:
            continue
        return True
    return False


def _sql_argument(call: ast.Call) -> Optional[ast.AST]:
    if call.args:
        first = call.args[0]
        return None if isinstance(first, ast.Starred) else first
    for kw in call.keywords:
        if kw.arg in _SQL_KEYWORDS:
            return kw.value
    return None


def _report_sql(call: ast.Call, sql: Optional[ast.AST], ctx: Context) -> None:
    if sql is None or isinstance(sql, ast.Constant):
        return
    part = string_flow(ctx).dynamic_part(sql, call, _SQL_SAFE_CALLS, sql_value_position)
    if part is not None:
        ctx.report("BR050", call, expr=short_source(sql, 50), part=short_source(part, 30))


def _is_manager(node: ast.AST) -> bool:
    base, attrs = attribute_path(node)
    return bool(attrs) and attrs[-1] in MANAGER_ATTRS


@check("BR050", ast.Call, callees=_EXECUTE_METHODS | {"raw", "extra", "RawSQL", "text"})
def sql_built_from_strings(node: ast.Call, ctx: Context) -> None:
    """SQL text formatted from non-literal parts reaching a query sink (injection)."""
    func = node.func
    if isinstance(func, ast.Attribute):
        method = func.attr
        if method in _EXECUTE_METHODS:
            if _is_cursor_like(func.value) and not _has_params(node, 1):
                _report_sql(node, _sql_argument(node), ctx)
        elif method == "raw":
            if _is_manager(func.value) and not _has_params(node, 1):
                _report_sql(node, _sql_argument(node), ctx)
        elif method == "extra":
            _extra_clauses(node, ctx)
        elif method in ("RawSQL", "text"):
            _text_call(node, ctx)
    elif isinstance(func, ast.Name) and func.id in ("RawSQL", "text") and func.id in ctx.imports:
        _text_call(node, ctx)


def _text_call(node: ast.Call, ctx: Context) -> None:
    resolved = ctx.resolve(node.func) or ""
    if resolved.endswith(".RawSQL") and resolved.startswith("django."):
        if not _has_params(node, 1):
            _report_sql(node, _sql_argument(node), ctx)
    elif resolved in _SQL_TEXT_CALLS:
        _report_sql(node, _sql_argument(node), ctx)


def _extra_clauses(node: ast.Call, ctx: Context) -> None:
    """`.extra(where=[...], select={...})` without `params=`/`select_params=`."""
    if _has_params(node, 99):
        return
    for kw in node.keywords:
        if kw.arg == "where" and isinstance(kw.value, (ast.List, ast.Tuple)):
            clauses = list(kw.value.elts)
        elif kw.arg == "select" and isinstance(kw.value, ast.Dict):
            clauses = list(kw.value.values)
        else:
            continue
        for clause in clauses:
            if not isinstance(clause, ast.Constant):
                part = string_flow(ctx).dynamic_part(clause, node, _SQL_SAFE_CALLS, sql_value_position)
                if part is not None:
                    ctx.report("BR050", node, expr=short_source(clause, 50), part=short_source(part, 30))
                    return


# -- BR051 csrf-exempt ---------------------------------------------------------------

_CSRF_EXEMPT = "django.views.decorators.csrf.csrf_exempt"
_URL_FUNCTIONS = frozenset({"django.urls.path", "django.urls.re_path", "django.conf.urls.url"})


def _is_csrf_exempt(node: ast.AST, ctx: Context) -> bool:
    return isinstance(node, (ast.Name, ast.Attribute)) and ctx.resolve(node) == _CSRF_EXEMPT


@check("BR051", ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
def csrf_exempt_decorator(node: ast.AST, ctx: Context) -> None:
    """`@csrf_exempt` on a view: the view accepts forged cross-site POSTs."""
    for deco in getattr(node, "decorator_list", ()):
        if _is_csrf_exempt(deco, ctx):
            ctx.report("BR051", deco, expr="@" + short_source(deco, 40))


@check("BR051", ast.Call, callees=("method_decorator", "path", "re_path", "url"))
def csrf_exempt_wrapper(node: ast.Call, ctx: Context) -> None:
    """`method_decorator(csrf_exempt, ...)`, and `csrf_exempt(view)` in a URL pattern."""
    func = node.func
    name = call_name(node)
    if name == "method_decorator":
        if node.args and _is_csrf_exempt(node.args[0], ctx):
            ctx.report("BR051", node, expr=short_source(node, 50))
    elif name in ("path", "re_path", "url") and ctx.resolve(func) in _URL_FUNCTIONS:
        for arg in node.args[1:2]:
            if isinstance(arg, ast.Call) and _is_csrf_exempt(arg.func, ctx):
                ctx.report("BR051", arg, expr=short_source(arg, 50))


# -- BR052 unsafe-deserialization -----------------------------------------------------

_UNSAFE_LOADERS = frozenset(
    f"{module}.{fn}"
    for module in ("pickle", "cPickle", "_pickle", "dill", "marshal", "cloudpickle")
    for fn in ("load", "loads")
) | {"jsonpickle.decode", "yaml.unsafe_load", "yaml.unsafe_load_all", "pickle.Unpickler"}
_YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
_LOADER_CALL_NAMES = frozenset({"load", "loads", "decode", "unsafe_load", "unsafe_load_all", "load_all", "Unpickler"})
_SAFE_YAML_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")


def _yaml_loader_is_safe(node: ast.Call) -> bool:
    loader: Optional[ast.AST] = node.args[1] if len(node.args) > 1 else None
    for kw in node.keywords:
        if kw.arg == "Loader":
            loader = kw.value
    if loader is None:
        return False
    for sub in iter_nodes(loader):
        name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
        if name and name.endswith(_SAFE_YAML_LOADERS):
            return True
    return False


@check("BR052", ast.Call, callees=_LOADER_CALL_NAMES)
def unsafe_deserialization(node: ast.Call, ctx: Context) -> None:
    """pickle/marshal/dill/jsonpickle loads and `yaml.load` without a safe Loader: loading
    untrusted bytes runs attacker-chosen code."""
    func = node.func
    name = call_name(node)
    if name not in _LOADER_CALL_NAMES:
        return
    resolved = ctx.resolve(func)
    if resolved in _UNSAFE_LOADERS:
        if node.args and _is_own_bytes(node.args[0], node, ctx):
            return
        ctx.report("BR052", node, expr=short_source(node, 50))
    elif resolved in _YAML_LOADS and not _yaml_loader_is_safe(node):
        ctx.report("BR052", node, expr=short_source(node, 50))


def _is_own_bytes(arg: ast.AST, call: ast.Call, ctx: Context) -> bool:
    """Bytes this process pickled itself: a round trip (`pickle.loads(pickle.dumps(x))`,
    a picklability check) or the object's own memory (`self._cache[key]`, directly or
    through a local), which nobody outside the process can write."""
    if isinstance(arg, ast.Name):
        if ctx.bindings().count_before(arg.id, call) != 1:
            return False
        arg = ctx.bindings().last_before(arg.id, call)  # type: ignore[assignment]
    if isinstance(arg, ast.Call):
        name = arg.func.attr if isinstance(arg.func, ast.Attribute) else None
        return name in ("dumps", "dump") and (ctx.resolve(arg.func) or "").endswith(("pickle.dumps", "dill.dumps"))
    while isinstance(arg, (ast.Subscript, ast.Attribute)):
        arg = arg.value
    return isinstance(arg, ast.Name) and arg.id == "self"


# -- BR053 secret-in-log ------------------------------------------------------------

_TRANSPARENT_CALLS = frozenset({"str", "repr", "format", "format_map"})


def _is_command_line_module(ctx: Context) -> bool:
    return ctx.kind.scripts or ctx.kind.manage or "/management/commands/" in ctx.filename.replace("\\", "/")


def _is_log_call(node: ast.Call, ctx: Context) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        # A command's or a script's print is its output to the operator, not a log.
        return func.id == "print" and ctx.resolve(func) == "print" and not _is_command_line_module(ctx)
    if not isinstance(func, ast.Attribute) or func.attr not in LOG_METHODS:
        return False
    receiver = receiver_name(func.value)
    if receiver is None:
        return False
    lowered = receiver.lower()
    return lowered in ("logger", "log", "logging") or lowered.endswith("logger")


# Owners whose bare `.token` is a credential; on other objects (`checkout.token`,
# `transaction_item.token` in Saleor) `token` is the row's public identifier.
_CREDENTIAL_OWNERS = frozenset(
    {"self", "cls", "request", "auth", "credentials", "credential", "creds", "session", "client",
     "oauth", "jwt", "api", "settings", "config", "conf", "response", "resp", "headers", "data",
     "account", "user", "payload", "body", "args", "options", "kwargs", "params", "cleaned_data"}
)


def _is_secret_attribute(node: ast.Attribute) -> bool:
    if not secret_word(node.attr, personal=True):
        return False
    if node.attr.lower() != "token":
        return True
    owner = receiver_name(node.value)
    return owner is not None and (owner.lower() in _CREDENTIAL_OWNERS or secret_word(owner) is not None)


def _secret_value(arg: ast.AST) -> Optional[ast.AST]:
    """The first name or attribute holding a secret among the values an argument shows;
    a value passed through a call (``mask(token)``, ``len(cvv)``) is not shown."""
    stack = [arg]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            if secret_word(node.id, personal=True):
                return node
        elif isinstance(node, ast.Attribute):
            if _is_secret_attribute(node):
                return node
        elif isinstance(node, ast.Call):
            name = call_name(node)
            if name in _TRANSPARENT_CALLS:
                stack.extend(reversed(list(node.args) + [kw.value for kw in node.keywords]))
        elif isinstance(node, ast.JoinedStr):
            stack.extend(reversed([v.value for v in node.values if isinstance(v, ast.FormattedValue)]))
        elif isinstance(node, ast.BinOp):
            stack.extend((node.right, node.left))
        elif isinstance(node, ast.BoolOp):
            stack.extend(reversed(node.values))
        elif isinstance(node, ast.IfExp):
            stack.extend((node.orelse, node.body))
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            stack.extend(reversed(node.elts))
        elif isinstance(node, ast.Dict):
            stack.extend(reversed([v for v in node.values if v is not None]))
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
    return None


@check("BR053", ast.Call, callees=LOG_METHODS | {"print"})
def secret_in_log(node: ast.Call, ctx: Context) -> None:
    """A password, token, key or card number handed to a logging call or print."""
    if not _is_log_call(node, ctx):
        return
    values = list(node.args) + [kw.value for kw in node.keywords if kw.arg in ("extra", None)]
    for value in values:
        found = _secret_value(value)
        if found is not None:
            ctx.report("BR053", node, expr=short_source(found, 40))
            return


# -- BR054 mark-safe-interpolation ---------------------------------------------------

_MARK_SAFE = frozenset(
    {"django.utils.safestring.mark_safe", "django.utils.safestring.SafeString",
     "django.utils.safestring.SafeText", "markupsafe.Markup", "jinja2.Markup", "flask.Markup"}
)
# Calls whose result is escaped (or already safe) HTML, or a number.
_HTML_SAFE_CALLS: FrozenSet[str] = frozenset(
    {"escape", "conditional_escape", "format_html", "format_html_join", "mark_safe", "SafeString",
     "render_to_string", "json_script", "escapejs", "flatatt", "urlencode", "iri_to_uri",
     "escape_uri_path", "reverse", "render", "linebreaks", "urlize", "static", "intcomma",
     "html_safe", "Markup", "quote", "quote_plus", "escape_html", "html_escape", "__html__",
     "get_absolute_url", "naturalday", "naturaltime", "clean_html", "sanitize", "sanitize_html",
     "isoformat", "strftime", "date_format", "localize"}
)


@check("BR054", ast.Call, callees=("mark_safe", "SafeString", "SafeText", "Markup"))
def mark_safe_interpolation(node: ast.Call, ctx: Context) -> None:
    """`mark_safe(f"<b>{name}</b>")`: text marked safe although a part of it is not
    escaped (cross-site scripting)."""
    func = node.func
    name = call_name(node)
    if name not in ("mark_safe", "SafeString", "SafeText", "Markup") or len(node.args) != 1:
        return
    if ctx.resolve(func) not in _MARK_SAFE:
        return
    arg = node.args[0]
    if isinstance(arg, ast.Constant):
        return
    part = string_flow(ctx).dynamic_part(arg, node, _HTML_SAFE_CALLS)
    if part is not None:
        ctx.report("BR054", node, expr=short_source(node, 50), part=short_source(part, 30))


# -- BR055 default-admin-url ---------------------------------------------------------


def _is_admin_prefix(node: ast.AST) -> bool:
    text = string_value(node)
    if text is None:
        return False
    return text.lstrip("^") in ("admin/", "admin")


@check("BR055", ast.Call, callees=("path", "re_path", "url"))
def default_admin_url(node: ast.Call, ctx: Context) -> None:
    """The admin mounted at the guessable `admin/` prefix."""
    func = node.func
    name = call_name(node)
    if name not in ("path", "re_path", "url") or len(node.args) < 2 or not _is_admin_prefix(node.args[0]):
        return
    if ctx.resolve(func) not in _URL_FUNCTIONS:
        return
    target = node.args[1]
    if isinstance(target, ast.Call) and target.args:  # include(admin.site.urls)
        target = target.args[0]
    text = dotted_name(target) or ""
    if text.endswith("site.urls"):
        ctx.report("BR055", node, expr=short_source(node, 50))
