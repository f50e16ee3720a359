"""The typing rules of warehouse/validate.py on text as exports really hold it: white space around
values, blank cells, dates in a declared layout. Each value's typed result and each problem count is
written out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from warehouse.validate import Problems, TableContext, create_tables_sql, load_chunk


def _load(table: str, columns: dict[str, list], options: dict | None = None) -> tuple[list[tuple], list[str]]:
    con = duckdb.connect()
    for statement in create_tables_sql([table]):
        con.execute(statement)
    chunk = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
    ctx = TableContext(table, "export.yaml", "tblSource", {c: c for c in columns}, options or {})
    problems = Problems()
    load_chunk(con, ctx, chunk, "legacy", problems)
    names = ", ".join(columns)
    rows = con.execute(f"SELECT {names} FROM {table} ORDER BY rowid").fetchall()
    return rows, problems.messages()


CLAIM_IDS = ["1", "2", "3", "4", "5", "6"]


def _claims(**columns) -> dict[str, list]:
    base = {"claim_id": CLAIM_IDS, "patient_id": ["p"] * 6, "payer_id": ["y"] * 6, "location_id": ["l"] * 6,
            "service_date_from": ["2026-03-02"] * 6, "created_at": ["2026-03-02 09:00"] * 6,
            "total_charge": ["10.00"] * 6}
    base.update(columns)
    return base


def test_spaces_around_numbers_dates_and_times_are_ignored():
    rows, problems = _load("claims", _claims(
        total_charge=["150.00", " 150.5", "150.25 ", "\t7\n", "  99.99  ", "0"],
        service_date_from=["2026-03-02", " 2026-03-02", "2026-03-02 ", " 2026-03-02 14:30 ", "2026-03-02 14:30",
                           "\t2026-12-31\t"],
        created_at=["2026-03-02 14:30", " 2026-03-02 14:30", "2026-03-02 14:30 ", " 2026-03-02 ",
                    "2026-03-02T14:30:05", "  2026-03-02 14:30:05  "]))
    assert problems == []
    assert [r[-1] for r in rows] == [Decimal("150.00"), Decimal("150.50"), Decimal("150.25"), Decimal("7.00"),
                                     Decimal("99.99"), Decimal("0.00")]
    assert [r[4] for r in rows] == [dt.date(2026, 3, 2)] * 5 + [dt.date(2026, 12, 31)]
    assert [r[5] for r in rows] == [dt.datetime(2026, 3, 2, 14, 30)] * 3 + [dt.datetime(2026, 3, 2)] + \
        [dt.datetime(2026, 3, 2, 14, 30, 5)] * 2


def test_blank_text_is_no_value_and_only_real_failures_are_problems():
    rows, problems = _load("claims", _claims(
        service_date_to=["", "   ", None, "2026-02-30", " not a date ", "2026-03-04"],
        first_submitted_at=["", " ", "2026-03-05 08:00", "yesterday", None, "2026-03-05 25:00"]))
    assert [r[7] for r in rows] == [None, None, None, None, None, dt.date(2026, 3, 4)]
    assert [r[8] for r in rows] == [None, None, dt.datetime(2026, 3, 5, 8), None, None, None]
    where = "export.yaml: table claims (from tblSource), column "
    assert _by_head(problems) == {
        f"{where}service_date_to: 2 rows are not dates in the form YYYY-MM-DD": {"'2026-02-30'", "' not a date '"},
        f"{where}first_submitted_at: 2 rows are not date-times in the form YYYY-MM-DD HH:MM[:SS]":
            {"'yesterday'", "'2026-03-05 25:00'"},
    }


def _by_head(problems: list[str]) -> dict[str, set[str]]:
    """Each message's text before ", e.g." with its set of sample values (shown in no fixed order)."""
    out = {}
    for message in problems:
        head, _, samples = message.partition(", e.g. ")
        out[head] = set(samples.split(", ")) if samples else set()
    return out


def test_blank_required_values_are_missing_not_badly_typed():
    rows, problems = _load("claims", _claims(total_charge=["", "  ", "12", "1,200.00", "$5", None]))
    assert [r[-1] for r in rows] == [None, None, Decimal("12.00"), None, None, None]
    where = "export.yaml: table claims (from tblSource), column total_charge"
    assert _by_head(problems) == {f"{where}: 2 rows are not amounts of money": {"'1,200.00'", "'$5'"},
                                  f"{where}: 3 rows have no value (required)": set()}


@pytest.mark.parametrize("raw, expected", [(" 45 ", 45), ("45", 45), ("\t60", 60), ("  ", None)])
def test_whole_numbers_with_spaces(raw, expected):
    columns = {"appointment_id": ["a1"], "patient_id": ["p"], "provider_id": ["v"], "location_id": ["l"],
               "discipline": ["PT"], "scheduled_start": ["2026-03-02 09:00"], "duration_minutes": [raw],
               "appointment_type": ["eval"], "status": ["completed"]}
    rows, problems = _load("appointments", columns)
    assert rows[0][6] == expected
    assert problems == ([] if expected is not None else [
        "export.yaml: table appointments (from tblSource), column duration_minutes: 1 rows have no value (required)"])


def test_declared_layouts_tolerate_spaces_and_name_the_layout_on_failure():
    options = {"date_format": "%m/%d/%Y", "timestamp_format": "%m/%d/%Y %H:%M"}
    rows, problems = _load("claims", _claims(
        service_date_from=["03/02/2026", " 03/02/2026", "03/02/2026 ", "12/31/2026", "2026-03-02", "13/01/2026"],
        created_at=["03/02/2026 14:30", " 03/02/2026 14:30 ", "03/02/2026", " 03/02/2026 ", "03/02/2026 14:30",
                    "03/02/2026 14:30"]), options)
    assert [r[4] for r in rows] == [dt.date(2026, 3, 2)] * 3 + [dt.date(2026, 12, 31), None, None]
    assert [r[5] for r in rows] == [dt.datetime(2026, 3, 2, 14, 30)] * 2 + [dt.datetime(2026, 3, 2)] * 2 + \
        [dt.datetime(2026, 3, 2, 14, 30)] * 2
    assert problems == [
        "export.yaml: table claims (from tblSource), column service_date_from: 2 rows are not dates in the form "
        "%m/%d/%Y, e.g. '2026-03-02', '13/01/2026'"]
