"""BR082 delegating-wrapper: a method whose whole body forwards its own parameters,
unchanged, to another method of the same class."""
from __future__ import annotations

import ast
from typing import List, Optional, Set, Tuple, Union

from ...astutil import dotted_name
from ...context import Context, FactKey, Frame
from .. import Rule, check

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]

RULE = Rule(
    code="BR082",
    symbol="delegating-wrapper",
    summary="A method only forwards to another method",
    message="method `{name}` only returns `{receiver}.{method}(...)` with its own "
    "parameters: a second name for the same behaviour; call `{receiver}.{method}` directly",
    what="Finds methods whose whole body (after a docstring) is `return "
    "<self|cls|ClassName>.<other>(...)` (or `return await ...`) passing the method's "
    "own parameters unchanged and in order (positionally or as `name=name`; "
    "`*args, **kwargs` included; none when the method has none).",
    why="A wrapper that adds nothing is one more name to learn and one more hop to "
    "read; callers split between the two names and the wrapper's signature drifts "
    "from the real one.",
    bad="""
        class Cart:
            def total(self, currency):
                return sum(line.price(currency) for line in self.lines)

            def get_total(self, currency):
                return self.total(currency)
        """,
    good="""
        class Cart:
            def total(self, currency):
                return sum(line.price(currency) for line in self.lines)
        """,
    default_on=False,
    category="R",
    notes="Off by default: on framework and application code (Django, DRF, Wagtail, "
    "django-oscar, Saleor, NetBox, Taiga) almost every match is a deliberate extension "
    "point, a method a framework calls or subclasses override whose default is another "
    "method (`def post(...): return self.create(...)`, `def prepare_default(self, "
    "value): return self.quote_value(value)`), which no syntax tells apart from an "
    "alias; see the README's real-code figures. When enabled it stays narrow: the "
    "target must be a method defined in the same class body (not an inherited method "
    "or a callable attribute such as `self.model()`), and it skips dunder methods, "
    "properties and decorated methods, delegation to a method of the same name "
    "(super-style), to a private method (`open` -> `_open`, the template-method "
    "pattern), between async twins (`aload` -> `load`), and HTTP-verb/viewset-action "
    "methods (`get`, `post`, `list`, `create`...). Passing anything else (a constant, a "
    "reordered or dropped parameter, `self.x`) makes it an adapter, not a wrapper.",
)

# The names of the methods a class body defines.
_METHODS: FactKey[Set[str]] = FactKey("br082.methods")
# HTTP verbs and viewset actions are how the framework dispatches to a view: `post` calling
# `self.create` is the interface, not a wrapper.
_DISPATCH_METHODS = frozenset(
    "get post put patch delete head options trace list retrieve create update partial_update"
    " destroy".split()
)
_PLAIN_DECORATORS = ("staticmethod", "classmethod")


def _body_after_docstring(node: FunctionNode) -> List[ast.stmt]:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(
        body[0].value.value, str
    ):
        return body[1:]
    return body


def _decorator_names(node: FunctionNode) -> List[str]:
    names: List[str] = []
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        names.append((dotted_name(target) or "?").rsplit(".", 1)[-1])
    return names


def _passes_parameters_unchanged(node: FunctionNode, call: ast.Call, skip_first: bool) -> bool:
    """The call passes the method's parameters as they came, in order (positionally or as
    `name=name`), `*args`/`**kwargs` as `*args`/`**kwargs`, and nothing else."""
    args = node.args
    expected = [a.arg for a in args.posonlyargs + args.args][1 if skip_first else 0:]
    if args.vararg is not None:
        expected.append("*" + args.vararg.arg)
    expected.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg is not None:
        expected.append("**" + args.kwarg.arg)
    passed: List[str] = []
    for arg in call.args:
        if isinstance(arg, ast.Name):
            passed.append(arg.id)
        elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
            passed.append("*" + arg.value.id)
        else:
            return False
    for kw in call.keywords:
        if kw.arg is None and isinstance(kw.value, ast.Name):
            passed.append("**" + kw.value.id)
        elif isinstance(kw.value, ast.Name) and kw.value.id == kw.arg:
            passed.append(kw.arg)
        else:
            return False
    return passed == expected


def _class_methods(ctx: Context, frame: Frame) -> Set[str]:
    """Names of the methods a class body defines (a look at its own statements); a
    property returning a callable (`self.html_rewriter(html)`) is not a method."""
    return {
        stmt.name for stmt in getattr(frame.node, "body", ())
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not any(name.endswith("property") for name in _decorator_names(stmt))
    }


def _is_async_twin(name: str, target: str) -> bool:
    """`aload` -> `load` (Django's async API beside the sync one), and the reverse."""
    return name == "a" + target or target == "a" + name


def _delegation(node: FunctionNode, ctx: Context) -> Optional[Tuple[str, str]]:
    """(receiver, method) when the whole body is `return <self|cls|Class>.<other>(...)`."""
    body = _body_after_docstring(node)
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return None
    value: ast.AST = body[0].value
    if isinstance(value, ast.Await):
        value = value.value
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return None
    receiver = value.func.value
    if not isinstance(receiver, ast.Name):
        return None
    cls = ctx.frame.class_frame
    decorators = _decorator_names(node)
    is_static = "staticmethod" in decorators
    first = None if is_static else ctx.frame.self_name
    if receiver.id not in {first, cls.name if cls is not None else None} - {None}:
        return None
    if not _passes_parameters_unchanged(node, value, skip_first=not is_static):
        return None
    return receiver.id, value.func.attr


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef)
def delegating_wrapper(node: FunctionNode, ctx: Context) -> None:
    """A method that only forwards its parameters to another method of the same object:
    a second name for the same behaviour, one more hop for every reader."""
    name = node.name
    if name.startswith("__") and name.endswith("__"):
        return
    frame = ctx.frame
    if frame.class_frame is None or frame.parent is None or frame.parent.kind != "class":
        return
    if any(d not in _PLAIN_DECORATORS for d in _decorator_names(node)):
        return  # properties, and decorators that register or change the method
    if name in _DISPATCH_METHODS:
        return  # `def post(...): return self.create(...)`: the framework's dispatch interface
    found = _delegation(node, ctx)
    if found is None:
        return
    receiver, target = found
    if target == name or target.startswith("_") or _is_async_twin(name, target):
        return
    if target not in ctx.frame_fact(_METHODS, _class_methods, frame.parent):
        return  # an inherited method or a callable attribute (`self.model()`): not visible here
    ctx.report(RULE, node, name=name, receiver=receiver, method=target)
