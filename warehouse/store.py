"""Connection to the warehouse and the primitive that loads one source's canonical frames.

The warehouse is reached through ibis only (duckdb-engine breaks on SQLAlchemy 2.1, see
ENGINEERING_NOTES.md). URLs are ibis URLs: ``duckdb://relative/path.duckdb``,
``duckdb:///absolute/path.duckdb``, ``postgres://user@host:5432/db``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from config.settings import duckdb_path
from warehouse.schema import TABLES


def connect(url: str, read_only: bool = False) -> ibis.BaseBackend:
    """Open the warehouse. A DuckDB file's folder is created when writing."""
    path = duckdb_path(url)
    if path is not None:
        if read_only:
            return _snapshot_reader(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return ibis.duckdb.connect(str(path))
    if url.startswith("duckdb://"):
        return ibis.duckdb.connect(":memory:")
    return ibis.connect(url)


def _snapshot_reader(path: Path) -> ibis.BaseBackend:
    """A read-only connection to the warehouse file as it is now.

    DuckDB shares one database instance per file path inside a process: a plain
    ``duckdb.connect(path, read_only=True)`` while another connection of this process is still open
    would return that connection's (possibly replaced) snapshot. Attaching the file to a fresh
    in-memory instance always opens the file currently at ``path`` (warehouse/sync.py swaps it).
    """
    import duckdb

    if not path.exists():
        raise FileNotFoundError(f"warehouse {path} not found; run `python manage.py init` first")
    con = duckdb.connect(":memory:")
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS warehouse (READ_ONLY)")
    con.execute("USE warehouse")
    return ibis.duckdb.from_connection(con)


def second_reader(con: ibis.BaseBackend) -> ibis.BaseBackend | None:
    """Another connection to the same DuckDB database as ``con`` (same snapshot, own temporary tables),
    for queries run beside it in another thread; None for other backends. Close it with
    ``disconnect()``."""
    raw = getattr(con, "con", None)
    if getattr(con, "name", "") != "duckdb" or raw is None:
        return None
    database = raw.execute("SELECT current_database()").fetchone()[0]
    cursor = raw.cursor()
    cursor.execute(f'USE "{database}"')
    return ibis.duckdb.from_connection(cursor)


def ensure_schema(url: str) -> list[str]:
    """Create missing canonical tables, opening the live file for writing only when some are missing
    (a DuckDB file held open by readers in other processes cannot be opened for writing)."""
    path = duckdb_path(url)
    if path is not None and path.exists():
        reader = connect(url, read_only=True)
        try:
            existing = set(reader.list_tables())
        finally:
            reader.disconnect()
        if all(t in existing for t in TABLES):
            return []
    con = connect(url)
    try:
        return create_schema(con)
    finally:
        con.disconnect()


def create_schema(con: ibis.BaseBackend) -> list[str]:
    """Create the canonical tables that are missing; returns the names created."""
    existing = set(con.list_tables())
    created = []
    for table in TABLES.values():
        if table.name not in existing:
            con.create_table(table.name, schema=table.ibis_schema())
            created.append(table.name)
    return created


def conform(table_name: str, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Order and type a canonical frame for insertion: missing optional columns become null."""
    table = TABLES[table_name]
    out = pd.DataFrame(index=frame.index)
    for col in table.all_columns:
        if col.name == "source_system":
            out[col.name] = source
            continue
        values = frame[col.name] if col.name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        out[col.name] = _cast(values, col.type)
    return out.reset_index(drop=True)


def _cast(values: pd.Series, kind: str) -> pd.Series:
    if kind == "str":
        return values.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA
                          else str(v)).astype(object)
    if kind == "int":
        return pd.to_numeric(values, errors="raise").astype("Int64")
    if kind == "decimal":
        from decimal import Decimal
        return values.map(lambda v: None if v is None or pd.isna(v) else Decimal(str(v)).quantize(Decimal("0.01")))
    if kind == "date":
        return pd.to_datetime(values, errors="raise").dt.date.astype(object).where(values.notna(), None)
    if kind == "timestamp":
        return pd.to_datetime(values, errors="raise").astype("datetime64[us]")
    if kind == "bool":
        return values.map(lambda v: None if v is None or (not isinstance(v, bool) and pd.isna(v)) else bool(v)).astype(object)
    raise ValueError(kind)


def replace_source_rows(con: ibis.BaseBackend, source: str, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Replace every row of ``source`` in the given tables with the frames (no validation, not atomic).

    The sync (warehouse/sync.py) validates first and makes the swap atomic; tests use this directly
    to build small hand-made warehouses.
    """
    create_schema(con)
    counts = {}
    for name, frame in frames.items():
        table = TABLES[name]
        conformed = conform(name, frame, source)
        _delete_source(con, name, source)
        if len(conformed):
            arrow = pa.Table.from_pandas(conformed, schema=table.ibis_schema().to_pyarrow(), preserve_index=False)
            con.insert(name, ibis.memtable(arrow))
        counts[name] = len(conformed)
    return counts


def _delete_source(con: ibis.BaseBackend, table: str, source: str) -> None:
    quoted = source.replace("'", "''")
    con.raw_sql(f"DELETE FROM {table} WHERE source_system = '{quoted}'")


def build_warehouse(url: str | Path, sources: dict[str, dict[str, pd.DataFrame]]) -> ibis.BaseBackend:
    """Create a warehouse holding exactly the given frames per source (for tests and fixtures)."""
    con = connect(str(url))
    create_schema(con)
    for source, frames in sources.items():
        replace_source_rows(con, source, frames)
    return con


@contextlib.contextmanager
def reading(url: str) -> Iterator[ibis.BaseBackend]:
    """A read-only connection to the current warehouse snapshot, closed afterwards.

    Pages, KPIs and migration checks read through this; a sync never writes to the file a reader
    has open (warehouse/sync.py builds the next snapshot beside it and swaps it in).
    """
    con = connect(url, read_only=duckdb_path(url) is not None)
    try:
        yield con
    finally:
        con.disconnect()


def postgres_connect(sqlalchemy_url: str, schema: str) -> ibis.BaseBackend:
    """An ibis PostgreSQL connection whose tables live in ``schema`` (for warehouse parity tests)."""
    from sqlalchemy.engine import make_url

    u = make_url(sqlalchemy_url)
    return ibis.postgres.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username,
                                 password=u.password, database=u.database,
                                 options=f"-csearch_path={schema}")


def copy_warehouse(src: ibis.BaseBackend, dst: ibis.BaseBackend) -> dict[str, int]:
    """Copy every canonical table from one warehouse backend to another (same schema, same rows)."""
    counts = {}
    for table in TABLES.values():
        frame = src.table(table.name).to_pandas()
        if table.name in dst.list_tables():
            dst.drop_table(table.name)
        dst.create_table(table.name, schema=table.ibis_schema())
        if len(frame):
            dst.insert(table.name, ibis.memtable(frame, schema=table.ibis_schema()))
        counts[table.name] = len(frame)
    return counts
