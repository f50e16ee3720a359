"""Sync speed and memory on the large practice, from SQLite and from PostgreSQL, against plain pandas.

    nice python bench/sync_bench.py [--locations 100] [--skip-sqlite | --skip-postgres] [--skip-pandas]
                                    [--postgres URL] [--schema-prefix bench_sync] [--drop-postgres]

Each measurement runs in its own process so its peak memory (max RSS) is its own:

- ``sync sqlite``      our sync of the legacy and new SQLite databases (mapping, validation, snapshot swap);
- ``sync postgres``    the same databases copied into PostgreSQL (schemas ``bench_sync_legacy`` and
                       ``bench_sync_new``, UNLOGGED tables without indexes, loaded through Arrow with
                       binary COPY and kept for the next run), synced from there;
- ``pandas sqlite``    the plain way: ``pandas.read_sql`` of each mapped source table, then a DuckDB
                       insert (no mapping, no typing, no checks, no atomic swap);
- ``pandas postgres``  the same from PostgreSQL.

Goal (issue 4): at least 300,000 rows/s and under 2 GB peak for about 10 million rows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def large_practice(locations: int) -> tuple[Path, Path]:
    """The legacy and new SQLite databases of the benchmark practice: bench/practice.py's
    ensure_large_practice() for 100 locations when it exists, else generated once (seed 42, 36 months,
    the same parameters as bench/migration_bench.py, whose copy is reused when present)."""
    try:
        from bench.practice import ensure_large_practice
    except ImportError:
        ensure_large_practice = None
    if ensure_large_practice is not None and locations == 100:
        r = ensure_large_practice()
        get = (lambda k: r[k]) if isinstance(r, dict) else (lambda k: getattr(r, k))
        return Path(get("legacy_path")), Path(get("new_path"))
    import datetime as dt

    from seed_data.generator import PracticeParams, generate

    for folder in (REPO / "data" / "bench" / f"sync-{locations}", REPO / "bench" / "data" / f"migration-pms-{locations}"):
        legacy, new = folder / "legacy_pms.db", folder / "new_pms.db"
        if legacy.exists() and new.exists():
            return legacy, new
    folder = REPO / "data" / "bench" / f"sync-{locations}"  # /data/ is git-ignored
    folder.mkdir(parents=True, exist_ok=True)
    legacy, new = folder / "legacy_pms.db", folder / "new_pms.db"
    generate(PracticeParams(seed=42, locations=locations, months=36, today=dt.date(2026, 6, 1),
                            legacy_path=legacy, new_path=new))
    return legacy, new


# ---------------------------------------------------------------------------------------- workers (own process)


def _worker_sync(config: str) -> dict:
    from config.settings import load_settings
    from jobs.sync import sync_one

    settings = load_settings(config)
    rows = 0
    for source in settings.sources:
        view = sync_one(settings, source.name, actor="bench")
        if view.outcome != "success":
            raise SystemExit(f"sync of {source.name} failed: {view.error}")
        rows += view.total_rows
    return {"rows": rows}


def _worker_pandas(config: str) -> dict:
    """The plain approach: whole tables through pandas.read_sql, then CREATE TABLE in DuckDB."""
    import duckdb
    import pandas as pd
    import sqlalchemy as sa

    from config.settings import load_settings
    from connectors import mapping_path
    from connectors.mapping import load_mapping

    settings = load_settings(config)
    out = Path(settings.warehouse_url[len("duckdb://"):]).with_name("pandas.duckdb")
    out.unlink(missing_ok=True)
    duck = duckdb.connect(str(out))
    rows = 0
    for source in settings.sources:
        mapping = load_mapping(mapping_path(settings, source))
        engine = sa.create_engine(source.url)
        names = {t.source for t in mapping.tables.values() if t.source}
        with engine.connect() as conn:
            real = {n.lower(): n for n in sa.inspect(conn).get_table_names()}
            for name in sorted(names):
                table = real.get(name.lower(), name)
                quoted = engine.dialect.identifier_preparer.quote(table)
                frame = pd.read_sql(sa.text(f"SELECT * FROM {quoted}"), conn)
                duck.register("frame", frame)
                duck.execute(f'CREATE TABLE "{source.name}_{table}" AS SELECT * FROM frame')
                duck.unregister("frame")
                rows += len(frame)
                del frame
        engine.dispose()
    duck.close()
    return {"rows": rows}


def _run_worker(kind: str, config: Path) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--worker", kind, "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{kind} failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    cpu = usage.ru_utime + usage.ru_stime  # all threads; on a busy shared machine wall time overstates cost
    result.update(seconds=seconds, peak_mb=usage.ru_maxrss / 1024, rows_per_s=result["rows"] / seconds,
                  cpu_seconds=cpu, rows_per_cpu_s=result["rows"] / cpu)
    return result


# ---------------------------------------------------------------------------------------- PostgreSQL copy


# SQLite declared type (contains) -> PostgreSQL column type and the Arrow type written to it. The
# practice's databases declare INTEGER, REAL and TEXT only; anything else is copied as text.
PG_TYPES = [("INT", "BIGINT", pa.int64()), ("BOOL", "BOOLEAN", pa.bool_()), ("REAL", "DOUBLE PRECISION", pa.float64()),
            ("FLOA", "DOUBLE PRECISION", pa.float64()), ("DOUB", "DOUBLE PRECISION", pa.float64())]
LOADED_MARKER = "_bench_loaded"  # (source file, its size and mtime, table, rows) once a copy is complete
COPY_BATCH_ROWS = 200_000


def _read_only(sqlite_file: Path) -> str:
    return f"file:{urllib.parse.quote(str(sqlite_file))}?mode=ro"


def _sqlite_tables(sqlite_file: Path) -> dict[str, list[tuple[str, str, pa.DataType]]]:
    """Table -> [(column lower case, PostgreSQL type, Arrow type)] of a SQLite database."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(_read_only(sqlite_file), uri=True)) as src:
        names = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        tables = {}
        for name in names:
            cols = []
            for _cid, col, declared, *_ in src.execute(f'PRAGMA table_info("{name}")'):
                pg, arrow = next(((t, a) for key, t, a in PG_TYPES if key in (declared or "").upper()),
                                 ("TEXT", pa.string()))
                cols.append((col.lower(), pg, arrow))
            tables[name] = cols
        return tables


def _sqlite_counts(sqlite_file: Path, tables) -> dict[str, int]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(_read_only(sqlite_file), uri=True)) as src:
        return {name.lower(): src.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}


def _already_loaded(pg, schema: str, signature: tuple[str, int, int], counts: dict[str, int]) -> bool:
    """True when the marker of a complete copy names this very file and the same row counts."""
    cur = pg.cursor()
    try:
        cur.execute(f'SELECT source_file, source_size, source_mtime_ns, table_name, row_count '
                    f'FROM "{schema}"."{LOADED_MARKER}"')
        rows = cur.fetchall()
    except Exception:  # noqa: BLE001 - no schema or no marker: not loaded
        return False
    finally:
        cur.close()
    return bool(rows) and all(tuple(r[:3]) == signature for r in rows) and {r[3]: r[4] for r in rows} == counts


def _sqlite_batches(sqlite_file: Path, table: str, columns: list[tuple[str, str, pa.DataType]]
                    ) -> Iterator[pa.RecordBatch]:
    """A SQLite table as Arrow batches of the PostgreSQL table's types. One query per batch (keyset on
    rowid): adbc-driver-sqlite types each result by its first batch, and a column that is empty there
    but not later would fail a single long query."""
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    schema = pa.schema([(name, arrow) for name, _pg, arrow in columns])
    select = ", ".join(["rowid"] + [f'"{name}"' for name, _pg, _a in columns])
    with adbc_sqlite.connect(_read_only(sqlite_file)) as con, con.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(COPY_BATCH_ROWS)})
        last = None
        while True:
            where = "" if last is None else f"WHERE rowid > {last} "
            cur.execute(f'SELECT {select} FROM "{table}" {where}ORDER BY rowid LIMIT {COPY_BATCH_ROWS}')
            got = cur.fetch_arrow_table()
            if got.num_rows == 0:
                return
            last = got.column(0)[-1].as_py()
            arrays = [col.cast(field.type) for col, field in zip(got.columns[1:], schema, strict=True)]
            yield from pa.Table.from_arrays(arrays, schema=schema).to_batches()


def load_into_postgres(sqlite_file: Path, url: str, schema: str) -> tuple[int, bool]:
    """Copy a SQLite PMS into the PostgreSQL schema ``schema`` (names lower case; integer, real and
    boolean columns keep their kind, the rest becomes text): each table read with adbc-driver-sqlite
    into Arrow batches and written with adbc-driver-postgresql's ingest (binary COPY) into an UNLOGGED
    table without indexes. A copy is kept between runs: when the marker table names this file and the
    same row counts, nothing is loaded. Returns (rows, whether they were loaded now)."""
    import adbc_driver_postgresql.dbapi as adbc_pg

    from connectors.sql import libpq_uri

    tables = _sqlite_tables(sqlite_file)
    counts = _sqlite_counts(sqlite_file, tables)
    stat = sqlite_file.stat()
    signature = (str(sqlite_file.resolve()), stat.st_size, stat.st_mtime_ns)
    with adbc_pg.connect(libpq_uri(url), autocommit=True) as pg:
        if _already_loaded(pg, schema, signature, counts):
            return sum(counts.values()), False
        with pg.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            cur.execute(f'CREATE SCHEMA "{schema}"')
            for name, columns in tables.items():
                target = name.lower()
                definition = ", ".join(f'"{c}" {t}' for c, t, _a in columns)
                cur.execute(f'CREATE UNLOGGED TABLE "{schema}"."{target}" ({definition})')
                reader = pa.RecordBatchReader.from_batches(pa.schema([(c, a) for c, _t, a in columns]),
                                                           _sqlite_batches(sqlite_file, name, columns))
                written = cur.adbc_ingest(target, reader, mode="append", db_schema_name=schema)
                if written not in (-1, counts[target]):
                    raise SystemExit(f"{sqlite_file}: {name}: copied {written:,} rows of {counts[target]:,}")
                print(f"  {schema}.{target}: {counts[target]:,} rows", flush=True)
            cur.execute(f'CREATE UNLOGGED TABLE "{schema}"."{LOADED_MARKER}" (source_file TEXT, '
                        f'source_size BIGINT, source_mtime_ns BIGINT, table_name TEXT, row_count BIGINT)')
            marker = pa.table({"source_file": [signature[0]] * len(counts),
                               "source_size": [signature[1]] * len(counts),
                               "source_mtime_ns": [signature[2]] * len(counts),
                               "table_name": list(counts), "row_count": list(counts.values())})
            cur.adbc_ingest(LOADED_MARKER, marker, mode="append", db_schema_name=schema)
    return sum(counts.values()), True


def drop_postgres_copy(url: str, schemas: list[str]) -> None:
    import adbc_driver_postgresql.dbapi as adbc_pg

    from connectors.sql import libpq_uri

    with adbc_pg.connect(libpq_uri(url), autocommit=True) as pg, pg.cursor() as cur:
        for schema in schemas:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _config(folder: Path, legacy_url: str, new_url: str) -> Path:
    mappings = REPO / "config" / "mappings"
    folder.mkdir(parents=True, exist_ok=True)
    legacy_map = folder / "legacy_pms.yaml"
    new_map = folder / "new_pms.yaml"
    for src, dst in ((mappings / "legacy_pms.yaml", legacy_map), (mappings / "new_pms.yaml", new_map)):
        text = src.read_text()
        dst.write_text(text if "sql_dialect:" in text else "sql_dialect: sqlite\n" + text)
    from datetime import date

    from bench.practice import two_source_config

    path = two_source_config(folder, date(2026, 2, 20), legacy_url, new_url, legacy_map, new_map)
    from config.settings import load_settings
    from jobs.setup import init_stores

    init_stores(load_settings(path))
    return path


def _postgres_config(folder: Path, url: str, legacy: Path, new: Path, prefix: str) -> Path:
    """Load (or keep) the PostgreSQL copy, one schema per source database, and a config whose sources
    point at them through the session's search_path (as tests/conftest.py's postgres_schema does)."""
    started = time.perf_counter()
    copied = loaded = 0
    for sqlite_file, suffix in ((legacy, "legacy"), (new, "new")):
        # in a process of its own: a child's max RSS starts at its parent's (Linux keeps the high-water
        # mark of the image it replaces), so the parent must stay small for the measurements
        out = subprocess.run([sys.executable, __file__, "--worker", "load", "--sqlite", str(sqlite_file),
                              "--postgres", url, "--schema", f"{prefix}_{suffix}"],
                             check=True, stdout=subprocess.PIPE, text=True, cwd=REPO).stdout
        result = json.loads(out.strip().splitlines()[-1])
        copied += result["rows"]
        loaded += result["rows"] if result["loaded"] else 0
    how = f"loaded {loaded:,} rows" if loaded else "kept the copy of an earlier run"
    print(f"PostgreSQL ({prefix}_legacy, {prefix}_new; {copied:,} rows): {how} in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    sep = "&" if "?" in url else "?"
    return _config(folder, f"{url}{sep}options=-csearch_path%3D{prefix}_legacy",
                   f"{url}{sep}options=-csearch_path%3D{prefix}_new")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=100)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server for the PostgreSQL half (SQLAlchemy URL)")
    parser.add_argument("--skip-sqlite", action="store_true", help="run the PostgreSQL half only")
    parser.add_argument("--skip-postgres", action="store_true", help="run the SQLite half only")
    parser.add_argument("--skip-pandas", action="store_true", help="our sync only, no pandas reference")
    parser.add_argument("--schema-prefix", default="bench_sync",
                        help="PostgreSQL copy in schemas PREFIX_legacy and PREFIX_new (kept between runs)")
    parser.add_argument("--drop-postgres", action="store_true", help="drop the PostgreSQL copy at the end")
    parser.add_argument("--worker", choices=["sync", "pandas", "load"], help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--sqlite", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "load":
        rows, loaded = load_into_postgres(Path(args.sqlite), args.postgres, args.schema)
        print(json.dumps({"rows": rows, "loaded": loaded}))
        return 0
    if args.worker:
        result = _worker_sync(args.config) if args.worker == "sync" else _worker_pandas(args.config)
        print(json.dumps(result))
        return 0

    started = time.perf_counter()
    legacy, new = large_practice(args.locations)
    print(f"practice: {legacy} ({legacy.stat().st_size / 1e6:.0f} MB), {new} ({new.stat().st_size / 1e6:.0f} MB); "
          f"ready in {time.perf_counter() - started:.0f} s; load average "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        tmp = Path(tmp)
        runs = []
        if not args.skip_sqlite:
            sqlite_config = _config(tmp / "sqlite", f"sqlite:///{legacy}", f"sqlite:///{new}")
            runs += [("sync", "sqlite", sqlite_config)] + ([] if args.skip_pandas else [("pandas", "sqlite", sqlite_config)])
        if not args.skip_postgres:
            pg_config = _postgres_config(tmp / "postgres", args.postgres, legacy, new, args.schema_prefix)
            runs += [("sync", "postgres", pg_config)] + ([] if args.skip_pandas else [("pandas", "postgres", pg_config)])
        try:
            for kind, where, config in runs:
                result = _run_worker(kind, config)
                print(f"{kind:>6} {where:<8} {result['rows']:>12,} rows  {result['seconds']:8.1f} s  "
                      f"{result['rows_per_s']:>10,.0f} rows/s  cpu {result['cpu_seconds']:7.1f} s "
                      f"({result['rows_per_cpu_s']:>9,.0f} rows/cpu-s)  peak {result['peak_mb']:7.1f} MB  "
                      f"load " + " ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
        finally:
            if args.drop_postgres and not args.skip_postgres:
                drop_postgres_copy(args.postgres, [f"{args.schema_prefix}_legacy", f"{args.schema_prefix}_new"])
    print("goal: >= 300,000 rows/s and < 2,048 MB peak for our sync; load average now: "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
