"""The on-disk cache of module summaries: keyed by content, shared by parallel workers.

One SQLite database per project root, in the cache folder (``backend-cache-dir``, by
default ``$XDG_CACHE_HOME/flake8-backend-rules`` or ``~/.cache/flake8-backend-rules``):

* ``summaries(key, data)``: a summary (JSON) by the hash of the module's name and
  content and the summary schema; an edited file gets a new key, an unchanged one is
  found again whatever its timestamps say;
* ``files(path, mtime_ns, size, key, flags, names)``: the key, text flags and called
  names last computed for a path, so a file whose size and modification time have not
  changed is not even read again.

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
    """The cache database of one project root (or nothing, when ``folder`` is None).

    Each process opens its own connection (flake8 forks its workers after the parent
    may have opened one; a connection must not cross a fork)."""

    def __init__(self, folder: Optional[Path], root: Path, schema: int) -> None:
        self._path: Optional[Path] = None
        self._db: Optional[sqlite3.Connection] = None
        self._pid = 0
        if folder is None:
            return
        name = hashlib.sha256(str(root).encode()).hexdigest()[:20] + f"-v{schema}.sqlite3"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            LOG.debug("flake8-backend-rules: no summary cache in %s: %s", folder, error)
            return
        self._path = folder / name

    def _connection(self) -> Optional[sqlite3.Connection]:
        if self._path is None:
            return None
        if self._db is not None and self._pid == os.getpid():
            return self._db
        try:
            db = sqlite3.connect(str(self._path), timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS summaries (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS files "
                       "(path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, key TEXT, flags INTEGER, names TEXT)")
        except (sqlite3.Error, OSError) as error:
            self._fail(error)
            return None
        self._db, self._pid = db, os.getpid()
        return db

    @property
    def enabled(self) -> bool:
        return self._path is not None

    def _fail(self, error: Exception) -> None:
        LOG.debug("flake8-backend-rules: summary cache off for this run: %s", error)
        try:
            if self._db is not None and self._pid == os.getpid():
                self._db.close()
        except sqlite3.Error:
            pass
        self._db = None
        self._path = None

    def known_files(self) -> Dict[str, Tuple[int, int, str, int, str]]:
        """path -> (mtime_ns, size, key, flags, names) as last recorded."""
        db = self._connection()
        if db is None:
            return {}
        try:
            rows = db.execute("SELECT path, mtime_ns, size, key, flags, names FROM files")
            return {row[0]: (row[1], row[2], row[3], row[4] or 0, row[5] or "") for row in rows}
        except sqlite3.Error as error:
            self._fail(error)
            return {}

    def load_raw(self, keys: Iterable[str]) -> Dict[str, str]:
        """The stored summaries of ``keys``, as JSON text (decoded when a module is asked for)."""
        db = self._connection()
        if db is None:
            return {}
        found: Dict[str, str] = {}
        wanted = list(dict.fromkeys(keys))
        try:
            for start in range(0, len(wanted), 500):
                batch = wanted[start:start + 500]
                query = f"SELECT key, data FROM summaries WHERE key IN ({','.join('?' * len(batch))})"
                found.update(db.execute(query, batch))  # noqa: BR002 - 500 keys a query
        except sqlite3.Error as error:
            self._fail(error)
            return {}
        return found

    def store_files(self, files: Dict[str, Tuple[int, int, str, int, str]]) -> None:
        """Record the current key, flags and names of each file that changed, in one transaction."""
        db = self._connection()
        if db is None or not files:
            return
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO files (path, mtime_ns, size, key, flags, names) "
                               "VALUES (?, ?, ?, ?, ?, ?)",
                               [(path, *record) for path, record in files.items()])
        except sqlite3.Error as error:
            self._fail(error)

    def store_summary(self, key: str, data: dict) -> None:
        """Record one summary just computed (other workers find it from now on)."""
        db = self._connection()
        if db is None:
            return
        try:
            db.execute("INSERT OR IGNORE INTO summaries (key, data) VALUES (?, ?)",
                       (key, json.dumps(data, separators=(",", ":"))))
        except sqlite3.Error as error:
            self._fail(error)
