"""BR03x: data integrity under concurrency.

Every check is registered on ``ast.Call`` with a cheap test of the method name first
(`save`, `create`, `select_for_update`, ...). BR030-BR032 also note, as the walk meets
them, the modifications, existence checks and exiting guards that must precede a finding
(the walk is in source order), so a write with none before it costs nothing more. Only
then does a check ask for the function's flow facts (``txflow.flow_facts``: one walk per
function, shared by the family) and for its own per-function verdicts, computed once and
cached with ``ctx.frame_fact``; the call is reported when it is one of them.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from ..astutil import dotted_name, iter_nodes, names_in, short_source
from ..budget import WORK
from ..context import Context, FactKey, Frame
from ..queries import WRITE_METHODS
from ..txflow import FlowFacts, Modification, Path, Write, can_run_after, catches, flow_facts, follows, inside, position
from . import check
from ..vocabulary import INSTANCE_WRITES, LEAVING_STATEMENTS, PROCESS_EXIT_CALLS, looks_non_orm

_BR030_MODIFIED_KEY: FactKey[Set[str]] = FactKey("br030.modified")
_BR030_SAVES_KEY: FactKey[Dict[int, Modification]] = FactKey("br030.saves")
_BR031_CHECKED_KEY: FactKey[Set[str]] = FactKey("br031.checked")
_BR031_CREATES_KEY: FactKey[Dict[int, str]] = FactKey("br031.creates")
_BR032_GUARDS_KEY: FactKey[Set[str]] = FactKey("br032.guards")
_BR032_WRITES_KEY: FactKey[Dict[int, Tuple[str, str]]] = FactKey("br032.writes")
_BR034_WRITES_KEY: FactKey[Dict[int, Tuple[str, int]]] = FactKey("br034.writes")

_SAVES = frozenset({"save", "asave"})
_CREATES = frozenset({"create", "acreate", "bulk_create", "abulk_create"})
_EXISTENCE = frozenset({"exists", "aexists"})
_ROW_PROBES = frozenset({"first", "afirst", "last", "alast"})
_COUNTS = frozenset({"count", "acount"})
_GETS = frozenset({"get", "aget"})
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQUALITY = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)
_NOT_STATE = frozenset({"pk", "id"})
_ANY_WRITE_NAMES = INSTANCE_WRITES | WRITE_METHODS


def _is_write_call(node: ast.Call, names: frozenset) -> bool:
    func = node.func
    return isinstance(func, ast.Attribute) and func.attr in names


def _is_model_class(ctx: Context, frame: Frame) -> bool:
    cls = frame.class_frame
    if cls is None:
        return False
    if any(base.endswith("Model") for base in cls.base_names):
        return True
    return ctx.kind.models and any(base not in ("", "object") for base in cls.base_names)


# -- BR030 read-modify-write --------------------------------------------------------
def _is_stored_row(name: str, ctx: Context, frame: Frame, facts: FlowFacts) -> bool:
    """A row this function read from the database without a lock: `self` in a model
    method, a row fetched here (`.get()`, `.first()`, `get_object_or_404()`), or a loop
    variable over a query run here. Not an instance built here (`Model(...)`,
    `form.save(commit=False)`), whose fields nobody else can be changing yet, and not a
    parameter: the caller may hold the lock (saleor's `charge_gift_card(gift_card, ...)`
    is called on a row its caller locked)."""
    if name == frame.self_name:
        return _is_model_class(ctx, frame)
    bound = ctx.bindings(frame).get(name, ())
    if not bound:
        iterable = facts.loop_iterables.get(name)
        return iterable is not None and _is_query_here(iterable, facts)
    # every binding a fetched row, or an instance built on the "not found" path
    # (`try: a = user.addresses.get(...) except ObjectDoesNotExist: a = UserAddress(...)`)
    fetched = facts.fetches.get(name, ())
    built = sum(1 for _, value in bound if _is_construction(value))
    return bool(fetched) and len(fetched) + built == len(bound)


def _is_construction(value: ast.AST) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id[:1].isupper()


def _new_set(ctx: Context, frame: Frame) -> Set[str]:
    return set()


@check("BR030", ast.AugAssign, ast.Assign)
def note_modified_field(node: ast.AST, ctx: Context) -> None:
    """Remember `obj.f += n` / `obj.f = obj.f +/- n` as the walk meets them, so a later
    `obj.save()` builds the function's flow facts only when something was modified."""
    if isinstance(node, ast.AugAssign):
        target = node.target
    elif len(node.targets) == 1 and isinstance(node.value, ast.BinOp):  # type: ignore[attr-defined]
        target = node.targets[0]  # type: ignore[attr-defined]
    else:
        return
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        ctx.frame_fact(_BR030_MODIFIED_KEY, _new_set).add(target.value.id)


def _is_query_here(expr: ast.AST, facts: FlowFacts) -> bool:
    """A query expression run in this function (directly or through a local)."""
    expr = _unawait(expr)
    if isinstance(expr, ast.Call):
        return id(expr) in facts.queries
    return isinstance(expr, ast.Name) and facts.is_query_local(expr.id)


def _creates(facts: FlowFacts, value: ast.AST) -> bool:
    info = facts.queries.get(id(value))
    return info is not None and info.methods[-1] in ("create", "acreate", "get_or_create", "aget_or_create")


def _unawait(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Await):
        node = node.value
    return node


def _is_numeric_delta(delta: ast.AST) -> bool:
    """`+= 1`, `-= quantity`; not text or collections (`name += " (copy)"`), and not an
    `F()` expression, which is the database-side fix itself."""
    if isinstance(delta, ast.Constant):
        return isinstance(delta.value, (int, float)) and not isinstance(delta.value, bool)
    for sub in iter_nodes(delta, into_scopes=False):
        if isinstance(sub, ast.Call) and (dotted_name(sub.func) or "").rsplit(".", 1)[-1] in ("F", "ExpressionWrapper"):
            return False
    # text or a collection, at the top or as an operand (`"-" + suffix`); a string used
    # as a key (`discount["discount"]`) is fine
    stack = [delta]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            return False
        if isinstance(node, (ast.JoinedStr, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp,
                             ast.SetComp, ast.DictComp)):
            return False
        if isinstance(node, ast.BinOp):
            stack.extend((node.left, node.right))
    return True


def _read_modify_writes(ctx: Context, frame: Frame) -> Dict[int, Modification]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, Modification] = {}
    if facts is None or not facts.modifications:
        return found
    for write in facts.writes:
        if write.method not in _SAVES or write.receiver is None or "." in write.receiver:
            continue
        obj = write.receiver
        if facts.is_locked(obj) or any(facts.serialized_by_earlier_lock(f.node) for f in facts.fetches.get(obj, ())):
            continue  # locked, or read under a lock this transaction took first
        at = position(write.node)
        for mod in facts.modifications:
            if mod.obj != obj or position(mod.node) >= at or not _is_numeric_delta(mod.delta):
                continue
            resets = facts.field_resets.get((obj, mod.attr), ())
            if any(r < position(mod.node) for r in resets):
                continue  # `obj.total = 0` earlier: the sum is computed here, not read
            if not _is_stored_row(obj, ctx, frame, facts):
                break
            found[id(write.node)] = mod
            break
    return found


@check("BR030", ast.Call, callees=_SAVES)
def read_modify_write(node: ast.Call, ctx: Context) -> None:
    """`obj.stock -= n; obj.save()` on a row not locked with select_for_update(): two
    concurrent requests read the same value and one decrement is lost (overselling)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in _SAVES and isinstance(func.value, ast.Name)):
        return
    if ctx.kind.migration or ctx.frame.kind != "function":
        return
    if func.value.id not in ctx.frame_fact(_BR030_MODIFIED_KEY, _new_set):
        return  # nothing of it was changed earlier in this function (the walk is in order)
    mod = ctx.frame_fact(_BR030_SAVES_KEY, _read_modify_writes).get(id(node))
    if mod is None:
        return
    op = "-" if isinstance(mod.node, ast.AugAssign) and isinstance(mod.node.op, ast.Sub) else "+"
    ctx.report("BR030", node, field=f"{mod.obj}.{mod.attr}", save=short_source(node, 40),
               attr=mod.attr, op=op)


# -- BR031 check-then-create ----------------------------------------------------------
def _count_state(op: ast.cmpop, value: object) -> Optional[bool]:
    """What `count() <op> value` says about existence, or None for capacity checks."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if value == 0:
        if isinstance(op, ast.Eq) or isinstance(op, ast.LtE):
            return False
        if isinstance(op, (ast.NotEq, ast.Gt)):
            return True
    if value == 1:
        if isinstance(op, ast.Lt):
            return False
        if isinstance(op, ast.GtE):
            return True
    return None


def _binding_before(ctx: Context, frame: Frame, name: str, at: ast.AST) -> Optional[ast.AST]:
    value = ctx.bindings(frame).last_before(name, at)
    return _unawait(value) if value is not None else None


def _existence_facts(test: ast.AST, truth: bool, facts: FlowFacts, ctx: Context, frame: Frame,
                     depth: int = 0) -> List[Tuple[ast.Call, bool]]:
    """The existence checks whose outcome is known when ``test`` is ``truth``: a list of
    (query call, rows exist). `if not X.objects.filter(..).exists():` gives, for the
    body, [(the exists() call, False)]."""
    if depth > 8:
        return []
    node: ast.AST = test
    if isinstance(node, ast.NamedExpr):
        node = node.value
    node = _unawait(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _existence_facts(node.operand, not truth, facts, ctx, frame, depth + 1)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And) is truth:
            out: List[Tuple[ast.Call, bool]] = []
            for value in node.values:
                out.extend(_existence_facts(value, truth, facts, ctx, frame, depth + 1))
            return out
        return []
    if isinstance(node, ast.Name):
        bound_value = _binding_before(ctx, frame, node.id, test)
        if isinstance(bound_value, ast.Call):
            return _existence_facts(bound_value, truth, facts, ctx, frame, depth + 1)
        return []
    if isinstance(node, ast.Call):
        info = facts.queries.get(id(node))
        if info is not None and info.methods[-1] in _EXISTENCE | _ROW_PROBES:
            return [(node, truth)]
        return []
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        op, right = node.ops[0], node.comparators[0]
        left: Optional[ast.AST] = _unawait(node.left)
        if isinstance(left, ast.Name):
            bound = _binding_before(ctx, frame, left.id, test)
            left = bound if isinstance(bound, ast.Call) else left
        if not isinstance(left, ast.Call):
            return []
        info = facts.queries.get(id(left))
        if info is None:
            return []
        method = info.methods[-1]
        if method in _COUNTS and isinstance(right, ast.Constant):
            state = _count_state(op, right.value)
            if state is None:
                return []  # a capacity check (`count() >= seats`)
            return [(left, state if truth else not state)]
        if method in _ROW_PROBES and isinstance(right, ast.Constant) and right.value is None:
            if isinstance(op, ast.Is):
                return [(left, not truth)]
            if isinstance(op, ast.IsNot):
                return [(left, truth)]
    return []


def _creation_base(write: Write, facts: FlowFacts) -> Optional[str]:
    """The model a write creates rows of: `X.objects.create(...)`, `X(...).save()`,
    `obj = X(...); obj.save()`."""
    if write.info is not None:
        return write.base if write.method in _CREATES else None
    if write.method not in _SAVES:
        return None
    if write.base is not None:
        return write.base
    if write.receiver is not None and "." not in write.receiver:
        return facts.constructed.get(write.receiver)
    return None


def _ends_with_exit(body: List[ast.stmt], exits: Tuple[type, ...]) -> bool:
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
        if not _ends_with_exit(last.orelse, exits):
            return False
        body = last.body
    return False


_MAX_NESTED_EXITS = 8


def _check_then_creates(ctx: Context, frame: Frame) -> Dict[int, str]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, str] = {}
    if facts is None:
        return found
    creations: List[Tuple[Write, str]] = []
    for w in facts.writes:
        base = _creation_base(w, facts)
        if base is not None and not w.site.integrity:
            creations.append((w, base))

    def unlocked_check(call: ast.Call) -> bool:
        # a check on a locked queryset inside atomic() is serialised by the lock, and so
        # is a check after a lock taken earlier in the same transaction (the parent row)
        if facts.query_locked.get(id(call)) and facts.in_atomic(call):
            return False
        return not facts.serialized_by_earlier_lock(call)

    def report(write: Write, call: ast.Call) -> None:
        found.setdefault(id(write.node), short_source(call, 50))

    for stmt, path in facts.ifs:
        known_true = _existence_facts(stmt.test, True, facts, ctx, frame)
        known_false = _existence_facts(stmt.test, False, facts, ctx, frame)
        if not known_true and not known_false:
            continue
        exits = _ends_with_exit(stmt.body, LEAVING_STATEMENTS)
        # `continue`/`break` leave only the rest of this iteration: after a `break` the
        # code after the loop runs whatever the check said
        skips = not exits and _ends_with_exit(stmt.body, (ast.Continue, ast.Break))
        for write, base in creations:
            WORK.lookup()  # an (if, write) pair: bounded by the work budget
            wpath = write.site.path
            if inside(wpath, stmt, "body", path):
                regions = known_true
            elif follows(path, wpath, stmt, facts.owners):
                in_else = inside(wpath, stmt, "orelse", path)
                after = exits or (skips and _in_same_loop_body(path, wpath, facts))
                regions = known_false if (in_else or after) else []
            else:
                continue
            for call, exists in regions:
                if not exists and facts.query_bases.get(id(call)) == base and unlocked_check(call):
                    report(write, call)
                    break
        _model_save_shape(ctx, frame, facts, stmt, path, known_true + known_false, found, unlocked_check)
    for try_stmt, try_path in facts.tries:
        _get_or_create_by_hand(try_stmt, try_path, facts, creations, found)
    return found


def _in_same_loop_body(guard: Path, later: Path, facts: FlowFacts) -> bool:
    """Is ``later`` inside the body of the innermost loop around the statement at
    ``guard``?"""
    for k in range(len(guard) - 1, -1, -1):
        owner = facts.owners.get(guard[k][0])
        if isinstance(owner, (ast.For, ast.AsyncFor, ast.While)) and guard[k][1] == "body":
            return len(later) > k and later[:k] == guard[:k] and later[k][:2] == guard[k][:2]
    return False


def _model_save_shape(ctx: Context, frame: Frame, facts: FlowFacts, stmt: ast.If, path,
                      checks: List[Tuple[ast.Call, bool]], found: Dict[int, str], unlocked_check) -> None:
    """In a model's own `save()`: `if not X.objects.filter(...).exists(): self.flag = True`
    then `super().save()`: the flag ("first address is primary") is decided by a check
    a concurrent save can pass too."""
    if getattr(frame.node, "name", "") not in ("save", "asave") or frame.class_frame is None:
        return
    own = {frame.class_frame.name, f"{frame.self_name}.__class__"}
    relevant = [call for call, _ in checks if facts.query_bases.get(id(call)) in own and unlocked_check(call)]
    if not relevant:
        return
    sets_flag = any(
        isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == frame.self_name
        for branch in (stmt.body, stmt.orelse) for s in branch for n in iter_nodes(s, into_scopes=False)
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
    )
    if not sets_flag:
        return
    for write in facts.writes:
        if write.method in _SAVES and write.receiver in ("super()", frame.self_name) \
                and follows(path, write.site.path, stmt, facts.owners) and not write.site.integrity:
            found.setdefault(id(write.node), short_source(relevant[0], 50))
            return


def _get_or_create_by_hand(stmt: ast.AST, path, facts: FlowFacts,
                           creations: List[Tuple[Write, str]], found: Dict[int, str]) -> None:
    """`try: X.objects.get(...) except X.DoesNotExist: X.objects.create(...)`."""
    gets = [
        (site.node, facts.query_bases.get(id(site.node)))
        for site in facts.calls
        if id(site.node) in facts.queries and facts.queries[id(site.node)].methods[-1] in _GETS
        and inside(site.path, stmt, "body", path) and not facts.query_locked.get(id(site.node))
    ]
    # a related manager's `.get(key=...)`, a row fetch the vocabulary leaves out
    for fetches in facts.fetches.values():
        for fetch in fetches:
            value = fetch.value
            if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
                continue
            if id(value) not in facts.queries and value.func.attr in _GETS and inside(fetch.path, stmt, "body", path):
                gets.append((value, dotted_name(value.func.value)))
    if not gets:
        return
    for k, handler in enumerate(stmt.handlers):  # type: ignore[attr-defined]
        if not catches(handler, ("DoesNotExist",)):
            continue
        field = f"handler{k}"
        for write, base in creations:
            in_handler = inside(write.site.path, stmt, field, path)
            built_in_handler = (
                write.info is None and write.receiver is not None
                and follows(path, write.site.path, stmt, facts.owners) and _constructed_in(write.receiver, handler)
            )
            if not (in_handler or built_in_handler):
                continue
            for call, get_base in gets:
                if get_base == base:
                    found.setdefault(id(write.node), short_source(call, 50))
                    break


def _constructed_in(name: str, handler: ast.ExceptHandler) -> bool:
    for stmt in handler.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return True
    return False


_CHECK_NAMES = _EXISTENCE | _ROW_PROBES | _COUNTS | _GETS


@check("BR031", ast.Call, callees=_CHECK_NAMES)
def note_existence_check(node: ast.Call, ctx: Context) -> None:
    """Remember that an `exists()`/`count()`/`first()`/`get()` call was met in this
    function, so a later create builds the flow facts only when a check can precede it."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _CHECK_NAMES:
        ctx.frame_fact(_BR031_CHECKED_KEY, _new_set).add(func.attr)


@check("BR031", ast.Call, callees=_CREATES | _SAVES)
def check_then_create(node: ast.Call, ctx: Context) -> None:
    """A row created after an existence check on the same model: two requests pass the
    check together and both create (duplicate rows, two "primary" addresses)."""
    if not _is_write_call(node, _CREATES | _SAVES):
        return
    if ctx.kind.migration or ctx.frame.kind != "function":
        return
    if not ctx.frame_fact(_BR031_CHECKED_KEY, _new_set):
        return  # no existence check met earlier in this function
    checked = ctx.frame_fact(_BR031_CREATES_KEY, _check_then_creates).get(id(node))
    if checked is not None:
        ctx.report("BR031", node, write=short_source(node, 40), check=checked)


# -- BR032 unlocked-check-then-write --------------------------------------------------
def _rooted_at(node: ast.AST, name: str) -> bool:
    """`order.status`, `order.members.count()`: an expression reading the row's state."""
    for sub in iter_nodes(node, into_scopes=False):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == name:
            return True
    return False


def _is_field(node: ast.AST, name: str) -> bool:
    """`order.status`, `order.customer.is_active` (attributes only, no calls)."""
    if not isinstance(node, ast.Attribute):
        return False
    attrs: List[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return isinstance(node, ast.Name) and node.id == name and attrs[-1] not in _NOT_STATE


def _is_literal(node: ast.AST) -> bool:
    """A constant, a collection of constants, or a named constant (`OrderStatus.PAID`,
    `STATUS_DRAFT`): not a value of the request such as `request.user`."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_literal(e) for e in node.elts)
    text = dotted_name(node)
    if text is None:
        return False
    last = text.rsplit(".", 1)[-1]
    return (last.isupper() and len(last) > 1) or ("." in text and text[:1].isupper())


def _guards_state_of(test: ast.AST, name: str) -> bool:
    """Does ``test`` check the state of row ``name`` (RULES.md, BR032: ordering
    comparisons on it, a field compared with a literal, a truth test of a field)?"""
    stack = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append(node.operand)
        elif isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif _is_field(node, name):
            return True
        elif isinstance(node, ast.Compare):
            operands = [node.left] + list(node.comparators)
            for op, left, right in zip(node.ops, operands, operands[1:]):
                if isinstance(op, _ORDERING) and (_rooted_at(left, name) or _rooted_at(right, name)):
                    return True
                if isinstance(op, _EQUALITY) and (
                    (_is_field(left, name) and _is_literal(right)) or (_is_field(right, name) and _is_literal(left))
                ):
                    return True
    return False


def _is_now_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] in ("now", "utcnow")


def _is_timestamp_field(name: str) -> bool:
    return name.startswith("last_") or name.endswith(("_at", "_on", "_time", "_seen"))


def _only_touches_timestamps(write: Write) -> bool:
    """`Token.objects.filter(pk=t.pk).update(last_used=timezone.now())`,
    `session.save(update_fields=["last_seen_at"])`: bookkeeping that records when, not
    a state change the guard protects (netbox's token authentication)."""
    node = write.node
    if write.method in ("update", "aupdate"):
        return bool(node.keywords) and all(kw.arg is not None and _is_now_call(kw.value) for kw in node.keywords) \
            and not node.args
    if write.method in _SAVES:
        for kw in node.keywords:
            if kw.arg == "update_fields" and isinstance(kw.value, (ast.List, ast.Tuple)) and kw.value.elts:
                names = [e.value for e in kw.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                return len(names) == len(kw.value.elts) and all(_is_timestamp_field(n) for n in names)
    return False


def _counts_for_br032(write: Write, facts: FlowFacts) -> bool:
    if _only_touches_timestamps(write):
        return False
    if write.info is not None:
        return True
    receiver = write.receiver
    return receiver is not None and (receiver in facts.fetches or receiver in facts.constructed)


def _unlocked_check_then_writes(ctx: Context, frame: Frame) -> Dict[int, Tuple[str, str]]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, Tuple[str, str]] = {}
    if facts is None or not facts.fetches:
        return found
    writes = sorted((w for w in facts.writes if _counts_for_br032(w, facts)), key=lambda w: position(w.node))
    if not writes:
        return found
    # name -> the writes naming it, in source order: a guard looks only at the writes
    # that can touch its row, not at every write of the function
    touching: Dict[str, List[Write]] = {}
    for write in writes:
        for read in names_in(write.node):
            touching.setdefault(read, []).append(write)
    for stmt, path in facts.ifs:
        if not _ends_with_exit(stmt.body, LEAVING_STATEMENTS):
            continue
        tested = names_in(stmt.test)
        for name in [n for n in facts.fetches if n in tested]:
            fetches = facts.fetches[name]
            if facts.is_locked(name) or any(facts.serialized_by_earlier_lock(f.node) for f in fetches):
                continue
            if not any(position(f.node) < position(stmt) for f in fetches):
                continue
            if not _guards_state_of(stmt.test, name):
                continue
            related = _names_of_the_row(name, fetches)
            candidates = {id(w): w for read in related for w in touching.get(read, ())}
            after = position(stmt)
            for write in sorted(candidates.values(), key=lambda w: position(w.node)):
                if position(write.node) <= after:
                    continue
                WORK.lookup()  # a (guard, write) pair: bounded by the work budget
                if follows(path, write.site.path, stmt, facts.owners):
                    found.setdefault(id(write.node), (name, short_source(stmt.test, 50)))
                    break
    return found


def _names_of_the_row(name: str, fetches) -> Set[str]:
    """The row's local and the names its fetch used (`order_id`, `Order` in
    `get_object_or_404(Order, pk=order_id)`): a write naming one of them acts on that row
    or its model."""
    names = {name}
    for fetch in fetches:
        names |= names_in(fetch.value)
    return names


def _write_touches(write: Write, names: Set[str]) -> bool:
    """The write acts on the guarded row: it names the row, or a name its fetch used
    (`Product.objects.filter(pk=product_id).update(...)`, `Payment.objects.create(
    order=order)`, `order.save()`). An audit row about someone else
    (`Notification.objects.create(user=request.user)`) is not the guarded state."""
    return bool(names_in(write.node) & names)


@check("BR032", ast.If)
def note_exiting_guard(node: ast.If, ctx: Context) -> None:
    """Remember an `if` whose body returns or raises and whose test reads an attribute,
    so a later write builds the flow facts only when a guard can precede it."""
    if _ends_with_exit(node.body, LEAVING_STATEMENTS) and any(
        isinstance(n, ast.Attribute) for n in iter_nodes(node.test)
    ):
        ctx.frame_fact(_BR032_GUARDS_KEY, _new_set).add("if")


@check("BR032", ast.Call, callees=_ANY_WRITE_NAMES)
def unlocked_check_then_write(node: ast.Call, ctx: Context) -> None:
    """A row fetched without a lock, its state checked, then a write: two requests pass
    the check on the same old state (paying twice, spending a revoked key)."""
    if not _is_write_call(node, _ANY_WRITE_NAMES):
        return
    if ctx.kind.migration or ctx.frame.kind != "function" or not ctx.frame_fact(_BR032_GUARDS_KEY, _new_set):
        return  # no `if` that returns or raises met earlier in this function
    hit = ctx.frame_fact(_BR032_WRITES_KEY, _unlocked_check_then_writes).get(id(node))
    if hit is not None:
        row, guard = hit
        ctx.report("BR032", node, row=row, guard=guard, write=short_source(node, 40))


# -- BR033 select-for-update-outside-atomic -------------------------------------------
def _hands_over_the_lock(outer: ast.Call, facts: FlowFacts, ctx: Context, frame: Frame) -> bool:
    """The locked rows go to the caller: the function returns (or yields) a locked
    queryset or row, directly, through a local or as an argument (`return
    get_node_or_error(info, pk, qs=locked_qs)`). Such a lock-taking helper is made to be
    called inside its caller's transaction, and an unevaluated queryset is evaluated
    there anyway."""
    if facts.returns_locked:
        return True
    if id(outer) in facts.returned_calls:
        return True
    return any(value is outer for name in facts.returned_names for _, value in ctx.bindings(frame).get(name, ()))


def _owns_its_transaction(ctx: Context, frame: Frame) -> bool:
    """Code no caller wraps in a transaction: a request handler (RULES.md vocabulary), a
    task, a management command's `handle()`. Any other function may be a helper its
    caller runs inside `atomic()`: on real code (saleor's checkout and payment helpers,
    taiga's `ref_uniquely`) every `select_for_update()` outside a visible atomic block was
    one, called from an atomic caller, usually in another module."""
    while frame.kind == "lambda" and frame.parent is not None:
        frame = frame.parent
    if frame.kind != "function":
        return False
    name = getattr(frame.node, "name", "")
    if name.startswith("_") and not name.startswith("__"):
        return False  # a private helper of a views module runs inside its caller
    if ctx.is_request_handler(frame):
        return True
    if ctx.in_task_context():
        return True
    cls = frame.class_frame
    return cls is not None and getattr(frame.node, "name", "") == "handle" and any(
        base.endswith("Command") for base in cls.base_names
    )


def _lock_is_ignored(outer: ast.Call, facts: FlowFacts) -> bool:
    """`select_for_update().filter(...).update(...)`/`.delete()`: Django drops the lock
    for an UPDATE or DELETE (which lock the rows themselves) and raises nothing."""
    info = facts.queries.get(id(outer))
    return info is not None and info.methods[-1] in ("update", "aupdate", "delete", "adelete")


@check("BR033", ast.Call, callees=("select_for_update",))
def select_for_update_outside_atomic(node: ast.Call, ctx: Context) -> None:
    """`select_for_update()` evaluated with no atomic block open: Django raises
    TransactionManagementError in autocommit mode (and no lock would outlive the query)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "select_for_update"):
        return
    if ctx.kind.migration:
        return
    if not _owns_its_transaction(ctx, ctx.frame):
        return
    facts = flow_facts(ctx)
    if facts is None or facts.in_atomic(node) or facts.checks_atomic:
        return
    outer = next((o for site, o in facts.sfu_links if site.node is node), node)
    if _hands_over_the_lock(outer, facts, ctx, ctx.frame) or _lock_is_ignored(outer, facts):
        return
    ctx.report("BR033", node, expr=short_source(outer, 50))


# -- BR034 multi-write-without-atomic -------------------------------------------------
def _counts_for_br034(write: Write, facts: FlowFacts, ctx: Context, frame: Frame) -> bool:
    if write.info is not None or write.base is not None or write.receiver == "super()":
        return True
    receiver = write.receiver
    if receiver is None or "." in receiver:
        return False
    if receiver == frame.self_name:
        return _is_model_class(ctx, frame)
    if facts.is_query_local(receiver) or receiver in facts.constructed:
        return True
    return (receiver in facts.loop_targets or receiver in facts.params) and not looks_non_orm(receiver)


def _unguarded_writes(ctx: Context, frame: Frame) -> Dict[int, Tuple[str, int]]:
    facts = flow_facts(ctx, frame)
    found: Dict[int, Tuple[str, int]] = {}
    if facts is None or facts.covered:
        return found
    seen: Set[Tuple[int, int]] = set()
    writes: List[Write] = []
    for write in sorted(facts.writes, key=lambda w: position(w.node)):
        if write.site.atomic or not _counts_for_br034(write, facts, ctx, frame):
            continue
        where = position(write.node)
        if where in seen:
            continue
        seen.add(where)
        writes.append(write)
    for index, write in enumerate(writes):
        WORK.lookup(index or 1)  # pairs of writes: bounded by the work budget
        before = [w for w in writes[:index] if can_run_after(w.site.path, write.site.path, facts.owners)]
        if before:
            found[id(write.node)] = (short_source(before[0].node, 40), len(before) + 1)
    return found


_BR034_CANDIDATES: FactKey[List[ast.Call]] = FactKey("br034.candidates")
_KEYWORD_ONLY_WRITES = frozenset({"update", "aupdate", "delete", "adelete", "create", "acreate",
                                  "get_or_create", "aget_or_create", "update_or_create",
                                  "aupdate_or_create"})


@check("BR034", ast.Call, callees=_ANY_WRITE_NAMES)
def note_write_candidate(node: ast.Call, ctx: Context) -> None:
    """Remember the calls of a function that may be ORM writes; the function's flow facts
    are only built (when it ends) if it has two or more: most functions have none or one,
    and one write needs no transaction."""
    func = node.func
    if not isinstance(func, ast.Attribute) or ctx.kind.migration or ctx.kind.test:
        return  # a test runs inside the test case's transaction
    if func.attr in _KEYWORD_ONLY_WRITES and any(not isinstance(a, ast.Starred) for a in node.args):
        return  # `d.update(other)`, `cache.delete(key)`: Django's take no positional argument
    frame = ctx.frame
    if frame.kind == "function":
        frame.facts.setdefault(_BR034_CANDIDATES, []).append(node)


@check("BR034", ast.FunctionDef, ast.AsyncFunctionDef, phase="leave")
def multi_write_without_atomic(node: ast.AST, ctx: Context) -> None:
    """Several ORM writes with no atomic block: a failure after the first leaves the
    data half-changed (an order without its lines, stock taken for a failed payment)."""
    frame = ctx.frame
    candidates = frame.facts.get(_BR034_CANDIDATES)
    if frame.node is not node or not candidates or len(candidates) < 2:
        return
    hits = ctx.frame_fact(_BR034_WRITES_KEY, _unguarded_writes, frame)
    for call in candidates:
        hit = hits.get(id(call))
        if hit is not None:
            first, n = hit
            ctx.report("BR034", call, write=short_source(call, 40), first=first, n=n)
