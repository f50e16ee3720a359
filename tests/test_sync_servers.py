"""Real servers: the PMS schema loaded into PostgreSQL and MariaDB syncs to exactly what the SQLite
copy gives; a PostgreSQL warehouse receives exactly what the DuckDB one holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import load_settings
from jobs.setup import init_stores
from jobs.sync import sync_one
from tests.conftest import write_config
from tests.sync_helpers import (
    EXPECTED_ROWS,
    copy_sqlite_to,
    make_pms,
    sources_toml,
    warehouse_checksum,
    warehouse_tables,
    write_mapping,
)
from tracker.db import dispose_engines


def _synced(directory: Path, url: str, mapping: Path):
    settings = load_settings(write_config(directory, sources=sources_toml(url, mapping)))
    init_stores(settings)
    view = sync_one(settings, "legacy")
    assert view.outcome == "success", view.error
    return settings, view


@pytest.fixture
def sqlite_reference(tmp_path):
    db = make_pms(tmp_path / "pms.db")
    mapping = write_mapping(tmp_path / "legacy.yaml")
    settings, view = _synced(tmp_path / "from-sqlite", f"sqlite:///{db}", mapping)
    assert view.rows == EXPECTED_ROWS
    return db, mapping, warehouse_tables(settings.warehouse_url)


def test_postgresql_source_gives_the_same_warehouse(sqlite_reference, postgres_schema, tmp_path):
    db, mapping, expected = sqlite_reference
    url, _schema = postgres_schema
    assert copy_sqlite_to(db, url)["tblAppt"] == 6
    settings, view = _synced(tmp_path / "from-postgres", url, mapping)
    assert view.rows == EXPECTED_ROWS
    assert warehouse_tables(settings.warehouse_url) == expected


def test_postgresql_source_session_is_read_only(sqlite_reference, postgres_schema):
    from connectors.mapping import load_mapping
    from connectors.sql import SqlConnector

    db, mapping, _ = sqlite_reference
    url, _schema = postgres_schema
    copy_sqlite_to(db, url)
    connector = SqlConnector("legacy", url, load_mapping(mapping))
    connector.check()
    cur = connector._raw.cursor()
    with pytest.raises(Exception, match="read-only transaction"):
        cur.execute("DELETE FROM tblclaim")
    connector.close()


def test_mariadb_source_gives_the_same_warehouse(sqlite_reference, mariadb_database, tmp_path):
    """MariaDB keeps table names' case (lower_case_table_names=0), so they are copied as they are."""
    db, mapping, expected = sqlite_reference
    assert copy_sqlite_to(db, mariadb_database, lowercase=False)["tblClaimLine"] == 4
    settings, view = _synced(tmp_path / "from-mariadb", mariadb_database, mapping)
    assert view.rows == EXPECTED_ROWS
    assert warehouse_tables(settings.warehouse_url) == expected


def test_mariadb_source_session_is_read_only(sqlite_reference, mariadb_database):
    from connectors.mapping import load_mapping
    from connectors.sql import SqlConnector

    db, mapping, _ = sqlite_reference
    copy_sqlite_to(db, mariadb_database, lowercase=False)
    connector = SqlConnector("legacy", mariadb_database, load_mapping(mapping))
    connector.check()
    cur = connector._raw.cursor()
    with pytest.raises(Exception, match="READ ONLY"):
        cur.execute("DELETE FROM tblClaim")
    connector.close()


def test_postgresql_warehouse_matches_duckdb(sqlite_reference, postgres_schema, tmp_path, monkeypatch):
    """A PostgreSQL warehouse by URL: written in one transaction, same rows; a bad sync changes nothing."""
    import sqlite3

    from warehouse.store import postgres_connect

    db, mapping, expected = sqlite_reference
    url, schema = postgres_schema
    warehouse_url = url.replace("postgresql+psycopg://", "postgresql://")
    monkeypatch.setenv("WAREHOUSE_URL", warehouse_url)
    settings = load_settings(write_config(tmp_path / "pg-warehouse",
                                          sources=sources_toml(f"sqlite:///{db}", mapping)))
    from tracker.db import upgrade

    upgrade(settings.database_url)
    view = sync_one(settings, "legacy")
    assert view.outcome == "success", view.error
    pg = postgres_connect(url, schema)
    try:
        from warehouse.schema import TABLES

        got = {}
        for name, table in TABLES.items():
            cols = [c.name for c in table.all_columns]
            rows = pg.table(name).to_pyarrow().select(cols).to_pylist()
            got[name] = sorted((tuple(r[c] for c in cols) for r in rows), key=repr)
        assert got == expected
        with sqlite3.connect(db) as con:
            con.execute("UPDATE tblClaimLine SET ClaimNo = 'C-404' WHERE LineID = 4")
        failed = sync_one(settings, "legacy")
        assert failed.outcome == "failed" and "'C-404'" in failed.error
        assert pg.table("claim_lines").count().execute() == 4
        assert pg.table("claim_lines").filter(lambda t: t.claim_id == "C-404").count().execute() == 0
    finally:
        pg.disconnect()
        dispose_engines()


def test_checksum_helper_sees_a_change(tmp_path):
    db = make_pms(tmp_path / "pms.db")
    settings, _ = _synced(tmp_path / "w", f"sqlite:///{db}", write_mapping(tmp_path / "m.yaml"))
    path = Path(settings.warehouse_url[len("duckdb://"):])
    before = warehouse_checksum(path)
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("UPDATE claims SET total_charge = 1 WHERE claim_id = 'C-1'")
    con.close()
    assert warehouse_checksum(path) != before


# ---------------------------------------------------------------------------------------- the demo's legacy PMS


@pytest.fixture(scope="module")
def small_demo_legacy(tmp_path_factory):
    """A 1-location, 3-month demo legacy PMS (SQLite), its mapping marked as SQLite SQL, and the
    warehouse a sync from the SQLite file gives."""
    import datetime as dt

    from config.settings import REPO_ROOT
    from seed_data.generator import PracticeParams, generate

    directory = tmp_path_factory.mktemp("small-demo")
    result = generate(PracticeParams(seed=7, locations=1, providers_per_location=3, months=3,
                                     today=dt.date(2026, 6, 1), legacy_path=directory / "legacy_pms.db",
                                     new_path=directory / "new_pms.db"))
    text = (REPO_ROOT / "config" / "mappings" / "legacy_pms.yaml").read_text()
    mapping = write_mapping(directory / "legacy.yaml", "sql_dialect: sqlite\n" + text)
    settings, view = _synced(directory / "from-sqlite", f"sqlite:///{result.legacy_path}", mapping)
    assert view.total_rows > 1000
    return result.legacy_path, mapping, view.rows, warehouse_tables(settings.warehouse_url)


def test_demo_legacy_from_postgresql_equals_sqlite(small_demo_legacy, postgres_schema, tmp_path):
    db, mapping, rows, expected = small_demo_legacy
    url, _schema = postgres_schema
    copy_sqlite_to(db, url)
    settings, view = _synced(tmp_path / "from-postgres", url, mapping)
    assert view.rows == rows
    got = warehouse_tables(settings.warehouse_url)
    for table in expected:
        assert got[table] == expected[table], table


def test_demo_legacy_from_mariadb_equals_sqlite(small_demo_legacy, mariadb_database, tmp_path):
    db, mapping, rows, expected = small_demo_legacy
    copy_sqlite_to(db, mariadb_database, lowercase=False)
    settings, view = _synced(tmp_path / "from-mariadb", mariadb_database, mapping)
    assert view.rows == rows
    got = warehouse_tables(settings.warehouse_url)
    for table in expected:
        assert got[table] == expected[table], table
