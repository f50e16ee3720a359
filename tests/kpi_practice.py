"""The small practice behind KPI_EXAMPLES.md, for hand-built KPI test warehouses.

go_live 2026-04-01; two sources ``legacy`` and ``new``; locations, providers, payers and a patient
as in the examples' table. Helpers fill the examples' defaults (a legacy claim: PA1, ACME, L1, K1;
a new claim: 4401, 42, 7, 301; service_date_from = created_at's date; payments by ERA from the claim's
payer; appointments: completed PT follow-up of 45 minutes at L1/K1 or 7/301).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from tests.conftest import write_config

GO_LIVE = dt.date(2026, 4, 1)
AS_OF = dt.date(2026, 7, 15)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Practice:
    """Rows per source and table; ``build`` writes a DuckDB warehouse and returns Settings."""

    def __init__(self, base: bool = True) -> None:
        self.rows: dict[str, dict[str, list[dict]]] = {"legacy": {}, "new": {}}
        if base:
            self._base()

    def add(self, source: str, table: str, **row) -> dict:
        self.rows[source].setdefault(table, []).append(row)
        return row

    def _base(self) -> None:
        for key, name in (("L1", "Riverside"), ("L2", "Hilltop")):
            self.add("legacy", "locations", location_id=key, name=name)
        self.add("new", "locations", location_id="7", name="Riverside", legacy_id="L1")
        self.add("new", "locations", location_id="8", name="Hilltop", legacy_id="L2")
        for key, disc, cred, loc in (("K1", "PT", "PT", "L1"), ("K2", "PT", "PTA", "L1"), ("K3", "OT", "OT", "L2")):
            self.add("legacy", "providers", provider_id=key, name=f"Provider {key}", discipline=disc,
                     credential=cred, location_id=loc)
        for key, leg, disc, cred, loc in (("301", "K1", "PT", "PT", "7"), ("302", "K2", "PT", "PTA", "7"),
                                          ("303", "K3", "OT", "OT", "8"), ("390", None, "PT", "PT", "8")):
            self.add("new", "providers", provider_id=key, name=f"Provider {key}", discipline=disc, credential=cred,
                     location_id=loc, legacy_id=leg)
        for key, cls in (("GOV", "medicare"), ("ACME", "commercial"), ("WRK", "workers_comp")):
            self.add("legacy", "payers", payer_id=key, name=key, payer_class=cls)
        for key, leg, cls in (("41", "GOV", "medicare"), ("42", "ACME", "commercial"), ("43", "WRK", "workers_comp")):
            self.add("new", "payers", payer_id=key, name=leg, payer_class=cls, legacy_id=leg)
        self.patient("legacy", "PA1")
        self.patient("new", "4401", legacy_id="PA1")

    # ------------------------------------------------------------------ row helpers
    def patient(self, source: str, key: str, legacy_id: str | None = None) -> dict:
        return self.add(source, "patients", patient_id=key, first_name="Pat", last_name=key, legacy_id=legacy_id)

    def claim(self, source: str, key: str, total: float, created: str, **kw) -> dict:
        legacy = source == "legacy"
        row = {"claim_id": key, "patient_id": "PA1" if legacy else "4401", "payer_id": "ACME" if legacy else "42",
               "location_id": "L1" if legacy else "7", "rendering_provider_id": "K1" if legacy else "301",
               "service_date_from": ts(created).date(), "created_at": ts(created), "total_charge": total}
        row.update(kw)
        return self.add(source, "claims", **row)

    def payment(self, source: str, key: str, claim: str, amount: float, date: str, **kw) -> dict:
        row = {"payment_id": key, "claim_id": claim, "payer_id": "ACME" if source == "legacy" else "42",
               "payment_date": day(date), "amount": amount, "method": "era"}
        row.update(kw)
        return self.add(source, "payments", **row)

    def adjustment(self, source: str, key: str, claim: str, group: str, reason: str, amount: float, date: str,
                   **kw) -> dict:
        row = {"adjustment_id": key, "claim_id": claim, "group_code": group, "reason_code": reason,
               "amount": amount, "adjustment_date": day(date)}
        row.update(kw)
        return self.add(source, "adjustments", **row)

    def remit(self, source: str, key: str, claim: str, date: str, status: str, **kw) -> dict:
        row = {"remit_id": key, "claim_id": claim, "payer_id": "ACME" if source == "legacy" else "42",
               "received_date": day(date), "claim_status_code": status, "paid_amount": 0,
               "charge_amount": 0, "patient_responsibility": 0}  # null decimals trip the store (reported)
        row.update(kw)
        return self.add(source, "remits", **row)

    def appointment(self, source: str, key: str, start: str, **kw) -> dict:
        legacy = source == "legacy"
        row = {"appointment_id": key, "patient_id": "PA1" if legacy else "4401",
               "provider_id": "K1" if legacy else "301", "location_id": "L1" if legacy else "7", "discipline": "PT",
               "scheduled_start": ts(start), "duration_minutes": 45, "appointment_type": "follow_up",
               "status": "completed"}
        row.update(kw)
        return self.add(source, "appointments", **row)

    def note(self, source: str, key: str, visit_date: str, **kw) -> dict:
        legacy = source == "legacy"
        row = {"note_id": key, "patient_id": "PA1" if legacy else "4401", "provider_id": "K1" if legacy else "301",
               "note_type": "daily", "visit_date": day(visit_date)}
        row.update(kw)
        return self.add(source, "notes", **row)

    # ------------------------------------------------------------------ build
    def frames(self) -> dict[str, dict[str, pd.DataFrame]]:
        return {src: {t: pd.DataFrame(rows) for t, rows in tables.items()} for src, tables in self.rows.items()}

    def build(self, directory: Path, go_live: dt.date = GO_LIVE, extra: str = ""):
        from config.settings import load_settings
        from warehouse.store import build_warehouse

        settings = load_settings(write_config(directory, go_live=go_live.isoformat(), extra=extra))
        con = build_warehouse(settings.warehouse_url, self.frames())
        con.disconnect()
        return settings


def cells(settings, as_of: dt.date = AS_OF, windows=("baseline", "day30", "day60", "day90", "trailing30"),
          by=(), con=None, kpi_ids: list[str] | None = None) -> list[dict]:
    from metrics.kpis import compute_cells
    from metrics.windows import resolve_all
    from warehouse.store import reading

    wins = resolve_all(list(windows), settings.go_live, as_of)
    if con is not None:
        return [c.as_json() for c in compute_cells(con, settings, as_of, wins, list(by), kpi_ids=kpi_ids)]
    with reading(settings.warehouse_url) as c:
        return [x.as_json() for x in compute_cells(c, settings, as_of, wins, list(by), kpi_ids=kpi_ids)]


def find(result: list[dict], kpi: str, window: str, by: dict | None = None) -> dict | None:
    by = by or {}
    hits = [c for c in result if c["kpi"] == kpi and c["window"] == window and c["by"] == by]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None


def assert_cell(result: list[dict], expected: dict) -> None:
    """The cell with the same kpi, window and by equals ``expected`` (numbers within 1e-6)."""
    got = find(result, expected["kpi"], expected["window"], expected["by"])
    assert got is not None, f"no cell for {expected['kpi']} {expected['window']} {expected['by']}"
    for key, want in expected.items():
        have = got[key]
        if isinstance(want, int | float) and not isinstance(want, bool):
            assert have is not None, f"{expected['kpi']} {expected['by']} {key}: None != {want}"
            # a value printed rounded to 4 decimals in KPI_EXAMPLES.md is compared after rounding
            ok = abs(round(have, 4) - want) <= 1e-9 if _rounded(want) else abs(have - want) <= 1e-6
            assert ok, f"{expected['kpi']} {expected['by']} {key}: {have} != {want}"
        else:
            assert have == want, f"{expected['kpi']} {expected['by']} {key}: {have!r} != {want!r}"


def _rounded(x: float) -> bool:
    """KPI_EXAMPLES.md prints values rounded to 4 decimals: such a value is compared after rounding."""
    return len(repr(float(x)).split(".")[-1]) >= 4
