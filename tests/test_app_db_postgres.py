"""The app DB's Alembic chain on SQLite and PostgreSQL: upgrade, downgrade to nothing, upgrade again;
the models and the migrations agree (no drift); sign-in and lock-out work on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from auth.users import AccountLocked, AuthError, authenticate, create_user
from tracker.db import Base, downgrade, get_engine, import_models, upgrade

pytestmark = pytest.mark.postgres


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    upgrade(url)
    tables = _tables(url)
    assert {"users", "audit_events", "alembic_version"} <= tables
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    upgrade(url)
    assert _tables(url) == tables


def _drift(url: str) -> list[str]:
    """What ``alembic check`` would complain about, one readable line per difference."""
    import_models()
    with get_engine(url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    lines = []
    for diff in diffs:
        for op in diff if isinstance(diff, list) else [diff]:
            kind, *rest = op
            names = [getattr(x, "name", None) or getattr(getattr(x, "table", None), "name", None) or str(x)
                     for x in rest[:3]]
            lines.append(f"{kind}: {' '.join(str(n) for n in names)}")
    return lines


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path}/app.db"


def test_migrations_round_trip_on_sqlite(sqlite_url):
    _round_trip(sqlite_url)


def test_migrations_round_trip_on_postgres(postgres_schema):
    url, _schema = postgres_schema
    _round_trip(url)


def test_models_match_migrations_on_sqlite(sqlite_url):
    upgrade(sqlite_url)
    assert _drift(sqlite_url) == [], "models and Alembic migrations differ: write the missing migration"


def test_models_match_migrations_on_postgres(postgres_schema):
    url, _schema = postgres_schema
    upgrade(url)
    assert _drift(url) == [], "models and Alembic migrations differ: write the missing migration"


def test_sign_in_and_lock_out_on_postgres(postgres_schema):
    url, _schema = postgres_schema
    upgrade(url)
    create_user(url, "ann", "owner", "right")
    t0 = dt.datetime(2026, 3, 2, 9, 0)
    assert authenticate(url, "ann", "right", now=t0).role == "owner"
    for _ in range(4):
        with pytest.raises(AuthError):
            authenticate(url, "ann", "wrong", now=t0)
    with pytest.raises(AccountLocked):
        authenticate(url, "ann", "wrong", now=t0)
    with pytest.raises(AccountLocked):
        authenticate(url, "ann", "right", now=t0 + dt.timedelta(minutes=14))
    assert authenticate(url, "ann", "right", now=t0 + dt.timedelta(minutes=16)).username == "ann"
    with pytest.raises(ValueError, match="already exists"):
        create_user(url, "ann", "owner", "x")
