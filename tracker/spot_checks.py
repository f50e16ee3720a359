"""Spot-check samples: records drawn for a person to compare by eye, their verdicts and the sign-off.

A sample is drawn by migration/sample.py (stratified, reproducible by its seed). Each item is marked
verified or wrong with a note; marks and the sign-off are audited, and concurrent marks of one item
are detected through optimistic locking (``version_id``), never silently overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from auth import audit
from tracker.db import Base, session_scope, utcnow

STATUSES = ("pending", "verified", "wrong")


class ConcurrentEditError(RuntimeError):
    """Somebody else changed the record since it was loaded."""


class SpotCheckSample(Base):
    __tablename__ = "spot_check_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    fraction: Mapped[float] = mapped_column(Float, nullable=False)
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    check_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    full_estimate_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    signed_off: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    signed_off_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    sign_off_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class SpotCheckItem(Base):
    __tablename__ = "spot_check_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("spot_check_samples.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    legacy_key: Mapped[str] = mapped_column(String(200), nullable=False)
    new_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    payer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active_authorization: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


@dataclass(frozen=True)
class SpotCheckState:
    sample_id: int
    size: int
    reviewed: int
    wrong: int
    signed_off: bool
    signed_off_by: str | None
    signed_off_at: dt.datetime | None
    population: int = 0
    check_seconds: float | None = None
    full_estimate_seconds: float | None = None
    seed: int = 0
    fraction: float = 0.0


ITEM_COLUMNS = ["id", "table", "legacy key", "new key", "location", "payer", "active authorization", "status",
                "note", "reviewed by", "reviewed at", "version"]


def create_sample(database_url: str, drawn, actor: audit.Actor) -> int:
    """Store a drawn sample (migration.sample.DrawnSample) with its items; audited."""
    with session_scope(database_url) as session:
        sample = SpotCheckSample(created_by=actor.username, seed=drawn.seed, fraction=drawn.fraction,
                                 population=drawn.population, size=len(drawn.items),
                                 check_seconds=drawn.check_seconds, full_estimate_seconds=drawn.full_estimate_seconds)
        session.add(sample)
        session.flush()
        session.add_all([SpotCheckItem(sample_id=sample.id, table_name=i["table"], legacy_key=i["legacy_key"],
                                       new_key=i.get("new_key"), location=i.get("location"), payer=i.get("payer"),
                                       active_authorization=bool(i.get("active_authorization")))
                         for i in drawn.items])
        audit.add(session, actor, audit.CREATE, resource_type="spot_check_sample", resource_id=sample.id,
                  detail={"seed": drawn.seed, "fraction": drawn.fraction, "size": len(drawn.items),
                          "population": drawn.population})
        return sample.id


def latest_sample_id(database_url: str) -> int | None:
    with session_scope(database_url) as session:
        return session.scalar(select(SpotCheckSample.id).order_by(SpotCheckSample.id.desc()).limit(1))


def sign_off_state(database_url: str, sample_id: int | None = None) -> SpotCheckState | None:
    """Progress of the newest (or a given) sample: reviewed, wrong, and whether it is signed off."""
    with session_scope(database_url) as session:
        if sample_id is None:
            sample_id = session.scalar(select(SpotCheckSample.id).order_by(SpotCheckSample.id.desc()).limit(1))
        if sample_id is None:
            return None
        s = session.get(SpotCheckSample, sample_id)
        if s is None:
            return None
        counts = dict(session.execute(select(SpotCheckItem.status, func.count()).where(SpotCheckItem.sample_id == s.id)
                                      .group_by(SpotCheckItem.status)).all())
        return SpotCheckState(sample_id=s.id, size=s.size, reviewed=counts.get("verified", 0) + counts.get("wrong", 0),
                              wrong=counts.get("wrong", 0), signed_off=s.signed_off, signed_off_by=s.signed_off_by,
                              signed_off_at=s.signed_off_at, population=s.population, check_seconds=s.check_seconds,
                              full_estimate_seconds=s.full_estimate_seconds, seed=s.seed, fraction=s.fraction)


def items(database_url: str, sample_id: int) -> pd.DataFrame:
    with session_scope(database_url) as session:
        rows = session.scalars(select(SpotCheckItem).where(SpotCheckItem.sample_id == sample_id)
                               .order_by(SpotCheckItem.id)).all()
        return pd.DataFrame([{
            "id": r.id, "table": r.table_name, "legacy key": r.legacy_key, "new key": r.new_key,
            "location": r.location, "payer": r.payer, "active authorization": r.active_authorization,
            "status": r.status, "note": r.note, "reviewed by": r.reviewed_by, "reviewed at": r.reviewed_at,
            "version": r.version_id} for r in rows], columns=ITEM_COLUMNS)


def mark(database_url: str, item_id: int, status: str, note: str | None, actor: audit.Actor,
         expected_version: int | None = None, at: dt.datetime | None = None) -> None:
    """Record a reviewer's verdict on one item. Raises ConcurrentEditError when it changed meanwhile."""
    if status not in ("verified", "wrong"):
        raise ValueError(f"spot check status must be verified or wrong, not {status!r}")
    if status == "wrong" and not (note or "").strip():
        raise ValueError("say what is wrong: a note is required when an item is marked wrong")
    try:
        with session_scope(database_url) as session:
            item = session.get(SpotCheckItem, item_id)
            if item is None:
                raise ValueError(f"spot check item {item_id} does not exist")
            if expected_version is not None and item.version_id != expected_version:
                raise ConcurrentEditError(f"spot check item {item_id} was changed by {item.reviewed_by or 'someone'} "
                                          "since you opened it; reload to see their verdict")
            sample = session.get(SpotCheckSample, item.sample_id)
            if sample is not None and sample.signed_off:
                raise ValueError(f"sample {sample.id} is signed off; draw a new sample to review again")
            before = {"status": item.status, "note": item.note}
            item.status, item.note = status, note
            item.reviewed_by, item.reviewed_at = actor.username, at or utcnow()
            audit.add(session, actor, audit.CHANGE, resource_type="spot_check_item", resource_id=item.id,
                      before=before, after={"status": status, "note": note},
                      detail={"table": item.table_name, "legacy_key": item.legacy_key})
    except StaleDataError as exc:
        raise ConcurrentEditError(f"spot check item {item_id} was changed by someone else; reload") from exc


def sign_off(database_url: str, sample_id: int, actor: audit.Actor, note: str | None = None,
             at: dt.datetime | None = None) -> None:
    """Sign the sample off; every item must have been reviewed."""
    try:
        with session_scope(database_url) as session:
            sample = session.get(SpotCheckSample, sample_id)
            if sample is None:
                raise ValueError(f"spot check sample {sample_id} does not exist")
            if sample.signed_off:
                raise ValueError(f"sample {sample_id} is already signed off by {sample.signed_off_by}")
            pending = session.scalar(select(func.count()).select_from(SpotCheckItem).where(
                SpotCheckItem.sample_id == sample_id, SpotCheckItem.status == "pending"))
            if pending:
                raise ValueError(f"{pending} item(s) of sample {sample_id} are not reviewed yet")
            sample.signed_off, sample.signed_off_by, sample.signed_off_at = True, actor.username, at or utcnow()
            sample.sign_off_note = note
            audit.add(session, actor, audit.CHANGE, resource_type="spot_check_sample", resource_id=sample_id,
                      before={"signed_off": False}, after={"signed_off": True}, note=note)
    except StaleDataError as exc:
        raise ConcurrentEditError(f"sample {sample_id} was changed by someone else; reload") from exc


def mark_many(database_url: str, marks: list[tuple[int, str, str | None, dt.datetime | None]],
              actor: audit.Actor) -> None:
    """Several verdicts (item id, status, note, when) in one transaction, each audited (demo seeding)."""
    with session_scope(database_url) as session:
        for item_id, status, note, at in marks:
            item = session.get(SpotCheckItem, item_id)
            before = {"status": item.status, "note": item.note}
            item.status, item.note, item.reviewed_by, item.reviewed_at = status, note, actor.username, at or utcnow()
            audit.add(session, actor, audit.CHANGE, resource_type="spot_check_item", resource_id=item.id,
                      before=before, after={"status": status, "note": note},
                      detail={"table": item.table_name, "legacy_key": item.legacy_key})
