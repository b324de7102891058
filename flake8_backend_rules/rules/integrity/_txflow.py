"""Per-function transaction and flow facts, shared by the five rules of the family.

One walk of a function's own statements (nested functions, lambdas and classes are
their own scopes and get their own facts) records, in source order:

* every call, with whether it runs inside ``transaction.atomic()`` (a ``with`` block, or
  a decorator on the function: ``@transaction.atomic``, ``@transaction.atomic(using=..)``,
  ``@atomic`` from ``django.db.transaction``, ``@method_decorator(transaction.atomic)``)
  and inside the body of a ``try`` whose handlers catch ``IntegrityError``;
* the Django query chains among them (classified with the shared vocabulary of
  ``queries.analyse_chain``, but with this module's own view of bound names, so the
  result never depends on where the engine's walk stands), the ORM writes and the
  ``select_for_update()`` links;
* the locals fetched as single rows (``.get()``, ``.first()``, ``get_object_or_404()``,
  ``self.get_object()``) and whether each was fetched with ``select_for_update()``;
* the ``if`` statements and ``try`` statements, with each statement's *block path* so a
  rule can ask whether one statement follows another on every path that reaches it
  (:func:`follows`): a guard's ``else`` branch follows it, the statements after it
  in the same block follow it, a sibling branch of an enclosing ``if`` does not.

**Nested functions.** A nested ``def`` or ``lambda`` is its own scope with its own facts.
It counts as inside ``atomic()`` when it is defined lexically inside an atomic block
(or inside a function that is atomic as a whole): such helpers are nearly always called
right there. A callback handed to ``transaction.on_commit()`` runs after the commit and
is the exception this choice gets wrong; it errs towards silence, which is the side these
rules (which report *missing* atomicity or locking) must err on.

The facts are cached per function through ``Context.frame_fact`` (key :data:`KEY`) and
shared by every rule of the family. :data:`FLOW_NOTE` says on each rule's page what
they decide.
"""
from __future__ import annotations

import ast
from typing import Callable, Dict, List, NamedTuple, Optional, Set, Tuple

from ...astutil import call_name, dotted_name, iter_nodes, position, target_names
from ...bindings import Fold
from ...budget import WORK
from ...context import Context, FactKey, Frame
from ...queries import CHAIN_METHODS, QUERYSET_RETURNING, WRITE_METHODS, QueryInfo, analyse_chain, chain_links
from ...vocabulary import (
    COMPREHENSION_TYPES, INSTANCE_WRITES, MATCH_TYPE, PROCESS_EXIT_CALLS, ROW_FUNCTIONS, ROW_METHODS, TRY_TYPES,
    looks_non_orm,
)

KEY: FactKey[FlowFacts] = FactKey("br03.txflow")

# (id of the statement owning the block, the block's field, index in the block)
PathEntry = Tuple[int, str, int]
Path = Tuple[PathEntry, ...]
Position = Tuple[int, int]

# The part of every rule's page that describes these facts.
FLOW_NOTE = (
    "Each function's statements are read once to decide what is inside `transaction.atomic()` "
    "(a `with` block, or `@transaction.atomic`/`@transaction.atomic(...)`/`@atomic`/"
    "`@method_decorator(transaction.atomic)` on the function; a nested function defined "
    "inside an atomic block counts as inside it) and what follows a guard (its `else` "
    "branch and the statements after it, not a sibling branch). BR030-BR032 stay silent "
    "after a `select_for_update()` lock taken earlier in the same transaction (lock the "
    "parent, then read and write its children): requests taking that lock run one at a "
    "time."
)


def is_atomic_expr(expr: ast.AST, ctx: Context) -> bool:
    """`transaction.atomic`, `atomic(using=...)`, a project wrapper whose name says atomic
    or transaction (`traced_atomic_transaction()`, `transaction_with_commit_on_errors()`:
    such wrappers open one), or `method_decorator(transaction.atomic)`."""
    target = expr.func if isinstance(expr, ast.Call) else expr
    name = ctx.resolve(target) or dotted_name(target) or ""
    last = name.rsplit(".", 1)[-1].lower()
    if ("atomic" in last or "transaction" in last) and not last.startswith("non_atomic"):
        return True  # `atomic`, saleor's `transaction_with_commit_on_errors()`
    if isinstance(expr, ast.Call) and last == "method_decorator":
        return any(is_atomic_expr(arg, ctx) for arg in expr.args)
    return False


def catches(handler: ast.ExceptHandler, suffixes: Tuple[str, ...]) -> bool:
    kind = handler.type
    if kind is None:
        return False
    candidates = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    for candidate in candidates:
        text = dotted_name(candidate) or ""
        if text.rsplit(".", 1)[-1].endswith(suffixes):
            return True
    return False


def catches_integrity_error(handler: ast.ExceptHandler) -> bool:
    # DatabaseError is IntegrityError's base class: it catches the duplicate too.
    return catches(handler, ("IntegrityError", "DatabaseError"))


def follows(earlier: Path, later: Path, owner: ast.AST, owners: Optional[Dict[int, ast.AST]] = None) -> bool:
    """Does the statement at ``later`` run after the statement ``owner`` at ``earlier`` has
    run (and fallen through)? True for later statements of the same block or of an
    enclosing block, and for ``owner``'s own ``else`` branch; false for ``owner``'s
    body, for sibling branches of an enclosing statement and for enclosing headers, and
    (given the block ``owners``) for statements after an enclosing block that always
    ends in `return`/`raise`."""
    n = len(earlier)
    if later[:n] == earlier:
        return len(later) > n and later[n][0] == id(owner) and later[n][1] == "orelse"
    for level, (mine, theirs) in enumerate(zip(earlier, later)):
        if mine != theirs:
            # later in the same block, and no enclosing block of ``owner`` below that
            # level ends in return/raise before control gets there
            return mine[:2] == theirs[:2] and theirs[2] > mine[2] and not _leaves_inside(earlier, level, owners)
    return False


def _leaves_inside(path: Path, level: int, owners: Optional[Dict[int, ast.AST]]) -> bool:
    """Does a block holding the statement at ``path``, nested below depth ``level``, end
    in `return`/`raise`?"""
    if owners is None:
        return False
    for entry in path[level + 1:]:
        owner = owners.get(entry[0])
        stmts = block_of(owner, entry[1]) if owner is not None else []
        if stmts and isinstance(stmts[-1], (ast.Return, ast.Raise)):
            return True
    return False


def exclusive(first: Path, second: Path, owners: Dict[int, ast.AST]) -> bool:
    """Can the statements at ``first`` and ``second`` never both run in one call: the
    body and the ``else`` of one ``if``, two ``case`` blocks, two handlers of one
    ``try``? (A ``try`` body and its handler can both run; so can a loop's iterations.)"""
    for level, (mine, theirs) in enumerate(zip(first, second)):
        if mine == theirs:
            continue
        if mine[0] != theirs[0] or mine[1] == theirs[1]:
            return False
        owner = owners.get(mine[0])
        if isinstance(owner, ast.If):
            return True
        if isinstance(owner, TRY_TYPES) and {mine[1][:7], theirs[1][:7]} == {"orelse", "handler"}:
            return True  # a try's else runs only when no handler did
        if isinstance(owner, TRY_TYPES) and mine[1] == "body" and theirs[1].startswith("handler"):
            # the try body's last statement itself: if it failed it wrote nothing, and
            # nothing after it can fail (`try: ...; log = Log.create(ok) except E: Log.create(err)`)
            return len(first) == level + 1 and mine[2] == len(getattr(owner, "body", ())) - 1
        return mine[1][:4] == theirs[1][:4] and mine[1][:4] in ("case", "hand")
    return False


def block_of(owner: ast.AST, field: str) -> List[ast.stmt]:
    """The statements of block ``field`` of ``owner`` (`body`, `orelse`, `handler2`...)."""
    if field.startswith("handler"):
        handlers = getattr(owner, "handlers", [])
        index = int(field[7:])
        return handlers[index].body if index < len(handlers) else []
    if field.startswith("case"):
        cases = getattr(owner, "cases", [])
        index = int(field[4:])
        return cases[index].body if index < len(cases) else []
    return list(getattr(owner, field, []) or [])


def can_run_after(first: Path, second: Path, owners: Dict[int, ast.AST]) -> bool:
    """Can the statement at ``second`` run after the one at ``first`` in one call? Not
    when they are :func:`exclusive`, nor when ``first`` sits in a block that always ends
    in `return`/`raise` and ``second`` is outside that block."""
    if exclusive(first, second, owners):
        return False
    for level in range(len(first) - 1):
        inner = first[level + 1]  # the block holding first's ancestor at this depth
        owner = owners.get(inner[0])
        if owner is None:
            continue
        stmts = block_of(owner, inner[1])
        shares = len(second) > level + 1 and second[: level + 1] == first[: level + 1] \
            and second[level + 1][:2] == inner[:2]
        if stmts and isinstance(stmts[-1], (ast.Return, ast.Raise)) and not shares:
            return False
    return True


def inside(path: Path, owner: ast.AST, field: str, owner_path: Path) -> bool:
    """Is ``path`` inside block ``field`` of statement ``owner`` (at ``owner_path``)?"""
    n = len(owner_path)
    return len(path) > n and path[:n] == owner_path and path[n][:2] == (id(owner), field)


_MAX_NESTED_EXITS = 8


def ends_with_exit(body: List[ast.stmt], exits: Tuple[type, ...]) -> bool:
    """Does the block always leave: its last statement is one of ``exits`` (`return`,
    `raise`), `sys.exit(...)`, or an `if` whose branches all leave?"""
    for _ in range(_MAX_NESTED_EXITS):
        if not body:
            return False
        last = body[-1]
        if isinstance(last, exits):
            return True
        if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) \
                and (dotted_name(last.value.func) or "") in PROCESS_EXIT_CALLS and ast.Raise in exits:
            return True
        if not (isinstance(last, ast.If) and last.orelse):
            return False
        if not ends_with_exit(last.orelse, exits):
            return False
        body = last.body
    return False


class CallSite:
    """A call of the function, where it stands."""

    __slots__ = ("node", "path", "atomic", "integrity")

    def __init__(self, node: ast.Call, path: Path, atomic: int, integrity: bool) -> None:
        self.node = node
        self.path = path
        # 0 outside atomic(); inside, an id of the outermost atomic block (1: the whole
        # function), so two calls under one transaction compare equal
        self.atomic = atomic
        self.integrity = integrity  # inside a try body whose handler catches IntegrityError


class Write:
    """A Django ORM write: a query write (`X.objects.create(...)`, `qs.update(...)`) or an
    instance write (`obj.save()`, `obj.delete()`, `super().save()`)."""

    __slots__ = ("site", "method", "base", "receiver", "info")

    def __init__(self, site: CallSite, method: str, base: Optional[str], receiver: Optional[str],
                 info: Optional[QueryInfo]) -> None:
        self.site = site
        self.method = method
        self.base = base  # the model/manager text the write targets ("Product", "self.items")
        self.receiver = receiver  # instance writes: the receiver's text ("order", "self")
        self.info = info

    @property
    def node(self) -> ast.Call:
        return self.site.node


class Fetch:
    """A local bound to a single row (`order = Order.objects.get(pk=pk)`)."""

    __slots__ = ("node", "value", "locked", "path")

    def __init__(self, node: ast.AST, value: ast.AST, locked: bool, path: Path) -> None:
        self.node = node
        self.value = value
        self.locked = locked
        self.path = path


class Modification:
    """`obj.f += n`, `obj.f -= n`, `obj.f = obj.f +/- n`: a stored value changed in Python."""

    __slots__ = ("obj", "attr", "node", "delta")

    def __init__(self, obj: str, attr: str, node: ast.stmt, delta: ast.AST) -> None:
        self.obj = obj
        self.attr = attr
        self.node = node
        self.delta = delta


class FlowFacts:
    """Everything the family's rules ask about one function (see the module docstring)."""

    def __init__(self) -> None:
        self.covered = False  # the whole function runs inside atomic()
        self.calls: List[CallSite] = []
        self.sites: Dict[int, CallSite] = {}
        self.queries: Dict[int, QueryInfo] = {}  # outermost Django chains by call id
        self.query_bases: Dict[int, Optional[str]] = {}  # ... and the model each targets
        self.query_locked: Dict[int, bool] = {}  # ... and whether it has select_for_update()
        self.writes: List[Write] = []
        self.modifications: List[Modification] = []
        self.sfu_links: List[Tuple[CallSite, ast.Call]] = []  # (link, outermost chain call)
        self.locked_names: Set[str] = set()
        self._query_local: Optional[Callable[[str], bool]] = None
        self.fetches: Dict[str, List[Fetch]] = {}
        self.ifs: List[Tuple[ast.If, Path]] = []
        self.tries: List[Tuple[ast.AST, Path]] = []
        self.stmt_atomic: Dict[int, int] = {}  # statement id -> outermost atomic block (0: none)
        self.owners: Dict[int, ast.AST] = {}  # id -> statement owning a block (for paths)
        self.nested_atomic: Set[int] = set()  # nested defs/lambdas inside atomic blocks
        self.returned_names: Set[str] = set()
        self.returned_values: List[ast.AST] = []
        # the function hands rows locked with select_for_update() to its caller
        # (`return qs.select_for_update().first()`, `return locked_row`): a lock-taking
        # helper, made to be called inside the caller's transaction
        self.returns_locked = False
        # the function asks whether a transaction is open (`in_atomic_block`,
        # `get_autocommit()`) and so decides for itself
        self.checks_atomic = False
        self.returned_calls: Set[int] = set()
        self.field_resets: Dict[Tuple[str, str], List[Position]] = {}
        self.constructed: Dict[str, str] = {}  # local -> class text for `x = Model(...)`
        self.params: Set[str] = set()
        self.loop_targets: Set[str] = set()
        self.loop_iterables: Dict[str, ast.AST] = {}

    def in_atomic(self, call: ast.AST) -> bool:
        if self.covered:
            return True
        site = self.sites.get(id(call))
        return site is not None and bool(site.atomic)

    def transaction_of(self, node: ast.AST) -> int:
        """The outermost atomic block around a call or statement (0: none)."""
        site = self.sites.get(id(node))
        if site is not None:
            return site.atomic
        return self.stmt_atomic.get(id(node), 0)

    def serialized_by_earlier_lock(self, node: ast.AST) -> bool:
        """Inside a transaction that already took a `select_for_update()` lock before
        ``node`` (`lock the parent, then check-then-create its children`): concurrent
        requests that take the same lock run this part one at a time."""
        block = self.transaction_of(node)
        if not block:
            return False
        at = position(node)
        return any(site.atomic == block and position(site.node) < at for site, _ in self.sfu_links)

    def is_locked(self, name: str) -> bool:
        return name in self.locked_names

    def is_query_local(self, name: str) -> bool:
        """A local bound to a query expression or a fetched row."""
        return self._query_local is not None and self._query_local(name)


def new_set(ctx: Context, frame: Frame) -> Set[str]:
    """An empty per-function set: what a rule notes as the walk meets it (a modified
    field, an existence check, a guard), so a later call builds the flow facts only when
    the function can hold a finding."""
    return set()


def flow_facts(ctx: Context, frame: Optional[Frame] = None) -> Optional[FlowFacts]:
    """The facts of ``frame`` (default: the current scope); None outside functions."""
    frame = frame or ctx.frame
    if frame.kind not in ("function", "lambda"):
        return None
    return ctx.frame_fact(KEY, _build, frame)


def _covered_by_enclosing(ctx: Context, frame: Frame) -> bool:
    node = frame.node
    for deco in getattr(node, "decorator_list", ()):
        if is_atomic_expr(deco, ctx):
            return True
    parent = frame.parent
    while parent is not None and parent.kind == "class":
        parent = parent.parent
    if parent is None or parent.kind not in ("function", "lambda"):
        return False
    facts = flow_facts(ctx, parent)
    return facts is not None and (facts.covered or id(node) in facts.nested_atomic)


class _Builder:
    def __init__(self, ctx: Context, frame: Frame, facts: FlowFacts) -> None:
        self.ctx = ctx
        self.frame = frame
        self.facts = facts
        self._memo: Dict[int, Optional[QueryInfo]] = {}
        self._query_locals: Dict[str, bool] = {}
        self._visiting: Set[str] = set()
        self._inner: Set[int] = set()
        self._locked: Optional[Set[str]] = None

    # -- query classification, independent of the engine's walk -----------------
    def classify(self, call: ast.Call) -> Optional[QueryInfo]:
        func = call.func
        if func.__class__ is not ast.Attribute or func.attr not in CHAIN_METHODS:  # type: ignore[attr-defined]
            # Every Django query expression ends in a queryset method (SQLAlchemy ones,
            # which may end in anything, are not classified here): the cheap exact test.
            return None
        key = id(call)
        if key not in self._memo:
            WORK.check()
            self._memo[key] = None  # cycles classify as "not a query"
            info = analyse_chain(call, self._is_bound, self._is_query_local, self.ctx.numeric_module)
            if info is not None and info.kind == "sqlalchemy":
                info = None
            self._memo[key] = info
        return self._memo[key]

    def _is_bound(self, name: str) -> bool:
        facts = self.facts
        return name in facts.params or name in facts.loop_targets or self._is_query_local(name)

    def _is_query_local(self, name: str) -> bool:
        """Is ``name`` bound (anywhere in the function) to a query or a fetched row?
        Once per name; a name met again while its own answer is being worked out (`qs =
        qs.filter(...)`) adds nothing to it."""
        known = self._query_locals.get(name)
        if known is not None:
            return known
        if name in self._visiting or name in self.ctx.imports:
            return False
        WORK.lookup()
        self._visiting.add(name)
        result = False
        try:
            for _, value in self.ctx.bindings(self.frame).get(name, ()):
                value = unawait(value)
                if isinstance(value, ast.Call) and (self.is_row_function(value) or self.classify(value) is not None):
                    result = True
                    break
        finally:
            self._visiting.discard(name)
        self._query_locals[name] = result
        return result

    def is_row_function(self, call: ast.Call) -> bool:
        name = self.ctx.resolve(call.func) or ""
        return name.rsplit(".", 1)[-1] in ROW_FUNCTIONS

    def base_of(self, info: QueryInfo) -> Optional[str]:
        """The model or manager text a chain targets: `Product` for
        `Product.objects.filter(...)`, `self.addresses` for `self.addresses.create(...)`,
        and through a local (`qs = Product.objects.filter(...)`) the base of the local's
        latest binding before the chain (of its latest binding anywhere, in a loop that
        binds it later); each binding's base is resolved once (:class:`bindings.Fold`)."""
        root = info.root
        if info.kind == "manager" and isinstance(root, ast.Attribute):
            return _model_text(root.value)
        if info.kind == "related":
            return dotted_name(root)
        if info.kind == "local" and isinstance(root, ast.Name):
            fold = self.ctx.bindings(self.frame).fold("txflow.base", self._base_step, _later, None)
            return fold.before(root.id, info.node) or fold.all(root.id)
        return None

    def _base_step(self, fold: "Fold[Optional[str]]", value: ast.AST) -> Optional[str]:
        value = unawait(value)
        if not isinstance(value, ast.Call):
            return None
        info = self.classify(value)
        return self.base_of(info) if info is not None else None

    def chain_has_sfu(self, expr: ast.AST) -> bool:
        """A chain with a `select_for_update()` link, directly or through a local;
        `get_object_or_404(X.objects.select_for_update(), ...)` too."""
        shape = self._sfu_shape(expr)
        return shape.locked or (shape.follows is not None and shape.follows in self._locked_locals())

    def _sfu_shape(self, expr: ast.AST) -> "SfuShape":
        """Whether the expression itself has a `select_for_update()` link, and the local
        whose value it carries on otherwise, without following any local."""
        while True:  # each step goes into a part of the expression: it ends
            expr = unawait(expr)
            if isinstance(expr, ast.Subscript):  # `locked_qs[0]`
                expr = expr.value
            if isinstance(expr, ast.Name):
                return SfuShape(False, expr.id)
            if not isinstance(expr, ast.Call):
                return _NO_LOCK
            links, root = chain_links(expr)
            if any(name == "select_for_update" for name, _ in links):
                return SfuShape(True, None)
            if self.is_row_function(expr) and expr.args:
                expr = expr.args[0]
                continue
            return SfuShape(False, root.id if isinstance(root, ast.Name) else None)

    def _locked_locals(self) -> Set[str]:
        """The locals some binding of which carries a `select_for_update()` chain,
        directly or through other locals: reachability over the function's bindings,
        each binding looked at once."""
        if self._locked is None:
            locked: Set[str] = set()
            carried_by: Dict[str, Set[str]] = {}  # local -> locals bound to (a chain on) it
            for name, bound in self.ctx.bindings(self.frame).items():
                for _, value in bound:
                    WORK.lookup()
                    shape = self._sfu_shape(value)
                    if shape.locked:
                        locked.add(name)
                    elif shape.follows is not None:
                        carried_by.setdefault(shape.follows, set()).add(name)
            pending = list(locked)
            while pending:
                for name in carried_by.get(pending.pop(), ()):
                    if name not in locked:
                        locked.add(name)
                        pending.append(name)
            self._locked = locked
        return self._locked

    # -- the walk ------------------------------------------------------------------
    def build(self) -> FlowFacts:
        facts = self.facts
        frame = self.frame
        facts.params = set(frame.params)
        facts.covered = _covered_by_enclosing(self.ctx, frame)
        node = frame.node
        facts._query_local = self._is_query_local
        if isinstance(node, ast.Lambda):
            self._expressions([node.body], (), 1 if facts.covered else 0, False)
            return facts
        self._expressions(list(getattr(node, "decorator_list", ())), (), False, False)
        body = getattr(node, "body", [])
        # blocks: (owner, field, statements, path, atomic, integrity, next index); one
        # statement at a time, its nested blocks before its successors: source order
        stack: List[Tuple[ast.AST, str, List[ast.stmt], Path, int, bool, int]] = [
            (node, "body", body, (), 1 if facts.covered else 0, False, 0)
        ]
        while stack:
            owner, field, stmts, path, atomic, integrity, index = stack.pop()
            if index >= len(stmts):
                continue
            stmt = stmts[index]
            facts.owners[id(owner)] = owner
            here = path + ((id(owner), field, index),)
            facts.stmt_atomic[id(stmt)] = atomic
            stack.append((owner, field, stmts, path, atomic, integrity, index + 1))
            for child in reversed(self._statement(stmt, here, atomic, integrity)):
                stack.append(child + (0,))
        self._finish()
        return facts

    def _statement(self, stmt: ast.stmt, here: Path, atomic: int, integrity: bool):
        facts = self.facts
        blocks: List[Tuple[ast.AST, str, List[ast.stmt], Path, int, bool]] = []

        def block(field: str, stmts: List[ast.stmt], is_atomic: int = atomic, guarded: bool = integrity) -> None:
            if stmts:
                blocks.append((stmt, field, stmts, here, is_atomic, guarded))

        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if atomic:
                facts.nested_atomic.add(id(stmt))
            heads: List[ast.AST] = list(stmt.decorator_list)
            if not isinstance(stmt, ast.ClassDef):
                heads += [d for d in stmt.args.defaults + stmt.args.kw_defaults if d is not None]
            else:
                heads += list(stmt.bases)
            self._expressions(heads, here, atomic, integrity)
            return blocks
        if isinstance(stmt, ast.If):
            facts.ifs.append((stmt, here))
            self._expressions([stmt.test], here, atomic, integrity)
            block("body", stmt.body)
            block("orelse", stmt.orelse)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._note_loop(stmt.target, stmt.iter)  # before the body is classified
            self._expressions([stmt.iter, stmt.target], here, atomic, integrity)
            block("body", stmt.body)
            block("orelse", stmt.orelse)
        elif isinstance(stmt, ast.While):
            self._expressions([stmt.test], here, atomic, integrity)
            block("body", stmt.body)
            block("orelse", stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            items = stmt.items
            heads = [i.context_expr for i in items]
            heads += [i.optional_vars for i in items if i.optional_vars is not None]
            self._expressions(heads, here, atomic, integrity)
            opens = any(is_atomic_expr(i.context_expr, self.ctx) for i in items)
            block("body", stmt.body, atomic or (id(stmt) if opens else 0))
        elif isinstance(stmt, TRY_TYPES):
            facts.tries.append((stmt, here))
            handlers: List[ast.ExceptHandler] = stmt.handlers  # type: ignore[attr-defined]
            guarded = any(catches_integrity_error(h) for h in handlers)
            block("body", stmt.body, atomic, integrity or guarded)  # type: ignore[attr-defined]
            for k, handler in enumerate(handlers):
                if handler.type is not None:
                    self._expressions([handler.type], here, atomic, integrity)
                block(f"handler{k}", handler.body)
            block("orelse", stmt.orelse)  # type: ignore[attr-defined]
            block("finalbody", stmt.finalbody)  # type: ignore[attr-defined]
        elif MATCH_TYPE is not None and isinstance(stmt, MATCH_TYPE):
            self._expressions([stmt.subject], here, atomic, integrity)  # type: ignore[attr-defined]
            for k, case in enumerate(stmt.cases):  # type: ignore[attr-defined]
                if case.guard is not None:
                    self._expressions([case.guard], here, atomic, integrity)
                block(f"case{k}", case.body)
        else:
            self._simple(stmt, here, atomic, integrity)
        return blocks

    def _simple(self, stmt: ast.stmt, here: Path, atomic: int, integrity: bool) -> None:
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            self._note_returned(stmt.value)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Yield, ast.YieldFrom)):
            if stmt.value.value is not None:
                self._note_returned(stmt.value.value)
        elif isinstance(stmt, ast.Assign):
            self._note_assign(stmt, stmt.targets, stmt.value, here)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self._note_assign(stmt, [stmt.target], stmt.value, here)
        elif isinstance(stmt, ast.AugAssign):
            self._note_augmented(stmt)
        self._expressions([stmt], here, atomic, integrity)

    def _note_loop(self, target: ast.AST, iterable: ast.AST) -> None:
        for name in target_names(target):
            self.facts.loop_targets.add(name)
            self.facts.loop_iterables[name] = iterable

    def _note_augmented(self, stmt: ast.AugAssign) -> None:
        target = stmt.target
        if isinstance(stmt.op, (ast.Add, ast.Sub)) and isinstance(target, ast.Attribute) \
                and isinstance(target.value, ast.Name):
            self.facts.modifications.append(Modification(target.value.id, target.attr, stmt, stmt.value))

    def _note_returned(self, value: ast.AST) -> None:
        """What a `return`/`yield` hands over as it is: `return qs`, `return a, b`,
        `return X.objects.filter(...)` (not what it merely reads: `return qs.count()`)."""
        self.facts.returned_values.append(value)
        values = value.elts if isinstance(value, ast.Tuple) else [value]
        for item in values:
            if isinstance(item, ast.Name):
                self.facts.returned_names.add(item.id)
            elif isinstance(item, ast.Call):
                self.facts.returned_calls.add(id(item))

    def _note_assign(self, stmt: ast.stmt, targets: List[ast.expr], value: ast.AST, here: Path) -> None:
        facts = self.facts
        raw = unawait(value)
        if len(targets) == 1 and isinstance(targets[0], ast.Attribute) and isinstance(targets[0].value, ast.Name) \
                and isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)):
            # `obj.f = obj.f + n` / `obj.f = n + obj.f` / `obj.f = obj.f - n`
            obj, attr = targets[0].value.id, targets[0].attr
            left, right = value.left, value.right
            if _is_attr(left, obj, attr):
                facts.modifications.append(Modification(obj, attr, stmt, right))
                return
            if isinstance(value.op, ast.Add) and _is_attr(right, obj, attr):
                facts.modifications.append(Modification(obj, attr, stmt, left))
                return
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                # `obj.total = 0` resets the field: a later `obj.total += x` adds to a
                # value this function computed, not to a stored one.
                if not _mentions_attribute(value, target.value.id, target.attr):
                    facts.field_resets.setdefault((target.value.id, target.attr), []).append(position(stmt))
            if not isinstance(target, ast.Name):
                continue
            name = target.id
            if isinstance(raw, ast.Call):
                func_text = dotted_name(raw.func) or ""
                if isinstance(raw.func, ast.Name) and func_text[:1].isupper():
                    facts.constructed[name] = func_text
                info = self.classify(raw)
                is_row = self.is_row_function(raw) or (
                    info is not None and info.methods[-1] in ROW_METHODS
                ) or _is_get_object(raw) or self._is_keyword_get(raw)
                if is_row:
                    facts.fetches.setdefault(name, []).append(Fetch(stmt, raw, False, here))
            elif self._is_queryset_index(raw):
                facts.fetches.setdefault(name, []).append(Fetch(stmt, raw, False, here))

    def _is_keyword_get(self, call: ast.Call) -> bool:
        """`basket.lines.get(line_reference=ref)`: a related manager's `.get()` that the
        shared vocabulary leaves out (dicts have `.get` too) but with keyword arguments
        only, which `dict.get` never takes; not on an imported module or an HTTP client
        (`requests.get(url=...)`, `self.client.get(path=...)`)."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in ("get", "aget")) or call.args or not call.keywords:
            return False
        if any(kw.arg is None for kw in call.keywords):
            return False
        receiver = func.value
        base = receiver
        while isinstance(base, ast.Attribute):
            base = base.value
        if not isinstance(receiver, ast.Attribute) or not isinstance(base, ast.Name) or base.id in self.ctx.imports:
            return False
        text = (dotted_name(receiver) or "").lower()
        return not looks_non_orm(text)

    def _is_queryset_index(self, value: ast.AST) -> bool:
        """`line = lines[0]` with `lines` a queryset local: one row."""
        return (
            isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name)
            and isinstance(value.slice, ast.Constant) and isinstance(value.slice.value, int)
            and self._is_query_local(value.value.id)
        )

    def _expressions(self, roots: List[ast.AST], here: Path, atomic: int, integrity: bool) -> None:
        facts = self.facts
        for root in roots:
            for node in iter_nodes(root, into_scopes=False):
                if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    if node is not root and atomic:
                        facts.nested_atomic.add(id(node))
                    continue
                if isinstance(node, ast.Attribute) and node.attr == "in_atomic_block":
                    facts.checks_atomic = True
                elif isinstance(node, COMPREHENSION_TYPES):
                    for generator in getattr(node, "generators", ()):  # before the element is classified
                        self._note_loop(generator.target, generator.iter)
                if not isinstance(node, ast.Call):
                    continue
                site = CallSite(node, here, atomic, integrity)
                facts.calls.append(site)
                facts.sites[id(node)] = site
                self._call(site)

    def _call(self, site: CallSite) -> None:
        facts = self.facts
        call = site.node
        func = call.func
        key = id(call)
        if isinstance(func, ast.Attribute) and func.attr in ("get_autocommit", "in_atomic_block"):
            facts.checks_atomic = True
        if isinstance(func, ast.Attribute) and func.attr == "select_for_update":
            facts.sfu_links.append((site, call))
        if key in self._inner:
            return
        info = self.classify(call)
        if info is not None:
            for inner in info.inner_calls:
                self._inner.add(id(inner))
            facts.queries[key] = info
            facts.query_bases[key] = self.base_of(info)
            facts.query_locked[key] = self.chain_has_sfu(call)
            if info.is_write and not _is_file_field_delete(info):
                method = next(m for m in reversed(info.methods) if m in WRITE_METHODS)
                facts.writes.append(Write(site, method, self.base_of(info), None, info))
            return
        if isinstance(func, ast.Attribute) and func.attr in INSTANCE_WRITES:
            receiver = func.value
            if isinstance(receiver, ast.Call) and call_name(receiver) == "super":
                facts.writes.append(Write(site, func.attr, None, "super()", None))
            elif isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) \
                    and receiver.func.id[:1].isupper():
                # `Model(...).save()`
                facts.writes.append(Write(site, func.attr, receiver.func.id, None, None))
            else:
                text = dotted_name(receiver)
                if text is not None:
                    facts.writes.append(Write(site, func.attr, None, text, None))

    def _finish(self) -> None:
        """Names locked by `select_for_update()`: bound to such a chain, iterating one, or
        named in its filter (`X.objects.select_for_update().get(pk=obj.pk)` locks obj's
        row)."""
        facts = self.facts
        if not facts.sfu_links:
            return  # nothing in this function takes a lock
        for name, fetches in facts.fetches.items():
            for fetch in fetches:
                fetch.locked = self.chain_has_sfu(fetch.value)
            if any(f.locked for f in fetches):
                facts.locked_names.add(name)
        facts.locked_names |= self._locked_locals()
        for name, iterable in facts.loop_iterables.items():
            if self.chain_has_sfu(iterable):
                facts.locked_names.add(name)
        # the outermost chain call of each select_for_update link
        outer_of: Dict[int, ast.Call] = {}
        for info in facts.queries.values():
            for inner in info.inner_calls:
                outer_of[id(inner)] = info.node
        facts.sfu_links = [(site, outer_of.get(id(site.node), site.node)) for site, _ in facts.sfu_links]
        for _, outer in facts.sfu_links:
            for _, link in chain_links(outer)[0]:
                for arg in list(link.args) + [kw.value for kw in link.keywords]:
                    for sub in iter_nodes(arg, into_scopes=False):
                        if isinstance(sub, ast.Name):
                            facts.locked_names.add(sub.id)
        facts.returns_locked = any(self._hands_locked(value) for value in facts.returned_values)

    def _hands_locked(self, value: ast.AST) -> bool:
        """Does a returned value carry locked rows: the locked queryset or row itself,
        in a tuple, or as an argument of a returned call (`tuple(locked_qs)`,
        `get_node_or_error(info, pk, qs=locked_qs)`)? A value read from them (`row.stock`,
        `locked_qs.count()`) does not."""
        stack = [value]
        while stack:
            node = unawait(stack.pop())
            if isinstance(node, ast.Name):
                if self.chain_has_sfu(node):
                    return True
            elif isinstance(node, (ast.Tuple, ast.List)):
                stack.extend(node.elts)
            elif isinstance(node, ast.Call):
                links, _ = chain_links(node)
                if links and self.chain_has_sfu(node):
                    if links[-1][0] in ROW_METHODS or links[-1][0] in QUERYSET_RETURNING:
                        return True
                    continue
                stack.extend(node.args)
                stack.extend(kw.value for kw in node.keywords)
        return False


def _build(ctx: Context, frame: Frame) -> FlowFacts:
    facts = FlowFacts()
    return _Builder(ctx, frame, facts).build()


def _is_file_field_delete(info: QueryInfo) -> bool:
    """`self.image.delete(save=False)`: a FieldFile's delete (a related manager's
    `delete()` takes no arguments)."""
    call = info.node
    return info.kind == "related" and info.methods == ("delete",) and bool(call.keywords or call.args)


def unawait(node: ast.AST) -> ast.AST:
    """The awaited expression: `x` for `await x` (and `await await x`)."""
    while isinstance(node, ast.Await):
        node = node.value
    return node


def _model_text(node: ast.AST) -> Optional[str]:
    """`Product` for `Product.objects`; `type(self)`/`self.__class__` stay as written."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type" and node.args:
        inner = dotted_name(node.args[0])
        return f"{inner}.__class__" if inner else None
    return dotted_name(node)


def _is_get_object(call: ast.Call) -> bool:
    """`self.get_object()` in a view: the generic views' single-row fetch."""
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr in ("get_object", "aget_object") \
        and isinstance(func.value, ast.Name) and func.value.id == "self" and not call.args


def _is_attr(node: ast.AST, obj: str, attr: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == attr and isinstance(node.value, ast.Name) \
        and node.value.id == obj


def _mentions_attribute(value: ast.AST, name: str, attr: str) -> bool:
    for sub in iter_nodes(value, into_scopes=False):
        if isinstance(sub, ast.Attribute) and sub.attr == attr and isinstance(sub.value, ast.Name) \
                and sub.value.id == name:
            return True
    return False


class SfuShape(NamedTuple):
    locked: bool  # the expression has a select_for_update() link
    follows: Optional[str]  # else the local whose value it carries on


_NO_LOCK = SfuShape(False, None)


def _later(earlier: Optional[str], later: Optional[str]) -> Optional[str]:
    return later if later is not None else earlier
