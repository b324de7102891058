"""``python -m flake8_backend_rules explain-model PATH::Name``: what the project model
believes about a class (a model, a view, a serializer) or a function (``PATH::func``,
``PATH::Class.method``: its entry-point kind, callers, callees and effects), so a finding
can be explained."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

from . import ProjectModels
from ..options import build_options
from .calls import MAX_DEPTH, CallGraph, label
from .model import ProjectModel
from .summary import Chain, ModuleSummary


def render_chain(chain: Chain) -> str:
    links = "".join(
        f".{method}({', '.join([repr(a) for a in args] + (['...'] if opaque else []))})"
        for method, args, opaque in chain.links
    )
    return chain.root + links


def explain(target: str, models: ProjectModels) -> List[str]:
    """The lines to print for ``PATH::Name``; raises ValueError with a message for the user."""
    path, sep, name = target.partition("::")
    if not sep or not name:
        raise ValueError(f"{target!r}: expected PATH::Name, e.g. shop/models.py::Order")
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file")
    model = models.for_file(path)
    if model is None:
        raise ValueError(f"{path}: not inside a project the model can read (no pyproject.toml, setup.cfg, "
                         "setup.py, manage.py or .git above it, or too large)")
    relative = Path(path).resolve().relative_to(model.root).as_posix()
    module = model.module_of(relative)
    if module is None:
        raise ValueError(f"{path}: not a module of the project at {model.root}")
    dotted = f"{module.module}.{name}"
    if module.function_named(name) is not None:
        return _function_lines(model, module, name)
    found = model.resolve_class(dotted)
    if found is None:
        raise ValueError(f"{name}: no class or function of that name in {module.module} ({path})")
    lines = [f"{dotted}  (project root: {model.root}, module {module.path}, line {found[1].line})"]
    lines += _model_lines(model, dotted) or []
    lines += _view_lines(model, dotted) or []
    lines += _serializer_lines(model, dotted) or []
    if len(lines) == 1:
        lines.append("  not a model, a view or a serializer the model recognises; bases: "
                     + (", ".join(b for b in found[1].bases) or "none"))
    return lines


def _model_lines(model: ProjectModel, dotted: str) -> Optional[List[str]]:
    info = model.model(dotted)
    if info is None:
        return None
    out = [f"  Django model{' (abstract)' if info.abstract else ''}"]
    if info.bases:
        out.append("  project bases: " + ", ".join(info.bases))
    if info.external_bases:
        out.append("  external bases (not read): " + ", ".join(info.external_bases))
    out.append("  fields:")
    for fld in info.fields.values():
        flags = [f for f in ("null", "unique", "db_index", "primary_key") if getattr(fld, f)]
        target = f" -> {fld.target}" if fld.target else ""
        related = f" related_name={fld.related_name!r}" if fld.related_name else ""
        inherited = "" if fld.declared_in == info.name else f" (from {fld.declared_in})"
        out.append(f"    {fld.name}: {fld.field_class} [{fld.kind}]{target}{related}"
                   f"{' ' + ' '.join(flags) if flags else ''}{inherited}")
    out.append("  unique together: " + ("; ".join("(" + ", ".join(u) + ")" for u in info.unique_sets) or "none"))
    if info.conditional_unique_sets:
        out.append("  conditional unique: " + "; ".join("(" + ", ".join(u) + ")" for u in info.conditional_unique_sets))
    out.append(f"  ordering: {info.ordering if info.ordering is not None else 'none'}")
    out.append("  index leads: " + (", ".join(info.index_leads) or "none"))
    out.append("  overrides: " + (", ".join(f"{m}() in {where}" for m, where in info.overrides.items()) or "none"))
    if info.managers:
        out.append("  managers: " + ", ".join(f"{k} = {v}" for k, v in info.managers.items()))
    return out


def _view_lines(model: ProjectModel, dotted: str) -> Optional[List[str]]:
    info = model.view(dotted)
    if info is None:
        return None
    out = [f"  view{' (lists rows)' if info.lists else ''}"]
    for chain in info.querysets:
        out.append(f"    queryset: {render_chain(chain)}")
    if info.model:
        out.append(f"    model: {info.model}")
    if info.serializers:
        out.append("    serializers: " + ", ".join(info.serializers))
    return out


def _serializer_lines(model: ProjectModel, dotted: str) -> Optional[List[str]]:
    info = model.serializer(dotted)
    if info is None or (info.model is None and not info.fields and not info.many and not info.list_views):
        return None
    out = ["  serializer"]
    out.append(f"    model: {info.model or 'unknown'}")
    for fld in info.fields:
        options = ", ".join(f"{k}={v!r}" for k, v in fld.options.items())
        out.append(f"    field {fld.name}: {fld.callee}({options})")
    out.append(f"    used with many=True: {'yes' if info.many else 'no'}")
    out.append("    served by list views: " + (", ".join(info.list_views) or "none"))
    return out


def _function_lines(model: ProjectModel, module: ModuleSummary, qualname: str) -> List[str]:
    graph: CallGraph = model.calls(build_options({}))
    key = (module.module, qualname)
    function = module.function_named(qualname)
    assert function is not None
    lines = [f"{module.module}.{qualname}  (function; project root: {model.root}, module {module.path}, "
             f"line {function.line})"]
    declared = graph.entry_point(*key)
    named = graph.entry_kind(*key)
    if declared:
        lines.append(f"  entry point: {declared} (registered or declared)")
    elif named:
        lines.append(f"  entry point: {named} (by its name or module: no registration seen)")
    else:
        lines.append("  entry point: none (a helper: judged by its callers)")
    edges, unknown = graph.callers(key)
    lines.append("  callers:" + ("" if edges else " none found"))
    for edge in edges:
        where = ", inside transaction.atomic()" if edge.call.atomic else ""
        flows = ", returns its value" if edge.call.returned else ""
        lines.append(f"    {label(edge.caller)} (line {edge.call.line}{where}{flows})")
    if unknown:
        lines.append("    (and uses of its name the model cannot follow: callers not all known)")
    callees = graph.callees(key)
    lines.append("  calls into the project:" + ("" if callees else " none"))
    for edge in callees:
        lines.append(f"    {label(edge.callee)} (line {edge.call.line}: {edge.call.text}(...))")
    own = graph.direct_effects(key)
    lines.append("  effects of its own: " + (
        "; ".join(f"{kind} (line {', '.join(str(n) for n in found)})" for kind, found in own.items()) or "none"))
    reached = {kind: chain for kind, chain in graph.reached_effects(key).items() if kind not in own}
    lines.append(f"  effects through its calls (up to {MAX_DEPTH} calls):" + ("" if reached else " none"))
    for kind, chain in reached.items():
        lines.append(f"    {kind}: {' -> '.join(chain)}")
    return lines
