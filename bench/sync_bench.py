"""Sync speed and memory on the large practice, from SQLite and from PostgreSQL, against plain pandas.

    nice python bench/sync_bench.py [--locations 100] [--skip-postgres] [--postgres URL]

Each measurement runs in its own process so its peak memory (max RSS) is its own:

- ``sync sqlite``      our sync of the legacy and new SQLite databases (mapping, validation, snapshot swap);
- ``sync postgres``    the same databases loaded into PostgreSQL, synced from there;
- ``pandas sqlite``    the plain way: ``pandas.read_sql`` of each mapped source table, then a DuckDB
                       insert (no mapping, no typing, no checks, no atomic swap);
- ``pandas postgres``  the same from PostgreSQL.

Goal (issue 4): at least 300,000 rows/s and under 2 GB peak for about 10 million rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def load_into_postgres(sqlite_file: Path, url: str, schema: str) -> int:
    """Copy a SQLite PMS into a PostgreSQL schema with COPY (names lower case, declared types kept)."""
    import sqlite3

    import psycopg

    type_for = [("BOOL", "BOOLEAN"), ("INT", "BIGINT"), ("REAL", "DOUBLE PRECISION"), ("FLOA", "DOUBLE PRECISION"),
                ("DOUB", "DOUBLE PRECISION"), ("NUMERIC", "NUMERIC"), ("DECIMAL", "NUMERIC"),
                ("DATETIME", "TIMESTAMP"), ("TIMESTAMP", "TIMESTAMP"), ("DATE", "DATE")]
    src = sqlite3.connect(sqlite_file)
    total = 0
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as pg:
        pg.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        for (name,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
            info = src.execute(f'PRAGMA table_info("{name}")').fetchall()
            cols = [(c[1].lower(), next((t for k, t in type_for if k in (c[2] or "").upper()), "TEXT")) for c in info]
            bools = [i for i, (_c, t) in enumerate(cols) if t == "BOOLEAN"]
            target = f'"{schema}"."{name.lower()}"'
            pg.execute(f"DROP TABLE IF EXISTS {target}")
            pg.execute(f"CREATE TABLE {target} ({', '.join(f'{c} {t}' for c, t in cols)})")
            cursor = src.execute(f'SELECT * FROM "{name}"')
            with pg.cursor().copy(f"COPY {target} FROM STDIN") as copy:
                while rows := cursor.fetchmany(50_000):
                    for row in rows:
                        if bools:
                            row = list(row)
                            for i in bools:
                                row[i] = None if row[i] is None else bool(row[i])
                        copy.write_row(row)
                    total += len(rows)
    src.close()
    return total


def _config(folder: Path, legacy_url: str, new_url: str) -> Path:
    mappings = REPO / "config" / "mappings"
    folder.mkdir(parents=True, exist_ok=True)
    legacy_map = folder / "legacy_pms.yaml"
    new_map = folder / "new_pms.yaml"
    for src, dst in ((mappings / "legacy_pms.yaml", legacy_map), (mappings / "new_pms.yaml", new_map)):
        text = src.read_text()
        dst.write_text(text if "sql_dialect:" in text else "sql_dialect: sqlite\n" + text)
    path = folder / "config.toml"
    path.write_text(f'''[project]
go_live = 2026-02-20
[app]
database_url = "sqlite:///{folder}/app.db"
[warehouse]
url = "duckdb:///{folder}/warehouse.duckdb"
[[sources]]
name = "legacy"
role = "legacy"
kind = "sql"
url = "{legacy_url}"
mapping = "{legacy_map}"
[[sources]]
name = "new"
role = "new"
kind = "sql"
url = "{new_url}"
mapping = "{new_map}"
''')
    from config.settings import load_settings
    from jobs.setup import init_stores

    init_stores(load_settings(path))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=100)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--worker")
    parser.add_argument("--config")
    args = parser.parse_args()
    if args.worker:
        result = _worker_sync(args.config) if args.worker == "sync" else _worker_pandas(args.config)
        print(json.dumps(result))
        return 0

    started = time.perf_counter()
    legacy, new = large_practice(args.locations)
    print(f"practice: {legacy} ({legacy.stat().st_size / 1e6:.0f} MB), {new} ({new.stat().st_size / 1e6:.0f} MB); "
          f"ready in {time.perf_counter() - started:.0f} s", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        tmp = Path(tmp)
        sqlite_config = _config(tmp / "sqlite", f"sqlite:///{legacy}", f"sqlite:///{new}")
        runs = [("sync", "sqlite", sqlite_config)]
        if not args.skip_pandas:
            runs.append(("pandas", "sqlite", sqlite_config))
        schema = None
        if not args.skip_postgres:
            schema = f"bench_{os.getpid()}"
            t = time.perf_counter()
            copied = load_into_postgres(legacy, args.postgres, schema + "_legacy")
            copied += load_into_postgres(new, args.postgres, schema + "_new")
            print(f"loaded {copied:,} rows into PostgreSQL in {time.perf_counter() - t:.0f} s", flush=True)
            sep = "&" if "?" in args.postgres else "?"
            pg_config = _config(tmp / "postgres", f"{args.postgres}{sep}options=-csearch_path%3D{schema}_legacy",
                                f"{args.postgres}{sep}options=-csearch_path%3D{schema}_new")
            runs.append(("sync", "postgres", pg_config))
            if not args.skip_pandas:
                runs.append(("pandas", "postgres", pg_config))
        try:
            for kind, where, config in runs:
                result = _run_worker(kind, config)
                results.append((kind, where, result))
                print(f"{kind:>6} {where:<8} {result['rows']:>12,} rows  {result['seconds']:8.1f} s  "
                      f"{result['rows_per_s']:>10,.0f} rows/s  cpu {result['cpu_seconds']:7.1f} s "
                      f"({result['rows_per_cpu_s']:>9,.0f} rows/cpu-s)  peak {result['peak_mb']:7.1f} MB", flush=True)
        finally:
            if schema:
                import psycopg

                with psycopg.connect(args.postgres.replace("postgresql+psycopg://", "postgresql://"),
                                     autocommit=True) as pg:
                    for suffix in ("_legacy", "_new"):
                        pg.execute(f'DROP SCHEMA IF EXISTS "{schema}{suffix}" CASCADE')
    print("goal: >= 300,000 rows/s and < 2,048 MB peak for our sync; load average now: "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
