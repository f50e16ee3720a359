"""Mapping files: how one PMS's tables become canonical tables (ARCHITECTURE.md, "Mapping files").

A mapping is checked completely when it is loaded, before any source is opened: unknown canonical
tables or columns, a required canonical column left out, a table with both or neither of ``from`` and
``query``, a ``query`` that is not a single read-only SELECT, a malformed column rule. Each error names
the mapping file, the canonical table and the column.

Column rules (the contract):

- ``ApptID``                                   a source column, read as it is;
- ``{column: StatusCd, values: {A: completed}, default: other}``   a code translation; a null stays
  null, a value outside ``values`` is an error at sync time unless ``default`` is given;
- ``{value: PT}``                              a constant;
- ``{expr: "CASE WHEN ... END"}``              SQL of the source database, evaluated per row.

Optional extensions (not needed by the contract, accepted beside it):

- table level ``options``: ``date_format`` / ``timestamp_format`` (``strftime`` codes, e.g.
  ``'%m/%d/%Y'``) for dates and timestamps stored as text in another layout, and for CSV sources
  ``encoding`` (default ``utf-8``; ``utf-8-sig`` for files with a byte order mark, ``cp1252``...),
  ``delimiter`` (default ``,``), ``quotechar`` (default ``"``) and ``decimal`` (default ``.``);
- table level ``allow_empty: true``: an empty source table may replace rows loaded by an earlier sync
  (otherwise that is refused as a probable broken export);
- top level ``sql_dialect: sqlite``: the dialect the ``expr``/``query`` SQL is written in; when the
  source database speaks another one, the SQL is translated with sqlglot (so one mapping serves a
  PMS whose database was moved from SQLite to PostgreSQL or MariaDB).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from warehouse.errors import MappingError
from warehouse.schema import TABLES

TABLE_KEYS = {"from", "query", "columns", "options", "allow_empty"}
OPTION_KEYS = {"encoding", "delimiter", "quotechar", "decimal", "date_format", "timestamp_format"}
TOP_KEYS = {"tables", "sql_dialect", "description", "system", "version"}


@dataclass(frozen=True)
class ColumnRule:
    """How one canonical column is filled: exactly one of column / value / expr is used."""

    target: str
    kind: str  # "column" | "coded" | "value" | "expr"
    column: str | None = None
    values: dict | None = None
    default: Any = None
    has_default: bool = False
    value: Any = None
    expr: str | None = None

    @property
    def source_column(self) -> str | None:
        return self.column if self.kind in ("column", "coded") else None


@dataclass(frozen=True)
class TableMapping:
    table: str  # canonical table name
    source: str | None  # ``from``: a source table (SQL) or a file name (CSV)
    query: str | None
    columns: dict[str, ColumnRule]
    options: dict = field(default_factory=dict)
    allow_empty: bool = False

    @property
    def origin(self) -> str:
        """How the source side is named in messages: the table/file, or 'query'."""
        return self.source if self.source is not None else "query"

    @property
    def source_columns(self) -> list[str]:
        """Source columns named by plain and coded rules (each once, in mapping order)."""
        seen: list[str] = []
        for rule in self.columns.values():
            if rule.source_column and rule.source_column not in seen:
                seen.append(rule.source_column)
        return seen


@dataclass(frozen=True)
class Mapping:
    path: Path
    tables: dict[str, TableMapping]
    sql_dialect: str | None = None

    @property
    def label(self) -> str:
        return str(self.path)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; every error names the file, canonical table and column."""
    path = Path(path)
    if not path.exists():
        raise MappingError(f"mapping {path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {path}: not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise MappingError(f"mapping {path}: not UTF-8 text: {exc}") from exc
    return parse_mapping(raw, path)


def parse_mapping(raw: Any, path: str | Path = "<mapping>") -> Mapping:
    path = Path(path)
    where = f"mapping {path}"
    if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict) or not raw["tables"]:
        raise MappingError(f"{where}: expected a top-level 'tables:' with one entry per canonical table")
    unknown = set(raw) - TOP_KEYS
    if unknown:
        raise MappingError(f"{where}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}")
    dialect = raw.get("sql_dialect")
    tables = {}
    for name, spec in raw["tables"].items():
        tables[name] = _parse_table(where, str(name), spec)
    return Mapping(path=path, tables=tables, sql_dialect=dialect)


def _parse_table(where: str, name: str, spec: Any) -> TableMapping:
    if name not in TABLES:
        raise MappingError(f"{where}: unknown canonical table {name!r} (known: {', '.join(TABLES)})")
    here = f"{where}, table {name}"
    if not isinstance(spec, dict):
        raise MappingError(f"{here}: expected 'from' or 'query' and 'columns'")
    unknown = set(spec) - TABLE_KEYS
    if unknown:
        raise MappingError(f"{here}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    source, query = spec.get("from"), spec.get("query")
    if (source is None) == (query is None):
        raise MappingError(f"{here}: give exactly one of 'from' (a source table) or 'query' (a SELECT)")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise MappingError(f"{here}: 'from' must name a source table or file")
    if query is not None:
        if not isinstance(query, str):
            raise MappingError(f"{here}: 'query' must be SQL text")
        check_select(query, here)
    options = spec.get("options") or {}
    if not isinstance(options, dict) or set(options) - OPTION_KEYS:
        raise MappingError(f"{here}: options may be {', '.join(sorted(OPTION_KEYS))}; got {options!r}")
    columns_raw = spec.get("columns")
    if not isinstance(columns_raw, dict) or not columns_raw:
        raise MappingError(f"{here}: 'columns' must map canonical columns to source columns")
    table = TABLES[name]
    allowed = {c.name for c in table.all_columns} - {"source_system"}
    rules = {}
    for target, rule in columns_raw.items():
        if target not in allowed:
            raise MappingError(f"{here}, column {target}: not a column of the canonical table {name} "
                               f"(its columns: {', '.join(sorted(allowed))})")
        rules[target] = _parse_rule(f"{here}, column {target}", target, rule)
    for required in table.required:
        if required not in rules:
            raise MappingError(f"{here}, column {required}: required canonical column is not mapped")
    return TableMapping(table=name, source=source, query=query, columns=rules, options=dict(options),
                        allow_empty=bool(spec.get("allow_empty", False)))


def _parse_rule(here: str, target: str, rule: Any) -> ColumnRule:
    if isinstance(rule, str):
        if not rule.strip():
            raise MappingError(f"{here}: empty source column name")
        return ColumnRule(target, "column", column=rule)
    if not isinstance(rule, dict):
        raise MappingError(f"{here}: expected a source column name, {{column, values}}, {{value}} or {{expr}}; "
                           f"got {rule!r}")
    keys = set(rule)
    if keys == {"value"}:
        return ColumnRule(target, "value", value=rule["value"])
    if keys == {"expr"}:
        if not isinstance(rule["expr"], str) or not rule["expr"].strip():
            raise MappingError(f"{here}: 'expr' must be SQL text")
        if ";" in rule["expr"]:
            raise MappingError(f"{here}: 'expr' must be one SQL expression (no ';')")
        return ColumnRule(target, "expr", expr=rule["expr"])
    if "column" in keys and keys <= {"column", "values", "default"}:
        column = rule["column"]
        if not isinstance(column, str) or not column.strip():
            raise MappingError(f"{here}: 'column' must name a source column")
        if "values" not in keys:
            if "default" in keys:
                raise MappingError(f"{here}: 'default' needs 'values'")
            return ColumnRule(target, "column", column=column)
        values = rule["values"]
        if not isinstance(values, dict) or not values:
            raise MappingError(f"{here}: 'values' must map source codes to canonical values")
        return ColumnRule(target, "coded", column=column, values=dict(values), default=rule.get("default"),
                          has_default="default" in keys)
    raise MappingError(f"{here}: use one of a column name, {{column, values, default}}, {{value}} or {{expr}}; "
                       f"got keys {', '.join(sorted(map(str, keys)))}")


_FORBIDDEN = ("Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Command",
              "Into", "Lock", "Set", "Transaction", "Commit", "Rollback", "Grant", "Copy", "Pragma", "Use",
              "LoadData", "Execute", "Call")


def check_select(sql: str, here: str, dialect: str | None = None) -> None:
    """Accept one read-only SELECT (WITH/UNION allowed); anything else is a MappingError.

    Parsed with sqlglot, so a semicolon or DML inside a string literal does not confuse it. Sessions
    are opened read-only as well (connectors/sql.py), which is the second line of defence.
    """
    import sqlglot
    from sqlglot import exp

    text = sql.strip().rstrip(";").strip()
    problem = None
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        statements, problem = [], f"cannot be parsed ({str(exc).splitlines()[0]})"
    if problem is None:
        if len(statements) != 1:
            problem = f"holds {len(statements)} statements"
        elif not isinstance(statements[0], exp.Query):
            problem = f"is not a SELECT but {statements[0].key.upper()}"
        else:
            for node in statements[0].walk():
                if type(node).__name__ in _FORBIDDEN:
                    problem = f"contains {type(node).__name__.upper()}"
                    break
    if problem:
        raise MappingError(f"{here}: 'query' must be a single read-only SELECT; this one {problem}: "
                           f"{_short(text)}")


def _short(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 3] + "..."
