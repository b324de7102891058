"""A module's summary: what the project model needs to know about one module, extracted
from that module's source alone.

The summary depends on nothing but the module's own text and its dotted name (which
makes its relative imports absolute), so it can be cached by content and rebuilt for one
file without looking at any other. Cross-module questions (is this class a Django
model? which fields does it inherit?) are answered later by joining summaries
(:mod:`project.model`).

Everything here is plain data (dataclasses of strings, numbers, lists and dicts) that
round-trips through JSON: :func:`to_json` / :func:`from_json`. Extraction walks the
module's statements (class bodies, module level) and, once, the whole tree for the few
facts that may sit anywhere (``Serializer(..., many=True)`` calls); it never recurses on
the tree's depth and never raises on valid Python.
"""
from __future__ import annotations

import ast
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..astutil import dotted_name, iter_nodes, string_value
from ..vocabulary import CLIENT_SINK_SUFFIXES, looks_non_orm

SCHEMA = 11  # bump when the summary's shape or meaning changes: old cache entries are ignored

# Field options whose literal value the rules ask about.
_FIELD_OPTIONS = ("null", "unique", "db_index", "primary_key", "related_name", "to", "source", "many",
                  "read_only", "max_length", "choices", "default")
#: A link standing for what we cannot read (a helper's result): it may load anything.
_OPAQUE_LINK: Tuple[str, List[str], bool] = ("<opaque>", [], True)
_MAX_LINKS = 50  # links of a get_queryset() local kept to read what it loads
_CONSTANT_CHARS = 4000  # a module constant's literal value is kept up to this size
#: Class attributes whose being set matters even when their value cannot be read
#: (``permission_classes = [IsAuthenticated | IsOwner]``).
_OPAQUE_KEPT = frozenset({"permission_classes", "http_method_names"})
_QUERYSET_LINKS = frozenset({"select_related", "prefetch_related", "annotate", "only", "defer", "values",
                             "values_list", "filter", "exclude", "all", "order_by", "distinct", "none",
                             "select_for_update", "using"})


@dataclass
class Chain:
    """A method chain as written: ``Book.objects.select_related("author").filter(x=1)`` is
    root ``Book.objects`` (resolved through the module's imports where it starts with an
    imported name) and links ``[("select_related", ["author"]), ("filter", [])]``; a link
    keeps its literal string arguments (the lookups of ``select_related``...), and
    ``opaque`` says it had others (``prefetch_related(*fields)``, ``Prefetch(...)``)."""

    root: str
    resolved: Optional[str]
    links: List[Tuple[str, List[str], bool]]

    @property
    def methods(self) -> List[str]:
        return [name for name, _, _ in self.links]


@dataclass
class FieldSummary:
    """A class-level ``name = Callee(...)``: a model field, a serializer field, a manager."""

    name: str
    callee: str  # as written: "models.ForeignKey"
    resolved: Optional[str]  # through the imports: "django.db.models.ForeignKey"
    line: int
    target: Optional[str] = None  # the first positional argument's text (a relation's model)
    options: Dict[str, Any] = field(default_factory=dict)  # literal keyword values (null, unique...)
    conditional: bool = False  # under an `if`/`try` of the class body


@dataclass
class ClassSummary:
    name: str
    line: int
    bases: List[str]  # as written
    resolved_bases: List[Optional[str]]
    keywords: Dict[str, Any] = field(default_factory=dict)  # class keywords: SQLModel's table=True
    fields: List[FieldSummary] = field(default_factory=list)
    # other class attributes: name -> a Chain (a queryset), a dotted name, or a literal
    attributes: Dict[str, Any] = field(default_factory=dict)
    meta: Dict[str, Any] = field(default_factory=dict)  # the inner `class Meta:` options
    methods: List[str] = field(default_factory=list)
    # what get_queryset() / get_serializer_class() return, as written
    queryset_returns: List[Chain] = field(default_factory=list)
    serializer_returns: List[str] = field(default_factory=list)


@dataclass
class CallSummary:
    """A call in a function: whom it calls, as written and through the imports, and where."""

    text: str  # "services.send_welcome", "self.notify", "send_mail"
    resolved: Optional[str]
    line: int
    col: int
    atomic: bool = False  # inside `with transaction.atomic():` (or the function is atomic)
    # its value reaches what the function returns, or a response/HTTP exception it builds
    # (`return f()`, `x = f(); return Response(x)`, `ok, msg = f(); return msg`)
    returned: bool = False


@dataclass
class FunctionSummary:
    """A module-level function or a method (``Class.method``): its decorators, its calls,
    and what it does itself (``effects``: kind -> lines, see :data:`EFFECTS`)."""

    name: str
    line: int
    is_async: bool = False
    decorators: List[str] = field(default_factory=list)  # each decorator's callee, resolved where imported
    # route decorators: (HTTP method or "", path literal or "") for `@app.get("/x")`
    routes: List[Tuple[str, str]] = field(default_factory=list)
    calls: List[CallSummary] = field(default_factory=list)
    effects: Dict[str, List[int]] = field(default_factory=dict)
    atomic: bool = False  # decorated with transaction.atomic
    params: List[str] = field(default_factory=list)
    # what its own decorators make it: "request" (a route, DRF's @api_view/@action),
    # "startup" (@app.on_event("startup"/"shutdown")), or ""
    entry: str = ""
    # FastAPI dependencies of its parameters and route decorators: [how, text, resolved]
    # with how "Depends"/"Security" (``Depends(get_user)``: text "get_user", a built
    # callable "JWTBearer()"), "Header" (a Header()/Cookie() parameter), "Request" (a
    # Request parameter) or "alias" (an annotation that may name an ``Annotated[...]``
    # alias of dependencies: ``user: CurrentUser``)
    depends: List[List[str]] = field(default_factory=list)


@dataclass
class ModuleSummary:
    path: str  # relative to the project root, "/"-separated
    module: str  # dotted module name
    imports: Dict[str, str] = field(default_factory=dict)  # local name -> absolute dotted target
    star_imports: List[str] = field(default_factory=list)
    classes: List[ClassSummary] = field(default_factory=list)
    constants: Dict[str, Any] = field(default_factory=dict)  # UPPER_CASE names bound to literals
    upper_names: List[str] = field(default_factory=list)  # UPPER_CASE names bound at top level, any value
    settings_refs: List[str] = field(default_factory=list)  # DJANGO_SETTINGS_MODULE values set here
    many_serializers: List[str] = field(default_factory=list)  # callees called with many=True
    functions: List[FunctionSummary] = field(default_factory=list)
    # registrations: ("url", view text, resolved) for urlpatterns entries (and Starlette's
    # Route(...), Flask's add_url_rule), ("include", module, "") for include("app.urls"),
    # ("router", viewset text, resolved) for router.register("prefix", ViewSet),
    # ("api_route", endpoint text, resolved) for add_api_route, ("lifespan", fn, resolved)
    # for lifespan=/on_startup=/add_event_handler("startup", fn)
    registrations: List[Tuple[str, str, Optional[str]]] = field(default_factory=list)
    # FastAPI: apps and routers bound here, name -> {"kind": "app"|"router", "depends": [...]}
    # (the dependencies given to FastAPI(...)/APIRouter(...), as FunctionSummary.depends)
    routers: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    # parent.include_router(child, dependencies=[...]): [parent text, child text, child
    # resolved or "", dependencies]
    includes: List[List[Any]] = field(default_factory=list)
    # module-level names standing for dependencies: `CurrentUser = Annotated[User,
    # Depends(get_user)]` -> its dependencies; `oauth2 = OAuth2PasswordBearer(...)` -> a
    # ["scheme", callee, resolved] entry (a fastapi.security scheme)
    dependency_aliases: Dict[str, List[List[str]]] = field(default_factory=dict)
    schema: int = SCHEMA

    def function_named(self, name: str) -> Optional["FunctionSummary"]:
        for function in self.functions:
            if function.name == name:
                return function
        return None

    def class_named(self, name: str) -> Optional[ClassSummary]:
        for cls in self.classes:
            if cls.name == name:
                return cls
        return None


# -- JSON ---------------------------------------------------------------------------------
def to_json(summary: ModuleSummary) -> Dict[str, Any]:
    return asdict(summary)


def from_json(data: Dict[str, Any]) -> Optional[ModuleSummary]:
    """The summary, or None for an entry of another schema or a damaged one."""
    try:
        if data.get("schema") != SCHEMA:
            return None
        classes = []
        for raw in data.get("classes", ()):
            raw = dict(raw)
            raw["fields"] = [FieldSummary(**f) for f in raw.get("fields", ())]
            raw["queryset_returns"] = [_chain(c) for c in raw.get("queryset_returns", ())]
            raw["attributes"] = {k: _attribute(v) for k, v in raw.get("attributes", {}).items()}
            classes.append(ClassSummary(**raw))
        functions = []
        for raw in data.get("functions", ()):
            raw = dict(raw)
            raw["calls"] = [CallSummary(**c) for c in raw.get("calls", ())]
            raw["routes"] = [tuple(r) for r in raw.get("routes", ())]
            functions.append(FunctionSummary(**raw))
        data = dict(data)
        data["classes"] = classes
        data["functions"] = functions
        data["registrations"] = [tuple(r) for r in data.get("registrations", ())]
        return ModuleSummary(**data)
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def _chain(raw: Dict[str, Any]) -> Chain:
    return Chain(raw["root"], raw.get("resolved"), [(m, list(a), bool(o)) for m, a, o in raw.get("links", ())])


def _attribute(value: Any) -> Any:
    if isinstance(value, dict) and "root" in value and "links" in value:
        return _chain(value)
    return value


# -- extraction ---------------------------------------------------------------------------
def summarise(tree: ast.AST, path: str, module: str, is_package: bool = False) -> ModuleSummary:
    """The summary of one module (``tree`` parsed from its source)."""
    return _Extractor(path, module, is_package).run(tree)


def _literal(node: Optional[ast.AST]) -> Any:
    """The value of a literal expression (strings, numbers, lists, dicts, tuples, sets as
    lists, booleans, None), small enough to keep; ``...`` for anything else."""
    if node is None:
        return ...
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return ...
    value = _jsonable(value)
    if value is ... or len(repr(value)) > _CONSTANT_CHARS:
        return ...
    return value


def _jsonable(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return ...
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v, depth + 1) for v in value]
        return ... if any(i is ... for i in items) else items
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                return ...
            item = _jsonable(v, depth + 1)
            if item is ...:
                return ...
            out[k] = item
        return out
    return ...


def _super_chain(node: ast.AST) -> Optional[Chain]:
    """``super().get_queryset().filter(...)`` as a chain rooted at ``super``."""
    links: List[Tuple[str, List[str], bool]] = []
    current = node
    while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
        args = [string_value(a) for a in current.args]
        links.append((current.func.attr, [a for a in args if a is not None], None in args))
        current = current.func.value
    if not (isinstance(current, ast.Call) and isinstance(current.func, ast.Name) and current.func.id == "super"):
        return None
    links.reverse()
    return Chain("super", None, links)


class _Extractor:
    def __init__(self, path: str, module: str, is_package: bool) -> None:
        self.summary = ModuleSummary(path=path, module=module)
        # the package relative imports are resolved against
        self.package = module if is_package else module.rpartition(".")[0]

    def run(self, tree: ast.AST) -> ModuleSummary:
        body = list(getattr(tree, "body", ()))
        self._statements(body, in_block=False)
        for node in iter_nodes(tree):
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                self._router(node)
        return self.summary

    # -- names ------------------------------------------------------------------------
    def _absolute(self, module: Optional[str], level: int) -> str:
        if not level:
            return module or ""
        parts = self.package.split(".") if self.package else []
        if level > 1:
            parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
        base = ".".join(parts)
        if module:
            return f"{base}.{module}" if base else module
        return base

    def resolve(self, text: Optional[str]) -> Optional[str]:
        if not text:
            return None
        head, _, rest = text.partition(".")
        target = self.summary.imports.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    # -- module level -----------------------------------------------------------------
    def _statements(self, body: List[ast.stmt], in_block: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        self.summary.imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".", 1)[0]
                        self.summary.imports.setdefault(head, head)
            elif isinstance(stmt, ast.ImportFrom):
                base = self._absolute(stmt.module, stmt.level or 0)
                for alias in stmt.names:
                    if alias.name == "*":
                        if base:
                            self.summary.star_imports.append(base)
                        continue
                    target = f"{base}.{alias.name}" if base else alias.name
                    self.summary.imports[alias.asname or alias.name] = target
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.summary.functions.append(_FunctionWalker(self, stmt, stmt.name).run())
            elif isinstance(stmt, ast.ClassDef) and not in_block:
                self.summary.classes.append(self._class(stmt))
            elif isinstance(stmt, ast.ClassDef):
                # a class defined under `if`/`try` at module level still exists
                self.summary.classes.append(self._class(stmt))
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                if not isinstance(stmt, ast.AugAssign):
                    self._constant(stmt)
                    self._dependency_alias(stmt)
                bound: ast.expr = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
                if isinstance(bound, ast.Name) and bound.id == "urlpatterns" and stmt.value is not None:
                    self._urlpatterns(stmt.value)
            elif isinstance(stmt, (ast.If, ast.Try, ast.With)) or type(stmt).__name__ == "TryStar":
                for name in ("body", "orelse", "finalbody"):
                    self._statements(list(getattr(stmt, name, ()) or ()), in_block=True)
                for handler in getattr(stmt, "handlers", ()) or ():
                    self._statements(list(handler.body), in_block=True)

    def _constant(self, stmt: ast.stmt) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]  # type: ignore[attr-defined]
        value = getattr(stmt, "value", None)
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                if target.id not in self.summary.upper_names:
                    self.summary.upper_names.append(target.id)
                literal = _literal(value)
                if literal is not ...:
                    self.summary.constants[target.id] = literal
                elif target.id in self.summary.constants:
                    del self.summary.constants[target.id]  # rebound to something unknown

    def _urlpatterns(self, value: ast.AST) -> None:
        """``urlpatterns = [path("x/", views.x), path("api/", include("api.urls"))...]``."""
        elements = value.elts if isinstance(value, (ast.List, ast.Tuple)) else []
        if isinstance(value, ast.BinOp):  # [...] + router.urls
            for side in (value.left, value.right):
                self._urlpatterns(side)
            return
        for element in elements:
            if not isinstance(element, ast.Call):
                continue
            if (dotted_name(element.func) or "").rsplit(".", 1)[-1] not in _URL_FUNCTIONS:
                continue
            if len(element.args) < 2:
                continue
            view = element.args[1]
            if isinstance(view, ast.Call) and (dotted_name(view.func) or "").rsplit(".", 1)[-1] == "include":
                first = view.args[0] if view.args else None
                if isinstance(first, ast.Tuple) and first.elts:  # include((patterns, "app"))
                    first = first.elts[0]
                if isinstance(first, (ast.List, ast.BinOp)):  # include([path(...), ...])
                    self._urlpatterns(first)
                    continue
                module = string_value(first) if first is not None else None
                if module is None and first is not None:
                    text = dotted_name(first)
                    module = (self.resolve(text) or text) if text else None
                if module:
                    self.summary.registrations.append(("include", module, None))
                continue
            self._register("url", view)

    def _register(self, kind: str, view: Optional[ast.AST]) -> None:
        """Record a view or endpoint: a name, ``View.as_view(...)``, or a name wrapped in
        decorating calls (``login_required(views.home)``, ``csrf_exempt(V.as_view())``)."""
        for _ in range(4):
            if not isinstance(view, ast.Call):
                break
            if isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
                view = view.func.value
            elif view.args:
                view = view.args[0]
            else:
                return
        text = dotted_name(view) if view is not None else None
        if text:
            self.summary.registrations.append((kind, text, self.resolve(text)))

    def _registration_call(self, call: ast.Call) -> None:
        """``router.register("books", BookViewSet)``, ``app.add_api_route("/x", endpoint)``,
        ``Route("/x", endpoint)``, ``app.add_url_rule("/x", view_func=f)``,
        ``app.add_event_handler("startup", f)``; ``urlpatterns`` are read where bound."""
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        if name == "register" and isinstance(func, ast.Attribute) and len(call.args) >= 2 \
                and string_value(call.args[0]) is not None:
            self._register("router", call.args[1])  # a DRF router; admin.site.register(Model, ...) is not
        elif name == "add_api_route" and isinstance(func, ast.Attribute):
            self._register("api_route", call.args[1] if len(call.args) >= 2 else keywords.get("endpoint"))
        elif name in ("Route", "WebSocketRoute", "APIRoute", "APIWebSocketRoute"):
            self._register("url", call.args[1] if len(call.args) >= 2 else keywords.get("endpoint"))
        elif name == "add_url_rule" and isinstance(func, ast.Attribute):
            self._register("url", keywords.get("view_func") or (call.args[2] if len(call.args) >= 3 else None))
        elif name == "add_event_handler" and len(call.args) >= 2:
            self._register("lifespan", call.args[1])
        for keyword in ("on_startup", "on_shutdown"):
            hooks = keywords.get(keyword)
            if isinstance(hooks, (ast.List, ast.Tuple)):
                for hook in hooks.elts:
                    self._register("lifespan", hook)

    # -- FastAPI dependencies ---------------------------------------------------------
    def dependency(self, node: Optional[ast.AST]) -> Optional[List[str]]:
        """``[how, text, resolved]`` of ``Depends(get_user)``, ``Security(f, scopes=...)``,
        ``Depends(JWTBearer())`` (text ``JWTBearer()``), ``Header()``/``Cookie()``; None
        for anything else."""
        if not isinstance(node, ast.Call):
            return None
        how = _DEPENDENCY_MARKERS.get((dotted_name(node.func) or "").rsplit(".", 1)[-1])
        if how is None or how == "Header":
            return None if how is None else [how, "", ""]
        target = node.args[0] if node.args else next((kw.value for kw in node.keywords if kw.arg == "dependency"), None)
        built = ""
        if isinstance(target, ast.Call):
            target, built = target.func, "()"
        if target is None:
            return [how, "", ""]  # `Depends()`: the parameter's annotation is the dependency
        name = dotted_name(target)
        return [how, name + built, self.resolve(name) or ""] if name else [how, "<expr>", ""]

    def dependency_list(self, node: ast.AST) -> List[List[str]]:
        """The dependencies of a ``dependencies=[...]`` value (a name: a module's list)."""
        if isinstance(node, (ast.List, ast.Tuple)):
            return [d for d in (self.dependency(e) for e in node.elts[:20]) if d is not None]
        name = dotted_name(node)
        return [["alias", name, self.resolve(name) or ""]] if name else [["Depends", "<expr>", ""]]

    def annotation_dependencies(self, node: ast.AST) -> List[List[str]]:
        """``Annotated[User, Depends(get_user)]``, ``Request``, or a name that may be an
        alias of dependencies (``CurrentUser``, imported or bound above)."""
        if isinstance(node, ast.Subscript) and (dotted_name(node.value) or "").rsplit(".", 1)[-1] == "Annotated":
            inner = getattr(node.slice, "value", node.slice) if type(node.slice).__name__ == "Index" else node.slice
            elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            out: List[List[str]] = []
            for element in elements[1:]:
                found = self.dependency(element)
                if found is not None and found[0] in ("Depends", "Security") and not found[1]:
                    name = dotted_name(elements[0])
                    found = [found[0], name, self.resolve(name) or ""] if name else None
                if found is not None:
                    out.append(found)
            return out
        name = dotted_name(node)
        if not name:
            return []
        last, head = name.rsplit(".", 1)[-1], name.split(".", 1)[0]
        resolved = self.resolve(name) or ""
        if last in _REQUEST_TYPES and (resolved.startswith(("fastapi", "starlette")) or not resolved):
            return [["Request", "", ""]]
        if head in self.summary.dependency_aliases or (head in self.summary.imports and last[:1].isupper()):
            return [["alias", name, resolved]]
        return []

    def function_dependencies(self, node: ast.AST) -> List[List[str]]:
        """What a function's parameters and route decorators depend on."""
        args = node.args  # type: ignore[attr-defined]
        positional = list(args.posonlyargs) + list(args.args)
        defaults: List[Optional[ast.AST]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
        out: List[List[str]] = []
        for arg, default in pairs:
            found = self.dependency(default)
            if found is not None and found[0] in ("Depends", "Security") and not found[1]:
                name = dotted_name(arg.annotation) if arg.annotation is not None else None
                found = [found[0], name, self.resolve(name) or ""] if name else found
            if found is not None:
                out.append(found)
            if arg.annotation is not None:
                out.extend(self.annotation_dependencies(arg.annotation))
        for deco in getattr(node, "decorator_list", ()):
            if isinstance(deco, ast.Call):
                for kw in deco.keywords:
                    if kw.arg == "dependencies":
                        out.extend(self.dependency_list(kw.value))
        return out[:20]

    def _dependency_alias(self, stmt: ast.stmt) -> None:
        """``CurrentUser = Annotated[User, Depends(get_user)]``, ``AUTH = [Depends(f)]``,
        ``oauth2 = OAuth2PasswordBearer(tokenUrl="token")`` at module level."""
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]  # type: ignore[attr-defined]
        value = getattr(stmt, "value", None)
        if len(targets) != 1 or not isinstance(targets[0], ast.Name) or value is None:
            return
        found: List[List[str]] = []
        if isinstance(value, ast.Subscript):
            found = self.annotation_dependencies(value)
        elif isinstance(value, (ast.List, ast.Tuple)):
            found = self.dependency_list(value)
        elif isinstance(value, ast.Call):
            callee = dotted_name(value.func) or ""
            resolved = self.resolve(callee) or ""
            if resolved.startswith("fastapi.security"):
                found = [["scheme", callee, resolved]]
            else:
                single = self.dependency(value)  # `CurrentUser = Depends(get_user)`
                found = [single] if single is not None else []
        if found:
            self.summary.dependency_aliases[targets[0].id] = found

    def _router(self, node: ast.Assign) -> None:
        """``router = APIRouter(dependencies=[...])``, ``app = FastAPI(...)`` (anywhere: an
        app factory's local too)."""
        call = node.value
        assert isinstance(call, ast.Call)
        callee = dotted_name(call.func) or ""
        last = callee.rsplit(".", 1)[-1]
        resolved = self.resolve(callee) or ""
        if last not in ("FastAPI", "APIRouter") or not resolved.startswith("fastapi"):
            return
        for target in node.targets:
            name = dotted_name(target)
            if not name:
                continue
            entry = self.summary.routers.setdefault(name, {"kind": "app" if last == "FastAPI" else "router",
                                                           "depends": []})
            for kw in call.keywords:
                if kw.arg == "dependencies":
                    entry["depends"].extend(self.dependency_list(kw.value))

    def _include(self, call: ast.Call) -> None:
        """``parent.include_router(child, dependencies=[...])``."""
        func = call.func
        assert isinstance(func, ast.Attribute)
        child = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "router"), None)
        text = dotted_name(child) if child is not None else None
        if not text or len(self.summary.includes) >= 200:
            return
        depends: List[List[str]] = []
        for kw in call.keywords:
            if kw.arg == "dependencies":
                depends.extend(self.dependency_list(kw.value))
        self.summary.includes.append([dotted_name(func.value) or "", text, self.resolve(text) or "", depends])

    def _call(self, call: ast.Call) -> None:
        self._registration_call(call)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "include_router":
            self._include(call)
        func = call.func
        # os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
        if isinstance(func, ast.Attribute) and func.attr == "setdefault" and len(call.args) >= 2:
            if string_value(call.args[0]) == "DJANGO_SETTINGS_MODULE":
                value = string_value(call.args[1])
                if value:
                    self.summary.settings_refs.append(value)
        for kw in call.keywords:
            if kw.arg == "lifespan":
                text = dotted_name(kw.value)
                if text:
                    self.summary.registrations.append(("lifespan", text, self.resolve(text)))
            if kw.arg == "many" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
                text = dotted_name(func)
                if text:
                    self.summary.many_serializers.append(self.resolve(text) or text)

    # -- classes -----------------------------------------------------------------------
    def chain(self, node: ast.AST) -> Optional[Chain]:
        """A method chain (``X.objects.filter(...).select_related("a")``), or None."""
        links: List[Tuple[str, List[str], bool]] = []
        current = node
        while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
            args = [string_value(a) for a in current.args]
            literal = [a for a in args if a is not None]
            opaque = len(literal) != len(args)
            links.append((current.func.attr, literal, opaque))
            current = current.func.value
        if not links:
            return None
        root = dotted_name(current)
        if root is None:
            return None
        links.reverse()
        return Chain(root, self.resolve(root), links)

    def _queryset_returns(self, function: ast.AST) -> List[Chain]:
        """What a ``get_queryset()`` returns, one chain per ``return``. A chain that starts
        at a local name (``qs = ...select_related("a")`` ... ``return qs.filter(x=1)``) gets
        the links of every chain assigned to that name in the function before its own; a
        return (or an assignment to its name) we cannot read as a chain, such as a helper's
        result, is kept as an opaque chain: it may load anything."""
        assigned: Dict[str, List[Tuple[str, List[str], bool]]] = {}
        returns: List[ast.expr] = []
        for sub in iter_nodes(function, into_scopes=False):
            if isinstance(sub, ast.Return) and sub.value is not None:
                returns.append(sub.value)
            elif isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                found = self.chain(sub.value) or _super_chain(sub.value)
                name = sub.targets[0].id
                if found is None and not isinstance(sub.value, (ast.Name, ast.Attribute)):
                    links = assigned.setdefault(name, [])
                    if _OPAQUE_LINK not in links:
                        links.append(_OPAQUE_LINK)
                elif found is not None:
                    links = assigned.setdefault(name, [])
                    if len(links) + len(found.links) > _MAX_LINKS:
                        links[:] = [_OPAQUE_LINK]  # too many to read (and `not in` cheap): may load anything
                    elif links != [_OPAQUE_LINK]:
                        links.extend(link for link in found.links if link not in links)
                if len(assigned) > 50:
                    break
        out: List[Chain] = []
        for value in returns[:20]:
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            found = self.chain(value) or _super_chain(value)
            if found is None:
                if isinstance(value, ast.Name) and value.id in assigned:
                    out.append(Chain(value.id, None, list(assigned[value.id])))
                elif isinstance(value, ast.Name) or isinstance(value, ast.Attribute):
                    continue  # `return self.queryset`: the attribute, read by the model
                else:
                    out.append(Chain("", None, [_OPAQUE_LINK]))
                continue
            head = found.root.split(".", 1)[0]
            if head in assigned and "." not in found.root:
                found = Chain(found.root, found.resolved, assigned[head] + found.links)
            out.append(found)
        return out

    def _class(self, node: ast.ClassDef) -> ClassSummary:
        bases = [dotted_name(b) or "" for b in node.bases]
        cls = ClassSummary(
            name=node.name,
            line=node.lineno,
            bases=bases,
            resolved_bases=[self.resolve(b) if b else None for b in bases],
            keywords={kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg and _literal(kw.value) is not ...},
        )
        self._class_body(cls, node.body, conditional=False)
        return cls

    def _class_body(self, cls: ClassSummary, body: List[ast.stmt], conditional: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                cls.methods.append(stmt.name)
                self.summary.functions.append(_FunctionWalker(self, stmt, f"{cls.name}.{stmt.name}").run())
                if stmt.name in ("get_queryset", "aget_queryset"):
                    cls.queryset_returns.extend(self._queryset_returns(stmt))
                elif stmt.name == "get_serializer_class":
                    for sub in iter_nodes(stmt, into_scopes=False):
                        if isinstance(sub, ast.Return) and sub.value is not None:
                            text = dotted_name(sub.value)
                            if text:
                                cls.serializer_returns.append(text)
            elif isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
                cls.meta = self._meta(stmt)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                value = stmt.value
                if value is None:
                    continue
                for target in targets:
                    if isinstance(target, ast.Name):
                        self._class_attribute(cls, target.id, value, stmt.lineno, conditional)
            elif isinstance(stmt, (ast.If, ast.Try)) or type(stmt).__name__ == "TryStar":
                for name in ("body", "orelse", "finalbody"):
                    self._class_body(cls, list(getattr(stmt, name, ()) or ()), conditional=True)
                for handler in getattr(stmt, "handlers", ()) or ():
                    self._class_body(cls, list(handler.body), conditional=True)

    def _class_attribute(self, cls: ClassSummary, name: str, value: ast.AST, line: int, conditional: bool) -> None:
        if isinstance(value, ast.Call):
            chain = self.chain(value)
            callee = dotted_name(value.func)
            if chain is not None and chain.links and (
                len(chain.links) > 1 or chain.links[-1][0] in _QUERYSET_LINKS or chain.root.endswith(".objects")
            ) and not (callee and callee[:1].isupper() and "." not in callee):
                cls.attributes[name] = chain  # `queryset = Book.objects.select_related(...)`
                return
            if callee is None:
                return
            options: Dict[str, Any] = {}
            for kw in value.keywords:
                if kw.arg in _FIELD_OPTIONS:
                    literal = _literal(kw.value)
                    if literal is not ...:
                        options[kw.arg] = literal
                    elif kw.arg == "to":
                        options["to"] = dotted_name(kw.value) or ...
                    elif kw.arg == "default":
                        options["default"] = "<expr>"
            if options.get("to") is ...:
                del options["to"]
            target = None
            if value.args:
                first = value.args[0]
                target = string_value(first) or dotted_name(first)
            cls.fields.append(FieldSummary(name, callee, self.resolve(callee), line, target, options, conditional))
            return
        text = dotted_name(value)
        if text is not None:
            cls.attributes[name] = {"name": text, "resolved": self.resolve(text)}
            return
        if isinstance(value, (ast.List, ast.Tuple)):
            names = [dotted_name(e) for e in value.elts]
            if names and all(names):
                cls.attributes[name] = {"names": names, "resolved": [self.resolve(n) for n in names]}
                return
        literal = _literal(value)
        if literal is not ...:
            cls.attributes[name] = {"literal": literal}
        elif name in _OPAQUE_KEPT:
            cls.attributes[name] = {"opaque": True}  # set, to something the summary cannot read

    def _meta(self, node: ast.ClassDef) -> Dict[str, Any]:
        meta: Dict[str, Any] = {}
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                continue
            key = stmt.targets[0].id
            value = stmt.value
            if key in ("indexes", "constraints"):
                meta[key] = self._meta_objects(value)
                continue
            if key == "model":
                text = dotted_name(value)
                if text:
                    meta["model"] = {"name": text, "resolved": self.resolve(text)}
                continue
            literal = _literal(value)
            if literal is not ...:
                meta[key] = literal
            elif isinstance(value, (ast.List, ast.Tuple)):
                # ordering with F("x").desc() entries: keep the strings, mark the rest
                meta[key] = [string_value(e) if string_value(e) is not None else "<expr>" for e in value.elts]
        return meta

    def _meta_objects(self, value: ast.AST) -> List[Dict[str, Any]]:
        """``[models.Index(fields=[...]), models.UniqueConstraint(fields=[...], ...)]``."""
        out: List[Dict[str, Any]] = []
        elements = value.elts if isinstance(value, (ast.List, ast.Tuple)) else []
        for element in elements:
            if not isinstance(element, ast.Call):
                out.append({"kind": "<expr>"})
                continue
            kind = (dotted_name(element.func) or "<expr>").rsplit(".", 1)[-1]
            entry: Dict[str, Any] = {"kind": kind}
            for kw in element.keywords:
                if kw.arg == "fields":
                    entry["fields"] = _literal(kw.value) if _literal(kw.value) is not ... else "<expr>"
                elif kw.arg in ("condition", "expressions"):
                    entry[kw.arg] = True
                elif kw.arg == "name":
                    entry["name"] = string_value(kw.value) or "<expr>"
            if element.args:  # expressions given positionally: Index(Lower("name"), ...)
                strings = [string_value(a) for a in element.args]
                if all(s is not None for s in strings):
                    entry.setdefault("fields", strings)
                else:
                    entry["expressions"] = True
            out.append(entry)
        return out


# -- functions: calls and effects ---------------------------------------------------------
#: What a function can do that rules care about, by the calls it makes itself.
EFFECTS = ("mail", "write", "query", "blocking", "http", "lock", "atomic")
_MAIL_FUNCTIONS = frozenset({"django.core.mail.send_mail", "django.core.mail.send_mass_mail",
                             "django.core.mail.mail_admins", "django.core.mail.mail_managers"})
_EMAIL_CLASSES = frozenset({"EmailMessage", "EmailMultiAlternatives"})
_BLOCKING = frozenset({"time.sleep", "urllib.request.urlopen", "open", "io.open", "smtplib.SMTP", "smtplib.SMTP_SSL",
                       "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                       "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.getsize", "os.stat",
                       "shutil.copytree", "shutil.rmtree", "shutil.copyfile"})
_HTTP_ROOTS = ("requests.", "httpx.")
# (`get_or_create` reads in the common case: no write)
_WRITE_METHODS = frozenset({"create", "update_or_create", "update", "delete", "bulk_create",
                            "bulk_update", "acreate", "aupdate_or_create", "aupdate", "adelete",
                            "abulk_create", "abulk_update"})
# queries that run where they stand (`filter`/`all`/`values` only build a lazy queryset)
_QUERY_METHODS = frozenset({"get", "first", "last", "count", "exists", "aggregate", "in_bulk", "latest",
                            "earliest", "aget", "afirst", "alast", "acount", "aexists", "aaggregate"})
_INSTANCE_WRITES = frozenset({"save", "asave", "delete", "adelete"})
_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
_ROUTE_VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "head": "HEAD",
                "options": "OPTIONS", "route": "", "api_route": "", "websocket": ""}
_URL_FUNCTIONS = frozenset({"path", "re_path", "url"})
#: FastAPI's dependency markers (a Cookie is read like a Header: by the function itself).
_DEPENDENCY_MARKERS = {"Depends": "Depends", "Security": "Security", "Header": "Header", "Cookie": "Header"}
_REQUEST_TYPES = frozenset({"Request", "HTTPConnection", "WebSocket"})


class _FunctionWalker:
    """One walk of a function's body (nested functions and classes are not entered):
    its calls, with whether each runs inside ``transaction.atomic()``, and its effects."""

    def __init__(self, extractor: "_Extractor", node: ast.AST, name: str) -> None:
        self.x = extractor
        self.node = node
        self.summary = FunctionSummary(name=name, line=getattr(node, "lineno", 0),
                                       is_async=isinstance(node, ast.AsyncFunctionDef))
        self._by_node: Dict[int, CallSummary] = {}
        self._instances: Dict[str, str] = {}  # local name -> the class it was built from

    def _effect(self, kind: str, line: int) -> None:
        lines = self.summary.effects.setdefault(kind, [])
        if len(lines) < 20:
            lines.append(line)

    def run(self) -> FunctionSummary:
        node = self.node
        summary = self.summary
        args = node.args  # type: ignore[attr-defined]
        summary.params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        summary.depends = self.x.function_dependencies(node)
        for deco in getattr(node, "decorator_list", ()):
            target = deco.func if isinstance(deco, ast.Call) else deco
            text = dotted_name(target) or ""
            resolved = self.x.resolve(text) or text
            summary.decorators.append(resolved)
            last = resolved.rsplit(".", 1)[-1]
            if "atomic" in last.lower():
                summary.atomic = True
            if isinstance(target, ast.Attribute) and last in _ROUTE_VERBS and isinstance(deco, ast.Call) \
                    and not resolved.startswith(("unittest.", "mock.")):
                first = deco.args[0] if deco.args else None
                path = string_value(first) if first is not None else None
                if path is None or path == "" or path.startswith("/"):
                    summary.routes.append((_ROUTE_VERBS[last], path or ""))
                    summary.entry = "request"
            elif last in ("api_view", "action") and resolved.startswith("rest_framework"):
                summary.entry = "request"
            elif last == "on_event" and isinstance(deco, ast.Call) and deco.args:
                if string_value(deco.args[0]) in ("startup", "shutdown"):
                    summary.entry = "startup"
        built_emails: set = set()
        outputs: List[ast.AST] = []  # what the function returns or sends in a response
        assigned: Dict[str, List[ast.AST]] = {}  # local name -> the values bound to it
        stack: List[Tuple[ast.AST, bool]] = [(s, summary.atomic) for s in reversed(getattr(node, "body", []))]
        while stack:
            current, atomic = stack.pop()
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(current, ast.Return) and current.value is not None:
                outputs.append(current.value)
            elif isinstance(current, ast.Assign):
                for target in current.targets:
                    for name in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
                        if isinstance(name, ast.Name) and len(assigned.setdefault(name.id, [])) < 20:
                            assigned[name.id].append(current.value)
            if isinstance(current, (ast.With, ast.AsyncWith)):
                opens = any(_opens_atomic(self.x, item.context_expr) for item in current.items)
                if opens:
                    self._effect("atomic", current.lineno)
                for item in current.items:
                    stack.append((item.context_expr, atomic))
                stack.extend((s, atomic or opens) for s in reversed(current.body))
                continue
            if isinstance(current, ast.Assign) and isinstance(current.value, ast.Call):
                built = dotted_name(current.value.func) or ""
                callee = built.rsplit(".", 1)[-1]
                if callee in _EMAIL_CLASSES:
                    built_emails.update(t.id for t in current.targets if isinstance(t, ast.Name))
                for target in current.targets:
                    if isinstance(target, ast.Name):
                        if callee[:1].isupper():  # `service = EmailService()`: an instance of it
                            self._instances[target.id] = built
                        else:
                            self._instances.pop(target.id, None)
            if isinstance(current, ast.Call):
                self._call(current, atomic, built_emails)
                if (dotted_name(current.func) or "").endswith(CLIENT_SINK_SUFFIXES):
                    outputs.extend(current.args)
                    outputs.extend(kw.value for kw in current.keywords)
            for child in ast.iter_child_nodes(current):
                stack.append((child, atomic))
        self._mark_returned(outputs, assigned)
        return summary

    def _mark_returned(self, outputs: List[ast.AST], assigned: Dict[str, List[ast.AST]]) -> None:
        """Mark the calls whose value reaches an output, directly or through locals
        (each local followed once: bounded by the function's size)."""
        seen: set = set()
        pending = list(outputs)
        while pending:
            node = pending.pop()
            for sub in iter_nodes(node, into_scopes=False):
                if isinstance(sub, ast.Call):
                    found = self._by_node.get(id(sub))
                    if found is not None:
                        found.returned = True
                elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in seen:
                    seen.add(sub.id)
                    pending.extend(assigned.get(sub.id, ()))

    def _call(self, call: ast.Call, atomic: bool, built_emails: set) -> None:
        func = call.func
        text = dotted_name(func)
        line = call.lineno
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method == "select_for_update":
                self._effect("lock", line)
            receiver_text = dotted_name(func.value) or ""
            head = receiver_text.rsplit(".", 1)[-1]
            chain_root = func.value
            while isinstance(chain_root, ast.Call) and isinstance(chain_root.func, ast.Attribute):
                chain_root = chain_root.func.value
            through_manager = isinstance(chain_root, ast.Attribute) and chain_root.attr in _MANAGERS
            if method in _WRITE_METHODS and (head in _MANAGERS or through_manager):
                self._effect("write", line)
            elif method in _QUERY_METHODS and (head in _MANAGERS or through_manager):
                self._effect("query", line)
            elif method in ("add", "delete", "merge") and head.lower().endswith("session"):
                if call.args:
                    self._effect("write", line)  # a database session's write (its bare commit flushes)
            elif method in _INSTANCE_WRITES and not call.args and not looks_non_orm(receiver_text.lower()) \
                    and not any(kw.arg == "commit" for kw in call.keywords):
                self._effect("write", line)  # a row's save()/delete(); not a cache's, a file's, form.save(commit=False)
            if method == "send" and isinstance(func.value, ast.Name) and func.value.id in built_emails:
                self._effect("mail", line)
        resolved: Optional[str] = None
        if text is None and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            built = dotted_name(func.value.func)
            if built == "super":
                text = f"super().{func.attr}"  # the method of a base class
            elif built and built.rsplit(".", 1)[-1][:1].isupper():
                text = f"{built}().{func.attr}"  # `EmailService().send(...)`: a method of the class
                resolved = self.x.resolve(built)
        elif text is not None and text.count(".") == 1 and text.split(".", 1)[0] in self._instances:
            built = self._instances[text.split(".", 1)[0]]  # `service.send(...)` on a local instance
            text = f"{built}().{text.split('.', 1)[1]}"
            resolved = self.x.resolve(built)
        if text is None:
            return
        if "()." not in text:
            resolved = self.x.resolve(text)
        name = resolved or text
        if name in _MAIL_FUNCTIONS or (resolved or "").startswith("smtplib.SMTP"):
            self._effect("mail", line)
        if name in _BLOCKING or (resolved and resolved.startswith("pathlib.")):
            self._effect("blocking", line)
        if resolved and resolved.startswith(_HTTP_ROOTS):
            self._effect("http", line)
        if len(self.summary.calls) < 500:
            found = CallSummary(text, resolved, line, call.col_offset, atomic)
            self.summary.calls.append(found)
            self._by_node[id(call)] = found


def _opens_atomic(extractor: "_Extractor", expr: ast.AST) -> bool:
    target = expr.func if isinstance(expr, ast.Call) else expr
    text = dotted_name(target) or ""
    last = (extractor.resolve(text) or text).rsplit(".", 1)[-1].lower()
    return ("atomic" in last or "transaction" in last) and not last.startswith("non_atomic")
