"""The data-freshness banner every signed-in page shows, and the badge the Data sources page uses."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from config.settings import Settings
from tracker import sync_log

BADGE_COLORS = {sync_log.FRESH: "green", sync_log.STALE: "orange", sync_log.OLD: "red", sync_log.NEVER: "gray"}
BADGE_LABELS = {sync_log.FRESH: "Fresh", sync_log.STALE: "Over a day old", sync_log.OLD: "Out of date",
                sync_log.NEVER: "Never synced"}


def local_time(utc: dt.datetime | None) -> str:
    """A naive UTC timestamp from the sync log, shown in the server's local time."""
    if utc is None:
        return "-"
    if hasattr(utc, "to_pydatetime"):  # a pandas Timestamp from a history frame
        utc = utc.to_pydatetime()
    return utc.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def badge(status: sync_log.SourceStatus) -> None:
    st.badge(f"{BADGE_LABELS[status.freshness]} ({sync_log.age_words(status.age)})",
             color=BADGE_COLORS[status.freshness])


def banner_lines(settings: Settings) -> list[str]:
    """What the banner says: sources whose newest success is over a day old, or whose last run failed."""
    lines = []
    for status in sync_log.source_statuses(settings):
        if status.last_failed:
            lines.append(f"The last sync of **{status.name}** failed: "
                         f"{sync_log.plain_error(status.last_run.error, status.name)}")
        elif status.freshness == sync_log.NEVER and not status.running:
            lines.append(f"**{status.name}** has never been synced; its figures are missing.")
        elif status.freshness in (sync_log.STALE, sync_log.OLD):
            lines.append(f"The data from **{status.name}** was last synced {sync_log.age_words(status.age)}; "
                         f"figures may be out of date.")
    return lines


def show_banner(settings: Settings) -> None:
    """A warning on top of the page when any source's data is over a day old or its last sync failed."""
    try:
        lines = banner_lines(settings)
    except Exception:  # noqa: BLE001 - the banner must never break a page (e.g. app DB not migrated yet)
        return
    if lines:
        st.warning("  \n".join(lines) + "  \nAn administrator can sync from **Data sources**.",
                   icon=":material/sync_problem:")
