"""The sync log: one row per sync of one source (who started it, when, outcome, rows per table, error).

Pages read it for freshness (``latest_success``, ``last_run``), KPI caches key on ``data_version``, and
a running sync writes its progress here so every process (the page that clicked "Sync now", another
administrator's browser, the scheduler) can show it.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import JSON, DateTime, Float, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Base, session_scope, utcnow

RUNNING = "running"
SUCCESS = "success"
FAILED = "failed"
OUTCOMES = (RUNNING, SUCCESS, FAILED)
INTERRUPTED = "The sync stopped before it finished (the process ended or was killed); the warehouse kept " \
              "the previous data."


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(120), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    rows: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    triggered_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    stage: Mapped[str | None] = mapped_column(String(200), nullable=True)
    host: Mapped[str | None] = mapped_column(String(120), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)


@dataclass(frozen=True)
class SyncRunView:
    id: int
    source: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str
    rows: dict = field(default_factory=dict)
    error: str | None = None
    triggered_by: str | None = None
    progress: float | None = None
    stage: str | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def duration(self) -> dt.timedelta | None:
        return (self.finished_at - self.started_at) if self.finished_at else None


def _view(run: SyncRun) -> SyncRunView:
    return SyncRunView(id=run.id, source=run.source, started_at=run.started_at, finished_at=run.finished_at,
                       outcome=run.outcome, rows=dict(run.rows or {}), error=run.error,
                       triggered_by=run.triggered_by, progress=run.progress, stage=run.stage)


# ------------------------------------------------------------------------------------------ writing


def start(database_url: str, source: str, triggered_by: str | None) -> int:
    with session_scope(database_url) as s:
        run = SyncRun(source=source, started_at=utcnow(), outcome=RUNNING, triggered_by=triggered_by,
                      progress=0.0, stage="Starting", host=socket.gethostname()[:120], pid=os.getpid())
        s.add(run)
        s.flush()
        return run.id


def set_progress(database_url: str, run_id: int, fraction: float, stage: str) -> None:
    with session_scope(database_url) as s:
        s.execute(update(SyncRun).where(SyncRun.id == run_id, SyncRun.outcome == RUNNING)
                  .values(progress=max(0.0, min(1.0, fraction)), stage=stage[:200]))


def finish(database_url: str, run_id: int, *, rows: dict[str, int] | None = None, error: str | None = None
           ) -> SyncRunView:
    with session_scope(database_url) as s:
        run = s.get(SyncRun, run_id)
        run.finished_at = utcnow()
        run.outcome = FAILED if error else SUCCESS
        run.rows = dict(rows or {})
        run.error = error
        run.progress = 1.0
        run.stage = "Failed" if error else "Done"
        s.flush()
        return _view(run)


def mark_interrupted(database_url: str, source: str) -> int:
    """Runs of ``source`` still marked running while no process holds its lock: they were killed."""
    with session_scope(database_url) as s:
        result = s.execute(update(SyncRun).where(SyncRun.source == source, SyncRun.outcome == RUNNING)
                           .values(outcome=FAILED, finished_at=utcnow(), error=INTERRUPTED, stage="Interrupted"))
        return result.rowcount or 0


# ------------------------------------------------------------------------------------------ reading (INTERFACES.md)


def data_version(database_url: str) -> int:
    """Id of the newest finished successful sync (0 if none): the cache key of KPI pages."""
    with session_scope(database_url) as s:
        run_id = s.execute(select(SyncRun.id).where(SyncRun.outcome == SUCCESS)
                           .order_by(SyncRun.finished_at.desc(), SyncRun.id.desc()).limit(1)).scalar()
        return int(run_id or 0)


def latest_success(database_url: str, source: str) -> SyncRunView | None:
    return _one(database_url, source, SUCCESS, newest=True)


def first_success(database_url: str, source: str) -> SyncRunView | None:
    return _one(database_url, source, SUCCESS, newest=False)


def last_run(database_url: str, source: str) -> SyncRunView | None:
    return _one(database_url, source, None, newest=True)


def get(database_url: str, run_id: int) -> SyncRunView | None:
    with session_scope(database_url) as s:
        run = s.get(SyncRun, run_id)
        return _view(run) if run else None


def _one(database_url: str, source: str, outcome: str | None, newest: bool) -> SyncRunView | None:
    stmt = select(SyncRun).where(SyncRun.source == source)
    if outcome:
        stmt = stmt.where(SyncRun.outcome == outcome)
    stmt = stmt.order_by(SyncRun.id.desc() if newest else SyncRun.id.asc()).limit(1)
    with session_scope(database_url) as s:
        run = s.execute(stmt).scalar()
        return _view(run) if run else None


HISTORY_COLUMNS = ["id", "source", "started_at", "finished_at", "outcome", "rows", "total_rows", "error",
                   "triggered_by"]


def history(database_url: str, source: str | None = None, limit: int = 50) -> pd.DataFrame:
    """Newest runs first: id, source, started_at, finished_at, outcome, rows (dict), total_rows, error,
    triggered_by."""
    stmt = select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)
    if source:
        stmt = stmt.where(SyncRun.source == source)
    with session_scope(database_url) as s:
        runs = [_view(r) for r in s.execute(stmt).scalars()]
    records = [{"id": r.id, "source": r.source, "started_at": r.started_at, "finished_at": r.finished_at,
                "outcome": r.outcome, "rows": r.rows, "total_rows": r.total_rows, "error": r.error,
                "triggered_by": r.triggered_by} for r in runs]
    return pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)


# ------------------------------------------------------------------------------------------ freshness

FRESH = "fresh"
STALE = "stale"
OLD = "old"
NEVER = "never"
STALE_AFTER = dt.timedelta(days=1)
OLD_AFTER = dt.timedelta(days=3)


@dataclass(frozen=True)
class SourceStatus:
    """What the Data sources page and the freshness banner show for one configured source."""

    name: str
    role: str
    kind: str
    schedule: str | None
    latest_success: SyncRunView | None
    last_run: SyncRunView | None
    age: dt.timedelta | None  # since the latest successful sync finished
    freshness: str  # fresh | stale | old | never

    @property
    def running(self) -> bool:
        return self.last_run is not None and self.last_run.outcome == RUNNING

    @property
    def last_failed(self) -> bool:
        return self.last_run is not None and self.last_run.outcome == FAILED

    @property
    def needs_attention(self) -> bool:
        return self.last_failed or self.freshness in (STALE, OLD, NEVER)


def freshness_of(age: dt.timedelta | None) -> str:
    if age is None:
        return NEVER
    if age <= STALE_AFTER:
        return FRESH
    return STALE if age <= OLD_AFTER else OLD


def source_statuses(settings, now: dt.datetime | None = None) -> list[SourceStatus]:
    """Every configured source with its latest success, last run and freshness (times naive UTC)."""
    now = now or utcnow()
    out = []
    for source in settings.sources:
        success = latest_success(settings.database_url, source.name)
        last = last_run(settings.database_url, source.name)
        age = (now - success.finished_at) if success and success.finished_at else None
        out.append(SourceStatus(source.name, source.role, source.kind, source.schedule, success, last, age,
                                freshness_of(age)))
    return out


def age_words(age: dt.timedelta | None) -> str:
    """'5 minutes ago', '3 hours ago', '2 days ago', 'never'."""
    if age is None:
        return "never"
    seconds = max(0, int(age.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def plain_error(error: str | None, source: str) -> str:
    """The first thing to tell an administrator about a failed sync, in plain words."""
    if not error:
        return ""
    text = error.strip()
    low = text.lower()
    if text == INTERRUPTED:
        return text
    if "cannot connect" in low or "cannot open the source database" in low or "could not connect" in low:
        return (f"The dashboard could not reach the {source} database. Check that the server is running and "
                f"that the address in the configuration is right; the warehouse kept the previous data.")
    if "problem(s):" in low:
        count = text.split("problem(s):")[0].rsplit(":", 1)[-1].strip()
        return (f"The {source} data has {count} problem(s) to fix in the system or in its mapping before it "
                f"can be loaded (details below); the warehouse kept the previous data.")
    if text.startswith("mapping ") or "mapping " in text[:200] and "not found" in low:
        return (f"The mapping file for {source} does not match its database (details below); the warehouse "
                f"kept the previous data.")
    if "already running" in low:
        return f"A sync of {source} was already running."
    return f"The sync of {source} failed (details below); the warehouse kept the previous data."
