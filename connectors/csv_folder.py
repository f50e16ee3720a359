"""CSV folder connector: a folder of exports, one file per source table, read with the mapping format.

The source's ``url`` is the folder (``/path/to/exports`` or ``file:///path/to/exports``); each mapped
table says ``from: appointments.csv``. The first line of a file is its header. How the files are
written is declared per table in the mapping's ``options`` (nothing is guessed):

``encoding``          default ``utf-8``; a UTF-8 byte order mark is skipped either way; ``utf-8-sig``,
                      ``cp1252``, ``latin-1``... for other exports
``delimiter``         default ``,`` (``';'`` for exports from European-locale spreadsheets, ``'\\t'``)
``quotechar``         default ``"``
``decimal``           default ``.``; ``','`` when money is written ``12,50``
``date_format``       ``strftime`` codes for date columns, e.g. ``'%m/%d/%Y'``; default ISO ``2026-03-02``
``timestamp_format``  the same for timestamps, e.g. ``'%m/%d/%Y %H:%M'``; default ISO

Example::

    tables:
      appointments:
        from: appointments.csv
        options: {encoding: utf-8-sig, delimiter: ';', date_format: '%m/%d/%Y',
                  timestamp_format: '%m/%d/%Y %H:%M'}
        columns: {appointment_id: Appt ID, status: {column: Status, values: {A: completed}}, ...}

Everything in a CSV file is text, so ``values`` keys are compared as text (``1`` and ``'1'`` both
match the text ``1``) and an empty field is null. ``expr`` is evaluated by DuckDB over the file's
columns (DuckDB SQL, e.g. ``{expr: "CASE WHEN \\"Cancel Date\\" <> '' THEN \\"Cancel Date\\" END"}``);
``query`` needs a database and is refused for CSV sources.

A row with more or fewer fields than the header (a truncated export) or bytes that are not valid in
the declared encoding stop the sync with the file, line and a hint.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from connectors.base import CHUNK_ROWS, TableStream, assemble, check_columns_exist, expr_slot
from connectors.mapping import Mapping, TableMapping
from warehouse.errors import MappingError, UserFacingError
from warehouse.schema import TABLES

DEFAULTS = {"encoding": "utf-8", "delimiter": ",", "quotechar": '"', "decimal": "."}


def folder_path(url: str) -> Path:
    if url.startswith("file://"):
        url = url[len("file://"):]
    return Path(url).resolve()


class CsvFolderConnector:
    def __init__(self, source_name: str, url: str, mapping: Mapping, chunk_rows: int = CHUNK_ROWS):
        self.source_name = source_name
        self.folder = folder_path(url)
        self.mapping = mapping
        self.chunk_rows = chunk_rows
        self.label = f"source {source_name!r} (folder {self.folder}, mapping {mapping.path})"
        self._headers: dict[str, list[str]] = {}
        self._resolved: dict[str, dict[str, str]] = {}

    def check(self) -> None:
        if not self.folder.is_dir():
            raise UserFacingError(f"{self.label}: the folder {self.folder} does not exist")
        for tm in self.mapping.tables.values():
            where = f"mapping {self.mapping.path}, table {tm.table}"
            if tm.query is not None:
                raise MappingError(f"{where}: 'query' needs a database; a CSV source names its file with 'from'")
            path = self._file(tm)
            if not path.is_file():
                files = sorted(p.name for p in self.folder.glob("*") if p.is_file())
                raise MappingError(f"{where}: file {tm.source!r} not found in {self.folder} "
                                   f"(it has: {', '.join(files) or 'no files'})")
            header = self._header(tm, path)
            self._headers[tm.table] = header
            self._resolved[tm.table] = check_columns_exist(tm.source_columns, header, f"{where} (file {path})")
            self._check_last_line(tm, path, len(header))

    def _file(self, tm: TableMapping) -> Path:
        return self.folder / tm.source

    def _options(self, tm: TableMapping) -> dict:
        return {**DEFAULTS, **tm.options}

    def _header(self, tm: TableMapping, path: Path) -> list[str]:
        opts = self._options(tm)
        try:
            with path.open(encoding=opts["encoding"], newline="") as fh:
                first = fh.readline()
        except UnicodeDecodeError as exc:
            raise UserFacingError(self._encoding_message(tm, path, exc)) from exc
        except LookupError as exc:
            raise MappingError(f"mapping {self.mapping.path}, table {tm.table}: unknown encoding "
                               f"{opts['encoding']!r}") from exc
        first = first.lstrip("\ufeff")
        if not first.strip():
            raise UserFacingError(f"{self.label}: file {path} (table {tm.table}) is empty: no header line")
        return next(csv.reader([first], delimiter=opts["delimiter"], quotechar=opts["quotechar"]))

    def _check_last_line(self, tm: TableMapping, path: Path, fields: int) -> None:
        """A file cut off mid-row (an interrupted export) ends without a newline and with a short row."""
        opts = self._options(tm)
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.seek(max(0, size - 65536))
            tail = fh.read()
        if tail.endswith(b"\n"):
            return
        last = tail.rsplit(b"\n", 1)[-1]
        text = last.decode(opts["encoding"], errors="replace")
        try:
            row = next(csv.reader([text], delimiter=opts["delimiter"], quotechar=opts["quotechar"]))
            quoted_open = text.count(opts["quotechar"]) % 2 == 1
        except (csv.Error, StopIteration):
            row, quoted_open = [], True
        if len(row) < fields or quoted_open:
            lines = tail.count(b"\n") if size <= 65536 else None
            where = f"line {lines + 1}" if lines is not None else "the last line"
            raise UserFacingError(f"{self.label}: file {path} (table {tm.table}) looks truncated: {where} has "
                                  f"{len(row)} of {fields} fields and no line end ({_short(text)!r}); "
                                  f"export the file again")

    def _encoding_message(self, tm: TableMapping, path: Path, exc: UnicodeDecodeError | Exception) -> str:
        encoding = self._options(tm)["encoding"]
        detail = str(exc).splitlines()[0]
        return (f"{self.label}: file {path} (table {tm.table}) is not valid {encoding} text ({detail}); "
                f"declare the file's encoding in the mapping, e.g. options: {{encoding: cp1252}}")

    def streams(self) -> Iterator[TableStream]:
        if not self._headers:
            self.check()
        for tm in self.mapping.tables.values():
            path = self._file(tm)
            names = {t: (r.column if r.source_column else f"expr {r.expr!r}" if r.kind == "expr" else "constant")
                     for t, r in tm.columns.items()}
            stream = TableStream(table=tm.table, origin=tm.source, file=str(path), options=tm.options,
                                 allow_empty=tm.allow_empty, chunks=iter(()), source_names=names)
            stream.chunks = self._chunks(tm, path, stream)
            yield stream

    def _chunks(self, tm: TableMapping, path: Path, stream: TableStream) -> Iterator[pa.Table]:
        opts = self._options(tm)
        header = self._headers[tm.table]
        resolved = self._resolved[tm.table]
        text_rules = _rules_as_text(tm)
        read = pacsv.ReadOptions(column_names=header, skip_rows=1, encoding=_arrow_encoding(opts["encoding"]),
                                 block_size=8 << 20)
        parse = pacsv.ParseOptions(delimiter=_delimiter(opts["delimiter"]), quote_char=opts["quotechar"],
                                   newlines_in_values=True)
        convert = pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, null_values=[""],
                                       strings_can_be_null=True, quoted_strings_can_be_null=True)
        try:
            reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
            for batch in _rebatch(reader, self.chunk_rows):
                raw = {name: batch.column(resolved[name]) for name in tm.source_columns}
                for target, rule in tm.columns.items():
                    if rule.kind == "expr":
                        raw[expr_slot(target)] = _duckdb_expr(batch, rule.expr, f"mapping {self.mapping.path}, "
                                                                       f"table {tm.table}, column {target}")
                chunk = assemble(text_rules, raw, batch.num_rows, stream.unmapped)
                yield _decimal_points(tm.table, chunk) if opts["decimal"] == "," else chunk
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            message = str(exc).splitlines()[0]
            if "UTF8" in message or "utf-8" in message.lower() or isinstance(exc, UnicodeDecodeError):
                raise UserFacingError(self._encoding_message(tm, path, exc)) from exc
            raise UserFacingError(f"{self.label}: file {path} (table {tm.table}) cannot be read: {message} "
                                  f"(a row with more or fewer fields than the {len(header)} of the header, "
                                  f"or a wrong delimiter {opts['delimiter']!r})") from exc

    def close(self) -> None:
        pass


def _rebatch(reader, rows: int) -> Iterator[pa.Table]:
    pending, count = [], 0
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield pa.Table.from_batches(pending)
            pending, count = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def _rules_as_text(tm: TableMapping) -> TableMapping:
    """In a CSV every value is text: compare ``values`` keys as text."""
    columns = {}
    for target, rule in tm.columns.items():
        if rule.kind == "coded":
            rule = replace(rule, values={_key_text(k): v for k, v in rule.values.items()})
        columns[target] = rule
    return replace(tm, columns=columns)


def _key_text(key) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _duckdb_expr(batch: pa.Table, expr: str, where: str) -> pa.Array:
    con = duckdb.connect()
    try:
        con.register("src", batch)
        return con.execute(f"SELECT ({expr}) AS v FROM src").fetch_arrow_table().column("v").combine_chunks()
    except duckdb.Error as exc:
        raise MappingError(f"{where}: the expression {expr!r} fails on the file's columns: "
                           f"{str(exc).splitlines()[0]}") from exc
    finally:
        con.close()


def _decimal_points(table: str, chunk: pa.Table) -> pa.Table:
    for i, name in enumerate(chunk.column_names):
        if TABLES[table].column(name).type == "decimal" if name in TABLES[table].column_names else False:
            column = chunk.column(i)
            if pa.types.is_string(column.type):
                chunk = chunk.set_column(i, name, pc.replace_substring(column, ",", "."))
    return chunk


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig") else encoding


def _delimiter(value: str) -> str:
    return "\t" if value in ("\\t", "tab") else value


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


__all__ = ["CsvFolderConnector"]
