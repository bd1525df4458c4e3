"""Dagster's SQLite event log without a new SQLAlchemy engine per access (issue #7).

The stock ``SqliteEventLogStorage._connect`` builds a fresh engine (``NullPool``) for EVERY
``with run_connection()/index_connection()``: create the engine, open the SQLite file, run the
statement, commit, close the file, dispose the engine. An asset event does that 2–3 times (its
run shard, then the cross-run ``index`` shard). One `esf-monitor run` writes ~313 events
(step outputs, planned/evaluated asset checks of dbt and GX, planned/done materializations);
pyinstrument put ~3.0 s of the ~25 s lone-upload run into ``store_event``. Runless asset
materializations cost 5.6–10.7 ms each with the stock class and 1.7–3.0 ms with this one; a
full run of the hand-calculation fixture (711 events) ~26.7 s → ~20.0 s (docs/decisions.md).

What :class:`PooledSqliteEventLogStorage` changes — ``_connect``, the clean-up paths, and
where the folder comes from (the instance's, see the class docstring):

- one engine per shard, reused: the ``index`` shard's engine lives as long as the storage; run
  shards' engines sit in a small LRU (:data:`RUN_SHARD_ENGINES`), an evicted one is disposed,
  so a long-lived process (webserver, daemon) keeps a bounded number of files open;
- ``dispose()`` and ``wipe()`` (the only base-class path that deletes shard files) dispose the
  engines FIRST: a kept connection to an unlinked file would write into a file nobody reads;
- after a fork the child drops the parent's engines without closing the parent's connections
  (SQLAlchemy's ``dispose(close=False)``), then opens its own.

What it keeps from the stock class, on purpose:

- ``self._db_lock`` held for the whole ``with`` block: one access at a time per process, so
  one pooled connection per engine suffices, and a connection may be handed between threads
  (``check_same_thread=False``, which SQLAlchemy also sets for file SQLite; the lock, not
  the sqlite3 module, serializes the use);
- ``_initdb`` once per shard per storage (the alembic check / table creation), a transaction
  per ``with`` (``conn.begin()``), the 30 s busy timeout, WAL as the base class sets it, and
  SQLite's default durability (``synchronous`` untouched: ``NORMAL`` would be faster still,
  but a commit must survive a power cut — "nothing is lost");
- the file layout: ``$DAGSTER_HOME/history/runs/<run_id>.db`` and ``index.db``, exactly
  where the default storage puts them, so existing data folders keep their history.

One thing a kept connection changes and this class restores: in WAL mode a commit lands in
``<shard>.db-wal``; the stock class closed the last connection after each access, which
checkpoints into ``<shard>.db``, and the webserver's live run view (``watch()``, a watchdog on
exactly ``<run_id>.db``) relied on that file changing. So after a run-shard transaction that
wrote rows, the shard file's mtime is bumped (a ``utime``, microseconds — no checkpoint, no
extra fsync), which watchdog reports as a modification.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster._check as check
from dagster._config import Field, StringSource
from dagster._core.errors import DagsterInvariantViolationError
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

#: Run shards whose engine is kept (least recently used evicted first). A run writes to one
#: shard (plus the runless one); the webserver reads a few recent runs at a time.
RUN_SHARD_ENGINES = 8


def event_log_dir(dagster_home: str) -> str:
    """Where Dagster's default SQLite storage keeps the event log under ``dagster_home`` (the
    instance root; ``dagster._core.instance.ref._event_logs_directory``)."""
    return os.path.join(os.path.abspath(dagster_home), "history", "runs", "")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` that keeps one SQLAlchemy engine per shard (module docstring).

    ``dagster-sqlite.yaml`` configures it WITHOUT a path: the storage then opens
    ``<instance root>/history/runs/`` (the root is dagster_home) — the default's place — when
    Dagster registers it with its instance (the first thing ``DagsterInstance.__init__`` does,
    before any access). Why not a path in the yaml: the yaml is copied into every data folder,
    so an absolute path would point a copied folder at the original's history, and
    ``{env: DAGSTER_HOME}`` would break ``DagsterInstance.from_config(<folder>)`` in a process
    without that variable. ``base_dir`` may still be given, like the stock class's.
    """

    def __init__(self, base_dir: str | None = None,
                 inst_data: ConfigurableClassData | None = None):
        # Set before the base __init__: for a new folder it already reindexes via _connect.
        self._index_engine: Engine | None = None
        self._run_engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._pending_inst_data = inst_data
        self._opened = False
        if base_dir is not None:
            self._open(base_dir)

    def _open(self, base_dir: str) -> None:
        self._opened = True  # the base __init__ reindexes a new folder through _connect
        super().__init__(base_dir, inst_data=self._pending_inst_data)

    def register_instance(self, instance) -> None:
        if not self._opened:
            self._open(event_log_dir(instance.root_directory))
        super().register_instance(instance)

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._pending_inst_data

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # ty: ignore[invalid-method-override]
        return cls(inst_data=inst_data, **config_value)

    # -- engines -------------------------------------------------------------------------------

    def _new_engine(self, shard: str) -> Engine:
        return create_engine(
            self.conn_string_for_shard(shard),
            poolclass=QueuePool,
            pool_size=1,  # the lock lets one connection be in use at a time
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )

    def _engine_for(self, shard: str) -> Engine:
        """The kept engine of ``shard`` (caller holds ``_db_lock``)."""
        if os.getpid() != self._engines_pid:  # forked: the parent's connections are not ours
            self._drop_engines(close=False)
            self._engines_pid = os.getpid()
        if shard == INDEX_SHARD_NAME:
            if self._index_engine is None:
                self._index_engine = self._new_engine(shard)
            return self._index_engine
        engine = self._run_engines.get(shard)
        if engine is not None:
            self._run_engines.move_to_end(shard)
            return engine
        engine = self._run_engines[shard] = self._new_engine(shard)
        while len(self._run_engines) > RUN_SHARD_ENGINES:
            _, evicted = self._run_engines.popitem(last=False)
            evicted.dispose()  # nothing is checked out: we hold the lock
        return engine

    def _drop_engines(self, close: bool = True) -> None:
        """Dispose every kept engine (caller holds ``_db_lock``)."""
        engines = list(self._run_engines.values())
        if self._index_engine is not None:
            engines.append(self._index_engine)
        self._run_engines.clear()
        self._index_engine = None
        for engine in engines:
            engine.dispose(close=close)

    def engine_count(self) -> int:
        """Engines currently kept (index + run shards); for tests and diagnostics."""
        with self._db_lock:
            return len(self._run_engines) + (self._index_engine is not None)

    # -- the stock class's entry points ----------------------------------------------------------

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        if not self._opened:
            raise DagsterInvariantViolationError(
                "PooledSqliteEventLogStorage ohne base_dir und ohne Instanz / without base_dir "
                "and not registered with a DagsterInstance: it does not know its folder yet.")
        with self._db_lock:
            check.str_param(shard, "shard")
            engine = self._engine_for(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                changes_before = raw.total_changes
                with conn.begin():
                    yield conn
                wrote = raw.total_changes != changes_before
            if wrote and shard != INDEX_SHARD_NAME:
                # wake watch() (watchdog on <run_id>.db), see the module docstring
                try:
                    os.utime(self.path_for_shard(shard))
                except FileNotFoundError:
                    pass

    def wipe(self) -> None:
        """Dispose the kept engines before the base class deletes the run-shard files."""
        with self._db_lock:
            self._drop_engines()
        super().wipe()

    def upgrade(self) -> None:
        """Migrations run on fresh connections, as after a restart."""
        with self._db_lock:
            self._drop_engines()
        super().upgrade()

    def dispose(self) -> None:
        """Stop the watchers (base class), then close every kept connection; the storage stays
        usable (engines are created again on demand)."""
        if not self._opened:
            return
        super().dispose()
        with self._db_lock:
            self._drop_engines()
