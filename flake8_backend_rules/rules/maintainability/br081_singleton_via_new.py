"""BR081 singleton-via-new: a `__new__` that caches the instance it creates on the class
(or in a module-level dict): a hand-built singleton."""
from __future__ import annotations

import ast
from typing import List, Set

from ...astutil import dotted_name, iter_nodes
from ...context import Context, FactKey, Frame
from .. import Rule, check

RULE = Rule(
    code="BR081",
    symbol="singleton-via-new",
    summary="A singleton built by caching the instance in __new__",
    default_on=False,
    precision="Off by default. Read blind: 0 of 5 findings true on two unseen projects (a "
    "weak-referenced per-key cache and a metaclass class registry, not singletons). "
    "Verdicts: docs/evaluation/2026-12-04-blind-stable-rules.md, "
    "2026-12-04-blind-round2-misc.md.",
    message="`{cls}.__new__` caches its instance on the class: a hand-built singleton; "
    "use a module-level instance or functools.cache on a factory",
    what="Finds a `__new__` method that stores a freshly created instance "
    "(`super().__new__(cls)`, `object.__new__(cls)`, or a local holding one) on the "
    "class (`cls._instance = ...`, `cls._instances[key] = ...`, `setattr(cls, ...)`, "
    "`cls._instances.setdefault(...)`) or in a module-level dict of instances.",
    why="The cached instance is hidden global state: `__init__` still runs on every "
    "`Config()` call and resets it, tests cannot get a fresh object, and subclasses "
    "share or clobber the slot. A module-level instance (or `functools.cache` on a "
    "factory function) says the same with no machinery.",
    bad="""
        class Config:
            _instance = None

            def __new__(cls):
                if cls._instance is None:
                    cls._instance = super().__new__(cls)
                return cls._instance
        """,
    good="""
        import functools


        class Config:
            pass


        @functools.cache
        def get_config():
            return Config()
        """,
    category="R",
    notes="A `__new__` that only builds and returns the instance, or stores something "
    "other than the instance, is silent.",
)

# Module-level names bound to a dict: where a `__new__` may keep its instances.
_MODULE_DICTS: FactKey[Set[str]] = FactKey("br081.module_dicts")
_DICT_FACTORIES = ("dict", "weakref.WeakValueDictionary", "WeakValueDictionary")


def _is_new_call(node: ast.AST) -> bool:
    """`super().__new__(cls)`, `object.__new__(cls)`, `Base.__new__(cls, ...)`."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__new__"


def _is_class_state(container: ast.AST, owners: Set[str], globals_: Set[str]) -> bool:
    """`cls._instance` / `Config._pool` (an attribute of the class), or a module-level dict."""
    if isinstance(container, ast.Name):
        return container.id in globals_
    return isinstance(container, ast.Attribute) and isinstance(container.value, ast.Name) and (
        container.value.id in owners
    )


def _stored_on(target: ast.AST, owners: Set[str], globals_: Set[str]) -> bool:
    """`cls._instance = ...`, `cls._instances[key] = ...`, `_instances[cls] = ...`."""
    if isinstance(target, ast.Subscript):
        return _is_class_state(target.value, owners, globals_)
    return isinstance(target, ast.Attribute) and _is_class_state(target, owners, set())


def _caches_instance(func: ast.FunctionDef, owners: Set[str], globals_: Set[str]) -> bool:
    instances: Set[str] = set()  # locals holding a fresh instance: `obj = super().__new__(cls)`
    stored: List[ast.AST] = []  # values stored in class state
    for sub in iter_nodes(func, into_scopes=False):
        if isinstance(sub, ast.Assign):
            if _is_new_call(sub.value):
                instances.update(t.id for t in sub.targets if isinstance(t, ast.Name))
            if any(_stored_on(target, owners, globals_) for target in sub.targets):
                stored.append(sub.value)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "setdefault":
            if len(sub.args) == 2 and _is_class_state(sub.func.value, owners, globals_):
                stored.append(sub.args[1])  # `cls._pool.setdefault(key, super().__new__(cls))`
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "setattr":
            if len(sub.args) == 3 and isinstance(sub.args[0], ast.Name) and sub.args[0].id in owners:
                stored.append(sub.args[2])
    return any(
        _is_new_call(value) or (isinstance(value, ast.Name) and value.id in instances) for value in stored
    )


def _module_dicts(ctx: Context, frame: Frame) -> Set[str]:
    """Module-level names bound to a dict (`_instances = {}`): a registry of instances."""
    names: Set[str] = set()
    for stmt in getattr(ctx.tree, "body", ()):
        value = getattr(stmt, "value", None)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and (
            isinstance(value, ast.Dict)
            or (isinstance(value, ast.Call) and dotted_name(value.func) in _DICT_FACTORIES)
        ):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


@check(RULE, ast.FunctionDef)
def singleton_via_new(node: ast.FunctionDef, ctx: Context) -> None:
    """A `__new__` that caches its instance on the class: a hand-built singleton, with
    hidden global state that tests cannot reset and `__init__` re-running on every call."""
    if node.name != "__new__":
        return
    cls = ctx.frame.class_frame
    if cls is None:
        return
    owners = {cls.name}
    if ctx.frame.self_name:
        owners.add(ctx.frame.self_name)
    globals_ = ctx.frame_fact(_MODULE_DICTS, _module_dicts, ctx.module_frame)
    if _caches_instance(node, owners, globals_):
        ctx.report(RULE, node, cls=cls.name)
