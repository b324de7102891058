"""BR012 hardcoded-secret: a secret written in the code, or a fallback secret given as
the default of a configuration read."""
from __future__ import annotations

import ast
import re
from typing import Optional, Set

from ...astutil import call_name, dotted_name, short_source, string_value
from ...context import Context, FactKey, Frame
from ...strings import bound_name, is_placeholder, looks_like_secret, secret_word
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
    code="BR012",
    symbol="hardcoded-secret",
    summary="A secret is written in the code",
    default_on=False,
    precision="Off by default. Read blind on ten unseen projects: 7 of 30 findings true. Sample "
    "data for previews, arguments of project getters read as defaults and public demo "
    "keys were the false ones. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br010-br011-br012.md.",
    message="hard-coded secret `{expr}`; read it from the environment or a secret "
    "store, with no fallback value",
    messages={
        "default": "fallback secret default in `{expr}`: production starts with this secret "
        "when the variable is missing; read it with no default and fail when it is unset",
        "dict_entry": "hard-coded secret `{key}: {value}`; read it from the environment "
        "or a secret store, with no fallback value",
    },
    what="Finds a secret-looking string literal bound to a secret name: assigned to a "
    "name, attribute or string key, passed as a keyword argument, or written as a "
    "string key of a dict literal (`DATABASES = {\"default\": {\"PASSWORD\": "
    "\"...\"}}`), where the name's last word is `secret`, `password`, `passwd`, "
    "`token` or `apikey`, or its last two are `secret_key`, `api_key`, `private_key` "
    "or `access_key`, in any case (`STRIPE_SECRET_KEY`, `token=`, `client_secret=`, "
    "`apiKey`). Also, in any module, a non-empty literal *default* for such a name when "
    "reading configuration: `os.getenv(\"SECRET_KEY\", \"dev-secret\")`, "
    "`os.environ.get(\"DB_PASSWORD\", \"x\")`, `config(\"SECRET_KEY\", "
    "default=\"...\")`, `env.str(...)`, and a default of a pydantic settings field "
    "(`api_key: str = \"...\"` in a class whose base ends in `Settings`).",
    why="A secret in the repository is readable by everyone with access to it, lives "
    "forever in its history and is the same in every environment; a fallback default "
    "lets production start silently with the development secret.",
    bad="""
        from decouple import config

        SECRET_KEY = "k3#9vd!x0q_8m2w7e5r1t6y4u"
        STRIPE_API_KEY = "4f9c2a7d1e8b3c6a0d5e"
        """,
    good="""
        from decouple import config

        SECRET_KEY = config("SECRET_KEY")
        STRIPE_API_KEY = config("STRIPE_API_KEY")
        """,
    options=("backend-dev-settings-modules",),
    equivalents=("S105", "S106", "S107", "B105", "B106", "B107"),
    notes="A bound literal must look like a secret: strings shorter than six "
    "characters (dummies such as `\"123\"`), name-like words "
    "(`\"password\"`, `\"Authorization\"`, `\"changeme\"`, `\"X-Api-Token\"`, "
    "dotted paths such as `\"rest_framework.authtoken\"`), URLs, file paths, text with "
    "spaces (labels, help text), placeholders (`\"<token>\"`, `\"{password}\"`, "
    "`\"%s\"`, `\"****\"`) are silent. Names that qualify the secret word "
    "(`token_type`, `password_reset_timeout`, `max_tokens`), flags and counts "
    "(`has_password`, `is_secret`, `num_tokens`) and pagination tokens "
    "(`next_page_token`) are not secret names; the same definition drives BR053. Names "
    "split on `_`, `-`, `.` and camelCase, so header keys count (`\"X-Api-Key\"`). A "
    "configuration default counts whatever it looks like: any fallback secret reaches "
    "production when the variable is missing. Development settings modules, settings in "
    "a `test/`/`tests/`/`testing/` package, configuration modules named as development "
    "ones (`configuration_testing.py`, `local_config.py`) and test modules are exempt. "
    "Configuration reads count through a project's own helpers named for them "
    "(`get_secret(\"DB_PASSWORD\", \"x\")`, `env_str(...)`: a callee named with `env`, "
    "`secret`, `config` or `setting`, optionally after `get`/`read`/`load`, with a "
    "literal second argument or `default=`) and "
    "through `os.getenv(\"DB_PASSWORD\") or \"x\"`. A default that is a placeholder "
    "(`\"<your api key>\"`, `\"your-secret-here\"`, `\"dummy\"`; not `\"change-me\"`, which production would run with), a flag (`\"0\"`, "
    "`\"false\"`) or a rate limit is not a secret. Bound literals that are rate limits "
    "(`\"5/m/ip\"`), kebab-case resource names (`\"payments-api-token\"`) or the bound "
    "name itself (`oauth2_leaked_token = \"oauth2_leaked_token\"`) are silent.",
)

# the callee names a configuration read can have (a cheap test before resolving)
_CONFIG_READ_NAMES = frozenset({"getenv", "getenvb", "get", "config", "env", "str", "get_value"})
# Configuration reads already judged as the value of an assignment (which reports the
# whole assignment), so that the check of the read itself stays silent.
_ASSIGNED_READS: FactKey[Set[int]] = FactKey("br012.assigned_reads")


def _secret_name(name: Optional[str]) -> Optional[str]:
    return secret_word(name) if name else None


# A reader's name: `env`, `env_str`, `getenv_bool`, `get_secret`, `read_config`, `envsecret`
# (not a writer: `set_config`, `setenv`, `cleanse_setting`, `encrypt_client_secret`).
_HELPER_NAME = re.compile(r"(?:get_?|read_?|load_?)?(?:env|environ|secret|config|setting)s?(?:_?[a-z]+)?")


def _is_own_helper(func: ast.AST, ctx: Context) -> bool:
    """A project's configuration reader (`get_secret(...)`, `env_str(...)`): a callee named
    for the environment, a secret, configuration or a setting that no library provides."""
    name = (dotted_name(func) or "").rsplit(".", 1)[-1].lower()
    resolved = ctx.resolve(func)
    if resolved is not None and not resolved.startswith("."):
        root = resolved.split(".", 1)[0]
        if root in ("os", "environ", "decouple", "django", "pydantic", "pydantic_settings", "dynaconf"):
            return False
    return bool(_HELPER_NAME.fullmatch(name)) and not name.startswith(("set", "environ_"))


def _config_default(call: ast.Call, ctx: Context) -> Optional[ast.AST]:
    """The non-empty literal default of a configuration read (`os.getenv("X", "d")`,
    `config("X", default="d")`, `env.str("X", default="d")`, a project helper
    `get_secret("X", "d")`), else None; placeholders and flags are no secret."""
    func = call.func
    resolved = ctx.resolve(func)
    default: Optional[ast.AST] = None
    if resolved in ENV_READ_CALLS or (_is_own_helper(func, ctx) and resolved not in CONFIG_READERS):
        default = call.args[1] if len(call.args) > 1 else None
    elif resolved not in CONFIG_READERS and (dotted_name(func) not in CONFIG_READER_TEXTS or resolved is not None):
        return None
    for kw in call.keywords:
        if kw.arg == "default":
            default = kw.value
    text = string_value(default)
    return default if text and text.strip() and not is_placeholder(text) else None


def _or_default(value: ast.AST, ctx: Context) -> Optional[ast.Call]:
    """`os.getenv("X") or "fallback"`: the configuration read, when a literal follows it."""
    if not (isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or)):
        return None
    read = next((v for v in value.values if isinstance(v, ast.Call) and (
        ctx.resolve(v.func) in ENV_READ_CALLS or ctx.resolve(v.func) in CONFIG_READERS
        or _is_own_helper(v.func, ctx))), None)
    if read is None:
        return None
    for other in value.values:
        text = string_value(other)
        if text and text.strip() and not is_placeholder(text):
            return read
    return None


def _read_name(call: ast.Call, ctx: Context) -> Optional[str]:
    key: Optional[ast.AST] = call.args[0] if call.args else None
    if isinstance(key, ast.Name):
        key = ctx.module_constant(key.id)
    return string_value(key)


def _new_set(ctx: Context, frame: Frame) -> Set[int]:
    return set()


def _assigned_reads(ctx: Context) -> Set[int]:
    return ctx.frame_fact(_ASSIGNED_READS, _new_set, frame=ctx.module_frame)


@check(RULE, ast.Assign, ast.AnnAssign)
def hardcoded_secret_assignment(node: ast.AST, ctx: Context) -> None:
    """`SECRET_KEY = "..."`, `self.api_token = "..."`, `PASSWORD = os.getenv("X", "dev")`,
    a pydantic settings field `api_key: str = "..."`."""
    value = node.value  # type: ignore[attr-defined]
    if value is None:
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    read = _or_default(value, ctx)
    if read is not None:
        _assigned_reads(ctx).add(id(read))
        names = [bound_name(t) for t in targets] + [_read_name(read, ctx)]
        if any(_secret_name(n) for n in names) and not development_config(ctx):
            ctx.report(RULE, node, "default", expr=short_source(node, 50))
        return
    if isinstance(value, ast.Call) and (call_name(value) in _CONFIG_READ_NAMES or _is_own_helper(value.func, ctx)):
        if development_config(ctx):
            return
        default = _config_default(value, ctx)
        if default is not None:
            _assigned_reads(ctx).add(id(value))
            names = [bound_name(t) for t in targets] + [_read_name(value, ctx)]
            if any(_secret_name(n) for n in names):
                ctx.report(RULE, node, "default", expr=short_source(node, 50))
            return
    for target in targets:
        name = _secret_name(bound_name(target))
        if name is None:
            continue
        if development_config(ctx):  # after the cheap name test: this runs on every assignment
            return
        if isinstance(node, ast.AnnAssign) and is_settings_class(ctx):
            text = string_value(field_default(value))
            if text and text.strip() and not is_placeholder(text):  # a settings field's default is a fallback
                ctx.report(RULE, node, "default", expr=short_source(node, 50))
                return
        text = string_value(field_default(value))  # `x = "..."`, `SecretStr("...")`
        if text is not None and looks_like_secret(text) and not _names_itself(text, target):
            ctx.report(RULE, node, expr=short_source(node, 50))
            return


@check(RULE, ast.Call)
def hardcoded_secret_argument(node: ast.Call, ctx: Context) -> None:
    """`connect(password="...")`: a secret literal passed by a secret keyword."""
    keywords = node.keywords
    if not keywords:
        return  # the cheap test first: this runs on every call
    for kw in keywords:
        arg = kw.arg
        if arg and secret_word(arg):
            text = string_value(kw.value)
            if text is not None and looks_like_secret(text) and not development_config(ctx):
                ctx.report(RULE, kw, expr=short_source(kw, 50))


def _names_itself(text: str, target: ast.AST) -> bool:
    """`oauth2_leaked_token = "oauth2_leaked_token"`: the literal is the name, an identifier."""
    name = bound_name(target)
    return bool(name) and text.lower() == name.lower()  # type: ignore[union-attr]


@check(RULE, ast.Call)
def hardcoded_secret_config_default(node: ast.Call, ctx: Context) -> None:
    """A configuration read with a literal secret default that is not assigned
    (`Client(os.getenv("API_TOKEN", "abc"))`; an assigned one is the assignment's)."""
    if len(node.args) < 2 and not any(kw.arg == "default" for kw in node.keywords):
        return  # the cheap test first: this runs on every call
    if call_name(node) not in _CONFIG_READ_NAMES and not _is_own_helper(node.func, ctx):
        return  # an aliased import (`from os import getenv as ge`) is not a known read
    if id(node) in _assigned_reads(ctx) or development_config(ctx):
        return
    default = _config_default(node, ctx)
    if default is not None and _secret_name(_read_name(node, ctx)):
        ctx.report(RULE, node, "default", expr=short_source(node, 50))


@check(RULE, ast.Dict)
def hardcoded_secret_in_dict(node: ast.Dict, ctx: Context) -> None:
    """`{"PASSWORD": "..."}` (as in `DATABASES`)."""
    if development_config(ctx):
        return
    for key, value in zip(node.keys, node.values):
        name = string_value(key)
        if key is not None and name and _secret_name(name):
            text = string_value(value)
            if text is not None and looks_like_secret(text):
                ctx.report(RULE, key, "dict_entry", key=short_source(key, 30), value=short_source(value, 30))
