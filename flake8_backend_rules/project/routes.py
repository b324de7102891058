"""FastAPI routes and what guards them: the dependencies of a path operation, of the router
it is declared on (``APIRouter(dependencies=[...])``), of each ``include_router(...)`` that
mounts that router and of the routers and apps above it.

A dependency is judged from the project's own facts:

* **auth**: a ``Security(...)`` dependency; a ``fastapi.security`` scheme
  (``OAuth2PasswordBearer``, ``HTTPBearer``, ``APIKeyHeader``...) or a class based on one;
  a project function or class whose own dependencies include one (followed to a bounded
  depth: ``get_current_active_user -> get_current_user -> oauth2_scheme``); an
  ``Annotated[...]`` alias of one (``CurrentUser``); and, as the fallback for callables the
  model cannot read, the names authentication dependencies go by
  (:data:`..vocabulary.AUTH_DEPENDENCY_NAME`).
* **unknown**: a dependency that reads the request itself (a ``Request``, ``Header()`` or
  ``Cookie()`` parameter), an instance of a project class built with its own arguments
  (``Depends(RoleChecker(["admin"]))``), a callable of another package, an expression: it
  may check credentials, so it counts as a guard.
* **none**: a project function or class with no such dependency (``get_db``, a
  pagination class), an annotation that is no alias of dependencies (a pydantic model).

Every answer is memoised for the run; each chain of dependencies, routers and includes
stops after :data:`_MAX_DEPTH` steps and never walks a cycle twice.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple

from ..vocabulary import AUTH_DEPENDENCY_NAME, ROUTE_DECORATORS
from .modules import FLAG_DEPENDS
from .summary import FunctionSummary, ModuleSummary

if TYPE_CHECKING:
    from .model import ProjectModel

AUTH, UNKNOWN, NONE = "auth", "unknown", "none"
_RANK = {NONE: 0, UNKNOWN: 1, AUTH: 2}
_MAX_DEPTH = 6

#: (kind, the dependency that decided it: "get_current_user", "" when none did)
Guard = Tuple[str, str]
RouterKey = Tuple[str, str]  # (module, the name the app or router is bound to)


def _best(guards: Sequence[Guard]) -> Guard:
    best: Guard = (NONE, "")
    for guard in guards:
        if _RANK[guard[0]] > _RANK[best[0]]:
            best = guard
    return best


def route_owner(function: FunctionSummary) -> Optional[str]:
    """The app or router a route decorator is declared on, as the summary holds it
    (``router`` of ``@router.put(...)``; resolved where imported)."""
    for decorator in function.decorators:
        owner, _, verb = decorator.rpartition(".")
        if owner and verb in ROUTE_DECORATORS:
            return owner
    return None


class RouteGuards:
    """What guards each FastAPI route of one project model (lazy, memoised)."""

    def __init__(self, model: "ProjectModel") -> None:
        self.model = model
        self._dependencies: Dict[Tuple[str, str, str, str], Guard] = {}
        self._routers: Dict[RouterKey, Guard] = {}
        self._included: Optional[Dict[RouterKey, List[Tuple[ModuleSummary, str, List[List[str]]]]]] = None
        self._used: Optional[Optional[Tuple[str, str]]] = None
        self._used_known = False

    # -- dependencies ---------------------------------------------------------------------
    def dependency(self, module: ModuleSummary, dependency: Sequence[str], depth: int = 0) -> Guard:
        """How one ``[how, text, resolved]`` dependency of ``module`` guards a route."""
        how, text, resolved = (list(dependency) + ["", "", ""])[:3]
        memo = (module.module, how, text, resolved)
        if memo in self._dependencies:
            return self._dependencies[memo]
        self._dependencies[memo] = (UNKNOWN, text)  # a cycle back here: judged unknown
        found = self._judge(module, how, text, resolved, depth)
        self._dependencies[memo] = found
        return found

    def dependencies(self, module: ModuleSummary, dependencies: Sequence[Sequence[str]], depth: int = 0) -> Guard:
        return _best([self.dependency(module, d, depth) for d in dependencies])

    def _judge(self, module: ModuleSummary, how: str, text: str, resolved: str, depth: int) -> Guard:
        if how in ("Security", "scheme"):
            return (AUTH, text)
        if how in ("Header", "Request"):
            return (UNKNOWN, "")
        if depth > _MAX_DEPTH or not text or text == "<expr>":
            return (UNKNOWN, text)
        name = text[:-2] if text.endswith("()") else text
        if how == "alias":
            alias = self._alias(module, name, resolved)
            return self.dependencies(alias[0], alias[1], depth + 1) if alias is not None else (NONE, "")
        if AUTH_DEPENDENCY_NAME.match(name.rsplit(".", 1)[-1]):
            return (AUTH, name)
        if (resolved or "").startswith("fastapi.security"):
            return (AUTH, name)
        alias = self._alias(module, name, resolved)
        if alias is not None:  # `Depends(oauth2_scheme)`, `Depends(CurrentUserDep)`
            guard = self.dependencies(alias[0], alias[1], depth + 1)
            return (guard[0], guard[1] or name)
        function = self._function(module, name, resolved)
        if function is not None:
            guard = self.dependencies(function[0], function[1].depends, depth + 1)
            return (guard[0], name if guard[0] == AUTH else guard[1])
        cls = self._class(module, name, resolved)
        if cls is not None:
            if text.endswith("()") and self._class_guard(cls[0], cls[1], name, depth)[0] != AUTH:
                # `Depends(RoleChecker(["admin"]))`: an instance called per request, built
                # with arguments that say what it checks: a guard the rule cannot read
                return (UNKNOWN, name)
            return self._class_guard(cls[0], cls[1], name, depth)
        return (UNKNOWN, name)  # another package's callable: it may authenticate

    def _class_guard(self, module: ModuleSummary, cls: object, name: str, depth: int) -> Guard:
        from .summary import ClassSummary

        assert isinstance(cls, ClassSummary)
        guards: List[Guard] = []
        for mod, current in self.model._class_chain(module, cls):
            if any((b or "").startswith("fastapi.security") for b in current.resolved_bases):
                return (AUTH, name)
            for method in ("__call__", "__init__"):
                found = mod.function_named(f"{current.name}.{method}")
                if found is not None:
                    guards.append(self.dependencies(mod, found.depends, depth + 1))
        if any(b and not b.startswith("fastapi") and self.model.resolve_class(b) is None
               for _, current in self.model._class_chain(module, cls) for b in current.resolved_bases):
            guards.append((UNKNOWN, name))  # based on another package's class
        guard = _best(guards)
        return (guard[0], name if guard[0] == AUTH else guard[1])

    def _split(self, module: ModuleSummary, name: str, resolved: str) -> Optional[Tuple[ModuleSummary, str]]:
        """The module and name a written name stands for (following one re-export)."""
        if "." not in name and not resolved:
            return module, name
        dotted = resolved or self.model.name_in(module, name)
        for _ in range(3):
            if not dotted or "." not in dotted:
                return None
            module_name, _, last = dotted.rpartition(".")
            target = self.model.modules.get(module_name)
            if target is None:
                return None
            again = target.imports.get(last)
            if again is None or again == dotted:
                return target, last
            dotted = again
        return None

    def _alias(self, module: ModuleSummary, name: str, resolved: str) -> Optional[Tuple[ModuleSummary, List[List[str]]]]:
        found = self._split(module, name, resolved)
        if found is None:
            return None
        aliases = found[0].dependency_aliases.get(found[1])
        return (found[0], aliases) if aliases else None

    def _function(self, module: ModuleSummary, name: str, resolved: str) -> Optional[Tuple[ModuleSummary, FunctionSummary]]:
        found = self._split(module, name, resolved)
        if found is None:
            return None
        function = found[0].function_named(found[1])
        return (found[0], function) if function is not None else None

    def _class(self, module: ModuleSummary, name: str, resolved: str) -> Optional[Tuple[ModuleSummary, object]]:
        found = self._split(module, name, resolved)
        if found is None:
            return None
        cls = found[0].class_named(found[1])
        return (found[0], cls) if cls is not None else None

    # -- routers and apps -------------------------------------------------------------------
    def _router_key(self, module: ModuleSummary, text: str, resolved: str = "") -> Optional[RouterKey]:
        if not text:
            return None
        if text in module.routers:
            return (module.module, text)
        found = self._split(module, text, resolved or self.model.name_in(module, text) or "")
        if found is not None and found[1] in found[0].routers:
            return (found[0].module, found[1])
        return None

    def _includes(self) -> Dict[RouterKey, List[Tuple[ModuleSummary, str, List[List[str]]]]]:
        """router -> (the module that includes it, the parent's text, the dependencies
        the include adds), read once from the modules that may include routers."""
        if self._included is None:
            table: Dict[RouterKey, List[Tuple[ModuleSummary, str, List[List[str]]]]] = {}
            for module in self.model.modules.with_flag(FLAG_DEPENDS):
                for parent, child, child_resolved, depends in module.includes:
                    key = self._router_key(module, child, child_resolved)
                    if key is not None:
                        table.setdefault(key, []).append((module, parent, depends))
            self._included = table
        return self._included

    def router(self, key: RouterKey, depth: int = 0, seen: Optional[Set[RouterKey]] = None) -> Guard:
        """What guards every route of an app or router: its own dependencies, and those
        of any ``include_router`` that mounts it (and of the routers above)."""
        if key in self._routers:
            return self._routers[key]
        seen = set() if seen is None else seen
        if key in seen or depth > _MAX_DEPTH:
            return (NONE, "")
        seen.add(key)
        module = self.model.modules.get(key[0])
        if module is None:
            return (UNKNOWN, "")
        guards = [self.dependencies(module, module.routers.get(key[1], {}).get("depends", []))]
        for including, parent, depends in self._includes().get(key, ()):
            guards.append(self.dependencies(including, depends))
            parent_key = self._router_key(including, parent)
            if parent_key is not None:
                guards.append(self.router(parent_key, depth + 1, seen))
        guard = _best(guards)
        if depth == 0:
            self._routers[key] = guard
        return guard

    # -- routes -----------------------------------------------------------------------------
    def route(self, module: ModuleSummary, function: FunctionSummary) -> Guard:
        """What guards a route function: its dependencies, then its router's and app's
        (an owner the model cannot find counts as unknown)."""
        own = self.dependencies(module, function.depends)
        if own[0] == AUTH:
            return own
        owner = route_owner(function)
        key = self._router_key(module, owner) if owner else None
        above = self.router(key) if key is not None else (UNKNOWN, "")
        return _best([own, above])

    def authenticated_route(self) -> Optional[Tuple[str, str]]:
        """(a route, the authentication dependency it uses) when some route of the
        project depends on one; None when none does."""
        if not self._used_known:
            self._used_known = True
            self._used = None
            for module in self.model.modules.with_flag(FLAG_DEPENDS):
                for function in module.functions:
                    if not function.routes:
                        continue
                    guard = self.route(module, function)
                    if guard[0] == AUTH:
                        self._used = (f"{module.module}.{function.name}", guard[1])
                        return self._used
        return self._used
