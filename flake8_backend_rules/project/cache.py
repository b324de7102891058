"""The on-disk cache of module summaries: keyed by content, shared by parallel workers.

One SQLite database per project root, in the cache folder (``backend-cache-dir``, by
default ``$XDG_CACHE_HOME/flake8-backend-rules`` or ``~/.cache/flake8-backend-rules``):

* ``summaries(key, data)``: a summary (JSON) by the hash of the module's name and
  content and the summary schema; an edited file gets a new key, an unchanged one is
  found again whatever its timestamps say;
* ``files(path, mtime_ns, size, key)``: the key last computed for a path, so a file whose
  size and modification time have not changed is not even read again.

SQLite's own locking makes writes atomic and lets flake8's workers share the database;
every operation has a timeout. Any failure (a read-only folder, a full disk, a locked or
damaged database) turns the cache off for the run: the model is then built in memory,
never an error.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

LOG = logging.getLogger("flake8.backend_rules")


def default_cache_dir() -> Path:
    # a command-line tool follows the XDG convention where it runs: no settings module here
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")  # noqa: BR010
    return Path(base) / "flake8-backend-rules"


def content_key(module: str, content: bytes, schema: int) -> str:
    digest = hashlib.sha256()
    digest.update(f"{schema}\0{module}\0".encode())
    digest.update(content)
    return digest.hexdigest()


class SummaryCache:
    """The cache database of one project root (or nothing, when ``folder`` is None)."""

    def __init__(self, folder: Optional[Path], root: Path) -> None:
        self._db: Optional[sqlite3.Connection] = None
        if folder is None:
            return
        name = hashlib.sha256(str(root).encode()).hexdigest()[:20] + ".sqlite3"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(folder / name), timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS summaries (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, key TEXT)"
            )
            self._db = db
        except (sqlite3.Error, OSError) as error:
            LOG.debug("flake8-backend-rules: no summary cache in %s: %s", folder, error)
            self._db = None

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _fail(self, error: Exception) -> None:
        LOG.debug("flake8-backend-rules: summary cache off for this run: %s", error)
        try:
            if self._db is not None:
                self._db.close()
        except sqlite3.Error:
            pass
        self._db = None

    def known_files(self) -> Dict[str, Tuple[int, int, str]]:
        """path -> (mtime_ns, size, key) as last recorded."""
        if self._db is None:
            return {}
        try:
            rows = self._db.execute("SELECT path, mtime_ns, size, key FROM files")
            return {row[0]: (row[1], row[2], row[3]) for row in rows}
        except sqlite3.Error as error:
            self._fail(error)
            return {}

    def load(self, keys: Iterable[str]) -> Dict[str, dict]:
        """The stored summaries of ``keys`` (JSON-decoded), for those it has."""
        if self._db is None:
            return {}
        found: Dict[str, dict] = {}
        wanted = list(dict.fromkeys(keys))
        try:
            for start in range(0, len(wanted), 500):
                batch = wanted[start:start + 500]
                marks = ",".join("?" * len(batch))
                query = f"SELECT key, data FROM summaries WHERE key IN ({marks})"
                for key, data in self._db.execute(query, batch):  # noqa: BR002 - 500 keys a query
                    try:
                        found[key] = json.loads(data)
                    except ValueError:
                        continue
        except sqlite3.Error as error:
            self._fail(error)
            return {}
        return found

    def store(self, summaries: Dict[str, dict], files: Dict[str, Tuple[int, int, str]]) -> None:
        """Record new summaries and the current key of each file, in one transaction."""
        if self._db is None or (not summaries and not files):
            return
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR IGNORE INTO summaries (key, data) VALUES (?, ?)",
                    [(key, json.dumps(data, separators=(",", ":"))) for key, data in summaries.items()],
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO files (path, mtime_ns, size, key) VALUES (?, ?, ?, ?)",
                    [(path, m, s, k) for path, (m, s, k) in files.items()],
                )
        except sqlite3.Error as error:
            self._fail(error)

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None
