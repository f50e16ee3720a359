"""Printable summary (PDF) of the go-live review, with the filters and the data date printed on it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from fpdf import FPDF

from metrics.registry import GROUPS


def _latin1(text: str) -> str:
    """The core PDF fonts are Latin-1: replace what they cannot draw."""
    return (str(text).replace("≥", ">=").replace("≤", "<=").replace("−", "-").replace("–", "-")
            .replace("—", "-").encode("latin-1", "replace").decode("latin-1"))


def golive_pdf(practice: str, go_live: dt.date, as_of: dt.date, data_date: str, filters: dict[str, str],
               table: pd.DataFrame, windows: tuple[str, ...], notes: list[str] | None = None) -> bytes:
    """``table`` is metrics.review.display_table's frame (formatted values)."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, _latin1(f"Go-live review - {practice}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    lines = [
        f"Go-live: {go_live:%Y-%m-%d}    As of: {as_of:%Y-%m-%d}    Data as of: {data_date}",
        "Filters: " + (", ".join(f"{k}: {v}" for k, v in filters.items()) if filters else "none (whole practice)"),
        "Windows: baseline = 90 days before go-live; day30/60/90 = the three 30-day periods after it.",
    ]
    for line in [*lines, *(notes or [])]:
        pdf.multi_cell(0, 5.5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    columns = ["KPI", *windows, "Change vs baseline", "Target", "Status"]
    widths = [70, *([26] * len(windows)), 34, 30, 25]
    for group in GROUPS:
        part = table[table["Group"].astype(str) == group] if not table.empty else table
        if part.empty:
            continue
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, _latin1(group), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 8.5)
        for col, w in zip(columns, widths, strict=True):
            pdf.cell(w, 6, _latin1(col), border=1)
        pdf.ln()
        pdf.set_font("Helvetica", "", 8.5)
        for row in part.to_dict("records"):
            for col, w in zip(columns, widths, strict=True):
                pdf.cell(w, 5.5, _latin1(row.get(col, "")), border=1)
            pdf.ln()
        pdf.ln(2)
    return bytes(pdf.output())

