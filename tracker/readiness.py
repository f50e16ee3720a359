"""Readiness state kept in the app DB: thresholds, the practice's AR decision, go/no-go decisions, daily scores.

- **Thresholds** start at the defaults of ``metrics.readiness.THRESHOLDS``; an administrator may
  override one. Each change is audited (before/after) and guarded by optimistic locking.
- **Legacy AR in the old system**: the practice's recorded choice to work open legacy AR down in the
  old system instead of migrating it (the migration criterion then does not ask AR to reconcile).
- **Decisions**: go, no-go or postpone, with a note, by an administrator or the owner; each freezes a
  snapshot of every criterion's state and evidence at that moment (``Readiness.to_dict``).
- **Daily scores**: one row per day (the latest evaluation of the day wins), for the readiness chart.
  They are bookkeeping computed from live state, not a user's change, so they are not audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import JSON, Date, DateTime, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from auth import audit
from metrics.readiness import THRESHOLDS_BY_KEY, Readiness, Thresholds, check_threshold
from tracker.db import Base, session_scope, utcnow
from warehouse.errors import UserFacingError

LEGACY_AR_KEY = "legacy_ar_in_old_system"
DECISIONS = {"go": "Go", "no_go": "No-go", "postpone": "Postpone"}
THRESHOLD_EDITORS = ("administrator",)
DECIDERS = ("administrator", "owner")


class ReadinessError(UserFacingError):
    """A readiness change that cannot be saved as entered (the message says why)."""


class ReadinessConflict(ReadinessError):
    """Somebody else changed this setting after you opened it; nothing was overwritten."""


class ReadinessSetting(Base):
    __tablename__ = "readiness_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}


class ReadinessDecision(Base):
    __tablename__ = "readiness_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    decided_by: Mapped[str] = mapped_column(String(80), nullable=False)
    role: Mapped[str | None] = mapped_column(String(40), nullable=True)
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    verdict: Mapped[str] = mapped_column(String(20), nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    go_live: Mapped[dt.date] = mapped_column(Date, nullable=False)
    snapshot: Mapped[dict] = mapped_column(JSON, nullable=False)


class ReadinessScore(Base):
    __tablename__ = "readiness_scores"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    verdict: Mapped[str] = mapped_column(String(20), nullable=False)
    green: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    amber: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    red: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


# ------------------------------------------------------------------ views


@dataclass(frozen=True)
class SettingView:
    key: str
    value: float
    default: float | None
    overridden: bool
    updated_by: str | None
    updated_at: dt.datetime | None
    version: int  # 0 while the default is in force


@dataclass(frozen=True)
class DecisionView:
    id: int
    decided_at: dt.datetime
    decided_by: str
    role: str | None
    decision: str
    note: str
    verdict: str
    score: int
    go_live: dt.date
    snapshot: dict

    @property
    def label(self) -> str:
        return DECISIONS.get(self.decision, self.decision)


def _decision_view(d: ReadinessDecision) -> DecisionView:
    return DecisionView(d.id, d.decided_at, d.decided_by, d.role, d.decision, d.note, d.verdict, d.score,
                        d.go_live, dict(d.snapshot or {}))


# ------------------------------------------------------------------ thresholds and the AR setting


def setting_views(database_url: str) -> list[SettingView]:
    """Every threshold with its value in force, and the legacy-AR setting, in the order of THRESHOLDS."""
    with session_scope(database_url) as session:
        rows = {r.key: r for r in session.scalars(select(ReadinessSetting))}
    out = []
    for key, spec in [*THRESHOLDS_BY_KEY.items(), (LEGACY_AR_KEY, None)]:
        row = rows.get(key)
        default = spec.default if spec else 0.0
        out.append(SettingView(key, row.value if row else default, spec.default if spec else None, row is not None,
                               row.updated_by if row else None, row.updated_at if row else None,
                               row.version_id if row else 0))
    return out


def get_thresholds(database_url: str) -> Thresholds:
    with session_scope(database_url) as session:
        values = {r.key: r.value for r in session.scalars(select(ReadinessSetting))
                  if r.key in THRESHOLDS_BY_KEY}
    return Thresholds.from_values(values)


def legacy_ar_in_old_system(database_url: str) -> bool:
    with session_scope(database_url) as session:
        row = session.get(ReadinessSetting, LEGACY_AR_KEY)
        return bool(row and row.value)


def _require_role(actor: audit.Actor, roles: tuple[str, ...], what: str) -> None:
    if actor.role not in roles:
        raise ReadinessError(f"Only {' or '.join(r.replace('_', ' ') + 's' for r in roles)} may {what} "
                             f"(you are signed in as {actor.role or 'nobody'}).")


def _write_setting(session, actor: audit.Actor, key: str, value: float | None, expected_version: int | None,
                   default: float, note: str | None) -> None:
    """Write (or with value None, remove) one setting row inside the caller's transaction, audited,
    refusing a stale version."""
    row = session.get(ReadinessSetting, key)
    current = row.version_id if row else 0
    if expected_version is not None and expected_version != current:
        who = row.updated_by if row else None
        raise ReadinessConflict(f"{who or 'Someone else'} changed {key.replace('_', ' ')} after you opened it; "
                                "nothing was saved. Reload to see their value.")
    before = row.value if row else default
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(ReadinessSetting(key=key, value=float(value), updated_by=actor.username, updated_at=utcnow()))
    else:
        row.value = float(value)
        row.updated_by = actor.username
        row.updated_at = utcnow()
    after = default if value is None else float(value)
    audit.add(session, actor, "readiness.setting", resource_type="readiness_setting", resource_id=key,
              page="go_no_go", before={key: before}, after={key: after}, note=note)


def _save(database_url: str, writes: list[tuple], actor: audit.Actor) -> None:
    """All writes in one transaction: either every change is saved, or none."""
    try:
        with session_scope(database_url) as session:
            for key, value, expected, default, note in writes:
                _write_setting(session, actor, key, value, expected, default, note)
    except StaleDataError as exc:
        raise ReadinessConflict("Someone else changed a readiness setting at the same moment; nothing was saved. "
                                "Reload and try again.") from exc


def set_thresholds(database_url: str, actor: audit.Actor, values: dict[str, float],
                   expected_versions: dict[str, int] | None = None) -> None:
    """An administrator changes thresholds together (checked as a whole, saved all or nothing)."""
    _require_role(actor, THRESHOLD_EDITORS, "change readiness thresholds")
    merged = get_thresholds(database_url)
    for key in values:
        if key not in THRESHOLDS_BY_KEY:
            raise ReadinessError(f"Threshold not saved: unknown threshold {key!r}.")
    merged = Thresholds.from_values({**merged.as_dict(), **values})
    for key, value in values.items():
        problem = check_threshold(key, float(value), merged)
        if problem:
            raise ReadinessError(f"Threshold not saved: {problem}.")
    expected_versions = expected_versions or {}
    _save(database_url, [(k, float(v), expected_versions.get(k), THRESHOLDS_BY_KEY[k].default, None)
                         for k, v in values.items()], actor)


def set_threshold(database_url: str, actor: audit.Actor, key: str, value: float,
                  expected_version: int | None = None) -> None:
    """An administrator changes one threshold (validated against its bounds and the others)."""
    set_thresholds(database_url, actor, {key: value}, None if expected_version is None else {key: expected_version})


def reset_threshold(database_url: str, actor: audit.Actor, key: str, expected_version: int | None = None) -> None:
    """Back to the default of DOMAIN.md."""
    _require_role(actor, THRESHOLD_EDITORS, "change readiness thresholds")
    if key not in THRESHOLDS_BY_KEY:
        raise ReadinessError(f"Unknown threshold {key!r}.")
    problem = check_threshold(key, THRESHOLDS_BY_KEY[key].default, get_thresholds(database_url))
    if problem:
        raise ReadinessError(f"Threshold not reset: {problem}.")
    _save(database_url, [(key, None, expected_version, THRESHOLDS_BY_KEY[key].default, None)], actor)


def set_legacy_ar_in_old_system(database_url: str, actor: audit.Actor, value: bool, note: str = "",
                                expected_version: int | None = None) -> None:
    """Record that open legacy AR is worked down in the old system (or withdraw that choice)."""
    _require_role(actor, THRESHOLD_EDITORS, "record how legacy AR is handled")
    _save(database_url, [(LEGACY_AR_KEY, 1.0 if value else 0.0, expected_version, 0.0, note or None)], actor)


# ------------------------------------------------------------------ decisions


def record_decision(database_url: str, actor: audit.Actor, decision: str, note: str,
                    readiness: Readiness, decided_at: dt.datetime | None = None) -> DecisionView:
    """Freeze the criteria as they stand with the decision; audited."""
    _require_role(actor, DECIDERS, "record the go-live decision")
    if decision not in DECISIONS:
        raise ReadinessError(f"Decision must be one of {', '.join(DECISIONS)}, not {decision!r}.")
    note = (note or "").strip()
    if not note:
        raise ReadinessError("Write a note with the decision: why, and what is accepted or still to do.")
    snapshot = readiness.to_dict()
    with session_scope(database_url) as session:
        row = ReadinessDecision(decided_at=decided_at or utcnow(), decided_by=actor.username or "?", role=actor.role,
                                decision=decision, note=note, verdict=readiness.verdict, score=readiness.score,
                                go_live=readiness.go_live, snapshot=snapshot)
        session.add(row)
        session.flush()
        audit.add(session, actor, "readiness.decision", resource_type="readiness_decision", resource_id=str(row.id),
                  page="go_no_go", after={"decision": decision, "verdict": readiness.verdict,
                                          "score": readiness.score, "go_live": readiness.go_live},
                  note=note)
        return _decision_view(row)


def list_decisions(database_url: str) -> list[DecisionView]:
    """Newest first."""
    with session_scope(database_url) as session:
        rows = session.scalars(select(ReadinessDecision).order_by(ReadinessDecision.decided_at.desc(),
                                                                  ReadinessDecision.id.desc()))
        return [_decision_view(r) for r in rows]


def latest_decision(database_url: str) -> DecisionView | None:
    decisions = list_decisions(database_url)
    return decisions[0] if decisions else None


# ------------------------------------------------------------------ daily scores


def record_daily_score(database_url: str, day: dt.date, readiness: Readiness) -> None:
    """Keep the day's latest score (one row per day)."""
    counts = {s: sum(1 for c in readiness.criteria if c.state == s) for s in ("green", "amber", "red")}
    with session_scope(database_url) as session:
        row = session.get(ReadinessScore, day)
        if row is None:
            session.add(ReadinessScore(day=day, score=readiness.score, verdict=readiness.verdict,
                                       recorded_at=utcnow(), **counts))
        elif (row.score, row.verdict, row.green, row.amber, row.red) != (readiness.score, readiness.verdict,
                                                                        *counts.values()):
            row.score, row.verdict, row.recorded_at = readiness.score, readiness.verdict, utcnow()
            row.green, row.amber, row.red = counts["green"], counts["amber"], counts["red"]


def score_history(database_url: str, since: dt.date | None = None) -> pd.DataFrame:
    """Daily scores, oldest first: day, score, verdict, green, amber, red."""
    stmt = select(ReadinessScore).order_by(ReadinessScore.day)
    if since is not None:
        stmt = stmt.where(ReadinessScore.day >= since)
    with session_scope(database_url) as session:
        rows = session.scalars(stmt).all()
        return pd.DataFrame([{"day": r.day, "score": r.score, "verdict": r.verdict, "green": r.green,
                              "amber": r.amber, "red": r.red} for r in rows],
                            columns=["day", "score", "verdict", "green", "amber", "red"])
