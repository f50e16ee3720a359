"""Create or upgrade both stores, and build the demo practice (``manage.py init [--demo]``).

Idempotent: running it again upgrades the app DB, adds missing warehouse tables, and leaves an
existing demo as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from config.settings import ANCHOR_FILE, Settings, duckdb_path, load_settings, sqlite_path, write_demo_anchor
from tracker.db import upgrade
from warehouse.errors import UserFacingError
from warehouse.store import ensure_schema

Progress = Callable[[float, str], None]

# Demo project state, one seeder per area: "module:function(settings, moment, today)".
# A module that does not exist yet is skipped, so areas can land one at a time.
DEMO_SEEDERS = (
    "auth.users:seed_demo",
    "tracker.demo_plan:seed_demo",
    "tracker.demo_training:seed_demo",
    "migration.demo:seed_demo",
    "tracker.demo_readiness:seed_demo",
)
GENERATOR = "seed_data.demo:generate_for_settings"  # the demo's legacy and new PMS databases
SYNC = "jobs.sync:sync_all"


def _noop(_fraction: float, _message: str) -> None:
    pass


def init_stores(settings: Settings) -> None:
    """App DB at the newest migration; warehouse with every canonical table."""
    upgrade(settings.database_url)
    # Opens the live warehouse for writing only when tables are missing: a DuckDB file that readers
    # in other processes hold open cannot be opened for writing.
    ensure_schema(settings.warehouse_url)


READY_MARKER = "demo_ready"
LOCK_FILE = ".setup.lock"


def demo_is_built(settings: Settings) -> bool:
    return (settings.data_dir / READY_MARKER).exists()


def _demo_files(settings: Settings) -> list[Path]:
    """Files a demo build writes inside its data folder (removed before a build starts over)."""
    data_dir = settings.data_dir.resolve()
    files = [data_dir / ANCHOR_FILE]
    for path in (sqlite_path(settings.database_url), duckdb_path(settings.warehouse_url),
                 *(sqlite_path(s.url) for s in settings.sources)):
        if path is not None and data_dir in path.resolve().parents:
            files += [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"),
                      Path(f"{path}.wal")]
    return files


def clear_partial_demo(settings: Settings) -> None:
    """Remove what an interrupted demo build left behind, so the next build starts from nothing."""
    if demo_is_built(settings):
        return
    from tracker.db import dispose_engines

    dispose_engines()
    for path in _demo_files(settings):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# ------------------------------------------------------------------ one setup at a time

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()
# What the running setup of each data folder last reported, so a second visitor can show it too.
_progress: dict[str, tuple[float, str]] = {}
_ready_in_process: set[str] = set()


def _key(settings: Settings) -> str:
    return str(settings.path)


@contextlib.contextmanager
def setup_lock(settings: Settings, waiting: Progress | None = None) -> Iterator[None]:
    """Only one setup per data folder: across the sessions of one server (a thread lock) and across
    processes, e.g. the app and ``manage.py init`` (an flock on data/.setup.lock). ``waiting`` is
    called about twice a second with the other setup's progress while this one waits."""
    key = _key(settings)
    with _thread_locks_guard:
        lock = _thread_locks.setdefault(key, threading.Lock())
    while not lock.acquire(timeout=0.5):
        if waiting:
            waiting(*_progress.get(key, (0.0, "Waiting for the set-up another visitor started")))
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(settings.data_dir / LOCK_FILE, "a+") as handle:
            _flock(handle, waiting)
            yield
    finally:
        lock.release()


def _flock(handle, waiting: Progress | None) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: the thread lock alone protects one server
        return
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return  # released when the file is closed
        except BlockingIOError:
            if waiting:
                waiting(0.0, "Waiting for a set-up running in another process (manage.py init?)")
            time.sleep(0.5)


def ensure_ready_once(settings: Settings, progress: Progress = _noop, waiting: Progress | None = None) -> Settings:
    """``ensure_ready`` at most once per process and config, safe when several sessions arrive at once.

    The first caller builds (reporting to ``progress``); the others wait (reporting the first one's
    progress to ``waiting``) and then find everything ready."""
    key = _key(settings)
    if key in _ready_in_process and (not settings.demo or demo_is_built(settings)):
        return settings

    def report(fraction: float, message: str) -> None:
        _progress[key] = (fraction, message)
        progress(fraction, message)

    with setup_lock(settings, waiting):
        if key not in _ready_in_process or (settings.demo and not demo_is_built(settings)):
            settings = ensure_ready(settings, report)
            _ready_in_process.add(key)
        _progress.pop(key, None)
    return settings


def ready_in_process(settings: Settings) -> bool:
    return _key(settings) in _ready_in_process and (not settings.demo or demo_is_built(settings))


def build_demo(settings: Settings, progress: Progress = _noop, today: dt.date | None = None) -> Settings:
    """Generate the demo PMS databases and project state, then sync them. Returns settings re-read
    (go-live moves with the demo's anchor date)."""
    today = today or dt.date.today()
    clear_partial_demo(settings)
    write_demo_anchor(settings, today)
    settings = load_settings(settings.path)
    progress(0.05, "Creating the app database and the warehouse")
    init_stores(settings)
    progress(0.15, "Generating the demo practice's legacy and new PMS databases")
    generate = _optional(GENERATOR)
    if generate:
        generate(settings, today=today)
    progress(0.55, "Loading both systems into the warehouse")
    sync_all = _optional(SYNC)
    if sync_all:
        failed = [run for run in sync_all(settings, actor="init") if run.outcome != "success"]
        if failed:
            raise UserFacingError("the demo could not be loaded into the warehouse: "
                                  + "; ".join(f"source {run.source}: {run.error}" for run in failed))
    progress(0.75, "Preparing the demo rollout project")
    for i, name in enumerate(DEMO_SEEDERS):
        seeder = _optional(name)
        if seeder:
            seeder(settings, settings.moment or "after", today)
        progress(0.75 + 0.2 * (i + 1) / len(DEMO_SEEDERS), "Preparing the demo rollout project")
    # Written last and atomically: a build that stops half-way is never taken for a ready demo.
    marker = settings.data_dir / READY_MARKER
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(today.isoformat() + "\n")
    os.replace(tmp, marker)
    progress(1.0, "Ready")
    return settings


def ensure_ready(settings: Settings, progress: Progress = _noop) -> Settings:
    """What the app calls on start: upgrade the stores, and build the demo on first run."""
    if settings.demo and not demo_is_built(settings):
        return build_demo(settings, progress)
    init_stores(settings)
    return settings


def _optional(target: str):
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, func_name, None)


def init_command(args, settings: Settings) -> int:
    if args.demo:
        if not settings.demo:
            print(f"error: {settings.path} is not a demo config; --demo builds the embedded demo only")
            return 2
        def show(fraction: float, message: str) -> None:
            print(f"[{fraction:4.0%}] {message}", flush=True)

        with setup_lock(settings):
            if demo_is_built(settings):
                init_stores(settings)
                print(f"Demo ({settings.moment}) already built in {settings.data_dir}; stores upgraded.")
                return 0
            settings = build_demo(settings, show)
        print(f"Demo ready in {settings.data_dir} (go-live {settings.go_live}).")
        return 0
    with setup_lock(settings):
        init_stores(settings)
    print(f"App DB and warehouse ready ({settings.database_url}, {settings.warehouse_url}).")
    return 0
