"""Cached KPI reads for the review screens, keyed by the latest finished sync (data version).

A new sync gives a new data version, so the screens show new numbers; otherwise nothing is
recomputed. Only aggregate KPI values are cached here, never patient-level rows.
"""

from __future__ import annotations

import datetime as dt
import os

import streamlit as st

from metrics import review
from metrics.kpis import Cell
from ui import session


def data_version(database_url: str) -> int:
    try:
        from tracker.sync_log import data_version as version
    except ImportError:  # the sync log is not there yet
        return 0
    try:
        return int(version(database_url))
    except Exception:  # noqa: BLE001 - an app DB without the sync table yet
        return 0


def data_date(settings) -> str:
    """When the newest data was synced (the latest successful sync of any source)."""
    try:
        from tracker.sync_log import latest_success

        runs = [latest_success(settings.database_url, s.name) for s in settings.sources]
        done = [r.finished_at for r in runs if r is not None and r.finished_at is not None]
        return max(done).strftime("%Y-%m-%d %H:%M UTC") if done else "no sync yet"
    except Exception:  # noqa: BLE001
        return "unknown"


def _key(settings) -> tuple[str, float, int]:
    path = str(settings.path)
    try:
        stamp = os.path.getmtime(path)
    except OSError:
        stamp = 0.0
    return path, stamp, data_version(settings.database_url)


def _targets_stamp(settings) -> float:
    from metrics.registry import targets_path

    p = targets_path(settings)
    return p.stat().st_mtime if p.exists() else 0.0


def _filters_key(filters: dict | None) -> tuple:
    return tuple(sorted((filters or {}).items()))


@st.cache_data(ttl="30m", max_entries=64, show_spinner="Computing KPIs...")
def _golive(key: tuple, targets: float, as_of: dt.date, filters: tuple, _settings):
    return review.golive_bundle(_settings, as_of, filters=dict(filters))


@st.cache_data(ttl="30m", max_entries=16, show_spinner=False)
def _options(key: tuple, as_of: dt.date, _settings):
    return review.filter_options(_settings, as_of)


@st.cache_data(ttl="30m", max_entries=16, show_spinner="Computing quarterly KPIs...")
def _quarters(key: tuple, targets: float, as_of: dt.date, quarters: tuple, _settings) -> list[Cell]:
    return review.quarterly_cells(_settings, as_of, list(quarters))


def golive(as_of: dt.date, filters: dict | None = None):
    """(cells of baseline/day30/day60/day90, denial breakdown, weekly trend)."""
    s = session.settings()
    return _golive(_key(s), _targets_stamp(s), as_of, _filters_key(filters), s)


def golive_cells(as_of: dt.date, filters: dict | None = None) -> list[Cell]:
    return golive(as_of, filters)[0]


def options(as_of: dt.date) -> dict[str, dict[str, str]]:
    s = session.settings()
    return _options(_key(s), as_of, s)


def quarter_cells(as_of: dt.date, quarters: list[str]) -> list[Cell]:
    s = session.settings()
    return _quarters(_key(s), _targets_stamp(s), as_of, tuple(quarters), s)


@st.cache_data(ttl="30m", max_entries=32, show_spinner=False)
def golive_pdf_bytes(practice: str, go_live: dt.date, as_of: dt.date, data_date: str, filters: tuple,
                     table, windows: tuple, notes: tuple) -> bytes:
    """The printable summary, built once per table shown (not on every rerun)."""
    from metrics.report_pdf import golive_pdf

    return golive_pdf(practice, go_live, as_of, data_date, dict(filters), table, windows, list(notes))


ROI_KPIS = ("denial_rate", "clean_claim_rate", "days_in_ar")


@st.cache_data(ttl="30m", max_entries=16, show_spinner="Measuring the change since go-live...")
def _roi_cells(key: tuple, as_of: dt.date, _settings) -> list[Cell]:
    from metrics.windows import GO_LIVE_WINDOWS, resolve

    wins = [resolve(w, _settings.go_live, as_of) for w in GO_LIVE_WINDOWS]
    return review.cells_for(_settings, as_of, wins, kpi_ids=list(ROI_KPIS))


def roi_cells(as_of: dt.date) -> list[Cell]:
    """Baseline and day30/60/90 totals of the KPIs the ROI estimate uses."""
    s = session.settings()
    return _roi_cells(_key(s), as_of, s)
