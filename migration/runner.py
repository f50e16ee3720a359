"""Run the migration checks for a configured practice and keep the run (CLI, screens, demo).

The check reads the warehouse through ``warehouse.store.reading``; it cannot run (UserFacingError,
naming the reason) when the config has no legacy or no new source, or the warehouse holds no rows of
one of them.
"""

from __future__ import annotations

import datetime as dt

from auth import audit
from config.settings import Settings
from migration.checks import CheckResult, run_check
from migration.scope import SCOPE_TABLES, Params
from warehouse.errors import UserFacingError
from warehouse.store import reading


def params_for(settings: Settings) -> Params:
    legacy, new = settings.legacy_source, settings.new_source
    missing = [role for role, src in (("legacy", legacy), ("new", new)) if src is None]
    if missing:
        raise UserFacingError(
            f"{settings.path}: the migration check compares a source with role = \"legacy\" and one with "
            f"role = \"new\", but the config has no {' and no '.join(missing)} source ([[sources]] role)")
    return Params(go_live=settings.go_live, legacy=legacy.name, new=new.name,
                  run_off_payer_classes=tuple(settings.run_off_payer_classes))


def require_rows(con, params: Params, warehouse_url: str) -> None:
    """Stop with a clear reason when the warehouse lacks the canonical tables or a source's rows."""
    tables = set(con.list_tables())
    absent = [t for t in SCOPE_TABLES if t not in tables]
    if absent:
        raise UserFacingError(f"warehouse {warehouse_url}: tables {', '.join(absent)} do not exist; "
                              "run `python manage.py init` and `python manage.py sync` first")
    for source, role in ((params.legacy, "legacy"), (params.new, "new")):
        total = 0
        for table in ("patients", "locations", "payers", "claims", "appointments"):
            total += int(con.table(table).filter(con.table(table).source_system == source).count().to_pyarrow()
                         .as_py())
            if total:
                break
        if not total:
            raise UserFacingError(
                f"warehouse {warehouse_url}: no rows of the {role} source {source!r} (tables patients, locations, "
                f"payers, claims, appointments are empty for it); run `python manage.py sync --source {source}`")


def check_settings(settings: Settings) -> CheckResult:
    params = params_for(settings)
    try:
        ctx = reading(settings.warehouse_url)
        con = ctx.__enter__()
    except Exception as exc:  # noqa: BLE001 - any failure to open is a setup problem the user must fix
        raise UserFacingError(f"warehouse {settings.warehouse_url} cannot be opened: {exc}") from exc
    try:
        require_rows(con, params, settings.warehouse_url)
        return run_check(con, params)
    finally:
        ctx.__exit__(None, None, None)


def data_state(settings: Settings) -> tuple[int, dt.datetime | None]:
    """The data version (newest successful sync id) and when the data was last synced, if known."""
    try:
        from tracker import sync_log
    except ModuleNotFoundError:
        return 0, None
    version = sync_log.data_version(settings.database_url)
    dates = []
    for src in settings.sources:
        run = sync_log.latest_success(settings.database_url, src.name)
        if run and run.finished_at:
            dates.append(run.finished_at)
    return version, (max(dates) if dates else None)


def run_and_store(settings: Settings, actor: audit.Actor, ran_at: dt.datetime | None = None
                  ) -> tuple[int, CheckResult]:
    """Run the full check and keep it in the run history. Returns (run id, result)."""
    from tracker.migration_runs import store_run

    result = check_settings(settings)
    version, data_date = data_state(settings)
    run_id = store_run(settings.database_url, result, actor=actor, data_version=version, data_date=data_date,
                       go_live=settings.go_live, ran_at=ran_at)
    return run_id, result
