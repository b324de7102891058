"""BR08x: maintainability (print debugging, over-engineered singletons, pointless
wrappers and subclasses, mixed union syntax, status tuples)."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple, Union

from ..astutil import dotted_name, iter_nodes, short_source
from ..context import Context, FactKey, Frame
from ..options import normalise_path
from . import check
from ..vocabulary import PROCESS_EXIT_CALLS

_BR081_DICTS_KEY: FactKey[Set[str]] = FactKey("br081.dicts")

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# -- BR080 print-in-app-code ---------------------------------------------------------------

_MAIN_BLOCKS: FactKey[List[Tuple[int, int]]] = FactKey("br080.main_blocks")
_SCRIPT: FactKey[bool] = FactKey("br080.script")
# A module importing one of these is a command-line program: its prints are its output.
_CLI_LIBRARIES = frozenset({"argparse", "optparse", "click", "typer", "docopt", "fire"})
_SCRIPT_NAMES = frozenset({"manage.py", "__main__.py", "setup.py"})
# Folders of programs and of test support (`django/test/runner.py`), and hidden tool folders.
_SCRIPT_FOLDERS = frozenset({"scripts", "bin", "test", "testing"})
_DISPLAY_PREFIXES = ("print", "pprint", "show", "display", "echo")


def _is_main_guard(test: ast.AST) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _main_block_lines(ctx: Context, frame: Frame) -> List[Tuple[int, int]]:
    """Line ranges of the module's top-level `if __name__ == "__main__":` blocks (a look
    at the module's own statements, not a walk)."""
    ranges: List[Tuple[int, int]] = []
    for stmt in getattr(ctx.tree, "body", ()):
        if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
            ranges.append((stmt.lineno, getattr(stmt, "end_lineno", None) or stmt.lineno))
    return ranges


def _is_program(ctx: Context, frame: Frame) -> bool:
    """A module whose prints are a program's output, not application logging:
    `manage.py`, `setup.py`, `__main__.py`, modules in `scripts/`, `bin/` and test-support
    (`test/`, `testing/`) folders or in hidden tool folders (`.github/`), modules with an
    `if __name__ == "__main__":` block, and command-line modules (argparse, click, typer...)."""
    kind = ctx.kind
    if kind.manage or kind.scripts:
        return True
    parts = normalise_path(ctx.filename).split("/")
    if parts[-1] in _SCRIPT_NAMES:
        return True
    if any(part in _SCRIPT_FOLDERS or (part.startswith(".") and part not in (".", "..")) for part in parts[:-1]):
        return True
    if ctx.frame_fact(_MAIN_BLOCKS, _main_block_lines, ctx.module_frame):
        return True
    return any(target.split(".", 1)[0] in _CLI_LIBRARIES for target in ctx.imports.values())


def _is_display_function(ctx: Context) -> bool:
    """Inside a function whose name says it prints (`print_qs`, `show_tree`, `display_*`):
    the output is its purpose."""
    frame = ctx.function_frame()
    name = getattr(frame.node, "name", "") if frame is not None else ""
    return name.lstrip("_").startswith(_DISPLAY_PREFIXES)


def _in_management_command(ctx: Context) -> bool:
    return ctx.in_command()


_PRINTS: FactKey[list] = FactKey("br080.prints")
_EXITS: FactKey[set] = FactKey("br080.exits")


def _new_list(ctx: Context, frame: Frame) -> list:
    return []


def _new_set(ctx: Context, frame: Frame) -> set:
    return set()


def _note_exit(node: ast.AST, ctx: Context) -> None:
    ctx.frame_fact(_EXITS, _new_set, ctx.module_frame).add(
        (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    )


@check("BR080", ast.Raise)
def note_system_exit(node: ast.Raise, ctx: Context) -> None:
    """Remember `raise SystemExit(...)` statements (see `exit_messages`)."""
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    if exc is not None and ctx.resolve(exc) == "SystemExit":
        _note_exit(node, ctx)


def exit_messages(prints: List[ast.Call], exits: Set[Tuple[int, int]]) -> Set[int]:
    """The prints that are a program's last words: statements at the same indentation
    running straight into `sys.exit(...)` (`print("No django tests."); sys.exit(0)`)."""
    starts = {(p.lineno, p.col_offset): p for p in prints}
    found: Set[int] = set()
    for call in sorted(prints, key=lambda p: -p.lineno):
        following = ((getattr(call, "end_lineno", None) or call.lineno) + 1, call.col_offset)
        after = starts.get(following)
        if following in exits or (after is not None and id(after) in found):
            found.add(id(call))
    return found


@check("BR080", ast.Module, phase="leave")
def report_prints(node: ast.Module, ctx: Context) -> None:
    """Report the prints collected during the walk, less the exit messages."""
    collected: List[Tuple[ast.Call, str]] = ctx.module_frame.facts.get(_PRINTS, [])
    if not collected:
        return
    exits: Set[Tuple[int, int]] = ctx.module_frame.facts.get(_EXITS, set())
    silent = exit_messages([call for call, _ in collected], exits) if exits else set()
    for call, advice in collected:
        if id(call) not in silent:
            ctx.report("BR080", call, expr=short_source(call, 40), advice=advice)


@check("BR080", ast.Call, callees=("print", "exit", "quit", "_exit"))
def print_in_app_code(node: ast.Call, ctx: Context) -> None:
    """`print(...)` in application code: output that bypasses logging (no level, no
    handler, lost or interleaved under a process manager), usually debugging left in.
    Collected here, reported when the module ends (a message before `sys.exit()` is not)."""
    func = node.func
    if isinstance(func, (ast.Name, ast.Attribute)) and (
        func.id if isinstance(func, ast.Name) else func.attr
    ) in ("exit", "quit", "_exit"):
        if ctx.resolve(func) in PROCESS_EXIT_CALLS:
            _note_exit(node, ctx)
        return
    if not (isinstance(func, ast.Name) and func.id == "print") or ctx.resolve(func) != "print":
        return
    line = node.lineno
    for start, end in ctx.frame_fact(_MAIN_BLOCKS, _main_block_lines, ctx.module_frame):
        if start <= line <= end:
            return
    if _in_management_command(ctx):
        advice = "in a management command write through self.stdout.write(...)"
    elif ctx.frame_fact(_SCRIPT, _is_program, ctx.module_frame) or _is_display_function(ctx):
        return
    elif ctx.frame is ctx.module_frame and not ctx.module_defs:
        return  # a module of top-level statements only is a script (`print(make_key())`)
    else:
        advice = "use logging (logger.info/debug) instead"
    ctx.frame_fact(_PRINTS, _new_list, ctx.module_frame).append((node, advice))


# -- BR081 singleton-via-new -----------------------------------------------------------------


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


def _caches_instance(func: FunctionNode, owners: Set[str], globals_: Set[str]) -> bool:
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
            isinstance(value, ast.Dict) or (isinstance(value, ast.Call) and dotted_name(value.func) in
                                            ("dict", "weakref.WeakValueDictionary", "WeakValueDictionary"))
        ):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


@check("BR081", ast.FunctionDef)
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
    globals_ = ctx.frame_fact(_BR081_DICTS_KEY, _module_dicts, ctx.module_frame)
    if _caches_instance(node, owners, globals_):
        ctx.report("BR081", node, cls=cls.name)


# -- BR082 delegating-wrapper ----------------------------------------------------------------

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


@check("BR082", ast.FunctionDef, ast.AsyncFunctionDef)
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
    target = found[1]
    if target == name or target.startswith("_") or _is_async_twin(name, target):
        return
    if target not in ctx.frame_fact(_METHODS, _class_methods, frame.parent):
        return  # an inherited method or a callable attribute (`self.model()`): not visible here
    ctx.report("BR082", node, name=name, target=f"{found[0]}.{found[1]}")


# -- BR083 empty-subclass ----------------------------------------------------------------------

_IDIOMATIC_EMPTY_BASES = frozenset({
    "Protocol", "TypedDict", "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "DeclarativeBase",
    "AbstractUser", "AbstractBaseUser", "Meta", "NamedTuple", "Generic", "object",
})
_EXCEPTION_SUFFIXES = ("Error", "Exception", "Warning", "Exit", "Interrupt", "Iteration")


def _is_empty_body(body: List[ast.stmt]) -> bool:
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            if stmt.value.value is Ellipsis or (index == 0 and isinstance(stmt.value.value, str)):
                continue
        return False
    return True


_EXCEPTION_CLASSES: FactKey[Set[str]] = FactKey("br083.exceptions")
_EXCEPTION_MODULES = ("exceptions", "errors")


def _new_name_set(ctx: Context, frame: Frame) -> Set[str]:
    return set()


def _is_exception_base(base: ast.AST, text: str, ctx: Context, local: Set[str]) -> bool:
    """An exception by its name (`...Error`), by where it comes from (`django.core.exceptions
    .SuspiciousOperation`), or a class of this module already seen to be one."""
    last = text.rsplit(".", 1)[-1]
    if last.endswith(_EXCEPTION_SUFFIXES) or last in local:
        return True
    resolved = ctx.resolve(base) or ""
    return any(part in _EXCEPTION_MODULES for part in resolved.split(".")[:-1])


@check("BR083", ast.ClassDef)
def empty_subclass(node: ast.ClassDef, ctx: Context) -> None:
    """`class X(Base): pass`: a second name for the same class, unless the empty subclass
    is idiomatic (exceptions, protocols, enums, Meta, declarative bases, user models)."""
    local: Set[str] = ctx.frame_fact(_EXCEPTION_CLASSES, _new_name_set, ctx.module_frame)
    texts = [dotted_name(b) or "" for b in node.bases]
    if node.name.endswith(_EXCEPTION_SUFFIXES) or any(
        t and _is_exception_base(b, t, ctx, local) for b, t in zip(node.bases, texts)
    ):
        local.add(node.name)  # its own subclasses are exceptions too
        return
    if len(node.bases) != 1 or node.keywords or node.decorator_list or node.name in ("Meta", "Command"):
        return
    if not _is_empty_body(node.body):
        return
    base = texts[0]
    if not base:
        return  # `Base[T]` specialises a generic; a call builds the base dynamically
    last = base.rsplit(".", 1)[-1]
    if last in _IDIOMATIC_EMPTY_BASES or last.endswith(("Enum", "Meta")):
        return
    if ctx.kind.models or last.endswith("Model") or last.startswith("Abstract"):
        return  # an empty model declares a table, a swappable fork or a schema of its own
    if normalise_path(ctx.filename).rsplit("/", 1)[-1][:-3] in _EXCEPTION_MODULES:
        return  # everything in exceptions.py is an exception
    ctx.report("BR083", node, cls=node.name, base=base)


# -- BR084 mixed-optional-syntax -----------------------------------------------------------------

_ANNOTATIONS: FactKey[List[Tuple[ast.AST, bool, bool]]] = FactKey("br084.annotations")
_TYPING_UNIONS = frozenset({"typing.Optional", "typing.Union", "typing_extensions.Optional",
                            "typing_extensions.Union"})


def _needs_typing_union(union: ast.Subscript, ctx: Context) -> bool:
    """`Optional["App"]`: a string forward reference cannot be united with `|` at runtime
    (`"App" | None` raises) unless annotations are postponed (`from __future__ import
    annotations`), so the typing spelling is the only one there."""
    if ctx.imports.get("annotations") == "__future__.annotations":
        return False
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in iter_nodes(union.slice))


def _annotation_styles(annotation: ast.AST, ctx: Context) -> Tuple[bool, bool]:
    """(uses Optional/Union, uses `X | Y`) in one annotation."""
    typing_style = pep604 = False
    for sub in iter_nodes(annotation, into_scopes=False):
        if isinstance(sub, ast.Subscript) and ctx.resolve(sub.value) in _TYPING_UNIONS:
            if not _needs_typing_union(sub, ctx):
                typing_style = True
        elif isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.BitOr):
            pep604 = True
    return typing_style, pep604


def _new_annotation_list(ctx: Context, frame: Frame) -> List[Tuple[ast.AST, bool, bool]]:
    return []


def _note_annotation(annotation: Optional[ast.AST], ctx: Context) -> None:
    if annotation is None or isinstance(annotation, (ast.Name, ast.Constant, ast.Attribute)):
        return  # nothing to unite (string annotations are not parsed)
    typing_style, pep604 = _annotation_styles(annotation, ctx)
    if typing_style or pep604:
        ctx.frame_fact(_ANNOTATIONS, _new_annotation_list, ctx.module_frame).append(
            (annotation, typing_style, pep604)
        )


@check("BR084", ast.FunctionDef, ast.AsyncFunctionDef)
def function_annotations(node: FunctionNode, ctx: Context) -> None:
    """Collect the union styles of a function's parameter and return annotations."""
    args = node.args
    for arg in args.posonlyargs + args.args + args.kwonlyargs:
        _note_annotation(arg.annotation, ctx)
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            _note_annotation(extra.annotation, ctx)
    _note_annotation(node.returns, ctx)


@check("BR084", ast.AnnAssign)
def variable_annotation(node: ast.AnnAssign, ctx: Context) -> None:
    """Collect the union style of a variable annotation."""
    _note_annotation(node.annotation, ctx)


@check("BR084", ast.Module, phase="leave")
def mixed_optional_syntax(node: ast.Module, ctx: Context) -> None:
    """One module, two spellings of the same union (`Optional[int]` and `int | None`):
    report the annotations in the less common style (on a tie, the Optional/Union ones)."""
    collected: List[Tuple[ast.AST, bool, bool]] = ctx.module_frame.facts.get(_ANNOTATIONS, [])
    typing_count = sum(1 for _, t, _ in collected if t)
    pep604_count = sum(1 for _, _, p in collected if p)
    if not typing_count or not pep604_count:
        return
    report_typing = typing_count <= pep604_count
    for annotation, typing_style, pep604 in collected:
        if (typing_style if report_typing else pep604):
            ctx.report(
                "BR084", annotation, expr=short_source(annotation, 40),
                style="Optional[...]/Union[...]" if report_typing else "X | Y",
                relation="as often uses" if typing_count == pep604_count else "mostly uses",
                common="X | Y" if report_typing else "Optional[...]/Union[...]",
                counts=f"{max(typing_count, pep604_count)} to {min(typing_count, pep604_count)}",
            )


# -- BR085 status-tuple-return -----------------------------------------------------------------

_RETURNS: FactKey[Dict[int, int]] = FactKey("br085.returns")
# Django's `deconstruct()` protocol fixes the shape of the tuple it returns.
_PROTOCOL_TUPLES = frozenset({"deconstruct"})
_TUPLE_TYPES = frozenset({"tuple", "typing.Tuple", "typing_extensions.Tuple"})


_BOOL_CALLS = frozenset({"bool", "hasattr", "isinstance", "issubclass", "callable", "any", "all"})


def _status_tuple_length(value: Optional[ast.AST]) -> Optional[int]:
    """The length of `(True|False, ...)`, else None."""
    if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
        first = value.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, bool):
            return len(value.elts)
    return None


def _is_flag(node: ast.AST) -> bool:
    """An expression that is visibly a bool: `True`, `a == b`, `not x`, `hasattr(...)`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    if isinstance(node, (ast.Compare, ast.BoolOp)) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _BOOL_CALLS


def _new_counts(ctx: Context, frame: Frame) -> Dict[int, int]:
    return {}


@check("BR085", ast.Return)
def note_status_return(node: ast.Return, ctx: Context) -> None:
    """Count the function's `return True/False, ...` tuples by length; a tuple of flags
    only (`return True, x > 0`) is counted apart (key 0): two answers, not a status."""
    length = _status_tuple_length(node.value)
    if length is None or ctx.frame.kind != "function":
        return
    counts = ctx.frame_fact(_RETURNS, _new_counts)
    counts[length] = counts.get(length, 0) + 1
    if not all(_is_flag(elt) for elt in node.value.elts):  # type: ignore[union-attr]
        counts[0] = counts.get(0, 0) + 1


def _annotated_status_tuple(node: FunctionNode, ctx: Context) -> bool:
    """`-> tuple[bool, X]` / `-> Tuple[bool, X, Y]` (not `tuple[bool, ...]`, a tuple of flags)."""
    returns = node.returns
    if not isinstance(returns, ast.Subscript) or ctx.resolve(returns.value) not in _TUPLE_TYPES:
        return False
    items = returns.slice
    if not isinstance(items, ast.Tuple) or len(items.elts) < 2:
        return False
    first, second = items.elts[0], items.elts[1]
    if isinstance(second, ast.Constant) and second.value is Ellipsis:
        return False
    if all(isinstance(elt, ast.Name) and elt.id == "bool" for elt in items.elts):
        return False  # `tuple[bool, bool]`: two flags, not a status and a payload
    return isinstance(first, ast.Name) and first.id == "bool"


@check("BR085", ast.FunctionDef, ast.AsyncFunctionDef, phase="leave")
def status_tuple_return(node: FunctionNode, ctx: Context) -> None:
    """A function returning `(ok, error, value)`-style tuples: every caller must unpack
    and check a flag, and forgetting to is silent; return a result object or raise."""
    if node.name in _PROTOCOL_TUPLES:
        return
    counts: Dict[int, int] = ctx.frame.facts.get(_RETURNS, {}) if ctx.frame.node is node else {}
    if _annotated_status_tuple(node, ctx):
        how = f"is annotated `-> {short_source(node.returns, 40)}`"  # type: ignore[arg-type]
    elif counts.get(0) and any(n >= 2 for length, n in counts.items() if length):
        how = "returns `(True/False, ...)` tuples"
    else:
        return
    ctx.report("BR085", node, name=node.name, how=how)
