"""SQL connector: any database SQLAlchemy reaches (SQLite, PostgreSQL, MySQL/MariaDB, SQL Server...).

Read-only on purpose, twice over: a mapping ``query`` must be a single SELECT (connectors/mapping.py),
and the session itself is opened read-only where the database allows it:

- SQLite: the file is opened with ``mode=ro`` (a missing file is an error, never a new empty one);
- PostgreSQL: ``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`` on connect and one
  ``REPEATABLE READ, READ ONLY`` transaction for the whole source;
- MySQL/MariaDB: ``SET SESSION TRANSACTION READ ONLY`` and ``START TRANSACTION WITH CONSISTENT
  SNAPSHOT, READ ONLY``;
- other databases: give the dashboard a login that can only read.

All tables of one source are read inside one transaction, so claims and their lines come from the same
moment. Rows are fetched in chunks through a server-side cursor (PostgreSQL named cursor, MySQL
``SSCursor``, SQLite's lazy cursor), so memory stays flat however big the source is.

Every mapped column is checked against the reflected source columns before reading: SQLite would
otherwise turn a double-quoted name that matches no column into a text constant and load garbage.
Names are matched exactly, else case-insensitively (PostgreSQL folds unquoted names to lower case), so
one mapping serves a PMS database whatever server it was moved to.
"""

from __future__ import annotations

import contextlib
import sqlite3
import urllib.parse
from collections.abc import Iterator

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from config.settings import sqlite_path
from connectors.base import (
    CHUNK_ROWS,
    RowConverter,
    TableStream,
    assemble,
    check_columns_exist,
    to_arrow_column,
)
from connectors.mapping import Mapping, TableMapping, check_select
from warehouse.errors import MappingError, UserFacingError

# SQLAlchemy dialect name -> sqlglot dialect name (for checking and translating mapping SQL)
SQLGLOT_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql",
                    "mssql": "tsql", "oracle": "oracle", "duckdb": "duckdb", "snowflake": "snowflake"}


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: show it as written
        return url


def read_only_engine(url: str) -> Engine:
    """An engine whose sessions cannot write (where the database supports that)."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001
        raise UserFacingError(f"{url!r} is not a database URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is None:
            raise UserFacingError(f"{url}: a SQLite source must be a file (sqlite:///path/to/file.db)")
        if not path.exists():
            raise UserFacingError(f"cannot open the source database {url}: file {path} not found")
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
        return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
                                poolclass=NullPool)
    engine = sa.create_engine(url, poolclass=NullPool)
    backend = engine.dialect.name
    statement = {"postgresql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                 "mysql": "SET SESSION TRANSACTION READ ONLY",
                 "mariadb": "SET SESSION TRANSACTION READ ONLY"}.get(backend)
    if statement:
        @sa.event.listens_for(engine, "connect")
        def _read_only(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute(statement)
            cur.close()
            dbapi_conn.commit()
    return engine


class SqlConnector:
    """Reads the canonical tables a mapping names from one SQL database."""

    def __init__(self, source_name: str, url: str, mapping: Mapping, chunk_rows: int = CHUNK_ROWS):
        self.source_name = source_name
        self.url = url
        self.mapping = mapping
        self.chunk_rows = chunk_rows
        self.label = f"source {source_name!r} ({safe_url(url)}, mapping {mapping.path})"
        self._engine: Engine | None = None
        self._raw = None
        self._plans: dict[str, _Plan] = {}
        self._arrow = None  # adbc-driver-sqlite connection; False when not available
        self._arrow_finished = False

    # -- opening and checking -----------------------------------------------------------------------

    def _connect(self):
        if self._raw is not None:
            return self._raw
        self._engine = read_only_engine(self.url)
        try:
            self._raw = self._engine.raw_connection()
        except Exception as exc:  # noqa: BLE001 - every driver has its own error class
            raise UserFacingError(f"cannot connect to the source database {safe_url(self.url)} "
                                  f"(source {self.source_name!r}): {_first_line(exc)}") from exc
        self._begin()
        return self._raw

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name if self._engine is not None else ""

    def _begin(self) -> None:
        """One read-only transaction for the whole source: every table from the same moment."""
        cur = self._raw.cursor()
        if self.dialect == "postgresql":
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")  # psycopg began it
        elif self.dialect in ("mysql", "mariadb"):
            cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        elif self.dialect == "sqlite":
            cur.execute("BEGIN")
        cur.close()

    def check(self) -> None:
        """Connect, then check every mapped table and column (and each expression) exists."""
        self._connect()
        if self.dialect == "sqlite":
            self._arrow_connection()  # its read transaction starts now, beside the DB-API one
        tables = self._source_tables()
        for tm in self.mapping.tables.values():
            self._plans[tm.table] = self._plan(tm, tables)

    def _source_tables(self) -> dict[str, str]:
        """Lower-case name -> real name of every table and view in the source database."""
        cur = self._raw.cursor()
        try:
            if self.dialect == "sqlite":
                cur.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
            elif self.dialect == "postgresql":
                cur.execute("SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = ANY (current_schemas(false))")
            elif self.dialect in ("mysql", "mariadb"):
                cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
            else:
                names = sa.inspect(self._engine).get_table_names() + sa.inspect(self._engine).get_view_names()
                return {n.lower(): n for n in names}
            return {row[0].lower(): row[0] for row in cur.fetchall()}
        finally:
            cur.close()

    def _columns_of(self, from_sql: str) -> list[str]:
        cur = self._raw.cursor()
        try:
            cur.execute(f"SELECT * FROM {from_sql} WHERE 1 = 0")
            cols = [d[0] for d in cur.description]
            cur.fetchall()
            return cols
        finally:
            cur.close()

    def _plan(self, tm: TableMapping, tables: dict[str, str]) -> _Plan:
        where = f"mapping {self.mapping.path}, table {tm.table}"
        quote = self._engine.dialect.identifier_preparer.quote
        if tm.query is not None:
            query = self._sql(tm.query, where)
            check_select(query, where, SQLGLOT_DIALECTS.get(self.dialect))
            from_sql = f"({query}) src"
            try:
                available = self._columns_of(from_sql)
            except Exception as exc:  # noqa: BLE001
                self._recover()
                raise MappingError(f"{where}: the query fails on {safe_url(self.url)}: {_first_line(exc)}") from exc
        else:
            schema, _, name = tm.source.rpartition(".")
            real = tables.get(name.lower()) if not schema else name
            if real is None:
                raise MappingError(f"{where}: source table {tm.source!r} not found in {safe_url(self.url)} "
                                   f"(it has: {', '.join(sorted(tables.values()))})")
            from_sql = (quote(schema) + "." if schema else "") + quote(real)
            available = self._columns_of(from_sql)
        resolved = check_columns_exist(tm.source_columns, available, f"{where} (from {tm.origin})")
        select, names = [], []
        for column in tm.source_columns:
            select.append(quote(resolved[column]))
            names.append(column)
        for target, rule in tm.columns.items():
            if rule.kind == "expr":
                expr = self._sql(rule.expr, f"{where}, column {target}", expression=True)
                self._check_expr_columns(expr, available, f"{where}, column {target}")
                select.append(f"({expr})")
                names.append(target)
        aliases = [f"{expr} AS {quote(f'c{i}')}" for i, expr in enumerate(select)]
        sql = f"SELECT {', '.join(aliases) or '1'} FROM {from_sql}"
        self._probe(sql, tm, where)
        source_names = {t: (r.column if r.source_column else f"expr {r.expr!r}" if r.kind == "expr" else "constant")
                        for t, r in tm.columns.items()}
        return _Plan(sql=sql, names=names, source_names=source_names)

    def _sql(self, sql: str, where: str, expression: bool = False) -> str:
        """Mapping SQL in the source's dialect (translated when the mapping declares another one)."""
        written = self.mapping.sql_dialect
        target = SQLGLOT_DIALECTS.get(self.dialect)
        if not written or not target or written == target:
            return sql.strip().rstrip(";")
        import sqlglot

        try:
            if expression:
                return sqlglot.parse_one(sql, read=written).sql(dialect=target)
            return sqlglot.transpile(sql, read=written, write=target)[0]
        except sqlglot.errors.SqlglotError as exc:
            raise MappingError(f"{where}: cannot translate the SQL from {written} to {target}: {exc}") from exc

    def _check_expr_columns(self, expr: str, available: list[str], where: str) -> None:
        """Names in an expression must be real columns: SQLite reads a double-quoted unknown name as
        text. Expressions with a sub-query are left to the database to check."""
        import sqlglot
        from sqlglot import exp

        try:
            tree = sqlglot.parse_one(expr, read=SQLGLOT_DIALECTS.get(self.dialect))
        except sqlglot.errors.SqlglotError:
            return
        if any(isinstance(node, exp.Select) for node in tree.walk()):
            return
        names = {c.name for c in tree.find_all(exp.Column) if c.name}
        check_columns_exist(sorted(names), available, f"{where} (expr {expr!r})")

    def _probe(self, sql: str, tm: TableMapping, where: str) -> None:
        cur = self._raw.cursor()
        try:
            cur.execute(f"SELECT * FROM ({sql}) probe WHERE 1 = 0")
            cur.fetchall()
        except Exception as exc:  # noqa: BLE001
            self._recover()
            raise MappingError(f"{where} (from {tm.origin}): the mapped columns cannot be read: "
                               f"{_first_line(exc)}") from exc
        finally:
            cur.close()

    def _recover(self) -> None:
        """After a failed statement PostgreSQL aborts the transaction: start a new one."""
        with contextlib.suppress(Exception):
            self._raw.rollback()
            self._begin()

    # -- reading --------------------------------------------------------------------------------------

    def streams(self) -> Iterator[TableStream]:
        if not self._plans:
            self.check()
        for tm in self.mapping.tables.values():
            plan = self._plans[tm.table]
            stream = TableStream(table=tm.table, origin=tm.origin, file=str(self.mapping.path),
                                 options=tm.options, allow_empty=tm.allow_empty, chunks=iter(()),
                                 source_names=plan.source_names)
            stream.chunks = self._chunks(tm, plan, stream)
            yield stream

    def _chunks(self, tm: TableMapping, plan: _Plan, stream: TableStream) -> Iterator[pa.Table]:
        done = 0
        if self.dialect == "sqlite":
            for batch in self._arrow_batches(plan.sql):
                done += batch.num_rows
                yield assemble(tm, dict(zip(plan.names, batch.columns, strict=True)), batch.num_rows, stream.unmapped)
            if self._arrow_finished:
                return
        yield from self._row_chunks(tm, plan, stream, skip=done)

    def _arrow_batches(self, sql: str) -> Iterator[pa.RecordBatch]:
        """SQLite rows straight to Arrow in C (adbc-driver-sqlite), several times faster than fetching
        Python tuples. SQLite lets one column hold several kinds of value; the driver would then type
        the column by the first batch and fail later, or print numbers its own way. So it stops at the
        first batch that is not plainly typed, and the caller reads the rest the row-by-row way
        (``_arrow_finished`` stays False). The same query in the same read transaction returns rows in
        the same order, so the caller skips the rows already given."""
        self._arrow_finished = False
        con = self._arrow_connection()
        if con is None:
            return
        cur = con.cursor()
        try:
            try:
                cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(self.chunk_rows)})
                cur.execute(sql)
                reader = cur.fetch_record_batch()
            except Exception:  # noqa: BLE001 - the row-by-row way reports it with the usual message
                return
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    self._arrow_finished = True
                    return
                except Exception:  # noqa: BLE001 - a kind of value the first batch did not have
                    return
                if not _plainly_typed(batch):
                    return
                yield batch
        finally:
            with contextlib.suppress(Exception):
                cur.close()

    def _arrow_connection(self):
        """A second read-only connection to the SQLite file for Arrow reads (None without the driver)."""
        if self._arrow is False:
            return None
        if self._arrow is None:
            try:
                import adbc_driver_sqlite.dbapi as adbc_sqlite
            except ImportError:
                self._arrow = False
                return None
            path = sqlite_path(self.url)
            try:
                self._arrow = adbc_sqlite.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro")
                cur = self._arrow.cursor()  # autocommit is off: this read opens the snapshot
                cur.execute("SELECT COUNT(*) FROM sqlite_master")
                cur.fetchall()
                cur.close()
            except Exception:  # noqa: BLE001 - fall back to the DB-API cursor
                self._arrow = False
                return None
        return self._arrow

    def _row_chunks(self, tm: TableMapping, plan: _Plan, stream: TableStream, skip: int = 0
                    ) -> Iterator[pa.Table]:
        cur = self._server_cursor()
        converter = RowConverter(plan.names)
        try:
            try:
                cur.execute(plan.sql)
            except Exception as exc:  # noqa: BLE001
                raise UserFacingError(f"{self.label}: reading table {tm.table} (from {tm.origin}) failed: "
                                      f"{_first_line(exc)}") from exc
            while True:
                try:
                    rows = cur.fetchmany(self.chunk_rows if not skip else min(skip, self.chunk_rows))
                except Exception as exc:  # noqa: BLE001 - a lost connection mid-read
                    raise UserFacingError(f"{self.label}: reading table {tm.table} (from {tm.origin}) failed: "
                                          f"{_first_line(exc)}") from exc
                if not rows:
                    break
                if skip:
                    skip -= len(rows)
                    continue
                yield assemble(tm, converter.convert(rows), len(rows), stream.unmapped)
        finally:
            cur.close()

    def _server_cursor(self):
        driver = self._raw.driver_connection
        if self.dialect == "postgresql" and hasattr(driver, "cursor"):
            try:
                cur = driver.cursor(name=f"sync_{id(self)}")
                cur.itersize = self.chunk_rows
                return cur
            except TypeError:  # a driver without named cursors
                pass
        if self.dialect in ("mysql", "mariadb"):
            try:
                import pymysql.cursors

                if isinstance(driver, pymysql.connections.Connection):
                    return driver.cursor(pymysql.cursors.SSCursor)
            except ImportError:
                pass
        return self._raw.cursor()

    def close(self) -> None:
        if self._arrow:
            with contextlib.suppress(Exception):
                self._arrow.rollback()
                self._arrow.close()
        self._arrow = None
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.rollback()
            self._raw.close()
            self._raw = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class _Plan:
    __slots__ = ("sql", "names", "source_names")

    def __init__(self, sql: str, names: list[str], source_names: dict[str, str]):
        self.sql, self.names, self.source_names = sql, names, source_names


def _plainly_typed(batch: pa.RecordBatch) -> bool:
    """False when the driver had to mix kinds in a column: bytes, or a REAL printed as text in its
    own exponent form (the row-by-row way keeps Python's form, which messages show)."""
    import pyarrow.compute as pc

    for column in batch.columns:
        kind = column.type
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return False
        if (pa.types.is_string(kind) or pa.types.is_large_string(kind)) and column.null_count < len(column) \
                and pc.any(pc.match_substring_regex(column, r"^-?[0-9]\.[0-9]{6}e[+-][0-9]{2,}$")).as_py():
            return False
    return True


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


__all__ = ["SqlConnector", "read_only_engine", "safe_url", "to_arrow_column"]
