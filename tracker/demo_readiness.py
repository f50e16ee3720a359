"""The demo practice's go/no-go record: daily readiness scores and, after go-live, the recorded decision.

Runs last among the demo seeders, so the live criteria already see the plan, checklists, training and
migration state the other areas seeded.

- ``before`` (three weeks to go): the daily score over the last six weeks, climbing toward today's
  live score; no decision yet (that is what the page is for).
- ``after`` (100 days after go-live): the daily score over the eight weeks before go-live and a GO
  decision recorded three days before go-live by the administrator, with the frozen snapshot of every
  criterion as the live rules evaluated the practice's state on that day (the sync and check times of
  that day are those of the nightly run, as the demo's own syncs happened when it was generated).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import func, select

from auth import audit
from metrics.readiness import GREEN, NO_GO, MigrationRunFacts, Readiness, SyncFacts, evaluate
from metrics.readiness_inputs import current_readiness, gather_inputs
from tracker.db import session_scope
from tracker.readiness import ReadinessDecision, ReadinessScore, record_daily_score, record_decision

DECIDER = audit.Actor("admin", "administrator", "demo-setup")
HISTORY_DAYS_BEFORE = 42
HISTORY_DAYS_AFTER = 56
DECISION_DAYS_BEFORE_GO_LIVE = 3


def _go_note(snapshot: Readiness) -> str:
    """The administrator's note: what was checked, and the risks accepted with the decision."""
    risks = [c for c in snapshot.criteria if c.state != GREEN]
    critical_red = [c.title for c in snapshot.criteria if c.critical and c.state != GREEN]
    note = "Go, signed with the clinical and billing leads on the evidence pack."
    note += (" Training gate, data migration and HIPAA checked green." if not critical_red
             else f" Not green yet and accepted: {', '.join(critical_red)}.")
    if risks:
        note += " Accepted risks: " + "; ".join(f"{c.title} ({c.evidence.rstrip('.')})" for c in risks) + "."
    return note


def _already_seeded(database_url: str) -> bool:
    with session_scope(database_url) as s:
        return bool(s.scalar(select(func.count()).select_from(ReadinessScore))
                    or s.scalar(select(func.count()).select_from(ReadinessDecision)))


def _history(database_url: str, days: list[dt.date], start_score: int, end: Readiness, rng: random.Random) -> None:
    """Daily scores from ``start_score`` rising to ``end``'s score, with small day-to-day noise."""
    n = len(days)
    end_counts = {s: sum(1 for c in end.criteria if c.state == s) for s in ("green", "amber", "red")}
    total = sum(end_counts.values()) or 9
    with session_scope(database_url) as s:
        for i, day in enumerate(days):
            f = (i + 1) / n
            score = round(start_score + (end.score - start_score) * f + (rng.uniform(-3, 3) if i < n - 1 else 0))
            score = max(0, min(100, score))
            green = round(1 + (end_counts["green"] - 1) * f)
            red = max(end_counts["red"], round(5 - (5 - end_counts["red"]) * f))
            red = min(red, total - green)
            amber = total - green - red
            verdict = end.verdict if f > 0.85 else "NO-GO"
            s.add(ReadinessScore(day=day, score=score, verdict=verdict, green=green, amber=amber, red=red,
                                 recorded_at=dt.datetime.combine(day, dt.time(6, 0))))


def _decision_snapshot(settings, day: dt.date) -> Readiness:
    """The practice as the rules saw it on the decision day.

    Read live with ``today`` = the decision day (plan, checklists and training answer "as of" that day).
    What the demo could only produce on the day it was generated is set to that decision day instead:
    the nightly syncs (02:00), the final migration check (04:00) and the spot-check sign-off (the day
    before). The final check is the one after the fix-and-rerun loop converged: the demo keeps its
    planted defects for the migration pages to find, but the decision was taken on a clean run.
    """
    synced = dt.datetime.combine(day, dt.time(2, 0))
    now = dt.datetime.combine(day, dt.time(16, 0))
    inp = gather_inputs(settings, today=day, now=now)
    first_new = inp.new_sync.first_success_at if inp.new_sync else None
    if first_new is None or first_new > synced:
        first_new = synced - dt.timedelta(days=45)
    first_legacy = inp.legacy_sync.first_success_at if inp.legacy_sync else None
    if first_legacy is None or first_legacy > synced:
        first_legacy = synced - dt.timedelta(days=60)
    legacy = SyncFacts(settings.legacy_source.name if settings.legacy_source else "legacy", synced, first_legacy,
                       "success")
    new = SyncFacts(settings.new_source.name if settings.new_source else "new",
                    synced + dt.timedelta(minutes=15), first_new, "success")
    run = inp.migration_run or MigrationRunFacts(ran_at=now)
    ar = run.ar_legacy if run.ar_legacy is not None else Decimal("0.00")
    run = MigrationRunFacts(ran_at=synced + dt.timedelta(hours=2), blockers=0, warnings=run.warnings,
                            ar_legacy=ar, ar_new=ar, ar_difference=Decimal("0.00"))
    sample = inp.spot_check
    if sample is not None:
        signed = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(15, 0))
        sample = replace(sample, reviewed=sample.size, signed_off=True, signed_off_by=sample.signed_off_by or "admin",
                         signed_off_at=signed)
    return evaluate(replace(inp, legacy_sync=legacy, new_sync=new, migration_run=run, spot_check=sample))


def seed_demo(settings, moment: str, today: dt.date) -> None:
    url = settings.database_url
    if _already_seeded(url):
        return
    rng = random.Random(20260302)
    go_live = settings.go_live
    if moment == "before":
        live = current_readiness(settings, today=today)
        days = [today - dt.timedelta(days=k) for k in range(HISTORY_DAYS_BEFORE, 0, -1)]
        _history(url, days, max(5, live.score - 35), live, rng)
        record_daily_score(url, today, live)
        return
    # Three days ahead, or the first day after it when the practice's own records (e.g. the last
    # clinicians passing their sandbox check) only met every critical criterion a day later.
    for offset in range(DECISION_DAYS_BEFORE_GO_LIVE, 0, -1):
        decision_day = go_live - dt.timedelta(days=offset)
        snapshot = _decision_snapshot(settings, decision_day)
        if snapshot.verdict != NO_GO:
            break
    days = [go_live - dt.timedelta(days=k) for k in range(HISTORY_DAYS_AFTER, 0, -1)]
    _history(url, [d for d in days if d < decision_day], 30, snapshot, rng)
    with session_scope(url) as s:
        for day in (d for d in days if d >= decision_day):
            counts = {st: sum(1 for c in snapshot.criteria if c.state == st) for st in ("green", "amber", "red")}
            s.add(ReadinessScore(day=day, score=snapshot.score, verdict=snapshot.verdict,
                                 recorded_at=dt.datetime.combine(day, dt.time(6, 0)), **counts))
    record_decision(url, DECIDER, "go", _go_note(snapshot), snapshot,
                    decided_at=dt.datetime.combine(decision_day, dt.time(16, 30)))
