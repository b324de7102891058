"""Entry points and calls: where a project function runs, whom it calls, who calls it, and
what it does through the helpers it calls.

Built lazily on the module summaries (:mod:`.summary`), for the questions rules ask:

* **Entry points** (:meth:`CallGraph.entry_point`): code that starts a unit of work, found
  by registration: views named in ``urlpatterns`` (``include()`` of a list followed),
  DRF ``router.register``, Starlette ``Route(...)``, Flask ``add_url_rule``,
  ``add_api_route``; route decorators (FastAPI, Flask, Ninja), DRF ``@api_view``/
  ``@action``; management commands (``Command.handle``); task functions (the task
  decorators); startup hooks (``lifespan=``, ``on_startup=``, ``add_event_handler``,
  ``@app.on_event("startup")``, ``AppConfig.ready``). Only the modules whose text may
  register anything (``FLAG_REGISTERS``) are read for that.
  :meth:`CallGraph.entry_kind` adds the naming fallback of the shared vocabulary (a view
  class's ``get``/``post``..., a function of a handler module, a ``tasks.py`` module) for
  what the model cannot see registered.
* **Callees** (:meth:`CallGraph.callees`): each call of a function resolved to a project
  function through the imports (re-exports followed), ``self.``/``cls.``/``super()``
  (the class and its project bases), and class attributes (``notifier = Notifier()``,
  ``service_class = Service``: ``self.notifier.send()``).
* **Callers** (:meth:`CallGraph.callers`): the modules whose text calls the function's
  name (an index of called names kept with each file's record) are the only ones read;
  a call of that name that resolves to nothing makes the callers *unknown*, and so does a
  name called in more than :data:`MAX_CALLER_MODULES` modules (``save``, ``get``).
* **Composition**: :meth:`CallGraph.effects_through` is the shortest chain from a
  function down to one that has an effect itself (``views.register ->
  services.send_welcome -> send_mail``); :meth:`CallGraph.caller_chain` the shortest
  chain up from a function to an entry point (or to a function no project code calls)
  along the calls a rule follows. Both stop at :data:`MAX_DEPTH` calls; every answer is
  memoised for the run, by function and remaining depth, so a question costs at most
  :data:`MAX_DEPTH` visits of each function and each call: linear in the project's size
  whatever its cycles. ``work`` counts the calls examined.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Callable, Deque, Dict, List, Optional, Set, Tuple

from ..options import ModuleKind, Options, matches_dotted, module_kind
from ..vocabulary import COMMAND_BASES, VIEW_BASE_SUFFIXES, VIEW_HANDLER_METHODS
from .modules import FLAG_REGISTERS
from .summary import CallSummary, ClassSummary, FunctionSummary, ModuleSummary

if TYPE_CHECKING:
    from .model import ProjectModel

#: How many calls a composed effect or a caller chain may span.
MAX_DEPTH = 4
_MAX_HOPS = 10  # re-exports followed to find a function
#: A name called in more modules than this (``save``, ``get``, ``process``) is too common to
#: read every caller: its callers are unknown (the rules then keep their own judgement).
MAX_CALLER_MODULES = 60
#: Decorators that leave a function to be called by the project's code only.
_PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod", "atomic", "wraps", "lru_cache", "cache",
                               "non_atomic_requests"})
PLAIN_DECORATORS = _PLAIN_DECORATORS
#: Entry-point kinds.
REQUEST, TASK, COMMAND, STARTUP = "request", "task", "command", "startup"
_REGISTERED_CLASS_METHODS = VIEW_HANDLER_METHODS | {"dispatch"}
_DEFAULT_TASK_DECORATORS = ("shared_task", "task", "app.task", "celery.task", "actor", "dramatiq.actor", "job",
                            "huey.task", "db_task", "periodic_task")
#: The label of an effect's leaf in a chain, where the call is not a plain name.
_EFFECT_LABELS = {"lock": "select_for_update()", "write": "a database write", "query": "a query",
                  "mail": "send_mail", "blocking": "blocking I/O", "http": "an HTTP call",
                  "atomic": "transaction.atomic()"}

Key = Tuple[str, str]  # (dotted module, qualname: "func" or "Class.method")


class Edge:
    """A call from ``caller`` to ``callee``, as the caller wrote it."""

    __slots__ = ("caller", "callee", "call")

    def __init__(self, caller: Key, callee: Key, call: CallSummary) -> None:
        self.caller = caller
        self.callee = callee
        self.call = call


def label(key: Key) -> str:
    """How a chain names a function: its module's last part and its qualname
    (``services.send_welcome``, ``views.SignupView.post``)."""
    return f"{key[0].rpartition('.')[2]}.{key[1]}" if key[0] else key[1]


class CallGraph:
    """Entry points and calls of one project model, answered lazily and memoised."""

    def __init__(self, model: "ProjectModel", options: Optional[Options] = None) -> None:
        self.model = model
        self.options = options
        self.task_decorators = options.task_decorators if options is not None else _DEFAULT_TASK_DECORATORS
        self.work = 0  # calls examined (resolved, composed or searched): the cost, counted
        self._registered: Optional[Dict[Key, str]] = None
        self._callees: Dict[Key, List[Edge]] = {}
        self._callers: Dict[Key, Tuple[List[Edge], bool]] = {}
        self._down: Dict[Tuple[Key, str, int], Optional[List[str]]] = {}
        self._kinds: Dict[str, ModuleKind] = {}

    # -- functions ------------------------------------------------------------------------
    def function(self, key: Key) -> Optional[Tuple[ModuleSummary, FunctionSummary]]:
        module = self.model.modules.get(key[0])
        if module is None:
            return None
        found = module.function_named(key[1])
        return (module, found) if found is not None else None

    def _module_kind(self, module: ModuleSummary) -> Optional[ModuleKind]:
        kind = self._kinds.get(module.path)
        if kind is None and self.options is not None:
            kind = self._kinds[module.path] = module_kind(module.path, self.options)
        return kind

    def is_test_module(self, module: ModuleSummary) -> bool:
        kind = self._module_kind(module)
        if kind is not None:
            return kind.test
        name = module.path.rsplit("/", 1)[-1]
        return name.startswith("test_") or name.endswith("_test.py") or name in ("tests.py", "conftest.py") \
            or "/tests/" in "/" + module.path

    # -- entry points ---------------------------------------------------------------------
    def entry_point(self, module: str, qualname: str) -> Optional[str]:
        """How the project starts ``module.qualname``, from what it declares or
        registers: "request", "task", "command", "startup", or None (not seen)."""
        registered = self._registrations().get((module, qualname))
        if registered is not None:
            return registered
        found = self.function((module, qualname))
        if found is None:
            return None
        summary, function = found
        if function.entry:
            return function.entry
        if any(matches_dotted(d, d, self.task_decorators) for d in function.decorators):
            return TASK
        cls_name, _, method = qualname.rpartition(".")
        cls = summary.class_named(cls_name) if cls_name else None
        if cls is not None:
            bases = {b.rsplit(".", 1)[-1] for b in cls.bases if b}
            if method == "handle" and (bases & COMMAND_BASES or (
                    cls.name == "Command" and "/management/commands/" in "/" + summary.path)):
                return COMMAND
            if method == "ready" and any(b.endswith("AppConfig") for b in bases):
                return STARTUP
        return None

    def entry_kind(self, module: str, qualname: str) -> Optional[str]:
        """:meth:`entry_point`, else what the shared vocabulary's names say: a method
        such as ``get``/``post``/``list`` of a class based on a ``...View``/``...ViewSet``/
        ``...Mixin``, a public function of a handler module (``backend-handler-modules``),
        any function of a task module (``tasks.py``, ``tasks/``)."""
        declared = self.entry_point(module, qualname)
        if declared is not None:
            return declared
        found = self.function((module, qualname))
        if found is None:
            return None
        summary, function = found
        kind = self._module_kind(summary)
        if kind is not None and kind.test:
            return None
        cls_name, _, method = qualname.rpartition(".")
        if cls_name:
            cls = summary.class_named(cls_name)
            if cls is not None and method in VIEW_HANDLER_METHODS and any(
                    b.rsplit(".", 1)[-1].endswith(VIEW_BASE_SUFFIXES) for b in cls.bases if b):
                return REQUEST
        if kind is not None and kind.task:
            return TASK
        if kind is not None and kind.handler and not cls_name and not method.startswith("_"):
            return REQUEST
        return None

    def _registrations(self) -> Dict[Key, str]:
        """Functions and view methods registered by another module (read once: only the
        modules whose text may register anything)."""
        if self._registered is not None:
            return self._registered
        table: Dict[Key, str] = {}
        for module in self.model.modules.with_flag(FLAG_REGISTERS):
            for kind, text, resolved in module.registrations:
                if kind == "include":
                    continue
                self.work += 1
                entry = STARTUP if kind == "lifespan" else REQUEST
                target = self._target(module, text, resolved)
                if target is None:
                    continue
                if isinstance(target[0], str):
                    table.setdefault((target[0], str(target[1])), entry)
                    continue
                for mod, cls in self.model._class_chain(target[0], target[1]):  # type: ignore[arg-type]
                    for method in cls.methods:
                        if method in _REGISTERED_CLASS_METHODS:
                            table.setdefault((mod.module, f"{cls.name}.{method}"), REQUEST)
        self._registered = table
        return table

    def _target(self, module: ModuleSummary, text: str, resolved: Optional[str]) -> Optional[Tuple[object, object]]:
        """A registered name: a function key, a (module, class) pair, or None."""
        if "." not in text and module.function_named(text) is not None:
            return (module.module, text)
        dotted = resolved or self.model.name_in(module, text)
        if dotted is None:
            cls = module.class_named(text)
            return (module, cls) if cls is not None else None
        function = self._function_at(dotted)
        if function is not None:
            return function
        return self.model.resolve_class(dotted)

    # -- callees --------------------------------------------------------------------------
    def _function_at(self, dotted: str, hops: int = 0) -> Optional[Key]:
        """The project function a dotted name stands for (``shop.services.notify``,
        ``shop.services.Mailer.send``), following re-exports."""
        return self.model.follow_exports(dotted, _function_in, hops, self._method_at, _MAX_HOPS)

    def _method_at(self, dotted: str, hops: int) -> Optional[Key]:
        """`pkg.mod.Class.method`: a method of a project class."""
        class_name, _, name = dotted.rpartition(".")
        cls = self.model.resolve_class(class_name)
        return self._method_in(cls[0], cls[1], name) if cls is not None else None

    def _method_in(self, module: ModuleSummary, cls: ClassSummary, method: str,
                   skip_own: bool = False) -> Optional[Key]:
        for mod, current in self.model._class_chain(module, cls):
            if skip_own and current is cls:
                continue
            if method in current.methods:
                return (mod.module, f"{current.name}.{method}")
        return None

    def _attribute_class(self, module: ModuleSummary, cls: ClassSummary,
                         attribute: str) -> Optional[Tuple[ModuleSummary, ClassSummary]]:
        """The project class a class attribute holds or builds (``notifier = Notifier()``,
        ``service_class = Service``), looked up through the project bases."""
        for mod, current in self.model._class_chain(module, cls):
            value = current.attributes.get(attribute)
            text: Optional[str] = None
            if isinstance(value, dict) and isinstance(value.get("name"), str):
                text = value.get("resolved") or self.model.name_in(mod, value["name"])
            else:
                for fld in current.fields:
                    if fld.name == attribute:
                        text = fld.resolved or self.model.name_in(mod, fld.callee)
                        break
            if text:
                return self.model.resolve_class(text)
            if value is not None:
                return None
        return None

    def resolve_call(self, caller: Key, module: ModuleSummary, call: CallSummary) -> Optional[Key]:
        """The project function a call of ``caller`` runs, or None."""
        text = call.text
        cls_name = caller[1].rpartition(".")[0]
        head, _, rest = text.partition(".")
        if head in ("self", "cls", "super()") and cls_name and rest:
            cls = module.class_named(cls_name)
            if cls is None:
                return None
            parts = rest.split(".")
            if len(parts) == 1:
                return self._method_in(module, cls, parts[0], skip_own=head == "super()")
            if len(parts) == 2 and head != "super()":
                held = self._attribute_class(module, cls, parts[0])
                return self._method_in(held[0], held[1], parts[1]) if held is not None else None
            return None
        if "()." in text:  # `EmailService().send_verification`: a method of the class built
            built, _, method = text.partition("().")
            dotted = call.resolved or self.model.name_in(module, built)
            if dotted is None and "." not in built and module.class_named(built) is not None:
                dotted = f"{module.module}.{built}"
            built_class = self.model.resolve_class(dotted) if dotted and "." not in method else None
            return self._method_in(built_class[0], built_class[1], method) if built_class is not None else None
        if call.resolved:
            return self._function_at(call.resolved)
        if "." not in text:
            if module.function_named(text) is not None:
                return (module.module, text)
            cls = module.class_named(text)
            if cls is not None:
                return self._method_in(module, cls, "__init__")
            for star in module.star_imports:
                found = self._function_at(f"{star}.{text}")
                if found is not None:
                    return found
            return None
        if text.count(".") == 1:  # `Class.method` of a class of this module
            cls = module.class_named(head)
            if cls is not None:
                return self._method_in(module, cls, rest)
        return None

    def callees(self, key: Key) -> List[Edge]:
        """The calls of ``key`` that run project functions (memoised)."""
        cached = self._callees.get(key)
        if cached is not None:
            return cached
        edges: List[Edge] = []
        found = self.function(key)
        if found is not None:
            module, function = found
            for call in function.calls:
                self.work += 1
                target = self.resolve_call(key, module, call)
                if target is not None and target != key:
                    edges.append(Edge(key, target, call))
        self._callees[key] = edges
        return edges

    # -- callers --------------------------------------------------------------------------
    def callers(self, key: Key) -> Tuple[List[Edge], bool]:
        """(the calls of ``key`` in project functions, whether some call of its name
        could not be resolved: callers unknown). Only the modules whose text calls the
        name are read."""
        cached = self._callers.get(key)
        if cached is not None:
            return cached
        name = key[1].rpartition(".")[2]
        edges: List[Edge] = []
        unknown = False
        candidates = self.model.modules.calling(name)
        if len(candidates) > MAX_CALLER_MODULES:
            self._callers[key] = ([], True)
            return [], True
        for module_name in candidates:
            module = self.model.modules.get(module_name)
            if module is None:
                unknown = True
                continue
            seen_here = False
            for function in module.functions:
                caller = (module.module, function.name)
                for call in function.calls:
                    if call.text.rpartition(".")[2] != name:
                        continue
                    self.work += 1
                    seen_here = True
                    target = self.resolve_call(caller, module, call)
                    if target == key and caller != key:
                        edges.append(Edge(caller, key, call))
                    elif target is None:
                        unknown = True
            if not seen_here and module.module != key[0]:
                unknown = True  # a module-level call, a nested function, or the name in text
        if not edges and not unknown:
            unknown = self._may_be_called_unseen(key)
        self._callers[key] = (edges, unknown)
        return edges, unknown

    def _may_be_called_unseen(self, key: Key) -> bool:
        """A function no project code calls may still run: a framework calls a decorated
        function (``@receiver``, ``@property``) or a method of a class based on its
        classes (``form_valid``, ``save``), and a function handed over uncalled
        (``post_save.connect(f)``, ``Thread(target=f)``, a property read) is named where
        it is not called. Only a function whose name appears nowhere but in its own
        definition is known to be called by nobody."""
        found = self.function(key)
        if found is None:
            return True
        module, function = found
        if any(d.rsplit(".", 1)[-1] not in _PLAIN_DECORATORS for d in function.decorators):
            return True
        cls_name, _, name = key[1].rpartition(".")
        if cls_name:
            cls = module.class_named(cls_name)
            if cls is None:
                return True
            for text, resolved in zip(cls.bases, cls.resolved_bases):
                full = resolved or self.model.name_in(module, text) if text else None
                if text not in ("object", "") and (full is None or self.model.resolve_class(full) is None):
                    return True  # a framework's class: its hooks run without a project call
        return self.model.modules.mentions(name) > 0

    # -- composition ----------------------------------------------------------------------
    def effects_through(self, module: str, qualname: str, kind: str, depth: int = MAX_DEPTH) -> Optional[List[str]]:
        """The shortest chain from ``module.qualname`` to an effect of ``kind`` (one of
        :data:`.summary.EFFECTS`) through at most ``depth`` calls: ``["views.register",
        "services.send_welcome", "send_mail"]``; a function with the effect itself gives
        ``["views.register", "send_mail"]``. None when no chain is that short."""
        return self._chain_down((module, qualname), kind, depth)

    def _chain_down(self, key: Key, kind: str, depth: int) -> Optional[List[str]]:
        memo = (key, kind, depth)
        if memo in self._down:
            return self._down[memo]
        self._down[memo] = None  # a cycle back to here at the same depth finds nothing new
        found = self.function(key)
        result: Optional[List[str]] = None
        if found is not None:
            function = found[1]
            lines = function.effects.get(kind)
            if lines:
                result = [label(key), self._leaf(function, kind, lines[0])]
            elif depth > 0:
                for edge in self.callees(key):
                    self.work += 1
                    below = self._chain_down(edge.callee, kind, depth - 1)
                    if below is not None and (result is None or len(below) + 1 < len(result)):
                        result = [label(key)] + below
        self._down[memo] = result
        return result

    @staticmethod
    def _leaf(function: FunctionSummary, kind: str, line: int) -> str:
        if kind in ("mail", "blocking", "http"):
            for call in function.calls:
                if call.line == line:
                    return call.text
        return _EFFECT_LABELS.get(kind, kind)

    def caller_chain(self, module: str, qualname: str, follow: Callable[[Edge], bool],
                     goal: Callable[[Key, str], bool], depth: int = MAX_DEPTH) -> Optional[List[Key]]:
        """The shortest chain ``[top, ..., module.qualname]`` of calls that ``follow``
        accepts, from a function that is a ``goal`` (called with its entry kind, "" when
        it is none) or that no project code calls (no caller, and no call of its name
        left unresolved), within ``depth`` calls. Entry points that are not goals end
        their chain. Callers in test modules are never followed. None when there is no
        such chain: every caller is refused by ``follow``, or the chains end in unknown
        callers or past ``depth``."""
        start: Key = (module, qualname)
        queue: Deque[Tuple[Key, int]] = deque([(start, 0)])
        parent: Dict[Key, Optional[Key]] = {start: None}
        while queue:
            key, level = queue.popleft()
            kind = self.entry_kind(*key) or ""
            if goal(key, kind):
                return self._path(key, parent)
            if kind and key != start:
                continue  # another kind of entry point: its callers are not this chain's
            edges, unknown = self.callers(key)
            production = [e for e in edges if not self.in_tests(e.caller)]
            if not edges and not unknown:
                return self._path(key, parent)  # no project code calls it: judged as it stands
            if level >= depth:
                continue
            for edge in production:
                self.work += 1
                if edge.caller in parent or not follow(edge):
                    continue
                parent[edge.caller] = key
                queue.append((edge.caller, level + 1))
        return None

    def in_tests(self, key: Key) -> bool:
        module = self.model.modules.get(key[0])
        return module is not None and self.is_test_module(module)

    @staticmethod
    def _path(key: Key, parent: Dict[Key, Optional[Key]]) -> List[Key]:
        path: List[Key] = []
        current: Optional[Key] = key
        while current is not None and len(path) <= MAX_DEPTH + 1:
            path.append(current)
            current = parent.get(current)
        return path

    # -- for explain-model ------------------------------------------------------------------
    def direct_effects(self, key: Key) -> Dict[str, List[int]]:
        found = self.function(key)
        return dict(found[1].effects) if found is not None else {}

    def reached_effects(self, key: Key) -> Dict[str, List[str]]:
        """Every effect kind ``key`` reaches, with its shortest chain."""
        out: Dict[str, List[str]] = {}
        from .summary import EFFECTS

        for kind in EFFECTS:
            chain = self._chain_down(key, kind, MAX_DEPTH)
            if chain is not None:
                out[kind] = chain
        return out


def _function_in(module: ModuleSummary, name: str) -> Optional[Key]:
    return (module.module, name) if module.function_named(name) is not None else None


def visited_keys(graph: CallGraph) -> Set[Key]:
    """The functions whose callees were resolved so far (tests count the work with it)."""
    return set(graph._callees)
