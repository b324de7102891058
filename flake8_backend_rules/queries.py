"""The shared vocabulary of *query expressions*: what every rule counts as a database query.

A call is a query expression when its method chain runs (or builds and runs) a database
query: a Django manager chain (``X.objects.filter(...).first()``), a queryset method on a
related manager (``self.items.all()``, ``item.product.images.filter(...)``), a method on a
local bound to a query, or a SQLAlchemy / DB-API call on a session-like receiver
(``await db.execute(...)``, ``session.query(X).all()``).

Only the outermost call of a chain is "the" query; the context remembers the inner links
so a chain is reported once.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Tuple

from .astutil import attribute_path, string_value


def _with_async(names: FrozenSet[str]) -> FrozenSet[str]:
    return frozenset(names | {"a" + name for name in names})


QUERYSET_METHODS = _with_async(
    frozenset(
        "all filter exclude get first last count exists aggregate annotate values values_list"
        " order_by distinct in_bulk latest earliest iterator create get_or_create"
        " update_or_create update delete bulk_create bulk_update".split()
    )
)
BUILDER_METHODS = frozenset(
    "only defer select_related prefetch_related select_for_update using reverse none union".split()
)
CHAIN_METHODS = QUERYSET_METHODS | BUILDER_METHODS
WRITE_METHODS = _with_async(
    frozenset(
        "create get_or_create update_or_create update delete bulk_create bulk_update".split()
    )
)
# Methods that return a queryset (so the chain stays lazy; BR004 and prefetch use this).
QUERYSET_RETURNING = frozenset(
    "all filter exclude order_by annotate values values_list distinct".split()
) | BUILDER_METHODS
# `.count()` and `.all()` are queries only without arguments (`s.count("x")` is str.count).
_NO_ARGS_ANYWHERE = _with_async(frozenset({"all", "count"}))
# On a related manager, these take no positional arguments in Django; a positional one
# means another API (`cache.delete(key)`, `path.exists()` is handled by name below).
_NO_ARGS_ON_RELATED = _with_async(frozenset({"exists", "first", "last", "delete"}))
_KEYWORDS_ONLY_ON_RELATED = _with_async(
    frozenset({"create", "get_or_create", "update_or_create", "update"})
)
# `.get(...)`, `.update(...)` and `.values()` are dict methods too: queries only after
# another queryset method or a manager.
_NEED_PRIOR = _with_async(frozenset({"get", "update", "values"}))
# Builders that are also list/set methods: never the first link on a related manager.
_NOT_FIRST_ON_RELATED = frozenset({"reverse", "none", "union", "using"})
_PATHLIKE = ("path", "file", "dir", "folder", "root", "location", "storage")

MANAGER_ATTRS = frozenset({"objects", "_default_manager", "_base_manager"})
SQLALCHEMY_METHODS = frozenset({"execute", "scalars", "scalar", "query", "get"})
_SESSION_NAMES = frozenset({"session", "db", "conn", "connection", "cursor", "cur"})
_SQL_WRITE_BUILDERS = frozenset({"update", "insert", "delete"})
_SQL_WRITE_WORDS = ("insert", "update", "delete", "replace", "merge", "upsert")
NUMERIC_BARE = frozenset({"all", "any", "count"})


@dataclass
class QueryInfo:
    """What a query expression is made of."""

    node: ast.Call
    kind: str  # "manager" | "related" | "local" | "sqlalchemy"
    methods: Tuple[str, ...]  # chain links from the first query link outward
    root: ast.AST  # the receiver of the first link
    base_name: Optional[str]  # the Name at the bottom of the root, if any
    rel_path: Tuple[str, ...]  # attributes between base_name and the first link
    inner_calls: Tuple[ast.Call, ...]
    is_write: bool

    @property
    def links(self) -> List[Tuple[str, ast.Call]]:
        """(method, call) for each link of the chain, innermost first."""
        return list(zip(self.methods, self.inner_calls + (self.node,)))


def chain_links(call: ast.Call) -> Tuple[List[Tuple[str, ast.Call]], ast.AST]:
    """``a.b.filter(x).first()`` -> ([("filter", c1), ("first", c2)], ``a.b``)."""
    links: List[Tuple[str, ast.Call]] = []
    node: ast.AST = call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        links.append((node.func.attr, node))
        node = node.func.value
    links.reverse()
    return links, node


def is_session_name(name: Optional[str]) -> bool:
    if not name:
        return False
    lowered = name.lower()
    return lowered in _SESSION_NAMES or lowered.endswith(("_session", "_db"))


def receiver_name(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _has_no_args(call: ast.Call) -> bool:
    return not call.args and not call.keywords


def _link_ok(name: str, call: ast.Call) -> bool:
    if name not in CHAIN_METHODS:
        return False
    if name in _NO_ARGS_ANYWHERE and not _has_no_args(call):
        return False
    return True


def _first_related_link_ok(name: str, call: ast.Call, rel_path: List[str]) -> bool:
    if name in _NEED_PRIOR or name in _NOT_FIRST_ON_RELATED:
        return False
    if not _link_ok(name, call):
        return False
    if name in _NO_ARGS_ON_RELATED and call.args:
        return False
    if name in _KEYWORDS_ONLY_ON_RELATED and call.args:
        return False
    if name in ("exists", "aexists"):
        last = rel_path[-1].lower() if rel_path else ""
        if any(word in last for word in _PATHLIKE):
            return False
    return True


def sql_write(call: ast.Call) -> bool:
    """`execute(update(...)/insert(...)/delete(...))` or literal INSERT/UPDATE/DELETE."""
    if not call.args:
        return False
    arg = call.args[0]
    # Unwrap `text("...")` and builder chains such as `update(T).where(...).values(...)`.
    node: ast.AST = arg
    while isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in _SQL_WRITE_BUILDERS:
                return True
            if func.id == "text" and node.args:
                node = node.args[0]
                continue
            break
        if isinstance(func, ast.Attribute):
            module = func.value
            if func.attr in _SQL_WRITE_BUILDERS and isinstance(module, ast.Name) and module.id in ("sa", "sqlalchemy"):
                return True
            node = func.value
            continue
        break
    text = string_value(node)
    if text is None and isinstance(node, ast.JoinedStr) and node.values:
        text = string_value(node.values[0])
    if text:
        return text.lstrip().lower().startswith(_SQL_WRITE_WORDS)
    return False


def analyse_chain(
    call: ast.Call,
    is_bound_name,
    is_query_local,
    numeric_module: bool,
) -> Optional[QueryInfo]:
    """Classify a call as a query expression.

    ``is_bound_name(name)`` says whether a bare name is a parameter, loop target or
    query-bound local (a valid related-manager base); ``is_query_local(name)`` whether it
    is a local bound to a query expression.
    """
    links, root = chain_links(call)
    if not links:
        return None
    names = [name for name, _ in links]
    inner = tuple(c for _, c in links[:-1])
    base, rel_path = attribute_path(root)
    base_name = base.id if isinstance(base, ast.Name) else None

    # SQLAlchemy / DB-API: the first link on a session-like receiver; anything after.
    first_name, first_call = links[0]
    if first_name in SQLALCHEMY_METHODS and is_session_name(receiver_name(root)):
        return QueryInfo(
            call, "sqlalchemy", tuple(names), root, base_name, tuple(rel_path), inner,
            is_write=first_name == "execute" and sql_write(first_call),
        )

    if isinstance(root, ast.Attribute) and root.attr in MANAGER_ATTRS:
        kind = "manager"
        rest = links[1:]
        # A custom manager method (`published()`, `get_for_model()`) is unknown: it may
        # cache or not query at all. It counts when a queryset method follows it.
        if first_name not in CHAIN_METHODS and not rest:
            return None
    elif (
        isinstance(root, ast.Attribute)
        and base_name is not None
        and _first_related_link_ok(first_name, first_call, rel_path)
        and is_bound_name(base_name)
    ):
        kind = "related"
        rest = links[1:]
    elif isinstance(root, ast.Name) and first_name in CHAIN_METHODS and is_query_local(root.id):
        kind = "local"
        rest = links
    else:
        return None
    if first_name in _NO_ARGS_ANYWHERE and not _has_no_args(first_call):
        return None
    for name, link in rest:
        if not _link_ok(name, link):
            return None
    if numeric_module and kind in ("related", "local") and first_name in NUMERIC_BARE:
        return None
    return QueryInfo(
        call, kind, tuple(names), root, base_name, tuple(rel_path), inner,
        is_write=any(name in WRITE_METHODS for name in names),
    )


# A prefetch whose lookups are not visible (`prefetch_related(*fields)`,
# `prefetch_related_objects(...)`): it may cover any relation.
ANY_LOOKUP = "*"


def prefetch_lookups_of_call(call: ast.Call) -> List[str]:
    """The lookups named by one ``prefetch_related(...)`` call, ``Prefetch`` included;
    :data:`ANY_LOOKUP` for an argument that is not a literal."""
    out: List[str] = []
    for arg in call.args:
        text = string_value(arg)
        if text is not None:
            out.append(text)
            continue
        if not isinstance(arg, ast.Call):
            out.append(ANY_LOOKUP)
            continue
        if isinstance(arg, ast.Call):
            func = arg.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if fname != "Prefetch":
                out.append(ANY_LOOKUP)
                continue
            lookup = string_value(arg.args[0]) if arg.args else None
            for kw in arg.keywords:
                if kw.arg == "lookup":
                    lookup = string_value(kw.value)
                elif kw.arg == "to_attr":
                    to_attr = string_value(kw.value)
                    if to_attr:
                        out.append(to_attr)
            if lookup:
                out.append(lookup)
    return out


def lookup_covers(lookups, rel_path: Tuple[str, ...]) -> bool:
    """``"recipe__ingredients"`` covers ``x.recipe.ingredients`` and ``x.recipe``."""
    if not rel_path:
        return False
    if ANY_LOOKUP in lookups:
        return True
    wanted = "__".join(rel_path)
    for lookup in lookups:
        if lookup == wanted or lookup.startswith(wanted + "__"):
            return True
    return False
