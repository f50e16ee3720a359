"""The records behind a finding or a spot-check item, legacy and new side by side (patient-level data:
callers audit the view)."""

from __future__ import annotations

import ibis
import pandas as pd

from migration import normalize as norm
from migration.scope import KEYS, Params
from warehouse.schema import TABLES


def _rows(con: ibis.BaseBackend, table: str, source: str, column: str, value: str) -> list[dict]:
    t = con.table(table)
    frame = t.filter((t.source_system == source) & (t[column] == value)).to_pandas()
    kinds = {c.name: c.type for c in TABLES[table].all_columns}
    return [{k: norm.raw(v, kinds.get(k)) for k, v in r.items()} for r in frame.to_dict("records")]


def record_pair(con: ibis.BaseBackend, params: Params, table: str, system: str, key: str
                ) -> tuple[dict | None, dict | None]:
    """(legacy record, new record) for a finding's table/system/key; for a duplicate pair, its two records."""
    key_col = KEYS.get(table)
    if key_col is None:
        return None, None
    if "|" in key and table == "patients" and system in ("legacy", "new"):
        source = params.legacy if system == "legacy" else params.new
        a, b = key.split("|", 1)
        first = _rows(con, table, source, key_col, a)
        second = _rows(con, table, source, key_col, b)
        return (first[0] if first else None), (second[0] if second else None)
    if system == "legacy":
        legacy = _rows(con, table, params.legacy, key_col, key)
        twins = _rows(con, table, params.new, "legacy_id", key)
        twin = None
        if twins:
            lowest = norm.lowest_key([str(r[key_col]) for r in twins])
            twin = next(r for r in twins if str(r[key_col]) == lowest)
        return (legacy[0] if legacy else None), twin
    new = _rows(con, table, params.new, key_col, key)
    new_row = new[0] if new else None
    legacy = _rows(con, table, params.legacy, key_col, new_row["legacy_id"]) if new_row and new_row.get("legacy_id") else []
    return (legacy[0] if legacy else None), new_row


def side_by_side(legacy: dict | None, new: dict | None) -> pd.DataFrame:
    """One row per column: the legacy value, the new value, and whether they look different."""
    columns = list(dict.fromkeys([*(legacy or {}), *(new or {})]))
    rows = []
    for c in columns:
        lv = None if legacy is None else legacy.get(c)
        nv = None if new is None else new.get(c)
        rows.append({"field": c, "legacy": "" if lv is None else str(lv), "new": "" if nv is None else str(nv),
                     "differs": (str(lv).strip().lower() if lv is not None else None)
                     != (str(nv).strip().lower() if nv is not None else None)})
    return pd.DataFrame(rows, columns=["field", "legacy", "new", "differs"])
