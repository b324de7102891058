"""BR050 sql-built-from-strings: SQL text formatted from non-literal parts reaching a
query sink (injection)."""
from __future__ import annotations

import ast
from typing import List, Optional

from ...astutil import attribute_path, short_source
from ...context import Context
from ...queries import MANAGER_ATTRS, is_session_name, receiver_name
from ...strings import sql_value_position
from .. import Rule, check
from ._sql import in_ddl_option, innermost_part, sql_flow, takes_no_parameters

RULE = Rule(
    code="BR050",
    symbol="sql-built-from-strings",
    summary="SQL text is built from strings with non-literal parts",
    default_on=False,
    precision="Off by default. One finding in 19 projects its authors never read (round 3, after "
    "the classes found on other projects were fixed), judged false (primary keys joined "
    "into IN (...), not user input): too little evidence for a default-on rule. Verdicts: "
    "docs/evaluation/2026-12-04-blind-round3-br050-br053.md.",
    message="`{part}` is formatted into a value of the SQL `{expr}`; pass it as a query "
    "parameter",
    messages={
        # a value read from the request, formatted where a name goes (`ORDER BY {o}`)
        "request": "`{part}` comes from the request and is formatted into the SQL `{expr}`; "
        "pass it as a query parameter, or map it through an allow-list where it is a name",
    },
    what="Finds SQL text built with an f-string, `%`, `.format()` or `+` with a part "
    "that is neither a literal nor a module-level constant, passed directly or through "
    "a local of the same function (`sql = f\"...\"`, `sql += ...`) to "
    "`cursor.execute(...)`/`executemany(...)` (or `execute` on a `conn`/`session`/"
    "`db`-like receiver), `<M>.objects.raw(...)`, `.extra(where=[...], select={...})`, "
    "`RawSQL(...)` or SQLAlchemy's `text(...)`.",
    why="A value formatted into SQL text is an injection: the database cannot tell "
    "the attacker's quote from the statement's. Parameters are sent apart from the "
    "SQL and can never change its meaning.",
    bad="""
        from django.db import connection


        def orders_of(email):
            sql = f"SELECT id FROM orders WHERE email = '{email}'"
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        """,
    good="""
        from django.db import connection


        def orders_of(email):
            with connection.cursor() as cursor:
                cursor.execute("SELECT id FROM orders WHERE email = %s", [email])
                return cursor.fetchall()
        """,
    equivalents=("S608", "B608"),
    notes="A formatted part counts only in a *value* position of the statement, where "
    "a parameter would go: inside a quoted SQL string (`'{name}'`), after a comparison, "
    "`LIKE`, `LIMIT`/`OFFSET` or `BETWEEN ... AND`, inside `IN (...)`/`VALUES (...)`. "
    "Identifier positions are silent: `FROM {table}`, `{tbl}.id`, `\"{schema}\"`, "
    "`SELECT {fn}()`, DDL (`CREATE DATABASE {name}`): SQL cannot bind identifiers, and "
    "that is how Django's own backends and compilers build statements from table and "
    "column names. A value read from the request (`request.GET[...]`, "
    "`request.query_params.get(...)`, directly or through a local) counts in any "
    "position: `ORDER BY {request.GET[\"o\"]}` is identifier injection. Other "
    "identifiers from parameters are left to review. Also silent: literal SQL; parts that are literals, "
    "module-level constants (an UPPER_CASE name bound once to a literal, or an "
    "UPPER_CASE attribute such as `constants.TABLE`), numbers (`int(...)`, `len(...)`, "
    "`%d`, `{n:d}`), primary and foreign keys (`obj.pk`, `ct.id`, `obj.user_id`), model "
    "options (`model._meta.db_table`), repeated placeholders (`\", \".join([\"%s\"] * "
    "len(ids))`) and quoted identifiers (`connection.ops.quote_name(table)`, "
    "`qn(column)`). A call that passes parameters separately (`cursor.execute(sql, "
    "params)`, `raw(sql, params)`, `RawSQL(sql, params)`, `extra(..., params=...)`) is "
    "silent: the author chose parameterisation. Text that arrives whole (a parameter "
    "`sql`, a method's return value, `sql + \" LIMIT 10\"`) is not built where it is "
    "executed; the rule reports where text is formatted and executed in the same "
    "function. Also silent: imported UPPER_CASE settings (`from app.conf import "
    "TABLE_PREFIX`), parameters annotated as numbers (`limit: int`), loop variables over "
    "a literal collection; statements that take no parameters (DDL, `SET ...`, `DO $$ "
    "... $$`) and schema text (`server_default=text(...)`); migrations (also Alembic "
    "revisions and modules of numbered steps) and one-off programs (management commands, "
    "scripts with a `__main__` block, `argparse` or `sys.argv`), which format the code's "
    "own data when an operator runs them. The message names the value formatted in "
    "(`typename`, not `\"{}:\".format(typename)`).",
)

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
    if sql is None or isinstance(sql, ast.Constant) or takes_no_parameters(sql, ctx, call):
        return
    _report_part(call, sql, ctx)


def _report_part(call: ast.Call, sql: ast.AST, ctx: Context) -> bool:
    flow = sql_flow(ctx)
    part = flow.dynamic_part(sql, call, _SQL_SAFE_CALLS, sql_value_position)
    if part is None:
        return False
    # a part read from the request counts in any position, a name's too: say where it comes from
    variant = "request" if flow.dynamic_part(sql, call, _SQL_SAFE_CALLS, _nowhere) is part else None
    ctx.report(RULE, call, variant, expr=short_source(sql, 50), part=short_source(innermost_part(part), 30))
    return True


def _nowhere(before: str, after: str) -> bool:
    """A position test no part passes: only the values read from the request are found."""
    return False


def _is_manager(node: ast.AST) -> bool:
    _, attrs = attribute_path(node)
    return bool(attrs) and attrs[-1] in MANAGER_ATTRS


@check(RULE, ast.Call, callees=_EXECUTE_METHODS | {"raw", "extra", "RawSQL", "text"})
def sql_built_from_strings(node: ast.Call, ctx: Context) -> None:
    """SQL text formatted from non-literal parts reaching a query sink (injection)."""
    if ctx.in_migration() or ctx.in_program() or in_ddl_option(node, ctx):
        return  # run once by an operator on the code's own data; schema text
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
                if _report_part(node, clause, ctx):
                    return
