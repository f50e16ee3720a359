"""CSV and Excel downloads of a table, for any page.

    from ui.exports import download_buttons
    download_buttons(frame, "audit-log", audit_resource="audit_log")

Cells that a spreadsheet would run as a formula (text starting with = + - @) are quoted, so text
typed by a user (a username at the sign-in form, a note) cannot become a formula in Excel.
With ``audit_resource``, each download is written to the audit log as an ``export``.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import streamlit as st

from auth import audit

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if isinstance(value, dict | list):
        value = json.dumps(value, default=str, sort_keys=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy ready for a spreadsheet: JSON text for dicts and lists, formulas defused, no time zones."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.tz_localize(None)
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = series.map(_cell).astype(object)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")  # BOM: Excel opens UTF-8 correctly


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "Data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe_frame(frame).to_excel(writer, sheet_name=sheet[:31] or "Data", index=False)
    return buffer.getvalue()


def download_buttons(frame: pd.DataFrame, name: str, *, key: str | None = None, sheet: str = "Data",
                     audit_resource: str | None = None) -> None:
    """Two buttons side by side: CSV and Excel of ``frame``, files named ``<name>-<today>.csv/.xlsx``."""
    key = key or f"export_{name}"
    stem = f"{name}-{dt.date.today():%Y-%m-%d}"
    left, right, _ = st.columns([1, 1, 4])
    callback = _audit_callback(audit_resource, len(frame)) if audit_resource else None
    left.download_button("Download CSV", to_csv_bytes(frame), file_name=f"{stem}.csv", mime="text/csv",
                         key=f"{key}_csv", icon=":material/download:", on_click=callback, args=("csv",),
                         disabled=frame.empty)
    right.download_button("Download Excel", to_excel_bytes(frame, sheet), file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", icon=":material/download:", on_click=callback, args=("xlsx",),
                          disabled=frame.empty)


def _audit_callback(resource: str, rows: int):
    def record(fmt: str) -> None:
        from ui import session

        audit.record(session.settings().database_url, session.actor(), audit.EXPORT, resource_type=resource,
                     page=resource, detail={"format": fmt, "rows": rows})

    return record
