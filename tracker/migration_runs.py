"""Every run of the migration checks, kept with its data version so runs can be compared.

A run stores its receipts (summary) and its findings; ``diff`` tells which findings are new, resolved
or persisting between two runs (the fix-and-rerun loop). Findings are identified as in
MIGRATION_EXAMPLES.md: check, table, system, key, field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from auth import audit
from tracker.db import Base, session_scope, utcnow

FINDING_COLUMNS = ["check", "table", "system", "key", "field", "legacy", "new", "severity"]


class MigrationRun(Base):
    __tablename__ = "migration_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    triggered_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="full")  # full | sample
    sample_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    data_date: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    go_live: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    seconds: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    blockers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warnings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ar_legacy: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False, default=0)
    ar_new: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False, default=0)
    ar_difference: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False, default=0)
    summary: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class MigrationFinding(Base):
    __tablename__ = "migration_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("migration_runs.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    check: Mapped[str] = mapped_column(String(60), nullable=False)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    system: Mapped[str] = mapped_column(String(10), nullable=False)
    key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    field: Mapped[str | None] = mapped_column(String(60), nullable=True)
    legacy: Mapped[object | None] = mapped_column(JSON, nullable=True)
    new: Mapped[object | None] = mapped_column(JSON, nullable=True)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)


@dataclass(frozen=True)
class MigrationRunView:
    id: int
    ran_at: dt.datetime
    data_version: int
    data_date: dt.datetime | None
    kind: str
    triggered_by: str | None
    seconds: float
    blockers: int
    warnings: int
    ar_legacy: Decimal
    ar_new: Decimal
    ar_difference: Decimal
    summary: dict
    blocker_findings: list[dict] = field(default_factory=list)


def _view(run: MigrationRun, blockers: list[dict]) -> MigrationRunView:
    return MigrationRunView(id=run.id, ran_at=run.ran_at, data_version=run.data_version, data_date=run.data_date,
                            kind=run.kind, triggered_by=run.triggered_by, seconds=run.seconds, blockers=run.blockers,
                            warnings=run.warnings, ar_legacy=Decimal(run.ar_legacy), ar_new=Decimal(run.ar_new),
                            ar_difference=Decimal(run.ar_difference), summary=run.summary or {},
                            blocker_findings=blockers)


def _finding_dict(f: MigrationFinding) -> dict:
    return {"check": f.check, "table": f.table_name, "system": f.system, "key": f.key, "field": f.field,
            "legacy": f.legacy, "new": f.new, "severity": f.severity}


def store_run(database_url: str, result, *, actor: audit.Actor, data_version: int = 0,
              data_date: dt.datetime | None = None, kind: str = "full", sample_id: int | None = None,
              go_live: dt.date | None = None, ran_at: dt.datetime | None = None) -> int:
    """Keep one run (a migration.checks.CheckResult) with its findings; audited. Returns the run id."""
    summary = result.summary
    ar = summary.get("open_ar", {})
    by_sev = summary.get("findings", {}).get("by_severity", {})
    with session_scope(database_url) as session:
        run = MigrationRun(ran_at=ran_at or utcnow(), triggered_by=actor.username, kind=kind, sample_id=sample_id,
                           data_version=data_version, data_date=data_date,
                           go_live=go_live,
                           seconds=float(result.seconds), blockers=int(by_sev.get("blocker", 0)),
                           warnings=int(by_sev.get("warning", 0)),
                           ar_legacy=Decimal(str(ar.get("legacy", 0))), ar_new=Decimal(str(ar.get("new", 0))),
                           ar_difference=Decimal(str(ar.get("difference", 0))), summary=summary)
        session.add(run)
        session.flush()
        if result.findings:
            session.execute(insert(MigrationFinding), [
                {"run_id": run.id, "check": f["check"], "table_name": f["table"], "system": f["system"],
                 "key": f["key"], "field": f["field"], "legacy": f["legacy"], "new": f["new"],
                 "severity": f["severity"]} for f in result.findings])
        audit.add(session, actor, audit.CREATE, resource_type="migration_run", resource_id=run.id,
                  detail={"kind": kind, "blockers": run.blockers, "warnings": run.warnings,
                          "data_version": data_version})
        return run.id


def latest_run(database_url: str, kind: str = "full") -> MigrationRunView | None:
    """The newest run of the full check (the interface the go/no-go readiness reads)."""
    with session_scope(database_url) as session:
        run = session.scalars(select(MigrationRun).where(MigrationRun.kind == kind)
                              .order_by(MigrationRun.ran_at.desc(), MigrationRun.id.desc()).limit(1)).first()
        if run is None:
            return None
        blockers = session.scalars(select(MigrationFinding).where(MigrationFinding.run_id == run.id,
                                                                  MigrationFinding.severity == "blocker")
                                   .order_by(MigrationFinding.id)).all()
        return _view(run, [_finding_dict(f) for f in blockers])


def get_run(database_url: str, run_id: int) -> MigrationRunView | None:
    with session_scope(database_url) as session:
        run = session.get(MigrationRun, run_id)
        if run is None:
            return None
        blockers = session.scalars(select(MigrationFinding).where(MigrationFinding.run_id == run.id,
                                                                  MigrationFinding.severity == "blocker")).all()
        return _view(run, [_finding_dict(f) for f in blockers])


def history(database_url: str, kind: str | None = "full", limit: int = 200) -> pd.DataFrame:
    """Runs newest first: when, data version and date, blockers, warnings, open AR in both systems."""
    stmt = select(MigrationRun).order_by(MigrationRun.ran_at.desc(), MigrationRun.id.desc()).limit(limit)
    if kind:
        stmt = stmt.where(MigrationRun.kind == kind)
    with session_scope(database_url) as session:
        rows = session.scalars(stmt).all()
        return pd.DataFrame([{
            "run": r.id, "ran at": r.ran_at, "data version": r.data_version, "data as of": r.data_date,
            "kind": r.kind, "by": r.triggered_by, "blockers": r.blockers, "warnings": r.warnings,
            "open AR legacy": float(r.ar_legacy), "open AR new": float(r.ar_new),
            "difference": float(r.ar_difference), "seconds": round(r.seconds, 2)} for r in rows],
            columns=["run", "ran at", "data version", "data as of", "kind", "by", "blockers", "warnings",
                     "open AR legacy", "open AR new", "difference", "seconds"])


def findings(database_url: str, run_id: int) -> pd.DataFrame:
    with session_scope(database_url) as session:
        rows = session.scalars(select(MigrationFinding).where(MigrationFinding.run_id == run_id)
                               .order_by(MigrationFinding.id)).all()
        return pd.DataFrame([_finding_dict(f) for f in rows], columns=FINDING_COLUMNS)


def finding_count(database_url: str, run_id: int) -> int:
    with session_scope(database_url) as session:
        return int(session.scalar(select(func.count()).select_from(MigrationFinding)
                                  .where(MigrationFinding.run_id == run_id)) or 0)


IDENTITY = ["check", "table", "system", "key", "field"]


def diff(database_url: str, older_id: int, newer_id: int) -> pd.DataFrame:
    """Findings of two runs side by side, each marked new, resolved or persisting."""
    old = findings(database_url, older_id)
    new = findings(database_url, newer_id)
    merged = old.merge(new, on=IDENTITY, how="outer", suffixes=(" before", " now"), indicator=True)
    merged["change"] = merged["_merge"].map({"left_only": "resolved", "right_only": "new", "both": "persisting"})
    merged["severity"] = merged["severity now"].fillna(merged["severity before"])
    return merged.drop(columns=["_merge"])[["change", *IDENTITY, "severity", "legacy before", "new before",
                                             "legacy now", "new now"]]


def delete_all(database_url: str) -> None:
    """Remove every stored run (demo rebuilds only)."""
    with session_scope(database_url) as session:
        session.execute(delete(MigrationFinding))
        session.execute(delete(MigrationRun))
