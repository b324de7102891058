"""Which project a file belongs to, the project's Python files, and their module names."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

# A folder holding one of these is a project root.
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "manage.py", ".git")
# Folders that hold no project code: environments, caches, build output, vendored JS.
_SKIPPED_FOLDERS = frozenset({
    "node_modules", "__pycache__", "venv", "env", "build", "dist", "site-packages", "htmlcov",
    "bower_components", "static", "staticfiles", "media",
})
# The bounds of a project the model reads; past them it degrades to single-file facts.
MAX_FILES = 20_000
MAX_FILE_BYTES = 2_000_000


def project_root(path: str, cwd: Optional[str] = None) -> Optional[Path]:
    """The nearest folder upward from ``path`` holding a root marker, or None."""
    try:
        start = Path(cwd or os.getcwd(), path).resolve().parent
    except (OSError, RuntimeError, ValueError):
        return None
    for folder in [start, *start.parents]:
        try:
            if any((folder / marker).exists() for marker in ROOT_MARKERS):
                return folder
        except OSError:
            return None
    return None


def source_roots(root: Path) -> List[Path]:
    """Where module names start, deepest first: a folder holding ``manage.py`` (Django
    puts it on ``sys.path``), ``src/`` in a src layout, and the root itself."""
    roots = [root]
    src = root / "src"
    if src.is_dir():
        roots.insert(0, src)
    try:
        for folder, dirs, names in os.walk(root):
            depth = len(Path(folder).relative_to(root).parts)
            kept = [d for d in dirs if not d.startswith(".") and d not in _SKIPPED_FOLDERS]
            dirs[:] = sorted(kept) if depth < 3 else []
            if "manage.py" in names and Path(folder) != root:
                roots.insert(0, Path(folder))
    except OSError:
        pass
    return sorted(dict.fromkeys(roots), key=lambda p: len(p.parts), reverse=True)


def module_name(relative: str, roots: List[str]) -> Tuple[str, bool]:
    """(dotted module name, is a package) of a ``/``-separated path relative to the
    project root; ``roots`` are the source roots relative to it ("" for the root)."""
    path = relative
    for prefix in roots:
        if prefix and path.startswith(prefix + "/"):
            path = path[len(prefix) + 1:]
            break
    if path.endswith(".py"):
        path = path[:-3]
    is_package = path.endswith("/__init__") or path == "__init__"
    if is_package:
        path = path[: -len("__init__")].rstrip("/")
    return path.replace("/", "."), is_package


def _is_environment(folder: str, name: str) -> bool:
    return os.path.isfile(os.path.join(folder, name, "pyvenv.cfg"))


def python_files(root: Path) -> Iterator[Tuple[str, Path]]:
    """(``/``-separated path relative to the root, absolute path) of each Python file of
    the project, in a stable order; hidden and environment folders are skipped. Stops
    (raising :class:`TooLarge`) past :data:`MAX_FILES`."""
    count = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d not in _SKIPPED_FOLDERS and not _is_environment(folder, d)
        )
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            count += 1
            if count > MAX_FILES:
                raise TooLarge(root)
            full = Path(folder, name)
            yield full.relative_to(root).as_posix(), full


class TooLarge(Exception):
    """The project has more files than the model reads."""
