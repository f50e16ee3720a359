"""``python manage.py scheduler``: the scheduled syncs, in the foreground, as their own process.

One APScheduler 3 cron job per source that has a ``schedule`` (``BlockingScheduler``, in-memory job
store: the schedule lives in the config file, the history in the sync log). ``max_instances=1`` and
``coalesce`` keep one sync per source at a time and fold missed runs into one; the source lock
(warehouse/sync.py) also keeps it from overlapping a "Sync now" from the app.

A failed sync is logged and retried after a growing delay (``[scheduler] retry_delays_seconds``,
default 60, 300, 900 seconds), up to one retry per delay; then the next cron run tries again. Nothing a
job does can stop the process: every error is caught and logged. SIGTERM and SIGINT stop it cleanly
(a sync in progress is abandoned; its temporary snapshot is discarded and the warehouse keeps the
previous data).

Optional config (not part of the contract; defaults shown)::

    [scheduler]
    timezone = "local"              # the cron times' zone; "local" = the machine's
    retry_delays_seconds = [60, 300, 900]
    sync_at_start = false           # also sync every scheduled source once when the scheduler starts

See README "Running the scheduler as a service" for a systemd unit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import sys
import threading

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from config.settings import ConfigError, Settings, load_settings

log = logging.getLogger("scheduler")
DEFAULT_RETRY_DELAYS = (60, 300, 900)
STOP_GRACE_SECONDS = 5.0


def _options(settings: Settings) -> dict:
    raw = settings.raw.get("scheduler", {})
    return raw if isinstance(raw, dict) else {}


def retry_delays(settings: Settings) -> tuple[float, ...]:
    delays = _options(settings).get("retry_delays_seconds", DEFAULT_RETRY_DELAYS)
    if not isinstance(delays, list | tuple) or not all(isinstance(d, int | float) and d >= 0 for d in delays):
        raise ConfigError(f"{settings.path}: scheduler.retry_delays_seconds must be a list of seconds")
    return tuple(float(d) for d in delays)


def _timezone(settings: Settings):
    name = _options(settings).get("timezone", "local")
    if name == "local":
        import tzlocal  # an APScheduler 3 dependency; a named zone, so cron times follow daylight saving

        return tzlocal.get_localzone()
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(f"{settings.path}: scheduler.timezone = {name!r} is not a time zone") from exc


def cron_trigger(settings: Settings, schedule: str, source_name: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(schedule, timezone=_timezone(settings))
    except ValueError as exc:
        raise ConfigError(f"{settings.path}: source {source_name!r} has schedule {schedule!r}, which is not a "
                          f"cron expression like \"0 2 * * *\": {exc}") from exc


def run_source(scheduler: BaseScheduler, config_path: str, source_name: str, attempt: int = 0) -> str:
    """One scheduled sync; on failure, schedules the next retry. Never raises. Returns the outcome."""
    try:
        from jobs.sync import sync_one
        from warehouse.sync import SyncBusy

        settings = load_settings(config_path)
        try:
            view = sync_one(settings, source_name, actor="scheduler")
        except SyncBusy as exc:
            log.info("%s: skipped, %s", source_name, exc)
            return "busy"
        if view.outcome == "success":
            log.info("%s: synced %s rows (sync #%s)%s", source_name, f"{view.total_rows:,}", view.id,
                     f" after {attempt} retries" if attempt else "")
            return "success"
        log.error("%s: sync #%s failed: %s", source_name, view.id, view.error)
        delays = retry_delays(settings)
    except Exception:  # noqa: BLE001 - the process must survive anything a job does
        log.exception("%s: the sync job crashed", source_name)
        delays = DEFAULT_RETRY_DELAYS
    if attempt < len(delays):
        when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delays[attempt])
        try:
            scheduler.add_job(run_source, "date", run_date=when, args=[scheduler, config_path, source_name, attempt + 1],
                              id=f"retry-{source_name}", replace_existing=True, misfire_grace_time=None,
                              name=f"retry {attempt + 1} of {source_name}")
            log.warning("%s: retry %d of %d in %.0f s", source_name, attempt + 1, len(delays), delays[attempt])
        except Exception:  # noqa: BLE001 - e.g. the scheduler is shutting down
            log.exception("%s: could not schedule a retry", source_name)
    else:
        log.error("%s: giving up until the next scheduled run", source_name)
    return "failed"


def build_scheduler(settings: Settings, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """A scheduler with one cron job per scheduled source (not started)."""
    scheduler = scheduler or BlockingScheduler(timezone=_timezone(settings))
    retry_delays(settings)  # a bad value fails now, not at the first failure
    config_path = str(settings.path)
    for source in settings.sources:
        if not source.schedule:
            continue
        scheduler.add_job(run_source, cron_trigger(settings, source.schedule, source.name),
                          args=[scheduler, config_path, source.name], id=f"sync-{source.name}",
                          name=f"sync {source.name}", max_instances=1, coalesce=True, misfire_grace_time=3600,
                          replace_existing=True)
        if _options(settings).get("sync_at_start"):
            scheduler.add_job(run_source, "date", run_date=dt.datetime.now(dt.UTC),
                              args=[scheduler, config_path, source.name], id=f"start-{source.name}",
                              name=f"first sync of {source.name}", misfire_grace_time=None)
    scheduler.add_job(record_readiness, CronTrigger(hour=6, minute=0, timezone=_timezone(settings)),
                      args=[config_path], id="readiness-score", name="daily readiness score", max_instances=1,
                      coalesce=True, misfire_grace_time=6 * 3600, replace_existing=True)
    return scheduler


def record_readiness(config_path: str) -> None:
    """Keep today's go/no-go score for the readiness chart (only until go-live); never raises."""
    try:
        from metrics.readiness_cli import record_daily_readiness

        record_daily_readiness(load_settings(config_path))
    except Exception:  # noqa: BLE001 - a failed score must not stop the scheduler
        log.exception("daily readiness score failed")


def scheduler_command(args, settings: Settings) -> int:
    """Run until SIGTERM/SIGINT. Exit 0 after a clean stop."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stdout, force=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from tracker.db import upgrade
    from warehouse.store import ensure_schema

    upgrade(settings.database_url)
    ensure_schema(settings.warehouse_url)  # writes only when tables are missing: readers may hold the file
    scheduler = build_scheduler(settings)
    jobs = [j for j in scheduler.get_jobs() if j.id.startswith("sync-")]
    if not jobs:
        log.warning("no source in %s has a schedule; nothing to run", settings.path)
    for source in settings.sources:
        if source.schedule:
            log.info("%s: cron %r", source.name, source.schedule)
    stop = threading.Event()

    def on_signal(signum, _frame) -> None:  # noqa: ANN001
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("scheduler started with %d job(s); stop with Ctrl+C or SIGTERM", len(jobs))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if busy:
        # A sync still running is abandoned: its half-built snapshot never replaces the warehouse, and
        # the next sync clears it and marks the run as interrupted in the sync log.
        for thread in busy:
            thread.join(timeout=STOP_GRACE_SECONDS / len(busy))
        if any(t.is_alive() for t in busy):
            log.warning("a sync was still running; it is abandoned (the warehouse keeps the previous data)")
            log.info("scheduler stopped")
            logging.shutdown()
            os._exit(0)
    log.info("scheduler stopped")
    return 0
