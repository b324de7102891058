"""BR053 secret-in-log: a password, token, key or card number handed to a logging call
or to print."""
from __future__ import annotations

import ast
from typing import Optional, Set

from ...astutil import call_name, iter_nodes, short_source
from ...context import Context, FactKey, Frame
from ...queries import receiver_name
from ...strings import secret_word
from ...vocabulary import LOG_METHODS
from .. import Rule, check

RULE = Rule(
    code="BR053",
    symbol="secret-in-log",
    summary="A secret is written to a log",
    default_on=False,
    precision="Off by default. Read blind on three unseen projects: 1 of 4 findings true (one-off "
    "output to an operator, a setting documented to log the credential): too few and too "
    "mixed for a default-on rule. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br050-br053.md.",
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
    "program's output to its operator, not a log. Ownership tokens grant nothing and are "
    "not reported: a lock's token (`self.token` in a class with `acquire` and "
    "`release`, or a value the function hands to `acquire`/`release`/`extend` or "
    "`set(..., nx=True)`) and a claim identifier (a random id made in the function, "
    "`uuid4()`/`token_hex()`, written by an `update()` to claim rows).",
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


# A lock's own methods: a class with both is a lock, and its token says who holds it.
_LOCK_METHODS = frozenset({"acquire", "release"})
# Calls that take a lock's ownership token (`lock.release(token)`, `redis.set(key, token, nx=True)`).
_LOCK_CALLS = frozenset({"acquire", "release", "extend", "reacquire", "renew"})
# Generators of random identifiers: a value made here by one of these is an identifier.
_RANDOM_IDS = frozenset({"uuid1", "uuid4", "token_hex", "token_urlsafe", "getrandbits"})
_OWNERSHIP: FactKey[Set[str]] = FactKey("br053.ownership_tokens")


def _ownership_tokens(ctx: Context, frame: Frame) -> Set[str]:
    """Names of the function that hold an ownership token rather than a credential: a
    value handed to a lock (`lock.acquire(token=token)`, `redis.set(key, token, nx=True)`),
    or a random identifier made here and written by an `update()` to claim rows
    (`Job.objects.filter(claimed_by=None).update(claimed_by=claim)`)."""
    random_ids: Set[str] = set()
    for local, bound in ctx.bindings(frame).items():
        if any(isinstance(sub, ast.Call) and call_name(sub) in _RANDOM_IDS
               for _, value in bound for sub in iter_nodes(value, into_scopes=False)):
            random_ids.add(local)
    owned: Set[str] = set()
    for node in iter_nodes(frame.node, into_scopes=False):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        values = list(node.args) + [kw.value for kw in node.keywords]
        locking = name in _LOCK_CALLS or (
            name == "set" and any(kw.arg == "nx" for kw in node.keywords)
        )
        if locking:
            for value in values:
                owned.update(sub.id for sub in iter_nodes(value, into_scopes=False) if isinstance(sub, ast.Name))
        elif name in ("update", "aupdate"):
            owned.update(v.id for v in values if isinstance(v, ast.Name) and v.id in random_ids)
    return owned


def _lock_class(ctx: Context) -> bool:
    """The current method's class defines `acquire` and `release`: it is a lock."""
    cls = ctx.class_frame
    if cls is None:
        return False
    methods = {s.name for s in cls.node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return _LOCK_METHODS <= methods


def _is_ownership_token(found: ast.AST, ctx: Context) -> bool:
    """A lock's or a claim's token: it says who holds a lock or claimed a row, and grants
    nothing to whoever reads it."""
    if isinstance(found, ast.Attribute) and isinstance(found.value, ast.Name) and found.value.id == ctx.frame.self_name:
        return _lock_class(ctx)
    if isinstance(found, ast.Name) and ctx.frame.kind in ("function", "lambda"):
        return found.id in ctx.frame_fact(_OWNERSHIP, _ownership_tokens)
    return False


@check(RULE, ast.Call, callees=LOG_METHODS | {"print"})
def secret_in_log(node: ast.Call, ctx: Context) -> None:
    """A password, token, key or card number handed to a logging call or print."""
    if not _is_log_call(node, ctx):
        return
    values = list(node.args) + [kw.value for kw in node.keywords if kw.arg in ("extra", None)]
    for value in values:
        found = _secret_value(value)
        if found is not None and not _is_ownership_token(found, ctx):
            ctx.report(RULE, node, expr=short_source(found, 40))
            return
