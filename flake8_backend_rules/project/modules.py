"""The project's modules, summarised on demand.

A run lists every module of the project (its path, dotted name and content key) and a few
*flags* read from its text (does it mention ``DJANGO_SETTINGS_MODULE``, ``BaseSettings``,
``many=True``, ``serializer_class``?). A module's full summary is only decoded (from the
cache) or computed (by parsing the file) when a rule's question needs that module: most
runs read the models modules and a few others, not the whole project. The flags say
which modules the project-wide questions must read (the settings named anywhere, the
serializers used with ``many=True``, the list views), so even those read only the
candidates; a flag is a filter, the summary decides.
"""
from __future__ import annotations

import ast
import io
import json
import logging
import re
import tokenize
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

from ..budget import WORK
from .summary import ModuleSummary, from_json, summarise, to_json

LOG = logging.getLogger("flake8.backend_rules")

FLAG_SETTINGS = 1  # names DJANGO_SETTINGS_MODULE
FLAG_PYDANTIC = 2  # mentions BaseSettings
FLAG_MANY = 4  # calls something with many=True
FLAG_VIEWS = 8  # sets a serializer_class (or picks one)
FLAG_STAR = 16  # star-imports a module (a settings module overriding another)
FLAG_SQUASH = 32  # a squashed migration: says which migrations it `replaces`
FLAG_REGISTERS = 64  # may register entry points another module defines (urls, routers, app factories)
FLAG_DEPENDS = 128  # FastAPI dependencies, routers or apps (which routes need authentication)
_MARKERS = ((b"DJANGO_SETTINGS_MODULE", FLAG_SETTINGS), (b"BaseSettings", FLAG_PYDANTIC), (b"many=True", FLAG_MANY),
            (b"serializer_class", FLAG_VIEWS), (b"import *", FLAG_STAR), (b"replaces", FLAG_SQUASH),
            (b"urlpatterns", FLAG_REGISTERS), (b".register(", FLAG_REGISTERS), (b"add_api_route", FLAG_REGISTERS),
            (b"add_url_rule", FLAG_REGISTERS), (b"lifespan", FLAG_REGISTERS), (b"Route(", FLAG_REGISTERS),
            (b"add_event_handler", FLAG_REGISTERS), (b"on_startup", FLAG_REGISTERS), (b"Depends(", FLAG_DEPENDS),
            (b"Security(", FLAG_DEPENDS), (b"include_router", FLAG_DEPENDS), (b"APIRouter(", FLAG_DEPENDS),
            (b"FastAPI(", FLAG_DEPENDS))
# The names a module calls (`foo(`, `.foo(`; not `def foo(` or `class Foo(`): which modules
# may call a function, so that finding its callers parses only those.
_CALLED_NAME = re.compile(rb"(?<!def )(?<!class )\b([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(")
#: How many names a run may look for in every file's text (:meth:`Modules.mentions`).
MAX_MENTION_SCANS = 20


def text_flags(content: bytes) -> int:
    flags = 0
    for marker, flag in _MARKERS:
        if marker in content:
            flags |= flag
    return flags


def called_names(content: bytes) -> str:
    """The names ``content`` calls, sorted, space-separated (a filter: comments and
    strings count too; the summary decides)."""
    found = {m.decode("ascii", "replace") for m in _CALLED_NAME.findall(content)}
    return " ".join(sorted(found))


def summary_flags(summary: ModuleSummary) -> int:
    """The flags a summary itself shows (exact, for a buffer the disk does not hold)."""
    flags = 0
    if summary.settings_refs:
        flags |= FLAG_SETTINGS
    if any((base or "").endswith("BaseSettings") for cls in summary.classes for base in cls.resolved_bases):
        flags |= FLAG_PYDANTIC
    if summary.many_serializers:
        flags |= FLAG_MANY
    if any("serializer_class" in cls.attributes or cls.serializer_returns for cls in summary.classes):
        flags |= FLAG_VIEWS
    if summary.star_imports:
        flags |= FLAG_STAR
    if any("replaces" in cls.attributes for cls in summary.classes):
        flags |= FLAG_SQUASH
    if summary.registrations:
        flags |= FLAG_REGISTERS
    if summary.routers or summary.includes or summary.dependency_aliases or any(f.depends for f in summary.functions):
        flags |= FLAG_DEPENDS
    return flags


def summary_names(summary: ModuleSummary) -> str:
    """The names a summary's functions call (for a buffer the disk does not hold)."""
    found = {call.text.rsplit(".", 1)[-1] for function in summary.functions for call in function.calls}
    return " ".join(sorted(found))


def _name_tokens(content: bytes, name: str, fallback: int) -> int:
    """The NAME tokens ``name`` in ``content`` that do not name a ``def`` or a ``class``
    (``fallback`` when it does not tokenize)."""
    count = 0
    previous = ""
    try:
        for token in tokenize.tokenize(io.BytesIO(content).readline):
            if token.type == tokenize.NAME:
                if token.string == name and previous not in ("def", "class"):
                    count += 1
                previous = token.string
            elif token.type not in (tokenize.NL, tokenize.COMMENT):
                previous = ""
    except (tokenize.TokenError, SyntaxError, ValueError):
        return fallback
    return count


class Entry:
    """One module of the project: where it is and how to get its summary."""

    __slots__ = ("path", "full", "module", "is_package", "key", "flags", "names")

    def __init__(self, path: str, full: Path, module: str, is_package: bool, key: str, flags: int,
                 names: str = "") -> None:
        self.path = path
        self.full = full
        self.module = module
        self.is_package = is_package
        self.key = key
        self.flags = flags
        self.names = names  # the names it calls (called_names)


# A summary computed here, to store: (key, JSON-able data).
Store = Callable[[str, dict], None]


class Modules:
    """Module summaries by dotted name and by path, decoded or computed on first use."""

    def __init__(self, entries: List[Entry], raw: Dict[str, str], store: Optional[Store] = None) -> None:
        self._by_name: Dict[str, Entry] = {}
        self._by_path: Dict[str, Entry] = {}
        for entry in entries:
            self._by_name.setdefault(entry.module, entry)
            self._by_path[entry.path] = entry
        self._raw = raw  # key -> the cached summary's JSON text (decoded on demand)
        self._store = store
        self._summaries: Dict[str, Optional[ModuleSummary]] = {}  # by path
        self._callers_index: Optional[Dict[str, List[Entry]]] = None
        self._mentions: Dict[str, int] = {}
        self.computed = 0  # summaries computed by parsing, this run

    # -- lookups --------------------------------------------------------------------------
    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> List[str]:
        return list(self._by_name)

    def get(self, name: str) -> Optional[ModuleSummary]:
        entry = self._by_name.get(name)
        return self._summary(entry) if entry is not None else None

    def __getitem__(self, name: str) -> ModuleSummary:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def by_path(self, path: str) -> Optional[ModuleSummary]:
        entry = self._by_path.get(path)
        return self._summary(entry) if entry is not None else None

    def with_flag(self, flag: int) -> Iterator[ModuleSummary]:
        """The summaries of the modules whose text shows ``flag``."""
        for entry in list(self._by_name.values()):
            if entry.flags & flag:
                summary = self._summary(entry)
                if summary is not None:
                    yield summary

    def named_like(self, predicate: Callable[[str], bool]) -> Iterator[ModuleSummary]:
        for name, entry in list(self._by_name.items()):
            if predicate(name):
                summary = self._summary(entry)
                if summary is not None:
                    yield summary

    def calling(self, name: str) -> List[str]:
        """Dotted names of the modules whose text calls ``name`` (``name(`` or
        ``.name(``): the only modules that may hold a call of a function so named."""
        if self._callers_index is None:
            index: Dict[str, List[Entry]] = {}
            for entry in self._by_name.values():
                for called in entry.names.split():
                    index.setdefault(called, []).append(entry)
            self._callers_index = index
        return [entry.module for entry in self._callers_index.get(name, ())]

    def mentions(self, name: str) -> int:
        """How many times the name ``name`` occurs in the project's code (calls and
        references; not definitions, comments or strings). Reads every file: asked
        only about the few functions that seem called by nobody, at most
        :data:`MAX_MENTION_SCANS` names a run (past that, a large number: unknown)."""
        if name in self._mentions:
            return self._mentions[name]
        if len(self._mentions) >= MAX_MENTION_SCANS or not name.isidentifier():
            return 1 << 30
        word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
        count = 0
        for entry in self._by_path.values():
            try:
                content = entry.full.read_bytes()
            except OSError:
                count += 1  # cannot tell: count it as a mention
                continue
            if word.search(content) is not None:
                count += _name_tokens(content, name, len(word.findall(content)))
        self._mentions[name] = count
        return count

    def all(self) -> Iterator[ModuleSummary]:
        for entry in list(self._by_name.values()):
            summary = self._summary(entry)
            if summary is not None:
                yield summary

    def __len__(self) -> int:
        return len(self._by_name)

    # -- the buffer of an editor -----------------------------------------------------------
    def with_buffer(self, path: str, summary: ModuleSummary) -> "Modules":
        """These modules, with ``path``'s summary taken from an unsaved buffer."""
        entries = [e for e in self._by_path.values() if e.path != path]
        old = self._by_path.get(path)
        full = old.full if old is not None else Path(path)
        buffer = Entry(path, full, summary.module, path.endswith("__init__.py"), "", summary_flags(summary),
                       summary_names(summary))
        copy = Modules(entries + [buffer], self._raw, self._store)
        copy._summaries = {p: s for p, s in self._summaries.items() if p != path}
        copy._summaries[path] = summary
        return copy

    # -- summaries ----------------------------------------------------------------------------
    def _summary(self, entry: Entry) -> Optional[ModuleSummary]:
        if entry.path in self._summaries:
            return self._summaries[entry.path]
        summary: Optional[ModuleSummary] = None
        raw = self._raw.get(entry.key)
        if raw is not None:
            try:
                summary = from_json(json.loads(raw))
            except ValueError:
                summary = None
        if summary is None:
            with WORK.uncharged():
                summary = self._compute(entry)
        if summary is not None:
            summary.path, summary.module = entry.path, entry.module
        self._summaries[entry.path] = summary
        return summary

    def _compute(self, entry: Entry) -> Optional[ModuleSummary]:
        try:
            content = entry.full.read_bytes()
            tree = ast.parse(content, filename=str(entry.full))
        except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
            summary = ModuleSummary(path=entry.path, module=entry.module)  # nothing to learn from it
        else:
            summary = summarise(tree, entry.path, entry.module, entry.is_package)
            self.computed += 1
        if self._store is not None and entry.key:
            self._store(entry.key, to_json(summary))
        return summary
