"""The project model: cross-module facts joined from module summaries, lazily.

Nothing is computed until a rule asks; each answer is memoised. Every join is bounded
(inheritance and re-export chains stop after :data:`_MAX_HOPS`, cycles are cut), so a
project the model cannot make sense of gives fewer answers, never an error.

The questions rules ask:

* models (:meth:`ProjectModel.model`): is this class a Django model, its fields (own
  and inherited from project bases) with their kind and target, its unique sets, its
  default ordering and indexes, whether it (or a base) overrides ``save()``/``delete()``;
* settings (:meth:`ProjectModel.settings_modules`, :meth:`ProjectModel.setting`): the
  modules ``DJANGO_SETTINGS_MODULE`` names and what they import, modules of pydantic
  ``BaseSettings`` classes, literal setting values;
* views and serializers (:meth:`ProjectModel.view`, :meth:`ProjectModel.serializer`):
  the queryset a view serves (with its ``select_related``/``prefetch_related``), its
  serializer, whether it lists, and which serializers are used with ``many=True`` or by a
  list view;
* entry points and calls (:meth:`ProjectModel.entry_point`,
  :meth:`ProjectModel.effects_through`, and the whole :class:`.calls.CallGraph` from
  :meth:`ProjectModel.calls`): how a function is started, whom it calls and who calls
  it, what it does through its helpers.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Optional, Set, Tuple, TypeVar

from ..queries import QUERYSET_RETURNING
from .modules import FLAG_MANY, FLAG_PYDANTIC, FLAG_SETTINGS, FLAG_SQUASH, FLAG_STAR, FLAG_VIEWS, Modules
from .summary import Chain, ClassSummary, FieldSummary, ModuleSummary

if TYPE_CHECKING:
    from ..options import Options
    from .calls import CallGraph
    from .routes import RouteGuards

_MAX_HOPS = 25
_Info = TypeVar("_Info")

# -- what Django's names mean ----------------------------------------------------------
_MODEL_BASE_NAMES = frozenset({"AbstractUser", "AbstractBaseUser", "PermissionsMixin", "User", "Group", "Permission"})
_RELATIONS = {"ForeignKey": "fk", "OneToOneField": "o2o", "ManyToManyField": "m2m", "ParentalKey": "fk",
              "ParentalManyToManyField": "m2m"}
_INTEGER_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                             "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
                             "PositiveSmallIntegerField", "FloatField", "DecimalField"})
_KEY_LIKE_FIELDS = _INTEGER_FIELDS | {"UUIDField", "BooleanField", "NullBooleanField", "DateField",
                                      "DateTimeField", "TimeField", "DurationField"}
_LIST_VIEW_BASES = frozenset({"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet",
                              "ListView", "ListModelMixin"})
_SETTINGS_LINE = re.compile(r"^\s*DJANGO_SETTINGS_MODULE\s*[=:]\s*[\"']?([\w.]+)", re.MULTILINE)
_VIEW_SUFFIXES = ("View", "ViewSet", "APIView", "Mixin")
_SETTINGS_PACKAGES = frozenset({"settings", "config", "configs", "conf", "configuration"})


def _is_django_field_class(resolved: Optional[str]) -> bool:
    """``django.db.models.CharField``, ``django.contrib.postgres.fields.ArrayField``... (a
    form field, ``django.forms.CharField``, is not one)."""
    if not resolved or not resolved.startswith(("django.db.models.", "django.contrib.")) or ".forms" in resolved:
        return False
    last = resolved.rsplit(".", 1)[-1]
    return last.endswith("Field") or last in _RELATIONS or last == "ForeignObject"


def _is_pydantic_settings(resolved: Optional[str]) -> bool:
    if not resolved:
        return False
    return resolved.rsplit(".", 1)[-1] == "BaseSettings" and resolved.startswith(("pydantic", "pydantic_settings"))


def _is_django_model_base(resolved: Optional[str]) -> bool:
    if not resolved or not resolved.startswith("django."):
        return False
    last = resolved.rsplit(".", 1)[-1]
    return resolved.endswith(".models.Model") or resolved == "django.db.models.base.Model" or (
        resolved.startswith("django.contrib.") and last in _MODEL_BASE_NAMES
    )


# -- answers ----------------------------------------------------------------------------
@dataclass
class FieldInfo:
    name: str
    kind: str  # "fk" | "o2o" | "m2m" | "column"
    field_class: str  # the Django class it is or derives from: "ForeignKey", "CharField"
    declared_in: str  # dotted name of the class that declares it
    line: int
    target: Optional[str] = None  # a relation's model: "shop.models.Author" or an external name
    null: bool = False
    unique: bool = False
    db_index: bool = False
    primary_key: bool = False
    related_name: Optional[str] = None

    @property
    def is_forward_single(self) -> bool:
        """A ``ForeignKey`` or ``OneToOneField`` read from the declaring side: one row."""
        return self.kind in ("fk", "o2o")

    @property
    def is_relation(self) -> bool:
        return self.kind in ("fk", "o2o", "m2m")

    @property
    def rejects_text(self) -> bool:
        """A malformed string makes the database layer raise: a relation, a number, a
        UUID, a boolean, a date or time."""
        return self.is_relation or self.field_class in _KEY_LIKE_FIELDS


@dataclass
class ModelInfo:
    name: str  # dotted: "shop.models.Book"
    module: str
    line: int
    abstract: bool
    fields: Dict[str, FieldInfo] = field(default_factory=dict)
    unique_sets: List[Tuple[str, ...]] = field(default_factory=list)  # unconditional ones
    conditional_unique_sets: List[Tuple[str, ...]] = field(default_factory=list)
    ordering: Optional[List[str]] = None
    index_leads: List[str] = field(default_factory=list)  # first field of each index
    overrides: Dict[str, str] = field(default_factory=dict)  # "save"/"delete" -> class defining it
    managers: Dict[str, str] = field(default_factory=dict)  # attribute -> manager callee
    bases: List[str] = field(default_factory=list)  # project classes it derives from, nearest first
    external_bases: List[str] = field(default_factory=list)

    def unique_set_for(self, names: Iterable[str]) -> Optional[Tuple[str, ...]]:
        """The unconditional unique set made of exactly ``names`` (field or ``<fk>_id``
        names), or None."""
        wanted = {_plain_field(n) for n in names}
        for unique in self.unique_sets:
            if {_plain_field(n) for n in unique} == wanted:
                return unique
        return None


def _class_in(module: ModuleSummary, name: str) -> Optional[Tuple[ModuleSummary, ClassSummary]]:
    cls = module.class_named(name)
    return (module, cls) if cls is not None else None


def reverse_accessors(model: ModelInfo, relation: FieldInfo) -> Tuple[str, ...]:
    """The names under which ``relation``'s target reaches ``model``'s rows: its
    ``related_name``, else ``<model>_set``. Rows read through that related manager carry
    their parent already (Django sets it on each row)."""
    if relation.related_name:
        return () if relation.related_name.endswith("+") else (relation.related_name,)
    return (model.name.rsplit(".", 1)[-1].lower() + "_set",)


def _plain_field(name: str) -> str:
    return name[:-3] if name.endswith("_id") else name


@dataclass
class ViewInfo:
    name: str
    querysets: List[Chain] = field(default_factory=list)  # the `queryset` attribute and get_queryset() returns
    model: Optional[str] = None  # the model its querysets read
    serializers: List[str] = field(default_factory=list)  # dotted serializer classes
    lists: bool = False  # a list endpoint (list view base or a `list` method)

    def covers(self, relation: str, reverse: Iterable[str] = ()) -> bool:
        """Does every queryset the view serves load ``relation`` with it
        (``select_related``/``prefetch_related`` of it or through it)? A queryset built
        through a method we cannot read (a custom queryset method, a helper's result) may
        load it: yes. Rows of a related manager whose name is in ``reverse`` (the reverse
        accessors of ``relation``) carry their parent already: yes. ``.none()`` serves no
        rows."""
        served = [chain for chain in self.querysets if not (chain.links and chain.links[-1][0] == "none")]
        reverse = set(reverse)
        for chain in served:
            if any(method not in QUERYSET_RETURNING | {"iterator"} for method, _, _ in chain.links):
                continue  # a method of the project's own: it may load the relation
            if reverse and chain.root.rsplit(".", 1)[-1] in reverse:
                continue
            if not chain_covers(chain, relation):
                return False
        return True


@dataclass
class SerializerInfo:
    name: str
    model: Optional[str]
    fields: List[FieldSummary] = field(default_factory=list)
    many: bool = False  # used with many=True somewhere in the project
    list_views: List[str] = field(default_factory=list)  # list views serving it


def chain_covers(chain: Chain, relation: str) -> bool:
    """``relation`` (``author``, or a path ``author__publisher``) is loaded by the chain's
    ``select_related``/``prefetch_related`` (an argument-less ``select_related()`` loads
    every non-null forward relation; an opaque argument may load anything)."""
    for method, args, opaque in chain.links:
        if method not in ("select_related", "prefetch_related"):
            continue
        if opaque or (method == "select_related" and not args):
            return True
        for lookup in args:
            if lookup == relation or lookup.startswith(relation + "__"):
                return True
    return False


# -- the model -----------------------------------------------------------------------------
class ProjectModel:
    """Facts about one project, joined lazily from its modules' summaries."""

    def __init__(self, root: Path, modules: Modules, config_texts: Dict[str, str]) -> None:
        self.root = root
        self.modules = modules  # summaries by dotted name, decoded or computed on first use
        self._config_texts = config_texts
        self._classes: Dict[str, Optional[Tuple[ModuleSummary, ClassSummary]]] = {}
        self._models: Dict[str, Optional[ModelInfo]] = {}
        self._views: Dict[str, Optional[ViewInfo]] = {}
        self._serializers: Dict[str, Optional[SerializerInfo]] = {}
        self._settings: Optional[List[str]] = None
        self._named_settings: List[str] = []
        self._many: Optional[Set[str]] = None
        self._replaced: Optional[Set[Tuple[str, str]]] = None
        self._list_views_of: Optional[Dict[str, List[str]]] = None
        self._by_label: Optional[Dict[str, Dict[str, str]]] = None
        self._calls: Optional["CallGraph"] = None
        self._routes: Optional["RouteGuards"] = None

    # -- entry points and calls -----------------------------------------------------------
    def calls(self, options: Optional["Options"] = None) -> "CallGraph":
        """The project's entry points and call graph (one per run: the options of a run
        do not change; ``options`` give the handler-module globs and task decorators)."""
        if self._calls is None or (options is not None and self._calls.options is not options):
            from .calls import CallGraph

            self._calls = CallGraph(self, options)
        return self._calls

    def routes(self) -> "RouteGuards":
        """What guards the project's FastAPI routes (dependencies of the path operation,
        its router and the app; see :mod:`.routes`)."""
        if self._routes is None:
            from .routes import RouteGuards

            self._routes = RouteGuards(self)
        return self._routes

    def entry_point(self, module: str, qualname: str) -> Optional[str]:
        """"request", "task", "command" or "startup" when the project registers or
        declares ``module.qualname`` as such; None when the model sees no registration."""
        return self.calls().entry_point(module, qualname)

    def effects_through(self, module: str, qualname: str, kind: str) -> Optional[List[str]]:
        """The shortest call chain from ``module.qualname`` to an effect of ``kind``
        (``["views.register", "services.send_welcome", "send_mail"]``), or None."""
        return self.calls().effects_through(module, qualname, kind)

    def atomic_requests(self) -> bool:
        """``DATABASES[...]["ATOMIC_REQUESTS"] = True`` in the settings: Django runs every
        view inside a transaction."""
        databases = self.setting("DATABASES")
        return isinstance(databases, dict) and any(
            isinstance(alias, dict) and alias.get("ATOMIC_REQUESTS") is True for alias in databases.values()
        )

    # -- names ----------------------------------------------------------------------------
    def module_of(self, path: str) -> Optional[ModuleSummary]:
        """The summary of a module by its path relative to the root."""
        return self.modules.by_path(path)

    def module_for_file(self, filename: str) -> Optional[ModuleSummary]:
        """The summary of the module at ``filename`` (absolute, or relative to the
        working directory)."""
        try:
            relative = Path(os.getcwd(), filename).resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError, RuntimeError):
            return None
        return self.modules.by_path(relative)

    def resolve_class(self, dotted: str) -> Optional[Tuple[ModuleSummary, ClassSummary]]:
        """The project class a dotted name stands for, following re-exports
        (``from .book import Book`` in ``models/__init__.py``) and star imports."""
        if dotted in self._classes:
            return self._classes[dotted]
        self._classes[dotted] = None  # a cycle resolves to nothing
        found = self._resolve(dotted, 0)
        self._classes[dotted] = found
        return found

    def _resolve(self, dotted: str, hops: int) -> Optional[Tuple[ModuleSummary, ClassSummary]]:
        return self.follow_exports(dotted, _class_in, hops)

    def follow_exports(self, dotted: str, pick: Callable[[ModuleSummary, str], Optional[_Info]], hops: int = 0,
                       missing: Optional[Callable[[str, int], Optional[_Info]]] = None,
                       limit: int = _MAX_HOPS) -> Optional[_Info]:
        """``pick(module, name)`` in the project module ``dotted`` names, following its
        re-exports (``from .book import Book``) and star imports, at most ``limit`` deep;
        where no project module has that name, ``missing(dotted, hops)`` decides."""
        if hops > limit or "." not in dotted:
            return None
        module_name, _, name = dotted.rpartition(".")
        module = self.modules.get(module_name)
        if module is None:
            return missing(dotted, hops) if missing is not None else None
        found = pick(module, name)
        if found is not None:
            return found
        target = module.imports.get(name)
        if target is not None and target != dotted:
            return self.follow_exports(target, pick, hops + 1, missing, limit)
        for star in module.star_imports:
            found = self.follow_exports(f"{star}.{name}", pick, hops + 1, missing, limit)
            if found is not None:
                return found
        return None

    def name_in(self, module: ModuleSummary, text: str) -> Optional[str]:
        """The dotted name a name written in ``module`` stands for: a class defined there,
        or an import (``Book`` -> ``shop.models.Book``)."""
        head, _, rest = text.partition(".")
        if module.class_named(head) is not None and not rest:
            return f"{module.module}.{head}"
        target = module.imports.get(head)
        if target is not None:
            return f"{target}.{rest}" if rest else target
        for star in module.star_imports:
            candidate = f"{star}.{text}"
            if self.resolve_class(candidate) is not None:
                return candidate
        return None

    def _app_label(self, module: str) -> str:
        parts = module.split(".")
        if "models" in parts:
            index = parts.index("models")
            return parts[index - 1] if index > 0 else ""
        return parts[-2] if len(parts) > 1 else parts[0]

    def _models_by_label(self) -> Dict[str, Dict[str, str]]:
        if self._by_label is None:
            table: Dict[str, Dict[str, str]] = {}
            for module in self.modules.named_like(lambda name: "models" in name.split(".")):
                label = self._app_label(module.module)
                for cls in module.classes:
                    table.setdefault(label, {}).setdefault(cls.name, f"{module.module}.{cls.name}")
            self._by_label = table
        return self._by_label

    # -- models ---------------------------------------------------------------------------
    def model(self, dotted: Optional[str]) -> Optional[ModelInfo]:
        """The model a dotted class name stands for, or None (not a model, or not
        readable: an external class, a cycle)."""
        return self._per_class(dotted, self._models, self._build_model)

    def _build_model(self, module: ModuleSummary, cls: ClassSummary) -> Optional[ModelInfo]:
        name = f"{module.module}.{cls.name}"
        project_bases: List[ModelInfo] = []
        external: List[str] = []
        is_model = False
        for text, resolved in zip(cls.bases, cls.resolved_bases):
            full = resolved or (self.name_in(module, text) if text else None)
            if full and _is_django_model_base(full):
                is_model = True
                continue
            base = self.model(full) if full else None
            if base is not None:
                project_bases.append(base)
                is_model = True
            elif full and self.resolve_class(full) is None:
                external.append(full)
        own_fields = [f for f in cls.fields if self._field_class(module, f) is not None]
        if not is_model and not (own_fields and external):
            return None  # no Django model base, and no Django field on an external base
        info = ModelInfo(name=name, module=module.module, line=cls.line, abstract=bool(cls.meta.get("abstract")),
                         external_bases=external)
        for base in reversed(project_bases):  # nearest base last: it wins
            info.bases.append(base.name)
            info.bases.extend(b for b in base.bases if b not in info.bases)
            for field_name, base_field in base.fields.items():
                info.fields[field_name] = base_field
            info.overrides.update(base.overrides)
            info.managers.update(base.managers)
            if base.abstract:
                info.unique_sets.extend(base.unique_sets)
                info.conditional_unique_sets.extend(base.conditional_unique_sets)
        for fld in cls.fields:
            field_class = self._field_class(module, fld)
            if field_class is None:
                callee = fld.resolved or fld.callee
                if callee.rsplit(".", 1)[-1].endswith("Manager") or callee.endswith(".as_manager"):
                    info.managers[fld.name] = callee
                continue
            info.fields[fld.name] = self._field_info(module, cls, fld, field_class)
        for method in ("save", "delete"):
            if method in cls.methods or "a" + method in cls.methods:
                info.overrides[method] = name
        self._meta_facts(info, cls, project_bases)
        return info

    def django_field_class(self, dotted: Optional[str]) -> Optional[str]:
        """The Django field class a class is or derives from (``CharField``), or None: a
        third-party field class (``ImageSpecField``) is no model field."""
        return self._django_field_of(dotted, 0)

    def knows_module_of(self, dotted: str) -> bool:
        """Is the module a dotted name lives in one of the project's own?"""
        return dotted.rpartition(".")[0] in self.modules

    def _field_class(self, module: ModuleSummary, fld: FieldSummary, hops: int = 0) -> Optional[str]:
        """The Django field class a field's callee is or derives from (through project
        subclasses), or None: a third-party field (``ImageSpecField``) is no column."""
        resolved = fld.resolved or self.name_in(module, fld.callee)
        return self._django_field_of(resolved, hops)

    def _django_field_of(self, resolved: Optional[str], hops: int) -> Optional[str]:
        if not resolved or hops > _MAX_HOPS:
            return None
        if _is_django_field_class(resolved):
            return resolved.rsplit(".", 1)[-1]
        found = self.resolve_class(resolved)
        if found is None:
            return None
        mod, cls = found
        for text, base in zip(cls.bases, cls.resolved_bases):
            result = self._django_field_of(base or (self.name_in(mod, text) if text else None), hops + 1)
            if result is not None:
                return result
        return None

    def _field_info(self, module: ModuleSummary, cls: ClassSummary, fld: FieldSummary, field_class: str) -> FieldInfo:
        kind = _RELATIONS.get(field_class, "column")
        options = fld.options
        info = FieldInfo(
            name=fld.name, kind=kind, field_class=field_class, declared_in=f"{module.module}.{cls.name}",
            line=fld.line, null=options.get("null") is True, unique=options.get("unique") is True,
            db_index=options.get("db_index") is True, primary_key=options.get("primary_key") is True,
            related_name=options.get("related_name") if isinstance(options.get("related_name"), str) else None,
        )
        if kind == "o2o":
            info.unique = True
        if kind != "column":
            target = fld.target or (options.get("to") if isinstance(options.get("to"), str) else None)
            info.target = self._relation_target(module, cls, target)
        return info

    def _relation_target(self, module: ModuleSummary, cls: ClassSummary, target: Optional[str]) -> Optional[str]:
        if not target:
            return None
        if target == "self":
            return f"{module.module}.{cls.name}"
        if target in ("settings.AUTH_USER_MODEL", "AUTH_USER_MODEL"):
            value = self.setting("AUTH_USER_MODEL")
            target = value if isinstance(value, str) else "auth.User"
        if "." in target and target.count(".") == 1 and target.split(".")[0][:1].islower() \
                and target.split(".")[1][:1].isupper():
            label, name = target.split(".")
            if label == "auth" and name in ("User", "Group", "Permission"):
                return f"django.contrib.auth.models.{name}"
            found = self._models_by_label().get(label, {}).get(name)
            if found is not None:
                return found
        resolved = self.name_in(module, target)
        if resolved is not None:
            return resolved
        if "." not in target:  # a lazy reference to a model of the same app
            found = self._models_by_label().get(self._app_label(module.module), {}).get(target)
            if found is not None:
                return found
        return target

    def _meta_facts(self, info: ModelInfo, cls: ClassSummary, bases: List[ModelInfo]) -> None:
        meta = cls.meta
        abstract_bases = [b for b in bases if b.abstract]
        ordering = meta.get("ordering")
        if isinstance(ordering, list):
            info.ordering = [o for o in ordering if isinstance(o, str)]
        elif not meta and abstract_bases:
            info.ordering = abstract_bases[0].ordering  # an undeclared Meta inherits the base's
        for fld in info.fields.values():
            if fld.unique or fld.primary_key:
                info.unique_sets.append((fld.name,))
        together = meta.get("unique_together")
        if isinstance(together, list) and together:
            groups = together if isinstance(together[0], list) else [together]
            for group in groups:
                if isinstance(group, list) and all(isinstance(n, str) for n in group):
                    info.unique_sets.append(tuple(group))
        for constraint in meta.get("constraints") or ():
            if not isinstance(constraint, dict) or constraint.get("kind") != "UniqueConstraint":
                continue
            names = constraint.get("fields")
            if not isinstance(names, list) or constraint.get("expressions"):
                continue
            target = info.conditional_unique_sets if constraint.get("condition") else info.unique_sets
            target.append(tuple(names))
        for index in meta.get("indexes") or ():
            names = index.get("fields") if isinstance(index, dict) else None
            if isinstance(names, list) and names and isinstance(names[0], str):
                info.index_leads.append(names[0].lstrip("-"))
        together = meta.get("index_together")
        if isinstance(together, list) and together:
            groups = together if isinstance(together[0], list) else [together]
            info.index_leads.extend(g[0] for g in groups if isinstance(g, list) and g and isinstance(g[0], str))
        for base in abstract_bases:
            info.index_leads.extend(base.index_leads)

    # -- settings -------------------------------------------------------------------------
    def settings_modules(self) -> List[str]:
        """The settings modules: those ``DJANGO_SETTINGS_MODULE`` names (in ``manage.py``,
        ``wsgi.py``, a Celery app, ``pytest.ini``/``setup.cfg``/``tox.ini``/
        ``pyproject.toml``), the project modules they import (star imports included),
        and the modules of pydantic ``BaseSettings`` classes."""
        if self._settings is None:
            named: List[str] = []
            for module in self.modules.with_flag(FLAG_SETTINGS):
                named.extend(module.settings_refs)
            for text in self._config_texts.values():
                named.extend(_SETTINGS_LINE.findall(text))
            found: List[str] = []
            pending = [n for n in dict.fromkeys(named) if n in self.modules]
            self._named_settings = list(pending)
            hops = 0
            while pending and hops < 1000:
                hops += 1
                name = pending.pop(0)
                if name in found:
                    continue
                found.append(name)
                module = self.modules[name]
                pending.extend(s for s in module.star_imports if s in self.modules and s not in found)
                # `settings/__init__.py` importing `.base`, `.local`: a settings package's
                # own modules (not the code a settings module happens to import)
                package = name if module.path.endswith("__init__.py") else name.rpartition(".")[0]
                if package.rpartition(".")[2] in _SETTINGS_PACKAGES or package == name:
                    for target in module.imports.values():
                        for candidate in (target, target.rpartition(".")[0]):
                            if candidate in self.modules and candidate not in found \
                                    and candidate.rpartition(".")[0] == package:
                                pending.append(candidate)
                                break
            # a module that star-imports a settings module overrides it: settings too
            # (`settings/prod.py: from .base import *` that only the deployment names)
            overriding = [m for m in self.modules.with_flag(FLAG_STAR) if m.star_imports]
            grew = True
            while grew and hops < 1000:
                grew = False
                for module in overriding:
                    hops += 1
                    if module.module not in found and any(s in found for s in module.star_imports):
                        found.append(module.module)
                        grew = True
            for module in self.modules.with_flag(FLAG_PYDANTIC):
                if module.module not in found and any(
                    _is_pydantic_settings(base) for cls in module.classes for base in cls.resolved_bases
                ):
                    found.append(module.module)
            self._settings = found
        return self._settings

    def named_settings_modules(self) -> List[str]:
        """The settings modules ``DJANGO_SETTINGS_MODULE`` names itself (what a process loads)."""
        self.settings_modules()
        return list(self._named_settings)

    def overriding_modules(self, module: str) -> List["ModuleSummary"]:
        """The modules that star-import ``module`` (and so override what it binds): settings
        modules when ``module`` is one."""
        return [summary for summary in self.modules.with_flag(FLAG_STAR) if module in summary.star_imports]

    def is_settings_path(self, path: str) -> bool:
        module = self.modules.by_path(path)
        return module is not None and module.module in self.settings_modules()

    def setting(self, name: str) -> object:
        """A setting's literal value in the settings modules (the last module of the
        chain that binds it wins, as a star import's rebinding does), or None."""
        modules = self.settings_modules()
        if not modules:
            return None
        named = self.modules[modules[0]].constants
        if name in named:
            return named[name]  # the module Django loads has the last word
        value: object = None
        for module in modules[1:]:  # what it imports, in order: a later import rebinds
            constants = self.modules[module].constants
            if name in constants:
                value = constants[name]
        return value

    # -- views and serializers ------------------------------------------------------------
    def view(self, dotted: Optional[str]) -> Optional[ViewInfo]:
        """What a view class serves: its querysets, their model, its serializers, whether
        it lists (inherited attributes and methods from project bases included)."""
        return self._per_class(dotted, self._views, self._build_view)

    def _per_class(self, dotted: Optional[str], built: Dict[str, Optional[_Info]],
                   build: Callable[[ModuleSummary, ClassSummary], Optional[_Info]]) -> Optional[_Info]:
        """``build`` run once per project class ``dotted`` resolves to, remembered in
        ``built`` by the class's own dotted name (a cycle back to it reads None)."""
        if not dotted:
            return None
        found = self.resolve_class(dotted)
        if found is None:
            return None
        key = f"{found[0].module}.{found[1].name}"
        if key not in built:
            built[key] = None
            built[key] = build(*found)
        return built[key]

    def _class_chain(self, module: ModuleSummary, cls: ClassSummary) -> List[Tuple[ModuleSummary, ClassSummary]]:
        """The class and its project bases, nearest first (depth-first, bounded)."""
        out: List[Tuple[ModuleSummary, ClassSummary]] = []
        pending = [(module, cls)]
        while pending and len(out) < _MAX_HOPS:
            mod, current = pending.pop(0)
            if any(c is current for _, c in out):
                continue
            out.append((mod, current))
            for text, resolved in zip(current.bases, current.resolved_bases):
                full = resolved or (self.name_in(mod, text) if text else None)
                base = self.resolve_class(full) if full else None
                if base is not None:
                    pending.append(base)
        return out

    def _build_view(self, module: ModuleSummary, cls: ClassSummary) -> Optional[ViewInfo]:
        chain = self._class_chain(module, cls)
        info = ViewInfo(name=f"{module.module}.{cls.name}")
        base_names = {b.rsplit(".", 1)[-1] for _, c in chain for b in c.bases if b}
        if not any(b.endswith(_VIEW_SUFFIXES) for b in base_names):
            return None
        info.lists = bool(base_names & _LIST_VIEW_BASES) or any("list" in c.methods for _, c in chain)
        attribute: Optional[Chain] = None
        overrides: List[Tuple[ModuleSummary, List[Chain]]] = []  # get_queryset() returns, nearest first
        for mod, current in chain:
            queryset = current.attributes.get("queryset")
            if attribute is None and isinstance(queryset, Chain):
                attribute = queryset
                info.model = info.model or self._chain_model(mod, queryset)
            if "get_queryset" in current.methods and current.queryset_returns:
                overrides.append((mod, current.queryset_returns))
            serializer = current.attributes.get("serializer_class")
            if isinstance(serializer, dict) and serializer.get("name") and not info.serializers:
                full = serializer.get("resolved") or self.name_in(mod, serializer["name"])
                if full:
                    info.serializers.append(full)
            for text in current.serializer_returns:
                full = self.name_in(mod, text)
                if full and full not in info.serializers:
                    info.serializers.append(full)
            model_attr = current.attributes.get("model")
            if info.model is None and isinstance(model_attr, dict) and model_attr.get("name"):
                info.model = model_attr.get("resolved") or self.name_in(mod, model_attr["name"])
        info.querysets = self._served(overrides, attribute)
        for mod, returns in overrides:
            for served in returns:
                info.model = info.model or self._chain_model(mod, served)
        if not info.querysets and not info.serializers and not info.model:
            return None
        return info

    @staticmethod
    def _served(overrides: List[Tuple[ModuleSummary, List[Chain]]], attribute: Optional[Chain]) -> List[Chain]:
        """The querysets a view serves: the nearest ``get_queryset()``'s returns, where
        ``super().get_queryset()`` and ``self.queryset`` stand for what the next class up
        serves (its own ``get_queryset()``, else the ``queryset`` attribute)."""
        served: List[Chain] = [attribute] if attribute is not None else []
        for _, returns in reversed(overrides[:_MAX_HOPS]):
            below = served
            served = []
            for chain in returns:
                if chain.root == "super" or chain.root == "self.queryset":
                    links = chain.links[1:] if chain.root == "super" else chain.links
                    served.extend(Chain(b.root, b.resolved, b.links + links) for b in below)
                    if not below:
                        served.append(Chain(chain.root, None, links))
                else:
                    served.append(chain)
            served = served[:20]
        return served

    def _chain_model(self, module: ModuleSummary, chain: Chain) -> Optional[str]:
        root = chain.root
        if root.endswith((".objects", "._default_manager", "._base_manager")):
            head = root.rsplit(".", 1)[0]
            full = self.name_in(module, head)
            if full and self.model(full) is not None:
                return self.model(full).name  # type: ignore[union-attr]
        return None

    def serializer(self, dotted: Optional[str]) -> Optional[SerializerInfo]:
        return self._per_class(dotted, self._serializers, self._build_serializer)

    def _build_serializer(self, module: ModuleSummary, cls: ClassSummary) -> Optional[SerializerInfo]:
        key = f"{module.module}.{cls.name}"
        chain = self._class_chain(module, cls)
        if not any(b.rsplit(".", 1)[-1].endswith("Serializer") for _, c in chain for b in c.bases if b):
            return None
        info = SerializerInfo(name=key, model=None)
        for mod, current in chain:
            model = current.meta.get("model")
            if info.model is None and isinstance(model, dict) and model.get("name"):
                info.model = model.get("resolved") or self.name_in(mod, model["name"])
                if info.model is not None and self.model(info.model) is not None:
                    info.model = self.model(info.model).name  # type: ignore[union-attr]
            known = {f.name for f in info.fields}
            info.fields.extend(f for f in current.fields if f.name not in known)
        info.many = key in self.many_serializers()
        info.list_views = self._list_views().get(key, [])
        return info

    def replaced_migrations(self) -> Set[Tuple[str, str]]:
        """(app label, migration name) of the migrations a squashed migration replaces
        (its ``replaces = [("shop", "0001_initial"), ...]``). Once the squash is applied
        Django never runs them again: they are history, kept until deleted."""
        if self._replaced is None:
            replaced: Set[Tuple[str, str]] = set()
            for module in self.modules.with_flag(FLAG_SQUASH):
                for cls in module.classes:
                    value = cls.attributes.get("replaces")
                    literal = value.get("literal") if isinstance(value, dict) else None
                    for pair in literal if isinstance(literal, list) else ():
                        if isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                            replaced.add((pair[0], pair[1]))
            self._replaced = replaced
        return self._replaced

    def is_replaced_migration(self, path: str) -> bool:
        """Is the migration file at ``path`` (``.../<app>/migrations/0001_x.py``) replaced by a
        squashed migration? The app label is the folder above ``migrations`` (Django's
        default label)."""
        parts = path.replace(os.sep, "/").split("/")
        if len(parts) < 3 or parts[-2] != "migrations" or not parts[-1].endswith(".py"):
            return False
        name, app = parts[-1][:-3], parts[-3]
        return (app, name) in self.replaced_migrations()

    def many_serializers(self) -> Set[str]:
        """Dotted names of the classes some project code calls with ``many=True``."""
        if self._many is None:
            resolved: Set[str] = set()
            for module in self.modules.with_flag(FLAG_MANY):
                for text in module.many_serializers:
                    # the summary resolved imported names; a bare name is the module's own
                    full = text if "." in text else f"{module.module}.{text}"
                    found = self.resolve_class(full)
                    if found is not None:
                        resolved.add(f"{found[0].module}.{found[1].name}")
            self._many = resolved
        return self._many

    def _list_views(self) -> Dict[str, List[str]]:
        """serializer -> the list views that serve it."""
        if self._list_views_of is None:
            table: Dict[str, List[str]] = {}
            for module in self.modules.with_flag(FLAG_VIEWS):
                for cls in module.classes:
                    if "serializer_class" not in cls.attributes and not cls.serializer_returns:
                        continue
                    view = self.view(f"{module.module}.{cls.name}")
                    if view is None or not view.lists:
                        continue
                    for serializer in view.serializers:
                        found = self.resolve_class(serializer)
                        key = f"{found[0].module}.{found[1].name}" if found else serializer
                        table.setdefault(key, []).append(view.name)
            self._list_views_of = table
        return self._list_views_of
