"""The project model: whole-project facts (models and fields, settings, views and
serializers) for the rules, read from source alone.

For the file being checked, :meth:`ProjectModels.for_file` finds its project (the nearest
folder upward with ``pyproject.toml``, ``setup.cfg``, ``setup.py``, ``manage.py`` or
``.git``), summarises every Python module of it once (:mod:`.summary`), reusing the
summaries cached on disk by content (:mod:`.cache`), and joins them lazily
(:mod:`.model`). An editor's unsaved buffer (flake8's ``--stdin-display-name``) replaces
its file's summary for the run. A file outside any project, a project larger than the
model reads, or anything that goes wrong while building it gives None: the rules then
fall back to what the file alone says.

Nothing here imports or runs the project's code, or needs Django installed.
"""
from __future__ import annotations

import ast
import logging
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .cache import SummaryCache, content_key, default_cache_dir
from .files import MAX_FILE_BYTES, TooLarge, module_name, project_root, python_files, source_roots
from .model import ModelInfo, ProjectModel, SerializerInfo, ViewInfo
from ..budget import WORK
from .modules import Entry, Modules, called_names, text_flags
from .summary import SCHEMA, summarise

__all__ = ["ModelInfo", "ProjectModel", "ProjectModels", "SerializerInfo", "ViewInfo"]

LOG = logging.getLogger("flake8.backend_rules")
_CONFIG_FILES = ("pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml")


class ProjectModels:
    """The model of each project a run meets, indexed once per process and root."""

    def __init__(self, cache_dir: Optional[str] = None, use_cache: bool = True, cwd: Optional[str] = None) -> None:
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.use_cache = use_cache
        self.cwd = cwd
        self._models: Dict[Path, Optional[ProjectModel]] = {}

    @property
    def builds(self) -> int:
        """Summaries computed by parsing (not found in the cache) so far, all projects."""
        return sum(m.modules.computed for m in self._models.values() if m is not None)

    def prepare(self, paths: List[str]) -> None:
        """Index the projects of ``paths`` now (flake8's parent process, before it forks its
        workers: they inherit the index instead of each building it)."""
        for path in paths:
            if path != "-":
                self.for_file(os.path.join(path, "__init__.py") if os.path.isdir(path) else path)

    def for_file(self, filename: str, tree: Optional[ast.AST] = None) -> Optional[ProjectModel]:
        """The model of the project holding ``filename``; with ``tree`` (an unsaved
        buffer), that file's summary is taken from the tree instead of the disk."""
        try:
            root = project_root(filename, self.cwd)
            if root is None:
                return None
            if root not in self._models:
                self._models[root] = self._build(root)
            model = self._models[root]
            if model is None or tree is None:
                return model
            return self._with_buffer(model, root, filename, tree)
        except Exception:  # never take the lint run down: the rules fall back to the file alone
            LOG.debug("flake8-backend-rules: no project model for %s", filename, exc_info=True)
            return None

    def _with_buffer(self, model: ProjectModel, root: Path, filename: str, tree: ast.AST) -> ProjectModel:
        try:
            relative = Path(self.cwd or os.getcwd(), filename).resolve().relative_to(root).as_posix()
        except ValueError:
            return model
        prefixes = [p.relative_to(root).as_posix() if p != root else "" for p in source_roots(root)]
        module, is_package = module_name(relative, prefixes)
        with WORK.uncharged():
            summary = summarise(tree, relative, module, is_package)
        return ProjectModel(root, model.modules.with_buffer(relative, summary), model._config_texts)

    def _build(self, root: Path) -> Optional[ProjectModel]:
        cache = SummaryCache(self.cache_dir if self.use_cache else None, root, SCHEMA)
        try:
            return self._index(root, cache)
        except TooLarge:
            LOG.debug("flake8-backend-rules: %s is larger than the project model reads", root)
            return None

    def _index(self, root: Path, cache: SummaryCache) -> ProjectModel:
        """List the project's modules: a file whose size and modification time are as
        recorded keeps its key and flags; another is read, hashed and scanned."""
        prefixes = [p.relative_to(root).as_posix() if p != root else "" for p in source_roots(root)]
        known = cache.known_files()
        entries: List[Entry] = []
        changed: Dict[str, Tuple[int, int, str, int, str]] = {}
        for relative, full in python_files(root):
            try:
                stat = full.stat()
            except OSError:
                continue
            if stat.st_size > MAX_FILE_BYTES:
                continue
            module, is_package = module_name(relative, prefixes)
            record = known.get(relative)
            if record is not None and record[0] == stat.st_mtime_ns and record[1] == stat.st_size:
                key, flags, names = record[2], record[3], record[4]
            else:
                try:
                    content = full.read_bytes()
                except OSError:
                    continue
                key, flags = content_key(module, content, SCHEMA), text_flags(content)
                names = called_names(content)
                changed[relative] = (stat.st_mtime_ns, stat.st_size, key, flags, names)
            entries.append(Entry(relative, full, module, is_package, key, flags, names))
        cache.store_files(changed)
        raw = cache.load_raw(entry.key for entry in entries)
        config = {}
        for name in _CONFIG_FILES:
            try:
                config[name] = (root / name).read_text(encoding="utf-8", errors="replace")[:200_000]
            except OSError:
                continue
        store = cache.store_summary if cache.enabled else None
        return ProjectModel(root, Modules(entries, raw, store), config)
