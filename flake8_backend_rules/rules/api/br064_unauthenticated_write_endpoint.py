"""BR064 unauthenticated-write-endpoint: an endpoint that changes or deletes existing rows
that anyone can call (DRF permissions open, a FastAPI route with no authentication
dependency in a project whose other routes have one)."""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

from ...astutil import dotted_name, iter_nodes, string_value
from ...context import Context
from ...vocabulary import ROUTE_DECORATORS
from .. import Rule, check

if TYPE_CHECKING:
    from ...project.model import ProjectModel
    from ...project.summary import ClassSummary, ModuleSummary

_FIX_DRF = "set permission_classes (e.g. [IsAuthenticated]) or a restrictive DEFAULT_PERMISSION_CLASSES"

RULE = Rule(
    code="BR064",
    symbol="unauthenticated-write-endpoint",
    summary="An endpoint that changes or deletes rows lets anyone call it",
    default_on=False,
    precision="Off by default. Read blind on three projects its authors never read (round 4): 0 of "
    "30 findings true. Access was enforced where this rule does not look yet: a project's "
    "DRF filter backend or ACL-restricted object lookup (anonymous users get 404), an "
    "authentication dependency reached through an Annotated alias parameter the model did "
    "not resolve, abstract bases that no router serves, and reset endpoints that check "
    "their own token. Verdicts: docs/evaluation/2026-12-04-blind-round4-br064.md.",
    message="`{name}` lets anyone {verbs}: {reason}; " + _FIX_DRF,
    messages={
        "route": "`{route}` (`{function}`) changes data with no authentication dependency on the "
        "route, its router or the app, while `{other}` depends on `{dependency}`: add "
        "`Depends({dependency})` to the route or to its router's dependencies",
    },
    what="Finds endpoints that change or delete existing rows and that anyone can call. "
    "DRF: a view class that updates or destroys (a `ModelViewSet`, an `UpdateAPIView`/"
    "`DestroyAPIView` or a combination, the update/destroy mixins, or its own `update`, "
    "`partial_update`, `destroy`, `put`, `patch` or `delete` method) whose "
    "`permission_classes` (its own or inherited from project bases) are `[]` or only "
    "`AllowAny`, or that sets none while the project's "
    "`REST_FRAMEWORK[\"DEFAULT_PERMISSION_CLASSES\"]` is unset (DRF's default is "
    "`AllowAny`) or `AllowAny`. Reported at the class. FastAPI: a PUT/PATCH/DELETE route "
    "whose path operation, router (`APIRouter(dependencies=[...])`, "
    "`include_router(..., dependencies=[...])`) and app declare no authentication "
    "dependency, in a project where other routes do depend on one. Reported at the "
    "route decorator.",
    why="Broken access control is the first of the OWASP Top 10 (A01): an update or "
    "delete endpoint left open lets any visitor, or a crawler, change or wipe other "
    "people's data. DRF's own default permission is `AllowAny`, so a viewset is open "
    "unless the project or the view says otherwise.",
    bad="""
        from rest_framework import viewsets
        from rest_framework.permissions import AllowAny

        from .models import Order
        from .serializers import OrderSerializer


        class OrderViewSet(viewsets.ModelViewSet):
            queryset = Order.objects.all()
            serializer_class = OrderSerializer
            permission_classes = [AllowAny]
        """,
    good="""
        from rest_framework import viewsets
        from rest_framework.permissions import IsAuthenticated

        from .models import Order
        from .serializers import OrderSerializer


        class OrderViewSet(viewsets.ModelViewSet):
            queryset = Order.objects.all()
            serializer_class = OrderSerializer
            permission_classes = [IsAuthenticated]
        """,
    notes="Silent for POST-only endpoints (sign-up, login, password reset, webhooks and "
    "contact forms are anonymous by design) and read-only ones; for `permission_classes` "
    "holding any class other than `AllowAny` (whatever it checks), a value the rule "
    "cannot read, or a `get_permissions` override; for a view restricted by "
    "`http_method_names` to methods that do not write; for a decorated view class; for "
    "bases from other packages than DRF (they may set permissions). The project's "
    "default is read from its settings modules (the project model); where the settings "
    "cannot be read (no settings module, a `REST_FRAMEWORK` that is not a literal) a "
    "view without `permission_classes` is not reported. FastAPI: a dependency counts as "
    "authentication when it is a `Security(...)`, a `fastapi.security` scheme "
    "(`OAuth2PasswordBearer`, `HTTPBearer`, `APIKeyHeader`...) or a class based on one, "
    "a project function or class that depends on one (followed through "
    "`Annotated[...]` aliases such as `CurrentUser`), or, for callables the model "
    "cannot read, one named like `get_current_user`, `current_user`, `require_*` or "
    "`auth*`. A route that reads the request itself (a `Request`, `Header()` or "
    "`Cookie()` parameter), depends on another package's callable, carries another "
    "decorator, or verifies a signature or token in its body (`construct_event`, "
    "`hmac.compare_digest`, `check_token`, `jwt.decode`) is not reported; nor is any "
    "route of a project with no authenticated route (an internal service behind a "
    "gateway). Without the project model only explicit `AllowAny`/`[]` permissions are "
    "reported.",
    references=("https://owasp.org/Top10/A01_2021-Broken_Access_Control/",
                "https://www.django-rest-framework.org/api-guide/permissions/"),
)

# -- DRF -------------------------------------------------------------------------------------
#: DRF bases that answer PUT/PATCH (update) or DELETE (destroy).
_UPDATE_BASES = frozenset({"ModelViewSet", "UpdateAPIView", "RetrieveUpdateAPIView", "RetrieveUpdateDestroyAPIView",
                           "UpdateModelMixin"})
_DESTROY_BASES = frozenset({"ModelViewSet", "DestroyAPIView", "RetrieveDestroyAPIView",
                            "RetrieveUpdateDestroyAPIView", "DestroyModelMixin"})
_UPDATE_METHODS = frozenset({"update", "partial_update", "put", "patch"})
_DESTROY_METHODS = frozenset({"destroy", "delete"})
_DRF_ROOTS = ("rest_framework.", "adrf.")
#: DRF's view modules: a class based on one of their classes is a view (a serializer's
#: own `update()` is not an endpoint).
_DRF_VIEW_ROOTS = ("rest_framework.views.", "rest_framework.generics.", "rest_framework.viewsets.",
                   "rest_framework.mixins.", "rest_framework.routers.", "adrf.")
_WRITE_VERBS = frozenset({"put", "patch", "delete"})
# -- FastAPI ---------------------------------------------------------------------------------
_WRITE_ROUTE_VERBS = {"put": "PUT", "patch": "PATCH", "delete": "DELETE"}
#: Calls that check a signature or a token in the body: the route authenticates its caller.
_VERIFYING_CALLS = frozenset({"construct_event", "compare_digest", "check_token", "verify_signature",
                              "validate_signature", "verify_webhook", "verify_token"})
_TOKEN_LIBRARIES = ("jwt.", "jose.", "itsdangerous.")


def _class_summary(ctx: Context, node: ast.ClassDef) -> Optional[Tuple["ProjectModel", "ModuleSummary",
                                                                        "ClassSummary"]]:
    project = ctx.project
    module = ctx.project_module()
    if project is None or module is None:
        return None
    cls = module.class_named(node.name)
    if cls is None or cls.line != node.lineno:
        return None
    return project, module, cls


def _drf_verbs(chain: List[Tuple[Any, Any]]) -> List[str]:
    """"update" and/or "destroy", when the class answers them."""
    bases = {b.rsplit(".", 1)[-1] for _, c in chain for b in c.bases if b}
    methods = {m for _, c in chain for m in c.methods}
    verbs = []
    if bases & _UPDATE_BASES or methods & _UPDATE_METHODS:
        verbs.append("update")
    if bases & _DESTROY_BASES or methods & _DESTROY_METHODS:
        verbs.append("destroy")
    return verbs


def _serves_rows(chain: List[Tuple[Any, Any]]) -> bool:
    """A view that can find the rows it changes: its own write method, or a ``queryset``,
    ``get_queryset`` or ``get_object`` somewhere in its chain. A generic base without them
    (``class PublicViewSet(ModelViewSet): permission_classes = [AllowAny]``) serves
    nothing itself: its subclasses are judged."""
    for _, cls in chain:
        if "queryset" in cls.attributes or set(cls.methods) & ({"get_queryset", "get_object"}
                                                               | _UPDATE_METHODS | _DESTROY_METHODS):
            return True
    return False


def _permissions(value: Any) -> Optional[str]:
    """"AllowAny" or "[]" for open permissions, "" for others, None when unreadable."""
    if not isinstance(value, dict):
        return None
    if "names" in value:
        names = [n.rsplit(".", 1)[-1] for n in value["names"]]
        return "AllowAny" if names and all(n == "AllowAny" for n in names) else ""
    if "literal" in value:
        literal = value["literal"]
        if isinstance(literal, list) and not literal:
            return "[]"
        return None
    return None


def _default_permissions(project: "ProjectModel") -> Optional[str]:
    """The project's DEFAULT_PERMISSION_CLASSES: "unset" or "AllowAny" (open), "" (a
    restrictive default), None (no Django settings read, or a value not a literal)."""
    modules = [project.modules[m] for m in project.settings_modules() if m in project.modules]
    if not any("INSTALLED_APPS" in m.upper_names for m in modules):
        return None
    value = project.setting("REST_FRAMEWORK")
    if value is None:
        return None if any("REST_FRAMEWORK" in m.upper_names for m in modules) else "unset"
    if not isinstance(value, dict):
        return None
    classes = value.get("DEFAULT_PERMISSION_CLASSES", ...)
    if classes is ...:
        return "unset"
    if isinstance(classes, (list, tuple)):
        if not classes or all(isinstance(c, str) and c.rsplit(".", 1)[-1] == "AllowAny" for c in classes):
            return "AllowAny" if classes else "[]"
        return ""
    return None


@check(RULE, ast.ClassDef)
def open_drf_write_view(node: ast.ClassDef, ctx: Context) -> None:
    """A DRF view class that updates or destroys with permissions anyone passes."""
    if node.decorator_list or ctx.frame.parent is None or ctx.frame.parent.kind != "module":
        return
    found = _class_summary(ctx, node)
    if found is None:
        return
    project, module, cls = found
    chain = project._class_chain(module, cls)
    resolved = [r or project.name_in(m, b) or b for m, c in chain for b, r in zip(c.bases, c.resolved_bases) if b]
    if not any(r.startswith(_DRF_VIEW_ROOTS) for r in resolved):
        return
    project_classes = {f"{m.module}.{c.name}" for m, c in chain}
    if any(not r.startswith(_DRF_ROOTS) and r not in project_classes and project.resolve_class(r) is None
           for r in resolved):
        return  # a base of another package may set permissions
    verbs = _drf_verbs(chain)
    if not verbs or not _serves_rows(chain):
        return
    permission: Optional[str] = None
    for _, current in chain:
        methods = current.attributes.get("http_method_names")
        if methods is not None:
            literal = methods.get("literal") if isinstance(methods, dict) else None
            if not isinstance(literal, list) or not _WRITE_VERBS & {str(m).lower() for m in literal}:
                return
            break
    for _, current in chain:
        if "get_permissions" in current.methods:
            return
        if any(f.name == "permission_classes" for f in current.fields):
            return
        if "permission_classes" in current.attributes:
            permission = _permissions(current.attributes["permission_classes"])
            if permission is None or permission == "":
                return
            reason = ("permission_classes is empty" if permission == "[]"
                      else "its permission_classes are only AllowAny")
            break
    else:
        default = _default_permissions(project)
        if not default:
            return
        reason = ("it sets no permission_classes and the project's DEFAULT_PERMISSION_CLASSES is "
                  + ("unset (DRF's default: AllowAny)" if default == "unset" else default))
    ctx.report(RULE, node, name=node.name, verbs=" and ".join(verbs), reason=reason)


# -- FastAPI ---------------------------------------------------------------------------------
def _write_methods(decorator: ast.AST) -> List[str]:
    """PUT/PATCH/DELETE a route decorator declares (``@router.delete(...)``,
    ``@app.api_route(..., methods=["PUT"])``)."""
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return []
    verb = decorator.func.attr
    if verb in _WRITE_ROUTE_VERBS:
        return [_WRITE_ROUTE_VERBS[verb]]
    if verb in ("api_route", "route"):
        for kw in decorator.keywords:
            if kw.arg == "methods" and isinstance(kw.value, (ast.List, ast.Tuple)):
                methods = [(string_value(e) or "").upper() for e in kw.value.elts]
                return [m for m in methods if m in _WRITE_ROUTE_VERBS.values()]
    return []


def _verifies_caller(ctx: Context, node: ast.AST) -> bool:
    """The body checks a signature or a token itself."""
    for sub in iter_nodes(node, into_scopes=False):
        if isinstance(sub, ast.Call):
            name = dotted_name(sub.func) or ""
            if name.rsplit(".", 1)[-1] in _VERIFYING_CALLS:
                return True
            resolved = ctx.resolve(sub.func) or ""
            if resolved.startswith(_TOKEN_LIBRARIES) and resolved.rsplit(".", 1)[-1] in ("decode", "loads"):
                return True
    return False


@check(RULE, ast.FunctionDef, ast.AsyncFunctionDef)
def unauthenticated_write_route(node: ast.AST, ctx: Context) -> None:
    """A FastAPI PUT/PATCH/DELETE route no authentication dependency guards, in a project
    whose other routes depend on one."""
    decorators = getattr(node, "decorator_list", [])
    writes = [(d, _write_methods(d)) for d in decorators]
    writes = [(d, m) for d, m in writes if m]
    if not writes:
        return
    frame = ctx.frame
    if frame.parent is None or frame.parent.kind != "module":
        return
    others = [d for d in decorators if not (isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                                             and d.func.attr in ROUTE_DECORATORS)]
    if others:
        return  # another decorator may check the caller
    project = ctx.project
    module = ctx.project_module()
    name = getattr(node, "name", "")
    function = module.function_named(name) if module is not None else None
    if project is None or module is None or function is None or function.line != getattr(node, "lineno", 0):
        return
    if not function.routes:
        return
    guards = project.routes()
    guard = guards.route(module, function)
    if guard[0] != "none":
        return
    used = guards.authenticated_route()
    if used is None or _verifies_caller(ctx, node):
        return
    decorator, methods = writes[0]
    path = string_value(decorator.args[0]) if isinstance(decorator, ast.Call) and decorator.args else None
    route = f"{'/'.join(methods)} {path}" if path is not None else "/".join(methods)
    other = used[0].rpartition(".")
    ctx.report(RULE, decorator, "route", route=route, function=name,
               other=f"{other[0].rpartition('.')[2]}.{other[2]}", dependency=used[1])
