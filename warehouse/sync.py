"""Load one source into the warehouse atomically: readers see the old snapshot until the new one is whole.

DuckDB file warehouse (the default). DuckDB lets one process at a time open a file for writing, and the
app, the scheduler and the command line are separate processes that read it (``store.reading``,
read-only). So a sync never writes to the live file:

1. the source's rows are streamed into a new file beside the live one (``<name>.sync-<source>-<pid>.tmp``)
   and validated there (warehouse/validate.py); a problem stops here and the file is deleted;
2. the other sources' rows (and any other tables) are copied in from the live file, attached read-only;
   when the other sources hold most of the rows, the live file is instead copied whole (a plain file
   copy) and this source's rows are replaced in it from a staging file (``<tmp>.stage``), validated
   there first;
3. ``_snapshot`` records which sync produced this source's rows; ``CHECKPOINT``; close; fsync;
4. ``os.replace`` swaps the file in. A reader that already has the old file open keeps reading the old
   snapshot; the next one opens the new file. A crash or kill at any step leaves the live file as it
   was; the next sync removes the stale temp file.

Other ibis backends (a PostgreSQL warehouse by URL): the rows are staged and validated in a temporary
DuckDB file the same way, then written in ONE transaction (delete the source's rows, COPY the new ones).

Locks: one sync per source at a time (a second one is refused with :class:`SyncBusy`), and one writer
per warehouse (a sync of another source waits for it). Both are ``flock`` locks on files beside the
warehouse, released by the operating system even when a process is killed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from config.settings import duckdb_path
from connectors.base import Connector
from warehouse.errors import UserFacingError, ValidationError
from warehouse.schema import TABLES
from warehouse.validate import (
    REQUIRED_MISSING,
    SQL_TYPES,
    Problems,
    TableContext,
    check_tables,
    create_tables_sql,
    load_chunk,
    q,
)

Progress = Callable[[float, str], None]
SNAPSHOT_TABLE = "_snapshot"
WAIT_FOR_WAREHOUSE_SECONDS = 3600
MEMORY_LIMIT = os.environ.get("SYNC_DUCKDB_MEMORY", "1GB")  # DuckDB spills to disk beyond this
COMMIT_ROWS = 1_000_000  # rows staged between commits into the new file


class SyncBusy(UserFacingError):
    """A sync of the same source is already running."""


@dataclass(frozen=True)
class LoadResult:
    rows: dict[str, int]


def _noop(_f: float, _m: str) -> None:
    pass


# ------------------------------------------------------------------------------------------ locks


def lock_dir(warehouse_url: str, data_dir: Path) -> Path:
    path = duckdb_path(warehouse_url)
    return path.parent if path is not None else data_dir


def _lock_base(warehouse_url: str, data_dir: Path) -> str:
    path = duckdb_path(warehouse_url)
    return path.name if path is not None else "warehouse"


@contextlib.contextmanager
def source_lock(warehouse_url: str, data_dir: Path, source: str) -> Iterator[None]:
    """Refuse a second sync of the same source while one runs (in any process)."""
    directory = lock_dir(warehouse_url, data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{_lock_base(warehouse_url, data_dir)}.sync-{_safe(source)}.lock"
    fh = open(path, "a+")  # noqa: SIM115 - held for the duration of the sync
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise SyncBusy(f"a sync of source {source!r} is already running ({holder}); "
                           f"wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {dt.datetime.now():%Y-%m-%d %H:%M:%S}")
        fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def source_lock_held(warehouse_url: str, data_dir: Path, source: str) -> bool:
    """True while some process runs a sync of ``source`` (used to spot interrupted sync log rows)."""
    path = lock_dir(warehouse_url, data_dir) / f"{_lock_base(warehouse_url, data_dir)}.sync-{_safe(source)}.lock"
    if not path.exists():
        return False
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


@contextlib.contextmanager
def warehouse_lock(warehouse_url: str, data_dir: Path, progress: Progress = _noop,
                   timeout: float = WAIT_FOR_WAREHOUSE_SECONDS) -> Iterator[None]:
    """One writer per warehouse: a sync of another source waits here for its turn."""
    directory = lock_dir(warehouse_url, data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{_lock_base(warehouse_url, data_dir)}.write.lock"
    fh = open(path, "a+")  # noqa: SIM115
    deadline = time.monotonic() + timeout
    told = False
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    progress(0.0, "Waiting for another source's sync to finish")
                    told = True
                if time.monotonic() > deadline:
                    raise UserFacingError(f"the warehouse stayed busy with another sync for {timeout:.0f} s; "
                                          f"try again later") from None
                time.sleep(0.2)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


# ------------------------------------------------------------------------------------------ sync


def load_source(warehouse_url: str, data_dir: Path, source: str, connector: Connector, *, sync_id: int = 0,
                progress: Progress = _noop) -> LoadResult:
    """Read, validate and swap in one source. Raises ValidationError/UserFacingError, leaving the
    warehouse exactly as it was. The caller holds the source lock; this takes the warehouse lock."""
    progress(0.01, "Checking the mapping against the source")
    connector.check()
    with warehouse_lock(warehouse_url, data_dir, progress):
        path = duckdb_path(warehouse_url)
        if path is not None:
            return _load_duckdb_file(path, source, connector, sync_id, progress)
        return _load_other_backend(warehouse_url, data_dir, source, connector, sync_id, progress)


def _stage(con: duckdb.DuckDBPyConnection, source: str, connector: Connector, previous: dict[str, int],
           progress: Progress) -> dict[str, int]:
    """Stream every mapped table of the source into ``con`` and validate it; raise on any problem."""
    for statement in create_tables_sql():
        con.execute(statement)
    problems = Problems()
    contexts: dict[str, TableContext] = {}
    rows: dict[str, int] = {}
    streams = list(connector.streams())
    # The new file is nobody's until it is swapped in, so committing along the way is safe; it keeps
    # memory flat (DuckDB holds a transaction's appended rows in memory until it commits).
    con.execute("BEGIN")  # the last transaction is committed by the caller
    pending = 0
    with _one_thread(con):
        for i, stream in enumerate(streams):
            ctx = TableContext(stream.table, stream.file, stream.origin, stream.source_names, stream.options)
            contexts[stream.table] = ctx
            count = 0
            progress(0.05 + 0.8 * i / len(streams), f"Reading {stream.table}")
            for chunk in prefetch(stream.chunks):
                loaded = load_chunk(con, ctx, chunk, source, problems)
                count += loaded
                pending += loaded
                if pending >= COMMIT_ROWS:
                    con.execute("COMMIT")
                    con.execute("BEGIN")
                    pending = 0
                progress(0.05 + 0.8 * (i + 0.5) / len(streams), f"Reading {stream.table}: {count:,} rows")
            rows[stream.table] = count
            for message in stream.code_problems():
                problems.add_message(message)
            for column, counts in stream.unmapped.items():
                problems.forgive(ctx.where(column), REQUIRED_MISSING, sum(counts.values()))
            if count == 0 and not stream.allow_empty and previous.get(stream.table, 0) > 0:
                problems.add_message(f"{ctx.where()}: the source table is empty, but the warehouse holds "
                                     f"{previous[stream.table]:,} rows from the last sync; refusing to replace them "
                                     f"with nothing (a broken export?). Set 'allow_empty: true' for this table in "
                                     f"the mapping if it really is empty now")
    if rows and not any(rows.values()):
        problems.add_message(f"{connector.label}: every mapped table is empty ({', '.join(rows)}); "
                             f"is the URL pointing at the right database?")
    progress(0.87, "Checking keys and references")
    check_tables(con, contexts, problems)
    if len(problems):
        raise ValidationError(problems.messages(), source=source)
    return rows


@contextlib.contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Load chunks on one DuckDB thread. A chunk (100,000 rows) is too small a query to gain from
    worker threads: handing its tasks around costs more than it saves (typing and appending the large
    practice's chunks took 4.1 s with two threads, 3.05 s with one), and the other core is left to the
    reader thread and the source's database server. The whole-table checks run with every thread."""
    threads = int(con.execute("SELECT current_setting('threads')").fetchone()[0])
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"SET threads = {threads}")


def prefetch(chunks: Iterator, depth: int = 2) -> Iterator:
    """Read the next chunks in a background thread while DuckDB loads the current one: fetching rows
    is Python work, loading is DuckDB work outside the GIL, so the two overlap. At most ``depth``
    chunks wait in memory. Errors of the reader are raised here, in order."""
    import queue
    import threading

    box: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        box.put(("chunk", chunk), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("done", done))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            box.put(("error", exc))

    thread = threading.Thread(target=produce, name="sync-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = box.get()
            if kind == "done":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=30)


def _previous_counts(con: duckdb.DuckDBPyConnection, schema: str | None, source: str) -> dict[str, int]:
    counts = {}
    existing = _tables_in(con, schema)
    prefix = f"{schema}." if schema else ""
    for name in TABLES:
        if name in existing:
            counts[name] = con.execute(f"SELECT COUNT(*) FROM {prefix}{q(name)} WHERE source_system = ?",
                                       [source]).fetchone()[0]
    return counts


def _tables_in(con: duckdb.DuckDBPyConnection, database: str | None) -> set[str]:
    db = database or con.execute("SELECT current_database()").fetchone()[0]
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'", [db]).fetchall()}


def stale_temp_files(live: Path) -> list[Path]:
    return sorted(live.parent.glob(f"{live.name}.sync-*.tmp*"))


def _load_duckdb_file(live: Path, source: str, connector: Connector, sync_id: int, progress: Progress
                      ) -> LoadResult:
    live.parent.mkdir(parents=True, exist_ok=True)
    for stale in stale_temp_files(live):  # left by a killed sync; we hold the warehouse lock
        stale.unlink(missing_ok=True)
    tmp = live.with_name(f"{live.name}.sync-{_safe(source)}-{os.getpid()}.tmp")
    stage = tmp.with_name(tmp.name + ".stage")
    done = False
    if live.exists() and _copy_live(live, tmp, source):
        try:
            rows = _load_into_copy(tmp, stage, source, connector, sync_id, progress)
            _fsync(tmp)
            progress(0.97, "Swapping in the new snapshot")
            os.replace(tmp, live)
            _fsync_dir(live.parent)
            done = True
            return LoadResult(rows)
        finally:
            if not done:
                for leftover in (tmp, stage):
                    for path in (leftover, leftover.with_name(leftover.name + ".wal")):
                        path.unlink(missing_ok=True)
            for path in (stage, stage.with_name(stage.name + ".wal")):
                path.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp), config={"memory_limit": MEMORY_LIMIT})
    try:
        if live.exists():
            try:
                con.execute(f"ATTACH {_lit(str(live))} AS live (READ_ONLY)")
            except duckdb.IOException as exc:
                raise UserFacingError(f"the warehouse {live} is open for writing by another program, so its "
                                      f"current data cannot be read; try again in a moment "
                                      f"({str(exc).splitlines()[0]})") from exc
            previous = _previous_counts(con, "live", source)
        else:
            previous = {}
        rows = _stage(con, source, connector, previous, progress)
        progress(0.9, "Adding the other sources' rows")
        if live.exists():
            _copy_others(con, source)
        _record_snapshot(con, source, sync_id, rows)
        con.execute("COMMIT")
        if live.exists():
            con.execute("DETACH live")
        con.execute("CHECKPOINT")
        con.close()
        _fsync(tmp)
        progress(0.97, "Swapping in the new snapshot")
        os.replace(tmp, live)
        _fsync_dir(live.parent)
        done = True
        return LoadResult(rows)
    finally:
        if not done:
            with contextlib.suppress(Exception):
                con.close()
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)


def _copy_live(live: Path, tmp: Path, source: str) -> bool:
    """Copy the live file as the start of the next snapshot (a file copy is many times faster than
    re-inserting every other source's rows). False, with nothing copied, when its canonical tables
    differ from warehouse/schema.py (an older layout), or when this source holds most of the rows
    (deleting and re-inserting them would cost more): the caller then builds the snapshot row by row.
    The live file stays open read-only meanwhile, so no program can write to it during the copy."""
    try:
        reader = duckdb.connect(str(live), read_only=True)
    except duckdb.IOException as exc:
        raise _busy(live, exc) from exc
    try:
        layout: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind in reader.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' "
                "ORDER BY table_name, column_index").fetchall():
            layout.setdefault(table, []).append((column, kind))
        mine = others = 0
        for name, table in TABLES.items():
            if name not in layout:
                continue
            if layout[name] != [(c.name, SQL_TYPES[c.type]) for c in table.all_columns]:
                return False
            ours, total = reader.execute(f"SELECT COUNT(*) FILTER (WHERE source_system = ?), COUNT(*) FROM {q(name)}",
                                         [source]).fetchone()
            mine, others = mine + ours, others + total - ours
        if mine > others:  # re-inserting this source's rows would cost more than copying the others'
            return False
        shutil.copyfile(live, tmp)
        wal = live.with_name(live.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, tmp.with_name(tmp.name + ".wal"))
    finally:
        reader.close()
    return True


def _load_into_copy(tmp: Path, stage: Path, source: str, connector: Connector, sync_id: int,
                    progress: Progress) -> dict[str, int]:
    """Stage and validate the source in a file of its own, then, in the copy of the live file, replace
    this source's rows with the staged ones in one transaction. Returns rows per table."""
    con = duckdb.connect(str(tmp), config={"memory_limit": MEMORY_LIMIT})
    try:
        main = con.execute("SELECT current_database()").fetchone()[0]
        previous = _previous_counts(con, None, source)
        con.execute(f"ATTACH {_lit(str(stage))} AS stage")
        con.execute("USE stage")
        rows = _stage(con, source, connector, previous, progress)
        con.execute("COMMIT")
        con.execute(f"USE {q(main)}")
        progress(0.9, "Replacing this source's rows")
        con.execute("BEGIN")
        for statement in create_tables_sql():
            con.execute(statement)
        for name, table in TABLES.items():
            cols = ", ".join(q(c.name) for c in table.all_columns)
            con.execute(f"DELETE FROM {q(main)}.main.{q(name)} WHERE source_system = ?", [source])
            if rows.get(name):
                con.execute(f"INSERT INTO {q(main)}.main.{q(name)} ({cols}) SELECT {cols} FROM stage.main.{q(name)}")
        _record_snapshot(con, source, sync_id, rows)
        con.execute("COMMIT")
        con.execute("DETACH stage")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return rows


def _busy(live: Path, exc: Exception) -> UserFacingError:
    return UserFacingError(f"the warehouse {live} is open for writing by another program, so its "
                           f"current data cannot be read; try again in a moment "
                           f"({str(exc).splitlines()[0]})")


def _copy_others(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Every other source's canonical rows, and every other table of the live file, into the new file."""
    live_tables = _tables_in(con, "live")
    for name in TABLES:
        if name not in live_tables:
            continue
        live_cols = {r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'live' AND table_name = ?",
            [name]).fetchall()}
        cols = [c.name for c in TABLES[name].all_columns if c.name in live_cols]
        col_sql = ", ".join(q(c) for c in cols)
        con.execute(f"INSERT INTO main.{q(name)} ({col_sql}) SELECT {col_sql} FROM live.{q(name)} "
                    f"WHERE source_system IS DISTINCT FROM ?", [source])
    for name in sorted(live_tables - set(TABLES) - {SNAPSHOT_TABLE}):
        con.execute(f"CREATE TABLE main.{q(name)} AS SELECT * FROM live.{q(name)}")
    views = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE database_name = 'live' "
                        "AND NOT internal AND schema_name = 'main'").fetchall()
    for _name, sql in views:
        with contextlib.suppress(duckdb.Error):
            con.execute(sql)
    con.execute(f"CREATE TABLE IF NOT EXISTS main.{SNAPSHOT_TABLE} (source VARCHAR, sync_id BIGINT, "
                f"finished_at TIMESTAMP, rows VARCHAR)")
    if SNAPSHOT_TABLE in live_tables:
        con.execute(f"INSERT INTO main.{SNAPSHOT_TABLE} SELECT source, sync_id, finished_at, rows "
                    f"FROM live.{SNAPSHOT_TABLE} WHERE source <> ?", [source])


def _record_snapshot(con: duckdb.DuckDBPyConnection, source: str, sync_id: int, rows: dict[str, int]) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS main.{SNAPSHOT_TABLE} (source VARCHAR, sync_id BIGINT, "
                f"finished_at TIMESTAMP, rows VARCHAR)")
    con.execute(f"DELETE FROM main.{SNAPSHOT_TABLE} WHERE source = ?", [source])
    con.execute(f"INSERT INTO main.{SNAPSHOT_TABLE} VALUES (?, ?, ?, ?)",
                [source, sync_id, dt.datetime.now().replace(microsecond=0), json.dumps(rows)])


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ------------------------------------------------------------------------------------------ other backends


def _load_other_backend(url: str, data_dir: Path, source: str, connector: Connector, sync_id: int,
                        progress: Progress) -> LoadResult:
    if not (url.startswith("postgres://") or url.startswith("postgresql://")):
        raise UserFacingError(f"warehouse {url}: syncing is supported into a DuckDB file or PostgreSQL")
    data_dir.mkdir(parents=True, exist_ok=True)
    for stale in data_dir.glob("staging-*.duckdb*"):  # left by a killed sync; we hold the warehouse lock
        stale.unlink(missing_ok=True)
    staging = data_dir / f"staging-{_safe(source)}-{os.getpid()}.duckdb"
    con = duckdb.connect(str(staging), config={"memory_limit": MEMORY_LIMIT})
    try:
        import psycopg

        with psycopg.connect(url) as pg:
            previous = _pg_previous_counts(pg, source)
            pg.rollback()
            rows = _stage(con, source, connector, previous, progress)
            con.execute("COMMIT")
            progress(0.9, "Writing to the warehouse in one transaction")
            with pg.transaction():
                for statement in create_tables_sql():
                    pg.execute(statement.replace("VARCHAR", "TEXT"))
                for name in rows:
                    pg.execute(f"DELETE FROM {q(name)} WHERE source_system = %s", [source])
                    _pg_copy(pg, con, name)
                pg.execute(f"CREATE TABLE IF NOT EXISTS {SNAPSHOT_TABLE} (source TEXT, sync_id BIGINT, "
                           f"finished_at TIMESTAMP, rows TEXT)")
                pg.execute(f"DELETE FROM {SNAPSHOT_TABLE} WHERE source = %s", [source])
                pg.execute(f"INSERT INTO {SNAPSHOT_TABLE} VALUES (%s, %s, %s, %s)",
                           [source, sync_id, dt.datetime.now().replace(microsecond=0), json.dumps(rows)])
        return LoadResult(rows)
    finally:
        con.close()
        staging.unlink(missing_ok=True)
        staging.with_name(staging.name + ".wal").unlink(missing_ok=True)


def _pg_previous_counts(pg, source: str) -> dict[str, int]:
    counts = {}
    existing = {r[0] for r in pg.execute("SELECT table_name FROM information_schema.tables "
                                         "WHERE table_schema = ANY (current_schemas(false))").fetchall()}
    for name in TABLES:
        if name in existing:
            counts[name] = pg.execute(f"SELECT COUNT(*) FROM {q(name)} WHERE source_system = %s",
                                      [source]).fetchone()[0]
    return counts


def _pg_copy(pg, con: duckdb.DuckDBPyConnection, name: str, batch: int = 50_000) -> None:
    cols = [c.name for c in TABLES[name].all_columns]
    col_sql = ", ".join(q(c) for c in cols)
    result = con.execute(f"SELECT {col_sql} FROM {q(name)}")
    with pg.cursor().copy(f"COPY {q(name)} ({col_sql}) FROM STDIN") as copy:
        while True:
            rows = result.fetchmany(batch)
            if not rows:
                break
            for row in rows:
                copy.write_row(row)
