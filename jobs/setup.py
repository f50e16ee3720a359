"""Create or upgrade both stores, and build the demo practice (``manage.py init [--demo]``).

Idempotent: running it again upgrades the app DB, adds missing warehouse tables, and leaves an
existing demo as it is.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable

from config.settings import Settings, load_settings, write_demo_anchor
from tracker.db import upgrade
from warehouse.store import connect, create_schema

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


def _noop(_fraction: float, _message: str) -> None:
    pass


def init_stores(settings: Settings) -> None:
    """App DB at the newest migration; warehouse with every canonical table."""
    upgrade(settings.database_url)
    con = connect(settings.warehouse_url)
    try:
        create_schema(con)
    finally:
        con.disconnect()


def demo_is_built(settings: Settings) -> bool:
    return (settings.data_dir / "demo_ready").exists()


def build_demo(settings: Settings, progress: Progress = _noop, today: dt.date | None = None) -> Settings:
    """Generate the demo PMS databases and project state, then sync them. Returns settings re-read
    (go-live moves with the demo's anchor date)."""
    today = today or dt.date.today()
    write_demo_anchor(settings, today)
    settings = load_settings(settings.path)
    progress(0.05, "Creating the app database and the warehouse")
    init_stores(settings)
    progress(0.15, "Generating the demo practice's legacy and new PMS databases")
    generate = _optional("seed_data.demo:generate_for_settings")
    if generate:
        generate(settings, today=today)
    progress(0.55, "Loading both systems into the warehouse")
    sync_all = _optional("jobs.sync:sync_all")
    if sync_all:
        sync_all(settings, actor="init")
    progress(0.75, "Preparing the demo rollout project")
    for i, name in enumerate(DEMO_SEEDERS):
        seeder = _optional(name)
        if seeder:
            seeder(settings, settings.moment or "after", today)
        progress(0.75 + 0.2 * (i + 1) / len(DEMO_SEEDERS), "Preparing the demo rollout project")
    (settings.data_dir / "demo_ready").write_text(today.isoformat() + "\n")
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
        if demo_is_built(settings):
            init_stores(settings)
            print(f"Demo ({settings.moment}) already built in {settings.data_dir}; stores upgraded.")
            return 0

        def show(fraction: float, message: str) -> None:
            print(f"[{fraction:4.0%}] {message}", flush=True)

        settings = build_demo(settings, show)
        print(f"Demo ready in {settings.data_dir} (go-live {settings.go_live}).")
        return 0
    init_stores(settings)
    print(f"App DB and warehouse ready ({settings.database_url}, {settings.warehouse_url}).")
    return 0
