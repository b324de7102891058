"""BR053 secret-in-log: a password, token, key or card number handed to a logging call
or to print."""
from __future__ import annotations

import ast
from typing import Optional

from ...astutil import call_name, short_source
from ...context import Context
from ...queries import receiver_name
from ...strings import secret_word
from ...vocabulary import LOG_METHODS
from .. import Rule, check

RULE = Rule(
    code="BR053",
    symbol="secret-in-log",
    summary="A secret is written to a log",
    message="`{expr}` is written to a log; log an identifier or a masked form instead",
    what="Finds logging calls (`debug`/`info`/`warning`/`error`/`exception`/`critical`/"
    "`log` on `logger`, `log`, `logging` or a name ending in `logger`, and `print`) "
    "whose arguments (names, attributes, f-string fields, `%`/`.format()` arguments, "
    "`extra=` values) include a name or attribute whose last word is `password`, "
    "`passwd`, `secret`, `token`, `apikey`, `authorization`, `cvv` or `ssn`, or whose "
    "last two are `api_key`, `private_key`, `secret_key`, `access_key` or "
    "`card_number` (`jwt_token`, `user.password`, `settings.SECRET_KEY`).",
    why="Logs are kept long, shipped to third parties and read by many people: a "
    "token or card number in a log is a leaked token or card number.",
    bad="""
        import logging

        logger = logging.getLogger(__name__)


        def login(user, jwt_token):
            logger.info("login %s with %s", user.pk, jwt_token)
        """,
    good="""
        import logging

        logger = logging.getLogger(__name__)


        def login(user, jwt_token):
            logger.info("login %s", user.pk)
        """,
    notes="Names that qualify the word are something else (`token_count`, "
    "`token_type`, `password_changed_at`, `max_tokens`, `reset_token_sent`), as are "
    "flags and counts (`has_password`, `is_secret`, `num_tokens`) and pagination "
    "tokens (`next_page_token`); the definition is shared with BR012. A value passed "
    "through a call is not shown as is (`mask(token)`, `len(cvv)`, `token[:6]`), except "
    "`str()`/`repr()`/`.format()`. Only the last attribute of a chain counts: "
    "`token.user_id` logs a user id. A bare `.token` attribute counts on credential "
    "holders (`self`, `request`, `auth`, `client`, `credentials`, `session`, `settings`, "
    "`user`...) but not on business objects, where it is the row's public identifier "
    "(Saleor's `checkout.token`). `print` in management commands and `scripts/` is the "
    "program's output to its operator, not a log.",
)

_TRANSPARENT_CALLS = frozenset({"str", "repr", "format", "format_map"})
# Owners whose bare `.token` is a credential; on other objects (`checkout.token`,
# `transaction_item.token` in Saleor) `token` is the row's public identifier.
_CREDENTIAL_OWNERS = frozenset(
    {"self", "cls", "request", "auth", "credentials", "credential", "creds", "session", "client",
     "oauth", "jwt", "api", "settings", "config", "conf", "response", "resp", "headers", "data",
     "account", "user", "payload", "body", "args", "options", "kwargs", "params", "cleaned_data"}
)


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


@check(RULE, ast.Call, callees=LOG_METHODS | {"print"})
def secret_in_log(node: ast.Call, ctx: Context) -> None:
    """A password, token, key or card number handed to a logging call or print."""
    if not _is_log_call(node, ctx):
        return
    values = list(node.args) + [kw.value for kw in node.keywords if kw.arg in ("extra", None)]
    for value in values:
        found = _secret_value(value)
        if found is not None:
            ctx.report(RULE, node, expr=short_source(found, 40))
            return
