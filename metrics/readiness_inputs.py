"""Gather the live state the readiness criteria need, from the app DB and the warehouse.

This is the only place that knows where each fact lives (the other areas' agreed functions in
/tmp/team INTERFACES: tracker.plan, tracker.checklists, tracker.training, tracker.sync_log,
tracker.migration_runs, tracker.spot_checks, metrics.unified). Every area is read on its own: when
its module is missing or cannot be read, the area's facts stay ``None`` and ``gaps`` records why, so
the criterion shows "no evidence yet" with that reason instead of the page failing.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from metrics.readiness import (
    BACKUP_ITEM,
    CONFIG_LISTS,
    GO_LIVE_DAY_ITEMS,
    HIPAA_ITEMS,
    ChecklistItemFacts,
    LocationSchedule,
    MigrationRunFacts,
    MilestoneFacts,
    ProfileFacts,
    Readiness,
    ReadinessInputs,
    SpotCheckFacts,
    SyncFacts,
    Thresholds,
    TrainingGroupFacts,
    evaluate,
)


class _Missing(Exception):
    """An area's module is not installed (yet)."""


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise _Missing(f"{name} is not installed yet") from exc
        raise


def _function(module: str, name: str) -> Callable:
    fn = getattr(_module(module), name, None)
    if fn is None:
        raise _Missing(f"{module}.{name} does not exist yet")
    return fn


def _read(gaps: dict[str, str], area: str, read: Callable[[], Any]) -> Any:
    """Run one area's reader; on any failure record the reason under ``area`` and return None."""
    try:
        return read()
    except _Missing as exc:
        gaps[area] = str(exc)
    except Exception as exc:  # noqa: BLE001 - one area's failure must not take the verdict down
        gaps[area] = f"could not read it ({exc.__class__.__name__}: {str(exc)[:200]})"
    return None


def _owner_label(owner: str | None) -> str | None:
    if not owner:
        return None
    try:
        from tracker.plan_rules import TEAM_ROLES
    except ImportError:
        return owner
    return TEAM_ROLES.get(owner, owner)


# ------------------------------------------------------------------ per area


def _profile(url: str) -> ProfileFacts | None:
    p = _function("tracker.plan", "get_profile")(url)
    if p is None:
        return None
    providers = getattr(p, "providers_by_discipline", {}) or {}
    return ProfileFacts(contract_date=p.contract_date, planning_start=getattr(p, "planning_start", None),
                        location_count=int(p.location_count or 1),
                        provider_count=sum(int(v or 0) for v in providers.values()),
                        current_system=p.current_system, rollout=getattr(p, "rollout", "big_bang"),
                        parallel_run=bool(getattr(p, "parallel_run", False)),
                        practice_name=getattr(p, "practice_name", "") or "")


def _profile_locations(url: str) -> tuple[str, ...]:
    p = _function("tracker.plan", "get_profile")(url)
    return tuple(str(n) for n in (getattr(p, "location_names", None) or ()) if n) if p else ()


def _milestones(url: str) -> tuple[MilestoneFacts, ...]:
    out = []
    for m in _function("tracker.plan", "list_milestones")(url):
        done_at = getattr(m, "done_at", None)
        out.append(MilestoneFacts(
            id=m.id, key=getattr(m, "key", None), title=m.title, checkpoint=m.checkpoint, phase=m.phase,
            status=m.status, owner=_owner_label(m.owner), due_date=m.due_date,
            done_at=done_at.date() if isinstance(done_at, dt.datetime) else done_at,
            evidence=getattr(m, "evidence", None) or getattr(m, "notes", None),
            blocked_reason=m.blocked_reason, depends_on=tuple(m.depends_on or ())))
    return tuple(out)


def _training(url: str, go_live: dt.date, today: dt.date) -> tuple[TrainingGroupFacts, ...]:
    groups = _function("tracker.training", "gate_status")(url, go_live, today)
    return tuple(TrainingGroupFacts(role_group=g.role_group, label=g.label, active_staff=int(g.active_staff),
                                    completed=int(g.completed), forecast_date=g.forecast_date,
                                    forecast_before_go_live=bool(g.forecast_before_go_live),
                                    missing=len(g.missing or ())) for g in groups)


def _super_users(url: str) -> dict[str, tuple[str, ...]]:
    found = _function("tracker.training", "super_users_by_location")(url)
    return {str(loc): tuple(names) for loc, names in found.items()}


def _sync(url: str, source: str) -> SyncFacts:
    log = _module("tracker.sync_log")
    latest = log.latest_success(url, source)
    first = log.first_success(url, source)
    last = log.last_run(url, source)
    return SyncFacts(source=source,
                     last_success_at=(latest.finished_at or latest.started_at) if latest else None,
                     first_success_at=first.started_at if first else None,
                     last_outcome=last.outcome if last else None, last_error=last.error if last else None)


def _blocker_summaries(findings: list[dict] | None) -> tuple[str, ...]:
    counts = Counter((f.get("check", "?"), f.get("table", "?")) for f in findings or ())
    return tuple(f"{check.replace('_', ' ')} in {table}: {n}" for (check, table), n in counts.most_common())


def _migration_run(url: str) -> MigrationRunFacts | None:
    run = _function("tracker.migration_runs", "latest_run")(url)
    if run is None:
        return None

    def money(v):
        return None if v is None else Decimal(str(v))

    return MigrationRunFacts(ran_at=run.ran_at, blockers=int(run.blockers or 0), warnings=int(run.warnings or 0),
                             blocker_summaries=_blocker_summaries(getattr(run, "blocker_findings", None)),
                             ar_legacy=money(run.ar_legacy), ar_new=money(run.ar_new),
                             ar_difference=money(run.ar_difference))


def _spot_check(url: str) -> SpotCheckFacts | None:
    state = _function("tracker.spot_checks", "sign_off_state")(url)
    if state is None:
        return None
    return SpotCheckFacts(size=int(state.size), reviewed=int(state.reviewed), wrong=int(state.wrong),
                          signed_off=bool(state.signed_off), signed_off_by=state.signed_off_by,
                          signed_off_at=state.signed_off_at)


def _checklist_items(url: str) -> dict[str, ChecklistItemFacts]:
    item_state = _function("tracker.checklists", "item_state")
    out = {}
    for key in (*HIPAA_ITEMS, *GO_LIVE_DAY_ITEMS, BACKUP_ITEM):
        item = item_state(url, key)
        if item is not None:
            out[key] = ChecklistItemFacts(key=key, title=item.title, done=bool(item.done),
                                          owner=_owner_label(item.owner), done_at=item.done_at,
                                          done_by=item.done_by, evidence=item.evidence)
    return out


def _checklist_progress(url: str) -> dict[str, tuple[int, int]]:
    progress = _function("tracker.checklists", "list_progress")
    return {key: tuple(progress(url, key)) for key in CONFIG_LISTS}


WarehouseFacts = tuple[tuple[str, ...], tuple[LocationSchedule, ...]]


def warehouse_facts(settings, today: dt.date, golive_days: int) -> WarehouseFacts:
    """Location names and the schedule cut per location, read from the warehouse (pages cache this by
    the sync's data version)."""
    _module("metrics.unified")
    from metrics.schedule_reduction import location_names, practice_view, schedule_by_location
    from warehouse.store import reading

    with reading(settings.warehouse_url) as con:
        view = practice_view(con, settings, today)
        return (location_names(con, settings, today, view),
                tuple(schedule_by_location(con, settings, today, golive_days, view)))


def _stored_settings(url: str) -> tuple[Thresholds, bool]:
    from tracker.readiness import get_thresholds, legacy_ar_in_old_system

    return get_thresholds(url), legacy_ar_in_old_system(url)


# ------------------------------------------------------------------ entry points


def readiness_day(settings) -> dt.date:
    """The day readiness is assessed: today, or in the demo the day its data was generated (so the demo's
    "three weeks before go-live" still reads that way on a later day)."""
    if settings.demo:
        from config.settings import demo_anchor

        anchor = demo_anchor(settings.database_url)
        if anchor is not None:
            return anchor
    return dt.date.today()


def gather_inputs(settings, today: dt.date | None = None, now: dt.datetime | None = None,
                  warehouse: Callable[[dt.date, int], WarehouseFacts] | None = None) -> ReadinessInputs:
    """The practice's state today, area by area (a failing area becomes a gap, never an exception).

    ``warehouse(today, golive_days)`` replaces the warehouse read (a page passes its cached reader)."""
    from tracker.db import utcnow

    today = today or readiness_day(settings)
    now = now or utcnow()
    url = settings.database_url
    gaps: dict[str, str] = {}

    stored = _read(gaps, "settings", lambda: _stored_settings(url))
    thresholds, ar_setting = stored if stored else (Thresholds(), False)
    legacy_ar = ar_setting or "*" in settings.run_off_payer_classes

    profile = _read(gaps, "profile", lambda: _profile(url))
    if profile is None and "profile" not in gaps:
        gaps["profile"] = "no practice profile has been entered on the plan page"
    milestones = _read(gaps, "milestones", lambda: _milestones(url))
    training = _read(gaps, "training", lambda: _training(url, settings.go_live, today))
    super_users = _read(gaps, "training", lambda: _super_users(url)) if "training" not in gaps else None
    migration_run = _read(gaps, "migration", lambda: _migration_run(url))
    spot_check = _read(gaps, "spot_checks", lambda: _spot_check(url))
    items = _read(gaps, "checklists", lambda: _checklist_items(url))
    progress = _read(gaps, "checklists", lambda: _checklist_progress(url)) if items is not None else None

    syncs = {}
    for role in ("legacy", "new"):
        source = settings.legacy_source if role == "legacy" else settings.new_source
        if source is None:
            syncs[role] = None
            continue
        syncs[role] = _read(gaps, f"sync_{role}", lambda name=source.name: _sync(url, name))
        if syncs[role] is None:
            gaps.setdefault("sync", gaps[f"sync_{role}"])

    read_warehouse = warehouse or (lambda day, n: warehouse_facts(settings, day, n))
    facts = _read(gaps, "schedule", lambda: read_warehouse(today, int(thresholds.schedule_golive_days)))
    locations, schedule = facts if facts else ((), None)
    if not locations:
        locations = _read(gaps, "profile_locations", lambda: _profile_locations(url)) or ()

    return ReadinessInputs(
        today=today, now=now, go_live=settings.go_live, thresholds=thresholds, profile=profile,
        milestones=milestones, training=training, migration_run=migration_run, spot_check=spot_check,
        legacy_sync=syncs["legacy"], new_sync=syncs["new"], checklist_items=items, checklist_progress=progress,
        legacy_ar_in_old_system=legacy_ar, locations=tuple(locations), super_users=super_users,
        schedule=schedule, gaps=gaps)


def current_readiness(settings, today: dt.date | None = None, now: dt.datetime | None = None,
                      warehouse: Callable[[dt.date, int], WarehouseFacts] | None = None) -> Readiness:
    """Gather and evaluate in one call (the page, the CLI, the PDF and the daily score use this)."""
    return evaluate(gather_inputs(settings, today, now, warehouse))
