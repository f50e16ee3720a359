"""What every connector hands to the sync: canonical tables as a stream of Arrow chunks.

A connector reads its source's own tables and columns and applies the mapping; the chunks it yields
carry canonical column names only (``connectors/`` is the one place that knows a source's names).
Values are still raw (an ID may be an integer, a date may be text): the sync types and validates them
(warehouse/validate.py). Code translations (``values``) happen here because they need the value
exactly as the source returned it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from connectors.mapping import ColumnRule, TableMapping

# Rows per chunk read from a source (memory stays flat: about this many rows in flight per table).
CHUNK_ROWS = int(os.environ.get("SYNC_CHUNK_ROWS", "100000"))
MAX_SHOWN = 5


@dataclass
class TableStream:
    """One canonical table being read: its chunks and what went wrong while translating codes."""

    table: str
    origin: str  # source table, file name or "query"
    file: str  # the mapping file or the CSV file (named in messages)
    options: dict
    allow_empty: bool
    chunks: Iterator[pa.Table]
    unmapped: dict[str, Counter] = field(default_factory=dict)  # canonical column -> Counter(value)
    source_names: dict[str, str] = field(default_factory=dict)  # canonical column -> source column/expr

    def code_problems(self) -> list[str]:
        """Values outside a mapping's ``values`` (no ``default``), one message per column."""
        problems = []
        for column, counts in self.unmapped.items():
            if not counts:
                continue
            total = sum(counts.values())
            shown = ", ".join(f"{v!r} ({n} rows)" for v, n in counts.most_common(MAX_SHOWN))
            more = f" and {len(counts) - MAX_SHOWN} more" if len(counts) > MAX_SHOWN else ""
            problems.append(f"{self.file}: table {self.table} (from {self.origin}), column {column} "
                            f"(source {self.source_names.get(column, column)}): {total} rows have a code not "
                            f"listed in 'values': {shown}{more}")
        return problems


class Connector(Protocol):
    label: str

    def check(self) -> None:
        """Open the source and check every mapped table and column exists (raises before reading)."""

    def streams(self) -> Iterator[TableStream]:
        """One stream per mapped canonical table, in mapping order."""

    def close(self) -> None: ...


def to_arrow_column(values: list | tuple) -> pa.Array:
    """Python values of one column to Arrow; a column with mixed kinds (SQLite allows text in a
    numeric column) becomes text so the sync can name the offending values."""
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if v is None else (v if isinstance(v, str) else _text(v)) for v in values],
                        type=pa.string())


class RowConverter:
    """Rows (tuples from a DB-API cursor) to Arrow arrays, one per column.

    The first chunk is converted column by column (types inferred, mixed columns become text); later
    chunks reuse those types in one C++ pass over the rows (several times faster than transposing in
    Python), falling back to the column-by-column way whenever a value does not fit."""

    def __init__(self, names: list):
        self.names = names
        self.struct: pa.StructType | None = None

    def convert(self, rows: list[tuple]) -> dict[str, pa.Array]:
        if self.struct is not None:
            try:
                array = pa.array(rows, type=self.struct)
                return {name: array.field(i) for i, name in enumerate(self.names)}
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
                pass
        columns = list(zip(*rows, strict=True))
        arrays = [to_arrow_column(col) for col in columns]
        self.struct = pa.struct([pa.field(f"c{i}", a.type) for i, a in enumerate(arrays)])
        return dict(zip(self.names, arrays, strict=True))


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def translate(rule: ColumnRule, column: pa.Array, unmapped: Counter) -> pa.Array:
    """Apply ``values`` to one chunk of a coded column. Nulls stay null; keys are compared with the
    value as the source returned it (Python equality: an integer key matches an integer column, a
    text key '1' does not). Values outside ``values`` without a ``default`` are counted in ``unmapped``."""
    if len(column) == 0:
        return to_arrow_column([])
    uniques = pc.unique(column)
    targets, missing = [], []
    for value in uniques.to_pylist():
        if value is None:
            targets.append(None)
        elif _has_key(rule.values, value):
            targets.append(rule.values[value])
        elif rule.has_default:
            targets.append(rule.default)
        else:
            targets.append(None)
            missing.append(value)
    result = pc.take(to_arrow_column(targets), pc.index_in(column, value_set=uniques))
    if missing:
        counts = pc.value_counts(pc.filter(column, pc.is_in(column, value_set=pa.array(missing, type=column.type))))
        for item in counts.to_pylist():
            unmapped[item["values"]] += item["counts"]
    return result


def _has_key(values: dict, value: Any) -> bool:
    try:
        return value in values
    except TypeError:
        return False


def constant(value: Any, length: int) -> pa.Array:
    return to_arrow_column([value] * length)


def check_columns_exist(wanted: list[str], available: list[str], where: str) -> dict[str, str]:
    """Resolve mapped column names against the source's real ones (exact, else case-insensitive:
    PostgreSQL folds unquoted names to lower case). Missing names are one error naming them all."""
    exact = set(available)
    lower: dict[str, list[str]] = {}
    for name in available:
        lower.setdefault(name.lower(), []).append(name)
    resolved, missing = {}, []
    for name in wanted:
        if name in exact:
            resolved[name] = name
        elif len(lower.get(name.lower(), [])) == 1:
            resolved[name] = lower[name.lower()][0]
        else:
            missing.append(name)
    if missing:
        from warehouse.errors import MappingError

        raise MappingError(f"{where}: source column(s) {', '.join(missing)} not found "
                           f"(the source has: {', '.join(available)})")
    return resolved


def expr_slot(target: str) -> tuple[str, str]:
    """Where an expression's values sit in a raw chunk: apart from the source columns, so that an
    expression whose target has the name of a source column (read by another rule) does not replace
    that column's values."""
    return ("expr", target)


def slot_label(name: str | tuple[str, str]) -> str:
    """A raw chunk's slot in words, for messages."""
    return f"the expression of column {name[1]}" if isinstance(name, tuple) else f"source column {name}"


def assemble(mapping: TableMapping, raw: dict, length: int, unmapped: dict[str, Counter]) -> pa.Table:
    """Build one canonical chunk from the raw arrays of a chunk: ``raw`` holds source columns by their
    mapping name and expression results at ``expr_slot(target)``."""
    arrays, names = [], []
    for target, rule in mapping.columns.items():
        if rule.kind == "column":
            array = raw[rule.column]
        elif rule.kind == "coded":
            array = translate(rule, raw[rule.column], unmapped.setdefault(target, Counter()))
        elif rule.kind == "value":
            array = constant(rule.value, length)
        else:
            array = raw[expr_slot(target)]
        names.append(target)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=names)
