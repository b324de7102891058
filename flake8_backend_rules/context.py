"""What every rule may ask while the engine walks a module.

The engine keeps the ancestors that matter (module, classes, functions, loops) as frames;
the context answers once the questions every rule family shares: names resolved through
imports, module kinds, query expressions, request handlers, task contexts. Facts about a
whole function (its local bindings) are computed at most once per function, on first
request, by a walk of that function's own statements; facts about an except body once
per handler.
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
from typing import (
    TYPE_CHECKING, Any, Callable, Dict, Generic, List, NamedTuple, Optional, Sequence, Set, Tuple, TypeVar, Union,
)

from .astutil import attribute_path, dotted_name, iter_nodes, names_in, position, target_names
from .bindings import Fold, ScopeBindings
from .budget import WORK, AnalysisAbandoned
from .options import ModuleKind, Options, matches_dotted, module_kind
from .queries import QUERYSET_METHODS, QUERYSET_RETURNING, QueryInfo, analyse_chain
from .programs import (
    ProgramFacts, compute_program_facts, enclosing_functions, is_cli_command_function, is_migration_steps_module,
    is_run_python_function,
)
from .vocabulary import COMMAND_BASES, DJANGO_SETTING_NAMES, TRY_TYPES


if TYPE_CHECKING:  # pragma: no cover
    from .project.model import ModelInfo, ProjectModel
    from .project.summary import ModuleSummary
    from .rules import Rule

BUILTIN_NAMES = frozenset(dir(builtins))


_NUMERIC_LIBS = ("numpy", "pandas", "polars", "torch")


_DB_LIBS = ("django", "sqlalchemy")


_PROPERTY_NAMES = ("property", "cached_property")


class Finding:
    __slots__ = ("line", "col", "code", "message")

    def __init__(self, line: int, col: int, code: str, message: str) -> None:
        self.line = line
        self.col = col
        self.code = code
        self.message = message

    def key(self) -> Tuple[int, int, str]:
        return (self.line, self.col, self.code)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Finding({self.line}, {self.col}, {self.code!r}, {self.message!r})"


class LoopFrame:
    """A loop region: the body of ``for``/``while`` or the per-element part of a
    comprehension."""

    __slots__ = ("node", "kind", "targets", "tainted", "aliases", "iterable")

    def __init__(self, node: ast.AST, kind: str, targets: List[str], iterable: Optional[ast.AST]):
        self.node = node
        self.kind = kind  # "for" | "comp" | "while"
        self.targets: Set[str] = set(targets)
        self.tainted: Set[str] = set(targets)
        # local -> (loop target, attribute path): `product = item.product`
        self.aliases: Dict[str, Tuple[str, Tuple[str, ...]]] = {}
        self.iterable = iterable


class ClassFrame:
    __slots__ = ("node", "name", "base_names")

    def __init__(self, node: ast.ClassDef) -> None:
        self.node = node
        self.name = node.name
        self.base_names = [
            (dotted_name(b) or "").rsplit(".", 1)[-1] for b in node.bases
        ]


_NOT_A_UNIT = -1
# a fact whose analysis gave up on its unit's budget: asking again gives up at once


_ABANDONED = object()


T = TypeVar("T")


class FactKey(Generic[T]):
    """The key of a per-scope fact (:meth:`Context.frame_fact`): one object per fact,
    defined beside the code that computes it, so two families can never collide on a
    name and the type checker knows what the fact is."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"FactKey({self.name!r})"


class Frame:
    """A scope: the module, a function (or lambda) or a class body."""

    __slots__ = (
        "node", "kind", "parent", "class_frame", "loops", "params", "is_property",
        "is_async", "self_name", "_bindings", "_handler", "_task", "facts",
        "unit",
    )

    def __init__(self, node: ast.AST, kind: str, parent: Optional["Frame"]) -> None:
        self.node = node
        self.kind = kind  # "module" | "function" | "lambda" | "class"
        self.parent = parent
        self.class_frame: Optional[ClassFrame] = None
        self.loops: List[LoopFrame] = []
        self.params: Set[str] = set()
        self.is_property = False
        self.is_async = isinstance(node, ast.AsyncFunctionDef)
        self.self_name: Optional[str] = None
        self._bindings: Optional[ScopeBindings] = None
        self._handler: Optional[bool] = None
        self._task: Optional[bool] = None
        # Per-scope facts a rule family computes once and shares (see Context.frame_fact).
        self.facts: Dict[FactKey[Any], Any] = {}
        # A function with no function around it is a unit of the work budget: the unit
        # to go back to when the walk leaves it (budget.py); _NOT_A_UNIT otherwise.
        self.unit: Optional[int] = _NOT_A_UNIT


class Context:
    def __init__(self, tree: ast.AST, filename: str, options: Options, enabled: frozenset) -> None:
        self.tree = tree
        self.filename = filename
        self.options = options
        self.enabled = enabled
        self.kind: ModuleKind = module_kind(filename, options)
        self.findings: List[Finding] = []
        self.imports: Dict[str, str] = {}
        # An imported name called under another name (`from django.core.mail import
        # send_mail as sm`): alias -> the imported name's last part. The engine hands
        # `sm(...)` to the Call checks that name `send_mail` (``@check(callees=...)``).
        self.callee_aliases: Dict[str, str] = {}
        self.module_defs: Set[str] = set()
        self._collect_module_imports(tree)
        imported = set(self.imports.values())
        roots = {name.split(".", 1)[0] for name in imported}
        self.numeric_module = bool(roots & set(_NUMERIC_LIBS)) and not (roots & set(_DB_LIBS))
        if not self.kind.test and not self.kind.migration and (
            "alembic" in roots  # an Alembic revision (`from alembic import op`) or its environment
            or _binds_revision(tree)  # a revision of Alembic (or a look-alike): `down_revision = ...`
            or is_migration_steps_module(filename, getattr(tree, "body", ()))  # `def m001_initial(db):`
        ):
            self.kind = dataclasses.replace(self.kind, migration=True)
        # budget units: id -> (first line, last line); the module's own code is one
        self.units: Dict[int, Tuple[int, int]] = {id(tree): (0, 1 << 30)}
        self.module_frame = Frame(tree, "module", None)
        self.frame: Frame = self.module_frame
        self.classes: List[ClassFrame] = []
        self._inner_query_calls: Set[int] = set()
        self._query_cache: Dict[int, Optional[QueryInfo]] = {}
        # calls whose value is kept in a local or discarded, not evaluated where they
        # stand (`qs = X.objects.filter(...)`, a bare `X.objects.filter(...)` statement)
        self._unevaluated_calls: Set[int] = set()
        self.path = filename  # where the file is on disk (the filename, unless told otherwise)
        self._project_factory: Optional[Callable[[], Optional["ProjectModel"]]] = None
        self._project: Optional["ProjectModel"] = None
        self._project_asked = False
        self._module_summary: Any = None
        self._settings_by_model: Optional[bool] = None
        self._lines: Optional[Sequence[str]] = None

    # -- the source text ---------------------------------------------------------------
    def set_lines(self, lines: Optional[Sequence[str]]) -> None:
        """The module's physical lines, when the front end has them (flake8, pylint)."""
        self._lines = lines

    def source_lines(self) -> Sequence[str]:
        """The module's physical lines (comments are not in the tree): those the front end
        gave, else read from the file on first request; empty when unreadable."""
        if self._lines is None:
            self._lines = _read_lines(self.path)
        return self._lines

    def comment_on(self, line: int) -> str:
        """The comment text on a physical line (after `#`, outside strings), or ""."""
        lines = self.source_lines()
        if not 0 < line <= len(lines):
            return ""
        text = lines[line - 1]
        if "#" not in text:
            return ""
        return _comment_of(text)

    # -- the project model -------------------------------------------------------------
    def set_project(self, factory: Callable[[], Optional["ProjectModel"]], path: str) -> None:
        self._project_factory = factory
        self.path = path

    @property
    def project(self) -> Optional["ProjectModel"]:
        """The model of the project this file belongs to (built on first use), or None:
        no project, or a model that cannot be read. Rules then judge the file alone."""
        if not self._project_asked:
            self._project_asked = True
            if self._project_factory is not None:
                self._project = self._project_factory()
        return self._project

    def project_module(self) -> Optional["ModuleSummary"]:
        """This file's own summary in the project model."""
        project = self.project
        if project is None:
            return None
        if self._module_summary is None:
            self._module_summary = project.module_for_file(self.path) or False
        return self._module_summary or None

    def in_settings_module(self) -> bool:
        """A settings module: one the settings globs match, one that binds three or more of
        Django's own settings at top level (``INSTALLED_APPS``, ``DATABASES``,
        ``SECRET_KEY``...: it configures Django, whatever its name), or one the project model
        finds (named by ``DJANGO_SETTINGS_MODULE``, imported by one, star-importing one, or
        holding pydantic ``BaseSettings`` classes)."""
        if self.kind.settings:
            return True
        if self._settings_by_model is None:
            self._settings_by_model = self._binds_django_settings()
            if not self._settings_by_model:
                project = self.project
                module = self.project_module()
                self._settings_by_model = bool(project and module and module.module in project.settings_modules())
        return self._settings_by_model

    def _binds_django_settings(self) -> bool:
        found = set()
        for stmt in getattr(self.tree, "body", ()):
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    if isinstance(target, ast.Name) and target.id in DJANGO_SETTING_NAMES:
                        found.add(target.id)
        return len(found) >= 3

    def project_name(self, text: Optional[str]) -> Optional[str]:
        """The dotted name a name written in this file (``Book``, ``models.Book``) stands
        for in the project (a class defined here, or an import), or None."""
        module = self.project_module()
        if not text or module is None:
            return None
        return self.project.name_in(module, text)  # type: ignore[union-attr]

    def project_model(self, text: Optional[str]) -> Optional["ModelInfo"]:
        """The Django model a class name written in this file stands for, or None (not a
        model, no project model, or nothing the model can read)."""
        name = self.project_name(text)
        return self.project.model(name) if name else None  # type: ignore[union-attr]

    # -- reporting ---------------------------------------------------------------
    def report(self, rule: Union["Rule", str], node: ast.AST, variant: Optional[str] = None,
               **fields: object) -> None:
        """Report ``rule`` at ``node`` with its message (or the wording named ``variant``)
        filled from ``fields``; nothing if the rule is not selected."""
        code = rule if isinstance(rule, str) else rule.code
        if code not in self.enabled:
            return
        if isinstance(rule, str):
            from .registry import RULES

            rule = RULES[code]
        self.findings.append(
            Finding(getattr(node, "lineno", 1), getattr(node, "col_offset", 0), code,
                    f"{code} {rule.format(variant, **fields)}")
        )

    # -- imports and names -------------------------------------------------------
    def _collect_module_imports(self, tree: ast.AST) -> None:
        """Module-level imports and definitions (also inside module-level if/try/with),
        in source order; function-level imports are added by the engine as it meets them.

        An import in an ``except`` body is a fallback (``try: import ujson as json /
        except ImportError: import json``): it binds only a name the ``try`` left free."""
        stack: List[Tuple[ast.stmt, bool]] = [(s, False) for s in reversed(getattr(tree, "body", []))]
        while stack:
            stmt, fallback = stack.pop()
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.add_import(stmt, fallback)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.module_defs.add(stmt.name)
            elif isinstance(stmt, (ast.If, ast.With, ast.AsyncWith, ast.For, ast.While) + TRY_TYPES):
                nested: List[Tuple[ast.stmt, bool]] = []
                for field in ("body", "orelse", "finalbody"):
                    nested.extend((s, fallback) for s in getattr(stmt, field, ()) or ())
                for handler in getattr(stmt, "handlers", ()) or ():
                    nested.extend((s, True) for s in handler.body)
                stack.extend(reversed(nested))

    def add_import(self, stmt: ast.AST, fallback: bool = False) -> None:
        imports = self.imports
        aliases = self.callee_aliases

        def bind(name: str, target: str) -> None:
            if fallback and name in imports:
                return
            imports[name] = target
            last = target.rsplit(".", 1)[-1]
            if last != name:
                aliases[name] = last
            else:
                aliases.pop(name, None)

        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    bind(alias.asname, alias.name)
                else:
                    head = alias.name.split(".", 1)[0]
                    bind(head, head)
        elif isinstance(stmt, ast.ImportFrom):
            module = "." * (stmt.level or 0) + (stmt.module or "")
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                full = f"{module}.{alias.name}" if module and not module.endswith(".") else module + alias.name
                bind(alias.asname or alias.name, full)

    def resolve(self, node: ast.AST) -> Optional[str]:
        """The dotted name an expression stands for once imports are applied, or None.

        A bare name that is neither imported nor a builtin resolves to nothing."""
        text = dotted_name(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        target = self.imports.get(head)
        if target is not None:
            return f"{target}.{rest}" if rest else target
        if head in BUILTIN_NAMES and head not in self.module_defs:
            return text
        return None

    # -- frames (maintained by the engine) -------------------------------------
    def enter_function(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]) -> None:
        kind = "lambda" if isinstance(node, ast.Lambda) else "function"
        parent = self.frame
        frame = Frame(node, kind, parent)
        args = node.args
        params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        if args.vararg:
            params.append(args.vararg.arg)
        if args.kwarg:
            params.append(args.kwarg.arg)
        frame.params = set(params)
        if parent.kind == "class" and self.classes:
            frame.class_frame = self.classes[-1]
            positional = args.posonlyargs + args.args
            frame.self_name = positional[0].arg if positional else None
            if kind == "function":
                frame.is_property = self._is_property(node)
        if not self._in_function():  # the outermost function: a unit of work
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
            last = getattr(node, "end_lineno", None) or node.lineno
            self.units[id(node)] = (first, last)
            frame.unit = WORK.enter_unit(node, last - first + 1)
        self.frame = frame

    def leave_function(self, node: ast.AST) -> None:
        frame = self.frame
        if frame.node is node and frame.parent is not None:
            if frame.unit != _NOT_A_UNIT:
                WORK.leave_unit(frame.unit)
            self.frame = frame.parent

    # -- the work budget (budget.py) -------------------------------------------------
    def _in_function(self) -> bool:
        frame: Optional[Frame] = self.frame
        while frame is not None:
            if frame.kind in ("function", "lambda"):
                return True
            frame = frame.parent
        return False

    def abandon_unit(self) -> None:
        """An analysis gave up on the current unit: nothing inside it is reported."""
        unit = WORK.unit
        if unit is not None and unit not in WORK.abandoned:
            WORK.abandoned[unit] = self.units.get(unit, (0, 1 << 30))

    def drop_abandoned(self, findings: List[Finding]) -> List[Finding]:
        spans = list(WORK.abandoned.values())
        if not spans:
            return findings
        return [f for f in findings if not any(first <= f.line <= last for first, last in spans)]

    def enter_class(self, node: ast.ClassDef) -> None:
        self.classes.append(ClassFrame(node))
        self.frame = Frame(node, "class", self.frame)

    def leave_class(self, node: ast.ClassDef) -> None:
        if self.frame.node is node and self.frame.parent is not None:
            self.frame = self.frame.parent
        if self.classes and self.classes[-1].node is node:
            self.classes.pop()

    def _is_property(self, node: ast.AST) -> bool:
        for deco in getattr(node, "decorator_list", ()):
            resolved = self.resolve(deco)
            if resolved and resolved.rsplit(".", 1)[-1] in _PROPERTY_NAMES:
                return True
        return False

    @property
    def class_frame(self) -> Optional[ClassFrame]:
        return self.frame.class_frame

    # -- loops -------------------------------------------------------------------
    def enter_loop(self, loop: LoopFrame) -> None:
        self.frame.loops.append(loop)

    def leave_loop(self, loop: LoopFrame) -> None:
        loops = self.frame.loops
        if loops and loops[-1] is loop:
            loops.pop()

    def note_assignment(self, targets: Sequence[ast.AST], value: Optional[ast.AST]) -> None:
        """A call assigned to a local is not evaluated there; inside loops, a local
        assigned from a loop-dependent value is loop-dependent."""
        if value is None:
            return
        if isinstance(value, ast.Call) and all(isinstance(t, ast.Name) for t in targets):
            self._unevaluated_calls.add(id(value))
        loops = self.frame.loops
        if not loops:
            return
        if isinstance(value, ast.Call):
            if self.is_per_model_query(value):
                return  # `qs = model._default_manager.filter(...)`: one table per iteration
            used = self.dependency_names(value)
        else:
            used = names_in(value)
        alias: Optional[Tuple[str, Tuple[str, ...]]] = None
        base, attrs = attribute_path(value)
        for loop in loops:
            if isinstance(base, ast.Name):
                if base.id in loop.targets:
                    alias = (base.id, tuple(attrs))
                elif base.id in loop.aliases:
                    root, path = loop.aliases[base.id]
                    alias = (root, path + tuple(attrs))
        innermost = loops[-1]
        for loop in loops:
            if used & loop.tainted:
                for target in targets:
                    for name in target_names(target):
                        innermost.tainted.add(name)
                        if alias is not None and isinstance(target, ast.Name):
                            innermost.aliases[name] = alias

    def note_unevaluated(self, value: ast.AST) -> None:
        if isinstance(value, ast.Call):
            self._unevaluated_calls.add(id(value))

    def is_unevaluated(self, call: ast.Call) -> bool:
        """The call's value is kept in a local or discarded, not used where it stands."""
        return id(call) in self._unevaluated_calls

    def is_per_model_query(self, call: ast.Call) -> bool:
        """A manager chain whose model varies with the loop (`for model in models:
        model.objects.in_bulk(ids)`): each iteration queries another table, which is
        the batching pattern, not N+1."""
        info = self._analyse(call)
        if info is None or info.kind != "manager" or not isinstance(info.root, ast.Attribute):
            return False
        owner = names_in(info.root.value)
        return any(owner & loop.tainted for loop in self.frame.loops)

    def dependency_names(self, call: ast.Call) -> Set[str]:
        """The names whose values make one iteration's query differ from the next.

        On a manager chain the model expression is left out: `for model in models:
        model._default_manager.count()` queries N tables, not one table N times. Values
        of `__in` lookups and `in_bulk(...)` are left out too: `for chunk in chunks:
        Product.objects.filter(id__in=chunk)` is the batching that cures N+1. Other
        calls depend on every name they read."""
        info = self._analyse(call)
        if info is None or info.kind == "sqlalchemy":
            return names_in(call)
        names: Set[str] = set() if info.kind == "manager" else names_in(info.root)
        for method, link in info.links:
            if method in ("in_bulk", "ain_bulk"):
                continue
            for arg in link.args:
                names |= names_in(arg)
            for kw in link.keywords:
                # a batch of values is the cure; a subquery on the row (`__in=o.lines.all()`)
                # is still one query per row
                if not (kw.arg or "").endswith("__in") or (
                    isinstance(kw.value, ast.Call) and self._analyse(kw.value) is not None
                ):
                    names |= names_in(kw.value)
        return names

    def module_constant(self, name: str) -> Optional[ast.AST]:
        """The value of a module-level name bound exactly once, else None."""
        bound = self.bindings(self.module_frame).get(name, ())
        return bound[0][1] if len(bound) == 1 else None

    # -- function facts ----------------------------------------------------------
    def bindings(self, frame: Optional[Frame] = None) -> ScopeBindings:
        """name -> [(position, value)] for simple assignments in a scope, in order.

        Computed once per scope by a walk of its own statements (nested scopes are
        not entered)."""
        frame = frame or self.frame
        if frame._bindings is None:
            table = ScopeBindings()
            root = frame.node
            for node in iter_nodes(root, into_scopes=False):
                if node is root:
                    continue
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            table.add(target.id, position(node), node.value)
                elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    if isinstance(node.target, ast.Name):
                        table.add(node.target.id, position(node), node.value)
                elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
                    table.add(node.optional_vars.id, position(node.context_expr), node.context_expr)
            table.seal()
            frame._bindings = table
        return frame._bindings

    def bindings_before(self, name: str, at: ast.AST) -> List[Tuple[Tuple[int, int], ast.AST]]:
        return self.bindings().before(name, at)

    def is_query_local(self, name: str, at: ast.AST, querysets_only: bool = False) -> bool:
        """Is ``name`` a local bound (before ``at``) to a query expression or
        ``get_object_or_404(...)``? With ``querysets_only``, to a queryset: `.get()` on
        the dict `in_bulk()` returns is dict.get."""
        if self.frame.kind == "class" or name in self.imports:
            return False
        fold = self.bindings().fold("query-local", self._query_local_step, _either, _NEITHER)
        held = fold.before(name, at)
        return held.queryset if querysets_only else held.query

    def _query_local_step(self, fold: "Fold[QueryHeld]", value: ast.AST) -> "QueryHeld":
        """What one bound value holds: a query or a fetched row, a queryset."""
        while isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return _NEITHER
        resolved = self.resolve(value.func)
        if resolved and resolved.rsplit(".", 1)[-1] == "get_object_or_404":
            return _ROW
        info = self._analyse(value)
        if info is None or info.kind == "sqlalchemy":
            return _NEITHER
        queryset = info.methods[-1] in QUERYSET_RETURNING or (
            info.kind == "manager" and info.methods[-1] not in QUERYSET_METHODS
        )
        return QueryHeld(True, queryset)

    # -- query expressions -------------------------------------------------------
    def _loop_names(self) -> Set[str]:
        names: Set[str] = set()
        for loop in self.frame.loops:
            names |= loop.targets
            names |= set(loop.aliases)
        return names

    def _analyse(self, call: ast.Call) -> Optional[QueryInfo]:
        key = id(call)
        if key in self._query_cache:
            return self._query_cache[key]
        WORK.check()
        if not isinstance(call.func, ast.Attribute):  # no method chain: not a query
            self._query_cache[key] = None
            return None
        frame = self.frame
        loop_names: Optional[Set[str]] = None

        def is_bound_name(name: str) -> bool:
            nonlocal loop_names
            if name in frame.params:
                return True
            if loop_names is None:
                loop_names = self._loop_names()
            if name in loop_names:
                return True
            return self.is_query_local(name, call)

        def is_query_local(name: str) -> bool:
            return self.is_query_local(name, call, querysets_only=True)

        info = analyse_chain(call, is_bound_name, is_query_local, self.numeric_module)
        self._query_cache[key] = info
        return info

    def query_info(self, call: ast.Call) -> Optional[QueryInfo]:
        """What the query expression ``call`` is made of (None for non-queries), whether or
        not it is the outermost link of its chain; cached per call."""
        return self._analyse(call)

    def outer_query(self, call: ast.Call) -> Optional[QueryInfo]:
        """The query expression whose outermost call is ``call``; None for non-queries and
        for the inner links of a chain already seen (a chain is one query)."""
        if id(call) in self._inner_query_calls:
            return None
        info = self._analyse(call)
        if info is not None:
            for inner in info.inner_calls:
                self._inner_query_calls.add(id(inner))
            if info.kind != "sqlalchemy":
                self._mark_subqueries(info)
        return info

    def _mark_subqueries(self, info: QueryInfo) -> None:
        """A queryset passed straight to another query's link
        (`filter(role_points__in=us.role_points.all())`) is SQL inside that query, never
        run on its own: it is part of the outer query, like its inner links."""
        for _, link in info.links:
            for value in list(link.args) + [kw.value for kw in link.keywords]:
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                    if value.func.attr in QUERYSET_RETURNING and self._analyse(value) is not None:
                        self._inner_query_calls.add(id(value))

    # -- per-scope facts ---------------------------------------------------------
    def frame_fact(self, key: FactKey[T], compute: Callable[["Context", Frame], T], frame: Optional[Frame] = None) -> T:
        """The fact ``key`` of ``frame`` (default: the current scope), computed once by
        ``compute(ctx, frame)`` on first use and shared by every rule that asks after it.
        Families keep their flow analyses in their own modules and cache them here."""
        frame = frame or self.frame
        try:
            value = frame.facts[key]
        except KeyError:
            try:
                value = frame.facts[key] = compute(self, frame)
            except AnalysisAbandoned:
                frame.facts[key] = _ABANDONED
                raise
            return value
        if value is _ABANDONED:
            raise AnalysisAbandoned(WORK.unit)
        return value  # type: ignore[no-any-return]

    # -- handlers and tasks ------------------------------------------------------
    def function_frame(self) -> Optional[Frame]:
        frame: Optional[Frame] = self.frame
        while frame is not None and frame.kind not in ("function",):
            frame = frame.parent
        return frame

    def is_request_handler(self, frame: Optional[Frame] = None) -> bool:
        """Does the function serve a request (the one definition: :mod:`handlers`)?"""
        from .handlers import handler_info

        return handler_info(self, frame).is_handler

    # -- program kinds (programs.py): operator code run once from a terminal ---------------
    def in_command(self) -> bool:
        """Inside a Django management command: a module of `management/commands/`, or a
        class based on Django's command classes."""
        return self.kind.command or any(base in COMMAND_BASES for cls in self.classes for base in cls.base_names)

    def program_facts(self) -> ProgramFacts:
        """The module's program facts (script, terminal output, main blocks), computed once."""
        return self.frame_fact(_PROGRAM_FACTS, compute_program_facts, frame=self.module_frame)

    def in_migration(self) -> bool:
        """A migration module (Django's, Alembic's, a `migrations.py` of numbered steps or of
        helpers taking `apps`), or a function with `RunPython`'s `(apps, schema_editor)`."""
        return self.kind.migration or any(is_run_python_function(f) for f in enclosing_functions(self))

    def in_cli_command(self) -> bool:
        """Inside a function a command-line framework runs as a command (`@click.command()`,
        `@app.cli.command()`, Typer's `@app.command()`, invoke's `@task`)."""
        return any(is_cli_command_function(self, f) for f in enclosing_functions(self))

    def in_main_block(self, node: Optional[ast.AST] = None) -> bool:
        """``node`` (default: the current scope's node) is inside the module's
        `if __name__ == "__main__":` block."""
        line = getattr(node if node is not None else self.frame.node, "lineno", None)
        if line is None:
            return False
        return any(start <= line <= end for start, end in self.program_facts().main_blocks)

    def in_script(self, node: Optional[ast.AST] = None) -> bool:
        """A module that is a program (a script's path, a main block, a command-line library,
        `sys.argv`), or ``node`` inside a `__main__` block."""
        return self.program_facts().script or self.in_main_block(node)

    def in_program(self, node: Optional[ast.AST] = None) -> bool:
        """Operator code run once from a terminal, not serving requests: a migration, a Django
        management command, a CLI framework's command, or a script (see :mod:`programs`)."""
        return (
            self.in_migration() or self.in_command() or self.in_script(node)
            or self.in_cli_command()
        )

    def in_task_context(self) -> bool:
        if self.kind.task:
            return True
        frame: Optional[Frame] = self.frame
        while frame is not None:
            if frame.kind == "function":
                if frame._task is None:
                    frame._task = self._is_task(frame.node)
                if frame._task:
                    return True
            frame = frame.parent
        return False

    def _is_task(self, node: ast.AST) -> bool:
        for deco in getattr(node, "decorator_list", ()):
            target = deco.func if isinstance(deco, ast.Call) else deco
            if matches_dotted(dotted_name(target), self.resolve(target), self.options.task_decorators):
                return True
        return False


_PROGRAM_FACTS: FactKey[ProgramFacts] = FactKey("context.program_facts")


def _read_lines(path: str) -> Sequence[str]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return ()
    from .baseline import source_lines

    return source_lines(data)


def _comment_of(text: str) -> str:
    """The comment of one physical line: the text after the first `#` outside a string."""
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif text.startswith(quote, index):
                index += len(quote) - 1
                quote = ""
        elif char in "\"'":
            quote = text[index:index + 3] if text[index:index + 3] in ('"""', "'''") else char
            index += len(quote) - 1
        elif char == "#":
            return text[index + 1:].strip()
        index += 1
    return ""


def _binds_revision(tree: ast.AST) -> bool:
    """A module binding Alembic's `revision` and `down_revision` at top level."""
    names = set()
    for stmt in getattr(tree, "body", ()):
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                if isinstance(target, ast.Name):
                    names.add(target.id)
    return {"revision", "down_revision"} <= names


# -- facts folded over a scope's bindings (bindings.Fold) --------------------------------


class QueryHeld(NamedTuple):
    """What a local may hold: a query expression (or a fetched row), a queryset."""

    query: bool
    queryset: bool


_NEITHER = QueryHeld(False, False)


_ROW = QueryHeld(True, False)


def _either(a: QueryHeld, b: QueryHeld) -> QueryHeld:
    return QueryHeld(a.query or b.query, a.queryset or b.queryset)
