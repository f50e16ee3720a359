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

SQLite and PostgreSQL sources are read straight into Arrow record batches when their ADBC driver is
installed (adbc-driver-sqlite, adbc-driver-postgresql), several times faster than Python tuples; the
DB-API cursor above still opens the session, runs every check, and reads whatever the Arrow way cannot
give exactly as it would (see ``_arrow_batches`` and ``_postgres_batches``). The ADBC session is a
second, equally read-only one: for SQLite it opens its own read transaction at check time; for
PostgreSQL it imports the snapshot of the checking ``REPEATABLE READ, READ ONLY`` transaction
(``pg_export_snapshot`` / ``SET TRANSACTION SNAPSHOT``, as ``pg_dump -j`` does), so every table is read
in one transaction that sees exactly what the checks saw. MySQL/MariaDB sources stay on the cursor.

Every mapped column is checked against the reflected source columns before reading: SQLite would
otherwise turn a double-quoted name that matches no column into a text constant and load garbage.
Names are matched exactly, else case-insensitively (PostgreSQL folds unquoted names to lower case), so
one mapping serves a PMS database whatever server it was moved to.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
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
    expr_slot,
    slot_label,
    to_arrow_column,
)
from connectors.mapping import Mapping, TableMapping, check_select
from warehouse.errors import MappingError, UserFacingError

log = logging.getLogger(__name__)

# SQLAlchemy dialect name -> sqlglot dialect name (for checking and translating mapping SQL)
SQLGLOT_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql",
                    "mssql": "tsql", "oracle": "oracle", "duckdb": "duckdb", "snowflake": "snowflake"}


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: show it as written
        return url


def libpq_uri(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL (``postgresql+psycopg://user:pw@host:5432/db?options=...``) as the
    libpq connection URI that ADBC and psycopg take (``postgresql://...``). Query parameters of
    psycopg's URLs are libpq parameters already, so they carry over as they are; every part is
    percent-encoded (libpq decodes ``%XX`` but not ``+``)."""
    parsed = make_url(url)

    def enc(text: str) -> str:
        return urllib.parse.quote(str(text), safe="")

    auth = ""
    if parsed.username:
        auth = enc(parsed.username) + (":" + enc(parsed.password) if parsed.password else "") + "@"
    host = parsed.host or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = f":{parsed.port}" if parsed.port else ""
    database = "/" + enc(parsed.database) if parsed.database else ""
    pairs = [(k, v) for k, values in parsed.query.items()
             for v in (values if isinstance(values, tuple) else (values,))]
    query = "?" + "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs) if pairs else ""
    return f"postgresql://{auth}{host}{port}{database}{query}"


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
        self._arrow = None  # ADBC connection (SQLite or PostgreSQL); False when not available
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
        if self.dialect in ("sqlite", "postgresql"):
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
                names.append(expr_slot(target))
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
        elif self.dialect == "postgresql":
            batches = self._postgres_batches(tm, plan)
            if batches is not None:
                for columns, length in batches:
                    yield assemble(tm, dict(zip(plan.names, columns, strict=True)), length, stream.unmapped)
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
        """A second read-only connection for Arrow reads, its read transaction open (None without the
        driver, or when it cannot be opened: the DB-API cursor reads everything then)."""
        if self._arrow is None:
            opener = self._open_sqlite_arrow if self.dialect == "sqlite" else self._open_postgres_arrow
            self._arrow = opener() or False
        return self._arrow or None

    def _open_sqlite_arrow(self):
        try:
            import adbc_driver_sqlite.dbapi as adbc_sqlite
        except ImportError:
            return None
        path = sqlite_path(self.url)
        try:
            con = adbc_sqlite.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro")
            cur = con.cursor()  # autocommit is off: this read opens the snapshot
            cur.execute("SELECT COUNT(*) FROM sqlite_master")
            cur.fetchall()
            cur.close()
        except Exception:  # noqa: BLE001 - fall back to the DB-API cursor
            return None
        return con

    def _open_postgres_arrow(self):
        """An ADBC session, read-only like the DB-API one, in a ``REPEATABLE READ, READ ONLY``
        transaction that imports the DB-API transaction's snapshot: both see the same moment."""
        try:
            import adbc_driver_postgresql.dbapi as adbc_pg
        except ImportError:
            return None
        snapshot = self._export_snapshot()
        if snapshot is None:
            return None
        try:
            con = adbc_pg.connect(libpq_uri(self.url))
        except Exception as exc:  # noqa: BLE001 - the DB-API session works, so read through it
            log.warning("%s: reading through the DB-API cursor, adbc-driver-postgresql cannot connect: %s",
                        self.label, _adbc_message(exc))
            return None
        try:
            cur = con.cursor()  # autocommit is off: the driver has begun a transaction
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            con.commit()
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            cur.close()
        except Exception as exc:  # noqa: BLE001
            log.warning("%s: reading through the DB-API cursor, the ADBC session cannot share the snapshot: %s",
                        self.label, _adbc_message(exc))
            with contextlib.suppress(Exception):
                con.close()
            return None
        return con

    def _export_snapshot(self) -> str | None:
        """The id of the DB-API transaction's snapshot (None where the server does not allow it)."""
        cur = self._raw.cursor()
        try:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = str(cur.fetchone()[0])
        except Exception:  # noqa: BLE001 - e.g. an old standby: the DB-API cursor reads everything
            self._recover()
            return None
        finally:
            cur.close()
        return snapshot if re.fullmatch(r"[0-9A-Fa-f-]+", snapshot) else None

    def _postgres_batches(self, tm: TableMapping, plan: _Plan) -> Iterator[tuple[list[pa.Array], int]] | None:
        """PostgreSQL rows straight to Arrow (adbc-driver-postgresql: binary COPY, in C), as the
        columns the DB-API cursor would have given. None, so the cursor reads the table, without the
        driver or when a column has a type whose Arrow form differs from psycopg's Python value
        (json, uuid, interval, arrays...)."""
        con = self._arrow_connection()
        if con is None:
            return None
        cur = con.cursor()
        try:
            schema = cur.adbc_execute_schema(plan.sql)
        except Exception as exc:  # noqa: BLE001
            cur.close()
            raise self._read_failed(tm, exc) from exc
        if not all(_pg_type(f) in PG_ARROW_TYPES for f in schema):
            cur.close()
            return None
        return self._read_postgres(cur, tm, plan)

    def _read_postgres(self, cur, tm: TableMapping, plan: _Plan) -> Iterator[tuple[list[pa.Array], int]]:
        """The record batches of the ADBC stream (about 16 MB each, so memory stays flat)."""
        money = _decimal_only(tm)
        try:
            try:
                cur.execute(plan.sql)
                reader = cur.fetch_record_batch()
            except Exception as exc:  # noqa: BLE001
                raise self._read_failed(tm, exc) from exc
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except Exception as exc:  # noqa: BLE001 - an error of the query or a lost connection
                    raise self._read_failed(tm, exc) from exc
                try:
                    columns = [_as_cursor_gives(field, column, name, name in money)
                               for field, column, name in zip(batch.schema, batch.columns, plan.names, strict=True)]
                except _OutOfRange as exc:
                    raise self._read_failed(tm, exc) from exc
                yield columns, batch.num_rows
        finally:
            with contextlib.suppress(Exception):
                cur.close()

    def _read_failed(self, tm: TableMapping, exc: BaseException) -> UserFacingError:
        """The error the DB-API reader gives when reading a table fails."""
        return UserFacingError(f"{self.label}: reading table {tm.table} (from {tm.origin}) failed: "
                               f"{_adbc_message(exc)}")

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

    def __init__(self, sql: str, names: list, source_names: dict[str, str]):
        self.sql, self.names, self.source_names = sql, names, source_names


def _plainly_typed(batch: pa.RecordBatch) -> bool:
    """False when the driver had to mix kinds in a column: bytes, or a REAL printed as text in its
    own exponent form (the row-by-row way keeps Python's form, which messages show)."""
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


def _adbc_message(exc: BaseException) -> str:
    """The server's own words, as psycopg gives them: ADBC wraps them in its status and libpq's
    context ('INVALID_DATA: [libpq] ... ERROR:  integer out of range')."""
    text = _first_line(exc)
    return text.split("ERROR:", 1)[1].strip() if "ERROR:" in text else text


# PostgreSQL types whose Arrow form (after _as_cursor_gives) holds the values psycopg's Python objects
# become in the DB-API reader (connectors/base.py); a table with any other type (json, uuid, interval,
# arrays, bytea...) is read by the cursor.
PG_ARROW_TYPES = frozenset({"bool", "int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar",
                            "bpchar", "name", "date", "timestamp", "timestamptz"})
# Python's dates hold the years 1-9999 (psycopg refuses the rest, 'infinity' included); ADBC would give
# numbers far outside, which must not load as dates.
_DAYS = (-719_162, 2_932_896)  # 0001-01-01 and 9999-12-31, days since 1970-01-01
_MICROSECONDS = (-62_135_596_800 * 10**6, 253_402_300_800 * 10**6 - 1)


class _OutOfRange(ValueError):
    pass


def _pg_type(field: pa.Field) -> str:
    return (field.metadata or {}).get(b"POSTGRESQL:type", b"").decode()


def _decimal_only(tm: TableMapping) -> frozenset:
    """The plan names (source columns, expression slots) that feed canonical decimal columns only."""
    from warehouse.schema import TABLES

    kinds = {c.name: c.type for c in TABLES[tm.table].all_columns}
    feeds: dict[str, set[str]] = {}
    for target, rule in tm.columns.items():
        if rule.kind in ("column", "expr"):
            slot = rule.column if rule.kind == "column" else expr_slot(target)
            feeds.setdefault(slot, set()).add(kinds.get(target, "str"))
        elif rule.kind == "coded":
            feeds.setdefault(rule.column, set()).add("coded")
    return frozenset(name for name, types in feeds.items() if types == {"decimal"})


def _as_cursor_gives(field: pa.Field, column: pa.Array, name: str | tuple[str, str], money: bool = False) -> pa.Array:
    """One ADBC column as the DB-API reader would have typed psycopg's values: whole numbers int64,
    float4 as the double of its shortest text (psycopg parses '0.1', not 0.10000000149011612),
    NUMERIC (text in ADBC) decimal; dates checked to be ones Python can hold. ``money``: the column
    only feeds canonical decimals (see ``_decimals``)."""
    kind = _pg_type(field)
    if kind in ("int2", "int4"):
        return column.cast(pa.int64())
    if kind == "float4":
        return column.cast(pa.string()).cast(pa.float64())
    if kind == "numeric":
        return _decimals(column.storage if isinstance(column, pa.ExtensionArray) else column, exact=money)
    if kind in ("date", "timestamp", "timestamptz"):
        _check_python_range(column, name)
    return column


def _decimals(text: pa.Array, exact: bool = False) -> pa.Array:
    """NUMERIC text as the decimal type pyarrow gives psycopg's Decimal values: precision and scale
    from the widest values of the chunk. 'NaN', 'Infinity' or over 38 digits go the Python way.

    ``exact``: the smallest scale that still holds every value exactly, instead of the display scale
    (``ChgCents / 100.0`` is 150.0000000000000000 in PostgreSQL). For columns that only become
    canonical decimals (DECIMAL(18,2)) the result is the same, and DuckDB casts a decimal wider than 18
    digits some 70 times slower (a fifth of the large practice's sync, bench/RESULTS.md)."""
    if text.null_count == len(text):
        return pa.nulls(len(text))
    point = pc.find_substring(text, ".")
    has_point = pc.greater_equal(point, 0)
    digits = pc.if_else(has_point, pc.utf8_rtrim(text, characters="0"), text) if exact else text
    length = pc.utf8_length(digits)
    scale = pc.max(pc.if_else(has_point, pc.subtract(pc.subtract(length, point), 1), 0)).as_py()
    sign = pc.cast(pc.starts_with(text, "-"), pa.int32())
    zero = pc.cast(pc.match_substring_regex(text, r"^-?0\."), pa.int32())  # Decimal('0.25') has 2 digits
    whole = pc.max(pc.subtract(pc.subtract(pc.if_else(has_point, point, length), sign), zero)).as_py()
    precision = max(whole + scale, 1)
    if precision <= 38:
        try:
            return text.cast(pa.decimal128(precision, scale))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return to_arrow_column([None if v is None else Decimal(v) for v in text.to_pylist()])


def _check_python_range(column: pa.Array, name: str | tuple[str, str]) -> None:
    if column.null_count == len(column):
        return
    if pa.types.is_date32(column.type):
        low, high = _DAYS
        values = column.view(pa.int32())
    else:
        per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[column.type.unit]
        low, high = (bound * per_second // 10**6 for bound in _MICROSECONDS)
        values = column.view(pa.int64())
    extremes = pc.min_max(values).as_py()
    if extremes["min"] < low or extremes["max"] > high:
        raise _OutOfRange(f"{slot_label(name)} holds a date outside the years 1-9999 (such as 'infinity'), "
                          f"which the reader cannot represent")


__all__ = ["SqlConnector", "libpq_uri", "read_only_engine", "safe_url", "to_arrow_column"]
