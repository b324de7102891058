"""``python -m flake8_backend_rules explain-model PATH::Name``: what the project model
believes about a class (a model, a view, a serializer), so a finding can be explained."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

from . import ProjectModels
from .model import ProjectModel
from .summary import Chain


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
    found = model.resolve_class(dotted)
    if found is None:
        raise ValueError(f"{name}: no class of that name in {module.module} ({path})")
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
