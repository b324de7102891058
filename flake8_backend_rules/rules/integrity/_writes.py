"""Which calls are ORM writes and when ``self`` is a stored row: the names and tests
several rules of the family share."""
from __future__ import annotations

import ast
from typing import FrozenSet

from ...context import Context, Frame
from ...queries import WRITE_METHODS
from ...vocabulary import INSTANCE_WRITES

SAVES: FrozenSet[str] = frozenset({"save", "asave"})
# Instance writes (`obj.save()`, `obj.delete()`) and query writes (`qs.update(...)`).
ANY_WRITE_NAMES: FrozenSet[str] = INSTANCE_WRITES | WRITE_METHODS


def is_write_call(node: ast.Call, names: FrozenSet[str]) -> bool:
    """`x.m(...)` with ``m`` one of ``names``."""
    func = node.func
    return isinstance(func, ast.Attribute) and func.attr in names


def is_model_class(ctx: Context, frame: Frame) -> bool:
    """Is ``frame`` a method of a model class: a base named `...Model`, or in a models
    module any base other than `object`?"""
    cls = frame.class_frame
    if cls is None:
        return False
    if any(base.endswith("Model") for base in cls.base_names):
        return True
    return ctx.kind.models and any(base not in ("", "object") for base in cls.base_names)
