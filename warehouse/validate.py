"""Validation of one source's canonical rows, before anything reaches the live warehouse.

The sync loads a source's rows into the next snapshot (a file nobody reads yet) chunk by chunk; every
chunk is typed here with DuckDB casts, and every value that does not fit is counted, never silently
dropped. After the last chunk the whole tables are checked: code lists, unique keys and references
inside the source. Each problem names the file, table, column, a few offending values and how many
rows; all problems are kept up to ``MAX_PROBLEMS`` so one run shows everything to fix.

Typing rules (raw value as the source gave it -> canonical type):

- blank text ('' or spaces) counts as null for every type except ``str``;
- ``int``: whole numbers only; ``decimal``: a number (no currency sign or thousands separator);
- ``date`` / ``timestamp``: native values, or text in ISO form (``2026-03-02``, ``2026-03-02 14:30``),
  or in the table's ``options: {date_format, timestamp_format}`` (``strftime`` codes);
- ``bool``: native, 0/1, or text true/false, t/f, yes/no, y/n, 1/0 (any case).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.schema import REFERENCES, TABLES, Column

MAX_PROBLEMS = 50
SAMPLES = 5

SQL_TYPES = {"str": "VARCHAR", "int": "BIGINT", "decimal": "DECIMAL(18,2)", "date": "DATE",
             "timestamp": "TIMESTAMP", "bool": "BOOLEAN"}
TRUE_WORDS = ("1", "true", "t", "yes", "y")
FALSE_WORDS = ("0", "false", "f", "no", "n")
REQUIRED_MISSING = "have no value (required)"
TYPE_WORDS = {"int": "whole numbers", "decimal": "amounts of money", "date": "dates", "timestamp": "date-times",
              "bool": "yes/no values", "str": "text"}


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def create_tables_sql(table_names=None) -> list[str]:
    """DDL for the canonical tables (the same column types ibis gives them in warehouse/store.py)."""
    statements = []
    for table in TABLES.values():
        if table_names is not None and table.name not in table_names:
            continue
        cols = ", ".join(f"{q(c.name)} {SQL_TYPES[c.type]}" for c in table.all_columns)
        statements.append(f"CREATE TABLE IF NOT EXISTS {q(table.name)} ({cols})")
    return statements


def cast_sql(column: Column, raw_type: pa.DataType, options: dict, ref: str) -> str:
    """SQL turning the raw chunk column ``ref`` into the canonical type; NULL where it does not fit."""
    kind = column.type
    if pa.types.is_null(raw_type):
        return f"CAST(NULL AS {SQL_TYPES[kind]})"
    is_text = _is_text(raw_type)
    if kind == "str":
        return f"CAST({ref} AS VARCHAR)"
    if kind == "bool":
        return _bool_sql(raw_type, ref)
    if is_text:
        return _text_sql(lambda value: _convert_sql(kind, raw_type, options, value), ref)
    return _convert_sql(kind, raw_type, options, ref)


def _text_sql(convert, ref: str) -> str:
    """``convert`` of a text column, tolerating white space around values and blank text (null).

    Most exported values are clean, so each is first converted as it is; only where that fails is it
    trimmed and converted again. Trimming every value first costs about twice the conversion itself
    (DuckDB's TRIM looks at each character's Unicode class). A CASE, unlike COALESCE, evaluates its
    ELSE branch only for the rows that reach it.
    """
    trimmed = f"NULLIF(TRIM({ref}), '')"
    return _first_of(convert(ref), convert(trimmed))


def _convert_sql(kind: str, raw_type: pa.DataType, options: dict, value: str) -> str:
    is_text = _is_text(raw_type)
    if kind == "int":
        if pa.types.is_floating(raw_type) or pa.types.is_decimal(raw_type):
            return f"CASE WHEN {value} = TRUNC({value}) THEN TRY_CAST({value} AS BIGINT) END"
        if pa.types.is_boolean(raw_type):
            return f"CAST({value} AS BIGINT)"
        return f"TRY_CAST({value} AS BIGINT)"
    if kind == "decimal":
        return f"TRY_CAST({value} AS DECIMAL(18,2))"
    if kind in ("date", "timestamp"):
        fmt = options.get("date_format" if kind == "date" else "timestamp_format")
        target = SQL_TYPES[kind]
        if pa.types.is_temporal(raw_type) and not pa.types.is_time(raw_type):
            return f"TRY_CAST({value} AS {target})"
        text = value if is_text else f"CAST({value} AS VARCHAR)"
        if fmt:
            parsed = f"TRY_STRPTIME({text}, {lit(fmt)})"
            if kind == "timestamp" and options.get("date_format"):
                # a timestamp column may hold plain dates in the date layout
                parsed = _first_of(parsed, f"TRY_STRPTIME({text}, {lit(options['date_format'])})")
            return f"CAST({parsed} AS {target})"
        if kind == "date":
            return _first_of(f"TRY_CAST({text} AS DATE)", f"CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE)")
        return f"TRY_CAST({text} AS TIMESTAMP)"
    raise ValueError(kind)


def _first_of(first: str, second: str) -> str:
    """COALESCE of two expressions that evaluates ``second`` only where ``first`` is null."""
    return f"CASE WHEN {first} IS NOT NULL THEN {first} ELSE {second} END"


def _bool_sql(raw_type: pa.DataType, ref: str) -> str:
    if pa.types.is_boolean(raw_type):
        return ref
    if pa.types.is_integer(raw_type) or pa.types.is_floating(raw_type) or pa.types.is_decimal(raw_type):
        return f"CASE WHEN {ref} = 1 THEN TRUE WHEN {ref} = 0 THEN FALSE END"
    low = f"LOWER(TRIM(CAST({ref} AS VARCHAR)))"
    trues = ", ".join(lit(w) for w in TRUE_WORDS)
    falses = ", ".join(lit(w) for w in FALSE_WORDS)
    return f"CASE WHEN {low} IN ({trues}) THEN TRUE WHEN {low} IN ({falses}) THEN FALSE END"


def _raw_present(raw_type: pa.DataType, ref: str) -> str:
    if _is_text(raw_type):
        return f"NULLIF(TRIM({ref}), '') IS NOT NULL"
    return f"{ref} IS NOT NULL"


@dataclass
class Problem:
    where: str
    what: str
    count: int = 0
    samples: list = field(default_factory=list)

    def message(self) -> str:
        shown = ", ".join(repr(s) for s in self.samples[:SAMPLES])
        return f"{self.where}: {self.count} rows {self.what}" + (f", e.g. {shown}" if shown else "")


class Problems:
    """Problems of one sync, merged by place and kind across chunks, capped at MAX_PROBLEMS."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Problem] = {}
        self.plain: list[str] = []

    def add(self, where: str, what: str, count: int, samples: list) -> None:
        key = (where, what)
        item = self._items.get(key)
        if item is None:
            if len(self) >= MAX_PROBLEMS:
                return
            item = self._items[key] = Problem(where, what)
        item.count += count
        for s in samples:
            if len(item.samples) < SAMPLES and s not in item.samples:
                item.samples.append(s)

    def forgive(self, where: str, what: str, count: int) -> None:
        """Take back ``count`` rows of a problem already explained by another message (a code outside
        ``values`` leaves the column empty: that is not also a missing required value)."""
        item = self._items.get((where, what))
        if item is not None:
            item.count -= count
            if item.count <= 0:
                del self._items[(where, what)]

    def add_message(self, message: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.plain.append(message)

    def __len__(self) -> int:
        return len(self._items) + len(self.plain)

    def messages(self) -> list[str]:
        out = [p.message() for p in self._items.values()] + self.plain
        if len(out) >= MAX_PROBLEMS:
            out.append(f"(stopped listing after {MAX_PROBLEMS} problems)")
        return out


@dataclass
class TableContext:
    """Where rows come from, for messages: the file (mapping or CSV), the source table, per-column names."""

    table: str
    file: str
    origin: str
    source_names: dict[str, str]
    options: dict

    def where(self, column: str | None = None) -> str:
        head = f"{self.file}: table {self.table} (from {self.origin})"
        if column is None:
            return head
        source = self.source_names.get(column)
        return f"{head}, column {column}" + (f" (source {source})" if source and source != column else "")


def load_chunk(con: duckdb.DuckDBPyConnection, ctx: TableContext, chunk: pa.Table, source: str,
               problems: Problems) -> int:
    """Type one chunk, record what does not fit, and append it to the table in ``con``. Returns rows."""
    table = TABLES[ctx.table]
    con.register("chunk", chunk)
    try:
        present = set(chunk.column_names)
        casts, checks, typed = {}, [], {}
        for column in table.all_columns:
            if column.name == "source_system":
                continue
            if column.name not in present:
                casts[column.name] = f"CAST(NULL AS {SQL_TYPES[column.type]})"
                continue
            raw_type = chunk.schema.field(column.name).type
            ref = q(column.name)
            cast = cast_sql(column, raw_type, ctx.options, ref)
            casts[column.name] = cast
            if column.type != "str" and _may_not_fit(raw_type, column.type):
                # Converted once, in a subquery (FILTER conditions share no expression); the blank test
                # (a TRIM) runs only on the rows the conversion left null: a CASE evaluates its THEN for
                # those rows only, where AND inside FILTER evaluates both sides for every row.
                alias = q(f"typed {column.name}")
                typed[alias] = cast
                checks.append((column, f"CASE WHEN {alias} IS NULL THEN {_raw_present(raw_type, ref)} ELSE FALSE END",
                               f"are not {TYPE_WORDS[column.type]}" + _format_hint(column, ctx.options)))
            if column.required and _missing_count(chunk.column(column.name)):
                checks.append((column, f"NOT ({_raw_present(raw_type, ref)})", REQUIRED_MISSING))
        for column in table.columns:
            if column.required and column.name not in present:
                problems.add(ctx.where(column.name), "have no value (required column not provided)",
                             chunk.num_rows, [])
        rows = f"(SELECT *, {', '.join(f'{c} AS {a}' for a, c in typed.items())} FROM chunk)" if typed else "chunk"
        _count_problems(con, ctx, checks, rows, problems)
        select = ", ".join(f"{casts[c.name]} AS {q(c.name)}" if c.name != "source_system"
                           else f"{lit(source)} AS {q(c.name)}" for c in table.all_columns)
        con.execute(f"INSERT INTO {q(table.name)} SELECT {select} FROM chunk")
    finally:
        con.unregister("chunk")
    return chunk.num_rows


def _may_not_fit(raw: pa.DataType, kind: str) -> bool:
    """False when every value of this raw type converts (no need to look for failures)."""
    if pa.types.is_null(raw):
        return False
    if kind in ("int", "decimal"):
        return not pa.types.is_integer(raw)
    if kind == "date":
        return not (pa.types.is_date(raw) or pa.types.is_timestamp(raw))
    if kind == "timestamp":
        return not (pa.types.is_timestamp(raw) or pa.types.is_date(raw))
    if kind == "bool":
        return not pa.types.is_boolean(raw)
    return True


def _missing_count(column: pa.ChunkedArray) -> int:
    """Nulls, and for text blank values, without a query (most required columns have none)."""
    missing = column.null_count
    if _is_text(column.type):
        # blank: empty, or white space only (tested without building trimmed copies of every value)
        blank = pc.or_(pc.equal(pc.binary_length(column), 0), pc.utf8_is_space(column))
        missing += pc.sum(blank).as_py() or 0
    return missing


def _format_hint(column: Column, options: dict) -> str:
    if column.type == "date":
        return f" in the form {options.get('date_format') or 'YYYY-MM-DD'}"
    if column.type == "timestamp":
        return f" in the form {options.get('timestamp_format') or 'YYYY-MM-DD HH:MM[:SS]'}"
    return ""


def _count_problems(con, ctx: TableContext, checks: list, rows: str, problems: Problems) -> None:
    """Count the rows of each check's condition over ``rows`` (the chunk, with its typed columns)."""
    if not checks:
        return
    counts = con.execute("SELECT " + ", ".join(f"COUNT(*) FILTER (WHERE {cond})" for _, cond, _ in checks)
                         + f" FROM {rows}").fetchone()
    for (column, cond, what), count in zip(checks, counts, strict=True):
        if count:
            samples = [r[0] for r in con.execute(
                f"SELECT DISTINCT CAST({q(column.name)} AS VARCHAR) FROM {rows} WHERE {cond} LIMIT {SAMPLES}"
            ).fetchall() if r[0] is not None] if "no value" not in what else []
            problems.add(ctx.where(column.name), what, count, samples)


def check_tables(con: duckdb.DuckDBPyConnection, contexts: dict[str, TableContext], problems: Problems) -> None:
    """Whole-table checks on the loaded rows of one source: code lists, unique keys, references."""
    for name, ctx in contexts.items():
        table = TABLES[name]
        for column in table.columns:
            if column.codes and column.name in ctx.source_names:
                codes = ", ".join(lit(c) for c in column.codes)
                row = con.execute(f"SELECT COUNT(*) FROM {q(name)} WHERE {q(column.name)} IS NOT NULL "
                                  f"AND {q(column.name)} NOT IN ({codes})").fetchone()
                if row[0]:
                    samples = [r[0] for r in con.execute(
                        f"SELECT {q(column.name)}, COUNT(*) n FROM {q(name)} WHERE {q(column.name)} NOT IN ({codes}) "
                        f"GROUP BY 1 ORDER BY n DESC LIMIT {SAMPLES}").fetchall()]
                    problems.add(ctx.where(column.name), f"hold a value outside the code list "
                                 f"({', '.join(column.codes)})", row[0], samples)
        key = ", ".join(q(k) for k in table.key)
        dup = con.execute(f"SELECT COUNT(*), COALESCE(SUM(n), 0) FROM (SELECT COUNT(*) n FROM {q(name)} "
                          f"GROUP BY {key} HAVING COUNT(*) > 1)").fetchone()
        if dup[0]:
            samples = [r[0] if len(r) == 2 else tuple(r[:-1]) for r in con.execute(
                f"SELECT {key}, COUNT(*) n FROM {q(name)} GROUP BY {key} HAVING COUNT(*) > 1 "
                f"ORDER BY n DESC, 1 LIMIT {SAMPLES}").fetchall()]
            problems.add(ctx.where(", ".join(table.key)), f"share a key with another row ({dup[0]} duplicated "
                         f"key values; keys must be unique)", int(dup[1]), samples)
    for (child, column), parent in REFERENCES.items():
        if child not in contexts or parent not in contexts or column not in contexts[child].source_names:
            continue
        parent_key = TABLES[parent].key[0]
        base = (f"FROM {q(child)} c WHERE c.{q(column)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {q(parent)} p WHERE p.{q(parent_key)} = c.{q(column)})")
        count = con.execute(f"SELECT COUNT(*) {base}").fetchone()[0]
        if count:
            samples = [r[0] for r in con.execute(
                f"SELECT c.{q(column)}, COUNT(*) n {base} GROUP BY 1 ORDER BY n DESC, 1 LIMIT {SAMPLES}").fetchall()]
            problems.add(contexts[child].where(column), f"refer to {parent} that do not exist in this source "
                         f"({parent}.{parent_key})", count, samples)
