"""Real servers: the PMS schema loaded into PostgreSQL and MariaDB syncs to exactly what the SQLite
copy gives; a PostgreSQL warehouse receives exactly what the DuckDB one holds."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
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
from warehouse.errors import UserFacingError


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


# ---------------------------------------------------------------------------------------- PostgreSQL via Arrow

TYPED_MAPPING = """\
tables:
  patients:
    from: typed
    columns: {patient_id: id, first_name: small, last_name: big, phone: f4, email: f8, address_line: amount,
              city: free, state: code, postal_code: label, birth_date: born, created_at: seen, sex: flag,
              legacy_id: at}
  locations:
    from: other
    columns: {location_id: id, name: doc, state: ref}
  payments:
    from: typed
    columns: {payment_id: id, claim_id: amount, payment_date: born, amount: {expr: "big / 100.0"}}
"""

TYPED_TABLES = """
CREATE TABLE typed (id int4, small int2, big int8, f4 real, f8 double precision, amount numeric(18,4),
                    free numeric, code char(3), label varchar(20), born date, seen timestamp, at timestamptz,
                    flag boolean);
INSERT INTO typed VALUES
  (1, 2, 3000000000, 0.1, 0.1, 120.5, 1.5, 'ab', 'x', '1950-02-03', '2026-01-05 09:00:00.25',
   '2026-03-08 01:30:00-06', true),
  (2, NULL, -4, 3.3333333, 1e300, -0.25, 2.125, NULL, '', '0001-01-01', '9999-12-31 23:59:59',
   '2026-11-01 12:00:00+00', false),
  (3, -1, NULL, NULL, NULL, NULL, 123456789012345678901234567890.5, 'abc', NULL, NULL, NULL, NULL, NULL);
CREATE TABLE other (id int4, doc jsonb, ref uuid);
INSERT INTO other VALUES (1, '{"a": 1}', '6f1e1d5c-0d55-4a55-9a55-6b1c2d3e4f50');
"""


def _raw_tables(url: str, mapping: Path, arrow: bool) -> dict[str, pa.Table]:
    """Every canonical table's chunks as the connector gives them (before typing), through
    adbc-driver-postgresql or, with ``arrow=False``, through the DB-API cursor alone."""
    from connectors.mapping import load_mapping
    from connectors.sql import PG_ARROW_TYPES, SqlConnector, _pg_type

    connector = SqlConnector("legacy", url, load_mapping(mapping))
    if not arrow:
        connector._arrow = False
    try:
        connector.check()
        assert bool(connector._arrow) == arrow
        if arrow:  # the typed table goes the Arrow way, the one with jsonb and uuid the cursor's
            cur = connector._arrow.cursor()
            kinds = {t: {_pg_type(f) for f in cur.adbc_execute_schema(plan.sql)} for t, plan in connector._plans.items()}
            cur.close()
            assert kinds["patients"] <= PG_ARROW_TYPES and not kinds["locations"] <= PG_ARROW_TYPES, kinds
        return {s.table: pa.concat_tables(list(s.chunks)) for s in connector.streams()}
    finally:
        connector.close()


def test_postgresql_arrow_reader_gives_what_the_cursor_gives(postgres_schema, tmp_path):
    """Every type the Arrow way reads (ints of every width, real, double, numeric with and without a
    scale, char, varchar, date, timestamp, timestamptz, bool) comes out as the same values and types as
    through psycopg; a table with types it leaves alone (jsonb, uuid) is read by the cursor. A numeric
    that only becomes a canonical decimal may come with a smaller scale (the same numbers). An expression
    whose target is named like a source column leaves that column alone."""
    pytest.importorskip("adbc_driver_postgresql")
    import sqlalchemy as sa

    url, _schema = postgres_schema
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(TYPED_TABLES)
    engine.dispose()
    mapping = write_mapping(tmp_path / "typed.yaml", TYPED_MAPPING)
    arrow, cursor = _raw_tables(url, mapping, arrow=True), _raw_tables(url, mapping, arrow=False)
    for table in ("patients", "locations", "payments"):
        assert arrow[table].to_pylist() == cursor[table].to_pylist(), table
        for got, want in zip(arrow[table].schema, cursor[table].schema, strict=True):
            if pa.types.is_timestamp(want.type) and want.type.tz:  # same instants, UTC vs the session's zone
                assert pa.types.is_timestamp(got.type) and got.type.tz, got
            elif (table, got.name) == ("payments", "amount"):
                assert pa.types.is_decimal(got.type) and got.type.scale < want.type.scale, (got, want)
            else:
                assert got.type == want.type, (table, got, want)
    row = arrow["patients"].to_pylist()[0]
    assert row["phone"] == 0.1 and str(row["address_line"]) == "120.5000" and row["state"] == "ab "
    assert str(row["city"]) == "1.500"  # as displayed: a text column
    # the source column "amount" keeps its values beside the expression whose target is named amount
    assert str(arrow["payments"].to_pylist()[0]["claim_id"]) == "120.5000"
    assert str(arrow["payments"].to_pylist()[0]["amount"]) == "30000000.00"


def test_postgresql_arrow_reader_uses_one_snapshot_and_cannot_write(postgres_schema, tmp_path):
    """The ADBC session reads what the checks saw, even when rows change meanwhile, and is read-only."""
    pytest.importorskip("adbc_driver_postgresql")
    import sqlalchemy as sa

    from connectors.mapping import load_mapping
    from connectors.sql import SqlConnector

    url, _schema = postgres_schema
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(TYPED_TABLES)
    connector = SqlConnector("legacy", url, load_mapping(write_mapping(tmp_path / "typed.yaml", TYPED_MAPPING)))
    try:
        connector.check()
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM typed WHERE id = 1")
        patients = next(s for s in connector.streams() if s.table == "patients")
        assert pa.concat_tables(list(patients.chunks)).num_rows == 3
        cur = connector._arrow.cursor()
        with pytest.raises(Exception, match="read-only transaction"):
            cur.execute("DELETE FROM typed")
    finally:
        connector.close()
        engine.dispose()


def test_postgresql_arrow_reader_refuses_dates_python_cannot_hold(postgres_schema, tmp_path):
    """'infinity' is a date psycopg refuses; the Arrow way must not load it as some far-off day."""
    pytest.importorskip("adbc_driver_postgresql")
    import sqlalchemy as sa

    url, _schema = postgres_schema
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(TYPED_TABLES + "UPDATE typed SET born = 'infinity' WHERE id = 2;")
    engine.dispose()
    mapping = write_mapping(tmp_path / "typed.yaml", TYPED_MAPPING)
    for arrow in (True, False):
        with pytest.raises(UserFacingError, match=r"reading table patients \(from typed\) failed"):
            _raw_tables(url, mapping, arrow=arrow)


def test_libpq_uri_keeps_every_part():
    from connectors.sql import libpq_uri

    assert libpq_uri("postgresql+psycopg://dash:p%40ss%20w@db.example:5433/pms?options=-csearch_path%3Dlegacy"
                     "&sslmode=require") == ("postgresql://dash:p%40ss%20w@db.example:5433/pms"
                                             "?options=-csearch_path%3Dlegacy&sslmode=require")
    assert libpq_uri("postgresql+psycopg://u@/pms?host=/run/postgresql") == \
        "postgresql://u@/pms?host=%2Frun%2Fpostgresql"
