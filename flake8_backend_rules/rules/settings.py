"""BR01x: configuration and settings: env reads, insecure settings, hard-coded secrets,
inline business rates."""
from __future__ import annotations

import ast
import decimal
import re
from typing import Callable, Dict, List, Optional, Set, Tuple

from ..astutil import call_name, dotted_name, short_source, string_value
from ..context import Context, FactKey
from ..options import normalise_path, path_matches
from ..strings import bound_name, looks_like_secret, secret_word
from . import check

_BR011_DEV_GATED_KEY: FactKey[Set[int]] = FactKey("br011.dev_gated")
_BR012_HANDLED_KEY: FactKey[Set[int]] = FactKey("br012.handled")
_BR01_DEV_KEY: FactKey[bool] = FactKey("br01.dev")

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


@check("BR010", ast.Call, callees=_READ_METHODS)
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


# -- BR011 insecure-setting ------------------------------------------------------------

# setting -> the literal value that is insecure outside development
_INSECURE_FLAGS = {
    "DEBUG": True,
    "CORS_ALLOW_ALL_ORIGINS": True,
    "CORS_ORIGIN_ALLOW_ALL": True,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
}
_CORS_MIDDLEWARE_SUFFIX = "CORSMiddleware"


_TEST_FOLDERS = frozenset({"test", "tests", "testing"})
_CONFIG_WORDS = ("settings", "config", "conf")


def development_config(ctx: Context) -> bool:
    """A development settings module, and also (computed once per module) settings kept
    in a test package (`wagtail/test/settings_ui.py`) and configuration modules named as
    development ones without being settings modules (`configuration_testing.py`)."""
    found = ctx.frame_fact(_BR01_DEV_KEY, _compute_development_config, frame=ctx.module_frame)
    return bool(found)


def _compute_development_config(ctx: Context, frame: object) -> bool:
    if ctx.kind.dev_settings:
        return True
    path = normalise_path(ctx.filename)
    folders, _, name = path.rpartition("/")
    if ctx.kind.settings and _TEST_FOLDERS & set(folders.split("/")):
        return True
    return any(word in name for word in _CONFIG_WORDS) and path_matches(path, ctx.options.dev_settings_modules)


_DEV_MARKERS = re.compile(r"\b(?:debug|dev|develop|development|local|localhost|test|testing|tests)\b")


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
    return ctx.frame_fact(_BR011_DEV_GATED_KEY, _compute_dev_gated, frame=ctx.module_frame)


def _compute_dev_gated(ctx: Context, frame: object) -> Set[int]:
    gated: Set[int] = set()
    pending: List[Tuple[ast.stmt, bool]] = [(stmt, False) for stmt in getattr(ctx.tree, "body", [])]
    while pending:
        stmt, inside = pending.pop()
        if inside:
            gated.add(id(stmt))
        if isinstance(stmt, ast.If):
            dev = _is_dev_test(stmt.test)
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
    if not ctx.kind.settings or ctx.frame.kind != "module" or development_config(ctx):
        return False
    return not ctx.filename.endswith("global_settings.py")


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
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split":
            inner = node.func.value
            if isinstance(inner, ast.Call) and ctx.resolve(inner.func) in _ENV_READ_CALLS and len(inner.args) > 1:
                if string_value(inner.args[1]) == "*":
                    return True
    return False


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
    if ctx.resolve(func) in _ENV_READ_CALLS:
        default = node.args[1] if len(node.args) > 1 else None
    else:
        text = dotted_name(func) or ""
        head, _, method = text.rpartition(".")
        is_reader = text in _CONFIG_READER_TEXTS or ctx.resolve(func) in _CONFIG_READERS or (
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


@check("BR011", ast.Assign, ast.AnnAssign, ast.AugAssign)
def insecure_setting(node: ast.AST, ctx: Context) -> None:
    """`DEBUG = True`, `ALLOWED_HOSTS = ["*"]`, CORS allow-all and insecure cookies in a
    settings module that is not a development one."""
    if isinstance(node, ast.AnnAssign) and _is_settings_class(ctx):
        _insecure_settings_field(node, ctx)
        return
    if not _production_settings(ctx) or id(node) in _dev_gated(ctx):
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    value = node.value  # type: ignore[attr-defined]
    for target in targets:
        if isinstance(target, ast.Name) and _insecure_value(target.id, value, ctx):
            ctx.report("BR011", node, expr=short_source(node, 50))
            return


# pydantic settings fields holding allowed hosts or CORS origins, by convention
_ORIGIN_FIELDS = frozenset(
    {"ALLOWED_HOSTS", "CORS_ORIGINS", "BACKEND_CORS_ORIGINS", "ALLOW_ORIGINS", "ALLOWED_ORIGINS"}
)


def _insecure_settings_field(node: ast.AnnAssign, ctx: Context) -> None:
    """`debug: bool = True`, `allowed_hosts: list[str] = ["*"]` in a pydantic settings
    class: the defaults production runs with when nothing overrides them."""
    if not isinstance(node.target, ast.Name) or node.value is None or development_config(ctx):
        return
    name = node.target.id.upper()
    value = _field_default(node.value)
    if name in _ORIGIN_FIELDS:
        insecure = _has_wildcard(value, ctx)
    else:
        expected = _INSECURE_FLAGS.get(name)
        insecure = expected is not None and isinstance(value, ast.Constant) and value.value is expected
    if insecure:
        ctx.report("BR011", node, expr=short_source(node, 50))


def _is_cors_middleware(node: ast.AST, ctx: Context) -> bool:
    text = dotted_name(node) or ""
    return text.endswith(_CORS_MIDDLEWARE_SUFFIX) or (ctx.resolve(node) or "").endswith(_CORS_MIDDLEWARE_SUFFIX)


@check("BR011", ast.Call)
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
        ctx.report("BR011", node, expr=short_source(node, 50))


def _local_wildcard(node: ast.AST, ctx: Context) -> bool:
    if not isinstance(node, ast.Name) or ctx.frame.kind == "module":
        return False
    return any(_has_wildcard(value, ctx) for _, value in ctx.bindings_before(node.id, node))


# -- BR012 hardcoded-secret --------------------------------------------------------------

_CONFIG_READERS = frozenset({"decouple.config"})
# the callee names a configuration read can have (a cheap test before resolving)
_CONFIG_READ_NAMES = frozenset({"getenv", "getenvb", "get", "config", "env", "str", "get_value"})
_CONFIG_READER_TEXTS = frozenset({"config", "env", "env.str", "env.get_value", "environ.get", "getenv"})


def _secret_name(name: Optional[str]) -> Optional[str]:
    return secret_word(name) if name else None


def _config_default(call: ast.Call, ctx: Context) -> Optional[ast.AST]:
    """The non-empty literal default of a configuration read (`os.getenv("X", "d")`,
    `config("X", default="d")`, `env.str("X", default="d")`), else None."""
    func = call.func
    resolved = ctx.resolve(func)
    default: Optional[ast.AST] = None
    if resolved in _ENV_READ_CALLS:
        default = call.args[1] if len(call.args) > 1 else None
    elif resolved not in _CONFIG_READERS and (dotted_name(func) not in _CONFIG_READER_TEXTS or resolved is not None):
        return None
    for kw in call.keywords:
        if kw.arg == "default":
            default = kw.value
    text = string_value(default)
    return default if text and text.strip() else None


def _read_name(call: ast.Call, ctx: Context) -> Optional[str]:
    key: Optional[ast.AST] = call.args[0] if call.args else None
    if isinstance(key, ast.Name):
        key = ctx.module_constant(key.id)
    return string_value(key)


def _br012_handled(ctx: Context) -> Set[int]:
    return ctx.frame_fact(_BR012_HANDLED_KEY, lambda c, f: set(), frame=ctx.module_frame)


def _exempt_from_br012(ctx: Context) -> bool:
    return development_config(ctx)


def _is_settings_class(ctx: Context) -> bool:
    if ctx.frame.kind != "class" or not ctx.classes:
        return False
    return any(base.endswith("Settings") for base in ctx.classes[-1].base_names)


def _field_default(value: ast.AST) -> Optional[ast.AST]:
    """`Field("x")`, `Field(default="x")`, `SecretStr("x")`: the default of a pydantic
    field."""
    if isinstance(value, ast.Call):
        callee = (dotted_name(value.func) or "").rsplit(".", 1)[-1]
        if callee == "Field":
            for kw in value.keywords:
                if kw.arg == "default":
                    return _field_default(kw.value) if isinstance(kw.value, ast.Call) else kw.value
            return value.args[0] if value.args else None
        if callee in ("SecretStr", "SecretBytes") and len(value.args) == 1:
            return value.args[0]
    return value


@check("BR012", ast.Assign, ast.AnnAssign)
def hardcoded_secret_assignment(node: ast.AST, ctx: Context) -> None:
    """`SECRET_KEY = "..."`, `self.api_token = "..."`, `PASSWORD = os.getenv("X", "dev")`,
    a pydantic settings field `api_key: str = "..."`."""
    value = node.value  # type: ignore[attr-defined]
    if value is None:
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    if isinstance(value, ast.Call) and call_name(value) in _CONFIG_READ_NAMES:
        if _exempt_from_br012(ctx):
            return
        default = _config_default(value, ctx)
        if default is not None:
            _br012_handled(ctx).add(id(value))
            names = [bound_name(t) for t in targets] + [_read_name(value, ctx)]
            if any(_secret_name(n) for n in names):
                ctx.report("BR012", node, expr=short_source(node, 50))
            return
    for target in targets:
        name = _secret_name(bound_name(target))
        if name is None:
            continue
        if _exempt_from_br012(ctx):  # after the cheap name test: this runs on every assignment
            return
        if isinstance(node, ast.AnnAssign) and _is_settings_class(ctx):
            text = string_value(_field_default(value))
            if text and text.strip():  # a settings field's default is a fallback secret
                ctx.report("BR012", node, expr=short_source(node, 50))
                return
        text = string_value(_field_default(value))  # `x = "..."`, `SecretStr("...")`
        if text is not None and looks_like_secret(text):
            ctx.report("BR012", node, expr=short_source(node, 50))
            return


@check("BR012", ast.Call)
def hardcoded_secret_argument(node: ast.Call, ctx: Context) -> None:
    """`connect(password="...")`: a secret literal passed by a secret keyword."""
    keywords = node.keywords
    if not keywords:
        return  # the cheap test first: this runs on every call
    for kw in keywords:
        arg = kw.arg
        if arg and secret_word(arg):
            text = string_value(kw.value)
            if text is not None and looks_like_secret(text) and not _exempt_from_br012(ctx):
                ctx.report("BR012", kw, expr=short_source(kw, 50))


@check("BR012", ast.Call, callees=_CONFIG_READ_NAMES)
def hardcoded_secret_config_default(node: ast.Call, ctx: Context) -> None:
    """A configuration read with a literal secret default that is not assigned
    (`Client(os.getenv("API_TOKEN", "abc"))`; an assigned one is the assignment's)."""
    if id(node) in _br012_handled(ctx) or _exempt_from_br012(ctx):
        return
    if call_name(node) not in _CONFIG_READ_NAMES:
        return
    default = _config_default(node, ctx)
    if default is not None and _secret_name(_read_name(node, ctx)):
        ctx.report("BR012", node, expr=short_source(node, 50))


@check("BR012", ast.Dict)
def hardcoded_secret_in_dict(node: ast.Dict, ctx: Context) -> None:
    """`{"PASSWORD": "..."}` (as in `DATABASES`)."""
    if _exempt_from_br012(ctx):
        return
    for key, value in zip(node.keys, node.values):
        name = string_value(key)
        if name and _secret_name(name):
            text = string_value(value)
            if text is not None and looks_like_secret(text):
                shown = short_source(key, 30) + ": " + short_source(value, 30)  # type: ignore[arg-type]
                ctx.report("BR012", key, expr=shown)  # type: ignore[arg-type]


# -- BR013 inline-decimal-rate -------------------------------------------------------------


def _rate_literal(node: ast.AST, ctx: Context) -> bool:
    """`Decimal("0.09")`: a literal that is neither a whole number (`0`, `1`, `100`,
    `60`), nor a power of ten (`0.01` converts cents, it is not a rate), nor a physical
    unit conversion factor (`0.3048` feet to metres)."""
    if not isinstance(node, ast.Call) or len(node.args) != 1 or node.keywords:
        return False
    arg = node.args[0]
    if not isinstance(arg, ast.Constant) or isinstance(arg.value, bool) or not isinstance(arg.value, (str, int, float)):
        return False
    if ctx.resolve(node.func) != "decimal.Decimal":
        return False
    try:
        number = decimal.Decimal(str(arg.value).strip())
    except (decimal.InvalidOperation, ValueError):
        return False
    if not number.is_finite() or number == number.to_integral_value():
        return False
    return not _is_power_of_ten(abs(number)) and not _is_unit_factor(abs(number))


# Physical unit conversions (inch, foot, yard, mile, ounce, pound, gallon, Fahrenheit,
# km/h...): fixed by definition, never a business decision. Also their inverses below.
_UNIT_FACTORS = frozenset(
    decimal.Decimal(text)
    for text in (
        "0.0254 2.54 25.4 0.3048 30.48 304.8 0.9144 1609.344 1.609344 1.60934 0.621371"
        " 3.28084 39.3701 1.09361 28.3495 28.349523125 453.592 453.59237 0.453592"
        " 0.45359237 2.20462 35.274 3.78541 3.785411784 0.264172 4.54609 1.8 0.5556"
        " 3.6 0.277778 1.852 0.539957 6.4516 0.092903 10.7639 2.58999 0.386102"
    ).split()
)


def _is_unit_factor(number: decimal.Decimal) -> bool:
    return number in _UNIT_FACTORS


def _is_power_of_ten(number: decimal.Decimal) -> bool:
    digits = number.normalize().as_tuple().digits
    return digits == (1,)


def _in_function(ctx: Context) -> bool:
    return ctx.frame.kind in ("function", "lambda")


@check("BR013", ast.BinOp)
def inline_decimal_rate(node: ast.BinOp, ctx: Context) -> None:
    """`price * Decimal("0.09")`: a business rate (tax, fee, discount) hidden in code."""
    if not isinstance(node.op, (ast.Mult, ast.Div)) or not _in_function(ctx):
        return
    for side in (node.left, node.right):
        if _rate_literal(side, ctx):
            ctx.report("BR013", side, expr=short_source(side, 40))


@check("BR013", ast.AugAssign)
def inline_decimal_rate_augmented(node: ast.AugAssign, ctx: Context) -> None:
    """`total *= Decimal("0.85")`."""
    if isinstance(node.op, (ast.Mult, ast.Div)) and _in_function(ctx) and _rate_literal(node.value, ctx):
        ctx.report("BR013", node.value, expr=short_source(node.value, 40))
