"""App DB: declarative base, engine, sessions, and Alembic upgrades.

SQLite is tuned for a multi-user server (ENGINEERING_NOTES.md §6): WAL, busy timeout, foreign keys,
and every transaction opened with ``BEGIN IMMEDIATE`` so a read-then-write transaction waits for the
lock instead of failing with "database is locked". PostgreSQL works by URL unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from config.settings import sqlite_path

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    """Naive UTC timestamp for audit and bookkeeping columns."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # let the begin event below control transactions
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(url: str) -> Engine:
    """One engine per URL per process."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            path = sqlite_path(url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 10})
                _tune_sqlite(engine)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


_factories: dict[str, sessionmaker] = {}


def session_factory(url: str) -> sessionmaker:
    if url not in _factories:
        _factories[url] = sessionmaker(get_engine(url), expire_on_commit=False)
    return _factories[url]


@contextlib.contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One short unit of work: commit on success, roll back on any error."""
    with session_factory(url).begin() as session:
        yield session


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the app DB schema (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def import_models() -> None:
    """Import every module that defines app DB models so Base.metadata is complete."""
    import importlib

    for module in MODEL_MODULES:
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(module)


# Every module holding app DB models; Alembic's env.py imports them (add yours here).
MODEL_MODULES = (
    "auth.models",
    "tracker.sync_log",
    "tracker.plan",
    "tracker.checklists",
    "tracker.issue_log",
    "tracker.training",
    "tracker.pulse",
    "tracker.vendors",
    "tracker.migration_runs",
    "tracker.spot_checks",
    "tracker.readiness",
)
