"""One traversal per module.

The engine walks the tree once, iteratively (analysed code may be nested thousands of
levels deep), and hands each node only to the checks registered for its type. The dispatch
tables are built once per engine from the *selected* rules, so a disabled rule costs
nothing. Structural hooks keep the context's frames (functions, classes, loops)
in step with the walk; loop bodies are marked precisely (a ``for`` loop's iterable and a
comprehension's first iterable run once and are outside the loop).

A check that meets a shape it does not expect must never take the user's lint run down:
its exception is swallowed (and re-raised only in ``strict`` mode, which the tests use).
"""
from __future__ import annotations

import ast
import logging
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Type

from .astutil import NODE_FIELDS, is_literal_collection, node_fields, target_names
from .budget import WORK, AnalysisAbandoned
from .context import Context, Finding, LoopFrame
from .options import DEFAULT_OPTIONS, Options
from .registry import RULES
from .rules import all_checks

if TYPE_CHECKING:  # pragma: no cover
    from .project import ProjectModels

Hook = Callable[[ast.AST, Context], None]

# Under "flake8." so `flake8 -vv` shows these records (it only handles its own tree).
LOG = logging.getLogger("flake8.backend_rules")


# -- structural hooks: keep the context's frames in step with the walk --------------
def _enter_function(node: ast.AST, ctx: Context) -> None:
    ctx.enter_function(node)  # type: ignore[arg-type]


def _leave_function(node: ast.AST, ctx: Context) -> None:
    ctx.leave_function(node)


def _enter_class(node: ast.AST, ctx: Context) -> None:
    ctx.enter_class(node)  # type: ignore[arg-type]


def _leave_class(node: ast.AST, ctx: Context) -> None:
    ctx.leave_class(node)  # type: ignore[arg-type]


def _enter_loop(loop: LoopFrame, ctx: Context) -> None:
    ctx.enter_loop(loop)


def _leave_loop(loop: LoopFrame, ctx: Context) -> None:
    ctx.leave_loop(loop)


def _note_assign(node: ast.AST, ctx: Context) -> None:
    if isinstance(node, ast.Assign):
        ctx.note_assignment(node.targets, node.value)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        ctx.note_assignment([node.target], node.value)


def _note_discarded(node: ast.AST, ctx: Context) -> None:
    ctx.note_unevaluated(node.value)  # type: ignore[attr-defined]


def _note_import(node: ast.AST, ctx: Context) -> None:
    if ctx.frame.kind != "module":
        ctx.add_import(node)


_STRUCTURAL_ENTER: Dict[Type[ast.AST], Tuple[Hook, ...]] = {
    ast.FunctionDef: (_enter_function,),
    ast.AsyncFunctionDef: (_enter_function,),
    ast.Lambda: (_enter_function,),
    ast.ClassDef: (_enter_class,),
    ast.Assign: (_note_assign,),
    ast.AnnAssign: (_note_assign,),
    ast.AugAssign: (_note_assign,),
    ast.NamedExpr: (_note_assign,),
    ast.Expr: (_note_discarded,),
    ast.Import: (_note_import,),
    ast.ImportFrom: (_note_import,),
}
_STRUCTURAL_LEAVE: Dict[Type[ast.AST], Tuple[Hook, ...]] = {
    ast.FunctionDef: (_leave_function,),
    ast.AsyncFunctionDef: (_leave_function,),
    ast.Lambda: (_leave_function,),
    ast.ClassDef: (_leave_class,),
}

class Engine:
    """Runs the selected rules over parsed modules. Build once, run per file."""

    def __init__(
        self,
        codes: Optional[Iterable[str]] = None,
        options: Options = DEFAULT_OPTIONS,
        strict: bool = False,
        project: Optional["ProjectModels"] = None,
    ) -> None:
        selected = set(RULES) if codes is None else set(codes) & set(RULES)
        self.enabled = frozenset(selected)
        self.options = options
        self.strict = bool(strict)
        # the project models (None: every rule judges a file by itself alone)
        self.project = project
        enter: Dict[type, List[Hook]] = {t: list(h) for t, h in _STRUCTURAL_ENTER.items()}
        leave: Dict[type, List[Hook]] = {}
        # Call checks that name their callees: (position among the Call hooks, names, fn)
        named_calls: List[Tuple[int, FrozenSet[str], Hook]] = []
        for check in all_checks():
            if check.code not in self.enabled:
                continue
            if check.callees is not None:
                named_calls.append((len(enter.get(ast.Call, ())), check.callees, check.fn))
                continue
            table = enter if check.phase == "enter" else leave
            for node_type in check.node_types:
                table.setdefault(node_type, []).append(check.fn)
        for node_type, hooks in _STRUCTURAL_LEAVE.items():
            leave.setdefault(node_type, []).extend(hooks)  # frames close after checks
        self._enter: Dict[type, Tuple[Hook, ...]] = {t: tuple(h) for t, h in enter.items()}
        self._leave: Dict[type, Tuple[Hook, ...]] = {t: tuple(h) for t, h in leave.items()}
        # callee name -> every Call hook for a call of that name, in registration order;
        # a call whose callee no check names gets the generic hooks, _enter[ast.Call].
        generic = list(enter.get(ast.Call, ()))
        by_name: Dict[str, List[Tuple[int, Hook]]] = {}
        for position, names, fn in named_calls:
            for name in names:
                by_name.setdefault(name, []).append((position, fn))
        self._call_enter: Dict[str, Tuple[Hook, ...]] = {}
        for name, extra in by_name.items():
            merged: List[Hook] = []
            pending = sorted(extra, key=lambda item: item[0])
            for index, hook in enumerate(generic):
                while pending and pending[0][0] <= index:
                    merged.append(pending.pop(0)[1])
                merged.append(hook)
            merged.extend(fn for _, fn in pending)
            self._call_enter[name] = tuple(merged)
        if ast.Call not in self._enter:
            self._enter[ast.Call] = ()

    def _skipped(self, hook: Hook, node: ast.AST, ctx: Context, error: Exception) -> None:
        """A check met a shape it does not expect: it skips that node (``flake8 -vv``
        shows it); the user's lint run goes on. Strict mode (the tests) re-raises.

        An analysis that passed its work budget (or Python's recursion limit) gives up
        the whole unit (budget.py): nothing inside it is reported."""
        if isinstance(error, AnalysisAbandoned) or (isinstance(error, RecursionError) and not self.strict):
            ctx.abandon_unit()
            LOG.debug("%s gave up on a unit of %s: work budget spent", getattr(hook, "__name__", "check"),
                      ctx.filename)
            return
        if self.strict:
            raise error
        LOG.debug("%s skipped a %s in %s", getattr(hook, "__name__", "check"), type(node).__name__,
                  ctx.filename, exc_info=error)

    # -- the walk ---------------------------------------------------------------
    def run(self, tree: ast.AST, filename: str = "<unknown>", path: Optional[str] = None,
            buffer: bool = False) -> List[Finding]:
        """The findings of one module. ``filename`` is the name the rules see (flake8's,
        the stdin display name); ``path`` where the file is, to find its project (default:
        ``filename``); ``buffer`` says the tree is an unsaved buffer whose summary replaces
        the file's in the project model."""
        try:
            return self._run(tree, filename, path, buffer)
        except Exception:
            if self.strict:
                raise
            LOG.debug("flake8-backend-rules skipped %s", filename, exc_info=True)
            return []

    def _run(self, tree: ast.AST, filename: str, path: Optional[str], buffer: bool) -> List[Finding]:
        WORK.reset()
        body = getattr(tree, "body", None) or [None]
        WORK.enter_unit(tree, getattr(body[-1], "end_lineno", None) or 1)
        ctx = Context(tree, filename, self.options, self.enabled)
        project = self.project
        if project is not None:
            where = path or filename
            ctx.set_project(lambda: project.for_file(where, tree if buffer else None), where)
        if ctx.kind.test and not self.options.check_tests:
            return []
        enter = self._enter
        leave = self._leave
        call_enter = self._call_enter
        call_generic = enter[ast.Call]
        callee_aliases = ctx.callee_aliases
        skipped = self._skipped
        expanders = _EXPANDERS
        child_fields = NODE_FIELDS
        stack: List[object] = [tree]
        pop = stack.pop
        push = stack.append
        AST = ast.AST
        Call = ast.Call
        Attribute = ast.Attribute
        Name = ast.Name
        while stack:
            item = pop()
            cls = item.__class__
            if cls is tuple:
                marker: Tuple[Tuple[Hook, ...], ast.AST] = item  # type: ignore[assignment]
                for hook in marker[0]:
                    try:
                        hook(marker[1], ctx)
                    except Exception as error:  # a try per hook costs nothing until it raises
                        skipped(hook, marker[1], ctx, error)
                continue
            node: ast.AST = item  # type: ignore[assignment]
            hooks: Optional[Tuple[Hook, ...]]
            if cls is Call:
                func = node.func  # type: ignore[attr-defined]
                fcls = func.__class__
                if fcls is Attribute:
                    hooks = call_enter.get(func.attr, call_generic)
                elif fcls is Name:
                    name = func.id
                    hooks = call_enter.get(callee_aliases.get(name, name), call_generic)
                else:
                    hooks = call_generic
            else:
                hooks = enter.get(cls)
            if hooks is not None:
                for hook in hooks:
                    try:
                        hook(node, ctx)
                    except Exception as error:
                        skipped(hook, node, ctx, error)
            hooks = leave.get(cls)
            if hooks is not None:
                push((hooks, node))
            expander = expanders.get(cls)
            if expander is not None:
                expander(node, push)
                continue
            fields = child_fields.get(cls)
            if fields is None:
                fields = node_fields(cls)
            for field in fields:
                value = getattr(node, field, None)
                if value is None:
                    continue
                if value.__class__ is list:
                    for child in reversed(value):
                        if isinstance(child, AST):
                            push(child)
                elif isinstance(value, AST):
                    push(value)
        findings = {f.key(): f for f in ctx.drop_abandoned(ctx.findings)}
        return [findings[key] for key in sorted(findings)]


# -- loop-aware expansion --------------------------------------------------------
_ENTER_LOOP = (_enter_loop,)
_LEAVE_LOOP = (_leave_loop,)


def _push_reversed(push: Callable[[object], None], items: Sequence[object]) -> None:
    for item in reversed(items):
        push(item)


def _expand_for(node: ast.AST, push: Callable[[object], None]) -> None:
    assert isinstance(node, (ast.For, ast.AsyncFor))
    order: List[object] = [node.target, node.iter]
    if is_literal_collection(node.iter):
        order.extend(node.body)
    else:
        loop = LoopFrame(node, "for", target_names(node.target), node.iter)
        order.append((_ENTER_LOOP, loop))
        order.extend(node.body)
        order.append((_LEAVE_LOOP, loop))
    order.extend(node.orelse)
    _push_reversed(push, order)


def _expand_while(node: ast.AST, push: Callable[[object], None]) -> None:
    assert isinstance(node, ast.While)
    loop = LoopFrame(node, "while", [], None)
    order: List[object] = [(_ENTER_LOOP, loop), node.test]
    order.extend(node.body)
    order.append((_LEAVE_LOOP, loop))
    order.extend(node.orelse)
    _push_reversed(push, order)


def _expand_comprehension(node: ast.AST, push: Callable[[object], None]) -> None:
    generators: List[ast.comprehension] = node.generators  # type: ignore[attr-defined]
    if not generators:
        return
    first = generators[0]
    targets: List[str] = []
    for index, gen in enumerate(generators):
        if index == 0 and is_literal_collection(gen.iter):
            continue
        targets.extend(target_names(gen.target))
    order: List[object] = [first.iter]
    loop = LoopFrame(node, "comp", targets, first.iter) if targets else None
    if loop is not None:
        order.append((_ENTER_LOOP, loop))
    for index, gen in enumerate(generators):
        if index:
            order.append(gen.iter)
        order.append(gen.target)
        order.extend(gen.ifs)
    if isinstance(node, ast.DictComp):
        order.extend((node.key, node.value))
    else:
        order.append(node.elt)  # type: ignore[attr-defined]
    if loop is not None:
        order.append((_LEAVE_LOOP, loop))
    _push_reversed(push, order)


_EXPANDERS: Dict[type, Callable[[ast.AST, Callable[[object], None]], None]] = {
    ast.For: _expand_for,
    ast.AsyncFor: _expand_for,
    ast.While: _expand_while,
    ast.ListComp: _expand_comprehension,
    ast.SetComp: _expand_comprehension,
    ast.GeneratorExp: _expand_comprehension,
    ast.DictComp: _expand_comprehension,
}


def check_source(
    source: str,
    filename: str = "<unknown>",
    codes: Optional[Iterable[str]] = None,
    options: Options = DEFAULT_OPTIONS,
    strict: bool = False,
) -> List[Finding]:
    """Parse and check one module's source, by itself (used by the docs and tests)."""
    tree = ast.parse(source, filename=filename)
    return Engine(codes, options, strict=strict).run(tree, filename)
