"""Run syncs and log them: ``python manage.py sync [--source NAME]``, the scheduler and "Sync now".

Each source is synced on its own, atomically (warehouse/sync.py), and every run is written to the sync
log with its outcome, rows per table and error text. A failed sync is recorded and reported, never
raised: the other sources still sync, and callers read the outcome from the returned SyncRunView.
Two syncs of one source at once are refused with :class:`warehouse.sync.SyncBusy` (nothing is logged
for the refused one).

"Sync now" on the Data sources page runs the sync in a background thread of the Streamlit server
(:func:`start_in_background`), so it keeps going when the administrator leaves the page; its progress
goes to the sync log, which the page polls. The source lock keeps it from overlapping a scheduled run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from config.settings import Settings
from tracker import sync_log
from tracker.sync_log import SyncRunView
from warehouse.errors import UserFacingError
from warehouse.sync import SyncBusy, load_source, source_lock

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
PROGRESS_EVERY_SECONDS = 0.5


def _who(actor) -> str:
    if isinstance(actor, str):
        return actor
    return getattr(actor, "username", None) or "unknown"


def sync_one(settings: Settings, source_name: str, actor="cli", progress: Progress | None = None) -> SyncRunView:
    """Sync one configured source; returns its logged run (outcome success or failed).

    ``actor`` is a label ("cli", "scheduler", "init") or an auth.audit.Actor (then the run is also
    written to the audit log). Raises SyncBusy when this source is already being synced."""
    source = settings.source(source_name)
    with source_lock(settings.warehouse_url, settings.data_dir, source.name):
        sync_log.mark_interrupted(settings.database_url, source.name)  # runs whose process died
        run_id = sync_log.start(settings.database_url, source.name, _who(actor))
        report = _progress_writer(settings.database_url, run_id, progress)
        try:
            from connectors import open_connector

            connector = open_connector(settings, source)
            try:
                result = load_source(settings.warehouse_url, settings.data_dir, source.name, connector,
                                     sync_id=run_id, progress=report)
            finally:
                connector.close()
        except UserFacingError as exc:
            view = sync_log.finish(settings.database_url, run_id, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - logged with its traceback; the run is marked failed
            log.exception("sync of %s failed", source.name)
            view = sync_log.finish(settings.database_url, run_id,
                                   error=f"unexpected error ({exc.__class__.__name__}): {exc}")
        except BaseException:
            sync_log.finish(settings.database_url, run_id, error=sync_log.INTERRUPTED)
            raise
        else:
            view = sync_log.finish(settings.database_url, run_id, rows=result.rows)
    _audit(settings, actor, view)
    if progress:
        progress(1.0, "Done" if view.outcome == sync_log.SUCCESS else "Failed")
    return view


def reap_interrupted(settings: Settings) -> int:
    """Mark runs still 'running' whose sync no longer runs anywhere (the process was killed) as failed,
    so the Data sources page does not wait for them forever. Returns how many were marked."""
    from warehouse.sync import source_lock_held

    marked = 0
    for source in settings.sources:
        last = sync_log.last_run(settings.database_url, source.name)
        if last is not None and last.outcome == sync_log.RUNNING and \
                not source_lock_held(settings.warehouse_url, settings.data_dir, source.name):
            marked += sync_log.mark_interrupted(settings.database_url, source.name)
    return marked


def sync_all(settings: Settings, actor="cli", progress: Progress | None = None) -> list[SyncRunView]:
    """Sync every configured source, one after another; a failing source does not stop the others."""
    views = []
    count = len(settings.sources)
    for i, source in enumerate(settings.sources):
        def part(fraction: float, message: str, i: int = i, name: str = source.name) -> None:
            if progress:
                progress((i + fraction) / count, f"{name}: {message}")

        try:
            views.append(sync_one(settings, source.name, actor, part))
        except SyncBusy as exc:
            log.warning("%s", exc)
            latest = sync_log.last_run(settings.database_url, source.name)
            if latest is not None:
                views.append(latest)
    return views


def _progress_writer(database_url: str, run_id: int, forward: Progress | None) -> Progress:
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS or fraction >= 0.97:
            last[0] = now
            try:
                sync_log.set_progress(database_url, run_id, fraction, message)
            except Exception:  # noqa: BLE001 - progress is best effort; the sync goes on
                log.warning("could not record sync progress", exc_info=True)
        if forward:
            forward(fraction, message)

    return report


def _audit(settings: Settings, actor, view: SyncRunView) -> None:
    if isinstance(actor, str):
        return
    from auth import audit

    audit.record(settings.database_url, actor, "sync.run", resource_type="source", resource_id=view.source,
                 detail={"sync_id": view.id, "outcome": view.outcome, "rows": view.rows})


# ------------------------------------------------------------------------------------------ Sync now

_threads: dict[tuple[str, str], threading.Thread] = {}
_threads_lock = threading.Lock()


def start_in_background(settings: Settings, source_name: str, actor) -> bool:
    """Start a sync in a thread of this process (the page's "Sync now"). False when one of this source
    is already running here; another process's run is refused by the source lock and logged."""
    key = (str(settings.path), source_name)
    with _threads_lock:
        running = _threads.get(key)
        if running is not None and running.is_alive():
            return False

        def work() -> None:
            try:
                sync_one(settings, source_name, actor)
            except SyncBusy as exc:
                log.warning("%s", exc)
            except Exception:  # noqa: BLE001
                log.exception("background sync of %s failed", source_name)

        thread = threading.Thread(target=work, name=f"sync-{source_name}", daemon=True)
        _threads[key] = thread
        thread.start()
        return True


def running_here(settings: Settings, source_name: str) -> bool:
    thread = _threads.get((str(settings.path), source_name))
    return thread is not None and thread.is_alive()


# ------------------------------------------------------------------------------------------ command line


def sync_command(args, settings: Settings) -> int:
    """``manage.py sync [--source NAME]``: print rows per table; non-zero exit if any source failed."""
    names = [args.source] if getattr(args, "source", None) else [s.name for s in settings.sources]
    if args.source:
        settings.source(args.source)  # unknown name -> ConfigError naming the config
    if not names:
        raise UserFacingError(f"{settings.path}: no [[sources]] configured; nothing to sync")
    failed = 0
    for name in names:
        started = time.monotonic()
        view = sync_one(settings, name, actor="cli")
        seconds = time.monotonic() - started
        if view.outcome == sync_log.SUCCESS:
            print(f"{name}: synced {view.total_rows:,} rows in {seconds:.1f} s (sync #{view.id})")
            width = max((len(t) for t in view.rows), default=5)
            for table, count in view.rows.items():
                print(f"  {table:<{width}}  {count:>12,}")
        else:
            failed += 1
            print(f"error: sync of source {name!r} failed; the warehouse keeps its previous data. "
                  f"{view.error}", file=__import__("sys").stderr)
    return 2 if failed else 0
