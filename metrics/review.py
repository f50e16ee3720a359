"""The frames behind the Go-live and Quarterly review screens (no streamlit; pages cache these).

Every function opens its own read-only warehouse connection and returns plain frames/cells.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics.kpis import DENIAL_KPIS, Cell, KpiRun, compute_cells
from metrics.registry import GROUPS, Kpi, format_value, registry
from metrics.unified import Params, unified
from metrics.windows import GO_LIVE_WINDOWS, Window, quarters_through, resolve, resolve_all
from warehouse.store import reading

POST_WINDOWS = ("day30", "day60", "day90")
FILTER_DIMENSIONS = ("location", "discipline", "payer", "provider")


def cells_for(settings, as_of: dt.date, windows: list[Window], by: list[str] | None = None,
              filters: dict | None = None, kpi_ids: list[str] | None = None) -> list[Cell]:
    with reading(settings.warehouse_url) as con:
        return compute_cells(con, settings, as_of, windows, by or [], kpi_ids=kpi_ids, filters=filters)


def golive_bundle(settings, as_of: dt.date, filters: dict | None = None, weeks_before: int = 13
                  ) -> tuple[list[Cell], pd.DataFrame, pd.DataFrame]:
    """Everything the Go-live review shows, on one connection and one evaluation: the window cells,
    the denial breakdown and the weekly trend."""
    wins = [resolve(w, settings.go_live, as_of) for w in GO_LIVE_WINDOWS]
    with reading(settings.warehouse_url) as con:
        run = KpiRun(con, settings, as_of)
        cells = run.cells(wins, filters=filters)
        denials = _denials(run.cells(wins, by=[d for d in ("denial_category", "payer") if d not in (filters or {})],
                                     kpi_ids=list(DENIAL_KPIS), filters=filters))
        weeks = weekly_windows(settings.go_live, as_of, weeks_before)
        trend = _trend(run.cells(weeks, filters=filters), weeks)
    return cells, denials, trend


def _trend(cells: list[Cell], weeks: list[Window]) -> pd.DataFrame:
    start = {w.name: w.start for w in weeks}
    return pd.DataFrame([{"kpi": c.kpi, "week": start[c.window], "value": c.value, "status": c.status}
                         for c in cells if not c.by], columns=["kpi", "week", "value", "status"])


def _denials(cells: list[Cell]) -> pd.DataFrame:
    rows = [{"window": c.window, "kpi": c.kpi, "dimension": next(iter(c.by)), "group": next(iter(c.by.values())),
             "value": c.value, "numerator": c.numerator, "denominator": c.denominator}
            for c in cells if c.by]
    return pd.DataFrame(rows, columns=["window", "kpi", "dimension", "group", "value", "numerator", "denominator"])


def filter_options(settings, as_of: dt.date) -> dict[str, dict[str, str]]:
    """Per filter dimension: identity (or code) -> label, from the unified view."""
    out: dict[str, dict[str, str]] = {}
    with reading(settings.warehouse_url) as con:
        u = unified(con, Params.from_settings(settings, as_of))
        loc = u["locations"].select("location_id", "name").execute()
        out["location"] = dict(zip(loc.location_id, loc.name, strict=True))
        prov = u["providers"].select("provider_id", "name", "discipline").execute()
        out["provider"] = {k: f"{n} ({d})" for k, n, d in zip(prov.provider_id, prov.name, prov.discipline,
                                                              strict=True)}
        pay = u["payers"].select("payer_id", "name", "payer_class").execute()
        out["payer"] = {k: f"{n} ({c})" for k, n, c in zip(pay.payer_id, pay.name, pay.payer_class, strict=True)}
    out["discipline"] = {"PT": "Physical therapy", "OT": "Occupational therapy", "SLP": "Speech therapy"}
    return {k: dict(sorted(v.items(), key=lambda kv: kv[1])) for k, v in out.items()}


def cell_text(c: Cell | None, spec: Kpi) -> str:
    """Numerator / denominator in words, for tooltips."""
    if c is None or (c.numerator is None and c.denominator is None):
        return "nothing counted"
    num = "-" if c.numerator is None else f"{c.numerator:,.2f}".rstrip("0").rstrip(".")
    den = "-" if c.denominator is None else f"{c.denominator:,.2f}".rstrip("0").rstrip(".")
    return f"{spec.numerator}: {num}; {spec.denominator}: {den}"


def review_frame(cells: list[Cell], settings, as_of: dt.date, windows: tuple[str, ...] = GO_LIVE_WINDOWS,
                 reference: str = "baseline") -> pd.DataFrame:
    """One row per KPI: value per window, the latest window with data, its change against the
    reference window, target and status, plus tooltip texts."""
    reg = registry(settings)
    total = {(c.kpi, c.window): c for c in cells if not c.by}
    kpis_present = [k for k in reg if any((k, w) in total for w in windows)]
    rows = []
    for kpi_id in kpis_present:
        spec = reg[kpi_id]
        row = {"group": spec.group, "kpi": kpi_id, "name": spec.name, "unit": spec.unit,
               "target": spec.target, "target_text": spec.target_text, "direction": spec.direction,
               "definition": spec.definition}
        latest = None
        for w in windows:
            c = total.get((kpi_id, w))
            row[w] = None if c is None else c.value
            row[f"{w}_status"] = None if c is None else c.status
            row[f"{w}_detail"] = cell_text(c, spec)
            if w != reference and c is not None and c.value is not None:
                latest = c
        ref = total.get((kpi_id, reference))
        row["latest_window"] = latest.window if latest else None
        row["latest"] = latest.value if latest else None
        row["status"] = latest.status if latest else "no_data"
        row["change"] = (latest.value - ref.value) if latest and ref and ref.value is not None else None
        row["improved"] = None if row["change"] is None or row["change"] == 0 else (
            (row["change"] > 0) == (spec.direction == "higher"))
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["group"] = pd.Categorical(frame["group"], categories=list(GROUPS), ordered=True)
    return frame


def display_table(frame: pd.DataFrame, windows: tuple[str, ...]) -> pd.DataFrame:
    """The review table as a manager reads it (formatted values), for screens and exports."""
    out = []
    for r in frame.itertuples(index=False):
        row = {"Group": r.group, "KPI": r.name}
        for w in windows:
            row[w] = format_value(getattr(r, w), r.unit)
        change = r.change
        row["Change vs baseline"] = "-" if change is None or pd.isna(change) else (
            f"{change * 100:+.1f} pts" if r.unit == "ratio" else f"{change:+,.2f}")
        row["Target"] = r.target_text
        row["Status"] = str(r.status).replace("_", " ")
        out.append(row)
    return pd.DataFrame(out)


def weekly_windows(go_live: dt.date, as_of: dt.date, weeks_before: int = 13) -> list[Window]:
    """Weeks aligned on go-live, from ``weeks_before`` weeks before it through the week of as_of."""
    out = []
    k = -weeks_before
    while True:
        start = go_live + dt.timedelta(days=7 * k)
        if start > as_of:
            break
        out.append(Window(f"week{k:+d}", start, start + dt.timedelta(days=7)))
        k += 1
    return out


def weekly_trend(settings, as_of: dt.date, filters: dict | None = None, weeks_before: int = 13) -> pd.DataFrame:
    """Value per KPI and week (week start date), for the trend charts."""
    wins = weekly_windows(settings.go_live, as_of, weeks_before)
    return _trend(cells_for(settings, as_of, wins, filters=filters), wins)


def denial_breakdown(settings, as_of: dt.date, filters: dict | None = None,
                     windows: tuple[str, ...] = GO_LIVE_WINDOWS) -> pd.DataFrame:
    """Denial rate by category and by payer per window (share of all first-decided claims)."""
    wins = resolve_all(list(windows), settings.go_live, as_of)
    by = [d for d in ("denial_category", "payer") if d not in (filters or {})]
    return _denials(cells_for(settings, as_of, wins, by=by, filters=filters, kpi_ids=list(DENIAL_KPIS)))


def quarter_names(settings, as_of: dt.date) -> list[str]:
    """Quarters from the one holding the baseline's start through the one holding as_of."""
    first = min(settings.go_live - dt.timedelta(days=90), as_of)
    return quarters_through(first, as_of)


def quarterly_cells(settings, as_of: dt.date, quarters: list[str] | None = None) -> list[Cell]:
    names = quarters or quarter_names(settings, as_of)
    wins = [resolve(n, settings.go_live, as_of) for n in names]
    return cells_for(settings, as_of, wins)
