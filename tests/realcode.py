"""Real code bases to lint: fetch a source distribution from PyPI once, reuse it after.

Shared by the real-code smoke test (``tests/test_realcode.py``) and the benchmark
(``bench/bench.py``). The sdist is downloaded with ``pip download --no-binary :all:
--no-deps`` into ``.cache/realcode/`` (gitignored) and extracted next to it; later runs
find both there and never touch the network.

Packages are pinned by default so that benchmark figures and smoke-test results are
comparable from one run to the next; pass ``"django==5.1.4"`` (or an unpinned
``"django"`` to take what pip picks) to use another version.
"""
from __future__ import annotations

import ast
import gc
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tokenize
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = PROJECT_ROOT / ".cache" / "realcode"

# The versions the README figures were measured on. Django 5.2 is the newest series
# that installs on Python 3.10/3.11, so pip picks it anyway on those interpreters.
PINNED = {
    "django": "5.2.19",
    "djangorestframework": "3.18.3",
}

_EXTRACTED_MARKER = ".extracted"
_SDIST_SUFFIXES = (".tar.gz", ".zip")


class RealCodeUnavailable(RuntimeError):
    """The sdist is not cached and could not be downloaded (no network, no such
    package...). Tests turn this into a skip, the benchmark into an error message."""


@dataclass(frozen=True)
class ParsedModule:
    path: str  # relative to the sdist root, "/"-separated: what the rules see
    lines: List[str]  # with line endings, as flake8 and bugbear hold them
    tree: ast.Module


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(requirement: str) -> Tuple[str, Optional[str]]:
    """``"django==5.2.19"`` -> ("django", "5.2.19"); a bare name takes the pinned version."""
    name, sep, version = requirement.partition("==")
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"not a package name or name==version: {requirement!r}")
    if sep:
        return name, version.strip() or None
    return name, PINNED.get(_normalise(name))


def _sdist_name_and_version(filename: str) -> Optional[Tuple[str, str]]:
    for suffix in _SDIST_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            name, sep, version = stem.rpartition("-")
            if sep and name and version:
                return _normalise(name), version
    return None


def _version_key(version: str) -> Tuple[Tuple[int, object], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.+-]", version))


def cached_sdist(name: str, version: Optional[str], cache_dir: Path = CACHE_DIR) -> Optional[Path]:
    """The cached sdist of ``name`` (at ``version``, or the newest one cached)."""
    if not cache_dir.is_dir():
        return None
    wanted = _normalise(name)
    candidates: List[Tuple[str, Path]] = []
    for entry in cache_dir.iterdir():
        parsed = _sdist_name_and_version(entry.name)
        if parsed is None or not entry.is_file():
            continue
        if parsed[0] == wanted and (version is None or parsed[1] == version):
            candidates.append((parsed[1], entry))
    if not candidates:
        return None
    return max(candidates, key=lambda item: _version_key(item[0]))[1]


def fetch_sdist(requirement: str, cache_dir: Path = CACHE_DIR, timeout: float = 600.0) -> Path:
    """The path of the package's sdist in the cache, downloading it when absent.

    The download goes to a private temporary folder first and is moved into place, so
    two processes fetching at once (pytest-xdist, a benchmark next to the tests) never
    see half a file."""
    name, version = split_requirement(requirement)
    found = cached_sdist(name, version, cache_dir)
    if found is not None:
        return found
    cache_dir.mkdir(parents=True, exist_ok=True)
    spec = f"{name}=={version}" if version else name
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".download-") as tmp:
        command = [
            sys.executable, "-m", "pip", "download",
            "--no-binary", ":all:", "--no-deps",
            "--disable-pip-version-check", "--progress-bar", "off", "--quiet",
            "--dest", tmp, spec,
        ]  # fmt: skip
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RealCodeUnavailable(f"`pip download {spec}` did not finish: {exc}") from exc
        downloaded = [p for p in Path(tmp).iterdir() if _sdist_name_and_version(p.name)]
        if result.returncode != 0 or not downloaded:
            detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise RealCodeUnavailable(
                f"`pip download --no-binary :all: --no-deps {spec}` failed "
                f"(exit {result.returncode}): {' | '.join(detail) or 'no sdist produced'}"
            )
        target = cache_dir / downloaded[0].name
        os.replace(downloaded[0], target)
    return target


def _extract_into(sdist: Path, destination: Path) -> None:
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as archive:
            archive.extractall(destination)
        return
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # 3.8.17+/3.9.17+/3.11.4+: refuse odd members
            archive.extractall(destination, filter="data")
        else:  # pragma: no cover - old patch releases
            archive.extractall(destination)


def extract_sdist(sdist: Path) -> Path:
    """The sdist's top folder (``django-5.2.19/``), extracted next to the archive once.

    A marker file written last tells a complete extraction from an interrupted one."""
    for suffix in _SDIST_SUFFIXES:
        if sdist.name.endswith(suffix):
            stem = sdist.name[: -len(suffix)]
            break
    else:
        raise ValueError(f"not an sdist: {sdist}")
    root = sdist.parent / stem
    if (root / _EXTRACTED_MARKER).is_file():
        return root
    with tempfile.TemporaryDirectory(dir=sdist.parent, prefix=".extract-") as tmp:
        staging = Path(tmp) / "staging"
        staging.mkdir()
        _extract_into(sdist, staging)
        entries = list(staging.iterdir())
        top = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
        (top / _EXTRACTED_MARKER).write_text(sdist.name + "\n", encoding="utf-8")
        if (root / _EXTRACTED_MARKER).is_file():
            return root  # another process finished first
        if root.exists():
            shutil.rmtree(root, ignore_errors=True)  # a previous, interrupted extraction
        try:
            os.replace(top, root)
        except OSError:
            if not (root / _EXTRACTED_MARKER).is_file():  # lost a race only if the winner finished
                raise
    return root


def fetch_source(requirement: str = "django", cache_dir: Path = CACHE_DIR) -> Path:
    """Download (once) and extract (once) a package's sdist; returns its source root."""
    return extract_sdist(fetch_sdist(requirement, cache_dir))


def python_files(root: Path) -> List[Path]:
    """Every ``.py`` file below ``root``, sorted, for a stable order across runs."""
    return sorted(p for p in root.rglob("*.py") if p.is_file())


def relative_name(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def read_source(path: Path) -> str:
    """The file's text, decoded as Python would (PEP 263 cookie, BOM), newlines kept."""
    with tokenize.open(path) as handle:
        return handle.read()


def iter_parsed(root: Path) -> Iterator[ParsedModule]:
    """Each ``.py`` file that reads and parses; the others (Django ships a few files
    with deliberate syntax errors for its own tests) are skipped."""
    for path in python_files(root):
        try:
            source = read_source(path)
            tree = ast.parse(source, filename=str(path))
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # UnicodeDecodeError is a ValueError
            continue
        yield ParsedModule(relative_name(path, root), source.splitlines(keepends=True), tree)


def parse_all(root: Path) -> Tuple[List[ParsedModule], List[str]]:
    """(parsed modules, relative paths of the files that did not parse).

    The cyclic GC is paused meanwhile: millions of new, acyclic AST nodes would trigger
    collections that rescan the whole growing heap (3x slower on Django)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        parsed = list(iter_parsed(root))
    finally:
        if was_enabled:
            gc.enable()
    seen = {module.path for module in parsed}
    failed = [name for name in (relative_name(p, root) for p in python_files(root)) if name not in seen]
    return parsed, failed
