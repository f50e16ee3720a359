"""``python manage.py kpis``: the KPI table of the warehouse (ARCHITECTURE.md "Command line").

Output is the warehouse KPIs of KPI_SPEC.md only. The two KPIs kept in the app DB
(``training_completion_rate`` and ``staff_enps``) are shown on the Training and Staff pulse screens.
Ratios are fractions (0.97), never percents.
"""

from __future__ import annotations

import csv
import io
import json
import sys

from metrics.kpis import Cell, compute_cells
from metrics.registry import APP_KEPT, DIMENSIONS
from metrics.windows import parse_as_of, resolve_all
from warehouse.errors import UserFacingError
from warehouse.store import reading

HELP = (
    "Prints the warehouse KPIs for each window (default: baseline, day30, day60, day90, trailing30) as "
    "totals, plus one breakdown per --by (location, payer, payer_class, discipline, provider, "
    f"denial_category). Not included: {', '.join(APP_KEPT)} (kept in the app, see the Training and Staff "
    "pulse screens).")
COLUMNS = ("kpi", "window", "by", "value", "numerator", "denominator", "unit", "target", "status")


def check_dimensions(by: list[str]) -> list[str]:
    out = []
    for dim in by:
        if dim not in DIMENSIONS:
            raise UserFacingError(f"unknown --by {dim!r}: use one of {', '.join(DIMENSIONS)}")
        if dim not in out:
            out.append(dim)
    return out


def kpi_cells(settings, as_of_text: str | None = None, windows: list[str] | None = None,
              by: list[str] | None = None) -> list[Cell]:
    """Validate the arguments, then compute the table over the current warehouse snapshot."""
    as_of = parse_as_of(as_of_text)
    wins = resolve_all(windows, settings.go_live, as_of)
    dims = check_dimensions(by or [])
    with reading(settings.warehouse_url) as con:
        return compute_cells(con, settings, as_of, wins, dims)


def _by_text(by: dict) -> str:
    return ";".join(f"{k}={'' if v is None else v}" for k, v in by.items())


def to_json(cells: list[Cell]) -> str:
    return json.dumps([c.as_json() for c in cells], indent=None)


def to_csv(cells: list[Cell]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in cells:
        d = c.as_json()
        writer.writerow([d["kpi"], d["window"], _by_text(d["by"]),
                         *("" if d[k] is None else d[k] for k in COLUMNS[3:])])
    return buf.getvalue()


def _fmt(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.4f}".rstrip("0").rstrip(".") if abs(x) < 1e12 else str(x)
    return str(x)


def to_table(cells: list[Cell]) -> str:
    rows = [[c.kpi, c.window, _by_text(c.by) or "(total)", _fmt(c.value), _fmt(c.numerator), _fmt(c.denominator),
             c.unit, _fmt(c.target), c.status] for c in cells]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(COLUMNS)]
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(COLUMNS)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(widths[i]) for i, v in enumerate(r)) for r in rows]
    return "\n".join(lines) + "\n"


def kpis_command(args, settings) -> int:
    cells = kpi_cells(settings, getattr(args, "as_of", None), getattr(args, "window", None) or None,
                      getattr(args, "by", None) or [])
    fmt = getattr(args, "format", "table") or "table"
    out = {"json": to_json, "csv": to_csv, "table": to_table}[fmt](cells)
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0
